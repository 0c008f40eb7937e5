/* dispatch.c — CPU feature detection and the threaded matmul driver. */
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/matmul_q8.h"

#if defined(__x86_64__)
#include <cpuid.h>
extern const kernel_set kernels_avx512;
extern const kernel_set kernels_avx512_nobf16;
extern const kernel_set kernels_avx2;
#elif defined(__aarch64__)
extern const kernel_set kernels_neon;
#endif

static cpu_features g_cpu;
static int g_cpu_done;

const cpu_features *cpu_detect(void) {
    if (g_cpu_done) return &g_cpu;
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        g_cpu.fma = (c >> 12) & 1;
        g_cpu.f16c = (c >> 29) & 1;
        bool osxsave = (c >> 27) & 1;
        unsigned long long xcr0 = 0;
        if (osxsave) {
            unsigned lo, hi;
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            xcr0 = ((unsigned long long)hi << 32) | lo;
        }
        bool ymm = (xcr0 & 6) == 6, zmm = (xcr0 & 0xe6) == 0xe6;
        if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
            g_cpu.avx2 = ymm && ((b >> 5) & 1);
            g_cpu.avx512f = zmm && ((b >> 16) & 1);
            g_cpu.avx512bw = zmm && ((b >> 30) & 1);
            g_cpu.avx512vl = zmm && ((b >> 31) & 1);
            g_cpu.avx512vnni = zmm && ((c >> 11) & 1);
            g_cpu.avx512vbmi = zmm && ((c >> 1) & 1);
        }
        if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) g_cpu.avx512bf16 = zmm && ((a >> 5) & 1);
        if (!ymm) g_cpu.fma = g_cpu.f16c = false;
    }
#elif defined(__aarch64__)
    g_cpu.neon = true;
#endif
    g_cpu_done = 1;
    return &g_cpu;
}

int kernels_available(const kernel_set **out, int max) {
    const cpu_features *f = cpu_detect();
    int n = 0;
    (void)f;
#if defined(__x86_64__)
    if (n < max && f->avx512f && f->avx512bw && f->avx512vl) out[n++] = f->avx512bf16 ? &kernels_avx512 : &kernels_avx512_nobf16;
    if (n < max && f->avx2 && f->fma && f->f16c) out[n++] = &kernels_avx2;
#elif defined(__aarch64__)
    if (n < max && f->neon) out[n++] = &kernels_neon;
#endif
    if (n < max) out[n++] = &kernels_generic;
    return n;
}

const kernel_set *kernels_best(void) {
    const char *force = getenv("FFAI_KERNELS");
    const kernel_set *all[4];
    int n = kernels_available(all, 4);
    if (force && *force)
        for (int i = 0; i < n; i++)
            if (strcmp(all[i]->name, force) == 0) return all[i];
    return all[0];
}

/* The bf16 path applies to bf16 weights when it is switched on and the CPU has it. */
static int use_bf16(const kernel_ctx *kc, const wmat *W) {
    return kc->precision == KERNEL_PRECISION_BF16 && kc->xbf && W->kind == WT_BF16 && kc->ks->mm_rows_bf16;
}

/* The int8 path applies to affine weights when it is switched on (matmul_q8.h). */
static int use_q8(const kernel_ctx *kc, const wmat *W, int T) {
    /* codes other than 4-bit: decode and short prompts only; for longer prompts the int8 row kernel
     * (one int32 -> f32 step per 64-code group and token) runs slower than the exact panel GEMM
     * (1B 6-bit pp512: 119 vs 138 tok/s; 8-bit, after the 2048-deep panels: 142-152 vs 152-168) */
    if (W->kind == WT_AFFINE && W->bits != 4 && T > 16) return 0;
    return kc->precision == KERNEL_PRECISION_INT8 && kc->xq8 && q8_supported(W) && T <= kc->xq8_tokens && W->cols <= kc->xq8_cols;
}

/* The exact path's 24-bit decode (matmul_q8.h) takes one token of 4-bit affine weights, and of
 * 2/3/5/6-bit ones with VBMI (under `--precision bf16` too, where quantized weights keep the exact
 * path). */
static int use_d24(const kernel_ctx *kc, const wmat *W, int T) {
    return kc->precision != KERNEL_PRECISION_INT8 && kc->xd24 && T == 1 && W->cols <= kc->xd24_cols && q8_exact24_supported(W);
}

static void to_bf16(kernel_ctx *kc, const float *x, int T, int ldx, int cols) {
    for (int t = 0; t < T; t++)
        for (int c = 0; c < cols; c++) kc->xbf[(size_t)t * ldx + c] = f32_to_bf16(x[(size_t)t * ldx + c]);
}

/* How a job's rows are cut into the chunks the threads claim.
 * Prompts (GEMM panels): whole panels of equal size, one chunk per thread for small matrices
 * (claiming costs more than the balance buys) and about four per thread for large ones (a
 * stalled thread then holds back a quarter of its share).
 * Matrix-vector passes (decode, short prompts): guided self-scheduling. Each chunk takes 1/(2n)
 * of the rows not yet handed out (n threads), so the first chunks are large and the last ones
 * small, and a thread that runs ahead picks up small pieces at the end instead of waiting while
 * another finishes a whole equal chunk. The smallest chunk is a thread's share / max(4, 2 log2 n)
 * (and MM_GUIDED_MIN rows): every chunk restarts its row streams, which on 2 cores cost as much
 * as finer tails saved (1B 8-bit decode -4 % with 32-row tails), while the slowest of more
 * threads lags further behind the rest. On a 16-core Xeon 1B decode gained 2-15 % (medians;
 * docs/performance.md, item 33). */
#define MM_MAX 4
#define MM_CHUNKS 1024     /* most chunks in one job */
#define MM_GUIDED_T 16     /* up to this many tokens the kernels take matrix-vector passes */
#define MM_GUIDED_ALIGN 16 /* rows */
#define MM_GUIDED_MIN 32

typedef struct {
    kernel_ctx *kc;
    const wmat *W[MM_MAX];
    float *y[MM_MAX];
    int ldy[MM_MAX];
    const float *x;
    int n, T, ldx;
    q8_act qa;       /* int8 activations (quantized once for the first int8-capable matrix) */
    int q8[MM_MAX];  /* matrix i takes the int8 path */
    uint64_t call;   /* this call's id (mm_prep) */
    int nch;         /* chunk c: rows [r0[c], r1[c]) of matrix mat[c] */
    int r0[MM_CHUNKS], r1[MM_CHUNKS];
    unsigned char mat[MM_CHUNKS];
} mm_job;

static int fixed_rows(const wmat *W, int nt) {
    int rows = W->rows, per = (W->row_bytes * (size_t)rows < ((size_t)4 << 20)) ? 1 : 4;
    int want = (rows + per * nt - 1) / (per * nt);
    want = (want + MM_PANEL_ROWS - 1) / MM_PANEL_ROWS * MM_PANEL_ROWS;
    return want < MM_PANEL_ROWS ? MM_PANEL_ROWS : want;
}

/* Appends the chunks of matrix i (guided: none under `least` rows); 0 if they do not fit. */
static int add_chunks(mm_job *j, int i, int guided, int nt, int least) {
    int R = j->W[i]->rows, step = guided ? 0 : fixed_rows(j->W[i], nt), lg = 0;
    while ((2 << lg) <= nt) lg++; /* floor(log2 nt) */
    int tail = R / (nt * (2 * lg > 4 ? 2 * lg : 4));
    if (tail < least) tail = least;
    for (int r = 0; r < R;) {
        if (j->nch == MM_CHUNKS) return 0;
        int rem = R - r, sz = step;
        if (guided) {
            sz = (rem + 2 * nt - 1) / (2 * nt);
            if (sz < tail) sz = tail;
            sz = (sz + MM_GUIDED_ALIGN - 1) / MM_GUIDED_ALIGN * MM_GUIDED_ALIGN;
        }
        if (sz > rem) sz = rem;
        j->r0[j->nch] = r, j->r1[j->nch] = r + sz, j->mat[j->nch] = (unsigned char)i, j->nch++;
        r += sz;
    }
    return 1;
}

static void plan_chunks(mm_job *j, int nt) {
    int guided = j->T <= MM_GUIDED_T && nt > 1, m = j->n < MM_MAX ? j->n : MM_MAX;
    for (int least = MM_GUIDED_MIN;; least *= 2) { /* a larger least chunk until they fit (hundreds of threads) */
        j->nch = 0;
        int ok = 1;
        for (int i = 0; i < m && ok; i++) ok = add_chunks(j, i, guided, nt, least);
        if (ok) return;
        guided = 1;
    }
}

static void mm_chunk(void *p, int chunk, int tid) {
    mm_job *j = p;
    int i = j->mat[chunk], r0 = j->r0[chunk], r1 = j->r1[chunk];
    kernel_ctx *kc = j->kc;
    const wmat *W = j->W[i];
    if (j->q8[i]) q8_mm_rows(W, &j->qa, j->T, j->y[i], j->ldy[i], r0, r1);
    else if (use_bf16(kc, W)) kc->ks->mm_rows_bf16(W, kc->xbf, j->T, j->ldx, j->y[i], j->ldy[i], r0, r1);
    else {
        mm_prep *pp = kc->prep ? &kc->prep[tid] : NULL;
        if (pp) pp->call = j->call;
        kc->ks->mm_rows(W, j->x, j->T, j->ldx, j->y[i], j->ldy[i], r0, r1, kc->scratch + (size_t)tid * kc->scratch_per_thread, pp);
    }
}

static size_t prep_head(int nthreads) { return ((size_t)nthreads * sizeof(mm_prep) + 63) & ~(size_t)63; }

size_t k_prep_bytes(int nthreads, int cols) { return prep_head(nthreads) + (size_t)nthreads * MM_PREP_FLOATS(cols) * sizeof(float); }

void k_prep_init(kernel_ctx *kc, void *mem, int nthreads, int cols) {
    mm_prep *p = mem;
    float *buf = (float *)(void *)((char *)mem + prep_head(nthreads));
    for (int i = 0; i < nthreads; i++) p[i].buf = buf + (size_t)i * MM_PREP_FLOATS(cols);
    kc->prep = p;
}

void k_matmul_multi(kernel_ctx *kc, const wmat *const *W, int n, const float *x, int T, int ldx, float *const *y, const int *ldy) {
    mm_job j; /* not zero-initialized: 9 KB of chunk ranges, all set by plan_chunks */
    j.kc = kc, j.x = x, j.n = n, j.T = T, j.ldx = ldx, j.call = ++kc->mm_calls;
    memset(j.q8, 0, sizeof j.q8);
    int converted = 0, quantized = 0;
    for (int i = 0; i < n && i < MM_MAX; i++) {
        j.W[i] = W[i];
        j.y[i] = y[i];
        j.ldy[i] = ldy[i];
        if (use_q8(kc, W[i], T)) {
            if (!quantized) q8_quantize(&j.qa, kc->xq8, W[i], x, T, ldx), quantized = 1;
            j.q8[i] = q8_act_fits(&j.qa, W[i]);
        } else if (use_d24(kc, W[i], T)) {
            if (!quantized) q8_quantize24(&j.qa, kc->xd24, W[i], x), quantized = 1;
            j.q8[i] = q8_act_fits(&j.qa, W[i]);
        }
        if (!converted && use_bf16(kc, W[i])) {
            to_bf16(kc, x, T, ldx, W[i]->cols);
            converted = 1;
        }
    }
    plan_chunks(&j, tp_size(kc->tp));
    tp_run(kc->tp, j.nch, mm_chunk, &j);
}

void k_matmul(kernel_ctx *kc, const wmat *W, const float *x, int T, int ldx, float *y, int ldy) {
    k_matmul_multi(kc, &W, 1, x, T, ldx, &y, &ldy);
}
