/* matmul_avx512_bits.c — AVX-512 matrix-vector product for MLX affine codes of any
 * width (2, 3, 5, 6 bits; 4 and 8 have their own word-plane kernel), read in place:
 * 16 codes at a time become exact floats 1 + q / 2^bits (avx512_common.h: codes16)
 * and are dotted with x in natural order, per group, then
 *   y = 2^bits (sum_g s_g sum_k (1 + q_k / 2^bits) x_k - sum_g s_g xsum_g) + sum_g b_g xsum_g,
 * which is sum_g sum_k (s_g q_k + b_g) x_k with f32 activations and accumulation. */
#if defined(__x86_64__)
#pragma GCC optimize("O3")
#include <immintrin.h>

#include "kernels/avx512_common.h"
#include "kernels/kernels.h"

/* One group (CPG chunks of 16 codes at byte off) of both streams' rows dotted with NT
 * tokens' x at code c (each x load serves both rows), scaled by each row's group scale
 * into acc. `safe`: the chunks' 16-byte windows lie inside the rows, so they are read as
 * broadcast loads straight from memory. */
__attribute__((always_inline)) TGT static inline void group_dot(const uint8_t *const *row, __m512 acc[][MV_TOKENS], size_t off, size_t rb, size_t cb,
                                                                const codes_dec *d, const float *x, int ldx, int c, const __m512 *s, const int CPG,
                                                                const int NT, const int safe) {
    __m512 ga[MV_STREAMS][MV_TOKENS], gb[MV_STREAMS][MV_TOKENS]; /* even and odd chunks: two chains per row and token */
    for (int i = 0; i < MV_STREAMS; i++)
        for (int j = 0; j < NT; j++) ga[i][j] = gb[i][j] = _mm512_setzero_ps();
    for (int k = 0; k < CPG; k++) {
        size_t o = off + (size_t)k * cb;
        __m512 f[MV_STREAMS];
        for (int i = 0; i < MV_STREAMS; i++)
            f[i] = codes16(d, safe ? _mm_loadu_si128((const __m128i *)(const void *)(row[i] + o)) : codes_window(row[i], o, rb));
        for (int j = 0; j < NT; j++) {
            __m512 xv = _mm512_loadu_ps(x + (size_t)j * ldx + c + 16 * k);
            for (int i = 0; i < MV_STREAMS; i++) {
                if (k & 1) gb[i][j] = _mm512_fmadd_ps(f[i], xv, gb[i][j]);
                else ga[i][j] = _mm512_fmadd_ps(f[i], xv, ga[i][j]);
            }
        }
    }
    for (int i = 0; i < MV_STREAMS; i++)
        for (int j = 0; j < NT; j++) acc[i][j] = _mm512_fmadd_ps(s[i], _mm512_add_ps(ga[i][j], gb[i][j]), acc[i][j]);
}

/* NT tokens, groups of 16 CPG codes; two rows at a time, one from each half of the
 * range (two memory streams per core). */
__attribute__((always_inline)) TGT static inline void mv_bits_k(const wmat *W, const float *x, int ldx, float *y, int ldy, int r0, int r1, float *scratch,
                                                                const int CPG, const int NT, const wt_kind sk) {
    const int n = W->cols, G = 16 * CPG, ng = n / G, bits = W->bits;
    const size_t rb = W->row_bytes, gbytes = (size_t)G * bits / 8, cb = 2 * (size_t)bits;
    float *xsum = scratch; /* token j: xsum + j * (ng + 16) */
    for (int j = 0; j < NT; j++) group_sums(x + (size_t)j * ldx, G, ng, xsum + (size_t)j * (ng + 16));
    const codes_dec d = codes_dec_init(bits);
    const float span = (float)(1 << bits);
    /* groups whose every 16-byte window stays inside the row */
    int nsafe = 0;
    while (nsafe < ng && (size_t)nsafe * gbytes + gbytes - 2 * (size_t)bits + 16 <= rb) nsafe++;
    const int h = (r1 - r0 + MV_STREAMS - 1) / MV_STREAMS;
    for (int r = r0; r < r0 + h; r++) {
        int ri[MV_STREAMS];
        const uint8_t *row[MV_STREAMS], *rs[MV_STREAMS];
        __m512 acc[MV_STREAMS][MV_TOKENS];
        const int nr = affine_rows_at(W, r, h, r1, MV_STREAMS, ri, row, rs, acc);
        for (int g = 0; g < ng; g++) {
            size_t off = (size_t)g * gbytes;
            __m512 s[MV_STREAMS];
            for (int i = 0; i < MV_STREAMS; i++) {
                _mm_prefetch((const char *)row[i] + off + MV_AHEAD, _MM_HINT_T0);
                if (gbytes > 64) _mm_prefetch((const char *)row[i] + off + 64 + MV_AHEAD, _MM_HINT_T0);
                s[i] = _mm512_set1_ps(sb_at(sk, rs[i], (size_t)g));
            }
            if (g < nsafe) group_dot(row, acc, off, rb, cb, &d, x, ldx, g * G, s, CPG, NT, 1);
            else group_dot(row, acc, off, rb, cb, &d, x, ldx, g * G, s, CPG, NT, 0);
        }
        for (int i = 0; i < nr; i++)
            for (int j = 0; j < NT; j++)
                y[(size_t)j * ldy + ri[i]] = affine_row_y(sk, rs[i], wmat_biases(W, (size_t)ri[i]), ng, xsum + (size_t)j * (ng + 16), span, acc[i][j]);
    }
}

#define MV_BITS_SK(CPG, NT)                                                                           \
    do {                                                                                              \
        if (W->sb_kind == WT_BF16) mv_bits_k(W, x, ldx, y, ldy, r0, r1, scratch, CPG, NT, WT_BF16);   \
        else if (W->sb_kind == WT_F16) mv_bits_k(W, x, ldx, y, ldy, r0, r1, scratch, CPG, NT, WT_F16); \
        else mv_bits_k(W, x, ldx, y, ldy, r0, r1, scratch, CPG, NT, WT_F32);                          \
    } while (0)

#define MV_BITS_NT(CPG)                                   \
    switch (NT) {                                         \
    case 1: MV_BITS_SK(CPG, 1); break;                    \
    case 2: MV_BITS_SK(CPG, 2); break;                    \
    case 3: MV_BITS_SK(CPG, 3); break;                    \
    default: MV_BITS_SK(CPG, 4); break;                   \
    }

TGT void mv_affine_bits_avx512(const wmat *W, const float *x, int ldx, int NT, float *y, int ldy, int r0, int r1, float *scratch) {
    switch (W->group) {
    case 32: MV_BITS_NT(2) break;
    case 64: MV_BITS_NT(4) break;
    default: MV_BITS_NT(8) break; /* 128 */
    }
}
#endif
