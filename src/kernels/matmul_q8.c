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
 * and the biases add sum_g b_g * sum(x over g) with the exact f32 sums.
 * Other widths (2, 3, 5, 6 bits; a plain little-endian bit stream) take the 8-bit layout:
 * 64 codes fill 8 * bits bytes, and with AVX-512 VBMI a byte permute gives qword m the
 * bytes of codes 8m..8m+7, a multishift puts code k of them in byte k, and a mask leaves
 * the 64 codes as bytes in order. */
#include "kernels/matmul_q8.h"

#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"

size_t q8_act_bytes(int max_T, int max_cols) {
    size_t nblk = (size_t)max_cols / 64 + 2, per = nblk * 64 + (nblk * 16 + (size_t)max_cols / 32 + 16) * sizeof(float);
    return (size_t)max_T * per + 64;
}

size_t q8_act24_bytes(int max_cols) {
    size_t nblk = (size_t)max_cols / 64 + 1; /* blocks of the 8-bit layout (the 4-bit one has half as many) */
    return nblk * 192 + (nblk * 16 + (size_t)max_cols / 32 + 16) * sizeof(float) + 64;
}

int q8_exact24_enabled(const char *set) {
    const char *e = getenv("FFAI_DECODE24");
    return strcmp(set, "avx512") == 0 && q8_available() && !(e && strcmp(e, "0") == 0);
}

int q8_exact24_supported(const wmat *W) {
    if (W->kind != WT_AFFINE || !(W->group == 32 || W->group == 64 || W->group == 128) || W->cols > Q8_MAX_COLS) return 0;
    if (W->bits == 4) return W->cols % 128 == 0;
    /* 2, 3, 5 and 6 bits: codes unpacked to bytes (VBMI), whole 64-code blocks; 8-bit codes would
     * overflow the int32 digit sums (4 x 255 x 128 x 65793 > 2^31) */
    return W->bits >= 2 && W->bits <= 6 && W->cols % 64 == 0 && cpu_detect()->avx512vbmi;
}

/* The code layout of the activations: 4, or 8 for every other width (codes in order). */
static int q8_layout_bits(int bits) { return bits == 4 ? 4 : 8; }

int q8_supported(const wmat *W) {
    if (W->kind != WT_AFFINE || W->bits < 2 || W->bits > 8 || !(W->group == 32 || W->group == 64 || W->group == 128) || W->cols > Q8_MAX_COLS) return 0;
    return W->bits == 4 || W->bits == 8 || cpu_detect()->avx512vbmi;
}

int q8_act_fits(const q8_act *a, const wmat *W) {
    return a->bits == q8_layout_bits(W->bits) && a->group == W->group && a->cols == W->cols;
}

#if defined(__x86_64__)
#pragma GCC optimize("O3")
#include "kernels/avx512_common.h"

#define Q8_AHEAD 4096 /* bytes of weights prefetched ahead of a row stream (token tiles) */
#define TGTQ __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c")))

int q8_available(void) {
    const cpu_features *f = cpu_detect();
    return f->avx512f && f->avx512bw && f->avx512vl && f->avx512vnni;
}

/* 16 floats times inv, rounded to nearest, saturated to int8. */
TGTQ static inline __m128i q16(__m512 v, __m512 inv) { return _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v, inv))); }

TGTQ void q8_quantize(q8_act *a, void *buf, const wmat *W, const float *x, int T, int ldx) {
    const int n = W->cols, G = W->group, bits = q8_layout_bits(W->bits), S = 32 / bits, B = 16 * S, ng = n / G, nblk = (n + B - 1) / B;
    a->bits = bits, a->group = G, a->cols = n, a->planes = 1;
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

/* The exact path's 24-bit activations (q8_quantize24): x 2^k rounded to the integer X, |X| <= 8355711,
 * written as balanced base-256 digits X = 65536 d2 + 256 d1 + d0, each in [-128, 127]. */
TGTQ static inline void digits3(__m512 v, __m512 scale, int8_t *d2, int8_t *d1, int8_t *d0) {
    const __m512i c128 = _mm512_set1_epi32(128), m255 = _mm512_set1_epi32(255);
    __m512i X = _mm512_cvtps_epi32(_mm512_mul_ps(v, scale));
    __m512i r0 = _mm512_sub_epi32(_mm512_and_si512(_mm512_add_epi32(X, c128), m255), c128);
    X = _mm512_srai_epi32(_mm512_sub_epi32(X, r0), 8);
    __m512i r1 = _mm512_sub_epi32(_mm512_and_si512(_mm512_add_epi32(X, c128), m255), c128);
    X = _mm512_srai_epi32(_mm512_sub_epi32(X, r1), 8);
    _mm_storeu_si128((__m128i *)(void *)d0, _mm512_cvtepi32_epi8(r0));
    _mm_storeu_si128((__m128i *)(void *)d1, _mm512_cvtepi32_epi8(r1));
    _mm_storeu_si128((__m128i *)(void *)d2, _mm512_cvtepi32_epi8(X));
}

/* Per dword lane of a block (activations W m .. W m + W - 1: W = 8 in a 128-code 4-bit block, 4 in a
 * 64-code block of the 8-bit layout): up = 2^k, which puts the lane's
 * largest |x| in (4177855, 8355711] (the largest keeps 23 bits, as its f32 rounding does; below
 * 2^-103 fewer), and down = 2^-k, NaN where the lane holds an inf or NaN. From the bit patterns:
 * a non-negative float's bits order like its value, and inf/NaN sort above every finite one. */
__attribute__((always_inline)) TGTQ static inline void lane_shifts(const float *src, const int W, __m512 *up, __m512 *down) {
    const __m512i absm = _mm512_set1_epi32(0x7fffffff);
    uint32_t lm[16];
    for (int j = 0; j < W; j++) { /* the 16 / W lanes of 16 values */
        __m512i t = _mm512_and_si512(_mm512_loadu_si512((const void *)(src + 16 * j)), absm);
        t = _mm512_max_epu32(t, _mm512_shuffle_epi32(t, _MM_PERM_BADC));
        t = _mm512_max_epu32(t, _mm512_shuffle_epi32(t, _MM_PERM_CDAB)); /* max of each 4 */
        if (W == 8) t = _mm512_max_epu32(t, _mm512_shuffle_i32x4(t, t, _MM_SHUFFLE(2, 3, 0, 1)));
        uint32_t h[16];
        _mm512_storeu_si512((void *)h, t);
        for (int i = 0; i < 16 / W; i++) lm[16 / W * j + i] = h[W * i];
    }
    __m512i bits = _mm512_loadu_si512((const void *)lm), E = _mm512_srli_epi32(bits, 23);
    __m512i k = _mm512_min_epi32(_mm512_sub_epi32(_mm512_set1_epi32(149), E), _mm512_set1_epi32(126));
    __m512 amax = _mm512_castsi512_ps(bits);
    __m512 u = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(127)), 23));
    __mmask16 over = _mm512_cmp_ps_mask(_mm512_mul_ps(amax, u), _mm512_set1_ps(8355711.0f), _CMP_GT_OQ);
    k = _mm512_mask_sub_epi32(k, over, k, _mm512_set1_epi32(1));
    __mmask16 bad = _mm512_cmpeq_epi32_mask(E, _mm512_set1_epi32(255));
    k = _mm512_mask_mov_epi32(k, bad, _mm512_setzero_si512());
    *up = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(127)), 23));
    *down = _mm512_mask_mov_ps(_mm512_castsi512_ps(_mm512_slli_epi32(_mm512_sub_epi32(_mm512_set1_epi32(127), k), 23)), bad,
                               _mm512_set1_ps(__builtin_nanf("")));
}

TGTQ void q8_quantize24(q8_act *a, void *buf, const wmat *W, const float *x) {
    const int n = W->cols, G = W->group, ng = n / G, L = q8_layout_bits(W->bits), B = L == 4 ? 128 : 64, nblk = n / B;
    a->bits = L, a->group = G, a->cols = n, a->planes = 3;
    a->ldq = (size_t)nblk * 3 * (size_t)B, a->ldd = (size_t)nblk * 16, a->ldxs = (size_t)ng + 16;
    uintptr_t p = ((uintptr_t)buf + 63) & ~(uintptr_t)63;
    a->d = (float *)p;
    a->xs = a->d + a->ldd;
    a->q = (int8_t *)(a->xs + a->ldxs);
    group_sums(x, G, ng, a->xs);
    const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i od = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    const __m512i quad = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0); /* value j of 16 (even or odd) is in lane j / 4 */
    for (int k = 0; k < nblk; k++) {
        const float *src = x + (size_t)k * B;
        __m512 up, down;
        int8_t *qb = a->q + (size_t)k * 3 * B;
        if (L == 8) { /* codes in order: planes d2, d1, d0 of 64 bytes; values 16i .. 16i + 15 in lanes 4i .. 4i + 3 */
            lane_shifts(src, 4, &up, &down);
            _mm512_storeu_ps(a->d + k * 16, down);
            for (int i = 0; i < 4; i++)
                digits3(_mm512_loadu_ps(src + 16 * i), _mm512_permutexvar_ps(_mm512_add_epi32(quad, _mm512_set1_epi32(4 * i)), up), qb + 16 * i,
                        qb + 64 + 16 * i, qb + 128 + 16 * i);
            continue;
        }
        lane_shifts(src, 8, &up, &down);
        _mm512_storeu_ps(a->d + k * 16, down);
        /* 4-bit: d2 even, d2 odd, d1 even, d1 odd, d0 even, d0 odd */
        for (int i = 0; i < 4; i++) {
            __m512 s = _mm512_permutexvar_ps(_mm512_add_epi32(quad, _mm512_set1_epi32(4 * i)), up);
            __m512 lo = _mm512_loadu_ps(src + 32 * i), hi = _mm512_loadu_ps(src + 32 * i + 16);
            digits3(_mm512_permutex2var_ps(lo, ev, hi), s, qb + 16 * i, qb + 128 + 16 * i, qb + 256 + 16 * i);
            digits3(_mm512_permutex2var_ps(lo, od, hi), s, qb + 64 + 16 * i, qb + 192 + 16 * i, qb + 320 + 16 * i);
        }
    }
}

#define Q8_TGT TGTQ
#define Q8_NAME(f) f##_w48
#define Q8_ANYW 0
#include "kernels/matmul_q8_rows.h"
#undef Q8_TGT
#undef Q8_NAME
#undef Q8_ANYW
#undef Q8_ROWS_NT

/* The MV_STREAMS1 rows of one decode pass (stream_rows: r, r + h, ... below r1, nr of them real):
 * their indices, codes, scales and biases. */
typedef struct {
    int nr, rr[MV_STREAMS1];
    const uint8_t *w[MV_STREAMS1], *sc[MV_STREAMS1], *bi[MV_STREAMS1];
} decode_pass;

/* Sets p for the pass at r and zeroes its accumulators (kept out of the struct: see affine_rows_at). */
__attribute__((always_inline)) TGTQ static inline void decode_pass_at(decode_pass *p, const wmat *W, int r, int h, int r1, __m512 *acc) {
    p->nr = stream_rows(r, h, r1, MV_STREAMS1, p->rr);
    for (int i = 0; i < MV_STREAMS1; i++) {
        acc[i] = _mm512_setzero_ps();
        p->w[i] = wmat_row(W, (size_t)p->rr[i]);
        p->sc[i] = wmat_scales(W, (size_t)p->rr[i]), p->bi[i] = wmat_biases(W, (size_t)p->rr[i]);
        wmat_prefetch_sb(W, (size_t)p->rr[i], 4);
    }
}

/* Decode (one token) of 4/8-bit codes whose rows are whole blocks: the scale format is a
 * compile-time constant and nothing but the blocks' work is in the loop; MV_STREAMS1 rows, one
 * from each of as many evenly spaced parts of the range, are read together, MV_AHEAD1 ahead
 * (3, 6 and 8 rows ranked below four; the distance: avx512_common.h). P = 3 takes the 24-bit
 * activations of q8_quantize24 (4-bit codes only). */
__attribute__((always_inline)) TGTQ static inline void q8_decode_k(const wmat *W, const q8_act *a, float *y, int r0, int r1, const int bits, const int nsc,
                                                                   const wt_kind SK, const int P) {
    const int n = W->cols, G = W->group, ng = n / G, S = 32 / bits, B = 16 * S, nblk = n / B, gsh = __builtin_ctz((unsigned)G);
    const size_t qstride = (bits == 4 ? 128 : 64) * (size_t)P;
    __m512i sidx, widx;
    lane_indices(S, G, &sidx, &widx);
    const __m512i nib = _mm512_set1_epi8(0x0f), zero = _mm512_setzero_si512();
    const int h = (r1 - r0 + MV_STREAMS1 - 1) / MV_STREAMS1;
    for (int r = r0; r < r0 + h; r++) {
        decode_pass p;
        __m512 acc[MV_STREAMS1];
        decode_pass_at(&p, W, r, h, r1, acc);
        for (int k = 0; k < nblk; k++) {
            const __m512 dv = _mm512_loadu_ps(a->d + (size_t)k * 16);
            const int8_t *qk = a->q + (size_t)k * qstride;
            const __m512i qa = _mm512_loadu_si512((const void *)qk);
            for (int i = 0; i < MV_STREAMS1; i++) {
                _mm_prefetch((const char *)p.w[i] + (size_t)k * 64 + MV_AHEAD1, _MM_HINT_T0);
                __m512i v = _mm512_loadu_si512((const void *)(p.w[i] + (size_t)k * 64)), t;
                if (P == 3) { /* digit planes d2, d1, d0: ((s2 << 8) + s1) << 8 + s0, exact in int32 */
                    __m512i lo = _mm512_and_si512(v, nib), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
                    t = _mm512_dpbusd_epi32(zero, lo, qa);
                    t = _mm512_dpbusd_epi32(t, hi, _mm512_loadu_si512((const void *)(qk + 64)));
                    t = _mm512_slli_epi32(t, 8);
                    t = _mm512_dpbusd_epi32(t, lo, _mm512_loadu_si512((const void *)(qk + 128)));
                    t = _mm512_dpbusd_epi32(t, hi, _mm512_loadu_si512((const void *)(qk + 192)));
                    t = _mm512_slli_epi32(t, 8);
                    t = _mm512_dpbusd_epi32(t, lo, _mm512_loadu_si512((const void *)(qk + 256)));
                    t = _mm512_dpbusd_epi32(t, hi, _mm512_loadu_si512((const void *)(qk + 320)));
                } else if (bits == 4) {
                    t = _mm512_dpbusd_epi32(zero, _mm512_and_si512(v, nib), qa);
                    t = _mm512_dpbusd_epi32(t, _mm512_and_si512(_mm512_srli_epi16(v, 4), nib), _mm512_loadu_si512((const void *)(a->q + (size_t)k * qstride + 64)));
                } else
                    t = _mm512_dpbusd_epi32(zero, v, qa);
                __m512 sv = lane_scales(SK, p.sc[i], k * B, gsh, nsc, sidx, widx);
                acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(t), _mm512_mul_ps(sv, dv), acc[i]);
            }
        }
        for (int i = 0; i < p.nr; i++) y[p.rr[i]] = row_y_fold(SK, NULL, p.bi[i], ng, a->xs, 0.0f, acc[i]);
    }
}

#define Q8_DECODE_SK(bits, nsc, P)                                                 \
    do {                                                                           \
        switch (W->sb_kind) {                                                      \
        case WT_BF16: q8_decode_k(W, a, y, r0, r1, bits, nsc, WT_BF16, P); break;  \
        case WT_F16: q8_decode_k(W, a, y, r0, r1, bits, nsc, WT_F16, P); break;    \
        default: q8_decode_k(W, a, y, r0, r1, bits, nsc, WT_F32, P); break;        \
        }                                                                          \
    } while (0)

/* Rows [r0, r1) of a one-token product of 4/8-bit codes (lb bits) in whole blocks. */
TGTQ static void q8_decode(const wmat *W, const q8_act *a, float *y, int r0, int r1, int lb, int nsc) {
    if (lb == 4 && a->planes == 3) {
        if (nsc == 1) Q8_DECODE_SK(4, 1, 3);
        else if (nsc == 2) Q8_DECODE_SK(4, 2, 3);
        else Q8_DECODE_SK(4, 4, 3);
    } else if (lb == 4) {
        if (nsc == 1) Q8_DECODE_SK(4, 1, 1);
        else if (nsc == 2) Q8_DECODE_SK(4, 2, 1);
        else Q8_DECODE_SK(4, 4, 1);
    } else if (nsc == 1) Q8_DECODE_SK(8, 1, 1);
    else Q8_DECODE_SK(8, 2, 1);
}

/* The any-width instance, compiled for VBMI (q8_supported checks the CPU has it). */
#define TGTV __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,fma,f16c")))

/* Codes of wb bits (2..8, a little-endian bit stream) to bytes in order: byte k of qword m takes
 * byte m wb + k of the block (pidx), the multishift moves code k of the qword to byte k (msh),
 * and cmask keeps its wb bits. */
typedef struct {
    __m512i pidx, msh, cmask;
} anyw_unpack;

TGTV static inline anyw_unpack anyw_unpack_for(int wb) {
    uint8_t pb[64], mb[64];
    for (int i = 0; i < 64; i++) pb[i] = (uint8_t)((i / 8) * wb + (i % 8 < wb ? i % 8 : 0)), mb[i] = (uint8_t)((i % 8) * wb);
    anyw_unpack u = {_mm512_loadu_si512((const void *)pb), _mm512_loadu_si512((const void *)mb), _mm512_set1_epi8((char)((1 << wb) - 1))};
    return u;
}

/* The 64 codes of the block at p (the bytes in mask m loaded, the rest zero) as bytes. */
__attribute__((always_inline)) TGTV static inline __m512i anyw_codes(const anyw_unpack *u, const uint8_t *p, __mmask64 m) {
    return _mm512_and_si512(_mm512_multishift_epi64_epi8(u->msh, _mm512_permutexvar_epi8(u->pidx, _mm512_maskz_loadu_epi8(m, p))), u->cmask);
}
#define Q8_TGT TGTV
#define Q8_NAME(f) f##_anyw
#define Q8_ANYW 1
#include "kernels/matmul_q8_rows.h"

TGTV static void q8_rows_k_vbmi(const wmat *W, const q8_act *a, int T, float *y, int ldy, int r0, int r1, int nsc) {
    if (nsc == 1) q8_rows_k_anyw(W, a, T, y, ldy, r0, r1, 8, 1);
    else q8_rows_k_anyw(W, a, T, y, ldy, r0, r1, 8, 2);
}

/* The exact decode (one token, 24-bit activations in the 8-bit layout: q8_quantize24) of 2, 3, 5
 * and 6-bit codes: each 64-code block unpacked to bytes as the int8 rows do, then three
 * `vpdpbusd` with 8-bit shifts between the planes, ((s2 << 8) + s1) << 8 + s0 — exact in int32:
 * per lane 4 codes below 64 times digits of at most 128, 4 x 63 x 128 x 65793 < 2^31. Rows as in
 * q8_decode_k. */
__attribute__((always_inline)) TGTV static inline void q8_decode24_k(const wmat *W, const q8_act *a, float *y, int r0, int r1, const int nsc,
                                                                     const wt_kind SK) {
    const int n = W->cols, G = W->group, ng = n / G, wb = W->bits, nblk = n / 64, gsh = __builtin_ctz((unsigned)G);
    const anyw_unpack u = anyw_unpack_for(wb);
    const __mmask64 wmask = ((__mmask64)1 << (8 * wb)) - 1;
    const __m512i zero = _mm512_setzero_si512();
    __m512i sidx, widx;
    lane_indices(4, G, &sidx, &widx);
    for (int h = (r1 - r0 + MV_STREAMS1 - 1) / MV_STREAMS1, r = r0; r < r0 + h; r++) {
        decode_pass p;
        __m512 acc[MV_STREAMS1];
        decode_pass_at(&p, W, r, h, r1, acc);
        for (int k = 0; k < nblk; k++) {
            const int8_t *qk = a->q + (size_t)k * 192; /* digit planes, then the lanes' scales */
            const __m512i d2 = _mm512_loadu_si512((const void *)qk), d1 = _mm512_loadu_si512((const void *)(qk + 64)),
                          d0 = _mm512_loadu_si512((const void *)(qk + 128));
            const __m512 dv = _mm512_loadu_ps(a->d + (size_t)k * 16);
            for (int i = 0; i < MV_STREAMS1; i++) {
                const uint8_t *blk = p.w[i] + (size_t)k * 8 * (size_t)wb;
                _mm_prefetch((const char *)blk + MV_AHEAD1, _MM_HINT_T0);
                __m512i v = anyw_codes(&u, blk, wmask);
                __m512i t = _mm512_slli_epi32(_mm512_dpbusd_epi32(zero, v, d2), 8);
                t = _mm512_slli_epi32(_mm512_dpbusd_epi32(t, v, d1), 8);
                t = _mm512_dpbusd_epi32(t, v, d0);
                __m512 sv = lane_scales(SK, p.sc[i], k * 64, gsh, nsc, sidx, widx);
                acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(t), _mm512_mul_ps(sv, dv), acc[i]);
            }
        }
        for (int i = 0; i < p.nr; i++) y[p.rr[i]] = row_y_fold(SK, NULL, p.bi[i], ng, a->xs, 0.0f, acc[i]);
    }
}

TGTV static void q8_decode24(const wmat *W, const q8_act *a, float *y, int r0, int r1, int nsc) {
    wt_kind k = W->sb_kind == WT_BF16 || W->sb_kind == WT_F16 ? W->sb_kind : WT_F32;
    if (nsc == 1) {
        if (k == WT_BF16) q8_decode24_k(W, a, y, r0, r1, 1, WT_BF16);
        else if (k == WT_F16) q8_decode24_k(W, a, y, r0, r1, 1, WT_F16);
        else q8_decode24_k(W, a, y, r0, r1, 1, WT_F32);
    } else if (k == WT_BF16) q8_decode24_k(W, a, y, r0, r1, 2, WT_BF16);
    else if (k == WT_F16) q8_decode24_k(W, a, y, r0, r1, 2, WT_F16);
    else q8_decode24_k(W, a, y, r0, r1, 2, WT_F32);
}

TGTQ void q8_mm_rows(const wmat *W, const q8_act *a, int T, float *y, int ldy, int r0, int r1) {
    int lb = q8_layout_bits(W->bits), B = 16 * 32 / lb, nsc = W->group >= B ? 1 : B / W->group;
    if (T == 1 && a->planes == 3 && lb != W->bits) q8_decode24(W, a, y, r0, r1, nsc);
    else if (T == 1 && lb == W->bits && W->cols % B == 0) q8_decode(W, a, y, r0, r1, lb, nsc);
    else if (lb == 4) {
        if (nsc == 1) q8_rows_k_w48(W, a, T, y, ldy, r0, r1, 4, 1);
        else if (nsc == 2) q8_rows_k_w48(W, a, T, y, ldy, r0, r1, 4, 2);
        else q8_rows_k_w48(W, a, T, y, ldy, r0, r1, 4, 4);
    } else if (W->bits == 8) {
        if (nsc == 1) q8_rows_k_w48(W, a, T, y, ldy, r0, r1, 8, 1);
        else q8_rows_k_w48(W, a, T, y, ldy, r0, r1, 8, 2);
    } else {
        if (nsc == 1) q8_rows_k_vbmi(W, a, T, y, ldy, r0, r1, 1);
        else q8_rows_k_vbmi(W, a, T, y, ldy, r0, r1, 2);
    }
}
#else
int q8_available(void) { return 0; }
void q8_quantize(q8_act *a, void *buf, const wmat *W, const float *x, int T, int ldx) {
    (void)a, (void)buf, (void)W, (void)x, (void)T, (void)ldx;
}
void q8_quantize24(q8_act *a, void *buf, const wmat *W, const float *x) { (void)a, (void)buf, (void)W, (void)x; }
void q8_mm_rows(const wmat *W, const q8_act *a, int T, float *y, int ldy, int r0, int r1) {
    (void)W, (void)a, (void)T, (void)y, (void)ldy, (void)r0, (void)r1;
}
#endif
