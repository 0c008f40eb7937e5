/* attention_avx512.h — AVX-512 attention kernels (see kernels.h for shapes). */
#ifndef FFAI_KERNELS_ATTENTION_AVX512_H
#define FFAI_KERNELS_ATTENTION_AVX512_H

#include <stddef.h>

void attn_scores_avx512(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds);
float exp_sum_avx512(float *x, int n, float m);
void attn_pv_avx512(const float *P, int nq, int lds, const float *V, int ldv, int n, int hd, float *out);

/* gate = silu(gate) * up, with the vector exp of the softmax. */
void silu_mul_avx512(float *gate, const float *up, int n);

#endif
