/* model.c — the public model/context API: load (resolve, config, arch,
 * weights), context planning (KV cache, RoPE tables, activations), eval. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "kernels/attention.h"
#include "kernels/matmul_q8.h"
#include "model/model_internal.h"

static void set_labels(ffai_model *m) {
    const char *dt = "bf16";
    const wmat *probe = &m->layers[0].wq;
    wt_kind k = probe->kind == WT_AFFINE ? probe->sb_kind : probe->kind;
    if (k == WT_F16) dt = "f16";
    else if (k == WT_F32) dt = "f32";
    snprintf(m->dtype, sizeof m->dtype, "%s", dt);
    if (probe->kind == WT_AFFINE) {
        if (probe->group == 64) snprintf(m->quant_label, sizeof m->quant_label, "%dbit", probe->bits);
        else snprintf(m->quant_label, sizeof m->quant_label, "%dbit-g%d", probe->bits, probe->group);
    } else
        snprintf(m->quant_label, sizeof m->quant_label, "%s", dt);
}

ffai_status ffai_model_load(const char *model, const ffai_model_options *opt, ffai_model **out, ffai_error *err) {
    *out = NULL;
    char dir[4096];
    ffai_status st = ffai_model_resolve(model, dir, sizeof dir, err);
    if (st) return st;
    ffai_model *m = calloc(1, sizeof *m);
    if (!m) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    m->dir = strdup(dir);
    if (!m->dir) {
        free(m);
        return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    if ((st = cfg_load(dir, &m->cfg, err))) goto fail;
    if (!(m->arch = arch_find(m->cfg.model_type, err))) {
        st = FFAI_ERR_UNSUPPORTED;
        ffai_error_prefix(err, "%s/config.json", dir);
        goto fail;
    }
    if ((st = st_open_dir(dir, &m->st, err))) goto fail;
    {
        const char *env = getenv("FFAI_MMAP");
        bool map_only = (opt && opt->mmap_only) || (env && *env && strcmp(env, "0") != 0);
        if (!map_only && (st = st_make_resident(&m->st, err))) goto fail;
        if ((st = weights_bind(m, err))) goto fail;
        /* row records: one memory stream per row instead of three (docs/performance.md, items 28-29) */
        if (!map_only && (st = weights_to_records(m, err))) goto fail;
    }
    set_labels(m);
    mem_account((long long)st_total_bytes(&m->st));
    m->kc.ks = kernels_best();
    m->kc.tp = tp_create(opt && opt->n_threads > 0 ? opt->n_threads : 0);
    if (!m->kc.tp) {
        st = ffai_fail(err, FFAI_ERR_NOMEM, "cannot start worker threads");
        goto fail_acct;
    }
    int maxc = m->cfg.hidden_size;
    if (m->cfg.intermediate_size > maxc) maxc = m->cfg.intermediate_size;
    if (m->cfg.n_heads * m->cfg.head_dim > maxc) maxc = m->cfg.n_heads * m->cfg.head_dim;
    m->kc.scratch_per_thread = KERNEL_SCRATCH(maxc);
    m->scratch_bytes = m->kc.scratch_per_thread * sizeof(float) * (size_t)tp_size(m->kc.tp);
    m->kc.scratch = mem_alloc(m->scratch_bytes);
    m->prep_bytes = k_prep_bytes(tp_size(m->kc.tp), maxc);
    void *prep = mem_alloc(m->prep_bytes);
    if (!m->kc.scratch || !prep) {
        mem_free(prep, m->prep_bytes);
        mem_free(m->kc.scratch, m->scratch_bytes);
        m->kc.scratch = NULL;
        st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory for kernel scratch");
        goto fail_acct;
    }
    k_prep_init(&m->kc, prep, tp_size(m->kc.tp), maxc);
    if (opt && opt->precision == FFAI_PRECISION_BF16) {
        if (!m->kc.ks->mm_rows_bf16) {
            st = ffai_fail(err, FFAI_ERR_UNSUPPORTED, "bf16 precision needs AVX-512 BF16 (kernels in use: %s)", m->kc.ks->name);
            goto fail_acct;
        }
        m->xbf_bytes = (size_t)CTX_UBATCH * maxc * sizeof(uint16_t);
        m->kc.xbf = mem_alloc(m->xbf_bytes);
        if (!m->kc.xbf) {
            st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory for bf16 activations");
            goto fail_acct;
        }
        m->kc.precision = KERNEL_PRECISION_BF16;
    }
    if (opt && opt->precision == FFAI_PRECISION_INT8) {
        if (!q8_available()) {
            st = ffai_fail(err, FFAI_ERR_UNSUPPORTED, "int8 precision needs AVX-512 VNNI (kernels in use: %s)", m->kc.ks->name);
            goto fail_acct;
        }
        m->xq8_bytes = q8_act_bytes(CTX_UBATCH, maxc);
        m->kc.xq8 = mem_alloc(m->xq8_bytes);
        m->kc.xq8_tokens = CTX_UBATCH, m->kc.xq8_cols = maxc;
        if (!m->kc.xq8) {
            st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory for int8 activations");
            goto fail_acct;
        }
        m->kc.precision = KERNEL_PRECISION_INT8;
    }
    if (m->kc.precision != KERNEL_PRECISION_INT8 && q8_exact24_enabled(m->kc.ks->name)) {
        m->xd24_bytes = q8_act24_bytes(maxc);
        m->kc.xd24 = mem_alloc(m->xd24_bytes);
        m->kc.xd24_cols = maxc;
        if (!m->kc.xd24) {
            st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory for decode activations");
            goto fail_acct;
        }
    }
    if (opt && opt->kv_type != FFAI_KV_F32 && opt->kv_type != FFAI_KV_F16) {
        st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "unknown KV cache type %d (f32 or f16)", (int)opt->kv_type);
        goto fail_acct;
    }
    m->kv_f16 = opt && opt->kv_type == FFAI_KV_F16;
    *out = m;
    return FFAI_OK;
fail_acct:
    mem_account(-(long long)st_total_bytes(&m->st));
fail:
    ffai_model_free(m);
    return st;
}

void ffai_model_free(ffai_model *m) {
    if (!m) return;
    if (m->kc.xbf) mem_free(m->kc.xbf, m->xbf_bytes);
    if (m->kc.xq8) mem_free(m->kc.xq8, m->xq8_bytes);
    if (m->kc.xd24) mem_free(m->kc.xd24, m->xd24_bytes);
    if (m->kc.prep) mem_free(m->kc.prep, m->prep_bytes);
    if (m->kc.scratch) {
        mem_free(m->kc.scratch, m->scratch_bytes);
        mem_account(-(long long)st_total_bytes(&m->st));
    }
    tp_free(m->kc.tp);
    weights_free(m);
    weights_free_records(m);
    st_set_free(&m->st);
    cfg_free(&m->cfg);
    free(m->dir);
    free(m);
}

void ffai_model_get_info(const ffai_model *m, ffai_model_info *info) {
    memset(info, 0, sizeof *info);
    const model_config *c = &m->cfg;
    info->dir = m->dir;
    info->model_type = c->model_type;
    info->vocab_size = c->vocab_size;
    info->hidden_size = c->hidden_size;
    info->intermediate_size = c->intermediate_size;
    info->n_layers = c->n_layers;
    info->n_heads = c->n_heads;
    info->n_kv_heads = c->n_kv_heads;
    info->head_dim = c->head_dim;
    info->max_pos = c->max_pos;
    info->weights_bytes = st_total_bytes(&m->st);
    info->dtype = m->dtype;
    if (m->layers[0].wq.kind == WT_AFFINE) {
        info->quant_bits = m->layers[0].wq.bits;
        info->quant_group = m->layers[0].wq.group;
    }
    info->eos_ids = c->eos_ids;
    info->n_eos = c->n_eos;
    info->bos_id = c->bos_id;
    info->n_threads = tp_size(m->kc.tp);
    info->kernels = m->kc.ks->name;
    info->precision = m->kc.precision == KERNEL_PRECISION_BF16 ? "bf16" : m->kc.precision == KERNEL_PRECISION_INT8 ? "int8" : "f32";
    info->kv_type = m->kv_f16 ? "f16" : "f32";
}

const char *ffai_model_quant_label(const ffai_model *m) { return m->quant_label; }

/* ---- contexts ---- */

#define CTX_ALLOC(field, count)                                                  \
    do {                                                                         \
        size_t bytes_ = (size_t)(count) * sizeof(float);                         \
        c->field = mem_alloc(bytes_);                                            \
        if (!c->field) goto nomem;                                               \
        c->act_bytes += bytes_;                                                  \
    } while (0)

ffai_status ffai_context_create(ffai_model *m, int n_ctx, ffai_context **out, ffai_error *err) {
    *out = NULL;
    const model_config *cfg = &m->cfg;
    if (n_ctx <= 0) n_ctx = cfg->max_pos < 4096 ? cfg->max_pos : 4096;
    if (n_ctx > cfg->max_pos)
        return ffai_fail(err, FFAI_ERR_RANGE, "context %d exceeds the model's max_position_embeddings (%d)", n_ctx, cfg->max_pos);
    ffai_context *c = calloc(1, sizeof *c);
    if (!c) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    c->m = m;
    c->n_ctx = n_ctx;
    int L = cfg->n_layers, hd = cfg->head_dim, nkv = cfg->n_kv_heads * hd, nq = cfg->n_heads * hd, H = cfg->hidden_size;
    int B = CTX_UBATCH < n_ctx ? CTX_UBATCH : n_ctx;
    c->k_cache = calloc((size_t)L, sizeof *c->k_cache);
    c->v_cache = calloc((size_t)L, sizeof *c->v_cache);
    if (!c->k_cache || !c->v_cache) goto nomem;
    c->kv_es = m->kv_f16 ? sizeof(uint16_t) : sizeof(float);
    size_t per = (size_t)n_ctx * nkv * c->kv_es;
    c->k_head_stride = (size_t)((n_ctx + KBLK - 1) / KBLK * KBLK) * hd;
    c->v_head_stride = (size_t)n_ctx * hd;
    size_t kper = c->k_head_stride * cfg->n_kv_heads * c->kv_es;
    for (int l = 0; l < L; l++) {
        c->k_cache[l] = mem_alloc(kper);
        c->v_cache[l] = mem_alloc(per);
        if (!c->k_cache[l] || !c->v_cache[l]) goto nomem;
        c->kv_bytes += kper + per;
    }
    size_t rope = (size_t)n_ctx * (hd / 2);
    CTX_ALLOC(rope_cos, rope);
    CTX_ALLOC(rope_sin, rope);
    rope_tables(&cfg->rope, hd, cfg->max_pos, n_ctx, c->rope_cos, c->rope_sin);
    bool any_sliding = false;
    for (int l = 0; l < L; l++) any_sliding |= cfg->layer_sliding[l];
    if (any_sliding && strcmp(cfg->model_type, "gemma3_text") == 0) {
        CTX_ALLOC(rope_lcos, rope);
        CTX_ALLOC(rope_lsin, rope);
        rope_tables(&cfg->rope_local, hd, cfg->max_pos, n_ctx, c->rope_lcos, c->rope_lsin);
    } else {
        c->rope_lcos = c->rope_cos;
        c->rope_lsin = c->rope_sin;
    }
    CTX_ALLOC(x, (size_t)B * H);
    CTX_ALLOC(xn, (size_t)B * H);
    CTX_ALLOC(tmp, (size_t)B * H);
    CTX_ALLOC(hfin, (size_t)B * H);
    CTX_ALLOC(q, (size_t)B * nq);
    CTX_ALLOC(att, (size_t)B * nq);
    CTX_ALLOC(k, (size_t)B * nkv);
    CTX_ALLOC(v, (size_t)B * nkv);
    CTX_ALLOC(gate, (size_t)B * cfg->intermediate_size);
    CTX_ALLOC(up, (size_t)B * cfg->intermediate_size);
    c->scores_per_thread = m->kv_f16 ? ATTN_WORK_F16(hd) : ATTN_WORK(hd);
    CTX_ALLOC(scores, (size_t)tp_size(m->kc.tp) * c->scores_per_thread);
    CTX_ALLOC(att_part, (size_t)cfg->n_heads * ATTN_SPLITS * hd);
    CTX_ALLOC(att_ml, (size_t)cfg->n_heads * ATTN_SPLITS * 2);
    *out = c;
    return FFAI_OK;
nomem:
    ffai_context_free(c);
    return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory planning a context of %d tokens", n_ctx);
}

static void free_act(float *p, size_t *bytes_left, size_t n) {
    (void)bytes_left;
    mem_free(p, n * sizeof(float));
}

void ffai_context_free(ffai_context *c) {
    if (!c) return;
    const model_config *cfg = &c->m->cfg;
    size_t per = (size_t)c->n_ctx * cfg->n_kv_heads * cfg->head_dim * c->kv_es;
    size_t kper = c->k_head_stride * cfg->n_kv_heads * c->kv_es;
    for (int l = 0; l < cfg->n_layers; l++) {
        if (c->k_cache) mem_free(c->k_cache[l], kper);
        if (c->v_cache) mem_free(c->v_cache[l], per);
    }
    free(c->k_cache);
    free(c->v_cache);
    int hd = cfg->head_dim, H = cfg->hidden_size, nq = cfg->n_heads * hd, nkv = cfg->n_kv_heads * hd;
    int B = CTX_UBATCH < c->n_ctx ? CTX_UBATCH : c->n_ctx;
    size_t rope = (size_t)c->n_ctx * (hd / 2), d = 0;
    if (c->rope_lcos != c->rope_cos) {
        free_act(c->rope_lcos, &d, rope);
        free_act(c->rope_lsin, &d, rope);
    }
    free_act(c->rope_cos, &d, rope);
    free_act(c->rope_sin, &d, rope);
    free_act(c->x, &d, (size_t)B * H);
    free_act(c->xn, &d, (size_t)B * H);
    free_act(c->tmp, &d, (size_t)B * H);
    free_act(c->hfin, &d, (size_t)B * H);
    free_act(c->q, &d, (size_t)B * nq);
    free_act(c->att, &d, (size_t)B * nq);
    free_act(c->k, &d, (size_t)B * nkv);
    free_act(c->v, &d, (size_t)B * nkv);
    free_act(c->gate, &d, (size_t)B * cfg->intermediate_size);
    free_act(c->up, &d, (size_t)B * cfg->intermediate_size);
    free_act(c->scores, &d, (size_t)tp_size(c->m->kc.tp) * c->scores_per_thread);
    free_act(c->att_part, &d, (size_t)cfg->n_heads * ATTN_SPLITS * hd);
    free_act(c->att_ml, &d, (size_t)cfg->n_heads * ATTN_SPLITS * 2);
    free(c);
}

ffai_status ffai_context_eval(ffai_context *c, const int32_t *ids, int n, ffai_logits_mode mode, float *logits, ffai_error *err) {
    const model_config *cfg = &c->m->cfg;
    if (n <= 0) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "no tokens to evaluate");
    if (c->pos + n > c->n_ctx)
        return ffai_fail(err, FFAI_ERR_RANGE, "context full: %d tokens cached + %d new exceed the context size %d", c->pos, n, c->n_ctx);
    if (mode != FFAI_LOGITS_NONE && !logits) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "logits buffer is NULL");
    for (int i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= cfg->vocab_size)
            return ffai_fail(err, FFAI_ERR_RANGE, "token id %d at index %d is outside the vocabulary (0..%d)", ids[i], i, cfg->vocab_size - 1);
    int B = CTX_UBATCH < c->n_ctx ? CTX_UBATCH : c->n_ctx;
    for (int off = 0; off < n; off += B) {
        int k = n - off < B ? n - off : B;
        forward_batch(c, ids + off, k);
        if (mode == FFAI_LOGITS_ALL) forward_logits(c, 0, k, logits + (size_t)off * cfg->vocab_size);
        else if (mode == FFAI_LOGITS_LAST && off + k == n) forward_logits(c, k - 1, 1, logits);
    }
    return FFAI_OK;
}

int ffai_context_pos(const ffai_context *c) { return c->pos; }
int ffai_context_size(const ffai_context *c) { return c->n_ctx; }
const ffai_model *ffai_context_model(const ffai_context *c) { return c->m; }

ffai_status ffai_context_rewind(ffai_context *c, int pos, ffai_error *err) {
    if (pos < 0 || pos > c->pos) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "cannot rewind to %d (context holds %d tokens)", pos, c->pos);
    c->pos = pos;
    return FFAI_OK;
}

size_t ffai_context_kv_used_bytes(const ffai_context *c) {
    const model_config *cfg = &c->m->cfg;
    return (size_t)c->pos * cfg->n_kv_heads * cfg->head_dim * c->kv_es * 2 * (size_t)cfg->n_layers;
}

size_t ffai_context_kv_total_bytes(const ffai_context *c) { return c->kv_bytes; }

void ffai_context_op_times(const ffai_context *c, ffai_op_times *out) { *out = c->times; }
void ffai_context_op_times_reset(ffai_context *c) { memset(&c->times, 0, sizeof c->times); }
void ffai_context_add_sampling_time(ffai_context *c, double seconds) { c->times.sampling += seconds; }

int32_t ffai_context_argmax(ffai_context *c, const float *v, int n) { return k_argmax(c->m->kc.tp, v, n); }
