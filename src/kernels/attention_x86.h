/* attention_x86.h — the x86 attention and activation kernels (shapes in kernels.h), one
 * set per ISA: AVX-512 (attention_avx512.c) and AVX2+FMA (attention_avx2.c). The activation
 * kernels compute gate = act(gate) * up with their vector exp (SiLU and GELU-tanh are both
 * g sigmoid(a): a = g, and a = 2 sqrt(2/pi) (g + 0.044715 g^3)). */
#ifndef FFAI_KERNELS_ATTENTION_X86_H
#define FFAI_KERNELS_ATTENTION_X86_H

#include <stddef.h>
#include <stdint.h>

#define ATTENTION_KERNELS(isa)                                                                                                   \
    void attn_scores_##isa(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, \
                           int lds);                                                                                             \
    float exp_sum_##isa(float *x, int n, float m);                                                                               \
    void attn_pv_##isa(const float *P, int nq, int lds, const float *V, int ldv, int n, int hd, float *out);                     \
    void silu_mul_##isa(float *gate, const float *up, int n);                                                                     \
    void gelu_tanh_mul_##isa(float *gate, const float *up, int n);

ATTENTION_KERNELS(avx512)
/* AVX-512 and AVX2 scores and P.V reading an f16 cache (kernels.h: attn_scores_h, attn_pv_h). */
void attn_scores_h_avx512(const float *q, int nq, size_t qstride, int hd, const uint16_t *Kb, int lo, int hi, float scale, float *scores, int lds);
void attn_pv_h_avx512(const float *P, int nq, int lds, const uint16_t *V, int ldv, int n, int hd, float *out);
void attn_scores_h_avx2(const float *q, int nq, size_t qstride, int hd, const uint16_t *Kb, int lo, int hi, float scale, float *scores, int lds);
void attn_pv_h_avx2(const float *P, int nq, int lds, const uint16_t *V, int ldv, int n, int hd, float *out);
ATTENTION_KERNELS(avx2)

#endif
