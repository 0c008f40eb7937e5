/* affine_quant.h — MLX affine quantization of one weight row (the exact rule of
 * mlx.core.quantize, mode "affine"), and float row conversions to/from the
 * safetensors float dtypes. Shared by `ffai quantize` and `ffai synth`. */
#ifndef FFAI_MODEL_AFFINE_QUANT_H
#define FFAI_MODEL_AFFINE_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/safetensors.h"

/* bits in {2,3,4,5,6,8}, group in {32,64,128}. */
bool aq_supported(int bits, int group);

/* Quantizes w (cols,) in groups of `group` consecutive values, in float32:
 *   n = 2^bits - 1; s = max((max - min) / n, 1e-7);
 *   |min| > |max| ? edge = min : (edge = max, s = -s);
 *   q0 = rint(edge / s); q0 != 0 ? (s = edge / q0, bias = edge) : bias = 0;
 *   q = clamp(rint((w - bias) / s), 0, n).
 * codes (cols*bits/8 bytes): one little-endian bit stream, lowest bits first
 * (= MLX's uint32 packing for 2/4/8 bits and its byte triplets/quintets for
 * 3/5/6). scales, biases (cols/group,): float32, rounded by the caller to the
 * storage dtype. Requires cols % group == 0. */
void aq_quantize_row(const float *w, int cols, int bits, int group, uint8_t *codes, float *scales, float *biases);

/* Converts n elements of a float dtype (F32/F16/BF16) to float32 / back
 * (round to nearest even). Returns false for other dtypes. */
bool aq_load_f32(st_dtype dt, const void *src, size_t n, float *out);
bool aq_store(st_dtype dt, const float *src, size_t n, void *out);
/* Rounds x in place to the values dtype dt can hold (F16/BF16; F32 unchanged). */
void aq_round(st_dtype dt, float *x, size_t n);

#endif
