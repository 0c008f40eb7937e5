/* ffai/quantize.h — writing model checkpoints: MLX affine quantization of an
 * existing model (`ffai quantize`) and random-weight models with the exact
 * shapes and hyper-parameters of known ones (`ffai synth`). */
#ifndef FFAI_QUANTIZE_H
#define FFAI_QUANTIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ffai/status.h"

typedef struct {
    int bits;        /* 2, 3, 4, 5, 6 or 8 */
    int group_size;  /* 32, 64 or 128 */
    bool overwrite;  /* replace a model already in out_dir (default: refuse) */
} ffai_quantize_options;

typedef struct {
    int n_quantized;         /* source tensors quantized */
    int n_kept;              /* tensors copied as they are (norms, biases, odd shapes) */
    size_t bytes_in, bytes_out; /* tensor data read / written */
} ffai_quantize_stats;

/* Writes an MLX affine-quantized copy of `model` (a directory or hub id, see
 * ffai_model_resolve) into out_dir (created if missing): model.safetensors
 * with every 2-D ".weight" whose input dim is a multiple of the group size
 * replaced by U32 codes + .scales + .biases (in the source dtype), tensor
 * layout as the reference safetensors writer; config.json = the source's with
 * "quantization" and "quantization_config" appended; tokenizer and generation
 * files copied. An already-quantized source is refused (FFAI_ERR_UNSUPPORTED).
 * Every file is written to a temp name and renamed, weights first. stats may be NULL. */
ffai_status ffai_model_quantize(const char *model, const char *out_dir, const ffai_quantize_options *opt, ffai_quantize_stats *stats,
                                ffai_error *err);

typedef struct {
    const char *like;          /* preset name (see ffai_synth_preset_name) */
    const char *dtype;         /* "bf16" (NULL = bf16), "f16" or "f32" */
    int bits, group_size;      /* bits 0 = not quantized; else as ffai_quantize_options */
    const char *tokenizer_dir; /* copy tokenizer.json / tokenizer_config.json from here; NULL = none */
    uint64_t seed;
    bool config_only;          /* write config.json + generation_config.json only */
    bool overwrite;            /* replace a model already in out_dir */
} ffai_synth_options;

/* Writes a random-weight model shaped like the preset into out_dir: weights
 * normal(0, 0.02) from a seeded PRNG (norm weights at identity, linear biases
 * 0), generated and written tensor by tensor. */
ffai_status ffai_model_synth(const char *out_dir, const ffai_synth_options *opt, ffai_error *err);

/* Preset i's name, or NULL past the end; `test_only` tells whether it is a
 * tiny preset meant for tests rather than a real model. */
const char *ffai_synth_preset_name(int i, bool *test_only);

#endif
