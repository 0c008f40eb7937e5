/* metrics.h — the numbers behind the bench columns: log-probabilities, KL
 * divergence, perplexity, steady-state rate, mean/std, percentiles. */
#ifndef FFAI_BENCH_METRICS_H
#define FFAI_BENCH_METRICS_H

/* log p(token) under softmax(logits) (vocab,), in double precision. */
double metric_logprob(const float *logits, int vocab, int token);

/* KL(P || Q) = sum_v p_v (log p_v - log q_v) with P = softmax(ref), Q = softmax(cand), in double. */
double metric_kl(const float *ref, const float *cand, int vocab);

/* Index of the largest logit. */
int metric_argmax(const float *logits, int vocab);

/* Steady tok/s from per-token timestamps t[0..n): intervals from token 11 on
 * (t[i] - t[i-1], i >= 10), count / sum; NAN when there are <= 10 intervals. */
double metric_steady_tps(const double *t, int n);

/* Mean and sample standard deviation (0 for n < 2). */
void metric_mean_std(const double *x, int n, double *mean, double *std);

/* The q-quantile (0..1) of x[0..n) by linear interpolation; sorts x in place. */
double metric_quantile(double *x, int n, double q);

#endif
