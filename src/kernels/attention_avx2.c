/* attention_avx2.c — AVX2+FMA attention and activation kernels for CPUs without
 * AVX-512: scores for up to 4 query rows x 16 keys (one K block) per register tile,
 * a vector exp for the softmax and SiLU, and P.V with each V row loaded once for two
 * query rows. Scores and P.V also read an f16 KV cache directly. Shapes as in kernels.h. */
#if defined(__x86_64__)
#pragma GCC optimize("O3")
#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#include "kernels/attention_x86.h"
#include "kernels/kernels.h"

#define TGT __attribute__((target("avx2,fma,f16c")))
#define AI __attribute__((always_inline))

/* 8 cached values at element i of a float (H = 0) or IEEE half (H = 1) array, as floats. */
AI TGT static inline __m256 ld8(const void *p, size_t i, const int H) {
    return H ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)((const uint16_t *)p + i))) : _mm256_loadu_ps((const float *)p + i);
}

/* NQ (<= 4) query rows x the 16 keys of each block in [lo, hi). */
AI TGT static inline void scores_rows2(const float *q, size_t qstride, int hd, const void *Kb, int lo, int hi, float scale, float *scores, int lds,
                                       const int NQ, const int H) {
    int base = lo & ~(KBLK - 1);
    const __m256 sc = _mm256_set1_ps(scale);
    for (int s = base; s < hi; s += KBLK) {
        size_t b = (size_t)(s / KBLK) * hd * KBLK;
        __m256 a[4][2];
        for (int i = 0; i < NQ; i++) a[i][0] = a[i][1] = _mm256_setzero_ps();
        for (int d = 0; d < hd; d++) {
            __m256 k0 = ld8(Kb, b + (size_t)d * KBLK, H), k1 = ld8(Kb, b + (size_t)d * KBLK + 8, H);
            for (int i = 0; i < NQ; i++) {
                __m256 qv = _mm256_broadcast_ss(q + (size_t)i * qstride + d);
                a[i][0] = _mm256_fmadd_ps(qv, k0, a[i][0]);
                a[i][1] = _mm256_fmadd_ps(qv, k1, a[i][1]);
            }
        }
        for (int i = 0; i < NQ; i++) {
            float out[KBLK], *row = scores + (size_t)i * lds + (s - base);
            _mm256_storeu_ps(out, _mm256_mul_ps(a[i][0], sc));
            _mm256_storeu_ps(out + 8, _mm256_mul_ps(a[i][1], sc));
            for (int k = s < lo ? lo - s : 0; k < KBLK && s + k < hi; k++) row[k] = out[k]; /* keys in [lo, hi) only */
        }
    }
}

/* Up to 4 rows, specialised on their count. */
TGT static void scores4(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds) {
#define SCORES_ROWS(k) scores_rows2(q, qstride, hd, Kb, lo, hi, scale, scores, lds, k, 0)
    KERNEL_ROWS4(nq, SCORES_ROWS)
#undef SCORES_ROWS
}

TGT void attn_scores_avx2(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds) {
    attn_scores_blocks(scores4, 4, q, nq, qstride, hd, Kb, lo, hi, scale, scores, lds);
}

/* The same against an f16 K cache, 4 rows at a time. */
TGT void attn_scores_h_avx2(const float *q, int nq, size_t qstride, int hd, const uint16_t *Kb, int lo, int hi, float scale, float *scores, int lds) {
    for (int i0 = 0; i0 < nq; i0 += 4) {
        const float *qi = q + (size_t)i0 * qstride;
        float *si = scores + (size_t)i0 * lds;
#define SCORES_ROWS_H(k) scores_rows2(qi, qstride, hd, Kb, lo, hi, scale, si, lds, k, 1)
        KERNEL_ROWS4(nq - i0, SCORES_ROWS_H)
#undef SCORES_ROWS_H
    }
}

/* exp(x) for x <= 0: x = k ln2 + r, |r| <= ln2/2, a degree-6 polynomial for e^r, then 2^k
 * built in the exponent field (k >= -126 after the clamp). About 1 ulp. */
AI TGT static inline __m256 exp8(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
    __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
    static const float c[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};
    __m256 p = _mm256_set1_ps(c[0]);
    for (int i = 1; i < 6; i++) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c[i]));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

TGT float exp_sum_avx2(float *x, int n, float m) {
    __m256 vm = _mm256_set1_ps(m), acc = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float lanes[8], s = 0.0f;
    _mm256_storeu_ps(lanes, acc);
    for (int k = 0; k < 8; k++) s += lanes[k];
    for (; i < n; i++) s += x[i] = expf(x[i] - m);
    return s;
}

/* gate = g sigmoid(a) * up (SiLU: a = g; GELU-tanh: a = 2 sqrt(2/pi) (g + 0.044715 g^3)); the
 * tail goes to the generic kernel. */
AI TGT static inline void sigmoid_mul(float *gate, const float *up, int n, const int gelu) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps(), sign = _mm256_set1_ps(-0.0f);
    const __m256 k1 = _mm256_set1_ps(1.5957691216057308f), k3 = _mm256_set1_ps(1.5957691216057308f * 0.044715f);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i), a = g;
        if (gelu) a = _mm256_mul_ps(g, _mm256_fmadd_ps(_mm256_mul_ps(g, g), k3, k1));
        /* sigmoid(a) = 1/(1+e) for a >= 0 and e/(1+e) for a < 0, with e = e^-|a| (no overflow) */
        __m256 e = exp8(_mm256_or_ps(a, sign));
        __m256 neg = _mm256_cmp_ps(a, zero, _CMP_LT_OQ);
        __m256 sig = _mm256_div_ps(_mm256_blendv_ps(one, e, neg), _mm256_add_ps(one, e));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(_mm256_mul_ps(g, sig), _mm256_loadu_ps(up + i)));
    }
    if (gelu) k_gelu_tanh_mul(gate + i, up + i, n - i);
    else k_silu_mul(gate + i, up + i, n - i);
}

TGT void silu_mul_avx2(float *gate, const float *up, int n) { sigmoid_mul(gate, up, n, 0); }

TGT void gelu_tanh_mul_avx2(float *gate, const float *up, int n) { sigmoid_mul(gate, up, n, 1); }

/* NH (<= 2) rows x ND (<= 4) vectors of 8 output columns in registers. */
AI TGT static inline void pv_rows2(const float *P, int lds, const void *V, size_t v0, int ldv, int n, int hd, float *out, const int NH, const int ND,
                                   const int H) {
    __m256 a[2][4];
    for (int h = 0; h < NH; h++)
        for (int k = 0; k < ND; k++) a[h][k] = _mm256_loadu_ps(out + (size_t)h * hd + 8 * k);
    for (int s = 0; s < n; s++) {
        size_t v = v0 + (size_t)s * ldv;
        __m256 vv[4];
        for (int k = 0; k < ND; k++) vv[k] = ld8(V, v + 8 * (size_t)k, H);
        for (int h = 0; h < NH; h++) {
            __m256 p = _mm256_broadcast_ss(P + (size_t)h * lds + s);
            for (int k = 0; k < ND; k++) a[h][k] = _mm256_fmadd_ps(p, vv[k], a[h][k]);
        }
    }
    for (int h = 0; h < NH; h++)
        for (int k = 0; k < ND; k++) _mm256_storeu_ps(out + (size_t)h * hd + 8 * k, a[h][k]);
}

/* Two rows at a time, 32 columns then 8 (head dims that are multiples of 8); H as in ld8. */
AI TGT static inline void pv_all(const float *P, int nq, int lds, const void *V, int ldv, int n, int hd, float *out, const int H) {
    for (int h0 = 0; h0 < nq; h0 += 2) {
        const float *Ph = P + (size_t)h0 * lds;
        for (int d0 = 0; d0 < hd;) {
            float *o = out + (size_t)h0 * hd + d0;
            int wide = hd - d0 >= 32;
            if (nq - h0 >= 2) {
                if (wide) pv_rows2(Ph, lds, V, (size_t)d0, ldv, n, hd, o, 2, 4, H);
                else pv_rows2(Ph, lds, V, (size_t)d0, ldv, n, hd, o, 2, 1, H);
            } else {
                if (wide) pv_rows2(Ph, lds, V, (size_t)d0, ldv, n, hd, o, 1, 4, H);
                else pv_rows2(Ph, lds, V, (size_t)d0, ldv, n, hd, o, 1, 1, H);
            }
            d0 += wide ? 32 : 8;
        }
    }
}

TGT void attn_pv_avx2(const float *P, int nq, int lds, const float *V, int ldv, int n, int hd, float *out) {
    if (hd % 8 != 0) {
        attn_pv_generic(P, nq, lds, V, ldv, n, hd, out);
        return;
    }
    pv_all(P, nq, lds, V, ldv, n, hd, out, 0);
}

/* The f16 cache's P.V (head dims that are multiples of 16: attention.c checks). */
TGT void attn_pv_h_avx2(const float *P, int nq, int lds, const uint16_t *V, int ldv, int n, int hd, float *out) { pv_all(P, nq, lds, V, ldv, n, hd, out, 1); }
#endif
