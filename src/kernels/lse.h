/* lse.h — log-sum-exp and KL divergence of rows of logits in double precision (lse.c), one
 * variant per kernel set (kernels.h: the set's lse and kl entries). */
#ifndef FFAI_KERNELS_LSE_H
#define FFAI_KERNELS_LSE_H

/* log sum_i exp(x_i) over x (n,), as m + log sum_i exp(x_i - m) with m the largest x_i (NaNs
 * skipped when picking m; a NaN anywhere, or every x_i = -inf, gives NaN; n = 0 gives -inf). */
double lse_generic(const float *x, int n);
/* sum_i e^a_i (a_i - b_i) over the i with e^a_i > 0, where a_i = p_i - lp, b_i = q_i - lq:
 * KL(softmax(p) || softmax(q)) when lp and lq are the rows' log-sum-exps. */
double kl_generic(const float *p, const float *q, int n, double lp, double lq);

#if defined(__x86_64__)
double lse_avx2(const float *x, int n);
double kl_avx2(const float *p, const float *q, int n, double lp, double lq);
double lse_avx512(const float *x, int n);
double kl_avx512(const float *p, const float *q, int n, double lp, double lq);
#endif

#endif
