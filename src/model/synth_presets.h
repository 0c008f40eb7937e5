/* synth_presets.h — hyper-parameters of known models (as published in their
 * HF config.json / generation_config.json) for `ffai synth`, plus tiny test-only presets. */
#ifndef FFAI_MODEL_SYNTH_PRESETS_H
#define FFAI_MODEL_SYNTH_PRESETS_H

#include <stdbool.h>

typedef struct {
    const char *name;          /* "llama-3.2-1b" */
    const char *source;        /* the HF repo the numbers come from */
    const char *model_type;    /* "llama", "qwen2", "qwen3", "gemma3_text" */
    const char *architecture;  /* "LlamaForCausalLM" */
    int hidden, intermediate, layers, heads, kv_heads;
    int head_dim;              /* written to config.json when emit_head_dim */
    bool emit_head_dim;
    int vocab, max_pos;
    double rope_theta, rms_eps;
    double llama3_factor;      /* > 0: rope_scaling llama3 with the next three */
    double low_freq_factor, high_freq_factor;
    int original_max_pos;
    bool tie;
    int bos;                   /* config.json / generation_config.json */
    int eos;                   /* config.json (unless cfg_eos_list) */
    bool cfg_eos_list;         /* config.json's eos_token_id is the gen_eos list */
    int gen_eos[4], n_gen_eos; /* generation_config.json */
    int sliding_window;        /* qwen2: configured but off; gemma3: on for sliding layers */
    int sliding_pattern;       /* gemma3: every Nth layer is full attention */
    int max_window_layers;     /* qwen2/qwen3 */
    double rope_local_theta;   /* gemma3 */
    double query_pre_attn_scalar; /* gemma3 */
    bool test_only;            /* tiny shapes for the test suite, not a real model */
} synth_preset;

/* The preset named `name`, or NULL. */
const synth_preset *sp_find(const char *name);
/* Preset i, or NULL past the end. */
const synth_preset *sp_get(int i);

#endif
