/* json.c — a small, fast, in-place JSON reader for tokenizer.json / tokenizer_config.json. */
#include "tokenizer/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define TJ_MAX_DEPTH 256
#define TJ_BLOCK_VALS 65536

struct tj_block {
    tj_block *next;
    size_t used, cap;
    tj_val vals[];
};

/* Per-depth scratch lists of children, reused while parsing. */
typedef struct {
    tj_val *v;
    size_t n, cap;
} tj_list;

typedef struct {
    char *buf, *p, *end;
    const char *what;
    ffai_error *err;
    tj_block *blocks;
    tj_list *lists; /* TJ_MAX_DEPTH + 1 per-depth scratch lists (tj_parse only) */
    const tj_raw_handler *raw;
    size_t n_raw;
    const char *key1; /* key of the current depth-1 member */
    uint32_t key1_len;
    ffai_status st;
} tj_parser;

static void tj_errorf(tj_parser *ps, const char *at, const char *msg) {
    if (ps->st != FFAI_OK) return;
    size_t line = 1, col = 1;
    if (at > ps->end) at = ps->end;
    for (const char *q = ps->buf; q < at; q++) {
        if (*q == '\n') line++, col = 1;
        else col++;
    }
    ps->st = ffai_fail(ps->err, FFAI_ERR_FORMAT, "%s: invalid JSON at line %zu column %zu: %s", ps->what, line, col,
                       msg);
}

static tj_val *tj_alloc(tj_parser *ps, size_t n) {
    tj_block *b = ps->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > TJ_BLOCK_VALS ? n : TJ_BLOCK_VALS;
        b = malloc(sizeof *b + cap * sizeof(tj_val));
        if (!b) {
            ps->st = ffai_fail(ps->err, FFAI_ERR_NOMEM, "%s: out of memory parsing JSON", ps->what);
            return NULL;
        }
        b->used = 0;
        b->cap = cap;
        b->next = ps->blocks;
        ps->blocks = b;
    }
    tj_val *v = b->vals + b->used;
    b->used += n;
    return v;
}

static inline void tj_skip_ws(tj_parser *ps) {
    char *p = ps->p;
    while (p < ps->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    ps->p = p;
}

static int tj_hex4(const char *p, const char *end, unsigned *out) {
    if (end - p < 4) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static char *tj_put_utf8(char *w, unsigned cp) {
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | (cp >> 6));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* ps->p is just past the opening quote. Unescapes in place; returns start, sets *len. */
static const char *tj_string(tj_parser *ps, uint32_t *len) {
    char *start = ps->p, *r = ps->p, *end = ps->end;
    while (r < end && *r != '"' && *r != '\\' && (unsigned char)*r >= 0x20) r++;
    char *w = r;
    for (;;) {
        if (r >= end) {
            tj_errorf(ps, r, "unterminated string");
            return NULL;
        }
        unsigned char c = (unsigned char)*r;
        if (c == '"') break;
        if (c < 0x20) {
            tj_errorf(ps, r, "control character in string");
            return NULL;
        }
        if (c != '\\') {
            *w++ = *r++;
            continue;
        }
        if (r + 1 >= end) {
            tj_errorf(ps, r, "unterminated escape");
            return NULL;
        }
        char e = r[1];
        r += 2;
        switch (e) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp;
            if (tj_hex4(r, end, &cp)) {
                tj_errorf(ps, r, "bad \\u escape");
                return NULL;
            }
            r += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (end - r >= 6 && r[0] == '\\' && r[1] == 'u' && !tj_hex4(r + 2, end, &lo) && lo >= 0xDC00 &&
                    lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    r += 6;
                } else {
                    cp = 0xFFFD; /* lone surrogate */
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            w = tj_put_utf8(w, cp);
            break;
        }
        default: tj_errorf(ps, r - 1, "bad escape"); return NULL;
        }
    }
    *len = (uint32_t)(w - start);
    *w = '\0';
    ps->p = r + 1;
    return start;
}

static int tj_number(tj_parser *ps, tj_val *v) {
    char *p = ps->p, *end = ps->end, *s = p;
    bool neg = false;
    if (p < end && *p == '-') neg = true, p++;
    if (p >= end || *p < '0' || *p > '9') {
        tj_errorf(ps, s, "bad number");
        return -1;
    }
    uint64_t iv = 0;
    int nd = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (nd < 18) iv = iv * 10 + (uint64_t)(*p - '0');
        nd++;
        p++;
    }
    if (nd <= 15 && (p >= end || (*p != '.' && *p != 'e' && *p != 'E'))) {
        v->num = neg ? -(double)iv : (double)iv;
        ps->p = p;
        return 0;
    }
    char *q;
    errno = 0;
    double d = strtod(s, &q);
    if (q == s || q > end) {
        tj_errorf(ps, s, "bad number");
        return -1;
    }
    v->num = d;
    ps->p = q;
    return 0;
}

static int tj_lit(tj_parser *ps, const char *word, size_t n) {
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
        tj_errorf(ps, ps->p, "unexpected token");
        return -1;
    }
    ps->p += n;
    return 0;
}

static int tj_push(tj_parser *ps, tj_list *l, tj_val *v) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        tj_val *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) {
            ps->st = ffai_fail(ps->err, FFAI_ERR_NOMEM, "%s: out of memory parsing JSON", ps->what);
            return -1;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = *v;
    return 0;
}

static int tj_value(tj_parser *ps, tj_val *v, int depth);

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* First byte in [p, end) that is a quote, a bracket, a brace or a comma (end if none). */
static const unsigned char *next_structural(const unsigned char *p, const unsigned char *end) {
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), c = _mm_set1_epi8(','), lb = _mm_set1_epi8('['), rb = _mm_set1_epi8(']');
    const __m128i lc = _mm_set1_epi8('{'), rc = _mm_set1_epi8('}');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, c)),
                                 _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lb), _mm_cmpeq_epi8(v, rb)),
                                              _mm_or_si128(_mm_cmpeq_epi8(v, lc), _mm_cmpeq_epi8(v, rc))));
        int bits = _mm_movemask_epi8(m);
        if (bits) return p + __builtin_ctz((unsigned)bits);
        p += 16;
    }
#endif
    while (p < end && *p != '"' && *p != ',' && *p != '[' && *p != ']' && *p != '{' && *p != '}') p++;
    return p;
}

/* First quote or backslash in [p, end) (end if none). */
static const unsigned char *next_quote_or_escape(const unsigned char *p, const unsigned char *end) {
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        int bits = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)));
        if (bits) return p + __builtin_ctz((unsigned)bits);
        p += 16;
    }
#endif
    while (p < end && *p != '"' && *p != '\\') p++;
    return p;
}

/* Skips a container, checking that strings end and brackets balance; counts its elements. */
static int tj_skip_container(tj_parser *ps, uint32_t *count) {
    char stack[TJ_MAX_DEPTH];
    int d = 0;
    uint32_t commas = 0;
    const unsigned char *p = (const unsigned char *)ps->p, *end = (const unsigned char *)ps->end;
    /* non-empty when the first non-blank byte after the opening bracket is not the closing one */
    const unsigned char *f = p + 1;
    while (f < end && (*f == ' ' || *f == '\n' || *f == '\r' || *f == '\t')) f++;
    bool any = f < end && *f != ']' && *f != '}';
    while ((p = next_structural(p, end)) < end) {
        unsigned char c = *p++;
        switch (c) {
        case '"':
            for (;;) {
                p = next_quote_or_escape(p, end);
                if (p >= end) {
                    tj_errorf(ps, (const char *)p, "unterminated string");
                    return -1;
                }
                if (*p == '"') break;
                p += 2; /* escape: the next byte is never the closing quote */
            }
            p++;
            break;
        case ',':
            if (d == 1) commas++;
            break;
        case '[':
        case '{':
            if (d >= TJ_MAX_DEPTH) {
                tj_errorf(ps, (const char *)p, "nesting too deep");
                return -1;
            }
            stack[d++] = c == '[' ? ']' : '}';
            break;
        default: /* ']' or '}' */
            if (d == 0 || stack[d - 1] != (char)c) {
                tj_errorf(ps, (const char *)p - 1, "unbalanced brackets");
                return -1;
            }
            if (--d == 0) {
                ps->p = (char *)p;
                *count = any ? commas + 1 : 0;
                return 0;
            }
        }
    }
    tj_errorf(ps, (const char *)end, "unexpected end of input");
    return -1;
}

static const tj_raw_handler *tj_find_raw(const tj_parser *ps, const char *key, uint32_t key_len) {
    if (!ps->raw || !ps->key1) return NULL;
    for (size_t i = 0; i < ps->n_raw; i++) {
        const char *r = ps->raw[i].path, *dot = strchr(r, '.');
        if (!dot || (size_t)(dot - r) != ps->key1_len || memcmp(r, ps->key1, ps->key1_len) != 0) continue;
        if (strlen(dot + 1) == key_len && memcmp(dot + 1, key, key_len) == 0) return &ps->raw[i];
    }
    return NULL;
}

static void tj_stream_at(tj_stream *s, char *open, char *end, const char *what, ffai_error *err) {
    memset(s, 0, sizeof *s);
    s->p = open + 1;
    s->end = end;
    s->what = what;
    s->err = err;
    s->close = *open == '[' ? ']' : '}';
    s->first = true;
}

/* Runs a raw handler on the container at ps->p, then skips whatever it left. */
static int tj_run_raw(tj_parser *ps, const tj_raw_handler *h, tj_val *item) {
    char *start = ps->p;
    tj_stream s;
    tj_stream_at(&s, start, ps->end, ps->what, ps->err);
    ffai_status st = h->fn(h->ctx, &s, ps->err);
    tj_val rest;
    while (st == FFAI_OK && s.st == FFAI_OK && tj_stream_next(&s, &rest)) {
    }
    if (st == FFAI_OK) st = s.st;
    if (st != FFAI_OK) {
        ps->st = st;
        return -1;
    }
    ps->p = s.p;
    item->type = TJ_RAW;
    item->str = start;
    item->n = (uint32_t)(s.p - start);
    item->count = s.count;
    return 0;
}

static int tj_container(tj_parser *ps, tj_val *v, int depth, bool obj) {
    if (depth >= TJ_MAX_DEPTH) {
        tj_errorf(ps, ps->p, "nesting too deep");
        return -1;
    }
    tj_list *l = &ps->lists[depth];
    size_t base = l->n;
    ps->p++; /* '[' or '{' */
    tj_skip_ws(ps);
    char close = obj ? '}' : ']';
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        v->type = obj ? TJ_OBJ : TJ_ARR;
        v->n = 0;
        v->items = NULL;
        return 0;
    }
    for (;;) {
        tj_val item;
        memset(&item, 0, sizeof item);
        if (obj) {
            tj_skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '"') {
                tj_errorf(ps, ps->p, "expected a string key");
                return -1;
            }
            ps->p++;
            const char *k = tj_string(ps, &item.key_len);
            if (!k) return -1;
            item.key = k;
            tj_skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                tj_errorf(ps, ps->p, "expected ':'");
                return -1;
            }
            ps->p++;
        }
        const char *key = item.key;
        uint32_t key_len = item.key_len;
        if (obj && depth == 0) ps->key1 = key, ps->key1_len = key_len;
        tj_skip_ws(ps);
        const tj_raw_handler *h = NULL;
        if (obj && depth == 1 && ps->p < ps->end && (*ps->p == '[' || *ps->p == '{') &&
            (h = tj_find_raw(ps, key, key_len))) {
            if (tj_run_raw(ps, h, &item)) return -1;
        } else if (tj_value(ps, &item, depth + 1)) {
            return -1;
        }
        item.key = key;
        item.key_len = key_len;
        if (tj_push(ps, l, &item)) return -1;
        tj_skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            break;
        }
        tj_errorf(ps, ps->p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        return -1;
    }
    size_t n = l->n - base;
    if (n > UINT32_MAX) {
        tj_errorf(ps, ps->p, "container too large");
        return -1;
    }
    tj_val *items = tj_alloc(ps, n);
    if (!items) return -1;
    memcpy(items, l->v + base, n * sizeof *items);
    l->n = base;
    v->type = obj ? TJ_OBJ : TJ_ARR;
    v->n = (uint32_t)n;
    v->items = items;
    return 0;
}

static int tj_value(tj_parser *ps, tj_val *v, int depth) {
    tj_skip_ws(ps);
    if (ps->p >= ps->end) {
        tj_errorf(ps, ps->p, "unexpected end of input");
        return -1;
    }
    switch (*ps->p) {
    case '{': return tj_container(ps, v, depth, true);
    case '[': return tj_container(ps, v, depth, false);
    case '"':
        ps->p++;
        v->type = TJ_STR;
        v->str = tj_string(ps, &v->n);
        return v->str ? 0 : -1;
    case 't': v->type = TJ_BOOL; v->b = true; return tj_lit(ps, "true", 4);
    case 'f': v->type = TJ_BOOL; v->b = false; return tj_lit(ps, "false", 5);
    case 'n': v->type = TJ_NULL; return tj_lit(ps, "null", 4);
    default: v->type = TJ_NUM; return tj_number(ps, v);
    }
}

static void tj_free_blocks(tj_block *b) {
    while (b) {
        tj_block *n = b->next;
        free(b);
        b = n;
    }
}

ffai_status tj_parse(char *buf, size_t len, tj_doc *doc, const char *what, const tj_raw_handler *raw, size_t n_raw,
                     ffai_error *err) {
    if (len >= UINT32_MAX) return ffai_fail(err, FFAI_ERR_RANGE, "%s: file too large (%zu bytes)", what, len);
    memset(doc, 0, sizeof *doc);
    tj_parser *ps = calloc(1, sizeof *ps);
    if (ps && !(ps->lists = calloc(TJ_MAX_DEPTH + 1, sizeof *ps->lists))) {
        free(ps);
        ps = NULL;
    }
    if (!ps) return ffai_fail(err, FFAI_ERR_NOMEM, "%s: out of memory", what);
    ps->buf = ps->p = buf;
    ps->end = buf + len;
    ps->what = what;
    ps->err = err;
    ps->raw = raw;
    ps->n_raw = n_raw;
    tj_val *root = NULL;
    tj_val tmp;
    memset(&tmp, 0, sizeof tmp);
    if (tj_value(ps, &tmp, 0) == 0) {
        tj_skip_ws(ps);
        if (ps->p != ps->end) tj_errorf(ps, ps->p, "trailing characters after the JSON value");
    }
    if (ps->st == FFAI_OK && (root = tj_alloc(ps, 1))) *root = tmp;
    for (int i = 0; i <= TJ_MAX_DEPTH; i++) free(ps->lists[i].v);
    free(ps->lists);
    ffai_status st = ps->st;
    if (st != FFAI_OK) {
        tj_free_blocks(ps->blocks);
    } else {
        doc->root = root;
        doc->blocks = ps->blocks;
    }
    free(ps);
    return st;
}

void tj_free(tj_doc *doc) {
    if (!doc) return;
    tj_free_blocks(doc->blocks);
    doc->blocks = NULL;
    doc->root = NULL;
}

/* A stream element is a scalar (parsed), or a container returned unread (see tj_stream_child). */
bool tj_stream_next(tj_stream *s, tj_val *v) {
    if (s->st != FFAI_OK || s->done) return false;
    tj_parser ps;
    memset(&ps, 0, sizeof ps);
    ps.buf = s->p;
    ps.p = s->p;
    ps.end = s->end;
    ps.what = s->what;
    ps.err = s->err;
    memset(v, 0, sizeof *v);
    if (s->pending) { /* the caller did not read the nested container: skip it */
        uint32_t ignored;
        s->pending = false;
        if (tj_skip_container(&ps, &ignored)) {
            s->st = ps.st;
            return false;
        }
    }
    tj_skip_ws(&ps);
    if (ps.p < ps.end && *ps.p == s->close) {
        s->p = ps.p + 1;
        s->done = true;
        return false;
    }
    if (!s->first) {
        if (ps.p >= ps.end || *ps.p != ',') {
            tj_errorf(&ps, ps.p, ps.p >= ps.end ? "unexpected end of input" : "expected ',' between elements");
            s->st = ps.st;
            return false;
        }
        ps.p++;
        tj_skip_ws(&ps);
    }
    s->first = false;
    const char *key = NULL;
    uint32_t kl = 0;
    if (s->close == '}') {
        if (ps.p >= ps.end || *ps.p != '"') {
            tj_errorf(&ps, ps.p, "expected a string key");
            s->st = ps.st;
            return false;
        }
        ps.p++;
        key = tj_string(&ps, &kl);
        tj_skip_ws(&ps);
        if (key && (ps.p >= ps.end || *ps.p++ != ':')) tj_errorf(&ps, ps.p, "expected ':'");
        tj_skip_ws(&ps);
    }
    if (ps.st == FFAI_OK && ps.p < ps.end && (*ps.p == '[' || *ps.p == '{')) {
        v->type = *ps.p == '[' ? TJ_ARR : TJ_OBJ;
        v->str = ps.p; /* unread: tj_stream_child starts here */
        s->pending = true;
    } else if (ps.st == FFAI_OK) {
        tj_value(&ps, v, TJ_MAX_DEPTH);
    }
    v->key = key;
    v->key_len = kl;
    s->p = ps.p;
    s->st = ps.st;
    if (s->st == FFAI_OK) s->count++;
    return s->st == FFAI_OK;
}

void tj_stream_child(tj_stream *s, tj_stream *child) {
    tj_stream_at(child, s->p, s->end, s->what, s->err);
    if (!s->pending) child->st = s->st = ffai_fail(s->err, FFAI_ERR_INTERNAL, "%s: no nested container here", s->what);
    s->pending = false;
}

bool tj_stream_child_end(tj_stream *s, tj_stream *child) {
    tj_val rest;
    while (child->st == FFAI_OK && tj_stream_next(child, &rest)) {
    }
    if (child->st != FFAI_OK) {
        s->st = child->st;
        return false;
    }
    s->p = child->p;
    return true;
}

const tj_val *tj_get(const tj_val *obj, const char *key) {
    if (!obj || obj->type != TJ_OBJ) return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < obj->n; i++) {
        const tj_val *m = &obj->items[i];
        if (m->key_len == kl && memcmp(m->key, key, kl) == 0) return m;
    }
    return NULL;
}

const tj_val *tj_get_type(const tj_val *obj, const char *key, tj_type type) {
    const tj_val *v = tj_get(obj, key);
    return v && v->type == type ? v : NULL;
}

const char *tj_get_str(const tj_val *obj, const char *key) {
    const tj_val *v = tj_get_type(obj, key, TJ_STR);
    return v ? v->str : NULL;
}

bool tj_get_bool(const tj_val *obj, const char *key, bool def) {
    const tj_val *v = tj_get_type(obj, key, TJ_BOOL);
    return v ? v->b : def;
}

bool tj_int(const tj_val *v, int64_t lo, int64_t hi, int64_t *out) {
    if (!v || v->type != TJ_NUM) return false;
    double d = v->num;
    if (!(d >= (double)lo && d <= (double)hi)) return false;
    int64_t i = (int64_t)d;
    if ((double)i != d) return false;
    *out = i;
    return true;
}

ffai_status tj_read_file(const char *path, char **buf, size_t *len, ffai_error *err) {
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return ffai_fail(err, errno == ENOENT ? FFAI_ERR_NOT_FOUND : FFAI_ERR_IO, "%s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return ffai_fail(err, FFAI_ERR_IO, "%s: cannot seek", path);
    }
    long sz = ftell(f);
    if (sz < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return ffai_fail(err, FFAI_ERR_IO, "%s: cannot determine size", path);
    }
    char *b = malloc((size_t)sz + 1);
    if (!b) {
        fclose(f);
        return ffai_fail(err, FFAI_ERR_NOMEM, "%s: out of memory (%ld bytes)", path, sz);
    }
    size_t got = fread(b, 1, (size_t)sz, f);
    fclose(f);
    if (got != (size_t)sz) {
        free(b);
        return ffai_fail(err, FFAI_ERR_IO, "%s: short read", path);
    }
    b[sz] = '\0';
    *buf = b;
    *len = (size_t)sz;
    return FFAI_OK;
}
