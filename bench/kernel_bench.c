/* kernel_bench.c — micro-benchmark of the matmul kernels on Llama-3.2-1B
 * shaped matrices: matrix-vector GB/s (decode) and matrix-matrix GFLOP/s
 * (prefill) per weight format, for every kernel set this CPU supports.
 * Times are the best of many repetitions (the host may be shared); a small
 * ROWS keeps the matrix in cache and shows the kernel's compute ceiling.
 * Usage: kernel_bench [threads] [T] [ROWS] [COLS]; KB_SET=<set> runs one kernel set,
 * KB_PRECISION=int8 sends the affine formats down the opt-in int8 path; affine weights are laid
 * out as a loaded model holds them (row records) unless KB_LAYOUT=packed asks for the file's
 * layout (what FFAI_MMAP=1 runs on). 4-bit matvecs (with VBMI 2/3/5/6-bit ones too) take the
 * engine's 24-bit decode on the AVX-512 set (matmul_q8.h) unless FFAI_DECODE24=0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/clock.h"
#include "kernels/kernels.h"
#include "kernels/matmul_q8.h"

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)rng;
}

/* Weights live in one huge-page-backed arena, as a loaded model's do (st_make_resident). */
static uint8_t *arena;
static size_t arena_used, arena_size = (size_t)3 << 29;
static void *arena_alloc(size_t n) {
    if (!arena) {
        void *p = mmap(NULL, arena_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            fprintf(stderr, "kernel_bench: cannot map the weight arena\n");
            exit(1);
        }
        madvise(p, arena_size, MADV_HUGEPAGE);
        arena = p;
    }
    n = (n + 63) / 64 * 64;
    if (arena_used + n > arena_size) {
        fprintf(stderr, "kernel_bench: weight arena full\n");
        exit(1);
    }
    void *r = arena + arena_used;
    arena_used += n;
    return r;
}

static int packed_layout; /* affine weights as in the file, not as row records */

static wmat make(wt_kind kind, int rows, int cols, int bits) {
    wmat m = {.kind = kind, .rows = rows, .cols = cols};
    size_t n = (size_t)rows * cols;
    if (kind == WT_AFFINE) {
        m.bits = bits;
        m.group = 64;
        m.sb_kind = WT_BF16;
        m.row_bytes = (size_t)cols * bits / 8;
        uint8_t *w = arena_alloc(m.row_bytes * rows);
        for (size_t i = 0; i < m.row_bytes * rows; i++) w[i] = (uint8_t)rnd();
        uint16_t *s = arena_alloc(sizeof(uint16_t) * rows * (cols / 64)), *b = arena_alloc(sizeof(uint16_t) * rows * (cols / 64));
        for (size_t i = 0; i < (size_t)rows * (cols / 64); i++) s[i] = f32_to_bf16(0.001f), b[i] = f32_to_bf16(-0.01f);
        m.w = w, m.scales = s, m.biases = b;
    } else {
        size_t es = kind == WT_F32 ? 4 : 2;
        m.row_bytes = (size_t)cols * es;
        uint16_t *w = arena_alloc(n * es);
        for (size_t i = 0; i < n * es / 2; i++) w[i] = kind == WT_F32 ? (uint16_t)rnd() : f32_to_bf16(((int)(rnd() % 2000) - 1000) * 1e-5f);
        m.w = (const uint8_t *)w;
    }
    wmat_set_packed(&m);
    if (kind == WT_AFFINE && !packed_layout) {
        uint8_t *rec = arena_alloc(wmat_record_bytes(&m) * (size_t)rows);
        wmat_write_records(&m, 0, rows, rec);
        wmat_use_records(&m, rec);
    }
    return m;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 0, T = argc > 2 ? atoi(argv[2]) : 64;
    int rows = argc > 3 ? atoi(argv[3]) : 8192, cols = argc > 4 ? atoi(argv[4]) : 2048; /* default: the 1B MLP up projection */
    if (threads < 0 || T < 1 || rows < 1 || cols < 64 || cols % 64 || rows > 1 << 16 || cols > 1 << 14) {
        fprintf(stderr, "kernel_bench: bad arguments (usage: kernel_bench [threads] [T] [ROWS] [COLS], COLS a multiple of 64)\n");
        return 2;
    }
    const kernel_set *sets[4];
    int ns = kernels_available(sets, 4);
    kernel_ctx kc = {.tp = tp_create(threads)};
    kc.scratch_per_thread = KERNEL_SCRATCH(cols);
    kc.scratch = malloc(sizeof(float) * kc.scratch_per_thread * tp_size(kc.tp));
    size_t prep_bytes = k_prep_bytes(tp_size(kc.tp), cols);
    void *prep_mem = aligned_alloc(64, prep_bytes);
    memset(prep_mem, 0, prep_bytes);
    k_prep_init(&kc, prep_mem, tp_size(kc.tp), cols);
    struct { const char *name; wt_kind k; int bits; } fmts[] = {{"bf16", WT_BF16, 0}, {"q8", WT_AFFINE, 8}, {"q6", WT_AFFINE, 6}, {"q4", WT_AFFINE, 4}, {"q3", WT_AFFINE, 3}};
    size_t xn = (size_t)T * (size_t)(rows > cols ? rows : cols);
    float *x = malloc(sizeof(float) * xn), *y = malloc(sizeof(float) * xn);
    for (size_t i = 0; i < xn; i++) x[i] = ((int)(rnd() % 2000) - 1000) * 1e-3f;
    const char *lay = getenv("KB_LAYOUT");
    if (lay && strcmp(lay, "packed") != 0 && strcmp(lay, "records") != 0) {
        fprintf(stderr, "kernel_bench: KB_LAYOUT must be records or packed, not '%s'\n", lay);
        return 2;
    }
    const char *prec = getenv("KB_PRECISION");
    packed_layout = lay && strcmp(lay, "packed") == 0;
    if (prec && strcmp(prec, "int8") == 0) {
        if (!q8_available()) {
            fprintf(stderr, "kernel_bench: KB_PRECISION=int8 needs AVX-512 VNNI, which this CPU lacks\n");
            return 2;
        }
        kc.precision = KERNEL_PRECISION_INT8, kc.xq8_tokens = T, kc.xq8_cols = rows > cols ? rows : cols;
        kc.xq8 = malloc(q8_act_bytes(kc.xq8_tokens, kc.xq8_cols));
    } else if (prec && strcmp(prec, "f32") != 0) {
        fprintf(stderr, "kernel_bench: KB_PRECISION must be f32 or int8, not '%s'\n", prec);
        return 2;
    }
    /* the engine's default: one token of 4-bit (VBMI: 2/3/5/6-bit) codes takes the 24-bit decode where the set has it */
    kc.xd24_cols = rows > cols ? rows : cols;
    void *d24 = kc.xq8 ? NULL : malloc(q8_act24_bytes(kc.xd24_cols));
    printf("threads %d, matrix %d x %d, precision %s, layout %s (affine formats)\n", tp_size(kc.tp), rows, cols, kc.xq8 ? "int8" : "f32",
           packed_layout ? "packed" : "row records");
    /* streamed: enough copies that one pass reads >= 512 MB from DRAM, like a decode step */
    const char *only = getenv("KB_SET");
    for (int f = 0; f < (int)(sizeof fmts / sizeof fmts[0]); f++) {
        arena_used = 0; /* the previous format's matrices are done with */
        wmat m = make(fmts[f].k, rows, cols, fmts[f].bits);
        size_t bytes = wmat_bytes(&m);
        int ncopy = (int)(512e6 / (double)bytes) + 1;
        if (ncopy > 256) ncopy = 256;
        wmat *cp = malloc(sizeof(wmat) * (size_t)ncopy);
        for (int i = 0; i < ncopy; i++) cp[i] = make(fmts[f].k, rows, cols, fmts[f].bits);
        for (int s = 0; s < ns; s++) {
            if (only && strcmp(only, sets[s]->name) != 0) continue;
            kc.ks = sets[s];
            kc.xd24 = q8_exact24_enabled(sets[s]->name) ? d24 : NULL;
            int reps = (int)(2e9 / (double)bytes) + 20;
            double mv = 1e30, mm = 1e30, ms = 1e30;
            k_matmul(&kc, &m, x, 1, cols, y, rows);
            for (int r = 0; r < reps; r++) {
                double t0 = clock_now();
                k_matmul(&kc, &m, x, 1, cols, y, rows);
                double t = clock_now() - t0;
                if (t < mv) mv = t;
            }
            for (int r = 0; r < 3; r++) {
                double t0 = clock_now();
                for (int i = 0; i < ncopy; i++) k_matmul(&kc, &cp[i], x, 1, cols, y, rows);
                double t = (clock_now() - t0) / ncopy;
                if (t < ms) ms = t;
            }
            for (int r = 0; r < 5; r++) {
                double t1 = clock_now();
                k_matmul(&kc, &m, x, T, cols, y, rows);
                double t = clock_now() - t1;
                if (t < mm) mm = t;
            }
            printf("%-5s %-8s matvec cached %7.2f GB/s  streamed %6.2f GB/s (%.3f ms)   matmul T=%d %7.1f GFLOP/s%s\n", fmts[f].name, sets[s]->name,
                   bytes / mv / 1e9, bytes / ms / 1e9, ms * 1e3, T, 2.0 * rows * cols * T / mm / 1e9,
                   kc.xd24 && q8_exact24_supported(&m) ? "  (matvec: 24-bit decode)" : "");
        }
    }
    return 0;
}
