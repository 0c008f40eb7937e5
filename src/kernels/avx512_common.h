/* avx512_common.h — small AVX-512 helpers shared by the matmul kernels: horizontal
 * sums, half-precision loads, per-group scale/bias access for MLX affine rows, and
 * the decoding of codes of any width. */
#ifndef FFAI_KERNELS_AVX512_COMMON_H
#define FFAI_KERNELS_AVX512_COMMON_H
#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/wmat.h"

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))

/* Matrix-vector passes over the weights (decode and short prompts). */
#define MV_TOKENS 4   /* tokens per pass over the weights */
/* affine codes: up to this many tokens take matvec passes rather than the panel GEMM
 * (crossover measured on the 1B shape: ~16-20 tokens for 4-bit codes) */
#define MV_MAX_T 16
#define MV_STREAMS 2  /* rows read together, from evenly spaced parts of the range, in passes of several tokens */
#define MV_AHEAD 4096 /* bytes of weights prefetched ahead in those passes */
/* One-token passes over 4/8-bit codes (exact, 24-bit and int8 decode): four rows, 2 KiB ahead. On row
 * records without scale-line prefetches four rows took 1B 8-bit exact decode +7 % and int8 +10 % over two
 * rows (docs/performance.md, item 29); 2 KiB instead of 1 then gave exact 8-bit +10-22 %, the 24-bit
 * 4-bit decode +5-25 % and int8 4-bit +2-17 % (item 39; 3 KiB ranked with 2, 4 KiB below). MV_STREAMS1
 * is the most any pass reads. */
#define MV_STREAMS1 4
#define MV_AHEAD1 2048
#define SB_AHEAD 32   /* rows of scales/biases prefetched ahead */

TGT static inline float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }

TGT static inline __m512 load_bf16x16(const uint16_t *p) {
    __m256i h = _mm256_loadu_si256((const __m256i *)p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

TGT static inline __m512 load_f16x16(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }

__attribute__((always_inline)) TGT static inline __m512 load_w16(wt_kind k, const uint8_t *row, int c) {
    switch (k) {
    case WT_BF16: return load_bf16x16((const uint16_t *)row + c);
    case WT_F16: return load_f16x16((const uint16_t *)row + c);
    default: return _mm512_loadu_ps((const float *)row + c);
    }
}

/* One scale or bias (bf16, f16 or f32) as f32. */
__attribute__((always_inline)) TGT static inline float sb_at(wt_kind k, const void *p, size_t i) {
    if (k == WT_F32) return ((const float *)p)[i];
    uint16_t h = ((const uint16_t *)p)[i];
    return k == WT_BF16 ? bf16_to_f32(h) : _cvtsh_ss(h);
}

/* The scales of one block's lanes, read in place: word m of the block starting at
 * code c is in group (c + S m) / G, so the block spans nsc = B / G groups (1, 2 or 4). */
__attribute__((always_inline)) TGT static inline __m512 lane_scales(wt_kind k, const void *row_sc, int c, int gsh, const int nsc, __m512i sidx, __m512i widx) {
    size_t g = (size_t)(c >> gsh);
    if (nsc == 1) return _mm512_set1_ps(sb_at(k, row_sc, g));
    if (k == WT_BF16) {
        /* bf16 -> f32 is a move to the high half: permute words, zero the low halves */
        const uint16_t *p = (const uint16_t *)row_sc + g;
        __m128i v = nsc == 2 ? _mm_loadu_si32((const void *)p) : _mm_loadl_epi64((const __m128i *)(const void *)p);
        return _mm512_castsi512_ps(_mm512_maskz_permutexvar_epi16(0xAAAAAAAAu, widx, _mm512_castsi128_si512(v)));
    }
    __m512 v;
    if (k == WT_F16) {
        const uint16_t *p = (const uint16_t *)row_sc + g;
        v = _mm512_castps128_ps512(_mm_cvtph_ps(nsc == 2 ? _mm_loadu_si32((const void *)p) : _mm_loadl_epi64((const __m128i *)(const void *)p)));
    } else {
        const float *p = (const float *)row_sc + g;
        v = _mm512_castps128_ps512(nsc == 2 ? _mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(const void *)p)) : _mm_loadu_ps(p));
    }
    return _mm512_permutexvar_ps(sidx, v);
}

/* The permute indices lane_scales takes for blocks of 16 words of S codes in groups of G:
 * word m is in group S m / G of the block (sidx: dword lanes; widx: the high word of each
 * lane, for bf16 scales). */
TGT static inline void lane_indices(int S, int G, __m512i *sidx, __m512i *widx) {
    int lane_group[16];
    short word_group[32];
    for (int m = 0; m < 16; m++) lane_group[m] = S * m / G, word_group[2 * m] = 0, word_group[2 * m + 1] = (short)(S * m / G);
    *sidx = _mm512_loadu_si512((const void *)lane_group), *widx = _mm512_loadu_si512((const void *)word_group);
}

/* The rows one matvec pass reads together, one from each of ns (<= MV_STREAMS1) parts of the
 * range: r, r + h, r + 2h, ... below r1 (stream_rows; the others repeat r) — independent memory
 * streams keep more in flight per core. Sets each stream's row index, codes and scales, zeroes
 * its accumulators (one per token) and returns how many are real. In the packed layout their scales and biases some rows ahead are
 * prefetched (separate arrays the hardware prefetchers may not follow); row records carry them
 * in the row's own stream. The kernels keep their accumulators in local arrays indexed by
 * compile-time constants: inside a struct passed by address they lived on the stack (a load,
 * FMA and store per block; 1B 4-bit decode 10-13 % slower). */
__attribute__((always_inline)) TGT static inline int affine_rows_at(const wmat *W, int r, int h, int r1, const int ns, int *ri, const uint8_t **row,
                                                                    const uint8_t **rs, __m512 acc[][MV_TOKENS]) {
    int nr = stream_rows(r, h, r1, ns, ri);
    for (int i = 0; i < ns; i++) {
        for (int j = 0; j < MV_TOKENS; j++) acc[i][j] = _mm512_setzero_ps();
        row[i] = wmat_row(W, (size_t)ri[i]), rs[i] = wmat_scales(W, (size_t)ri[i]);
        wmat_prefetch_sb(W, (size_t)ri[i], SB_AHEAD);
    }
    return nr;
}

/* xsum[g] = sum of x over group g (ng groups of G, G a multiple of 16). */
TGT static inline void group_sums(const float *x, int G, int ng, float *xsum) {
    for (int g = 0; g < ng; g++) {
        __m512 s = _mm512_setzero_ps();
        for (int k = 0; k < G; k += 16) s = _mm512_add_ps(s, _mm512_loadu_ps(x + (size_t)g * G + k));
        xsum[g] = hsum(s);
    }
}

/* Codes of any width 2..8 in MLX's little-endian bit stream (3, 5 and 6 bits straddle
 * bytes and words): 16 codes fill 2 * bits bytes. From a 16-byte window holding them,
 * broadcast to the four 128-bit lanes, a byte shuffle gives dword lane i the four bytes
 * around code i, a per-lane shift puts the code at mantissa bits [23 - bits, 23), and
 * one ternary-logic op masks it and ORs in 1.0: the exact floats 1 + q / 2^bits. */
typedef struct {
    __m512i shuf, shift, mask, one;
    int bits;
} codes_dec;

TGT static inline codes_dec codes_dec_init(int bits) {
    uint8_t sh[64];
    uint32_t left[16];
    for (int i = 0; i < 16; i++) {
        int bit = i * bits;
        for (int k = 0; k < 4; k++) sh[4 * i + k] = (uint8_t)((bit >> 3) + k); /* indices within the lane's 16 bytes */
        left[i] = (uint32_t)(23 - bits - (bit & 7));
    }
    codes_dec d = {_mm512_loadu_si512((const void *)sh), _mm512_loadu_si512((const void *)left),
                   _mm512_set1_epi32((int)(((1u << bits) - 1u) << (23 - bits))), _mm512_set1_epi32(0x3f800000), bits};
    return d;
}

/* The 16 codes whose 2 * bits bytes start the window. */
__attribute__((always_inline)) TGT static inline __m512 codes16(const codes_dec *d, __m128i window) {
    __m512i v = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(window), d->shuf);
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_sllv_epi32(v, d->shift), d->mask, d->one, 0xEA));
}

/* The 16-byte window at byte `off` of a row of rb bytes, without reading past the row's end. */
__attribute__((always_inline)) TGT static inline __m128i codes_window(const uint8_t *row, size_t off, size_t rb) {
    if (off + 16 <= rb) return _mm_loadu_si128((const __m128i *)(const void *)(row + off));
    return _mm_maskz_loadu_epi8((__mmask16)((1u << (rb - off)) - 1u), row + off);
}

/* 16 scales or biases from v[g..) as f32, the lanes past m zero (m: a lane mask). */
__attribute__((always_inline)) TGT static inline __m512 sb_load16(wt_kind k, const void *v, int g, __mmask16 m) {
    if (k == WT_F32) return _mm512_maskz_loadu_ps(m, (const float *)v + g);
    __m256i h = _mm256_maskz_loadu_epi16(m, (const uint16_t *)v + g);
    if (k == WT_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* hsum(t + sum_g c_g xs_g) over a row's ng groups, c_g = b_g - span s_g (sc NULL: c_g = b_g),
 * scales and biases converted in registers and the correction added lane-wise before the one
 * horizontal sum (a sum per dot and one for the blocks were ~8 % of the 4-bit kernel's vector
 * ops on 2048-wide rows). */
__attribute__((always_inline)) TGT static inline float row_y_fold(wt_kind sk, const void *sc, const void *bi, int ng, const float *xs, float span, __m512 t) {
    const __m512 sp = _mm512_set1_ps(span);
    for (int g = 0; g < ng; g += 16) {
        __mmask16 m = ng - g >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (ng - g)) - 1u);
        __m512 c = sb_load16(sk, bi, g, m);
        if (sc) c = _mm512_fnmadd_ps(sb_load16(sk, sc, g, m), sp, c);
        t = _mm512_fmadd_ps(c, _mm512_maskz_loadu_ps(m, xs + g), t);
    }
    return hsum(t);
}

/* y of one row and token from acc = sum_g s_g sum_k (1 + q_k / 2^bits) x_k (span = 2^bits,
 * xs the token's group sums, sc and bi the row's scales and biases):
 *   y = 2^bits acc + sum_g (b_g - 2^bits s_g) xsum_g. */
__attribute__((always_inline)) TGT static inline float affine_row_y(wt_kind sk, const void *sc, const void *bi, int ng, const float *xs, float span, __m512 acc) {
    return row_y_fold(sk, sc, bi, ng, xs, span, _mm512_mul_ps(acc, _mm512_set1_ps(span)));
}

/* Matrix-vector products for affine codes of any width 2..8 with groups of 32, 64 or 128
 * (matmul_avx512_bits.c): NT (1..MV_TOKENS) tokens of x (row stride ldx) into y. */
void mv_affine_bits_avx512(const wmat *W, const float *x, int ldx, int NT, float *y, int ldy, int r0, int r1, float *scratch);

#endif
#endif
