/* attention_avx512.c — AVX-512 attention kernels: scores over 32 keys at a time from
 * the blocked K cache (no horizontal sums), a vector exp for the softmax, and P.V
 * with each V row loaded once for up to four query rows; scores and P.V read an f16 KV
 * cache directly too. */
#if defined(__x86_64__)
#pragma GCC optimize("O3")
#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#include "kernels/attention_x86.h"
#include "kernels/kernels.h"

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define AI __attribute__((always_inline))
/* Software prefetch distance along the K and V streams, in floats (16 KB): decode attention
 * streams the whole cache from memory, and the hardware prefetcher alone left a core at
 * ~60 % of its read bandwidth (bench/attn_bench). */
#define ATT_AHEAD 4096

/* Lanes of the key block starting at s0 that fall in [lo, hi). */
TGT static inline __mmask16 key_mask(int s0, int lo, int hi) {
    unsigned m = 0xffffu;
    if (lo > s0) m &= 0xffffu << (lo - s0 > 16 ? 16 : lo - s0);
    if (hi < s0 + 16) m &= hi <= s0 ? 0u : (1u << (hi - s0)) - 1u;
    return (__mmask16)m;
}

/* 16 cached values at element i of a float (H = 0) or IEEE half (H = 1) array, as floats:
 * halves are converted in registers, so an f16 cache is read at half the bytes. */
AI TGT static inline __m512 ld16(const void *p, size_t i, const int H) {
    return H ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)((const uint16_t *)p + i))) : _mm512_loadu_ps((const float *)p + i);
}
AI TGT static inline __m512 ld16_maskz(__mmask16 m, const void *p, size_t i, const int H) {
    return H ? _mm512_maskz_cvtph_ps(m, _mm256_maskz_loadu_epi16(m, (const uint16_t *)p + i)) : _mm512_maskz_loadu_ps(m, (const float *)p + i);
}
#define ELEM(p, i, H) ((const char *)(p) + (size_t)(i) * ((H) ? 2 : 4))

/* NQ (<= ATTN_QB) query rows x 32 keys (two key blocks) per register tile: per head-dim
 * step, two contiguous K loads and NQ broadcasts feed 2 NQ independent FMA chains. */
AI TGT static inline void scores_rows(const float *q, size_t qstride, int hd, const void *Kb, int lo, int hi, __m512 sc, float *scores, int lds,
                                      const int NQ, const int H) {
    int base = lo & ~(KBLK - 1);
    for (int s = base; s < hi; s += 2 * KBLK) {
        __mmask16 m0 = key_mask(s, lo, hi), m1 = key_mask(s + KBLK, lo, hi);
        size_t b0 = (size_t)(s / KBLK) * hd * KBLK, b1 = b0 + (size_t)hd * KBLK; /* element offsets of the two blocks */
        __m512 a[ATTN_QB][2];
        for (int i = 0; i < NQ; i++) a[i][0] = a[i][1] = _mm512_setzero_ps();
        for (int d = 0; d < hd; d++) {
            __m512 k0 = ld16(Kb, b0 + (size_t)d * KBLK, H), k1 = ld16_maskz(m1 ? 0xffff : 0, Kb, b1 + (size_t)d * KBLK, H);
            _mm_prefetch(ELEM(Kb, b0 + (size_t)d * KBLK + ATT_AHEAD, H), _MM_HINT_T0);
            _mm_prefetch(ELEM(Kb, b1 + (size_t)d * KBLK + ATT_AHEAD, H), _MM_HINT_T0);
            for (int i = 0; i < NQ; i++) {
                __m512 b = _mm512_set1_ps(q[(size_t)i * qstride + d]);
                a[i][0] = _mm512_fmadd_ps(b, k0, a[i][0]);
                a[i][1] = _mm512_fmadd_ps(b, k1, a[i][1]);
            }
        }
        for (int i = 0; i < NQ; i++) {
            float *row = scores + (size_t)i * lds + (s - base);
            _mm512_mask_storeu_ps(row, m0, _mm512_mul_ps(a[i][0], sc));
            if (m1) _mm512_mask_storeu_ps(row + KBLK, m1, _mm512_mul_ps(a[i][1], sc));
        }
    }
}

#define SCORES_CASES(H)                                                                      \
    switch (nq - i0 < ATTN_QB ? nq - i0 : ATTN_QB) {                                         \
    case 1: scores_rows(qi, qstride, hd, Kb, lo, hi, sc, si, lds, 1, H); break;              \
    case 2: scores_rows(qi, qstride, hd, Kb, lo, hi, sc, si, lds, 2, H); break;              \
    case 3: scores_rows(qi, qstride, hd, Kb, lo, hi, sc, si, lds, 3, H); break;              \
    case 4: scores_rows(qi, qstride, hd, Kb, lo, hi, sc, si, lds, 4, H); break;              \
    case 5: scores_rows(qi, qstride, hd, Kb, lo, hi, sc, si, lds, 5, H); break;              \
    case 6: scores_rows(qi, qstride, hd, Kb, lo, hi, sc, si, lds, 6, H); break;              \
    case 7: scores_rows(qi, qstride, hd, Kb, lo, hi, sc, si, lds, 7, H); break;              \
    default: scores_rows(qi, qstride, hd, Kb, lo, hi, sc, si, lds, 8, H); break;             \
    }

/* Every row, ATTN_QB at a time, against a float (H = 0) or half (H = 1) K cache. */
AI TGT static inline void scores_all(const float *q, int nq, size_t qstride, int hd, const void *Kb, int lo, int hi, float scale, float *scores, int lds,
                                     const int H) {
    __m512 sc = _mm512_set1_ps(scale);
    for (int i0 = 0; i0 < nq; i0 += ATTN_QB) {
        const float *qi = q + (size_t)i0 * qstride;
        float *si = scores + (size_t)i0 * lds;
        SCORES_CASES(H)
    }
}

TGT void attn_scores_avx512(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds) {
    scores_all(q, nq, qstride, hd, Kb, lo, hi, scale, scores, lds, 0);
}

TGT void attn_scores_h_avx512(const float *q, int nq, size_t qstride, int hd, const uint16_t *Kb, int lo, int hi, float scale, float *scores, int lds) {
    scores_all(q, nq, qstride, hd, Kb, lo, hi, scale, scores, lds, 1);
}

/* exp(x) for x <= 0 (softmax arguments): range reduction x = k ln2 + r with
 * |r| <= ln2/2, a degree-6 polynomial for e^r, scaling by 2^k. About 1 ulp. */
TGT static inline __m512 exp_ps(__m512 x) {
    const __m512 lo = _mm512_set1_ps(-87.3f);
    x = _mm512_max_ps(x, lo);
    __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 r2 = _mm512_mul_ps(r, r);
    p = _mm512_fmadd_ps(p, r2, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, k);
}

/* gate = g sigmoid(a) * up over n, a = g (SiLU) or 2 sqrt(2/pi) (g + 0.044715 g^3) (GELU-tanh:
 * 0.5 (1 + tanh(u)) = sigmoid(2u)); the tail goes to the generic kernel. */
AI TGT static inline void sigmoid_mul(float *gate, const float *up, int n, const int gelu) {
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    const __m512 k1 = _mm512_set1_ps(1.5957691216057308f), k3 = _mm512_set1_ps(1.5957691216057308f * 0.044715f);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 g = _mm512_loadu_ps(gate + i), a = g;
        if (gelu) a = _mm512_mul_ps(g, _mm512_fmadd_ps(_mm512_mul_ps(g, g), k3, k1));
        /* e = e^-|a| (argument <= 0); sigmoid(a) = 1/(1+e) for a >= 0 and e/(1+e) for a < 0 (no cancellation) */
        __m512 e = exp_ps(_mm512_sub_ps(zero, _mm512_abs_ps(a)));
        __mmask16 neg = _mm512_cmp_ps_mask(a, zero, _CMP_LT_OQ);
        __m512 sig = _mm512_div_ps(_mm512_mask_blend_ps(neg, one, e), _mm512_add_ps(one, e));
        _mm512_storeu_ps(gate + i, _mm512_mul_ps(_mm512_mul_ps(g, sig), _mm512_loadu_ps(up + i)));
    }
    if (gelu) k_gelu_tanh_mul(gate + i, up + i, n - i);
    else k_silu_mul(gate + i, up + i, n - i);
}

TGT void silu_mul_avx512(float *gate, const float *up, int n) { sigmoid_mul(gate, up, n, 0); }

TGT void gelu_tanh_mul_avx512(float *gate, const float *up, int n) { sigmoid_mul(gate, up, n, 1); }

TGT float exp_sum_avx512(float *x, int n, float m) {
    __m512 vm = _mm512_set1_ps(m), acc = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = exp_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), vm));
        _mm512_storeu_ps(x + i, e);
        acc = _mm512_add_ps(acc, e);
    }
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1u);
        __m512 e = exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), vm));
        _mm512_mask_storeu_ps(x + i, k, e);
        acc = _mm512_add_ps(acc, _mm512_maskz_mov_ps(k, e));
    }
    return _mm512_reduce_add_ps(acc);
}

/* NH (<= 4) rows x ND (<= 4) vectors of 16 output columns in registers: per key, ND V loads
 * and NH broadcasts of P feed NH x ND FMAs. V holds floats (H = 0) or IEEE halves (H = 1). */
AI TGT static inline void pv_rows(const float *P, int lds, const void *V, size_t v0, int ldv, int n, int hd, float *out, const int NH, const int ND,
                                  const int H) {
    __m512 a[4][4];
    for (int h = 0; h < NH; h++)
        for (int k = 0; k < ND; k++) a[h][k] = _mm512_loadu_ps(out + (size_t)h * hd + 16 * k);
    for (int s = 0; s < n; s++) {
        size_t v = v0 + (size_t)s * ldv;
        __m512 vv[4];
        for (int k = 0; k < ND; k++) vv[k] = ld16(V, v + 16 * (size_t)k, H);
        for (int k = 0; k < ND; k++) _mm_prefetch(ELEM(V, v + 16 * (size_t)k + ATT_AHEAD, H), _MM_HINT_T0);
        for (int h = 0; h < NH; h++) {
            __m512 p = _mm512_set1_ps(P[(size_t)h * lds + s]);
            for (int k = 0; k < ND; k++) a[h][k] = _mm512_fmadd_ps(p, vv[k], a[h][k]);
        }
    }
    for (int h = 0; h < NH; h++)
        for (int k = 0; k < ND; k++) _mm512_storeu_ps(out + (size_t)h * hd + 16 * k, a[h][k]);
}

#define PV_CASES(ND, H)                                                        \
    switch (nh) {                                                              \
    case 1: pv_rows(Ph, lds, V, d0, ldv, n, hd, Od, 1, ND, H); break;          \
    case 2: pv_rows(Ph, lds, V, d0, ldv, n, hd, Od, 2, ND, H); break;          \
    case 3: pv_rows(Ph, lds, V, d0, ldv, n, hd, Od, 3, ND, H); break;          \
    default: pv_rows(Ph, lds, V, d0, ldv, n, hd, Od, 4, ND, H); break;         \
    }

/* Head dims that are multiples of 16 (callers check): 64 columns at a time, then 16. */
#define PV_BODY(H)                                                              \
    for (int h0 = 0; h0 < nq; h0 += 4) {                                        \
        int nh = nq - h0 < 4 ? nq - h0 : 4;                                     \
        const float *Ph = P + (size_t)h0 * lds;                                 \
        for (int d0 = 0; d0 < hd;) {                                            \
            float *Od = out + (size_t)h0 * hd + d0;                             \
            if (hd - d0 >= 64) {                                                \
                PV_CASES(4, H)                                                  \
                d0 += 64;                                                       \
            } else {                                                            \
                PV_CASES(1, H)                                                  \
                d0 += 16;                                                       \
            }                                                                   \
        }                                                                       \
    }

TGT void attn_pv_avx512(const float *P, int nq, int lds, const float *V, int ldv, int n, int hd, float *out) {
    if (hd % 16 != 0) {
        attn_pv_generic(P, nq, lds, V, ldv, n, hd, out);
        return;
    }
    PV_BODY(0)
}

/* The f16 cache's P.V; head dims not a multiple of 16 are not taken (attention.c stages them). */
TGT void attn_pv_h_avx512(const float *P, int nq, int lds, const uint16_t *V, int ldv, int n, int hd, float *out) { PV_BODY(1) }
#endif
