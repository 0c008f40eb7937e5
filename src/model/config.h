/* config.h — a model's hyper-parameters, parsed from HF config.json and
 * generation_config.json (both the transformers 4 and 5 layouts). */
#ifndef FFAI_MODEL_CONFIG_H
#define FFAI_MODEL_CONFIG_H

#include <stdbool.h>

#include "ffai/status.h"

typedef enum { ROPE_DEFAULT, ROPE_LINEAR, ROPE_LLAMA3, ROPE_YARN } rope_kind;

typedef struct {
    rope_kind kind;
    double theta;
    double factor;
    double low_freq_factor, high_freq_factor; /* llama3 */
    int original_max_pos;                     /* llama3, yarn */
    double beta_fast, beta_slow;              /* yarn */
    double attention_factor;                  /* yarn: 0 = derive from factor */
    double mscale, mscale_all_dim;            /* yarn (deepseek-style), 0 = unused */
    bool truncate;                            /* yarn: round the correction range (default true) */
} rope_config;

typedef enum { ACT_SILU, ACT_GELU_TANH, ACT_GELU } act_kind;

/* One quantization rule: bits 0 = not quantized. */
typedef struct {
    int bits, group_size;
} quant_rule;

typedef struct {
    char *path;      /* module path, e.g. "model.layers.0.mlp.down_proj" */
    quant_rule rule;
} quant_override;

#define CFG_MAX_EOS 8

typedef struct {
    char model_type[32];
    int vocab_size, hidden_size, intermediate_size;
    int n_layers, n_heads, n_kv_heads, head_dim;
    int max_pos;
    double rms_eps;
    rope_config rope;        /* global (full-attention) layers */
    rope_config rope_local;  /* sliding layers when they use their own base (gemma3) */
    bool tie_embeddings;
    bool attention_bias, mlp_bias;
    act_kind act;
    int sliding_window;      /* 0 = none */
    bool *layer_sliding;     /* [n_layers]: true where the layer uses the sliding window */
    double query_pre_attn_scalar; /* 0 = head_dim */
    double final_logit_softcap, attn_logit_softcap; /* 0 = off */
    bool quantized;
    quant_rule quant;        /* default rule from "quantization" */
    quant_override *quant_overrides;
    int n_quant_overrides;
    int bos_id;              /* -1 when absent */
    int eos_ids[CFG_MAX_EOS];
    int n_eos;
    char torch_dtype[16];
} model_config;

#define MAX_HEAD_DIM 1024 /* the largest head_dim cfg_load accepts (per-head stack buffers) */

/* Parses <dir>/config.json (and generation_config.json when present).
 * Required fields missing or inconsistent -> FFAI_ERR_FORMAT naming the field.
 * `arch_defaults` is applied by the arch layer afterwards (see arch.h). */
ffai_status cfg_load(const char *dir, model_config *cfg, ffai_error *err);
void cfg_free(model_config *cfg);

/* The quantization rule for a module path ("model.layers.3.self_attn.q_proj"). */
quant_rule cfg_quant_for(const model_config *cfg, const char *module_path);

#endif
