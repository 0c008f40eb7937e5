/* forward.c — the decoder forward pass shared by every architecture:
 * embed -> [norm -> attention -> (norm) -> residual -> norm -> MLP -> (norm) -> residual] x L
 * -> final norm -> lm head. Per-arch differences come from arch flags. */
#include <math.h>
#include <string.h>

#include "core/clock.h"
#include "model/model_internal.h"

/* ---- attention: one task per (token, KV head), covering the query heads that
 * share it (GQA); softmax over the causal (or sliding) window ---- */
typedef struct {
    ffai_context *c;
    int layer, n, pos0;
} attn_job;

static void attn_task(void *p, int task, int tid) {
    attn_job *j = p;
    ffai_context *c = j->c;
    const ffai_model *m = c->m;
    const model_config *cfg = &m->cfg;
    const kernel_set *ks = m->kc.ks;
    int nh = cfg->n_heads, nkv = cfg->n_kv_heads, hd = cfg->head_dim, group = nh / nkv;
    int kvw = nkv * hd, ld = c->n_ctx;
    const float *Kb = c->k_cache[j->layer], *V = c->v_cache[j->layer];
    float *scores = c->scores + (size_t)tid * c->scores_per_thread;
    float scale = cfg->query_pre_attn_scalar > 0 ? (float)(1.0 / sqrt(cfg->query_pre_attn_scalar)) : (float)(1.0 / sqrt((double)hd));
    float cap = (float)cfg->attn_logit_softcap;
    int win = m->layers[j->layer].sliding ? cfg->sliding_window : 0;
    {
        int t = task / nkv, kh = task % nkv;
        int qpos = j->pos0 + t, hi = qpos + 1;
        int lo = win > 0 && qpos - win + 1 > 0 ? qpos - win + 1 : 0;
        const float *q = c->q + (size_t)t * nh * hd + (size_t)kh * group * hd;
        ks->attn_scores(q, group, hd, Kb + (size_t)kh * c->k_head_stride, lo, hi, scale, scores, ld);
        for (int h = 0; h < group; h++) {
            float *sc = scores + (size_t)h * ld;
            if (cap > 0)
                for (int s = lo; s < hi; s++) sc[s] = cap * tanhf(sc[s] / cap);
            ks->softmax(sc + lo, hi - lo);
        }
        ks->attn_pv(scores, group, ld, V + (size_t)kh * hd, kvw, lo, hi, hd, c->att + (size_t)t * nh * hd + (size_t)kh * group * hd);
    }
}

/* Prefill: one task per (block of ATTN_QB tokens, KV head); for each query
 * head of the group the block's queries share every K and V load. */
static void attn_block_task(void *p, int chunk, int tid) {
    attn_job *j = p;
    /* largest blocks (latest positions) first, so the last chunks claimed are short */
    int task = ((j->n + ATTN_QB - 1) / ATTN_QB) * j->c->m->cfg.n_kv_heads - 1 - chunk;
    ffai_context *c = j->c;
    const ffai_model *m = c->m;
    const model_config *cfg = &m->cfg;
    const kernel_set *ks = m->kc.ks;
    int nh = cfg->n_heads, nkv = cfg->n_kv_heads, hd = cfg->head_dim, group = nh / nkv;
    int kvw = nkv * hd, ld = c->n_ctx, qdim = nh * hd;
    const float *Kb = c->k_cache[j->layer], *V = c->v_cache[j->layer];
    float *scores = c->scores + (size_t)tid * c->scores_per_thread, *out = scores + (size_t)ATTN_QB * ld;
    float scale = cfg->query_pre_attn_scalar > 0 ? (float)(1.0 / sqrt(cfg->query_pre_attn_scalar)) : (float)(1.0 / sqrt((double)hd));
    float cap = (float)cfg->attn_logit_softcap;
    int win = m->layers[j->layer].sliding ? cfg->sliding_window : 0;
    {
        int t0 = (task / nkv) * ATTN_QB, kh = task % nkv;
        int nq = j->n - t0 < ATTN_QB ? j->n - t0 : ATTN_QB;
        int q0 = j->pos0 + t0, hi = q0 + nq;
        int lo = win > 0 && q0 - win + 1 > 0 ? q0 - win + 1 : 0;
        for (int h = 0; h < group; h++) {
            int head = kh * group + h;
            ks->attn_scores_multi(c->q + (size_t)t0 * qdim + (size_t)head * hd, nq, (size_t)qdim, hd, Kb + (size_t)kh * c->k_head_stride, lo, hi,
                                  scale, scores, ld);
            for (int i = 0; i < nq; i++) {
                float *sc = scores + (size_t)i * ld;
                int qpos = q0 + i, li = win > 0 && qpos - win + 1 > 0 ? qpos - win + 1 : 0, hii = qpos + 1;
                if (cap > 0)
                    for (int s = li; s < hii; s++) sc[s] = cap * tanhf(sc[s] / cap);
                ks->softmax(sc + li, hii - li);
                if (li > lo) memset(sc + lo, 0, (size_t)(li - lo) * sizeof(float)); /* outside this query's window */
                if (hi > hii) memset(sc + hii, 0, (size_t)(hi - hii) * sizeof(float)); /* causal: later keys of the block */
            }
            ks->attn_pv(scores, nq, ld, V + (size_t)kh * hd, kvw, lo, hi, hd, out);
            for (int i = 0; i < nq; i++) memcpy(c->att + (size_t)(t0 + i) * qdim + (size_t)head * hd, out + (size_t)i * hd, (size_t)hd * sizeof(float));
        }
    }
}

static void add_bias(float *y, const float *b, int n, int width, int ld) {
    if (!b) return;
    for (int t = 0; t < n; t++)
        for (int i = 0; i < width; i++) y[(size_t)t * ld + i] += b[i];
}

static void norm_rows(float *out, const float *x, const float *w, int n, int width, float eps) {
    for (int t = 0; t < n; t++) k_rmsnorm(out + (size_t)t * width, x + (size_t)t * width, w, width, eps);
}

void forward_batch(ffai_context *c, const int32_t *ids, int n) {
    ffai_model *m = c->m;
    const model_config *cfg = &m->cfg;
    kernel_ctx *kc = &m->kc;
    unsigned fl = m->arch->flags;
    int H = cfg->hidden_size, hd = cfg->head_dim, nh = cfg->n_heads, nkvh = cfg->n_kv_heads;
    int nq = nh * hd, nkv = nkvh * hd, I = cfg->intermediate_size, half = hd / 2;
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
    for (int l = 0; l < cfg->n_layers; l++) {
        const layer_weights *L = &m->layers[l];
        norm_rows(c->xn, c->x, L->attn_norm, n, H, eps);
        LAP(norm);
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
        if (fl & ARCH_QK_NORM) {
            for (int t = 0; t < n * nh; t++) k_rmsnorm(c->q + (size_t)t * hd, c->q + (size_t)t * hd, L->q_norm, hd, eps);
            for (int t = 0; t < n * nkvh; t++) k_rmsnorm(c->k + (size_t)t * hd, c->k + (size_t)t * hd, L->k_norm, hd, eps);
        }
        LAP(norm);
        const float *rc = L->sliding ? c->rope_lcos : c->rope_cos, *rs = L->sliding ? c->rope_lsin : c->rope_sin;
        for (int t = 0; t < n; t++) {
            const float *cs = rc + (size_t)(pos0 + t) * half, *sn = rs + (size_t)(pos0 + t) * half;
            for (int h = 0; h < nh; h++) k_rope(c->q + (size_t)t * nq + (size_t)h * hd, cs, sn, hd);
            for (int h = 0; h < nkvh; h++) k_rope(c->k + (size_t)t * nkv + (size_t)h * hd, cs, sn, hd);
        }
        /* K is cached per KV head in blocks of KBLK keys (kernels.h: k_index), so scores run along keys */
        for (int t = 0; t < n; t++)
            for (int h = 0; h < nkvh; h++)
                for (int d = 0; d < hd; d++)
                    c->k_cache[l][(size_t)h * c->k_head_stride + k_index(pos0 + t, d, hd)] = c->k[(size_t)t * nkv + (size_t)h * hd + d];
        memcpy(c->v_cache[l] + (size_t)pos0 * nkv, c->v, (size_t)n * nkv * sizeof(float));
        LAP(rope);
        attn_job aj = {c, l, n, pos0};
        /* one chunk per task; threads claim them one at a time, which also balances the causal rows */
        if (n > 1 && kc->ks->attn_scores_multi) tp_run(kc->tp, (n + ATTN_QB - 1) / ATTN_QB * cfg->n_kv_heads, attn_block_task, &aj);
        else tp_run(kc->tp, n * cfg->n_kv_heads, attn_task, &aj);
        LAP(attention);
        k_matmul(kc, &L->wo, c->att, n, nq, c->tmp, H);
        LAP(matmul);
        add_bias(c->tmp, L->bo, n, H, H);
        if (L->post_attn_norm) norm_rows(c->tmp, c->tmp, L->post_attn_norm, n, H, eps);
        for (size_t i = 0; i < (size_t)n * H; i++) c->x[i] += c->tmp[i];
        norm_rows(c->xn, c->x, L->ffn_norm, n, H, eps);
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
        switch (cfg->act) {
        case ACT_SILU: kc->ks->silu_mul(c->gate, c->up, n * I); break;
        case ACT_GELU_TANH: k_gelu_tanh_mul(c->gate, c->up, n * I); break;
        case ACT_GELU: k_gelu_mul(c->gate, c->up, n * I); break;
        }
        LAP(other);
        k_matmul(kc, &L->w_down, c->gate, n, I, c->tmp, H);
        LAP(matmul);
        add_bias(c->tmp, L->b_down, n, H, H);
        if (L->post_ffn_norm) norm_rows(c->tmp, c->tmp, L->post_ffn_norm, n, H, eps);
        for (size_t i = 0; i < (size_t)n * H; i++) c->x[i] += c->tmp[i];
        LAP(norm);
    }
    norm_rows(c->hfin, c->x, m->final_norm, n, H, eps);
    LAP(norm);
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
