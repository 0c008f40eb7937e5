/* metrics.c — log-softmax, KL, rates and summary statistics in double precision. */
#include "bench/metrics.h"

#include <math.h>
#include <stdlib.h>

static double log_sum_exp(const float *x, int n, double *mx_out) {
    double mx = -INFINITY;
    for (int i = 0; i < n; i++)
        if (x[i] > mx) mx = x[i];
    double s = 0;
    for (int i = 0; i < n; i++) s += exp((double)x[i] - mx);
    *mx_out = mx;
    return mx + log(s);
}

double metric_logprob(const float *logits, int vocab, int token) {
    double mx;
    double lse = log_sum_exp(logits, vocab, &mx);
    return (double)logits[token] - lse;
}

double metric_kl(const float *ref, const float *cand, int vocab) {
    double m1, m2;
    double lp = log_sum_exp(ref, vocab, &m1), lq = log_sum_exp(cand, vocab, &m2);
    double kl = 0;
    for (int v = 0; v < vocab; v++) {
        double a = (double)ref[v] - lp, b = (double)cand[v] - lq;
        double p = exp(a);
        if (p > 0) kl += p * (a - b);
    }
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
