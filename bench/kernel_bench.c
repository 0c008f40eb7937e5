/* kernel_bench.c — micro-benchmark of the matmul kernels on Llama-3.2-1B
 * shaped matrices: matrix-vector GB/s (decode) and matrix-matrix GFLOP/s
 * (prefill) per weight format, for every kernel set this CPU supports.
 * Usage: kernel_bench [threads] [T] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "kernels/kernels.h"

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)rng;
}

static wmat make(wt_kind kind, int rows, int cols, int bits) {
    wmat m = {.kind = kind, .rows = rows, .cols = cols};
    size_t n = (size_t)rows * cols;
    if (kind == WT_AFFINE) {
        m.bits = bits;
        m.group = 64;
        m.sb_kind = WT_BF16;
        m.row_bytes = (size_t)cols * bits / 8;
        uint8_t *w = malloc(m.row_bytes * rows);
        for (size_t i = 0; i < m.row_bytes * rows; i++) w[i] = (uint8_t)rnd();
        uint16_t *s = malloc(sizeof(uint16_t) * rows * (cols / 64)), *b = malloc(sizeof(uint16_t) * rows * (cols / 64));
        for (size_t i = 0; i < (size_t)rows * (cols / 64); i++) s[i] = f32_to_bf16(0.001f), b[i] = f32_to_bf16(-0.01f);
        m.w = w, m.scales = s, m.biases = b;
    } else {
        size_t es = kind == WT_F32 ? 4 : 2;
        m.row_bytes = (size_t)cols * es;
        uint16_t *w = malloc(n * es);
        for (size_t i = 0; i < n * es / 2; i++) w[i] = kind == WT_F32 ? (uint16_t)rnd() : f32_to_bf16(((int)(rnd() % 2000) - 1000) * 1e-5f);
        m.w = (const uint8_t *)w;
    }
    return m;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 0, T = argc > 2 ? atoi(argv[2]) : 64;
    const kernel_set *sets[4];
    int ns = kernels_available(sets, 4);
    kernel_ctx kc = {.tp = tp_create(threads)};
    kc.scratch_per_thread = KERNEL_SCRATCH(8192);
    kc.scratch = malloc(sizeof(float) * kc.scratch_per_thread * tp_size(kc.tp));
    struct { const char *name; wt_kind k; int bits; } fmts[] = {{"bf16", WT_BF16, 0}, {"q8", WT_AFFINE, 8}, {"q4", WT_AFFINE, 4}};
    int rows = 8192, cols = 2048; /* the 1B MLP up projection */
    float *x = malloc(sizeof(float) * (size_t)T * 8192), *y = malloc(sizeof(float) * (size_t)T * 8192);
    for (int i = 0; i < T * 8192; i++) x[i] = ((int)(rnd() % 2000) - 1000) * 1e-3f;
    printf("threads %d, matrix %d x %d\n", tp_size(kc.tp), rows, cols);
    for (int f = 0; f < 3; f++) {
        wmat m = make(fmts[f].k, rows, cols, fmts[f].bits);
        size_t bytes = wmat_bytes(&m);
        for (int s = 0; s < ns; s++) {
            kc.ks = sets[s];
            int reps = 50;
            k_matmul(&kc, &m, x, 1, cols, y, rows);
            double t0 = clock_now();
            for (int r = 0; r < reps; r++) k_matmul(&kc, &m, x, 1, cols, y, rows);
            double mv = (clock_now() - t0) / reps;
            double t1 = clock_now();
            k_matmul(&kc, &m, x, T, cols, y, rows);
            double mm = clock_now() - t1;
            printf("%-5s %-8s matvec %7.2f GB/s (%.3f ms)   matmul T=%d %7.1f GFLOP/s\n", fmts[f].name, sets[s]->name, bytes / mv / 1e9, mv * 1e3, T,
                   2.0 * rows * cols * T / mm / 1e9);
        }
    }
    return 0;
}
