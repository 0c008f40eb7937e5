/* avx512_common.h — small AVX-512 helpers shared by the matmul kernels: horizontal
 * sums, half-precision loads, and per-group scale/bias access for MLX affine rows. */
#ifndef FFAI_KERNELS_AVX512_COMMON_H
#define FFAI_KERNELS_AVX512_COMMON_H
#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/wmat.h"

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))

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

/* sum_g v_g * xsum_g over one row's ng scales or biases, converted in registers. */
__attribute__((always_inline)) TGT static inline float sb_dot(wt_kind k, const void *row, int ng, const float *xsum) {
    __m512 acc = _mm512_setzero_ps();
    int g = 0;
    for (; g + 16 <= ng; g += 16) {
        __m512 v = k == WT_F32 ? _mm512_loadu_ps((const float *)row + g) : load_w16(k, (const uint8_t *)row, g);
        acc = _mm512_fmadd_ps(v, _mm512_loadu_ps(xsum + g), acc);
    }
    float s = hsum(acc);
    for (; g < ng; g++) s += sb_at(k, row, (size_t)g) * xsum[g];
    return s;
}

#endif
#endif
