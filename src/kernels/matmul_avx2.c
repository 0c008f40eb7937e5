/* matmul_avx2.c — AVX2+FMA kernels for CPUs without AVX-512: weights decoded in
 * registers 8 at a time (bf16/f16/f32, MLX affine codes of any width 2..8), a fused
 * matrix-vector product for decode and short prompts (up to 4 tokens per pass over
 * the weights), and for longer prompts a GEMM on k-major panels of 24 rows with a
 * 4-token x 24-row register tile. Activations and accumulation are f32. */
#if defined(__x86_64__)
#pragma GCC optimize("O3")
#include <immintrin.h>
#include <string.h>

#include "kernels/attention_x86.h"
#include "kernels/kernels.h"
#include "kernels/lse.h"

#define TGT __attribute__((target("avx2,fma,f16c")))
#define AI __attribute__((always_inline))
#define A2_TOKENS 4   /* matvec: tokens per pass over the weights */
#define A2_MAX_T 8    /* up to this many tokens take matvec passes, more the panel GEMM */
#define A2_NV 3       /* panel rows in ymm vectors */
#define A2_ROWS (8 * A2_NV)
#define A2_DEPTH 128  /* panel depth: a multiple of every MLX group size it serves (32, 64, 128) */
#define A2_MT 4       /* tokens per register tile: 4 x 3 accumulators, 3 panel loads and 4 broadcasts per step */

TGT static float hsum8(__m256 s) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

TGT static float dot_avx2(const float *a, const float *b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    float r = hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++) r += a[i] * b[i];
    return r;
}

TGT static void axpy_avx2(float *y, float a, const float *x, int n) {
    __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

/* hsum(acc + sum_g b_g xs_g) over a row's ng biases (bf16, f16 or f32, converted in
 * registers, 8 at a time): one horizontal sum per row, the bias dot in vectors (it was
 * a scalar load, convert and FMA per group). */
TGT static float a2_row_y(wt_kind k, const void *bi, const float *xs, int ng, __m256 acc) {
    int g = 0;
    for (; g + 8 <= ng; g += 8) {
        __m256 b;
        if (k == WT_F32) b = _mm256_loadu_ps((const float *)bi + g);
        else {
            __m128i h = _mm_loadu_si128((const __m128i *)(const void *)((const uint16_t *)bi + g));
            b = k == WT_F16 ? _mm256_cvtph_ps(h) : _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
        }
        acc = _mm256_fmadd_ps(b, _mm256_loadu_ps(xs + g), acc);
    }
    float sum = hsum8(acc);
    for (; g < ng; g++) sum += wt_load(k, bi, (size_t)g) * xs[g];
    return sum;
}

/* ---- decoding 8 weights of a row into one ymm of f32 ---- */

/* Affine codes of `bits` bits, 8 at a time: they fill `bits` bytes. From an 8-byte window, a
 * byte shuffle gives dword lane i the four bytes around code i, a per-lane shift and a mask
 * leave the code, and it converts exactly to float. */
typedef struct {
    __m256i shuf, shift, mask;
    int bits;
} a2_codes;

TGT static a2_codes a2_codes_init(int bits) {
    uint8_t sh[32];
    uint32_t rs[8];
    for (int i = 0; i < 8; i++) { /* lanes 4..7 index the second copy of the window, in the upper 128 bits */
        for (int k = 0; k < 4; k++) sh[4 * i + k] = (uint8_t)(((i * bits) >> 3) + k); /* bytes 8..15 are zero */
        rs[i] = (uint32_t)((i * bits) & 7);
    }
    a2_codes d = {_mm256_loadu_si256((const __m256i *)(const void *)sh), _mm256_loadu_si256((const __m256i *)(const void *)rs),
                  _mm256_set1_epi32((int)((1u << bits) - 1u)), bits};
    return d;
}

/* The 8 codes starting at column c of a row of rb bytes, as floats q (exact). */
AI TGT static inline __m256 a2_codes8(const a2_codes *d, const uint8_t *row, size_t rb, int c) {
    size_t off = (size_t)c * (size_t)d->bits / 8;
    __m128i w;
    if (off + 8 <= rb) w = _mm_loadl_epi64((const __m128i *)(const void *)(row + off));
    else { /* the row's last bytes: no read past its end */
        uint64_t t = 0;
        memcpy(&t, row + off, rb - off);
        w = _mm_cvtsi64_si128((long long)t);
    }
    __m256i v = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(w), d->shuf);
    return _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srlv_epi32(v, d->shift), d->mask));
}

/* 8 dense weights (bf16, f16 or f32) at column c. */
AI TGT static inline __m256 a2_dense8(wt_kind k, const uint8_t *row, int c) {
    if (k == WT_BF16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)(row + 2 * (size_t)c))), 16));
    if (k == WT_F16) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(row + 2 * (size_t)c)));
    return _mm256_loadu_ps((const float *)(const void *)row + c);
}

/* Whether these kernels handle W in registers (else: the generic row expansion). */
static int a2_fused(const wmat *W) {
    if (W->cols % 8 != 0) return 0;
    if (W->kind != WT_AFFINE) return 1;
    return W->bits >= 2 && W->bits <= 8 && W->group % 8 == 0 && A2_DEPTH % W->group == 0;
}

/* Columns [c0, c0 + n) of row r as f32 (n a multiple of 8; affine: c0 and n whole groups; d: W's decoder). */
TGT static void a2_row(const wmat *W, const a2_codes *d, int r, int c0, int n, float *out) {
    const uint8_t *row = wmat_row(W, (size_t)r);
    if (W->kind != WT_AFFINE) {
        for (int c = 0; c < n; c += 8) _mm256_storeu_ps(out + c, a2_dense8(W->kind, row, c0 + c));
        return;
    }
    int G = W->group;
    const void *rs = wmat_scales(W, (size_t)r), *rbias = wmat_biases(W, (size_t)r);
    for (int g = c0 / G; g < (c0 + n) / G; g++) {
        __m256 s = _mm256_set1_ps(wt_load(W->sb_kind, rs, (size_t)g));
        __m256 b = _mm256_set1_ps(wt_load(W->sb_kind, rbias, (size_t)g));
        for (int c = g * G; c < (g + 1) * G; c += 8)
            _mm256_storeu_ps(out + (c - c0), _mm256_fmadd_ps(s, a2_codes8(d, row, W->row_bytes, c), b));
    }
}

/* ---- matrix-vector: NT (1..A2_TOKENS) tokens per pass; one token reads R = 2 rows at a time,
 * one from each half of the range (two long memory streams per core: one stream leaves the
 * memory pipeline half empty), more tokens one row at a time (registers) ----
 * Affine rows: sum_k (s q_k + b) x_k = s (q . x) + b sum(x) per group; xsum holds token j's
 * group sums at xsum + j * ng.
 * PL = 4 or 8: the codes straight from MLX's uint32 words. S = 32 / PL codes per word, so one
 * 32-byte load is 8 words and "plane" p (the p-th code of every word) is one shift, one AND and
 * one exact int->float conversion away, against activations transposed to planes once per call
 * (xp, per block of 8 S columns: xp[p * 8 + m] = x[S m + p]); groups cover whole blocks.
 * PL = 0: 8 codes at a time from byte windows (any width), or dense weights. */
AI TGT static inline void a2_mv_k(const wmat *W, const float *x, int ldx, const float *xp, float *y, int ldy, int r0, int r1, const float *xsum,
                                  const int PL, const int NT, const int R) {
    const int n = W->cols;
    const wt_kind k = W->kind;
    const a2_codes d = a2_codes_init(k == WT_AFFINE ? W->bits : 8);
    const int G = k == WT_AFFINE ? W->group : n, ng = n / G, S = PL ? 32 / PL : 1;
    const __m256i mask = _mm256_set1_epi32(PL ? (1 << PL) - 1 : 0);
    const int h = (r1 - r0 + R - 1) / R;
    for (int r = r0; r < r0 + h; r++) {
        int ri[2], nr = stream_rows(r, h, r1, R, ri);
        const uint8_t *row[2];
        __m256 acc[2][A2_TOKENS];
        for (int i = 0; i < R; i++) {
            row[i] = wmat_row(W, (size_t)ri[i]);
            _mm_prefetch((const char *)row[i] + W->row_stride, _MM_HINT_T0);
            for (int j = 0; j < NT; j++) acc[i][j] = _mm256_setzero_ps();
        }
        for (int g = 0; g < ng; g++) {
            __m256 qa[2][A2_TOKENS], qb[2][A2_TOKENS];
            for (int i = 0; i < R; i++)
                for (int j = 0; j < NT; j++) qa[i][j] = qb[i][j] = _mm256_setzero_ps();
            int c = g * G, e = c + G;
            if (PL)
                for (; c < e; c += 8 * S) {
                    __m256i v[2];
                    for (int i = 0; i < R; i++) v[i] = _mm256_loadu_si256((const __m256i *)(const void *)(row[i] + (size_t)c * PL / 8));
                    for (int p = 0; p < S; p += 2)
                        for (int i = 0; i < R; i++) {
                            __m256 q0 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(v[i], PL * p), mask));
                            __m256 q1 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(v[i], PL * (p + 1)), mask));
                            for (int j = 0; j < NT; j++) {
                                const float *xb = xp + (size_t)j * n + c + 8 * p;
                                qa[i][j] = _mm256_fmadd_ps(q0, _mm256_loadu_ps(xb), qa[i][j]);
                                qb[i][j] = _mm256_fmadd_ps(q1, _mm256_loadu_ps(xb + 8), qb[i][j]);
                            }
                        }
                }
            for (; c + 16 <= e; c += 16)
                for (int i = 0; i < R; i++) {
                    __m256 w0 = k == WT_AFFINE ? a2_codes8(&d, row[i], W->row_bytes, c) : a2_dense8(k, row[i], c);
                    __m256 w1 = k == WT_AFFINE ? a2_codes8(&d, row[i], W->row_bytes, c + 8) : a2_dense8(k, row[i], c + 8);
                    for (int j = 0; j < NT; j++) {
                        const float *xj = x + (size_t)j * ldx + c;
                        qa[i][j] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xj), qa[i][j]);
                        qb[i][j] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xj + 8), qb[i][j]);
                    }
                }
            if (c < e)
                for (int i = 0; i < R; i++) {
                    __m256 w0 = k == WT_AFFINE ? a2_codes8(&d, row[i], W->row_bytes, c) : a2_dense8(k, row[i], c);
                    for (int j = 0; j < NT; j++) qa[i][j] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + (size_t)j * ldx + c), qa[i][j]);
                }
            for (int i = 0; i < R; i++) {
                if (k == WT_AFFINE) {
                    __m256 sc = _mm256_set1_ps(wt_load(W->sb_kind, wmat_scales(W, (size_t)ri[i]), (size_t)g));
                    for (int j = 0; j < NT; j++) acc[i][j] = _mm256_fmadd_ps(sc, _mm256_add_ps(qa[i][j], qb[i][j]), acc[i][j]);
                } else
                    for (int j = 0; j < NT; j++) acc[i][j] = _mm256_add_ps(acc[i][j], _mm256_add_ps(qa[i][j], qb[i][j]));
            }
        }
        for (int i = 0; i < nr; i++)
            for (int j = 0; j < NT; j++) {
                y[(size_t)j * ldy + ri[i]] = k == WT_AFFINE ? a2_row_y(W->sb_kind, wmat_biases(W, (size_t)ri[i]), xsum + (size_t)j * ng, ng, acc[i][j]) : hsum8(acc[i][j]);
            }
    }
}

#define A2_MV_NT(PL)                                                                       \
    switch (NT) {                                                                          \
    case 1: a2_mv_k(W, x, ldx, xp, y, ldy, r0, r1, base, PL, 1, 2); break;                 \
    case 2: a2_mv_k(W, x, ldx, xp, y, ldy, r0, r1, base, PL, 2, 1); break;                 \
    case 3: a2_mv_k(W, x, ldx, xp, y, ldy, r0, r1, base, PL, 3, 1); break;                 \
    default: a2_mv_k(W, x, ldx, xp, y, ldy, r0, r1, base, PL, 4, 1); break;                \
    }

/* The group sums of NT tokens, then their plane-transposed activations, in prep's buffer
 * (else in scratch: KERNEL_SCRATCH(cols) is ample). */
TGT static void a2_mv(const wmat *W, const float *x, int ldx, int NT, float *y, int ldy, int r0, int r1, float *scratch, mm_prep *prep) {
    float *base = prep && W->kind == WT_AFFINE ? prep->buf : scratch, *xp = base;
    int planes = W->kind == WT_AFFINE && (W->bits == 4 || W->bits == 8) && W->group % (8 * 32 / W->bits) == 0;
    bool ready = W->kind == WT_AFFINE && mm_prep_reuse(prep, x, (uint64_t)NT << 48 | (uint64_t)W->cols << 16 | (uint64_t)W->group << 4 | (uint64_t)(planes ? W->bits : 0));
    if (W->kind == WT_AFFINE) {
        int G = W->group, ng = W->cols / G;
        if (!ready)
            for (int j = 0; j < NT; j++)
                for (int g = 0; g < ng; g++) {
                    __m256 xs = _mm256_setzero_ps();
                    for (int c = g * G; c < (g + 1) * G; c += 8) xs = _mm256_add_ps(xs, _mm256_loadu_ps(x + (size_t)j * ldx + c));
                    base[(size_t)j * ng + g] = hsum8(xs);
                }
        xp = base + (size_t)NT * ng;
    }
    if (planes) {
        int n = W->cols, S = 32 / W->bits;
        if (!ready)
            for (int j = 0; j < NT; j++)
                for (int c = 0; c < n; c += 8 * S)
                    for (int p = 0; p < S; p++)
                        for (int m = 0; m < 8; m++) xp[(size_t)j * n + c + 8 * p + m] = x[(size_t)j * ldx + c + S * m + p];
        if (W->bits == 4) A2_MV_NT(4) else A2_MV_NT(8)
        return;
    }
    A2_MV_NT(0)
}

/* ---- matrix-matrix (prefill): A2_ROWS (24) rows x A2_DEPTH columns expanded once into a
 * k-major panel P[k][24], then A2_MT (4) tokens x 24 rows accumulate in 12 ymm registers ---- */

/* NT tokens (A2_MT, or fewer for the last tile) x A2_ROWS rows over kn panel steps. */
AI TGT static inline void a2_tile_k(const float *P, int kn, const float *x, int ldx, __m256 a[A2_MT][A2_NV], const int NT) {
    for (int k = 0; k < kn; k++) {
        __m256 p[A2_NV];
        for (int v = 0; v < A2_NV; v++) p[v] = _mm256_loadu_ps(P + (size_t)k * A2_ROWS + 8 * v);
        for (int t = 0; t < NT; t++) {
            __m256 b = _mm256_broadcast_ss(x + (size_t)t * ldx + k);
            for (int v = 0; v < A2_NV; v++) a[t][v] = _mm256_fmadd_ps(p[v], b, a[t][v]);
        }
    }
}

TGT static void a2_tile(const float *P, int kn, const float *x, int ldx, int nt, float *y, int ldy, int accumulate) {
    __m256 a[A2_MT][A2_NV];
    for (int t = 0; t < A2_MT; t++)
        for (int v = 0; v < A2_NV; v++) a[t][v] = accumulate && t < nt ? _mm256_loadu_ps(y + (size_t)t * ldy + 8 * v) : _mm256_setzero_ps();
    if (nt == A2_MT) a2_tile_k(P, kn, x, ldx, a, A2_MT);
    else a2_tile_k(P, kn, x, ldx, a, nt);
    for (int t = 0; t < nt; t++)
        for (int v = 0; v < A2_NV; v++) _mm256_storeu_ps(y + (size_t)t * ldy + 8 * v, a[t][v]);
}

TGT static void a2_panels(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch) {
    float *P = scratch, *tmp = P + A2_ROWS * A2_DEPTH, *side = tmp + A2_ROWS * A2_DEPTH; /* side: A2_MT x A2_ROWS */
    int K = W->cols;
    const a2_codes d = a2_codes_init(W->kind == WT_AFFINE ? W->bits : 8);
    for (int r = r0; r < r1; r += A2_ROWS) {
        int nr = r1 - r < A2_ROWS ? r1 - r : A2_ROWS;
        for (int k0 = 0; k0 < K; k0 += A2_DEPTH) {
            int kn = K - k0 < A2_DEPTH ? K - k0 : A2_DEPTH;
            for (int i = 0; i < A2_ROWS; i++) {
                if (i < nr) a2_row(W, &d, r + i, k0, kn, tmp + (size_t)i * A2_DEPTH);
                for (int k = 0; k < kn; k++) P[(size_t)k * A2_ROWS + i] = i < nr ? tmp[(size_t)i * A2_DEPTH + k] : 0.0f;
            }
            /* the next block's row pieces (A2_DEPTH columns: short pieces, too scattered for the hardware
             * prefetchers), fetched while the tokens run */
            wmat_prefetch_next(W, r, r1, A2_ROWS, k0, A2_DEPTH);
            panel_tokens(a2_tile, A2_MT, A2_ROWS, P, kn, x + k0, T, ldx, y + r, ldy, nr, k0 > 0, side);
        }
    }
}

TGT static void mm_rows_avx2(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch, mm_prep *prep) {
    if (!a2_fused(W)) {
        mm_rows_expanded(W, x, T, ldx, y, ldy, r0, r1, scratch, dot_avx2);
        return;
    }
    if (T <= A2_MAX_T) {
        for (int t = 0; t < T; t += A2_TOKENS)
            a2_mv(W, x + (size_t)t * ldx, ldx, T - t < A2_TOKENS ? T - t : A2_TOKENS, y + (size_t)t * ldy, ldy, r0, r1, scratch, prep);
        return;
    }
    a2_panels(W, x, T, ldx, y, ldy, r0, r1, scratch);
}

/* F16C, 8 values per step. */
TGT static void h2f_avx2(const uint16_t *in, float *out, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(in + i))));
    for (; i < n; i++) out[i] = f16_to_f32(in[i]);
}

TGT static void f2h_avx2(const float *in, uint16_t *out, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm_storeu_si128((__m128i *)(void *)(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) out[i] = f32_to_f16(in[i]);
}

const kernel_set kernels_avx2 = {KERNEL_SET_FIELDS(avx2, attn_scores_avx2, exp_sum_avx2, attn_pv_avx2, silu_mul_avx2, gelu_tanh_mul_avx2), .attn_scores_h = attn_scores_h_avx2,
                                 .attn_pv_h = attn_pv_h_avx2, .lse = lse_avx2, .kl = kl_avx2};
#endif
