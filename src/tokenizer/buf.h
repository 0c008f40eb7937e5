/* buf.h — growable byte buffers and int32 vectors used by the tokenizer's hot paths. */
#ifndef FFAI_TOKENIZER_BUF_H
#define FFAI_TOKENIZER_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *p;
    size_t n, cap;
} tok_buf;

typedef struct {
    int32_t *p;
    size_t n, cap;
} tok_ivec;

/* Grows b so that `extra` more bytes fit (plus a NUL). Returns false on OOM. */
static inline bool tok_buf_reserve(tok_buf *b, size_t extra) {
    if (b->n + extra + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra + 1) cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) return false;
    b->p = np;
    b->cap = cap;
    return true;
}

static inline bool tok_buf_append(tok_buf *b, const void *s, size_t n) {
    if (!tok_buf_reserve(b, n)) return false;
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return true;
}

static inline void tok_buf_free(tok_buf *b) {
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

static inline bool tok_ivec_reserve(tok_ivec *v, size_t extra) {
    if (v->n + extra <= v->cap) return true;
    size_t cap = v->cap ? v->cap : 64;
    while (cap < v->n + extra) cap *= 2;
    int32_t *np = realloc(v->p, cap * sizeof *np);
    if (!np) return false;
    v->p = np;
    v->cap = cap;
    return true;
}

static inline bool tok_ivec_push(tok_ivec *v, int32_t x) {
    if (v->n == v->cap && !tok_ivec_reserve(v, 1)) return false;
    v->p[v->n++] = x;
    return true;
}

static inline void tok_ivec_free(tok_ivec *v) {
    free(v->p);
    v->p = NULL;
    v->n = v->cap = 0;
}

#endif
