/* matmul_avx512.c — AVX-512 kernels (F/BW/VL): fused matrix-vector products for
 * bf16/f16/f32 and MLX affine 4/8-bit weights read in place (other widths:
 * matmul_avx512_bits.c), and a tiled
 * 4-rows x 4-tokens matrix-matrix product for prefill. Accumulation is f32. */
#if defined(__x86_64__)
#pragma GCC optimize("O3")
#include <immintrin.h>
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/attention_x86.h"
#include "kernels/avx512_common.h"
#include "kernels/lse.h"

#define PF_DIST 1024 /* bytes ahead in each weight row */
#define READ4_AHEAD 1024 /* bytes the bandwidth probe prefetches ahead in each stream */
#define MV_MAX_T_BF16 12 /* bf16: up to this many tokens take matvec passes (crossover ~12-16 on the 1B shape) */

TGT static float dot_avx512(const float *a, const float *b, int n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return hsum(_mm512_add_ps(s0, s1));
}

/* 4 streams, 64 bytes of each per step, prefetched READ4_AHEAD ahead like the bf16 matvec. */
TGT static uint64_t read4_avx512(const uint8_t *p, size_t stride, size_t n) {
    __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
    const uint8_t *p1 = p + stride, *p2 = p1 + stride, *p3 = p2 + stride;
    for (size_t o = 0; o < n; o += 64) {
        _mm_prefetch((const char *)p + o + READ4_AHEAD, _MM_HINT_T0);
        _mm_prefetch((const char *)p1 + o + READ4_AHEAD, _MM_HINT_T0);
        _mm_prefetch((const char *)p2 + o + READ4_AHEAD, _MM_HINT_T0);
        _mm_prefetch((const char *)p3 + o + READ4_AHEAD, _MM_HINT_T0);
        a = _mm512_xor_si512(a, _mm512_load_si512((const void *)(p + o)));
        b = _mm512_xor_si512(b, _mm512_load_si512((const void *)(p1 + o)));
        c = _mm512_xor_si512(c, _mm512_load_si512((const void *)(p2 + o)));
        d = _mm512_xor_si512(d, _mm512_load_si512((const void *)(p3 + o)));
    }
    return (uint64_t)_mm512_reduce_add_epi64(_mm512_xor_si512(_mm512_xor_si512(a, b), _mm512_xor_si512(c, d)));
}

/* F16C at full width, 16 values per step. */
TGT static void h2f_avx512(const uint16_t *in, float *out, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(in + i))));
    for (; i < n; i++) out[i] = f16_to_f32(in[i]);
}

TGT static void f2h_avx512(const float *in, uint16_t *out, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm256_storeu_si256((__m256i *)(void *)(out + i), _mm512_cvtps_ph(_mm512_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) out[i] = f32_to_f16(in[i]);
}

TGT static void axpy_avx512(float *y, float a, const float *x, int n) {
    __m512 va = _mm512_set1_ps(a);
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

/* ---- matrix-vector, dense formats: 4 rows at a time share each x load, one from each
 * quarter of [r0, r1) so that each quarter is read row after row as one long stream
 * (see mv_bf16_k); the format is a compile-time constant of each instance ---- */
__attribute__((always_inline)) TGT static inline void mv_dense_k(const wmat *W, const float *x, float *y, int r0, int r1, const wt_kind kind) {
    int n = W->cols;
    const size_t rb = W->row_stride, es = kind == WT_F32 ? 4 : 2;
    const int h = (r1 - r0 + 3) / 4;
    for (int r = r0; r < r0 + h; r++) {
        int ri[4], nr = stream_rows(r, h, r1, 4, ri);
        const uint8_t *w[4];
        for (int i = 0; i < 4; i++) w[i] = W->w + (size_t)ri[i] * rb;
        __m512 a[4], b[4];
        for (int i = 0; i < 4; i++) a[i] = b[i] = _mm512_setzero_ps();
        int c = 0;
        for (; c + 32 <= n; c += 32) {
            __m512 xv = _mm512_loadu_ps(x + c), xw = _mm512_loadu_ps(x + c + 16);
            for (int i = 0; i < 4; i++) {
                /* a fixed distance ahead in the stream: near a row's end that is the next row */
                _mm_prefetch((const char *)w[i] + (size_t)c * es + PF_DIST, _MM_HINT_T0);
                if (es == 4) _mm_prefetch((const char *)w[i] + (size_t)c * es + PF_DIST + 64, _MM_HINT_T0);
                a[i] = _mm512_fmadd_ps(load_w16(kind, w[i], c), xv, a[i]);
                b[i] = _mm512_fmadd_ps(load_w16(kind, w[i], c + 16), xw, b[i]);
            }
        }
        for (; c + 16 <= n; c += 16) {
            __m512 xv = _mm512_loadu_ps(x + c);
            for (int i = 0; i < 4; i++) a[i] = _mm512_fmadd_ps(load_w16(kind, w[i], c), xv, a[i]);
        }
        for (int i = 0; i < nr; i++) {
            float s0 = hsum(_mm512_add_ps(a[i], b[i]));
            for (int k = c; k < n; k++) s0 += wt_load(kind, w[i], (size_t)k) * x[k];
            y[r + i * h] = s0;
        }
    }
}

/* bf16 rows: one 64-byte load holds 32 weights; (v << 16) is the even ones as
 * f32 and (v & 0xffff0000) the odd ones, so x is permuted to [even | odd] per
 * 32-block once and each weight costs half an op less than zero-extension. */
TGT static void permute_x4(const float *x, float *xp, int n);
#ifndef BF_STREAMS
#define BF_STREAMS 4 /* rows read together, one from each quarter of the range */
#endif
#ifndef BF_AHEAD
#define BF_AHEAD 1024 /* bytes prefetched ahead in each stream */
#endif
/* NT tokens (1..MV_TOKENS) of bf16 rows. The rows of one pass come from the BF_STREAMS
 * evenly spaced parts of [r0, r1), so each part is read row after row as one long
 * stream: adjacent rows (one short stream per row, restarted every block) kept the
 * prefetchers' streams too short to fill the memory pipeline. */
__attribute__((always_inline)) TGT static inline void mv_bf16_k(const wmat *W, const float *x, int ldx, float *y, int ldy, int r0, int r1, float *xp,
                                                                mm_prep *prep, const int NT) {
    int n = W->cols;
    size_t rb = W->row_stride;
    int n32 = n & ~31;
    if (prep) xp = prep->buf;
    if (!mm_prep_reuse(prep, x, (uint64_t)NT << 32 | (uint64_t)n32 << 4 | 1u))
        for (int j = 0; j < NT; j++) permute_x4(x + (size_t)j * ldx, xp + (size_t)j * n32, n32);
    const __m512i hi_mask = _mm512_set1_epi32((int)0xffff0000u);
    const int h = (r1 - r0 + BF_STREAMS - 1) / BF_STREAMS;
    for (int r = r0; r < r0 + h; r++) {
        int ri[BF_STREAMS], nr = stream_rows(r, h, r1, BF_STREAMS, ri);
        const uint8_t *w[BF_STREAMS];
        for (int i = 0; i < BF_STREAMS; i++) w[i] = W->w + (size_t)ri[i] * rb;
        __m512 a[BF_STREAMS][MV_TOKENS];
        for (int i = 0; i < BF_STREAMS; i++)
            for (int j = 0; j < NT; j++) a[i][j] = _mm512_setzero_ps();
        for (int c = 0; c < n32; c += 32) {
            for (int i = 0; i < BF_STREAMS; i++) {
                /* each stream runs row after row: a fixed distance ahead lands in the next row near the end */
                _mm_prefetch((const char *)w[i] + (size_t)c * 2 + BF_AHEAD, _MM_HINT_T0);
                __m512i v = _mm512_loadu_si512((const void *)(w[i] + (size_t)c * 2));
                __m512 we = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)), wo = _mm512_castsi512_ps(_mm512_and_si512(v, hi_mask));
                for (int j = 0; j < NT; j++) {
                    const float *xj = xp + (size_t)j * n32 + c;
                    a[i][j] = _mm512_fmadd_ps(wo, _mm512_loadu_ps(xj + 16), _mm512_fmadd_ps(we, _mm512_loadu_ps(xj), a[i][j]));
                }
            }
        }
        for (int i = 0; i < nr; i++)
            for (int j = 0; j < NT; j++) {
                const float *xj = x + (size_t)j * ldx;
                const uint16_t *wr = (const uint16_t *)(const void *)w[i];
                float s = hsum(a[i][j]);
                for (int c = n32; c < n; c++) s += bf16_to_f32(wr[c]) * xj[c];
                y[(size_t)j * ldy + r + i * h] = s;
            }
    }
}

/* NT (1..MV_TOKENS) tokens of x (row stride ldx) into y (row stride ldy). */
TGT static void mv_bf16(const wmat *W, const float *x, int ldx, int NT, float *y, int ldy, int r0, int r1, float *xp, mm_prep *prep) {
    switch (NT) {
    case 1: mv_bf16_k(W, x, ldx, y, ldy, r0, r1, xp, prep, 1); break;
    case 2: mv_bf16_k(W, x, ldx, y, ldy, r0, r1, xp, prep, 2); break;
    case 3: mv_bf16_k(W, x, ldx, y, ldy, r0, r1, xp, prep, 3); break;
    default: mv_bf16_k(W, x, ldx, y, ldy, r0, r1, xp, prep, 4); break;
    }
}

TGT static void mv_dense(const wmat *W, const float *x, float *y, int r0, int r1, float *scratch, mm_prep *prep) {
    switch (W->kind) {
    case WT_BF16: mv_bf16(W, x, 0, 1, y, 0, r0, r1, scratch, prep); break;
    case WT_F16: mv_dense_k(W, x, y, r0, r1, WT_F16); break;
    default: mv_dense_k(W, x, y, r0, r1, WT_F32); break;
    }
}

/* ---- matrix-vector, affine 4/8-bit: y_r = sum_g s_g * (q_g . x_g) + sum_g b_g * sum(x_g) ---- */

/* 4-bit: byte i of a 32-code block holds codes 2i (low nibble) and 2i+1 (high);
 * xp holds x permuted to [even codes | odd codes] per 32-block to match. */
TGT static void permute_x4(const float *x, float *xp, int n) {
    const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i od = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    for (int c = 0; c < n; c += 32) {
        __m512 lo = _mm512_loadu_ps(x + c), hi = _mm512_loadu_ps(x + c + 16);
        _mm512_storeu_ps(xp + c, _mm512_permutex2var_ps(lo, ev, hi));
        _mm512_storeu_ps(xp + c + 16, _mm512_permutex2var_ps(lo, od, hi));
    }
}

/* MLX packs S = 32 / bits codes per little-endian uint32: code k of a row sits in
 * word k / S at bit (k % S) * bits. One 64-byte load is 16 words = 16 S codes, and
 * "plane" j of it (the j-th code of every word) is isolated by one shift plus one
 * ternary-logic op that also lands it in the mantissa of 1.0, giving the exact
 * float 1 + q / 2^bits with no int->float conversion. x is transposed once per
 * call to match the planes (xp[j * 16 + m] = x[S * m + j] per block), and
 *   sum q x = 2^bits * (sum (1 + q/2^bits) x - sum x), so
 *   y = sum_g 2^bits s_g qx_g + sum_g (b_g - 2^bits s_g) xsum_g.
 * Rows go one at a time: a single linear stream with a software prefetch ahead
 * keeps more memory in flight than interleaved rows. */



__attribute__((always_inline)) TGT static inline __m512i perm2(__m512i a, const int *idx, __m512i b) {
    return _mm512_permutex2var_epi32(a, _mm512_loadu_si512((const void *)idx), b);
}

/* Transposes each block of 16 S floats from [16 words][S codes] to [S planes][16 words]
 * with two-input permutes (log2 S stages); a partial last block is zero-padded. */
TGT static void x_planes(const float *x, float *xp, int n, int S) {
    static const int s4a[16] = {0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29};
    static const int s4b[16] = {2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31};
    static const int s8a[16] = {0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27};
    static const int s8b[16] = {4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31};
    static const int mida[16] = {0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23};
    static const int midb[16] = {8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31};
    static const int lasta[16] = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23};
    static const int lastb[16] = {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31};
    const int B = 16 * S;
    float pad[128];
    for (int c = 0; c < n; c += B) {
        const float *src = x + c;
        if (n - c < B) {
            memset(pad, 0, sizeof pad);
            memcpy(pad, src, (size_t)(n - c) * sizeof(float));
            src = pad;
        }
        __m512i A[8], F[8], Gv[8];
        for (int i = 0; i < S; i++) A[i] = _mm512_loadu_si512((const void *)(src + 16 * i));
        __m512i *out = (__m512i *)(void *)(xp + c);
        if (S == 4) {
            F[0] = perm2(A[0], s4a, A[1]), F[1] = perm2(A[0], s4b, A[1]);
            F[2] = perm2(A[2], s4a, A[3]), F[3] = perm2(A[2], s4b, A[3]);
            _mm512_storeu_si512(out + 0, perm2(F[0], lasta, F[2]));
            _mm512_storeu_si512(out + 1, perm2(F[0], lastb, F[2]));
            _mm512_storeu_si512(out + 2, perm2(F[1], lasta, F[3]));
            _mm512_storeu_si512(out + 3, perm2(F[1], lastb, F[3]));
        } else {
            for (int q = 0; q < 4; q++) F[q] = perm2(A[2 * q], s8a, A[2 * q + 1]), F[4 + q] = perm2(A[2 * q], s8b, A[2 * q + 1]);
            /* F: [j0-3 m0-3, m4-7, m8-11, m12-15, then j4-7 likewise] */
            for (int h = 0; h < 2; h++) {
                Gv[4 * h + 0] = perm2(F[4 * h + 0], mida, F[4 * h + 1]); /* j 4h+0..1, m 0-7 */
                Gv[4 * h + 1] = perm2(F[4 * h + 0], midb, F[4 * h + 1]); /* j 4h+2..3, m 0-7 */
                Gv[4 * h + 2] = perm2(F[4 * h + 2], mida, F[4 * h + 3]); /* j 4h+0..1, m 8-15 */
                Gv[4 * h + 3] = perm2(F[4 * h + 2], midb, F[4 * h + 3]); /* j 4h+2..3, m 8-15 */
            }
            for (int h = 0; h < 2; h++)
                for (int t = 0; t < 2; t++) {
                    _mm512_storeu_si512(out + 4 * h + 2 * t, perm2(Gv[4 * h + t], lasta, Gv[4 * h + 2 + t]));
                    _mm512_storeu_si512(out + 4 * h + 2 * t + 1, perm2(Gv[4 * h + t], lastb, Gv[4 * h + 2 + t]));
                }
        }
    }
}

/* Plane extraction: shift code j of every word to bit 23 - bits, mask it, OR in 1.0 (0xEA: A & B | C).
 * One asm statement, so the shift lands in the register the ternary op then overwrites (from the
 * intrinsics GCC shifted into one scratch register and copied every plane out of it). */
#define PLANE_ASM(ins, v, sh, m, one)                                                                                \
    ({                                                                                                               \
        __m512i t_;                                                                                                  \
        __asm__(ins " %[s], %[vv], %[t]\n\tvpternlogd $0xea, %[o], %[mm], %[t]" : [t] "=&v"(t_) : [vv] "v"(v), [s] "i"(sh), [mm] "v"(m), [o] "v"(one)); \
        _mm512_castsi512_ps(t_);                                                                                     \
    })
#define PLANE(v, sh, m, one) ((sh) >= 0 ? PLANE_ASM("vpslld", v, (sh) & 31, m, one) : PLANE_ASM("vpsrld", v, (-(sh)) & 31, m, one))

/* Decoded planes of one 64-byte block dotted with one token's transposed activations. */
__attribute__((always_inline)) TGT static inline __m512 plane_dot(const __m512 *pl, const float *xb, int S) {
    __m512 p = _mm512_mul_ps(pl[0], _mm512_loadu_ps(xb)), q = _mm512_mul_ps(pl[1], _mm512_loadu_ps(xb + 16));
    for (int j = 2; j < S; j += 2) {
        p = _mm512_fmadd_ps(pl[j], _mm512_loadu_ps(xb + 16 * j), p);
        q = _mm512_fmadd_ps(pl[j + 1], _mm512_loadu_ps(xb + 16 * j + 16), q);
    }
    return _mm512_add_ps(p, q);
}

/* The S planes of one block as exact floats 1 + q / 2^bits. */
__attribute__((always_inline)) TGT static inline void planes(__m512i v, int bits, __m512i m, __m512i one, __m512 *pl) {
    if (bits == 4) {
        pl[0] = PLANE(v, 19, m, one), pl[1] = PLANE(v, 15, m, one), pl[2] = PLANE(v, 11, m, one), pl[3] = PLANE(v, 7, m, one);
        pl[4] = PLANE(v, 3, m, one), pl[5] = PLANE(v, -1, m, one), pl[6] = PLANE(v, -5, m, one), pl[7] = PLANE(v, -9, m, one);
    } else
        pl[0] = PLANE(v, 15, m, one), pl[1] = PLANE(v, 7, m, one), pl[2] = PLANE(v, -1, m, one), pl[3] = PLANE(v, -9, m, one);
}

/* NT tokens (1..MV_TOKENS) of x (row stride ldx) against rows [r0, r1); scales and biases of kind
 * sk (a compile-time constant, like every loop bound over streams and tokens). */
__attribute__((always_inline)) TGT static inline void mv_affine_k(const wmat *W, const float *x, int ldx, float *y, int ldy, int r0, int r1, float *scratch,
                                                                  mm_prep *prep, const int bits, const int nsc, const int NT, const wt_kind sk) {
    const int n = W->cols, G = W->group, ng = n / G, S = 32 / bits, B = 16 * S, gsh = __builtin_ctz((unsigned)G);
    const int nb = n / B * B, nround = (n + B - 1) / B * B; /* codes in whole blocks; padded width */
    const size_t bb = (size_t)B * bits / 8;
    float *xp = prep ? prep->buf : scratch, *xsum = xp + (size_t)NT * nround; /* token j: xp + j * nround, xsum + j * (ng + 16) */
    if (!mm_prep_reuse(prep, x, (uint64_t)NT << 48 | (uint64_t)n << 16 | (uint64_t)G << 4 | (uint64_t)S))
        for (int j = 0; j < NT; j++) {
            const float *xj = x + (size_t)j * ldx;
            x_planes(xj, xp + (size_t)j * nround, n, S);
            group_sums(xj, G, ng, xsum + (size_t)j * (ng + 16));
        }
    __m512i sidx, widx;
    lane_indices(S, G, &sidx, &widx);
    const __m512i mask = _mm512_set1_epi32((int)(((1u << bits) - 1u) << (23 - bits))), one = _mm512_set1_epi32(0x3f800000);
    const float span = (float)(1 << bits);
    const __mmask16 tail = (__mmask16)((1u << ((n - nb) / S)) - 1u);
    /* Rows from NS evenly spaced parts of the range at a time: independent streams keep more
     * memory in flight per core (two when several tokens share the pass: registers run out). */
    const int NS = NT == 1 ? MV_STREAMS1 : MV_STREAMS;
    const size_t ahead = NT == 1 ? MV_AHEAD1 : MV_AHEAD;
    const int h = (r1 - r0 + NS - 1) / NS;
    for (int r = r0; r < r0 + h; r++) {
        int ri[MV_STREAMS1];
        const uint8_t *row[MV_STREAMS1], *rs[MV_STREAMS1];
        __m512 acc[MV_STREAMS1][MV_TOKENS];
        const int nr = affine_rows_at(W, r, h, r1, NS, ri, row, rs, acc);
        for (int c = 0; c < nb; c += B) {
            size_t off = (size_t)(c / B) * bb;
            for (int i = 0; i < NS; i++) {
                /* each stream runs row after row: prefetch a fixed distance ahead in memory */
                _mm_prefetch((const char *)row[i] + off + ahead, _MM_HINT_T0);
                __m512i v = _mm512_loadu_si512((const void *)(row[i] + off));
                __asm__("" : "+v"(v)); /* one load feeding every plane, not one memory operand per plane */
                __m512 sv = lane_scales(sk, rs[i], c, gsh, nsc, sidx, widx);
                __m512 pl[8];
                planes(v, bits, mask, one, pl);
                for (int j = 0; j < NT; j++) acc[i][j] = _mm512_fmadd_ps(sv, plane_dot(pl, xp + (size_t)j * nround + c, S), acc[i][j]);
            }
        }
        if (nb < n)
            for (int i = 0; i < NS; i++) {
                const int c = nb;
                __m512i v = _mm512_maskz_loadu_epi32(tail, (const void *)(row[i] + (size_t)(c / B) * bb));
                /* a partial block may span fewer groups than a whole one: its lanes' scales one by one */
                float lsv[16];
                for (int m = 0; m < 16; m++) lsv[m] = c + S * m < n ? sb_at(sk, rs[i], (size_t)((c + S * m) >> gsh)) : 0.0f;
                __m512 sv = _mm512_loadu_ps(lsv), pl[8];
                planes(v, bits, mask, one, pl);
                for (int j = 0; j < NT; j++) acc[i][j] = _mm512_fmadd_ps(sv, plane_dot(pl, xp + (size_t)j * nround + c, S), acc[i][j]);
            }
        for (int i = 0; i < nr; i++)
            for (int j = 0; j < NT; j++)
                y[(size_t)j * ldy + ri[i]] = affine_row_y(sk, rs[i], wmat_biases(W, (size_t)ri[i]), ng, xsum + (size_t)j * (ng + 16), span, acc[i][j]);
    }
}

#define MV_AFFINE_SK(bits, nsc, NT)                                                                               \
    do {                                                                                                          \
        if (W->sb_kind == WT_BF16) mv_affine_k(W, x, ldx, y, ldy, r0, r1, scratch, prep, bits, nsc, NT, WT_BF16); \
        else if (W->sb_kind == WT_F16) mv_affine_k(W, x, ldx, y, ldy, r0, r1, scratch, prep, bits, nsc, NT, WT_F16); \
        else mv_affine_k(W, x, ldx, y, ldy, r0, r1, scratch, prep, bits, nsc, NT, WT_F32);                        \
    } while (0)

#define MV_AFFINE_NT(bits, nsc)                                                                                   \
    do {                                                                                                          \
        switch (NT) {                                                                                             \
        case 1: MV_AFFINE_SK(bits, nsc, 1); break;                                                                \
        case 2: MV_AFFINE_SK(bits, nsc, 2); break;                                                                \
        case 3: MV_AFFINE_SK(bits, nsc, 3); break;                                                                \
        default: MV_AFFINE_SK(bits, nsc, 4); break;                                                               \
        }                                                                                                         \
    } while (0)

/* NT (1..MV_TOKENS) tokens of x, row stride ldx, into y (row stride ldy). */
TGT static void mv_affine(const wmat *W, const float *x, int ldx, int NT, float *y, int ldy, int r0, int r1, float *scratch, mm_prep *prep) {
    /* groups per 64-byte block: 1 (group >= block), 2 or 4 */
    int nsc = W->group >= 16 * 32 / W->bits ? 1 : 16 * 32 / W->bits / W->group;
    if (W->bits == 4) {
        if (nsc == 1) MV_AFFINE_NT(4, 1);
        else if (nsc == 2) MV_AFFINE_NT(4, 2);
        else MV_AFFINE_NT(4, 4);
    } else {
        if (nsc == 1) MV_AFFINE_NT(8, 1);
        else MV_AFFINE_NT(8, 2);
    }
}

/* ---- matrix-matrix (prefill): MM_PANEL_ROWS (64) rows at a time are expanded to
 * f32 into a k-major panel (MM_PANEL_K deep, L2-resident), then MT (6) tokens x 64 rows
 * accumulate in 24 registers with broadcast x; y rows are contiguous, so there
 * are no horizontal sums. ---- */
/* Row i of the panel block as f32: tmp[i][0..kn) for rows r..r+nr (zeros past nr). */
TGT static void rows_f32(const wmat *W, int r, int nr, int i0, int k0, int kn, float *tmp) {
    const codes_dec dec = codes_dec_init(W->kind == WT_AFFINE ? W->bits : 8); /* codes of widths other than 4 and 8 */
    for (int i = 0; i < 16; i++) {
        float *d = tmp + (size_t)i * MM_PANEL_K;
        if (i0 + i >= nr) {
            memset(d, 0, (size_t)kn * sizeof(float));
            continue;
        }
        const uint8_t *row = wmat_row(W, (size_t)(r + i0 + i));
        if (W->kind == WT_F32) memcpy(d, (const float *)row + k0, (size_t)kn * sizeof(float));
        else if (W->kind == WT_BF16 || W->kind == WT_F16) {
            int k = 0;
            for (; k + 16 <= kn; k += 16) _mm512_storeu_ps(d + k, load_w16(W->kind, row, k0 + k));
            for (; k < kn; k++) d[k] = wt_load(W->kind, row, (size_t)(k0 + k));
        } else {
            /* affine: groups never straddle panel blocks (PANEL_K is a multiple of every group size) */
            int bits = W->bits;
            const void *rs = wmat_scales(W, (size_t)(r + i0 + i)), *rbias = wmat_biases(W, (size_t)(r + i0 + i));
            uint32_t mask = (1u << bits) - 1u;
            for (int g = k0 / W->group; g < (k0 + kn) / W->group; g++) {
                float sv = wt_load(W->sb_kind, rs, (size_t)g), bv = wt_load(W->sb_kind, rbias, (size_t)g);
                int base = g * W->group;
                if (bits == 4 || bits == 8) {
                    for (int k = 0; k < W->group; k += 16) {
                        __m512i v;
                        if (bits == 8) v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(row + base + k)));
                        else {
                            /* 16 codes from 8 bytes: spread bytes, then pick the nibble */
                            __m512i bytes = _mm512_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(row + (base + k) / 2)));
                            __m512i idx = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
                            __m512i sh = _mm512_set_epi32(4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0);
                            v = _mm512_and_si512(_mm512_srlv_epi32(_mm512_permutexvar_epi32(idx, bytes), sh), _mm512_set1_epi32(0xf));
                        }
                        _mm512_storeu_ps(d + base - k0 + k, _mm512_fmadd_ps(_mm512_set1_ps(sv), _mm512_cvtepi32_ps(v), _mm512_set1_ps(bv)));
                    }
                } else if (W->group % 16 == 0) {
                    /* other widths: q = (1 + q / 2^bits - 1) * 2^bits, both steps exact */
                    const __m512 one = _mm512_set1_ps(1.0f), span = _mm512_set1_ps((float)(1 << bits));
                    for (int k = 0; k < W->group; k += 16) {
                        __m512 f = codes16(&dec, codes_window(row, (size_t)(base + k) * bits / 8, W->row_bytes));
                        __m512 q = _mm512_mul_ps(_mm512_sub_ps(f, one), span);
                        _mm512_storeu_ps(d + base - k0 + k, _mm512_fmadd_ps(_mm512_set1_ps(sv), q, _mm512_set1_ps(bv)));
                    }
                } else
                    for (int k = 0; k < W->group; k++) {
                        size_t bit = (size_t)(base + k) * (size_t)bits;
                        uint32_t word = (uint32_t)row[bit >> 3] | ((bit >> 3) + 1 < W->row_bytes ? (uint32_t)row[(bit >> 3) + 1] << 8 : 0u);
                        d[base - k0 + k] = sv * (float)((word >> (bit & 7)) & mask) + bv;
                    }
            }
        }
    }
}

/* In-register 16 x 16 transpose: r[i][c] -> out[c][i]. */
TGT static inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int j = 0; j < 4; j++) {
        __m512 x0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88), x1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
        __m512 y0 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88), y1 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
        r[0 + j] = _mm512_shuffle_f32x4(x0, y0, 0x88);
        r[8 + j] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
        r[4 + j] = _mm512_shuffle_f32x4(x1, y1, 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
    }
}

/* Expands rows r..r+nr, columns k0..k0+kn into the k-major panel P[k][32]. */
TGT static void expand_panel(const wmat *W, int r, int nr, int k0, int kn, float *P, float *tmp) {
    for (int i0 = 0; i0 < MM_PANEL_ROWS; i0 += 16) {
        rows_f32(W, r, nr, i0, k0, kn, tmp);
        int k = 0;
        for (; k + 16 <= kn; k += 16) {
            __m512 v[16];
            for (int i = 0; i < 16; i++) v[i] = _mm512_loadu_ps(tmp + (size_t)i * MM_PANEL_K + k);
            transpose16(v);
            for (int c = 0; c < 16; c++) _mm512_storeu_ps(P + (size_t)(k + c) * MM_PANEL_ROWS + i0, v[c]);
        }
        for (; k < kn; k++)
            for (int i = 0; i < 16; i++) P[(size_t)k * MM_PANEL_ROWS + i0 + i] = tmp[(size_t)i * MM_PANEL_K + k];
    }
}

#define MT 6 /* tokens per micro-tile */

#define NV (MM_PANEL_ROWS / 16) /* panel vectors per k */

TGT static void panel_tile(const float *P, int kn, const float *x, int ldx, int nt, float *y, int ldy, int accumulate) {
    __m512 a[MT][NV];
    for (int t = 0; t < MT; t++)
        for (int v = 0; v < NV; v++) a[t][v] = accumulate && t < nt ? _mm512_loadu_ps(y + (size_t)t * ldy + 16 * v) : _mm512_setzero_ps();
    if (nt == MT) {
        for (int k = 0; k < kn; k++) {
            __m512 p[NV];
            for (int v = 0; v < NV; v++) p[v] = _mm512_loadu_ps(P + k * MM_PANEL_ROWS + 16 * v);
            for (int t = 0; t < MT; t++) {
                __m512 xb = _mm512_set1_ps(x[(size_t)t * ldx + k]);
                for (int v = 0; v < NV; v++) a[t][v] = _mm512_fmadd_ps(p[v], xb, a[t][v]);
            }
        }
    } else {
        for (int k = 0; k < kn; k++) {
            __m512 p[NV];
            for (int v = 0; v < NV; v++) p[v] = _mm512_loadu_ps(P + k * MM_PANEL_ROWS + 16 * v);
            for (int t = 0; t < nt; t++) {
                __m512 xb = _mm512_set1_ps(x[(size_t)t * ldx + k]);
                for (int v = 0; v < NV; v++) a[t][v] = _mm512_fmadd_ps(p[v], xb, a[t][v]);
            }
        }
    }
    for (int t = 0; t < nt; t++)
        for (int v = 0; v < NV; v++) _mm512_storeu_ps(y + (size_t)t * ldy + 16 * v, a[t][v]);
}

/* Panel GEMM over rows [r0, r1) that are a multiple of MM_PANEL_ROWS apart from
 * r0 except possibly the last panel, whose extra lanes go to a side buffer. */
TGT static void mm_panels(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch) {
    float *P = scratch, *tmp = P + MM_PANEL_ROWS * MM_PANEL_K, *side = tmp + 16 * MM_PANEL_K;
    int K = W->cols;
    for (int r = r0; r < r1; r += MM_PANEL_ROWS) {
        int nr = r1 - r < MM_PANEL_ROWS ? r1 - r : MM_PANEL_ROWS;
        for (int k0 = 0; k0 < K; k0 += MM_PANEL_K) {
            int kn = K - k0 < MM_PANEL_K ? K - k0 : MM_PANEL_K;
            /* each row's piece of a block is long (1 KB of 4-bit codes at full depth): the hardware
             * prefetchers follow it, and prefetching the next block in one burst was no faster */
            expand_panel(W, r, nr, k0, kn, P, tmp);
            panel_tokens(panel_tile, MT, MM_PANEL_ROWS, P, kn, x + k0, T, ldx, y + r, ldy, nr, k0 > 0, side);
        }
    }
}

TGT static void mm_rows_avx512(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch, mm_prep *prep) {
    int blk = W->kind == WT_AFFINE ? 16 * 32 / (W->bits ? W->bits : 1) : 0; /* codes per 64-byte block */
    bool fused = W->kind != WT_AFFINE || ((W->bits == 4 || W->bits == 8) && (W->group == 32 || W->group == 64 || W->group == 128) && (blk % W->group == 0 || W->group % blk == 0));
    /* short prompts: weights decoded once per pass of up to MV_TOKENS tokens cost less
     * than expanding every panel to f32 */
    if (fused && W->kind == WT_BF16 && T <= MV_MAX_T_BF16) {
        for (int t = 0; t < T; t += MV_TOKENS)
            mv_bf16(W, x + (size_t)t * ldx, ldx, T - t < MV_TOKENS ? T - t : MV_TOKENS, y + (size_t)t * ldy, ldy, r0, r1, scratch, prep);
        return;
    }
    if (fused && W->kind != WT_AFFINE && T <= 2) {
        for (int t = 0; t < T; t++) mv_dense(W, x + (size_t)t * ldx, y + (size_t)t * ldy, r0, r1, scratch, prep);
        return;
    }
    if (fused && W->kind == WT_AFFINE && T <= MV_MAX_T) {
        for (int t = 0; t < T; t += MV_TOKENS)
            mv_affine(W, x + (size_t)t * ldx, ldx, T - t < MV_TOKENS ? T - t : MV_TOKENS, y + (size_t)t * ldy, ldy, r0, r1, scratch, prep);
        return;
    }
    /* other widths (2, 3, 5, 6 bits) with groups of 32, 64 or 128 */
    if (!fused && W->kind == WT_AFFINE && W->bits >= 2 && W->bits <= 8 && (W->group == 32 || W->group == 64 || W->group == 128) && T <= MV_MAX_T) {
        for (int t = 0; t < T; t += MV_TOKENS)
            mv_affine_bits_avx512(W, x + (size_t)t * ldx, ldx, T - t < MV_TOKENS ? T - t : MV_TOKENS, y + (size_t)t * ldy, ldy, r0, r1, scratch);
        return;
    }
    mm_panels(W, x, T, ldx, y, ldy, r0, r1, scratch);
}

void mm_rows_bf16_avx512(const wmat *W, const uint16_t *xb, int T, int ldx, float *y, int ldy, int r0, int r1);

/* Every AVX-512 kernel; the two sets differ only in the opt-in bf16 path. */
#define AVX512_KERNELS                                                                                                  \
    .name = "avx512", .mm_rows = mm_rows_avx512, .dot = dot_avx512, .axpy = axpy_avx512, .attn_scores = attn_scores_avx512,     \
    .exp_sum = exp_sum_avx512, .attn_pv = attn_pv_avx512, .silu_mul = silu_mul_avx512, .gelu_tanh_mul = gelu_tanh_mul_avx512, .read4 = read4_avx512, \
    .h2f = h2f_avx512, .f2h = f2h_avx512, .attn_scores_h = attn_scores_h_avx512, .attn_pv_h = attn_pv_h_avx512, .lse = lse_avx512, .kl = kl_avx512

const kernel_set kernels_avx512 = {AVX512_KERNELS, .mm_rows_bf16 = mm_rows_bf16_avx512};

/* The same kernels on CPUs without AVX-512 BF16 (no opt-in bf16 path). */
const kernel_set kernels_avx512_nobf16 = {AVX512_KERNELS};
#endif
