/* matmul_bf16.c — the opt-in bf16 precision path (`--precision bf16`): bf16
 * weights times activations rounded to bf16 with AVX-512 BF16 `vdpbf16ps`
 * (32 multiply-adds per instruction, f32 accumulation). Approximate by design:
 * its cost in KL divergence is measured and stated in docs/performance.md. */
#if defined(__x86_64__)
#pragma GCC optimize("O3")
#include <immintrin.h>

#include "kernels/kernels.h"

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

/* 4 rows x 4 tokens of dot products over the full row, 32 values per step. */
TGT void mm_rows_bf16_avx512(const wmat *W, const uint16_t *xb, int T, int ldx, float *y, int ldy, int r0, int r1) {
    const int n = W->cols, n32 = n & ~31;
    for (int r = r0; r < r1; r += 4) {
        int nr = r1 - r < 4 ? r1 - r : 4;
        const uint16_t *w[4];
        for (int i = 0; i < 4; i++) w[i] = (const uint16_t *)(wmat_row(W, (size_t)(r + (i < nr ? i : 0))));
        for (int t = 0; t < T; t += 4) {
            int nt = T - t < 4 ? T - t : 4;
            const uint16_t *x[4];
            for (int j = 0; j < 4; j++) x[j] = xb + (size_t)(t + (j < nt ? j : 0)) * ldx;
            __m512 a[4][4];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) a[i][j] = _mm512_setzero_ps();
            for (int c = 0; c < n32; c += 32) {
                __m512bh wv[4];
                for (int i = 0; i < 4; i++) wv[i] = (__m512bh)_mm512_loadu_si512((const void *)(w[i] + c));
                for (int j = 0; j < 4; j++) {
                    __m512bh xv = (__m512bh)_mm512_loadu_si512((const void *)(x[j] + c));
                    for (int i = 0; i < 4; i++) a[i][j] = _mm512_dpbf16_ps(a[i][j], wv[i], xv);
                }
            }
            for (int i = 0; i < nr; i++)
                for (int j = 0; j < nt; j++) {
                    float s = _mm512_reduce_add_ps(a[i][j]);
                    for (int c = n32; c < n; c++) s += bf16_to_f32(w[i][c]) * bf16_to_f32(x[j][c]);
                    y[(size_t)(t + j) * ldy + r + i] = s;
                }
        }
    }
}
#endif
