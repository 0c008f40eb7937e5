/* matmul_avx512.c — AVX-512 kernels (F/BW/VL): fused matrix-vector products for
 * bf16/f16/f32 and MLX affine 4/8-bit weights read in place, and a tiled
 * 4-rows x 4-tokens matrix-matrix product for prefill. Accumulation is f32. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "kernels/kernels.h"

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))

TGT static inline float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }

TGT static inline __m512 load_bf16x16(const uint16_t *p) {
    __m256i h = _mm256_loadu_si256((const __m256i *)p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

TGT static inline __m512 load_f16x16(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }

TGT static inline __m512 load_w16(wt_kind k, const uint8_t *row, int c) {
    switch (k) {
    case WT_BF16: return load_bf16x16((const uint16_t *)row + c);
    case WT_F16: return load_f16x16((const uint16_t *)row + c);
    default: return _mm512_loadu_ps((const float *)row + c);
    }
}

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

TGT static void axpy_avx512(float *y, float a, const float *x, int n) {
    __m512 va = _mm512_set1_ps(a);
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

/* ---- matrix-vector, dense formats: 4 rows at a time share each x load ---- */
TGT static void mv_dense(const wmat *W, const float *x, float *y, int r0, int r1) {
    int n = W->cols, r = r0;
    for (; r + 4 <= r1; r += 4) {
        const uint8_t *w0 = W->w + (size_t)r * W->row_bytes, *w1 = w0 + W->row_bytes, *w2 = w1 + W->row_bytes, *w3 = w2 + W->row_bytes;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        int c = 0;
        for (; c + 16 <= n; c += 16) {
            __m512 xv = _mm512_loadu_ps(x + c);
            a0 = _mm512_fmadd_ps(load_w16(W->kind, w0, c), xv, a0);
            a1 = _mm512_fmadd_ps(load_w16(W->kind, w1, c), xv, a1);
            a2 = _mm512_fmadd_ps(load_w16(W->kind, w2, c), xv, a2);
            a3 = _mm512_fmadd_ps(load_w16(W->kind, w3, c), xv, a3);
        }
        float s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
        for (; c < n; c++) {
            s0 += wt_load(W->kind, w0, (size_t)c) * x[c];
            s1 += wt_load(W->kind, w1, (size_t)c) * x[c];
            s2 += wt_load(W->kind, w2, (size_t)c) * x[c];
            s3 += wt_load(W->kind, w3, (size_t)c) * x[c];
        }
        y[r] = s0, y[r + 1] = s1, y[r + 2] = s2, y[r + 3] = s3;
    }
    for (; r < r1; r++) {
        const uint8_t *w0 = W->w + (size_t)r * W->row_bytes;
        __m512 a0 = _mm512_setzero_ps();
        int c = 0;
        for (; c + 16 <= n; c += 16) a0 = _mm512_fmadd_ps(load_w16(W->kind, w0, c), _mm512_loadu_ps(x + c), a0);
        float s0 = hsum(a0);
        for (; c < n; c++) s0 += wt_load(W->kind, w0, (size_t)c) * x[c];
        y[r] = s0;
    }
}

/* ---- matrix-vector, affine 4/8-bit: y_r = sum_g s_g * (q_g . x_g) + b_g * sum(x_g) ---- */

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

TGT static inline float sb_load(wt_kind k, const void *p, size_t i) { return wt_load(k, p, i); }

TGT static void mv_affine(const wmat *W, const float *x, float *y, int r0, int r1, float *scratch) {
    const int n = W->cols, G = W->group, ng = n / G, bits = W->bits;
    float *xp = scratch, *xsum = scratch + n;
    if (bits == 4) permute_x4(x, xp, n);
    else memcpy(xp, x, (size_t)n * sizeof(float));
    for (int g = 0; g < ng; g++) {
        float s = 0.0f;
        for (int k = 0; k < G; k++) s += x[g * G + k];
        xsum[g] = s;
    }
    const __m512i m4 = _mm512_set1_epi32(0xf);
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = W->w + (size_t)r * W->row_bytes;
        __m512 acc = _mm512_setzero_ps();
        float bsum = 0.0f;
        for (int g = 0; g < ng; g++) {
            __m512 qx = _mm512_setzero_ps();
            const float *xg = xp + g * G;
            if (bits == 4) {
                const uint8_t *q = row + (size_t)g * G / 2;
                for (int k = 0; k < G; k += 32) {
                    __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(q + k / 2)));
                    qx = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_and_si512(v, m4)), _mm512_loadu_ps(xg + k), qx);
                    qx = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(v, 4)), _mm512_loadu_ps(xg + k + 16), qx);
                }
            } else { /* 8-bit */
                const uint8_t *q = row + (size_t)g * G;
                for (int k = 0; k < G; k += 16) {
                    __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(q + k)));
                    qx = _mm512_fmadd_ps(_mm512_cvtepi32_ps(v), _mm512_loadu_ps(xg + k), qx);
                }
            }
            size_t si = (size_t)r * ng + g;
            acc = _mm512_fmadd_ps(_mm512_set1_ps(sb_load(W->sb_kind, W->scales, si)), qx, acc);
            bsum += sb_load(W->sb_kind, W->biases, si) * xsum[g];
        }
        y[r] = hsum(acc) + bsum;
    }
}

/* ---- matrix-matrix: expand 4 rows to f32, then 4x4 register tiles ---- */
TGT static void expand_rows(const wmat *W, int r, int nr, float *dst) {
    int n = W->cols;
    for (int i = 0; i < nr; i++) {
        const uint8_t *row = W->w + (size_t)(r + i) * W->row_bytes;
        float *d = dst + (size_t)i * n;
        if (W->kind == WT_BF16 || W->kind == WT_F16) {
            int c = 0;
            for (; c + 16 <= n; c += 16) _mm512_storeu_ps(d + c, load_w16(W->kind, row, c));
            for (; c < n; c++) d[c] = wt_load(W->kind, row, (size_t)c);
        } else
            wmat_row_f32(W, r + i, d);
    }
}

TGT static void mm_tile(const float *w, int nr, const float *x, int T, int ldx, float *y, int ldy, int r, int n) {
    int t = 0;
    for (; t + 4 <= T && nr == 4; t += 4) {
        const float *x0 = x + (size_t)t * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
        const float *w0 = w, *w1 = w + n, *w2 = w + 2 * n, *w3 = w + 3 * n;
        __m512 a[16];
        for (int i = 0; i < 16; i++) a[i] = _mm512_setzero_ps();
        int c = 0;
        for (; c + 16 <= n; c += 16) {
            __m512 v0 = _mm512_loadu_ps(w0 + c), v1 = _mm512_loadu_ps(w1 + c), v2 = _mm512_loadu_ps(w2 + c), v3 = _mm512_loadu_ps(w3 + c);
            __m512 u;
            u = _mm512_loadu_ps(x0 + c);
            a[0] = _mm512_fmadd_ps(v0, u, a[0]); a[1] = _mm512_fmadd_ps(v1, u, a[1]);
            a[2] = _mm512_fmadd_ps(v2, u, a[2]); a[3] = _mm512_fmadd_ps(v3, u, a[3]);
            u = _mm512_loadu_ps(x1 + c);
            a[4] = _mm512_fmadd_ps(v0, u, a[4]); a[5] = _mm512_fmadd_ps(v1, u, a[5]);
            a[6] = _mm512_fmadd_ps(v2, u, a[6]); a[7] = _mm512_fmadd_ps(v3, u, a[7]);
            u = _mm512_loadu_ps(x2 + c);
            a[8] = _mm512_fmadd_ps(v0, u, a[8]); a[9] = _mm512_fmadd_ps(v1, u, a[9]);
            a[10] = _mm512_fmadd_ps(v2, u, a[10]); a[11] = _mm512_fmadd_ps(v3, u, a[11]);
            u = _mm512_loadu_ps(x3 + c);
            a[12] = _mm512_fmadd_ps(v0, u, a[12]); a[13] = _mm512_fmadd_ps(v1, u, a[13]);
            a[14] = _mm512_fmadd_ps(v2, u, a[14]); a[15] = _mm512_fmadd_ps(v3, u, a[15]);
        }
        if (c < n) {
            __mmask16 m = (__mmask16)((1u << (n - c)) - 1u);
            const float *xs[4] = {x0, x1, x2, x3};
            for (int ti = 0; ti < 4; ti++) {
                __m512 u = _mm512_maskz_loadu_ps(m, xs[ti] + c);
                for (int ri = 0; ri < 4; ri++) a[ti * 4 + ri] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + (size_t)ri * n + c), u, a[ti * 4 + ri]);
            }
        }
        for (int ti = 0; ti < 4; ti++)
            for (int ri = 0; ri < 4; ri++) y[(size_t)(t + ti) * ldy + r + ri] = hsum(a[ti * 4 + ri]);
    }
    for (; t < T; t++)
        for (int ri = 0; ri < nr; ri++) y[(size_t)t * ldy + r + ri] = dot_avx512(w + (size_t)ri * n, x + (size_t)t * ldx, n);
}

TGT static void mm_rows_avx512(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch) {
    if (T == 1) {
        if (W->kind != WT_AFFINE) {
            mv_dense(W, x, y, r0, r1);
            return;
        }
        if ((W->bits == 4 || W->bits == 8) && W->group % 32 == 0) {
            mv_affine(W, x, y, r0, r1, scratch);
            return;
        }
    }
    for (int r = r0; r < r1; r += MM_TILE_ROWS) {
        int nr = r1 - r < MM_TILE_ROWS ? r1 - r : MM_TILE_ROWS;
        const float *w;
        if (W->kind == WT_F32) w = (const float *)(W->w + (size_t)r * W->row_bytes);
        else {
            expand_rows(W, r, nr, scratch);
            w = scratch;
        }
        mm_tile(w, nr, x, T, ldx, y, ldy, r, W->cols);
    }
}

const kernel_set kernels_avx512 = {
    .name = "avx512",
    .mm_rows = mm_rows_avx512,
    .dot = dot_avx512,
    .axpy = axpy_avx512,
};
#endif
