/* json_write.c — Python-style pretty JSON text from a jansson value. */
#include "io/json_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *buf;
    size_t len, cap;
    bool bad;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
    if (b->bad) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n + 1) cap *= 2;
        char *g = realloc(b->buf, cap);
        if (!g) {
            b->bad = true;
            return;
        }
        b->buf = g;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

static void newline(sbuf *b, int indent, int depth) {
    puts_(b, "\n");
    for (int i = 0; i < indent * depth; i++) put(b, " ", 1);
}

void jw_format_double(double x, char *buf, size_t n) {
    char tmp[64];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        if (strtod(tmp, NULL) == x) break;
    }
    /* tmp = d.ddde[+-]XX ; split digits and exponent */
    char digits[32];
    int nd = 0;
    const char *s = tmp;
    bool neg = *s == '-';
    if (neg) s++;
    for (; *s && *s != 'e'; s++)
        if (*s != '.') digits[nd++] = *s;
    digits[nd] = '\0';
    int exp = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') digits[--nd] = '\0';
    char out[64];
    size_t o = 0;
    if (neg) out[o++] = '-';
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = -1; i > exp; i--) out[o++] = '0';
            for (int i = 0; i < nd; i++) out[o++] = digits[i];
        } else {
            for (int i = 0; i <= exp; i++) out[o++] = i < nd ? digits[i] : '0';
            out[o++] = '.';
            if (nd > exp + 1)
                for (int i = exp + 1; i < nd; i++) out[o++] = digits[i];
            else
                out[o++] = '0';
        }
        out[o] = '\0';
    } else {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            for (int i = 1; i < nd; i++) out[o++] = digits[i];
        }
        snprintf(out + o, sizeof out - o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    snprintf(buf, n, "%s", out);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void dump(sbuf *b, const json_t *v, int indent, bool sort, int depth) {
    char num[64];
    switch (json_typeof(v)) {
    case JSON_NULL: puts_(b, "null"); return;
    case JSON_TRUE: puts_(b, "true"); return;
    case JSON_FALSE: puts_(b, "false"); return;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        puts_(b, num);
        return;
    case JSON_REAL:
        if (!isfinite(json_real_value(v))) {
            b->bad = true;
            return;
        }
        jw_format_double(json_real_value(v), num, sizeof num);
        puts_(b, num);
        return;
    case JSON_STRING: {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        if (!s) b->bad = true;
        else puts_(b, s);
        free(s);
        return;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        if (!n) {
            puts_(b, "[]");
            return;
        }
        puts_(b, "[");
        for (size_t i = 0; i < n; i++) {
            if (i) puts_(b, ",");
            newline(b, indent, depth + 1);
            dump(b, json_array_get(v, i), indent, sort, depth + 1);
        }
        newline(b, indent, depth);
        puts_(b, "]");
        return;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v);
        if (!n) {
            puts_(b, "{}");
            return;
        }
        const char **keys = malloc(n * sizeof *keys);
        if (!keys) {
            b->bad = true;
            return;
        }
        size_t k = 0;
        const char *key;
        json_t *x;
        json_object_foreach((json_t *)v, key, x) keys[k++] = key;
        if (sort) qsort(keys, n, sizeof *keys, cmp_str);
        puts_(b, "{");
        for (size_t i = 0; i < n; i++) {
            if (i) puts_(b, ",");
            newline(b, indent, depth + 1);
            json_t *ks = json_string(keys[i]);
            dump(b, ks, indent, sort, depth + 1);
            json_decref(ks);
            puts_(b, ": ");
            dump(b, json_object_get(v, keys[i]), indent, sort, depth + 1);
        }
        free(keys);
        newline(b, indent, depth);
        puts_(b, "}");
        return;
    }
    }
}

char *jw_dump(const json_t *v, int indent, bool sort_keys) {
    sbuf b = {0};
    dump(&b, v, indent, sort_keys, 0);
    if (b.bad) {
        free(b.buf);
        return NULL;
    }
    return b.buf;
}
