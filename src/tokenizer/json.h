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
                               TJ_RAW: the unparsed container text, n bytes (see tj_stream) */
        tj_val *items;      /* TJ_ARR/TJ_OBJ: n children, in document order */
    };
    const char *key;    /* object members: the key (NUL-terminated), else NULL */
    uint32_t key_len;
    uint32_t count;     /* TJ_RAW: number of top-level elements */
};

typedef struct tj_block tj_block;
typedef struct {
    tj_val *root;
    tj_block *blocks; /* arena holding every tj_val */
} tj_doc;

/* Parses buf[0..len) in place (strings are unescaped into the buffer, which must have
 * len+1 writable bytes with buf[len] == 0 and outlive the doc). `what` names the file
 * in error messages. On failure returns FFAI_ERR_FORMAT (or NOMEM) with line/column.
 * `raw` (optional, NULL-terminated list of "parent.child" names) marks container members
 * at depth 2 that are only checked for balance and kept as TJ_RAW text, to be read with
 * tj_stream: for the huge vocab/merges of tokenizer.json ("model.vocab", "model.merges"). */
ffai_status tj_parse(char *buf, size_t len, tj_doc *doc, const char *what, const char *const *raw, ffai_error *err);

/* Streaming reader over a TJ_RAW container, with no tree built. */
typedef struct {
    char *p, *end;
    const char *what;
    ffai_error *err;
    char close;  /* ']' or '}' */
    bool first;
    ffai_status st;
} tj_stream;

/* Starts reading `raw` (a TJ_RAW value). Returns false (error set) when it is not the
 * expected kind of container ('[' or '{'). */
bool tj_stream_begin(tj_stream *s, const tj_val *raw, char open, const char *what, ffai_error *err);
/* Next element: true with *v filled (strings unescaped in place, nested containers
 * returned as TJ_RAW), false at the end or on error (then s->st != FFAI_OK). For objects
 * v->key / v->key_len are set. */
bool tj_stream_next(tj_stream *s, tj_val *v);
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
