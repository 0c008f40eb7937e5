/* mapped_file.h — read-only memory-mapped files and whole-file reads. */
#ifndef FFAI_IO_MAPPED_FILE_H
#define FFAI_IO_MAPPED_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "ffai/status.h"

typedef struct {
    const unsigned char *data; /* the file's bytes (NULL when size is 0) */
    size_t size;
    char *path;                /* owned copy of the path */
    void *map_base;            /* when data sits inside a larger mapping (mf_make_resident): its start and length */
    size_t map_len;
} mapped_file;

/* Maps path read-only. On success *mf owns the mapping; release with mf_close. */
ffai_status mf_open(const char *path, mapped_file *mf, ffai_error *err);
void mf_close(mapped_file *mf);

/* Reads a whole file into a NUL-terminated malloc'd buffer (caller frees). */
ffai_status io_read_file(const char *path, char **out, size_t *len, ffai_error *err);

/* Replaces the mapping by a private anonymous copy read from the file, backed
 * by transparent huge pages where the kernel allows, placed so that file offset
 * `align_at` lands on a 64-byte boundary (the kernels' vector loads then stay
 * within cache lines). Returns the byte offset delta (new - old) through *moved
 * so callers can rebase pointers. */
ffai_status mf_make_resident(mapped_file *mf, size_t align_at, ptrdiff_t *moved, ffai_error *err);

/* 1 if path is an existing directory / regular file, else 0. */
int io_is_dir(const char *path);
int io_is_file(const char *path);

#endif
