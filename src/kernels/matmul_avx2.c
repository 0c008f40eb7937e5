/* matmul_avx2.c — AVX2+FMA kernels: vectorized dot/axpy; matmul expands rows to
 * f32 and dots them (a straightforward variant for CPUs without AVX-512). */
#if defined(__x86_64__)
#include <immintrin.h>

#include "kernels/kernels.h"

#define TGT __attribute__((target("avx2,fma,f16c")))

TGT static float dot_avx2(const float *a, const float *b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    __m256 s = _mm256_add_ps(s0, s1);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float r = _mm_cvtss_f32(h);
    for (; i < n; i++) r += a[i] * b[i];
    return r;
}

TGT static void axpy_avx2(float *y, float a, const float *x, int n) {
    __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

TGT static void mm_rows_avx2(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch) {
    mm_rows_expanded(W, x, T, ldx, y, ldy, r0, r1, scratch, dot_avx2);
}

const kernel_set kernels_avx2 = {
    .name = "avx2",
    .mm_rows = mm_rows_avx2,
    .dot = dot_avx2,
    .axpy = axpy_avx2,
    KERNELS_GENERIC_ROWWISE,
};
#endif
