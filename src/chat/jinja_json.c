/* jinja_json.c — JSON text to template values (key order kept) and Python's json.dumps
 * (HF's tojson) from values, byte for byte. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chat/jinja.h"
#include "core/error.h"

/* ---------------------------------------------------------------- JSON -> value */

static jv from_json(jctx *c, json_t *j, int depth) {
    if (depth > 512) jx_fail(c, FFAI_ERR_FORMAT, "JSON nested too deeply");
    switch (json_typeof(j)) {
    case JSON_NULL: return jv_none();
    case JSON_TRUE: return jv_bool(true);
    case JSON_FALSE: return jv_bool(false);
    case JSON_INTEGER: return jv_int((int64_t)json_integer_value(j));
    case JSON_REAL: return jv_float(json_real_value(j));
    case JSON_STRING: return jv_strdup(c, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        jv l = jv_newlist(c, n, 0);
        for (size_t i = 0; i < n; i++) l.u.l->v[i] = from_json(c, json_array_get(j, i), depth + 1);
        l.u.l->n = n;
        return l;
    }
    case JSON_OBJECT: {
        jv d = jv_newdict(c, json_object_size(j));
        const char *k;
        size_t klen;
        json_t *v;
        void *tmp;
        json_object_keylen_foreach_safe(j, tmp, k, klen, v) {
            jd_set(c, d.u.d, jv_strdup(c, k, klen), from_json(c, v, depth + 1));
        }
        return d;
    }
    }
    return jv_none();
}

jv jj_parse(jctx *c, const char *text, size_t len) {
    json_error_t e;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (!j) jx_fail(c, FFAI_ERR_FORMAT, "invalid JSON at line %d, column %d: %s", e.line, e.column, e.text);
    /* from_json may longjmp out on OOM: decref first by converting under a guard. */
    jmp_buf saved;
    memcpy(saved, c->jb, sizeof saved);
    if (setjmp(c->jb)) {
        json_decref(j);
        memcpy(c->jb, saved, sizeof saved);
        longjmp(c->jb, 1);
    }
    jv v = from_json(c, j, 0);
    memcpy(c->jb, saved, sizeof saved);
    json_decref(j);
    return v;
}

/* ---------------------------------------------------------------- value -> JSON */

static void put_u(jctx *c, jbuf *b, unsigned cp) { jb_printf(c, b, "\\u%04x", cp); }

static void dump_str(jctx *c, jbuf *b, const char *p, size_t n, bool ensure_ascii) {
    jb_put(c, b, "\"", 1);
    size_t run = 0; /* start of pending raw bytes */
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        const char *esc = NULL;
        switch (ch) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default: break;
        }
        if (!esc && ch >= 0x20 && (ch < 0x80 || !ensure_ascii)) continue;
        jb_put(c, b, p + run, i - run);
        if (esc) jb_puts(c, b, esc);
        else if (ch < 0x20) put_u(c, b, ch);
        else { /* ensure_ascii: decode one UTF-8 sequence */
            unsigned cp = ch;
            int extra = ch >= 0xF0 ? 3 : ch >= 0xE0 ? 2 : ch >= 0xC0 ? 1 : 0;
            cp = extra == 3 ? ch & 7 : extra == 2 ? ch & 15 : extra == 1 ? ch & 31 : ch;
            for (int k = 0; k < extra && i + 1 < n; k++) cp = (cp << 6) | ((unsigned char)p[++i] & 0x3F);
            if (cp >= 0x10000) {
                cp -= 0x10000;
                put_u(c, b, 0xD800 + (cp >> 10));
                put_u(c, b, 0xDC00 + (cp & 0x3FF));
            } else put_u(c, b, cp);
        }
        run = i + 1;
    }
    jb_put(c, b, p + run, n - run);
    jb_put(c, b, "\"", 1);
}

static void dump_float(jctx *c, jbuf *b, double f) {
    if (isnan(f)) jb_puts(c, b, "NaN");
    else if (isinf(f)) jb_puts(c, b, f < 0 ? "-Infinity" : "Infinity");
    else {
        char tmp[64];
        jv_float_repr(tmp, sizeof tmp, f);
        jb_puts(c, b, tmp);
    }
}

typedef struct {
    int indent;
    const char *isep, *ksep;
    bool sort_keys, ensure_ascii;
} dumpopt;

static void newline(jctx *c, jbuf *b, const dumpopt *o, int level) {
    jb_put(c, b, "\n", 1);
    for (int i = 0; i < o->indent * level; i++) jb_put(c, b, " ", 1);
}

/* A dict key as the string json.dumps would write. */
static jv key_str(jctx *c, jv k) {
    char tmp[64];
    switch (k.t) {
    case JV_STR: return k;
    case JV_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)k.u.i); return jv_str(c, tmp);
    case JV_FLOAT:
        if (isnan(k.u.f)) return jv_str(c, "NaN");
        if (isinf(k.u.f)) return jv_str(c, k.u.f < 0 ? "-Infinity" : "Infinity");
        jv_float_repr(tmp, sizeof tmp, k.u.f);
        return jv_str(c, tmp);
    case JV_BOOL: return jv_str(c, k.u.b ? "true" : "false");
    case JV_NONE: return jv_str(c, "null");
    default: jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: keys must be str, int, float, bool or None, not %s", jv_typename(&k));
    }
}

static void dump(jctx *c, jbuf *b, jv v, const dumpopt *o, int level) {
    if (level > 512) jx_fail(c, FFAI_ERR_TEMPLATE, "RecursionError: value nested too deeply for tojson");
    switch ((jv_type)v.t) {
    case JV_NONE: jb_puts(c, b, "null"); return;
    case JV_BOOL: jb_puts(c, b, v.u.b ? "true" : "false"); return;
    case JV_INT: jb_printf(c, b, "%lld", (long long)v.u.i); return;
    case JV_FLOAT: dump_float(c, b, v.u.f); return;
    case JV_STR: dump_str(c, b, v.u.s.p, v.u.s.n, o->ensure_ascii); return;
    case JV_LIST:
        if (v.flags & JVF_GEN) break;
        if (!v.u.l->n) {
            jb_puts(c, b, "[]");
            return;
        }
        jb_put(c, b, "[", 1);
        for (size_t i = 0; i < v.u.l->n; i++) {
            if (i) jb_puts(c, b, o->isep);
            if (o->indent >= 0) newline(c, b, o, level + 1);
            dump(c, b, v.u.l->v[i], o, level + 1);
        }
        if (o->indent >= 0) newline(c, b, o, level);
        jb_put(c, b, "]", 1);
        return;
    case JV_DICT: {
        if (v.flags & (JVF_NS | JVF_VIEW)) break;
        jdict *d = v.u.d;
        if (!d->n) {
            jb_puts(c, b, "{}");
            return;
        }
        size_t *ord = jx_alloc(c, d->n * sizeof *ord);
        jv *ks = jx_alloc(c, d->n * sizeof *ks);
        for (size_t i = 0; i < d->n; i++) {
            ord[i] = i;
            ks[i] = key_str(c, d->k[i]);
        }
        if (o->sort_keys) /* insertion sort: stable, dicts are small */
            for (size_t i = 1; i < d->n; i++)
                for (size_t j = i; j > 0 && jv_compare(c, d->k[ord[j - 1]], d->k[ord[j]], "<") > 0; j--) {
                    size_t t = ord[j];
                    ord[j] = ord[j - 1];
                    ord[j - 1] = t;
                }
        jb_put(c, b, "{", 1);
        for (size_t i = 0; i < d->n; i++) {
            if (i) jb_puts(c, b, o->isep);
            if (o->indent >= 0) newline(c, b, o, level + 1);
            dump_str(c, b, ks[ord[i]].u.s.p, ks[ord[i]].u.s.n, o->ensure_ascii);
            jb_puts(c, b, o->ksep);
            dump(c, b, d->v[ord[i]], o, level + 1);
        }
        if (o->indent >= 0) newline(c, b, o, level);
        jb_put(c, b, "}", 1);
        return;
    }
    default: break;
    }
    jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: Object of type %s is not JSON serializable", jv_typename(&v));
}

void jj_dump(jctx *c, jbuf *b, jv v, int indent, const char *item_sep, const char *key_sep, bool sort_keys,
             bool ensure_ascii) {
    dumpopt o = {indent, item_sep, key_sep, sort_keys, ensure_ascii};
    dump(c, b, v, &o, 0);
}
