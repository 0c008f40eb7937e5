/* ffai/model.h — loading HF checkpoints and running the forward pass. */
#ifndef FFAI_MODEL_H
#define FFAI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ffai/status.h"

typedef struct ffai_model ffai_model;     /* weights + hyper-parameters (read-only once loaded) */
typedef struct ffai_context ffai_context; /* one sequence: KV cache, scratch, position */

typedef enum {
    FFAI_PRECISION_F32 = 0,  /* exact: f32 activations and accumulation (default) */
    FFAI_PRECISION_BF16 = 1, /* opt-in: bf16 weights meet bf16-rounded activations (AVX-512 BF16) */
    FFAI_PRECISION_INT8 = 2, /* opt-in: affine 4/8-bit weights meet per-group int8 activations (AVX-512 VNNI) */
} ffai_precision;

typedef enum {
    FFAI_KV_F32 = 0, /* exact: keys and values cached as computed (default) */
    FFAI_KV_F16 = 1, /* opt-in: cached as IEEE halves (half the memory and the attention reads; llama.cpp's default) */
} ffai_kv_type;

typedef struct {
    int n_threads;   /* worker threads for the CPU backend; 0 = all cores */
    ffai_precision precision;
    ffai_kv_type kv_type; /* element type of the KV cache of every context of this model */
    bool mmap_only;  /* keep the weights in the file mapping instead of copying them to
                        anonymous (huge-page) memory; faster load, slower inference */
} ffai_model_options;

/* Resolves `model` (a local HF-layout directory, or a hub id "org/name" found
 * in the local HF cache: $HF_HUB_CACHE, else $HF_HOME/hub, else
 * ~/.cache/huggingface/hub) to a directory path written into dir. */
ffai_status ffai_model_resolve(const char *model, char *dir, size_t dir_len, ffai_error *err);

/* Loads config, generation config and weights (memory-mapped, validated).
 * opt may be NULL. *out is owned by the caller: ffai_model_free. */
ffai_status ffai_model_load(const char *model, const ffai_model_options *opt, ffai_model **out, ffai_error *err);
void ffai_model_free(ffai_model *m);

typedef struct {
    const char *dir;          /* resolved directory (owned by the model) */
    const char *model_type;   /* "qwen3", "llama", ... */
    int vocab_size, hidden_size, intermediate_size, n_layers, n_heads, n_kv_heads, head_dim, max_pos;
    size_t weights_bytes;     /* all tensors as stored */
    const char *dtype;        /* "bf16", "f16", "f32" (of the non-quantized tensors) */
    int quant_bits, quant_group; /* 0 when not quantized */
    const int *eos_ids;       /* stop ids from generation_config / config */
    int n_eos;
    int bos_id;               /* -1 if none */
    int n_threads;
    const char *kernels;      /* kernel set in use: "avx512", "avx2", "generic" */
    const char *precision;    /* "f32", "bf16" or "int8" */
    const char *kv_type;      /* "f32" or "f16" */
} ffai_model_info;

void ffai_model_get_info(const ffai_model *m, ffai_model_info *info);

/* Quantization label derived from the weights: "bf16", "f16", "f32", "4bit",
 * "8bit", "4bit-g32" (group size shown when not 64). Static storage in m. */
const char *ffai_model_quant_label(const ffai_model *m);

/* A context of n_ctx positions (<= the model's max positions; 0 = min(max, 4096)).
 * The KV cache and all scratch are allocated here, never while decoding. */
ffai_status ffai_context_create(ffai_model *m, int n_ctx, ffai_context **out, ffai_error *err);
void ffai_context_free(ffai_context *c);

typedef enum {
    FFAI_LOGITS_NONE = 0, /* only fill the cache */
    FFAI_LOGITS_LAST = 1, /* logits (vocab,) of the last token */
    FFAI_LOGITS_ALL = 2,  /* logits (n, vocab) of every token */
} ffai_logits_mode;

/* Appends n tokens at the current position and runs the model over them.
 * logits: caller buffer of vocab or n*vocab floats per mode (NULL with NONE). */
ffai_status ffai_context_eval(ffai_context *c, const int32_t *ids, int n, ffai_logits_mode mode, float *logits, ffai_error *err);

int ffai_context_pos(const ffai_context *c);   /* tokens in the cache */
int ffai_context_size(const ffai_context *c);  /* n_ctx */
/* Rolls the cache back to its first `pos` tokens (0 <= pos <= current). */
ffai_status ffai_context_rewind(ffai_context *c, int pos, ffai_error *err);
/* Bytes of KV cache holding live tokens / allocated in all. */
size_t ffai_context_kv_used_bytes(const ffai_context *c);
size_t ffai_context_kv_total_bytes(const ffai_context *c);
const ffai_model *ffai_context_model(const ffai_context *c);

/* The first index of the maximum of v[0..n) (greedy sampling's token: the same index the
 * sampler's temperature-0 scan picks), the scan split over the model's threads. */
int32_t ffai_context_argmax(ffai_context *c, const float *v, int n);

/* Per-operation time accumulated by a context (seconds). */
typedef struct {
    double matmul, attention, norm, rope, sampling, other;
} ffai_op_times;
/* Adds sampler time to the context's sampling bucket (the generation loop calls it). */
void ffai_context_add_sampling_time(ffai_context *c, double seconds);
void ffai_context_op_times(const ffai_context *c, ffai_op_times *out);
void ffai_context_op_times_reset(ffai_context *c);

/* Bytes the engine holds now (weights resident + KV + scratch) and the peak since the last reset. */
void ffai_mem_usage(size_t *current, size_t *peak);
void ffai_mem_reset_peak(void);

#endif
