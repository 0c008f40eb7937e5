/* metrics.c — log-softmax, KL, rates and summary statistics in double precision. */
#include "bench/metrics.h"

#include <math.h>
#include <stdlib.h>

#include "kernels/kernels.h"

/* The row sums run on the best kernel set (vector double exp; FFAI_KERNELS=generic: libm's). */
double metric_logprob(const float *logits, int vocab, int token) { return (double)logits[token] - kernels_best()->lse(logits, vocab); }

double metric_kl(const float *ref, const float *cand, int vocab) {
    const kernel_set *ks = kernels_best();
    double kl = ks->kl(ref, cand, vocab, ks->lse(ref, vocab), ks->lse(cand, vocab));
    return kl < 0 ? 0 : kl;
}

int metric_argmax(const float *logits, int vocab) {
    int b = 0;
    for (int i = 1; i < vocab; i++)
        if (logits[i] > logits[b]) b = i;
    return b;
}

double metric_steady_tps(const double *t, int n) {
    if (n - 1 <= 10) return NAN;
    double sum = 0;
    int cnt = 0;
    for (int i = 10; i < n; i++) {
        sum += t[i] - t[i - 1];
        cnt++;
    }
    return sum > 0 ? cnt / sum : NAN;
}

void metric_mean_std(const double *x, int n, double *mean, double *std) {
    double m = 0;
    for (int i = 0; i < n; i++) m += x[i];
    m = n ? m / n : 0;
    double v = 0;
    for (int i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    *mean = m;
    *std = n > 1 ? sqrt(v / (n - 1)) : 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double metric_quantile(double *x, int n, double q) {
    if (n <= 0) return NAN;
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1) return x[n - 1];
    return x[i] + (pos - i) * (x[i + 1] - x[i]);
}
