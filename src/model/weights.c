/* weights.c — bind safetensors tensors to the layer structure, validating
 * names, dtypes and shapes against the config (quantized triplets included). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "model/model_internal.h"

static const st_tensor *need(const ffai_model *m, const char *name, ffai_error *err) {
    const st_tensor *t = st_find(&m->st, name);
    if (!t) ffai_fail(err, FFAI_ERR_NOT_FOUND, "%s: missing tensor %s", m->dir, name);
    return t;
}

static ffai_status check_shape2(const st_tensor *t, int64_t d0, int64_t d1, ffai_error *err) {
    if (t->ndim != 2 || t->shape[0] != d0 || t->shape[1] != d1)
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s has shape [%lld, %lld], config implies [%lld, %lld]", t->file, t->name,
                         (long long)(t->ndim > 0 ? t->shape[0] : -1), (long long)(t->ndim > 1 ? t->shape[1] : -1), (long long)d0, (long long)d1);
    return FFAI_OK;
}

static int float_kind(st_dtype dt, wt_kind *k) {
    switch (dt) {
    case ST_BF16: *k = WT_BF16; return 1;
    case ST_F16: *k = WT_F16; return 1;
    case ST_F32: *k = WT_F32; return 1;
    default: return 0;
    }
}

/* Binds "<prefix>.weight" (rows, cols), quantized or not. */
static ffai_status bind_matrix(ffai_model *m, const char *prefix, int rows, int cols, wmat *out, ffai_error *err) {
    char name[256];
    snprintf(name, sizeof name, "%s.weight", prefix);
    const st_tensor *w = need(m, name, err);
    if (!w) return FFAI_ERR_NOT_FOUND;
    memset(out, 0, sizeof *out);
    out->rows = rows;
    out->cols = cols;
    snprintf(name, sizeof name, "%s.scales", prefix);
    const st_tensor *s = st_find(&m->st, name);
    if (!s) {
        if (!float_kind(w->dtype, &out->kind))
            return ffai_fail(err, FFAI_ERR_UNSUPPORTED, "%s: tensor %s has dtype %s (supported: BF16, F16, F32, or U32 with .scales/.biases)",
                             w->file, w->name, st_dtype_name(w->dtype));
        ffai_status st = check_shape2(w, rows, cols, err);
        if (st) return st;
        out->w = w->data;
        out->row_bytes = (size_t)cols * st_dtype_size(w->dtype);
        wmat_set_packed(out);
        return FFAI_OK;
    }
    snprintf(name, sizeof name, "%s.biases", prefix);
    const st_tensor *b = need(m, name, err);
    if (!b) return FFAI_ERR_NOT_FOUND;
    if (w->dtype != ST_U32)
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: quantized tensor %s must be U32, found %s", w->file, w->name, st_dtype_name(w->dtype));
    if (!float_kind(s->dtype, &out->sb_kind) || s->dtype != b->dtype)
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: %s and its biases must share a float dtype", s->file, s->name);
    if (w->ndim != 2 || s->ndim != 2 || w->shape[0] != rows || s->shape[0] != rows || s->shape[1] <= 0)
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: quantized tensor %s: expected %d rows", w->file, w->name, rows);
    quant_rule rule = cfg_quant_for(&m->cfg, prefix);
    int group = (int)(cols / s->shape[1]);
    int bits = (int)(w->shape[1] * 32 / cols);
    if ((int64_t)group * s->shape[1] != cols || (int64_t)bits * cols != w->shape[1] * 32)
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: quantized tensor %s: shape [%lld, %lld] with scales [%lld, %lld] does not fit %d input columns",
                         w->file, w->name, (long long)w->shape[0], (long long)w->shape[1], (long long)s->shape[0], (long long)s->shape[1], cols);
    if (rule.bits && (rule.bits != bits || rule.group_size != group))
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s is %d-bit group %d but config.json says %d-bit group %d", w->file, w->name, bits,
                         group, rule.bits, rule.group_size);
    if (!(bits == 2 || bits == 3 || bits == 4 || bits == 5 || bits == 6 || bits == 8) || !(group == 32 || group == 64 || group == 128))
        return ffai_fail(err, FFAI_ERR_UNSUPPORTED, "%s: tensor %s: %d-bit group %d is not supported (bits 2,3,4,5,6,8; group 32,64,128)",
                         w->file, w->name, bits, group);
    ffai_status st = check_shape2(b, s->shape[0], s->shape[1], err);
    if (st) return st;
    out->kind = WT_AFFINE;
    out->bits = bits;
    out->group = group;
    out->w = w->data;
    out->row_bytes = (size_t)w->shape[1] * 4;
    out->scales = s->data;
    out->biases = b->data;
    wmat_set_packed(out);
    return FFAI_OK;
}

/* Copies a 1-D float tensor of length n to f32 (adding `plus` to each element). */
static ffai_status bind_vector(ffai_model *m, const char *name, int n, float plus, bool optional, float **out, ffai_error *err) {
    *out = NULL;
    const st_tensor *t = st_find(&m->st, name);
    if (!t) {
        if (optional) return FFAI_OK;
        return ffai_fail(err, FFAI_ERR_NOT_FOUND, "%s: missing tensor %s", m->dir, name);
    }
    wt_kind k;
    if (!float_kind(t->dtype, &k))
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s has dtype %s, expected a float type", t->file, name, st_dtype_name(t->dtype));
    if (t->ndim != 1 || t->shape[0] != n)
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s has shape [%lld%s], config implies [%d]", t->file, name,
                         (long long)(t->ndim ? t->shape[0] : 0), t->ndim > 1 ? ", ..." : "", n);
    float *v = mem_alloc((size_t)n * sizeof *v);
    if (!v) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) v[i] = wt_load(k, t->data, (size_t)i) + plus;
    m->small_bytes += (size_t)n * sizeof *v;
    *out = v;
    return FFAI_OK;
}

ffai_status weights_bind(ffai_model *m, ffai_error *err) {
    const model_config *c = &m->cfg;
    unsigned fl = m->arch->flags;
    int H = c->hidden_size, hd = c->head_dim, nq = c->n_heads * hd, nkv = c->n_kv_heads * hd, I = c->intermediate_size;
    float plus = (fl & ARCH_NORM_PLUS_ONE) ? 1.0f : 0.0f;
    ffai_status st;
    if ((st = bind_matrix(m, "model.embed_tokens", c->vocab_size, H, &m->embed, err))) return st;
    if (st_find(&m->st, "lm_head.weight")) {
        if ((st = bind_matrix(m, "lm_head", c->vocab_size, H, &m->lm_head, err))) return st;
    } else if (c->tie_embeddings)
        m->lm_head = m->embed;
    else
        return ffai_fail(err, FFAI_ERR_NOT_FOUND, "%s: missing tensor lm_head.weight (tie_word_embeddings is false)", m->dir);
    if ((st = bind_vector(m, "model.norm.weight", H, plus, false, &m->final_norm, err))) return st;
    m->layers = mem_alloc((size_t)c->n_layers * sizeof *m->layers);
    if (!m->layers) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    m->small_bytes += (size_t)c->n_layers * sizeof *m->layers;
    bool qkv_bias = (fl & ARCH_QKV_BIAS) || c->attention_bias;
    for (int l = 0; l < c->n_layers; l++) {
        layer_weights *L = &m->layers[l];
        char p[160], n[224];
        L->sliding = c->layer_sliding[l];
#define MAT(field, sub, rows, cols)                                              \
    snprintf(n, sizeof n, "model.layers.%d.%s", l, sub);                         \
    if ((st = bind_matrix(m, n, rows, cols, &L->field, err))) return st;
#define VEC(field, sub, len, add, opt)                                           \
    snprintf(n, sizeof n, "model.layers.%d.%s", l, sub);                         \
    if ((st = bind_vector(m, n, len, add, opt, &L->field, err))) return st;
        (void)p;
        MAT(wq, "self_attn.q_proj", nq, H)
        MAT(wk, "self_attn.k_proj", nkv, H)
        MAT(wv, "self_attn.v_proj", nkv, H)
        MAT(wo, "self_attn.o_proj", H, nq)
        MAT(w_gate, "mlp.gate_proj", I, H)
        MAT(w_up, "mlp.up_proj", I, H)
        MAT(w_down, "mlp.down_proj", H, I)
        VEC(attn_norm, "input_layernorm.weight", H, plus, false)
        if (fl & ARCH_SANDWICH_NORM) {
            VEC(post_attn_norm, "post_attention_layernorm.weight", H, plus, false)
            VEC(ffn_norm, "pre_feedforward_layernorm.weight", H, plus, false)
            VEC(post_ffn_norm, "post_feedforward_layernorm.weight", H, plus, false)
        } else {
            VEC(ffn_norm, "post_attention_layernorm.weight", H, plus, false)
        }
        if (fl & ARCH_QK_NORM) {
            VEC(q_norm, "self_attn.q_norm.weight", hd, plus, false)
            VEC(k_norm, "self_attn.k_norm.weight", hd, plus, false)
        }
        VEC(bq, "self_attn.q_proj.bias", nq, 0.0f, !qkv_bias)
        VEC(bk, "self_attn.k_proj.bias", nkv, 0.0f, !qkv_bias)
        VEC(bv, "self_attn.v_proj.bias", nkv, 0.0f, !qkv_bias)
        VEC(bo, "self_attn.o_proj.bias", H, 0.0f, true)
        VEC(b_gate, "mlp.gate_proj.bias", I, 0.0f, !c->mlp_bias)
        VEC(b_up, "mlp.up_proj.bias", I, 0.0f, !c->mlp_bias)
        VEC(b_down, "mlp.down_proj.bias", H, 0.0f, !c->mlp_bias)
#undef MAT
#undef VEC
    }
    m->embed_scale = 1.0f;
    if (fl & ARCH_EMBED_SCALE) {
        /* HF multiplies by sqrt(hidden) cast to the embedding dtype */
        float s = sqrtf((float)H);
        if (m->embed.kind == WT_BF16 || (m->embed.kind == WT_AFFINE && m->embed.sb_kind == WT_BF16)) s = bf16_to_f32(f32_to_bf16(s));
        else if (m->embed.kind == WT_F16 || (m->embed.kind == WT_AFFINE && m->embed.sb_kind == WT_F16)) s = f16_to_f32(f32_to_f16(s));
        m->embed_scale = s;
    }
    return FFAI_OK;
}

static void free_vec(ffai_model *m, float *v, int n) {
    if (v) mem_free(v, (size_t)n * sizeof(float));
    (void)m;
}

void weights_free(ffai_model *m) {
    const model_config *c = &m->cfg;
    int H = c->hidden_size, hd = c->head_dim, nq = c->n_heads * hd, nkv = c->n_kv_heads * hd, I = c->intermediate_size;
    free_vec(m, m->final_norm, H);
    if (!m->layers) return;
    for (int l = 0; l < c->n_layers; l++) {
        layer_weights *L = &m->layers[l];
        free_vec(m, L->attn_norm, H);
        free_vec(m, L->post_attn_norm, H);
        free_vec(m, L->ffn_norm, H);
        free_vec(m, L->post_ffn_norm, H);
        free_vec(m, L->q_norm, hd);
        free_vec(m, L->k_norm, hd);
        free_vec(m, L->bq, nq);
        free_vec(m, L->bk, nkv);
        free_vec(m, L->bv, nkv);
        free_vec(m, L->bo, H);
        free_vec(m, L->b_gate, I);
        free_vec(m, L->b_up, I);
        free_vec(m, L->b_down, H);
    }
    mem_free(m->layers, (size_t)c->n_layers * sizeof *m->layers);
    m->layers = NULL;
}
