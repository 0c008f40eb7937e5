/* safetensors_write.c — streaming safetensors writer (header first, data in order). */
#include "io/safetensors_write.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "io/atomic_file.h"

#define ST_MAX_HEADER (100u * 1024u * 1024u)

struct st_writer {
    atomic_file af;
    int n, cur;
    uint64_t *ends;     /* [n] cumulative end offset of each tensor */
    uint64_t pos;       /* data bytes written so far */
    const char *path;   /* af.path */
};

size_t st_wspec_bytes(const st_wspec *s) {
    unsigned __int128 b = st_dtype_size(s->dtype);
    for (int d = 0; d < s->ndim; d++) {
        if (s->shape[d] < 0) return 0;
        b *= (unsigned __int128)s->shape[d];
        if (b > (unsigned __int128)SIZE_MAX) return 0;
    }
    return (size_t)b;
}

/* Rank of a dtype in the reference implementation's Dtype enum (its sort key). */
static int dtype_rank(st_dtype dt) {
    switch (dt) {
    case ST_BOOL: return 0;
    case ST_U8: return 1;
    case ST_I8: return 2;
    case ST_I16: return 3;
    case ST_U16: return 4;
    case ST_F16: return 5;
    case ST_BF16: return 6;
    case ST_I32: return 7;
    case ST_U32: return 8;
    case ST_F32: return 9;
    case ST_F64: return 10;
    case ST_I64: return 11;
    case ST_U64: return 12;
    }
    return 0;
}

static int cmp_spec(const void *a, const void *b) {
    const st_wspec *x = a, *y = b;
    int rx = dtype_rank(x->dtype), ry = dtype_rank(y->dtype);
    if (rx != ry) return ry - rx;
    return strcmp(x->name, y->name);
}

void st_wspec_sort(st_wspec *specs, int n) { qsort(specs, (size_t)n, sizeof *specs, cmp_spec); }

/* Builds the header JSON (unpadded) into a malloc'd string; fills w->ends. */
static ffai_status build_header(st_writer *w, const st_wspec *specs, int n, const char *format, char **out, ffai_error *err) {
    json_t *root = json_object();
    ffai_status st = FFAI_OK;
    if (!root) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    if (format) json_object_set_new(root, "__metadata__", json_pack("{s:s}", "format", format));
    uint64_t off = 0;
    for (int i = 0; i < n && !st; i++) {
        const st_wspec *s = &specs[i];
        size_t bytes = st_wspec_bytes(s);
        if (!s->name || !*s->name || strcmp(s->name, "__metadata__") == 0)
            st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: tensor %d has an invalid name", w->path, i);
        else if (s->ndim < 0 || s->ndim > ST_MAX_DIMS || (bytes == 0 && st_dtype_size(s->dtype) == 0))
            st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: tensor %s: bad dtype or rank", w->path, s->name);
        else if (json_object_get(root, s->name))
            st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: tensor %s given twice", w->path, s->name);
        if (st) break;
        int zero_dim = 0;
        for (int d = 0; d < s->ndim; d++) zero_dim |= s->shape[d] == 0;
        if (bytes == 0 && !zero_dim) {
            st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: tensor %s: shape is negative or too large", w->path, s->name);
            break;
        }
        json_t *shape = json_array();
        for (int d = 0; d < s->ndim; d++) json_array_append_new(shape, json_integer(s->shape[d]));
        json_t *e = json_object();
        json_object_set_new(e, "dtype", json_string(st_dtype_name(s->dtype)));
        json_object_set_new(e, "shape", shape);
        json_object_set_new(e, "data_offsets", json_pack("[I,I]", (json_int_t)off, (json_int_t)(off + bytes)));
        if (json_object_set_new(root, s->name, e) != 0) st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: tensor name %s is not valid UTF-8", w->path, s->name);
        off += bytes;
        w->ends[i] = off;
    }
    if (!st) {
        *out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!*out) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    json_decref(root);
    return st;
}

ffai_status st_writer_open(const char *path, const st_wspec *specs, int n, const char *format, st_writer **out, ffai_error *err) {
    *out = NULL;
    if (n < 0) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: negative tensor count", path);
    st_writer *w = calloc(1, sizeof *w);
    if (!w) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    w->af.fd = -1;
    w->n = n;
    w->path = path;
    w->ends = calloc((size_t)n + 1, sizeof *w->ends);
    if (!w->ends) {
        free(w);
        return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    char *hdr = NULL;
    ffai_status st = build_header(w, specs, n, format, &hdr, err);
    size_t hl = hdr ? strlen(hdr) : 0, padded = (hl + 7) / 8 * 8;
    if (!st && padded > ST_MAX_HEADER)
        st = ffai_fail(err, FFAI_ERR_RANGE, "%s: header of %zu bytes exceeds the %u-byte limit", path, padded, ST_MAX_HEADER);
    if (!st) st = af_open(path, &w->af, err);
    if (!st) {
        w->path = w->af.path;
        unsigned char len[8];
        for (int i = 0; i < 8; i++) len[i] = (unsigned char)((uint64_t)padded >> (8 * i));
        st = af_write(&w->af, len, 8, err);
        if (!st) st = af_write(&w->af, hdr, hl, err);
        if (!st) st = af_write(&w->af, "       ", padded - hl, err);
    }
    free(hdr);
    if (st) {
        st_writer_abort(w);
        return st;
    }
    /* skip leading empty tensors so st_writer_current names the first needing bytes */
    while (w->cur < w->n && w->ends[w->cur] == 0) w->cur++;
    *out = w;
    return FFAI_OK;
}

ffai_status st_writer_write(st_writer *w, const void *data, size_t n, ffai_error *err) {
    uint64_t total = w->n ? w->ends[w->n - 1] : 0;
    if (n > total - w->pos)
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: %zu bytes written past the end of the tensor data (%llu bytes)", w->path, n,
                         (unsigned long long)total);
    ffai_status st = af_write(&w->af, data, n, err);
    if (st) return st;
    w->pos += n;
    while (w->cur < w->n && w->ends[w->cur] <= w->pos) w->cur++;
    return FFAI_OK;
}

int st_writer_current(const st_writer *w) { return w->cur; }

ffai_status st_writer_close(st_writer *w, ffai_error *err) {
    uint64_t total = w->n ? w->ends[w->n - 1] : 0;
    if (w->pos != total) {
        ffai_status st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: only %llu of %llu bytes of tensor data were written", w->path,
                                   (unsigned long long)w->pos, (unsigned long long)total);
        st_writer_abort(w);
        return st;
    }
    ffai_status st = af_commit(&w->af, err);
    free(w->ends);
    free(w);
    return st;
}

void st_writer_abort(st_writer *w) {
    if (!w) return;
    af_abort(&w->af);
    free(w->ends);
    free(w);
}
