/* atomic_file.h — writing files through a temp file in the target's directory
 * that is renamed over the target on commit, so no partial file is ever left
 * under the final name; plus small helpers (mkdir -p, copy, whole-file write). */
#ifndef FFAI_IO_ATOMIC_FILE_H
#define FFAI_IO_ATOMIC_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "ffai/status.h"

typedef struct {
    int fd;               /* -1 when closed */
    char *path;           /* final name (owned) */
    char *tmp_path;       /* ".<name>.tmp.<pid>.<n>" beside it (owned) */
    unsigned char *buf;   /* write buffer (owned) */
    size_t buf_len, buf_cap;
    uint64_t written;     /* bytes accepted so far */
    uint64_t on_disk;     /* bytes handed to the kernel so far */
} atomic_file;

/* Creates the temp file beside `path`. On failure (directory missing or not
 * writable) nothing is created and *af is left closed. */
ffai_status af_open(const char *path, atomic_file *af, ffai_error *err);
/* Appends n bytes (buffered). ENOSPC/EDQUOT/EFBIG are reported as disk full. */
ffai_status af_write(atomic_file *af, const void *data, size_t n, ffai_error *err);
/* Flushes, fsyncs, closes and renames the temp file to the final name. Always
 * releases af; on failure the temp file is removed. */
ffai_status af_commit(atomic_file *af, ffai_error *err);
/* Removes the temp file and releases af. Accepts a closed or zeroed af. */
void af_abort(atomic_file *af);

/* Writes a whole file atomically. */
ffai_status io_write_file_atomic(const char *path, const void *data, size_t n, ffai_error *err);
/* Copies src to dst (atomically at dst). */
ffai_status io_copy_file(const char *src, const char *dst, ffai_error *err);
/* Creates a directory and its missing parents (mode 0755). */
ffai_status io_mkdirs(const char *path, ffai_error *err);

#endif
