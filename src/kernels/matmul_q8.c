/* matmul_q8.c — the opt-in int8 precision path (see matmul_q8.h): per-group int8
 * activations times MLX affine 4/8-bit codes with AVX-512 VNNI.
 *
 * A 64-byte block of a weight row is 16 uint32 words (S = 32 / bits codes each).
 * For 8 bits its bytes are the codes in order; for 4 bits byte b holds codes 2b
 * (low nibble) and 2b + 1 (high nibble), so the block splits into a low-nibble
 * and a high-nibble byte vector, met by the even- and odd-position activations.
 * Either way dword lane m of `vpdpbusd` sums codes c + S m .. c + S m + S - 1,
 * all in one group, so per lane:
 *   y += s_g d_g * sum(q * xq)        (s_g: weight scale, d_g: activation scale)
 * and the biases add sum_g b_g * sum(x over g) with the exact f32 sums. */
#include "kernels/matmul_q8.h"

#include <string.h>

#include "kernels/kernels.h"

size_t q8_act_bytes(int max_T, int max_cols) {
    size_t nblk = (size_t)max_cols / 64 + 2, per = nblk * 64 + (nblk * 16 + (size_t)max_cols / 32 + 16) * sizeof(float);
    return (size_t)max_T * per + 64;
}

int q8_supported(const wmat *W) {
    return W->kind == WT_AFFINE && (W->bits == 4 || W->bits == 8) && (W->group == 32 || W->group == 64 || W->group == 128) && W->cols <= Q8_MAX_COLS;
}

int q8_act_fits(const q8_act *a, const wmat *W) { return a->bits == W->bits && a->group == W->group && a->cols == W->cols; }

#if defined(__x86_64__)
#pragma GCC optimize("O3")
#include "kernels/avx512_common.h"

#define Q8_AHEAD 4096 /* bytes of weights prefetched ahead of a row stream */
#define TGTQ __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c")))

int q8_available(void) {
    const cpu_features *f = cpu_detect();
    return f->avx512f && f->avx512bw && f->avx512vl && f->avx512vnni;
}

/* 16 floats times inv, rounded to nearest, saturated to int8. */
TGTQ static inline __m128i q16(__m512 v, __m512 inv) { return _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v, inv))); }

TGTQ void q8_quantize(q8_act *a, void *buf, const wmat *W, const float *x, int T, int ldx) {
    const int n = W->cols, G = W->group, bits = W->bits, S = 32 / bits, B = 16 * S, ng = n / G, nblk = (n + B - 1) / B;
    a->bits = bits, a->group = G, a->cols = n;
    a->ldq = (size_t)nblk * 64 * (bits == 4 ? 2 : 1), a->ldd = (size_t)nblk * 16, a->ldxs = (size_t)ng + 16;
    uintptr_t p = ((uintptr_t)buf + 63) & ~(uintptr_t)63;
    a->d = (float *)p;
    a->xs = a->d + (size_t)T * a->ldd;
    a->q = (int8_t *)(a->xs + (size_t)T * a->ldxs);
    const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i od = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    const __m512 absmask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
    float inv[Q8_MAX_COLS / 32], dg[Q8_MAX_COLS / 32], pad[128];
    for (int t = 0; t < T; t++) {
        const float *xt = x + (size_t)t * ldx;
        float *d = a->d + (size_t)t * a->ldd, *xs = a->xs + (size_t)t * a->ldxs;
        int8_t *q = a->q + (size_t)t * a->ldq;
        for (int g = 0; g < ng; g++) {
            __m512 mx = _mm512_setzero_ps(), sm = _mm512_setzero_ps();
            for (int k = 0; k < G; k += 16) {
                __m512 v = _mm512_loadu_ps(xt + g * G + k);
                mx = _mm512_max_ps(mx, _mm512_and_ps(v, absmask));
                sm = _mm512_add_ps(sm, v);
            }
            float amax = _mm512_reduce_max_ps(mx);
            xs[g] = hsum(sm);
            dg[g] = amax / 127.0f;
            inv[g] = amax > 0.0f ? 127.0f / amax : 0.0f;
        }
        for (int k = 0; k < nblk; k++) {
            int c = k * B;
            const float *src = xt + c;
            if (n - c < B) { /* the partial last block: zeros past the row (their weights load as 0 too) */
                memset(pad, 0, sizeof pad);
                memcpy(pad, src, (size_t)(n - c) * sizeof(float));
                src = pad;
            }
            for (int m = 0; m < 16; m++) {
                int g = (c + S * m) / G;
                d[k * 16 + m] = g < ng ? dg[g] : 0.0f;
            }
            int8_t *qb = q + (size_t)k * (bits == 4 ? 128 : 64);
            for (int i = 0; i < 4; i++) {
                if (bits == 8) {
                    int g = (c + 16 * i) / G;
                    __m512 iv = _mm512_set1_ps(g < ng ? inv[g] : 0.0f);
                    _mm_storeu_si128((__m128i *)(void *)(qb + 16 * i), q16(_mm512_loadu_ps(src + 16 * i), iv));
                } else {
                    int g = (c + 32 * i) / G;
                    __m512 iv = _mm512_set1_ps(g < ng ? inv[g] : 0.0f);
                    __m512 lo = _mm512_loadu_ps(src + 32 * i), hi = _mm512_loadu_ps(src + 32 * i + 16);
                    _mm_storeu_si128((__m128i *)(void *)(qb + 16 * i), q16(_mm512_permutex2var_ps(lo, ev, hi), iv));
                    _mm_storeu_si128((__m128i *)(void *)(qb + 64 + 16 * i), q16(_mm512_permutex2var_ps(lo, od, hi), iv));
                }
            }
        }
    }
}

/* NT tokens (1..4) of NR rows (1 or 2) read together as separate streams (more
 * memory in flight per core than one linear stream). */
__attribute__((always_inline)) TGTQ static inline void q8_rows_n(const wmat *W, const q8_act *a, int t0, const int NT, const int *rr, const int NR, float *y,
                                                                 int ldy, const int bits, const int nsc, __m512i sidx, __m512i widx) {
    const int n = W->cols, G = W->group, ng = n / G, S = 32 / bits, B = 16 * S, nb = n / B * B, gsh = __builtin_ctz((unsigned)G);
    const size_t sbb = (size_t)ng * (W->sb_kind == WT_F32 ? 4 : 2), qstride = bits == 4 ? 128 : 64;
    const __m512i nib = _mm512_set1_epi8(0x0f);
    const __mmask16 tail = (__mmask16)((1u << ((n - nb) / S)) - 1u);
    const uint8_t *row[2], *rs[2], *rbias[2];
    __m512 acc[2][4];
    for (int i = 0; i < NR; i++) {
        row[i] = W->w + (size_t)rr[i] * W->row_bytes;
        rs[i] = (const uint8_t *)W->scales + (size_t)rr[i] * sbb, rbias[i] = (const uint8_t *)W->biases + (size_t)rr[i] * sbb;
        for (size_t o = 0; o < sbb; o += 64) {
            _mm_prefetch((const char *)rs[i] + 4 * sbb + o, _MM_HINT_T0);
            _mm_prefetch((const char *)rbias[i] + 4 * sbb + o, _MM_HINT_T0);
        }
        for (int j = 0; j < NT; j++) acc[i][j] = _mm512_setzero_ps();
    }
    for (int c = 0, k = 0; c < n; c += B, k++) {
        __m512 dv[4];
        for (int j = 0; j < NT; j++) dv[j] = _mm512_loadu_ps(a->d + (size_t)(t0 + j) * a->ldd + (size_t)k * 16);
        for (int i = 0; i < NR; i++) {
            _mm_prefetch((const char *)row[i] + (size_t)k * 64 + Q8_AHEAD, _MM_HINT_T0);
            __m512i v = c < nb ? _mm512_loadu_si512((const void *)(row[i] + (size_t)k * 64)) : _mm512_maskz_loadu_epi32(tail, (const void *)(row[i] + (size_t)k * 64));
            __m512i lo = v, hi = v;
            if (bits == 4) lo = _mm512_and_si512(v, nib), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
            __m512 sv;
            if (c < nb) sv = lane_scales(W->sb_kind, rs[i], c, gsh, nsc, sidx, widx);
            else {
                float l[16];
                for (int m = 0; m < 16; m++) l[m] = c + S * m < n ? sb_at(W->sb_kind, rs[i], (size_t)((c + S * m) >> gsh)) : 0.0f;
                sv = _mm512_loadu_ps(l);
            }
            for (int j = 0; j < NT; j++) {
                const int8_t *qx = a->q + (size_t)(t0 + j) * a->ldq + (size_t)k * qstride;
                __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_loadu_si512((const void *)qx));
                if (bits == 4) s = _mm512_dpbusd_epi32(s, hi, _mm512_loadu_si512((const void *)(qx + 64)));
                acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(sv, dv[j]), acc[i][j]);
            }
        }
    }
    for (int i = 0; i < NR; i++)
        for (int j = 0; j < NT; j++)
            y[(size_t)(t0 + j) * ldy + rr[i]] = hsum(acc[i][j]) + sb_dot(W->sb_kind, rbias[i], ng, a->xs + (size_t)(t0 + j) * a->ldxs);
}

#define Q8_ROWS_NT(NR)                                                                   \
    do {                                                                                 \
        switch (nt) {                                                                    \
        case 1: q8_rows_n(W, a, t0, 1, rr, NR, y, ldy, bits, nsc, sidx, widx); break;    \
        case 2: q8_rows_n(W, a, t0, 2, rr, NR, y, ldy, bits, nsc, sidx, widx); break;    \
        case 3: q8_rows_n(W, a, t0, 3, rr, NR, y, ldy, bits, nsc, sidx, widx); break;    \
        default: q8_rows_n(W, a, t0, 4, rr, NR, y, ldy, bits, nsc, sidx, widx); break;   \
        }                                                                                \
    } while (0)

__attribute__((always_inline)) TGTQ static inline void q8_rows_k(const wmat *W, const q8_act *a, int T, float *y, int ldy, int r0, int r1, const int bits,
                                                                 const int nsc) {
    const int S = 32 / bits, G = W->group;
    int lane_group[16];
    short word_group[32];
    for (int m = 0; m < 16; m++) lane_group[m] = S * m / G, word_group[2 * m] = 0, word_group[2 * m + 1] = (short)(S * m / G);
    const __m512i sidx = _mm512_loadu_si512((const void *)lane_group), widx = _mm512_loadu_si512((const void *)word_group);
    /* Row blocks of about 256 KiB of weights; within one, token tiles outer and rows
     * inner: the block stays in L2 while every tile of activations passes over it
     * (decode has one tile, so the rows simply stream). */
    int rbk = (int)(((size_t)256 << 10) / W->row_bytes);
    if (rbk < 4) rbk = 4;
    for (int rb0 = r0; rb0 < r1; rb0 += rbk) {
        int rb1 = r1 - rb0 < rbk ? r1 : rb0 + rbk;
        for (int t0 = 0; t0 < T; t0 += 4) {
            int nt = T - t0 < 4 ? T - t0 : 4;
            /* two rows at a time, one from each half of the block: two streams per core */
            int h = (rb1 - rb0 + 1) / 2;
            for (int r = rb0; r < rb0 + h; r++) {
                int rr[2] = {r, r + h};
                if (r + h < rb1) Q8_ROWS_NT(2);
                else Q8_ROWS_NT(1);
            }
        }
    }
}

TGTQ void q8_mm_rows(const wmat *W, const q8_act *a, int T, float *y, int ldy, int r0, int r1) {
    int B = 16 * 32 / W->bits, nsc = W->group >= B ? 1 : B / W->group;
    if (W->bits == 4) {
        if (nsc == 1) q8_rows_k(W, a, T, y, ldy, r0, r1, 4, 1);
        else if (nsc == 2) q8_rows_k(W, a, T, y, ldy, r0, r1, 4, 2);
        else q8_rows_k(W, a, T, y, ldy, r0, r1, 4, 4);
    } else {
        if (nsc == 1) q8_rows_k(W, a, T, y, ldy, r0, r1, 8, 1);
        else q8_rows_k(W, a, T, y, ldy, r0, r1, 8, 2);
    }
}
#else
int q8_available(void) { return 0; }
void q8_quantize(q8_act *a, void *buf, const wmat *W, const float *x, int T, int ldx) {
    (void)a, (void)buf, (void)W, (void)x, (void)T, (void)ldx;
}
void q8_mm_rows(const wmat *W, const q8_act *a, int T, float *y, int ldy, int r0, int r1) {
    (void)W, (void)a, (void)T, (void)y, (void)ldy, (void)r0, (void)r1;
}
#endif
