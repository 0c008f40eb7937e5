/* config.c — parse HF config.json / generation_config.json into model_config. */
#include "model/config.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "io/mapped_file.h"

static int get_int(json_t *o, const char *k, int def) {
    json_t *v = json_object_get(o, k);
    if (json_is_integer(v)) return (int)json_integer_value(v);
    if (json_is_real(v)) return (int)json_real_value(v);
    return def;
}

static double get_num(json_t *o, const char *k, double def) {
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : def;
}

static bool get_bool(json_t *o, const char *k, bool def) {
    json_t *v = json_object_get(o, k);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

static ffai_status need_int(json_t *o, const char *k, int *out, const char *path, ffai_error *err) {
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: missing required integer field \"%s\"", path, k);
    if (json_integer_value(v) <= 0 || json_integer_value(v) > (1 << 30))
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: field \"%s\" = %lld is out of range", path, k, (long long)json_integer_value(v));
    *out = (int)json_integer_value(v);
    return FFAI_OK;
}

/* Reads one rope block: either the legacy rope_scaling object or a
 * transformers-5 rope_parameters object (which also carries rope_theta). */
static ffai_status parse_rope(json_t *rs, rope_config *r, const char *path, ffai_error *err) {
    if (!json_is_object(rs)) return FFAI_OK;
    r->theta = get_num(rs, "rope_theta", r->theta);
    json_t *t = json_object_get(rs, "rope_type");
    if (!json_is_string(t)) t = json_object_get(rs, "type");
    const char *type = json_is_string(t) ? json_string_value(t) : "default";
    r->factor = get_num(rs, "factor", 1.0);
    if (strcmp(type, "default") == 0) r->kind = ROPE_DEFAULT;
    else if (strcmp(type, "linear") == 0) r->kind = ROPE_LINEAR;
    else if (strcmp(type, "llama3") == 0) {
        r->kind = ROPE_LLAMA3;
        r->low_freq_factor = get_num(rs, "low_freq_factor", 1.0);
        r->high_freq_factor = get_num(rs, "high_freq_factor", 4.0);
        r->original_max_pos = get_int(rs, "original_max_position_embeddings", 8192);
        if (r->high_freq_factor == r->low_freq_factor)
            return ffai_fail(err, FFAI_ERR_FORMAT, "%s: rope_scaling llama3 needs high_freq_factor != low_freq_factor", path);
    } else if (strcmp(type, "yarn") == 0) {
        r->kind = ROPE_YARN;
        r->beta_fast = get_num(rs, "beta_fast", 32.0);
        r->beta_slow = get_num(rs, "beta_slow", 1.0);
        r->attention_factor = get_num(rs, "attention_factor", 0.0);
        r->mscale = get_num(rs, "mscale", 0.0);
        r->mscale_all_dim = get_num(rs, "mscale_all_dim", 0.0);
        r->original_max_pos = get_int(rs, "original_max_position_embeddings", 0);
        r->truncate = get_bool(rs, "truncate", true);
    } else
        return ffai_fail(err, FFAI_ERR_UNSUPPORTED, "%s: rope type '%s' is not supported (supported: default, linear, llama3, yarn)", path, type);
    if (!(r->factor > 0)) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: rope scaling factor must be > 0", path);
    return FFAI_OK;
}

static ffai_status parse_quant(json_t *q, model_config *cfg, const char *path, ffai_error *err) {
    if (!json_is_object(q)) return FFAI_OK;
    cfg->quantized = true;
    cfg->quant.bits = get_int(q, "bits", 4);
    cfg->quant.group_size = get_int(q, "group_size", 64);
    json_t *mode = json_object_get(q, "mode");
    if (json_is_string(mode) && strcmp(json_string_value(mode), "affine") != 0)
        return ffai_fail(err, FFAI_ERR_UNSUPPORTED, "%s: quantization mode '%s' is not supported (supported: affine)", path, json_string_value(mode));
    const char *k;
    json_t *v;
    size_t n = 0;
    json_object_foreach(q, k, v) if (json_is_object(v) || json_is_boolean(v)) n++;
    if (n) {
        cfg->quant_overrides = calloc(n, sizeof *cfg->quant_overrides);
        if (!cfg->quant_overrides) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    json_object_foreach(q, k, v) {
        if (!json_is_object(v) && !json_is_boolean(v)) continue;
        quant_override *o = &cfg->quant_overrides[cfg->n_quant_overrides];
        o->path = strdup(k);
        if (!o->path) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        cfg->n_quant_overrides++;
        if (json_is_object(v)) {
            o->rule.bits = get_int(v, "bits", cfg->quant.bits);
            o->rule.group_size = get_int(v, "group_size", cfg->quant.group_size);
        } else if (json_is_true(v))
            o->rule = cfg->quant;
        else
            o->rule.bits = 0;
    }
    return FFAI_OK;
}

quant_rule cfg_quant_for(const model_config *cfg, const char *module_path) {
    quant_rule none = {0, 0};
    if (!cfg->quantized) return none;
    for (int i = 0; i < cfg->n_quant_overrides; i++)
        if (strcmp(cfg->quant_overrides[i].path, module_path) == 0) return cfg->quant_overrides[i].rule;
    return cfg->quant;
}

static void parse_eos(json_t *v, model_config *cfg) {
    if (json_is_integer(v)) {
        cfg->n_eos = 1;
        cfg->eos_ids[0] = (int)json_integer_value(v);
    } else if (json_is_array(v)) {
        cfg->n_eos = 0;
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (json_is_integer(x) && cfg->n_eos < CFG_MAX_EOS) cfg->eos_ids[cfg->n_eos++] = (int)json_integer_value(x);
    }
}

static ffai_status parse_layer_types(json_t *root, model_config *cfg, const char *path, ffai_error *err) {
    cfg->layer_sliding = calloc((size_t)cfg->n_layers, sizeof(bool));
    if (!cfg->layer_sliding) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    json_t *lt = json_object_get(root, "layer_types");
    if (json_is_array(lt)) {
        if ((int)json_array_size(lt) != cfg->n_layers)
            return ffai_fail(err, FFAI_ERR_FORMAT, "%s: layer_types has %zu entries but num_hidden_layers is %d", path, json_array_size(lt), cfg->n_layers);
        for (int i = 0; i < cfg->n_layers; i++) {
            const char *s = json_string_value(json_array_get(lt, (size_t)i));
            if (!s) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: layer_types[%d] is not a string", path, i);
            if (strcmp(s, "sliding_attention") == 0) cfg->layer_sliding[i] = true;
            else if (strcmp(s, "full_attention") != 0)
                return ffai_fail(err, FFAI_ERR_UNSUPPORTED, "%s: layer_types[%d] '%s' is not supported", path, i, s);
        }
        if (cfg->sliding_window <= 0)
            for (int i = 0; i < cfg->n_layers; i++) cfg->layer_sliding[i] = false;
        return FFAI_OK;
    }
    /* no layer_types: a configured window applies to every layer, unless Qwen's
     * use_sliding_window says it is off */
    bool on = cfg->sliding_window > 0 && get_bool(root, "use_sliding_window", true);
    int pattern = get_int(root, "sliding_window_pattern", get_int(root, "_sliding_window_pattern", 0));
    for (int i = 0; i < cfg->n_layers; i++) cfg->layer_sliding[i] = on && (pattern <= 0 || (i + 1) % pattern != 0);
    return FFAI_OK;
}

ffai_status cfg_load(const char *dir, model_config *cfg, ffai_error *err) {
    memset(cfg, 0, sizeof *cfg);
    cfg->bos_id = -1;
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        if (!io_is_file(path)) return ffai_fail(err, FFAI_ERR_NOT_FOUND, "%s: file not found", path);
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: invalid JSON (%s, line %d column %d)", path, je.text, je.line, je.column);
    }
    ffai_status st = FFAI_OK;
    json_t *cfgobj = root;
    if (!json_is_object(root)) {
        st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: not a JSON object", path);
        goto done;
    }
    /* multimodal wrappers keep the language model under text_config */
    json_t *tc = json_object_get(root, "text_config");
    const char *mt = json_string_value(json_object_get(root, "model_type"));
    if (json_is_object(tc) && mt && (strcmp(mt, "llava") == 0 || strcmp(mt, "gemma3") == 0)) cfgobj = tc;
    mt = json_string_value(json_object_get(cfgobj, "model_type"));
    if (!mt) {
        st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: missing required string field \"model_type\"", path);
        goto done;
    }
    snprintf(cfg->model_type, sizeof cfg->model_type, "%s", mt);
    if ((st = need_int(cfgobj, "vocab_size", &cfg->vocab_size, path, err)) ||
        (st = need_int(cfgobj, "hidden_size", &cfg->hidden_size, path, err)) ||
        (st = need_int(cfgobj, "intermediate_size", &cfg->intermediate_size, path, err)) ||
        (st = need_int(cfgobj, "num_hidden_layers", &cfg->n_layers, path, err)) ||
        (st = need_int(cfgobj, "num_attention_heads", &cfg->n_heads, path, err)))
        goto done;
    cfg->n_kv_heads = get_int(cfgobj, "num_key_value_heads", cfg->n_heads);
    json_t *hd = json_object_get(cfgobj, "head_dim");
    cfg->head_dim = json_is_integer(hd) ? (int)json_integer_value(hd) : cfg->hidden_size / cfg->n_heads;
    if (cfg->n_kv_heads <= 0 || cfg->n_heads % cfg->n_kv_heads != 0) {
        st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: num_key_value_heads (%d) does not divide num_attention_heads (%d)", path, cfg->n_kv_heads, cfg->n_heads);
        goto done;
    }
    if (cfg->head_dim <= 0 || cfg->head_dim % 2 != 0 || cfg->head_dim > MAX_HEAD_DIM) {
        st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: head_dim (%d) must be even and in 2..%d", path, cfg->head_dim, MAX_HEAD_DIM);
        goto done;
    }
    cfg->max_pos = get_int(cfgobj, "max_position_embeddings", 4096);
    cfg->rms_eps = get_num(cfgobj, "rms_norm_eps", 1e-6);
    cfg->tie_embeddings = get_bool(cfgobj, "tie_word_embeddings", get_bool(root, "tie_word_embeddings", false));
    cfg->attention_bias = get_bool(cfgobj, "attention_bias", false);
    cfg->mlp_bias = get_bool(cfgobj, "mlp_bias", false);
    const char *act = json_string_value(json_object_get(cfgobj, "hidden_activation"));
    if (!act) act = json_string_value(json_object_get(cfgobj, "hidden_act"));
    if (!act || strcmp(act, "silu") == 0 || strcmp(act, "swish") == 0) cfg->act = ACT_SILU;
    else if (strcmp(act, "gelu_pytorch_tanh") == 0 || strcmp(act, "gelu_tanh") == 0 || strcmp(act, "gelu_new") == 0) cfg->act = ACT_GELU_TANH;
    else if (strcmp(act, "gelu") == 0) cfg->act = ACT_GELU;
    else {
        st = ffai_fail(err, FFAI_ERR_UNSUPPORTED, "%s: activation '%s' is not supported (supported: silu, gelu, gelu_pytorch_tanh)", path, act);
        goto done;
    }
    json_t *sw = json_object_get(cfgobj, "sliding_window");
    cfg->sliding_window = json_is_integer(sw) ? (int)json_integer_value(sw) : 0;
    cfg->query_pre_attn_scalar = get_num(cfgobj, "query_pre_attn_scalar", 0.0);
    cfg->final_logit_softcap = get_num(cfgobj, "final_logit_softcapping", 0.0);
    cfg->attn_logit_softcap = get_num(cfgobj, "attn_logit_softcapping", 0.0);

    /* rope: legacy keys, then transformers-5 rope_parameters (flat or per layer type) */
    cfg->rope.kind = ROPE_DEFAULT;
    cfg->rope.factor = 1.0;
    cfg->rope.theta = get_num(cfgobj, "rope_theta", 10000.0);
    if ((st = parse_rope(json_object_get(cfgobj, "rope_scaling"), &cfg->rope, path, err))) goto done;
    cfg->rope_local = (rope_config){.kind = ROPE_DEFAULT, .factor = 1.0, .theta = get_num(cfgobj, "rope_local_base_freq", cfg->rope.theta)};
    json_t *rp = json_object_get(cfgobj, "rope_parameters");
    if (json_is_object(rp)) {
        json_t *full = json_object_get(rp, "full_attention"), *slide = json_object_get(rp, "sliding_attention");
        if (json_is_object(full) || json_is_object(slide)) {
            if ((st = parse_rope(full, &cfg->rope, path, err))) goto done;
            if ((st = parse_rope(slide, &cfg->rope_local, path, err))) goto done;
        } else if ((st = parse_rope(rp, &cfg->rope, path, err)))
            goto done;
    }
    if ((st = parse_layer_types(cfgobj, cfg, path, err))) goto done;
    if ((st = parse_quant(json_object_get(root, "quantization"), cfg, path, err))) goto done;
    const char *dt = json_string_value(json_object_get(root, "torch_dtype"));
    if (!dt) dt = json_string_value(json_object_get(root, "dtype"));
    snprintf(cfg->torch_dtype, sizeof cfg->torch_dtype, "%s", dt ? dt : "");
    cfg->bos_id = get_int(cfgobj, "bos_token_id", -1);
    parse_eos(json_object_get(cfgobj, "eos_token_id"), cfg);

    /* generation_config.json overrides the stop ids (int or list) */
    snprintf(path, sizeof path, "%s/generation_config.json", dir);
    if (io_is_file(path)) {
        json_t *gen = json_load_file(path, 0, &je);
        if (!gen) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: invalid JSON (%s, line %d column %d)", path, je.text, je.line, je.column);
            goto done;
        }
        parse_eos(json_object_get(gen, "eos_token_id"), cfg);
        if (json_is_integer(json_object_get(gen, "bos_token_id"))) cfg->bos_id = (int)json_integer_value(json_object_get(gen, "bos_token_id"));
        json_decref(gen);
    }
done:
    json_decref(root);
    if (st) cfg_free(cfg);
    return st;
}

void cfg_free(model_config *cfg) {
    if (!cfg) return;
    free(cfg->layer_sliding);
    for (int i = 0; i < cfg->n_quant_overrides; i++) free(cfg->quant_overrides[i].path);
    free(cfg->quant_overrides);
    cfg->layer_sliding = NULL;
    cfg->quant_overrides = NULL;
    cfg->n_quant_overrides = 0;
}
