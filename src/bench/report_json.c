/* report_json.c — canonical JSON emitter matching Swift's JSONEncoder (.prettyPrinted + .sortedKeys). */
#include "bench/report_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* ---- shortest round-trip doubles (Swift Double.description) -------------------------------------- */

/* Shortest decimal digits of v > 0 that strtod reads back as v: digits (no trailing zeros) into d,
 * scientific exponent (of the first digit) into *e10. Among candidates of the shortest length the one
 * closest to v wins (the correctly rounded one); its neighbours are tried too because at a power of two
 * the round-trip interval below v is half as wide as the one above. */
static void shortest_digits(double v, char d[24], int *e10) {
    char buf[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, v);
        uint64_t m = 0;
        const char *s = buf;
        for (; *s && *s != 'e'; s++)
            if (*s >= '0' && *s <= '9') m = m * 10 + (uint64_t)(*s - '0');
        int q = atoi(s + 1) - (p - 1); /* v ≈ m × 10^q */
        uint64_t cand[3] = {m, m + 1, m - 1};
        for (int c = 0; c < 3; c++) {
            if (p == 17 && c > 0) break; /* 17 digits always round-trip */
            char t[48];
            snprintf(t, sizeof t, "%" PRIu64 "e%d", cand[c], q);
            if (strtod(t, NULL) != v) continue;
            uint64_t x = cand[c];
            int qq = q;
            while (x % 10 == 0) x /= 10, qq++;
            int n = snprintf(d, 24, "%" PRIu64, x);
            *e10 = qq + n - 1;
            return;
        }
    }
    /* unreachable: %.16e always round-trips */
    snprintf(d, 24, "0");
    *e10 = 0;
}

int rjson_format_double(double v, char buf[32]) {
    char *p = buf;
    if (signbit(v)) *p++ = '-', v = -v;
    if (v == 0) {
        *p++ = '0';
        *p = 0;
        return (int)(p - buf);
    }
    char d[24];
    int e;
    shortest_digits(v, d, &e);
    int n = (int)strlen(d);
    if (e < -4 || v > 0x1p53) { /* exponential: d.ddde±XX */
        *p++ = d[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, d + 1, (size_t)n - 1);
            p += n - 1;
        }
        p += sprintf(p, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (e < 0) { /* 0.000ddd */
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -e - 1; i++) *p++ = '0';
        memcpy(p, d, (size_t)n);
        p += n;
    } else if (e + 1 < n) { /* ddd.ddd */
        memcpy(p, d, (size_t)e + 1);
        p += e + 1;
        *p++ = '.';
        memcpy(p, d + e + 1, (size_t)(n - e - 1));
        p += n - e - 1;
    } else { /* ddd000 (Swift's "ddd000.0" with the ".0" JSONEncoder strips) */
        memcpy(p, d, (size_t)n);
        p += n;
        for (int i = 0; i < e + 1 - n; i++) *p++ = '0';
    }
    *p = 0;
    return (int)(p - buf);
}

/* ---- growable output buffer ----------------------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (b->len + n + 1 > cap) cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void put_indent(sbuf *b, int level) {
    for (int i = 0; i < level; i++) sb_put(b, "  ", 2);
}

/* ---- values --------------------------------------------------------------------------------------- */

static void put_string(sbuf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    sb_put(b, "\"", 1);
    size_t mark = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '/': esc = "\\/"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20) {
                memcpy(u, "\\u00", 4);
                u[4] = hex[c >> 4];
                u[5] = hex[c & 15];
                u[6] = 0;
                esc = u;
            }
        }
        if (!esc) continue;
        sb_put(b, s + mark, i - mark);
        sb_puts(b, esc);
        mark = i + 1;
    }
    sb_put(b, s + mark, n - mark);
    sb_put(b, "\"", 1);
}

typedef struct {
    const char *key;
    size_t len;
    json_t *val;
} kv;

static int kv_cmp(const void *a, const void *b) {
    const kv *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static void put_value(sbuf *b, const json_t *v, bool pretty, int level);

static void put_object(sbuf *b, const json_t *o, bool pretty, int level) {
    size_t n = json_object_size(o);
    kv *items = n ? malloc(n * sizeof *items) : NULL;
    if (n && !items) {
        b->oom = true;
        return;
    }
    size_t k = 0;
    for (void *it = json_object_iter((json_t *)o); it && k < n; it = json_object_iter_next((json_t *)o, it))
        items[k++] = (kv){json_object_iter_key(it), json_object_iter_key_len(it), json_object_iter_value(it)};
    if (k > 1) qsort(items, k, sizeof *items, kv_cmp);
    sb_put(b, "{", 1);
    if (pretty) sb_put(b, "\n", 1);
    for (size_t i = 0; i < k; i++) {
        if (i) sb_puts(b, pretty ? ",\n" : ",");
        if (pretty) put_indent(b, level + 1);
        put_string(b, items[i].key, items[i].len);
        sb_puts(b, pretty ? " : " : ":");
        put_value(b, items[i].val, pretty, level + 1);
    }
    if (pretty) {
        sb_put(b, "\n", 1);
        put_indent(b, level);
    }
    sb_put(b, "}", 1);
    free(items);
}

static void put_array(sbuf *b, const json_t *a, bool pretty, int level) {
    sb_put(b, "[", 1);
    if (pretty) sb_put(b, "\n", 1);
    for (size_t i = 0; i < json_array_size(a); i++) {
        if (i) sb_puts(b, pretty ? ",\n" : ",");
        if (pretty) put_indent(b, level + 1);
        put_value(b, json_array_get(a, i), pretty, level + 1);
    }
    if (pretty) {
        sb_put(b, "\n", 1);
        put_indent(b, level);
    }
    sb_put(b, "]", 1);
}

static void put_value(sbuf *b, const json_t *v, bool pretty, int level) {
    char num[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT: put_object(b, v, pretty, level); break;
    case JSON_ARRAY: put_array(b, v, pretty, level); break;
    case JSON_STRING: put_string(b, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        sb_puts(b, num);
        break;
    case JSON_REAL:
        rjson_format_double(json_real_value(v), num);
        sb_puts(b, num);
        break;
    case JSON_TRUE: sb_puts(b, "true"); break;
    case JSON_FALSE: sb_puts(b, "false"); break;
    case JSON_NULL: sb_puts(b, "null"); break;
    }
}

ffai_status rjson_dump(const json_t *v, bool pretty, char **out, size_t *len, ffai_error *err) {
    *out = NULL;
    sbuf b = {0};
    put_value(&b, v, pretty, 0);
    if (!b.oom && !b.p) sb_put(&b, "", 0);
    if (b.oom) {
        free(b.p);
        return ffai_fail(err, FFAI_ERR_NOMEM, "JSON output: out of memory");
    }
    *out = b.p;
    if (len) *len = b.len;
    return FFAI_OK;
}
