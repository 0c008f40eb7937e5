/* safetensors_write.h — streaming safetensors writer: the header (with every
 * offset) goes first, then tensor data in header order, chunk by chunk, so a
 * model never has to be in memory at once. Written to a temp file beside the
 * target and renamed on success (no partial files). */
#ifndef FFAI_IO_SAFETENSORS_WRITE_H
#define FFAI_IO_SAFETENSORS_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "io/safetensors.h"

/* One tensor to write: name, dtype and shape (its data comes later). */
typedef struct {
    const char *name; /* borrowed; copied by st_writer_open */
    st_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    int tag;          /* caller's data, carried through st_wspec_sort, ignored otherwise */
} st_wspec;

typedef struct st_writer st_writer;

/* Bytes of a tensor of this spec (0 when the product overflows). */
size_t st_wspec_bytes(const st_wspec *s);

/* Sorts specs into the order the reference implementation (HF safetensors
 * `serialize`) lays data out: larger dtype first (U32 before BF16...), then name. */
void st_wspec_sort(st_wspec *specs, int n);

/* Creates a temp file beside `path` and writes the header: "__metadata__":
 * {"format": format} first (omitted when format is NULL), then the tensors in
 * the given order with consecutive data offsets, padded with spaces to a
 * multiple of 8 bytes. Tensor bytes are then expected in that order through
 * st_writer_write. *out is owned by the caller: st_writer_close or _abort. */
ffai_status st_writer_open(const char *path, const st_wspec *specs, int n, const char *format, st_writer **out, ffai_error *err);

/* Appends n bytes of tensor data; a call may span tensor boundaries. Writing
 * past the last tensor's end is an error. */
ffai_status st_writer_write(st_writer *w, const void *data, size_t n, ffai_error *err);

/* Index of the tensor the next byte belongs to (n when all data is written). */
int st_writer_current(const st_writer *w);

/* Checks every byte was written, then commits (fsync + rename). Frees w in all
 * cases; on failure the temp file is removed. */
ffai_status st_writer_close(st_writer *w, ffai_error *err);

/* Drops the temp file and frees w. Accepts NULL. */
void st_writer_abort(st_writer *w);

#endif
