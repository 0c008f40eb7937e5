/* forward.c — the decoder forward pass shared by every architecture:
 * embed -> [norm -> attention -> (norm) -> residual -> norm -> MLP -> (norm) -> residual] x L
 * -> final norm -> lm head. Per-arch differences come from arch flags. */
#include <math.h>
#include <string.h>

#include "core/clock.h"
#include "kernels/attention.h"
#include "model/model_internal.h"

/* ---- attention: tiled with an online softmax (kernels/attention.h). Decode: one task
 * per (token, KV head), whose rows are the query heads sharing it (GQA). Prefill: one
 * task per (block of ATTN_QB tokens, KV head), a block's rows being its tokens for one
 * query head, so each K and V tile is read once per block. ---- */
typedef struct {
    ffai_context *c;
    int layer, n, pos0;
    int splits, lo; /* split decode: parts per KV head, first key of the range */
} attn_job;

/* Token t's query heads of KV group kh and its key head kh, made ready for attention: the
 * Q/K norms (ARCH_QK_NORM), rotary embedding, then the new key and value into layer l's
 * cache. K is cached per KV head in blocks of KBLK keys (kernels.h: k_index), so scores run
 * along keys; V per KV head, so P.V reads each head's values as one contiguous run. An f16
 * cache rounds them to halves. Tasks of distinct (t, kh) touch disjoint data, so they run in
 * parallel: decode does this inside its attention task, prefill as a region of its own. */
static void qkv_head_ready(ffai_context *c, int l, int t, int pos0, int kh) {
    const ffai_model *m = c->m;
    const model_config *cfg = &m->cfg;
    const layer_weights *L = &m->layers[l];
    int hd = cfg->head_dim, nkvh = cfg->n_kv_heads, group = cfg->n_heads / nkvh, nq = cfg->n_heads * hd, nkv = nkvh * hd, pos = pos0 + t;
    float eps = (float)cfg->rms_eps;
    float *q = c->q + (size_t)t * nq + (size_t)kh * group * hd, *k = c->k + (size_t)t * nkv + (size_t)kh * hd;
    const float *v = c->v + (size_t)t * nkv + (size_t)kh * hd;
    if (m->arch->flags & ARCH_QK_NORM) {
        for (int h = 0; h < group; h++) k_rmsnorm(q + (size_t)h * hd, q + (size_t)h * hd, L->q_norm, hd, eps);
        k_rmsnorm(k, k, L->k_norm, hd, eps);
    }
    int half = hd / 2;
    const float *cs = (L->sliding ? c->rope_lcos : c->rope_cos) + (size_t)pos * half, *sn = (L->sliding ? c->rope_lsin : c->rope_sin) + (size_t)pos * half;
    for (int h = 0; h < group; h++) k_rope(q + (size_t)h * hd, cs, sn, hd);
    k_rope(k, cs, sn, hd);
    if (!m->kv_f16) {
        float *K = (float *)c->k_cache[l] + (size_t)kh * c->k_head_stride, *V = (float *)c->v_cache[l] + (size_t)kh * c->v_head_stride;
        for (int d = 0; d < hd; d++) K[k_index(pos, d, hd)] = k[d];
        memcpy(V + (size_t)pos * hd, v, (size_t)hd * sizeof(float));
        return;
    }
    const kernel_set *ks = m->kc.ks;
    uint16_t *K = (uint16_t *)c->k_cache[l] + (size_t)kh * c->k_head_stride, *V = (uint16_t *)c->v_cache[l] + (size_t)kh * c->v_head_stride;
    uint16_t kh16[MAX_HEAD_DIM];
    ks->f2h(k, kh16, (size_t)hd);
    for (int d = 0; d < hd; d++) K[k_index(pos, d, hd)] = kh16[d];
    ks->f2h(v, V + (size_t)pos * hd, (size_t)hd);
}

/* Prompts: one task per (KV head, block of KBLK cache positions), so the K-cache lines a task
 * writes are its own (tasks by token had threads writing the same lines: no faster than one
 * thread). */
static int qkv_ready_tasks(const attn_job *j) { return ((j->pos0 + j->n - 1) / KBLK - j->pos0 / KBLK + 1) * j->c->m->cfg.n_kv_heads; }

static void qkv_ready_task(void *p, int task, int tid) {
    (void)tid;
    attn_job *j = p;
    int nkv = j->c->m->cfg.n_kv_heads, kh = task % nkv, blk = j->pos0 / KBLK + task / nkv;
    int s0 = blk * KBLK > j->pos0 ? blk * KBLK : j->pos0, s1 = (blk + 1) * KBLK < j->pos0 + j->n ? (blk + 1) * KBLK : j->pos0 + j->n;
    for (int s = s0; s < s1; s++) qkv_head_ready(j->c, j->layer, s - j->pos0, j->pos0, kh);
}

static attn_rows_job attn_head(const attn_job *j, int kh) {
    const ffai_context *c = j->c;
    const model_config *cfg = &c->m->cfg;
    attn_rows_job r = {0};
    if (c->m->kv_f16) {
        r.Kh = (const uint16_t *)c->k_cache[j->layer] + (size_t)kh * c->k_head_stride;
        r.Vh = (const uint16_t *)c->v_cache[j->layer] + (size_t)kh * c->v_head_stride;
    } else {
        r.Kb = (const float *)c->k_cache[j->layer] + (size_t)kh * c->k_head_stride;
        r.V = (const float *)c->v_cache[j->layer] + (size_t)kh * c->v_head_stride;
    }
    r.ldv = cfg->head_dim;
    r.hd = cfg->head_dim;
    r.scale = cfg->query_pre_attn_scalar > 0 ? (float)(1.0 / sqrt(cfg->query_pre_attn_scalar)) : (float)(1.0 / sqrt((double)cfg->head_dim));
    r.softcap = (float)cfg->attn_logit_softcap;
    r.window = c->m->layers[j->layer].sliding ? cfg->sliding_window : 0;
    return r;
}

static void attn_task(void *p, int task, int tid) {
    attn_job *j = p;
    ffai_context *c = j->c;
    const model_config *cfg = &c->m->cfg;
    int nkv = cfg->n_kv_heads, hd = cfg->head_dim, group = cfg->n_heads / nkv, t = task / nkv, kh = task % nkv;
    size_t off = (size_t)t * cfg->n_heads * hd + (size_t)kh * group * hd;
    qkv_head_ready(c, j->layer, t, j->pos0, kh); /* one token: the task owns its heads' new K and V */
    attn_rows_job r = attn_head(j, kh);
    r.q = c->q + off, r.qstride = (size_t)hd, r.nq = group;
    r.qpos0 = j->pos0 + t, r.step = 0;
    r.out = c->att + off, r.ldo = (size_t)hd;
    attn_rows(c->m->kc.ks, &r, c->scores + (size_t)tid * c->scores_per_thread);
}

/* Decode on more threads than KV heads at a depth of several key tiles: each head's keys go in
 * parts of whole ATTN_KT tiles (split-K), as tasks of their own, whose softmax states a second
 * region merges per query row. One part per head otherwise. */
static int attn_splits(const ffai_context *c, int layer, int pos, int *lo) {
    const model_config *cfg = &c->m->cfg;
    int threads = tp_size(c->m->kc.tp), nkv = cfg->n_kv_heads, window = c->m->layers[layer].sliding ? cfg->sliding_window : 0;
    *lo = window > 0 && pos - window + 1 > 0 ? pos - window + 1 : 0;
    int tiles = pos / ATTN_KT - *lo / ATTN_KT + 1;
    if (threads <= nkv || tiles < 2) return 1;
    int want = (2 * threads + nkv - 1) / nkv;
    want = want < ATTN_SPLITS ? want : ATTN_SPLITS;
    return want < tiles ? want : tiles;
}

static void attn_split_task(void *p, int task, int tid) {
    attn_job *j = p;
    ffai_context *c = j->c;
    const model_config *cfg = &c->m->cfg;
    int hd = cfg->head_dim, group = cfg->n_heads / cfg->n_kv_heads, kh = task / j->splits, part = task % j->splits, pos = j->pos0;
    int t0 = j->lo / ATTN_KT, tiles = pos / ATTN_KT - t0 + 1;
    int a = (t0 + part * tiles / j->splits) * ATTN_KT, b = (t0 + (part + 1) * tiles / j->splits) * ATTN_KT;
    attn_rows_job r = attn_head(j, kh);
    r.q = c->q + (size_t)kh * group * hd, r.qstride = (size_t)hd, r.nq = group;
    r.qpos0 = pos, r.step = 0;
    r.klo = a > j->lo ? a : j->lo, r.khi = b < pos + 1 ? b : pos + 1;
    size_t slot = (size_t)kh * j->splits + (size_t)part; /* rows of (head, part): group of them */
    r.out = c->att_part + slot * group * hd, r.ldo = (size_t)hd;
    r.ml = c->att_ml + slot * group * 2;
    attn_rows(c->m->kc.ks, &r, c->scores + (size_t)tid * c->scores_per_thread);
}

static void attn_merge_task(void *p, int kh, int tid) {
    (void)tid;
    attn_job *j = p;
    ffai_context *c = j->c;
    const model_config *cfg = &c->m->cfg;
    int hd = cfg->head_dim, group = cfg->n_heads / cfg->n_kv_heads;
    for (int i = 0; i < group; i++) {
        size_t first = (size_t)kh * j->splits * group + (size_t)i; /* part 0's row i */
        attn_merge(c->att_part + first * hd, (size_t)group * hd, c->att_ml + first * 2, (size_t)group * 2, j->splits, hd,
                   c->att + ((size_t)kh * group + (size_t)i) * hd);
    }
}

static void attn_block_task(void *p, int chunk, int tid) {
    attn_job *j = p;
    ffai_context *c = j->c;
    const model_config *cfg = &c->m->cfg;
    int nkv = cfg->n_kv_heads, hd = cfg->head_dim, group = cfg->n_heads / nkv, qdim = cfg->n_heads * hd;
    /* largest blocks (latest positions) first, so the last chunks claimed are short */
    int task = (j->n + ATTN_QB - 1) / ATTN_QB * nkv - 1 - chunk, t0 = task / nkv * ATTN_QB, kh = task % nkv;
    attn_rows_job r = attn_head(j, kh);
    r.qstride = (size_t)qdim, r.nq = j->n - t0 < ATTN_QB ? j->n - t0 : ATTN_QB;
    r.qpos0 = j->pos0 + t0, r.step = 1, r.ldo = (size_t)qdim;
    for (int h = 0; h < group; h++) {
        size_t off = (size_t)t0 * qdim + (size_t)(kh * group + h) * hd;
        r.q = c->q + off, r.out = c->att + off;
        attn_rows(c->m->kc.ks, &r, c->scores + (size_t)tid * c->scores_per_thread);
    }
}

static void add_bias(float *y, const float *b, int n, int width, int ld) {
    if (!b) return;
    for (int t = 0; t < n; t++)
        for (int i = 0; i < width; i++) y[(size_t)t * ld + i] += b[i];
}

/* ---- the row-wise steps between the matmuls. Prompts run them over tokens on every
 * thread; one token runs them on the caller (a region's barrier costs more than a row). ---- */
typedef struct {
    float *x, *out, *add;
    const float *pre_w, *w;
    int n, width, parts;
    float eps;
} rows_job;

/* token t: add = norm(add, pre_w) (if pre_w); x += add (if add); out = norm(x, w) (if w) */
static void rows_range(const rows_job *j, int t0, int t1) {
    for (int t = t0; t < t1; t++) {
        float *xt = j->x + (size_t)t * j->width;
        if (j->add) {
            float *at = j->add + (size_t)t * j->width;
            if (j->pre_w) k_rmsnorm(at, at, j->pre_w, j->width, j->eps);
            for (int i = 0; i < j->width; i++) xt[i] += at[i];
        }
        if (j->w) k_rmsnorm(j->out + (size_t)t * j->width, xt, j->w, j->width, j->eps);
    }
}

static void rows_task(void *p, int part, int tid) {
    (void)tid;
    const rows_job *j = p;
    int t0, t1;
    tp_split(j->n, 1, part, j->parts, &t0, &t1);
    rows_range(j, t0, t1);
}

static void rows_run(tpool *tp, rows_job *j) {
    int th = tp_size(tp);
    j->parts = j->n < 4 * th ? j->n : 4 * th;
    if (j->n > 1 && th > 1) tp_run(tp, j->parts, rows_task, j);
    else rows_range(j, 0, j->n);
}

/* The residual step after attention or the MLP: x += norm(add, pre_w) (add NULL: no residual;
 * pre_w: Gemma's post-norms, else NULL), then out = norm(x, w) for the next block. */
static void residual_norm(tpool *tp, float *x, float *add, const float *pre_w, float *out, const float *w, int n, int width, float eps) {
    rows_job j = {.x = x, .out = out, .add = add, .pre_w = pre_w, .w = w, .n = n, .width = width, .eps = eps};
    rows_run(tp, &j);
}

/* gate = act(gate) * up over count values, in parts of whole cache lines */
typedef struct {
    const kernel_set *ks;
    float *gate;
    const float *up;
    int count, parts, act;
} act_job;

static void act_task(void *p, int part, int tid) {
    (void)tid;
    const act_job *j = p;
    int i0, i1;
    tp_split(j->count, 16, part, j->parts, &i0, &i1);
    if (i1 <= i0) return;
    switch (j->act) {
    case ACT_SILU: j->ks->silu_mul(j->gate + i0, j->up + i0, i1 - i0); break;
    case ACT_GELU_TANH: j->ks->gelu_tanh_mul(j->gate + i0, j->up + i0, i1 - i0); break;
    case ACT_GELU: k_gelu_mul(j->gate + i0, j->up + i0, i1 - i0); break;
    }
}

/* n tokens of width I: prompts on every thread, one token on the caller (at 16 threads the
 * region's barrier cost more than the one vectorized row: 0.14 vs 0.12 ms per 4-bit step,
 * item 34) unless the activation is the scalar erf GELU */
static void act_run(const kernel_ctx *kc, int act, float *gate, const float *up, int n, int I) {
    act_job j = {kc->ks, gate, up, n * I, 1, act};
    int th = tp_size(kc->tp), lines = (n * I + 15) / 16;
    if (n > 1 || act == ACT_GELU) j.parts = lines < 2 * th ? lines : 2 * th;
    if (j.parts > 1) tp_run(kc->tp, j.parts, act_task, &j);
    else act_task(&j, 0, 0);
}

void forward_batch(ffai_context *c, const int32_t *ids, int n) {
    ffai_model *m = c->m;
    const model_config *cfg = &m->cfg;
    kernel_ctx *kc = &m->kc;
    int H = cfg->hidden_size, hd = cfg->head_dim, nh = cfg->n_heads, nkvh = cfg->n_kv_heads;
    int nq = nh * hd, nkv = nkvh * hd, I = cfg->intermediate_size;
    float eps = (float)cfg->rms_eps;
    int pos0 = c->pos;
    double t0 = clock_now(), t1;
#define LAP(field) (t1 = clock_now(), c->times.field += t1 - t0, t0 = t1)

    for (int t = 0; t < n; t++) {
        float *xt = c->x + (size_t)t * H;
        wmat_row_f32(&m->embed, ids[t], xt);
        if (m->embed_scale != 1.0f)
            for (int i = 0; i < H; i++) xt[i] *= m->embed_scale;
    }
    LAP(other);
    residual_norm(kc->tp, c->x, NULL, NULL, c->xn, m->layers[0].attn_norm, n, H, eps);
    LAP(norm);
    for (int l = 0; l < cfg->n_layers; l++) {
        const layer_weights *L = &m->layers[l];
        {
            const wmat *W[3] = {&L->wq, &L->wk, &L->wv};
            float *Y[3] = {c->q, c->k, c->v};
            int ld[3] = {nq, nkv, nkv};
            k_matmul_multi(kc, W, 3, c->xn, n, H, Y, ld);
        }
        LAP(matmul);
        add_bias(c->q, L->bq, n, nq, nq);
        add_bias(c->k, L->bk, n, nkv, nkv);
        add_bias(c->v, L->bv, n, nkv, nkv);
        LAP(norm);
        attn_job aj = {c, l, n, pos0, 1, 0};
        if (n == 1) aj.splits = attn_splits(c, l, pos0, &aj.lo);
        /* one chunk per task; threads claim them one at a time, which also balances the causal rows */
        if (n > 1 || aj.splits > 1) {
            tp_run(kc->tp, qkv_ready_tasks(&aj), qkv_ready_task, &aj);
            LAP(rope);
        }
        if (n > 1) tp_run(kc->tp, (n + ATTN_QB - 1) / ATTN_QB * cfg->n_kv_heads, attn_block_task, &aj);
        else if (aj.splits > 1) {
            tp_run(kc->tp, cfg->n_kv_heads * aj.splits, attn_split_task, &aj);
            tp_run(kc->tp, cfg->n_kv_heads, attn_merge_task, &aj);
        } else
            tp_run(kc->tp, cfg->n_kv_heads, attn_task, &aj);
        LAP(attention);
        k_matmul(kc, &L->wo, c->att, n, nq, c->tmp, H);
        LAP(matmul);
        add_bias(c->tmp, L->bo, n, H, H);
        residual_norm(kc->tp, c->x, c->tmp, L->post_attn_norm, c->xn, L->ffn_norm, n, H, eps);
        LAP(norm);
        {
            const wmat *W[2] = {&L->w_gate, &L->w_up};
            float *Y[2] = {c->gate, c->up};
            int ld[2] = {I, I};
            k_matmul_multi(kc, W, 2, c->xn, n, H, Y, ld);
        }
        LAP(matmul);
        add_bias(c->gate, L->b_gate, n, I, I);
        add_bias(c->up, L->b_up, n, I, I);
        act_run(kc, cfg->act, c->gate, c->up, n, I);
        LAP(other);
        k_matmul(kc, &L->w_down, c->gate, n, I, c->tmp, H);
        LAP(matmul);
        add_bias(c->tmp, L->b_down, n, H, H);
        /* the residual, then the next layer's input norm (after the last layer: the final norm) */
        int last = l + 1 == cfg->n_layers;
        residual_norm(kc->tp, c->x, c->tmp, L->post_ffn_norm, last ? c->hfin : c->xn, last ? m->final_norm : m->layers[l + 1].attn_norm, n, H, eps);
        LAP(norm);
    }
    c->pos += n;
#undef LAP
}

void forward_logits(ffai_context *c, int row0, int n, float *out) {
    ffai_model *m = c->m;
    int H = m->cfg.hidden_size, V = m->cfg.vocab_size;
    double t0 = clock_now();
    for (int r = 0; r < n; r += LOGIT_ROWS) {
        int k = n - r < LOGIT_ROWS ? n - r : LOGIT_ROWS;
        k_matmul(&m->kc, &m->lm_head, c->hfin + (size_t)(row0 + r) * H, k, H, out + (size_t)r * V, V);
    }
    float cap = (float)m->cfg.final_logit_softcap;
    if (cap > 0)
        for (size_t i = 0; i < (size_t)n * V; i++) out[i] = cap * tanhf(out[i] / cap);
    c->times.matmul += clock_now() - t0;
}
