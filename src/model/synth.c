/* synth.c — `ffai synth`: a random-weight model with the exact shapes and
 * hyper-parameters of a known one (presets in synth_presets.c), written
 * tensor by tensor, optionally MLX-affine-quantized as it is generated. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ffai/quantize.h"
#include "io/atomic_file.h"
#include "io/json_write.h"
#include "io/mapped_file.h"
#include "model/affine_quant.h"
#include "model/arch.h"
#include "model/model_writer.h"
#include "model/quantize_internal.h"
#include "model/synth_presets.h"

#define SYNTH_STD 0.02f

const char *ffai_synth_preset_name(int i, bool *test_only) {
    const synth_preset *p = sp_get(i);
    if (test_only) *test_only = p ? p->test_only : false;
    return p ? p->name : NULL;
}

/* ---- config.json / generation_config.json ---- */

static json_t *eos_value(const synth_preset *p) {
    if (p->n_gen_eos == 1) return json_integer(p->gen_eos[0]);
    json_t *a = json_array();
    for (int i = 0; i < p->n_gen_eos; i++) json_array_append_new(a, json_integer(p->gen_eos[i]));
    return a;
}

static json_t *build_config(const synth_preset *p, const char *torch_dtype) {
    bool llama = strcmp(p->model_type, "llama") == 0, gemma = strcmp(p->model_type, "gemma3_text") == 0;
    bool qwen2 = strcmp(p->model_type, "qwen2") == 0, qwen3 = strcmp(p->model_type, "qwen3") == 0;
    json_t *c = json_object();
    json_object_set_new(c, "architectures", json_pack("[s]", p->architecture));
    if (!qwen2) json_object_set_new(c, "attention_bias", json_false());
    json_object_set_new(c, "attention_dropout", json_real(0.0));
    json_object_set_new(c, "bos_token_id", json_integer(p->bos));
    json_object_set_new(c, "eos_token_id", p->cfg_eos_list ? eos_value(p) : json_integer(p->eos));
    if (p->emit_head_dim) json_object_set_new(c, "head_dim", json_integer(p->head_dim));
    json_object_set_new(c, gemma ? "hidden_activation" : "hidden_act", json_string(gemma ? "gelu_pytorch_tanh" : "silu"));
    json_object_set_new(c, "hidden_size", json_integer(p->hidden));
    json_object_set_new(c, "initializer_range", json_real(0.02));
    json_object_set_new(c, "intermediate_size", json_integer(p->intermediate));
    json_object_set_new(c, "max_position_embeddings", json_integer(p->max_pos));
    json_object_set_new(c, "model_type", json_string(p->model_type));
    json_object_set_new(c, "num_attention_heads", json_integer(p->heads));
    json_object_set_new(c, "num_hidden_layers", json_integer(p->layers));
    json_object_set_new(c, "num_key_value_heads", json_integer(p->kv_heads));
    json_object_set_new(c, "rms_norm_eps", json_real(p->rms_eps));
    if (p->llama3_factor > 0)
        json_object_set_new(c, "rope_scaling",
                            json_pack("{s:f,s:f,s:f,s:i,s:s}", "factor", p->llama3_factor, "high_freq_factor", p->high_freq_factor,
                                      "low_freq_factor", p->low_freq_factor, "original_max_position_embeddings", p->original_max_pos,
                                      "rope_type", "llama3"));
    else
        json_object_set_new(c, "rope_scaling", json_null());
    json_object_set_new(c, "rope_theta", json_real(p->rope_theta));
    json_object_set_new(c, "tie_word_embeddings", json_boolean(p->tie));
    json_object_set_new(c, "torch_dtype", json_string(torch_dtype));
    json_object_set_new(c, "use_cache", json_true());
    json_object_set_new(c, "vocab_size", json_integer(p->vocab));
    if (llama) {
        json_object_set_new(c, "mlp_bias", json_false());
        json_object_set_new(c, "pretraining_tp", json_integer(1));
    }
    if (qwen2 || qwen3) {
        json_object_set_new(c, "max_window_layers", json_integer(p->max_window_layers));
        json_object_set_new(c, "sliding_window", p->sliding_window ? json_integer(p->sliding_window) : json_null());
        json_object_set_new(c, "use_sliding_window", json_false());
    }
    if (gemma) {
        json_object_set_new(c, "attn_logit_softcapping", json_null());
        json_object_set_new(c, "final_logit_softcapping", json_null());
        json_object_set_new(c, "pad_token_id", json_integer(0));
        json_object_set_new(c, "query_pre_attn_scalar", json_real(p->query_pre_attn_scalar));
        json_object_set_new(c, "rope_local_base_freq", json_real(p->rope_local_theta));
        json_object_set_new(c, "sliding_window", json_integer(p->sliding_window));
        json_object_set_new(c, "sliding_window_pattern", json_integer(p->sliding_pattern));
        json_t *lt = json_array();
        for (int i = 0; i < p->layers; i++)
            json_array_append_new(lt, json_string((i + 1) % p->sliding_pattern == 0 ? "full_attention" : "sliding_attention"));
        json_object_set_new(c, "layer_types", lt);
    }
    return c;
}

static ffai_status write_json(const char *path, json_t *v, const char *append_quant, int bits, int group, ffai_error *err) {
    char *text = jw_dump(v, 2, true);
    if (!text) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    if (append_quant) {
        char *q = qz_config_with_quant(text, bits, group);
        free(text);
        if (!q) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        text = q;
    }
    ffai_status st = io_write_file_atomic(path, text, strlen(text), err);
    free(text);
    return st;
}

/* ---- tensors ---- */

typedef enum { FILL_NORMAL, FILL_ONES, FILL_ZEROS } fill_kind;

typedef struct {
    char name[96];
    int64_t d0, d1; /* d1 = 0: 1-D */
    fill_kind fill;
} synth_entry;

typedef struct {
    synth_entry *e;  /* build list, then sorted by name */
    int n, cap;
    mw_tensor *ts;   /* [n] in e's order */
    uint64_t seed;
} synth_list;

static void add(synth_list *l, const char *name, int64_t d0, int64_t d1, fill_kind f) {
    if (l->n == l->cap) return;
    synth_entry *e = &l->e[l->n++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->d0 = d0;
    e->d1 = d1;
    e->fill = f;
}

static void build_tensors(const synth_preset *p, unsigned flags, synth_list *l) {
    int H = p->hidden, hd = p->head_dim, nq = p->heads * hd, nkv = p->kv_heads * hd, I = p->intermediate;
    fill_kind norm = (flags & ARCH_NORM_PLUS_ONE) ? FILL_ZEROS : FILL_ONES; /* (1 + w) norms: w = 0 is identity */
    char n[96];
    add(l, "model.embed_tokens.weight", p->vocab, H, FILL_NORMAL);
    add(l, "model.norm.weight", H, 0, norm);
    if (!p->tie) add(l, "lm_head.weight", p->vocab, H, FILL_NORMAL);
    for (int i = 0; i < p->layers; i++) {
#define T(sub, d0, d1, f)                                  \
    snprintf(n, sizeof n, "model.layers.%d.%s", i, sub);   \
    add(l, n, d0, d1, f);
        T("input_layernorm.weight", H, 0, norm)
        T("self_attn.q_proj.weight", nq, H, FILL_NORMAL)
        T("self_attn.k_proj.weight", nkv, H, FILL_NORMAL)
        T("self_attn.v_proj.weight", nkv, H, FILL_NORMAL)
        T("self_attn.o_proj.weight", H, nq, FILL_NORMAL)
        if (flags & ARCH_QKV_BIAS) {
            T("self_attn.q_proj.bias", nq, 0, FILL_ZEROS)
            T("self_attn.k_proj.bias", nkv, 0, FILL_ZEROS)
            T("self_attn.v_proj.bias", nkv, 0, FILL_ZEROS)
        }
        if (flags & ARCH_QK_NORM) {
            T("self_attn.q_norm.weight", hd, 0, norm)
            T("self_attn.k_norm.weight", hd, 0, norm)
        }
        T("post_attention_layernorm.weight", H, 0, norm)
        if (flags & ARCH_SANDWICH_NORM) {
            T("pre_feedforward_layernorm.weight", H, 0, norm)
            T("post_feedforward_layernorm.weight", H, 0, norm)
        }
        T("mlp.gate_proj.weight", I, H, FILL_NORMAL)
        T("mlp.up_proj.weight", I, H, FILL_NORMAL)
        T("mlp.down_proj.weight", H, I, FILL_NORMAL)
#undef T
    }
}

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Row r of a tensor: normal(0, SYNTH_STD) by Box-Muller from a stream seeded by
 * (seed, tensor name, r), so any row can be produced on its own. */
static ffai_status synth_rows(void *ctx, int index, const mw_tensor *t, int64_t r0, int64_t n, float *out, ffai_error *err) {
    (void)err;
    const synth_list *l = ctx;
    int64_t cols = t->shape[t->ndim - 1];
    fill_kind f = l->e[index].fill;
    if (f != FILL_NORMAL) {
        for (int64_t i = 0; i < n * cols; i++) out[i] = f == FILL_ONES ? 1.0f : 0.0f;
        return FFAI_OK;
    }
    uint64_t base = l->seed ^ fnv1a(t->name);
    const float two_pi = 6.28318530717958647692f;
    for (int64_t r = 0; r < n; r++) {
        uint64_t s = base + (uint64_t)(r0 + r) * 0xd1342543de82ef95ull;
        splitmix64(&s);
        float *o = out + r * cols;
        for (int64_t c = 0; c < cols; c += 2) {
            uint64_t x = splitmix64(&s);
            float u1 = (float)((x >> 40) + 1) * (1.0f / 16777216.0f); /* (0, 1] */
            float u2 = (float)(x & 0xffffffu) * (1.0f / 16777216.0f);  /* [0, 1) */
            float rad = sqrtf(-2.0f * logf(u1)) * SYNTH_STD;
            o[c] = rad * cosf(two_pi * u2);
            if (c + 1 < cols) o[c + 1] = rad * sinf(two_pi * u2);
        }
    }
    /* values as the stored dtype holds them, so quantizing them here gives what
     * `ffai quantize` gives for the unquantized synth model */
    aq_round(t->dtype, out, (size_t)(n * cols));
    return FFAI_OK;
}

static int cmp_entry(const void *a, const void *b) { return strcmp(((const synth_entry *)a)->name, ((const synth_entry *)b)->name); }

static ffai_status write_weights(const synth_preset *p, const ffai_synth_options *opt, st_dtype dt, const char *path, ffai_error *err) {
    const arch_info *arch = arch_find(p->model_type, err);
    if (!arch) return FFAI_ERR_UNSUPPORTED;
    synth_list l = {.cap = 16 + p->layers * 16, .seed = opt->seed};
    l.e = calloc((size_t)l.cap, sizeof *l.e);
    l.ts = calloc((size_t)l.cap, sizeof *l.ts);
    ffai_status st = FFAI_OK;
    if (!l.e || !l.ts) {
        st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        goto done;
    }
    build_tensors(p, arch->flags, &l);
    qsort(l.e, (size_t)l.n, sizeof *l.e, cmp_entry); /* name order, as HF writes */
    for (int i = 0; i < l.n; i++) {
        mw_tensor *t = &l.ts[i];
        t->name = l.e[i].name;
        t->ndim = l.e[i].d1 ? 2 : 1;
        t->shape[0] = l.e[i].d0;
        t->shape[1] = l.e[i].d1;
        t->dtype = dt;
        if (opt->bits && qz_should_quantize(t->name, t->ndim, t->shape, dt, opt->group_size)) {
            t->bits = opt->bits;
            t->group = opt->group_size;
        }
    }
    /* quantized: each tensor's codes, scales, biases together (one generation pass) */
    st = mw_write(path, l.ts, l.n, opt->bits ? MW_ORDER_GROUPED : MW_ORDER_REFERENCE, opt->bits ? "mlx" : "pt", synth_rows, &l, err);
done:
    free(l.ts);
    free(l.e);
    return st;
}

ffai_status ffai_model_synth(const char *out_dir, const ffai_synth_options *opt, ffai_error *err) {
    const synth_preset *p = opt && opt->like ? sp_find(opt->like) : NULL;
    if (!p) {
        char list[512] = "";
        for (int i = 0; sp_get(i); i++) {
            strcat(list, i ? ", " : "");
            strcat(list, sp_get(i)->name);
        }
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "unknown preset '%s' (known: %s)", opt && opt->like ? opt->like : "", list);
    }
    const char *dts = opt->dtype ? opt->dtype : "bf16";
    st_dtype dt;
    const char *torch_dtype;
    if (strcmp(dts, "bf16") == 0) dt = ST_BF16, torch_dtype = "bfloat16";
    else if (strcmp(dts, "f16") == 0) dt = ST_F16, torch_dtype = "float16";
    else if (strcmp(dts, "f32") == 0) dt = ST_F32, torch_dtype = "float32";
    else return ffai_fail(err, FFAI_ERR_INVALID_ARG, "dtype '%s' is not supported (bf16, f16, f32)", dts);
    if (opt->bits && !aq_supported(opt->bits, opt->group_size))
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%d-bit group %d is not supported (bits 2, 3, 4, 5, 6, 8; group size 32, 64, 128)", opt->bits,
                         opt->group_size);
    char path[4200];
    if (opt->tokenizer_dir) {
        snprintf(path, sizeof path, "%s/tokenizer.json", opt->tokenizer_dir);
        if (!io_is_file(path)) return ffai_fail(err, FFAI_ERR_NOT_FOUND, "%s: not found (--tokenizer must name a directory with tokenizer.json)", path);
    }
    ffai_status st = qz_prepare_out_dir(NULL, out_dir, opt->overwrite, err);
    if (st) return st;
    if (!opt->config_only) {
        snprintf(path, sizeof path, "%s/model.safetensors", out_dir);
        if ((st = write_weights(p, opt, dt, path, err))) return st;
    }
    json_t *cfg = build_config(p, torch_dtype);
    json_t *gen = json_pack("{s:i}", "bos_token_id", p->bos);
    json_object_set_new(gen, "eos_token_id", eos_value(p));
    snprintf(path, sizeof path, "%s/config.json", out_dir);
    st = write_json(path, cfg, opt->bits ? "quant" : NULL, opt->bits, opt->group_size, err);
    snprintf(path, sizeof path, "%s/generation_config.json", out_dir);
    if (!st) st = write_json(path, gen, NULL, 0, 0, err);
    json_decref(cfg);
    json_decref(gen);
    static const char *const TOK_FILES[] = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja"};
    for (int i = 0; i < 4 && !st && opt->tokenizer_dir; i++) {
        char src[4200];
        snprintf(src, sizeof src, "%s/%s", opt->tokenizer_dir, TOK_FILES[i]);
        snprintf(path, sizeof path, "%s/%s", out_dir, TOK_FILES[i]);
        if (io_is_file(src)) st = io_copy_file(src, path, err);
    }
    return st;
}
