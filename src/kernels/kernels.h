/* kernels.h — the compute kernels the forward pass calls, with a generic C
 * reference for each and ISA-specific variants chosen at run time (cpuid). */
#ifndef FFAI_KERNELS_KERNELS_H
#define FFAI_KERNELS_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/threadpool.h"
#include "kernels/wmat.h"

/* Activations a matrix-vector kernel prepares (transposed to the code planes, group sums,
 * permuted to even/odd order) once per matmul call and thread: the dispatcher cuts a call into
 * many chunks (guided scheduling, dispatch.c), and each chunk redoing it cost the most where the
 * chunks are smallest (16 threads; docs/performance.md, item 33). The dispatcher sets `call`
 * before each chunk; a kernel asks mm_prep_reuse whether buf already holds what it needs. */
typedef struct {
    uint64_t call;     /* the matmul call now running */
    uint64_t prepared; /* the call whose activations buf holds (0: none) */
    const float *x;    /* ... which activations */
    uint64_t key;      /* ... in which layout (kernel-defined) */
    float *buf;        /* MM_PREP_FLOATS(cols) floats */
} mm_prep;
/* up to 4 tokens of: cols floats padded to a whole block, and a sum per group of >= 32; whole
 * 64-byte lines, so no two threads' buffers share one */
#define MM_PREP_FLOATS(cols) ((4 * ((size_t)(cols) + (size_t)(cols) / 32 + 160) + 15) & ~(size_t)15)

/* True when p (may be NULL) holds this call's preparation of (x, key); otherwise records that it
 * is about to, and the caller prepares into p->buf. */
static inline bool mm_prep_reuse(mm_prep *p, const float *x, uint64_t key) {
    if (!p) return false;
    if (p->prepared == p->call && p->x == x && p->key == key) return true;
    p->prepared = p->call, p->x = x, p->key = key;
    return false;
}

/* Per-row-range matmul: y[t][r] = sum_c W[r][c] * x[t][c] for r in [r0, r1).
 * x (T, ldx) row-major, y (T, ldy). `scratch` holds at least KERNEL_SCRATCH(cols) floats;
 * `prep` (NULL: none) is this thread's prepared-activation buffer. */
typedef void (*mm_rows_fn)(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch, mm_prep *prep);
#define MM_TILE_ROWS 4
#define ATTN_QB 8         /* attention: query rows per block (attention.h) */
#define MM_PANEL_ROWS 64 /* prefill: rows expanded into one k-major panel */
/* prefill: depth of one panel block. 64 x 2048 f32 (512 KB) lives in L2, not L1, but each
 * 6-token tile then runs the whole depth in registers: y is read back once per 2048 columns
 * instead of once per 128, and x arrives as long rows the prefetchers follow (pp512 1B 4-bit
 * 162-168 -> 180-183 tok/s against 128, docs/performance.md item 31) */
#define MM_PANEL_K 2048
#define KERNEL_SCRATCH(cols) \
    ((size_t)MM_TILE_ROWS * (size_t)(cols) + (size_t)(MM_PANEL_ROWS + 16) * MM_PANEL_K + 3 * (size_t)(cols) + 1024)

/* dot(a, b) over n floats. */
typedef float (*dot_fn)(const float *a, const float *b, int n);
/* y += a * x over n floats. */
typedef void (*axpy_fn)(float *y, float a, const float *x, int n);

/* Keys of one KV head are cached in blocks of KBLK: dimension d of key s sits at
 * Kb[k_index(s, d, hd)], so a block is one contiguous (hd, 16) tile and scores run
 * along keys with unit-stride loads. */
#define KBLK 16
static inline size_t k_index(int s, int d, int hd) { return (size_t)(s / KBLK) * (size_t)hd * KBLK + (size_t)d * KBLK + (size_t)(s % KBLK); }

/* Attention scores for nq query rows (q_i = q + i * qstride) of one KV head against its keys
 * [lo, hi): scores[i * lds + s - base] = scale * q_i . K[s], where base = lo rounded down to a
 * multiple of KBLK (a row holds hi - base floats; entries before lo are left undefined). */
typedef void (*attn_scores_fn)(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores,
                               int lds);
/* x[i] = exp(x[i] - m) over n floats; returns their sum. */
typedef float (*exp_sum_fn)(float *x, int n, float m);
/* Accumulates out[i * hd + :] += sum_{j < n} P[i * lds + j] * V[j * ldv + :] for i < nq. */
typedef void (*attn_pv_fn)(const float *P, int nq, int lds, const float *V, int ldv, int n, int hd, float *out);

typedef struct {
    const char *name;   /* "avx512", "avx2", "generic" */
    mm_rows_fn mm_rows;
    dot_fn dot;
    axpy_fn axpy;
    attn_scores_fn attn_scores;
    exp_sum_fn exp_sum;
    attn_pv_fn attn_pv;
    void (*silu_mul)(float *gate, const float *up, int n);      /* gate = silu(gate) * up */
    void (*gelu_tanh_mul)(float *gate, const float *up, int n); /* gate = gelu_tanh(gate) * up */
    /* Opt-in bf16 precision (NULL when the CPU lacks it): bf16 weights times
     * activations rounded to bf16 (xb, (T, ldx) bf16), accumulated in f32. */
    void (*mm_rows_bf16)(const wmat *W, const uint16_t *xb, int T, int ldx, float *y, int ldy, int r0, int r1);
    /* The read-bandwidth probe's loop: reads the 4 streams p + i * stride (i < 4, n bytes each,
     * 64-byte aligned, n a multiple of 256) side by side and returns a value that depends on all
     * of them. Four long streams per core is the pattern that reads fastest here (the matvec
     * kernels read their rows that way). */
    uint64_t (*read4)(const uint8_t *p, size_t stride, size_t n);
    /* IEEE half <-> float over n values (the f16 KV cache): h2f is exact; f2h rounds to
     * nearest even, overflowing to infinity, as the scalar f32_to_f16 does. */
    void (*h2f)(const uint16_t *in, float *out, size_t n);
    void (*f2h)(const float *in, uint16_t *out, size_t n);
    /* attn_scores and attn_pv reading an f16 cache directly (NULL: attention.c converts each tile
     * with h2f and runs the f32 kernels); attn_pv_h takes head dims that are multiples of 16. */
    void (*attn_scores_h)(const float *q, int nq, size_t qstride, int hd, const uint16_t *Kb, int lo, int hi, float scale, float *scores, int lds);
    void (*attn_pv_h)(const float *P, int nq, int lds, const uint16_t *V, int ldv, int n, int hd, float *out);
    /* Log-sum-exp of logits x (n,) and KL(softmax(p) || softmax(q)) given both rows' log-sum-exps,
     * in double precision (lse.h; the bench's perplexity and KLD). */
    double (*lse)(const float *x, int n);
    double (*kl)(const float *p, const float *q, int n, double lp, double lq);
} kernel_set;

/* The portable read4 (sets without their own). */
uint64_t read4_generic(const uint8_t *p, size_t stride, size_t n);
/* The scalar half conversions (wmat.h), as kernel-set entries. */
void h2f_generic(const uint16_t *in, float *out, size_t n);
void f2h_generic(const float *in, uint16_t *out, size_t n);

/* Rows expanded to f32 one at a time (f32 rows used in place), each dotted with every
 * token by `dot`: the matmul of the sets without a dedicated one for a format or T. */
void mm_rows_expanded(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch, dot_fn dot);

/* Prefill GEMM driver shared by the ISA sets: one expanded k-major panel P (kn steps of prows
 * floats; nr <= prows live rows) against T tokens in register tiles of up to mt tokens.
 * tile(P, kn, x, ldx, nt, y, ldy, accumulate) computes nt tokens x prows rows into y (adding to
 * it when accumulate); a partial panel goes through side (mt x prows floats), so only the nr
 * live outputs of each token are written. */
typedef void (*panel_tile_fn)(const float *P, int kn, const float *x, int ldx, int nt, float *y, int ldy, int accumulate);
void panel_tokens(panel_tile_fn tile, int mt, int prows, const float *P, int kn, const float *x, int T, int ldx, float *y, int ldy, int nr,
                  int accumulate, float *side);

/* A scores kernel for up to `rows` query rows at once, and the loop that runs it over nq rows
 * (attention.c): the ISA sets specialise on the row count, then share the blocking. */
typedef void (*attn_scores_rows_fn)(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores,
                                    int lds);
void attn_scores_blocks(attn_scores_rows_fn f, int rows, const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi,
                        float scale, float *scores, int lds);

/* Runs CALL(k) with the compile-time constant k = n (1..4; 4 for anything larger), for kernels
 * specialised on a row count: CALL is a macro of one argument. */
#define KERNEL_ROWS4(n, CALL)             \
    switch (n) {                          \
    case 1: CALL(1); break;               \
    case 2: CALL(2); break;               \
    case 3: CALL(3); break;               \
    default: CALL(4); break;              \
    }

/* The fields of a kernel set whose matmul, dot and axpy are mm_rows_<isa>, dot_<isa> and axpy_<isa>,
 * with the given attention (scores, exp-sum, P.V) and activation (SiLU, GELU-tanh) kernels. */
#define KERNEL_SET_FIELDS(isa, scores, expsum, pv, silu, gelu_tanh)                                                        \
    .name = #isa, .mm_rows = mm_rows_##isa, .dot = dot_##isa, .axpy = axpy_##isa, .attn_scores = scores, .exp_sum = expsum, \
    .attn_pv = pv, .silu_mul = silu, .gelu_tanh_mul = gelu_tanh, .read4 = read4_generic, .h2f = h2f_##isa, .f2h = f2h_##isa

/* The generic attention kernels (ISA sets without their own reuse these). */
void attn_scores_generic(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds);
float exp_sum_generic(float *x, int n, float m);
void attn_pv_generic(const float *P, int nq, int lds, const float *V, int ldv, int n, int hd, float *out);

/* Generic reference kernels (always available). */
extern const kernel_set kernels_generic;

/* The best set this CPU supports (decided once; FFAI_KERNELS=generic forces the reference). */
const kernel_set *kernels_best(void);
/* Every set this CPU supports, best first; returns the count (for tests). */
int kernels_available(const kernel_set **out, int max);

/* CPU feature flags detected at run time. */
typedef struct {
    bool avx2, fma, f16c, avx512f, avx512bw, avx512vl, avx512bf16, avx512vnni, avx512vbmi, neon;
} cpu_features;
const cpu_features *cpu_detect(void);

/* Workspace for the threaded kernels: a pool and per-thread scratch. */
typedef struct {
    tpool *tp;
    const kernel_set *ks;
    float *scratch;      /* nthreads * scratch_per_thread */
    size_t scratch_per_thread;
    mm_prep *prep;       /* per thread (NULL: kernels prepare activations per chunk) */
    uint64_t mm_calls;   /* matmul calls so far (the prep buffers' call ids) */
    int precision;       /* KERNEL_PRECISION_F32 (exact, default), _BF16 or _INT8 */
    uint16_t *xbf;       /* bf16 activations for the bf16 path: (max_T, max_cols) */
    void *xq8;           /* int8 path: q8_act_bytes(xq8_tokens, xq8_cols) of activation buffer */
    int xq8_tokens, xq8_cols;
    void *xd24;          /* exact path, one token of 4-bit weights: q8_act24_bytes(xd24_cols) (NULL: f32 kernels) */
    int xd24_cols;
} kernel_ctx;
#define KERNEL_PRECISION_F32 0
#define KERNEL_PRECISION_BF16 1
#define KERNEL_PRECISION_INT8 2

/* The prepared-activation buffers of nthreads threads for activations up to cols wide: bytes
 * (a multiple of 64) of zeroed, 64-byte aligned memory k_prep_init lays out and points kc->prep into. */
size_t k_prep_bytes(int nthreads, int cols);
void k_prep_init(kernel_ctx *kc, void *mem, int nthreads, int cols);

/* Threaded matmul over all rows: y (T, ldy) = x (T, ldx) @ W^T. */
void k_matmul(kernel_ctx *kc, const wmat *W, const float *x, int T, int ldx, float *y, int ldy);

/* Several matmuls over the same input in one parallel region (one barrier):
 * y[i] (T, ldy[i]) = x (T, ldx) @ W[i]^T for i < n (n <= 4). */
void k_matmul_multi(kernel_ctx *kc, const wmat *const *W, int n, const float *x, int T, int ldx, float *const *y, const int *ldy);

/* Row-wise ops (single-threaded; cheap next to the matmuls). */
/* RMSNorm: out = x / sqrt(mean(x^2) + eps) * w   (x, w, out: (n,)); w NULL = no scale */
void k_rmsnorm(float *out, const float *x, const float *w, int n, float eps);
/* out = act(gate) * up, over n */
void k_silu_mul(float *gate, const float *up, int n);
void k_gelu_tanh_mul(float *gate, const float *up, int n);
void k_gelu_mul(float *gate, const float *up, int n);
/* rotate-half RoPE on one head (hd,) with cos/sin tables (hd/2,) */
void k_rope(float *x, const float *cos, const float *sin, int hd);

/* The first index of the maximum of v[0..n), as a left-to-right scan keeping the larger value
 * finds it (NaNs are never the maximum unless v[0] is one, which gives 0), split over the
 * pool's threads for long vectors: greedy sampling over a 128k vocabulary whose logits
 * sit in 16 cores' caches read them at ~2 GB/s on one thread. */
int k_argmax(tpool *tp, const float *v, int n);

#endif
