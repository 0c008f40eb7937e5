/* attn_bench.c — micro-benchmark of the attention path (kernels/attention.h) on the
 * Llama-3.2-1B shape: 16 layers x 8 KV heads, head dim 64, 4 query heads per KV head,
 * f32 K and V caches of CTX positions. Decode: one token's attention over all layers,
 * reported as K+V GB/s read (the cache is larger than the L3 from a few thousand
 * positions on). Prefill: ATTN_QB-row blocks ending at CTX, reported as GFLOP/s.
 * Decode runs on THREADS threads (default 1) as the model runs it: per layer, one pool task
 * per KV head; prefill single-threaded. Times are the best of several repetitions.
 * Usage: attn_bench [CTX] [THREADS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/clock.h"
#include "kernels/attention.h"
#include "kernels/threadpool.h"

enum { LAYERS = 16, NKV = 8, HD = 64, GROUP = 4 };

typedef struct {
    const kernel_set *ks;
    const float *K, *V, *q;
    float *out, *work; /* work: ATTN_WORK(HD) floats per thread */
    size_t head_stride;
    int ctx, layer;
} decode_job;

/* One token's GROUP query rows of one KV head at the last of ctx positions (decode_head and the
 * prefill blocks set the rest). */
static attn_rows_job decode_rows(int ctx) {
    return (attn_rows_job){.qstride = HD, .nq = GROUP, .qpos0 = ctx - 1, .ldv = HD, .hd = HD, .scale = 0.125f, .ldo = HD};
}

/* One KV head of one layer: its GROUP query rows over the whole cache. */
static void decode_head(void *p, int h, int tid) {
    decode_job *d = p;
    attn_rows_job j = decode_rows(d->ctx);
    j.q = d->q + (size_t)h * GROUP * HD, j.out = d->out + (size_t)h * GROUP * HD;
    j.Kb = d->K + ((size_t)d->layer * NKV + h) * d->head_stride;
    j.V = d->V + (size_t)d->layer * d->ctx * NKV * HD + (size_t)h * HD * d->ctx;
    attn_rows(d->ks, &j, d->work + (size_t)tid * ATTN_WORK(HD));
}

int main(int argc, char **argv) {
    int ctx = argc > 1 ? atoi(argv[1]) : 2048, threads = argc > 2 ? atoi(argv[2]) : 1;
    if (ctx < ATTN_QB || ctx > 1 << 20 || threads < 1 || threads > 1024) {
        fprintf(stderr, "attn_bench: CTX must be in [%d, 1048576] and THREADS in [1, 1024]\n", ATTN_QB);
        return 2;
    }
    const kernel_set *ks = kernels_best();
    size_t head_stride = (size_t)(ctx + KBLK - 1) / KBLK * KBLK * HD, ldv = (size_t)NKV * HD; /* V: per KV head (ctx, HD), as cached */
    float *K = malloc(sizeof(float) * head_stride * NKV * LAYERS), *V = malloc(sizeof(float) * (size_t)ctx * ldv * LAYERS);
    float *q = malloc(sizeof(float) * ATTN_QB * NKV * GROUP * HD), *out = malloc(sizeof(float) * ATTN_QB * NKV * GROUP * HD);
    float *work = malloc(sizeof(float) * ATTN_WORK(HD) * (size_t)threads);
    tpool *tp = tp_create(threads);
    if (!K || !V || !q || !out || !work || !tp) {
        fprintf(stderr, "attn_bench: out of memory for a %d-position cache\n", ctx);
        return 1;
    }
    for (size_t i = 0; i < head_stride * NKV * LAYERS; i++) K[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
    for (size_t i = 0; i < (size_t)ctx * ldv * LAYERS; i++) V[i] = (float)((i * 40503u) % 2001) / 1000.0f - 1.0f;
    for (size_t i = 0; i < (size_t)ATTN_QB * NKV * GROUP * HD; i++) q[i] = (float)(i % 17) / 17.0f - 0.5f;
    decode_job dj = {.ks = ks, .K = K, .V = V, .q = q, .out = out, .work = work, .head_stride = head_stride, .ctx = ctx};
    double best = INFINITY;
    for (int rep = 0; rep < 7; rep++) {
        double t0 = clock_now();
        for (dj.layer = 0; dj.layer < LAYERS; dj.layer++) tp_run(tp, NKV, decode_head, &dj);
        double t = clock_now() - t0;
        best = t < best ? t : best;
    }
    double bytes = 2.0 * LAYERS * NKV * (double)ctx * HD * sizeof(float);
    printf("%s decode  ctx %6d, %d thread%s: %.3f ms/token, %.1f GB/s of K+V\n", ks->name, ctx, threads, threads > 1 ? "s" : "", best * 1e3,
           bytes / best / 1e9);
    attn_rows_job j = decode_rows(ctx);
    /* prefill: the last ATTN_QB positions as one block per query head, over one layer */
    j.qstride = (size_t)NKV * GROUP * HD, j.nq = ATTN_QB, j.qpos0 = ctx - ATTN_QB, j.step = 1, j.ldo = j.qstride;
    best = INFINITY;
    for (int rep = 0; rep < 7; rep++) {
        double t0 = clock_now();
        for (int h = 0; h < NKV; h++)
            for (int g = 0; g < GROUP; g++) {
                j.q = q + (size_t)(h * GROUP + g) * HD, j.out = out + (size_t)(h * GROUP + g) * HD;
                j.Kb = K + (size_t)h * head_stride, j.V = V + (size_t)h * HD * ctx;
                attn_rows(ks, &j, work);
            }
        double t = clock_now() - t0;
        best = t < best ? t : best;
    }
    double flops = 4.0 * NKV * GROUP * ATTN_QB * (double)ctx * HD;
    printf("%s prefill ctx %6d: %.3f ms per %d-token block (one layer), %.1f GFLOP/s\n", ks->name, ctx, best * 1e3, ATTN_QB, flops / best / 1e9);
    tp_free(tp);
    free(K), free(V), free(q), free(out), free(work);
    return 0;
}
