/* matmul_generic.c — the reference kernels: plain C, any weight format. */
#include "kernels/kernels.h"

static float dot_generic(const float *a, const float *b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static void axpy_generic(float *y, float a, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

/* Expands each row to float32, then dots it with every token. */
static void mm_rows_generic(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch) {
    for (int r = r0; r < r1; r++) {
        wmat_row_f32(W, r, scratch);
        for (int t = 0; t < T; t++) y[(size_t)t * ldy + r] = dot_generic(scratch, x + (size_t)t * ldx, W->cols);
    }
}

const kernel_set kernels_generic = {
    .name = "generic",
    .mm_rows = mm_rows_generic,
    .dot = dot_generic,
    .axpy = axpy_generic,
};
