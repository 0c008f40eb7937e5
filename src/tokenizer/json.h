/* json.h — a small, fast JSON reader for tokenizer files: a read-only tree over the
 * caller's buffer, strings unescaped in place (jansson is ~10x too slow for 17 MB files). */
#ifndef FFAI_TOKENIZER_JSON_H
#define FFAI_TOKENIZER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ffai/status.h"

typedef enum { TJ_NULL, TJ_BOOL, TJ_NUM, TJ_STR, TJ_ARR, TJ_OBJ, TJ_RAW } tj_type;

typedef struct tj_val tj_val;
struct tj_val {
    uint8_t type;       /* tj_type */
    bool b;             /* TJ_BOOL */
    uint32_t n;         /* TJ_STR: byte length; TJ_ARR/TJ_OBJ: number of children */
    union {
        double num;         /* TJ_NUM */
        const char *str;    /* TJ_STR: NUL-terminated (may also contain NUL bytes: use n);
                               TJ_RAW: the container text a raw handler consumed, n bytes */
        tj_val *items;      /* TJ_ARR/TJ_OBJ: n children, in document order */
    };
    const char *key;    /* object members: the key (NUL-terminated), else NULL */
    uint32_t key_len;
    uint32_t count;     /* TJ_RAW: number of elements the handler saw */
};

typedef struct tj_block tj_block;
typedef struct {
    tj_val *root;
    tj_block *blocks; /* arena holding every tj_val */
} tj_doc;

/* Streaming reader over one container, with no tree built. */
typedef struct {
    char *p, *end;
    const char *what;
    ffai_error *err;
    char close;     /* ']' or '}' */
    bool first, done;
    bool pending;   /* the last element was a container not read yet */
    uint32_t count; /* elements read so far */
    ffai_status st;
} tj_stream;

/* Called while parsing when the container member named by `path` ("parent.child", at
 * depth 2, e.g. "model.merges") is reached: it reads the elements from `s` (any it leaves
 * are skipped) and returns FFAI_OK or an error (with `err` filled) that aborts the parse.
 * The member then appears in the tree as TJ_RAW with `count` elements. Used for the huge
 * vocab / merges of tokenizer.json, which are consumed in one pass with no tree. */
typedef struct {
    const char *path;
    ffai_status (*fn)(void *ctx, tj_stream *s, ffai_error *err);
    void *ctx;
} tj_raw_handler;

/* Parses buf[0..len) in place (strings are unescaped into the buffer, which must have
 * len+1 writable bytes with buf[len] == 0 and outlive the doc and any string taken from
 * it). `what` names the file in error messages. On failure returns FFAI_ERR_FORMAT (or
 * NOMEM, or a handler's status) with line/column. `raw` may be NULL. */
ffai_status tj_parse(char *buf, size_t len, tj_doc *doc, const char *what, const tj_raw_handler *raw, size_t n_raw,
                     ffai_error *err);

/* Next element of a stream: true with *v filled (strings unescaped in place; for objects
 * v->key / v->key_len set), false at the end or on error (then s->st != FFAI_OK). A nested
 * container comes back as TJ_ARR / TJ_OBJ with no children: read it with tj_stream_child
 * before the next call on s, or it is skipped. */
bool tj_stream_next(tj_stream *s, tj_val *v);
/* Starts reading the nested container that tj_stream_next just returned. */
void tj_stream_child(tj_stream *s, tj_stream *child);
/* Continues s after its child (skipping what the child did not read); false on error. */
bool tj_stream_child_end(tj_stream *s, tj_stream *child);

/* Releases the tree (not the buffer). Accepts a zeroed doc. */
void tj_free(tj_doc *doc);

/* Member `key` of an object (first match), or NULL when absent or `obj` is not an object. */
const tj_val *tj_get(const tj_val *obj, const char *key);
/* Typed helpers: the member when it exists with that type, else NULL. */
const tj_val *tj_get_type(const tj_val *obj, const char *key, tj_type type);
/* The string of member `key`, or NULL when absent / not a string. */
const char *tj_get_str(const tj_val *obj, const char *key);
/* Boolean member, or `def` when absent / not a bool. */
bool tj_get_bool(const tj_val *obj, const char *key, bool def);
/* True when v is a number holding an integer in [lo, hi]; stores it in *out. */
bool tj_int(const tj_val *v, int64_t lo, int64_t hi, int64_t *out);
/* Reads a whole file into a malloc'd, NUL-terminated buffer. */
ffai_status tj_read_file(const char *path, char **buf, size_t *len, ffai_error *err);

#endif
