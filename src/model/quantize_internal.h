/* quantize_internal.h — pieces of `ffai quantize` that `ffai synth` reuses. */
#ifndef FFAI_MODEL_QUANTIZE_INTERNAL_H
#define FFAI_MODEL_QUANTIZE_INTERNAL_H

#include <stdbool.h>

#include "ffai/status.h"
#include "io/safetensors.h"

/* The tensors `quantize` (and a quantized `synth`) turn into codes + scales +
 * biases: 2-D float ".weight" whose input dim (shape[1]) is a multiple of group
 * (linear layers, embeddings). Norms and biases stay as they are. */
bool qz_should_quantize(const char *name, int ndim, const int64_t *shape, st_dtype dt, int group);

/* Creates out_dir and refuses to clobber a model in it unless overwrite, or
 * to write into src_dir itself (src_dir may be NULL). */
ffai_status qz_prepare_out_dir(const char *src_dir, const char *out_dir, bool overwrite, ffai_error *err);

/* config.json text with "quantization" and "quantization_config" objects
 * ({"group_size", "bits", "mode": "affine"}) appended after the existing keys,
 * keeping the original text byte for byte. malloc'd; NULL when out of memory
 * or when text has no closing brace. */
char *qz_config_with_quant(const char *text, int bits, int group);

/* Copies generation config, tokenizer and template files (*.json but config
 * and the index, *.txt, *.jinja, *.model, *.tiktoken) from src_dir to out_dir. */
ffai_status qz_copy_side_files(const char *src_dir, const char *out_dir, ffai_error *err);

#endif
