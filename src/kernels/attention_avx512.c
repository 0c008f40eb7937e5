/* attention_avx512.c — AVX-512 attention: scores over 16 keys at a time from
 * the transposed K cache (no horizontal sums), a vector exp for the softmax,
 * and P·V with each V row loaded once for all heads of a KV group. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "kernels/attention_avx512.h"
#include "kernels/kernels.h"

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define MAXG 16 /* query heads per KV head handled in registers at once */

/* Lanes of the key block starting at s0 that fall in [lo, hi). */
TGT static inline __mmask16 key_mask(int s0, int lo, int hi) {
    unsigned m = 0xffffu;
    if (lo > s0) m &= 0xffffu << (lo - s0 > 16 ? 16 : lo - s0);
    if (hi < s0 + 16) m &= hi <= s0 ? 0u : (1u << (hi - s0)) - 1u;
    return (__mmask16)m;
}

TGT void attn_scores_avx512(const float *q, int ng, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds) {
    __m512 sc = _mm512_set1_ps(scale);
    for (int h0 = 0; h0 < ng; h0 += 4) {
        int nh = ng - h0 < 4 ? ng - h0 : 4;
        for (int s = lo & ~(KBLK - 1); s < hi; s += KBLK) {
            __mmask16 m = key_mask(s, lo, hi);
            const float *kb = Kb + (size_t)(s / KBLK) * hd * KBLK;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < hd; d++) {
                __m512 k = _mm512_loadu_ps(kb + (size_t)d * KBLK);
                a0 = _mm512_fmadd_ps(_mm512_set1_ps(q[(h0 + 0) * hd + d]), k, a0);
                if (nh > 1) a1 = _mm512_fmadd_ps(_mm512_set1_ps(q[(h0 + 1) * hd + d]), k, a1);
                if (nh > 2) a2 = _mm512_fmadd_ps(_mm512_set1_ps(q[(h0 + 2) * hd + d]), k, a2);
                if (nh > 3) a3 = _mm512_fmadd_ps(_mm512_set1_ps(q[(h0 + 3) * hd + d]), k, a3);
            }
            _mm512_mask_storeu_ps(scores + (size_t)(h0 + 0) * lds + s, m, _mm512_mul_ps(a0, sc));
            if (nh > 1) _mm512_mask_storeu_ps(scores + (size_t)(h0 + 1) * lds + s, m, _mm512_mul_ps(a1, sc));
            if (nh > 2) _mm512_mask_storeu_ps(scores + (size_t)(h0 + 2) * lds + s, m, _mm512_mul_ps(a2, sc));
            if (nh > 3) _mm512_mask_storeu_ps(scores + (size_t)(h0 + 3) * lds + s, m, _mm512_mul_ps(a3, sc));
        }
    }
}

/* Up to 8 queries x 32 keys (two key blocks) per register tile: per head-dim
 * step, two contiguous K loads and eight broadcasts feed sixteen FMAs. */
TGT void attn_scores_multi_avx512(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores,
                                  int lds) {
    __m512 sc = _mm512_set1_ps(scale);
    for (int s = lo & ~(KBLK - 1); s < hi; s += 2 * KBLK) {
        __mmask16 m0 = key_mask(s, lo, hi), m1 = key_mask(s + KBLK, lo, hi);
        const float *b0 = Kb + (size_t)(s / KBLK) * hd * KBLK, *b1 = b0 + (size_t)hd * KBLK;
        __m512 a[ATTN_QB][2];
        for (int i = 0; i < ATTN_QB; i++) a[i][0] = a[i][1] = _mm512_setzero_ps();
        for (int d = 0; d < hd; d++) {
            __m512 k0 = _mm512_loadu_ps(b0 + (size_t)d * KBLK), k1 = _mm512_maskz_loadu_ps(m1 ? 0xffff : 0, b1 + (size_t)d * KBLK);
            if (nq == ATTN_QB)
                for (int i = 0; i < ATTN_QB; i++) {
                    __m512 b = _mm512_set1_ps(q[(size_t)i * qstride + d]);
                    a[i][0] = _mm512_fmadd_ps(b, k0, a[i][0]);
                    a[i][1] = _mm512_fmadd_ps(b, k1, a[i][1]);
                }
            else
                for (int i = 0; i < nq; i++) {
                    __m512 b = _mm512_set1_ps(q[(size_t)i * qstride + d]);
                    a[i][0] = _mm512_fmadd_ps(b, k0, a[i][0]);
                    a[i][1] = _mm512_fmadd_ps(b, k1, a[i][1]);
                }
        }
        for (int i = 0; i < nq; i++) {
            _mm512_mask_storeu_ps(scores + (size_t)i * lds + s, m0, _mm512_mul_ps(a[i][0], sc));
            if (m1) _mm512_mask_storeu_ps(scores + (size_t)i * lds + s + KBLK, m1, _mm512_mul_ps(a[i][1], sc));
        }
    }
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

TGT void silu_mul_avx512(float *gate, const float *up, int n) {
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 g = _mm512_loadu_ps(gate + i);
        /* silu(g) = g / (1 + e^-g); e^-g is evaluated as e^-|g| (argument <= 0), then inverted for g < 0 */
        __m512 e = exp_ps(_mm512_sub_ps(zero, _mm512_abs_ps(g)));
        __mmask16 neg = _mm512_cmp_ps_mask(g, zero, _CMP_LT_OQ);
        /* sigmoid(g) = 1/(1+e) for g >= 0 and e/(1+e) for g < 0, with e = e^-|g| (no cancellation) */
        __m512 sig = _mm512_div_ps(_mm512_mask_blend_ps(neg, one, e), _mm512_add_ps(one, e));
        _mm512_storeu_ps(gate + i, _mm512_mul_ps(_mm512_mul_ps(g, sig), _mm512_loadu_ps(up + i)));
    }
    for (; i < n; i++) {
        float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

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

TGT void softmax_avx512(float *x, int n) {
    __m512 mv = _mm512_set1_ps(-INFINITY);
    int i = 0;
    for (; i + 16 <= n; i += 16) mv = _mm512_max_ps(mv, _mm512_loadu_ps(x + i));
    float m = _mm512_reduce_max_ps(mv);
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    __m512 inv = _mm512_set1_ps(1.0f / exp_sum_avx512(x, n, m));
    for (i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), inv));
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), inv));
    }
}

TGT void attn_pv_avx512(const float *P, int ng, int lds, const float *V, int ldv, int lo, int hi, int hd, float *out) {
    if (hd % 16 != 0 || ng > MAXG) {
        attn_pv_generic(P, ng, lds, V, ldv, lo, hi, hd, out);
        return;
    }
    /* 64 output columns at a time; up to 4 heads keep 4 accumulators each */
    for (int d0 = 0; d0 < hd; d0 += 64) {
        int nd = hd - d0 < 64 ? (hd - d0) / 16 : 4;
        for (int h0 = 0; h0 < ng; h0 += 4) {
            int nh = ng - h0 < 4 ? ng - h0 : 4;
            __m512 a[4][4];
            for (int h = 0; h < 4; h++)
                for (int j = 0; j < 4; j++) a[h][j] = _mm512_setzero_ps();
            for (int s = lo; s < hi; s++) {
                const float *v = V + (size_t)s * ldv + d0;
                __m512 vv[4];
                for (int j = 0; j < nd; j++) vv[j] = _mm512_loadu_ps(v + 16 * j);
                for (int h = 0; h < nh; h++) {
                    __m512 p = _mm512_set1_ps(P[(size_t)(h0 + h) * lds + s]);
                    for (int j = 0; j < nd; j++) a[h][j] = _mm512_fmadd_ps(p, vv[j], a[h][j]);
                }
            }
            for (int h = 0; h < nh; h++)
                for (int j = 0; j < nd; j++) _mm512_storeu_ps(out + (size_t)(h0 + h) * hd + d0 + 16 * j, a[h][j]);
        }
    }
}
#endif
