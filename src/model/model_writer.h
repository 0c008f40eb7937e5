/* model_writer.h — writes a model's tensors to one safetensors file, streaming:
 * each tensor is produced in row chunks by a caller callback (or copied from
 * bytes already in place) and, when asked, MLX-affine-quantized on the way
 * into .weight (U32 codes) + .scales + .biases. Used by quantize and synth. */
#ifndef FFAI_MODEL_MODEL_WRITER_H
#define FFAI_MODEL_MODEL_WRITER_H

#include "io/safetensors_write.h"

typedef struct {
    const char *name;          /* output name; "<prefix>.weight" when quantized */
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    st_dtype dtype;            /* stored dtype (of the tensor, or of scales/biases when quantized) */
    int bits, group;           /* 0 = not quantized; else 2-D with shape[1] % group == 0 */
    const void *raw;           /* not quantized: bytes in dtype to copy verbatim (NULL = use the callback) */
} mw_tensor;

/* Fills rows [r0, r0 + n) of t as float32 (n x cols, cols = the last dim,
 * rows = the product of the others; a 1-D tensor is one row). */
typedef ffai_status (*mw_rows_fn)(void *ctx, int index, const mw_tensor *t, int64_t r0, int64_t n, float *out, ffai_error *err);

typedef enum {
    MW_ORDER_REFERENCE, /* the reference safetensors layout: larger dtype first, then by name */
    MW_ORDER_GROUPED,   /* the given order; a quantized tensor's .weight, .scales, .biases together (one pass) */
} mw_order;

/* Writes path atomically. format: "__metadata__" format ("pt", "mlx") or NULL. */
ffai_status mw_write(const char *path, const mw_tensor *ts, int n, mw_order order, const char *format, mw_rows_fn rows, void *ctx,
                     ffai_error *err);

#endif
