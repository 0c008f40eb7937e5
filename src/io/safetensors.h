/* safetensors.h — validated, memory-mapped reading of HF safetensors files
 * (single file or sharded through model.safetensors.index.json). */
#ifndef FFAI_IO_SAFETENSORS_H
#define FFAI_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "ffai/status.h"
#include "io/mapped_file.h"

typedef enum {
    ST_F64, ST_F32, ST_F16, ST_BF16, ST_I64, ST_I32, ST_I16, ST_I8, ST_U64, ST_U32, ST_U16, ST_U8, ST_BOOL,
} st_dtype;

#define ST_MAX_DIMS 8

typedef struct {
    char *name;
    st_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    const void *data;  /* points into the mapping */
    size_t nbytes;
    const char *file;  /* the file it lives in (for messages) */
} st_tensor;

typedef struct {
    st_tensor *tensors; /* sorted by name */
    int n;
    mapped_file *files;
    int n_files;
} st_set;

/* Size in bytes of one element of dt. */
size_t st_dtype_size(st_dtype dt);
/* "BF16", "F32", ... */
const char *st_dtype_name(st_dtype dt);

/* Opens one safetensors file and validates it: header length within the file,
 * header JSON well formed, dtypes known, shapes non-negative, offsets inside the
 * data section, byte size = shape x dtype size, no two tensors overlapping.
 * On success the set owns the mapping; free with st_set_free. */
ffai_status st_open_file(const char *path, st_set *set, ffai_error *err);

/* Opens the weights of a model directory: model.safetensors, or the shards named
 * by model.safetensors.index.json (weight_map entries must exist in their shard). */
ffai_status st_open_dir(const char *dir, st_set *set, ffai_error *err);

void st_set_free(st_set *set);

/* Copies every file of the set from its page-cache mapping into private
 * anonymous memory (huge pages where possible) and rebases the tensors.
 * File-backed 4 KiB mappings stop the hardware prefetchers at every page:
 * on the development machine this doubles decode speed (docs/performance.md).
 * The copy is byte-identical: packed formats stay packed. */
ffai_status st_make_resident(st_set *set, ffai_error *err);

/* The tensor named `name`, or NULL. */
const st_tensor *st_find(const st_set *set, const char *name);

/* Total bytes of all tensor data. */
size_t st_total_bytes(const st_set *set);

#endif
