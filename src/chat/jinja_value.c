/* jinja_value.c — the arena, byte buffers and Python-like value semantics (truth, equality,
 * ordering, str/repr, len, iteration) of the Jinja subset. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/jinja.h"
#include "core/error.h"

/* ---------------------------------------------------------------- arena */

typedef struct jblock {
    struct jblock *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} jblock;

struct jarena {
    jblock *head;
};

jarena *ja_new(void) { return calloc(1, sizeof(jarena)); }

void ja_free(jarena *a) {
    if (!a) return;
    for (jblock *b = a->head, *nx; b; b = nx) {
        nx = b->next;
        free(b);
    }
    free(a);
}

void *ja_alloc(jarena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    jblock *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 32768 ? n : 65536 - sizeof(jblock);
        jblock *nb = malloc(sizeof(jblock) + cap);
        if (!nb) return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && n > 32768) { /* big one-off: keep the current block as head */
            nb->next = b->next;
            b->next = nb;
            nb->used = n;
            memset(nb->data, 0, n);
            return nb->data;
        }
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

void *jx_alloc(jctx *c, size_t n) {
    void *p = ja_alloc(c->a, n);
    if (!p) jx_fail(c, FFAI_ERR_NOMEM, "out of memory while rendering the template");
    return p;
}

_Noreturn void jx_fail(jctx *c, ffai_status st, const char *fmt, ...) {
    if (c->err) {
        char msg[900];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        ffai_fail(c->err, st, "%s (template line %d)", msg, c->line);
    }
    c->st = st;
    longjmp(c->jb, 1);
}

/* ---------------------------------------------------------------- buffers */

void jb_put(jctx *c, jbuf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = jx_alloc(c, cap);
        if (b->n) memcpy(p, b->p, b->n);
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

void jb_puts(jctx *c, jbuf *b, const char *s) { jb_put(c, b, s, strlen(s)); }

void jb_printf(jctx *c, jbuf *b, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        jb_put(c, b, tmp, (size_t)n);
        return;
    }
    char *big = jx_alloc(c, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    jb_put(c, b, big, (size_t)n);
}

/* ---------------------------------------------------------------- constructors */

jv jv_strdup(jctx *c, const char *p, size_t n) {
    char *d = jx_alloc(c, n + 1);
    if (n) memcpy(d, p, n);
    return jv_strn(d, n);
}

jv jv_str(jctx *c, const char *s) { return jv_strdup(c, s, strlen(s)); }

jv jv_undef(jctx *c, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    jv r = jv_str(c, tmp);
    r.t = JV_UNDEF;
    return r;
}

jv jv_newlist(jctx *c, size_t cap, uint8_t flags) {
    jv r = {.t = JV_LIST, .flags = flags};
    r.u.l = jx_alloc(c, sizeof(jlist));
    if (cap) {
        r.u.l->v = jx_alloc(c, cap * sizeof(jv));
        r.u.l->cap = cap;
    }
    return r;
}

jv jv_newdict(jctx *c, size_t cap) {
    jv r = {.t = JV_DICT};
    r.u.d = jx_alloc(c, sizeof(jdict));
    if (cap) {
        r.u.d->k = jx_alloc(c, cap * sizeof(jv));
        r.u.d->v = jx_alloc(c, cap * sizeof(jv));
        r.u.d->cap = cap;
    }
    return r;
}

void jl_push(jctx *c, jlist *l, jv v) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        jv *nv = jx_alloc(c, cap * sizeof(jv));
        if (l->n) memcpy(nv, l->v, l->n * sizeof(jv));
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = v;
}

jv *jd_get(jdict *d, jv key) {
    for (size_t i = 0; i < d->n; i++)
        if (jv_equal(d->k[i], key)) return &d->v[i];
    return NULL;
}

jv *jd_gets(jdict *d, const char *key) {
    size_t n = strlen(key);
    for (size_t i = 0; i < d->n; i++)
        if (d->k[i].t == JV_STR && d->k[i].u.s.n == n && memcmp(d->k[i].u.s.p, key, n) == 0) return &d->v[i];
    return NULL;
}

void jd_set(jctx *c, jdict *d, jv key, jv val) {
    jv *slot = jd_get(d, key);
    if (slot) {
        *slot = val;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4;
        jv *nk = jx_alloc(c, cap * sizeof(jv)), *nv = jx_alloc(c, cap * sizeof(jv));
        if (d->n) {
            memcpy(nk, d->k, d->n * sizeof(jv));
            memcpy(nv, d->v, d->n * sizeof(jv));
        }
        d->k = nk;
        d->v = nv;
        d->cap = cap;
    }
    d->k[d->n] = key;
    d->v[d->n++] = val;
}

/* ---------------------------------------------------------------- UTF-8 */

size_t ju_cplen(const char *p, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80) k++;
    return k;
}

size_t ju_cpoff(const char *p, size_t n, int64_t cp) {
    if (cp <= 0) return 0;
    size_t i = 0;
    int64_t k = 0;
    while (i < n) {
        if (((unsigned char)p[i] & 0xC0) != 0x80) {
            if (k == cp) return i;
            k++;
        }
        i++;
    }
    return n;
}

/* ---------------------------------------------------------------- semantics */

const char *jv_typename(const jv *v) {
    switch ((jv_type)v->t) {
    case JV_UNDEF: return "Undefined";
    case JV_NONE: return "NoneType";
    case JV_BOOL: return "bool";
    case JV_INT: return "int";
    case JV_FLOAT: return "float";
    case JV_STR: return (v->flags & JVF_SAFE) ? "Markup" : "str";
    case JV_LIST: return (v->flags & JVF_GEN) ? "generator" : (v->flags & JVF_TUPLE) ? "tuple" : "list";
    case JV_DICT: return (v->flags & JVF_NS) ? "Namespace" : (v->flags & JVF_VIEW) ? "dict_items" : "dict";
    case JV_FUNC: return "function";
    case JV_LOOP: return "LoopContext";
    }
    return "object";
}

void jv_check_defined(jctx *c, jv v) {
    if (v.t != JV_UNDEF) return;
    bool security = v.u.s.n > 14 && !memcmp(v.u.s.p, "SecurityError:", 14);
    jx_fail(c, FFAI_ERR_TEMPLATE, "%s%.*s", security ? "" : "UndefinedError: ", (int)v.u.s.n, v.u.s.p);
}

bool jv_truthy(jctx *c, jv v) {
    (void)c;
    switch ((jv_type)v.t) {
    case JV_UNDEF:
    case JV_NONE: return false;
    case JV_BOOL: return v.u.b;
    case JV_INT: return v.u.i != 0;
    case JV_FLOAT: return v.u.f != 0.0;
    case JV_STR: return v.u.s.n != 0;
    case JV_LIST: return (v.flags & JVF_GEN) ? true : v.u.l->n != 0;
    case JV_DICT: return (v.flags & JVF_NS) ? true : v.u.d->n != 0;
    default: return true;
    }
}

static bool is_num(jv v) { return v.t == JV_INT || v.t == JV_FLOAT || v.t == JV_BOOL; }
static double num_f(jv v) { return v.t == JV_FLOAT ? v.u.f : v.t == JV_INT ? (double)v.u.i : (double)v.u.b; }
static int64_t num_i(jv v) { return v.t == JV_INT ? v.u.i : (int64_t)v.u.b; }

bool jv_equal(jv a, jv b) {
    if (is_num(a) && is_num(b)) {
        if (a.t == JV_FLOAT || b.t == JV_FLOAT) return num_f(a) == num_f(b);
        return num_i(a) == num_i(b);
    }
    if (a.t != b.t) return false;
    switch ((jv_type)a.t) {
    case JV_UNDEF:
    case JV_NONE: return true;
    case JV_STR: return a.u.s.n == b.u.s.n && memcmp(a.u.s.p, b.u.s.p, a.u.s.n) == 0;
    case JV_LIST:
        if ((a.flags & JVF_TUPLE) != (b.flags & JVF_TUPLE) || a.u.l->n != b.u.l->n) return false;
        if ((a.flags | b.flags) & JVF_GEN) return a.u.l == b.u.l;
        for (size_t i = 0; i < a.u.l->n; i++)
            if (!jv_equal(a.u.l->v[i], b.u.l->v[i])) return false;
        return true;
    case JV_DICT:
        if ((a.flags | b.flags) & JVF_NS) return a.u.d == b.u.d;
        if (a.u.d->n != b.u.d->n) return false;
        for (size_t i = 0; i < a.u.d->n; i++) {
            jv *o = jd_get(b.u.d, a.u.d->k[i]);
            if (!o || !jv_equal(a.u.d->v[i], *o)) return false;
        }
        return true;
    case JV_FUNC: return a.u.fn == b.u.fn;
    case JV_LOOP: return a.u.lp == b.u.lp;
    default: return false;
    }
}

int jv_compare(jctx *c, jv a, jv b, const char *opname) {
    if (is_num(a) && is_num(b)) {
        if (a.t == JV_FLOAT || b.t == JV_FLOAT) {
            double x = num_f(a), y = num_f(b);
            return x < y ? -1 : x > y ? 1 : 0;
        }
        int64_t x = num_i(a), y = num_i(b);
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.t == JV_STR && b.t == JV_STR) {
        size_t n = a.u.s.n < b.u.s.n ? a.u.s.n : b.u.s.n;
        int r = memcmp(a.u.s.p, b.u.s.p, n);
        if (r) return r < 0 ? -1 : 1;
        return a.u.s.n < b.u.s.n ? -1 : a.u.s.n > b.u.s.n ? 1 : 0;
    }
    if (a.t == JV_LIST && b.t == JV_LIST && !((a.flags | b.flags) & JVF_GEN) &&
        (a.flags & JVF_TUPLE) == (b.flags & JVF_TUPLE)) {
        size_t n = a.u.l->n < b.u.l->n ? a.u.l->n : b.u.l->n;
        for (size_t i = 0; i < n; i++) {
            if (jv_equal(a.u.l->v[i], b.u.l->v[i])) continue;
            return jv_compare(c, a.u.l->v[i], b.u.l->v[i], opname);
        }
        return a.u.l->n < b.u.l->n ? -1 : a.u.l->n > b.u.l->n ? 1 : 0;
    }
    jv_check_defined(c, a);
    jv_check_defined(c, b);
    jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: '%s' not supported between instances of '%s' and '%s'", opname,
            jv_typename(&a), jv_typename(&b));
}

/* Python float repr: the shortest digits that round-trip, positional for 1e-4 <= |x| < 1e16. */
void jv_float_repr(char *out, size_t cap, double f) {
    if (isnan(f)) {
        snprintf(out, cap, "nan");
        return;
    }
    if (isinf(f)) {
        snprintf(out, cap, f < 0 ? "-inf" : "inf");
        return;
    }
    if (f == 0) {
        snprintf(out, cap, signbit(f) ? "-0.0" : "0.0");
        return;
    }
    char tmp[64];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, f);
        if (strtod(tmp, NULL) == f) break;
    }
    /* tmp = [-]d[.ddd]e[+-]XX */
    const char *s = tmp;
    bool neg = *s == '-';
    if (neg) s++;
    char digits[32];
    int nd = 0;
    const char *e = strchr(s, 'e');
    for (const char *q = s; q < e; q++)
        if (*q != '.') digits[nd++] = *q;
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = 0;
    int exp10 = atoi(e + 1);
    char *o = out;
    size_t left = cap;
#define EMIT(...)                                          \
    do {                                                   \
        int w_ = snprintf(o, left, __VA_ARGS__);           \
        if (w_ < 0 || (size_t)w_ >= left) return;          \
        o += w_;                                           \
        left -= (size_t)w_;                                \
    } while (0)
    if (neg) EMIT("-");
    if (exp10 >= 16 || exp10 < -4) {
        EMIT("%c", digits[0]);
        if (nd > 1) EMIT(".%s", digits + 1);
        EMIT("e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    } else if (exp10 < 0) {
        EMIT("0.");
        for (int i = -1; i > exp10; i--) EMIT("0");
        EMIT("%s", digits);
    } else {
        for (int i = 0; i <= exp10; i++) EMIT("%c", i < nd ? digits[i] : '0');
        EMIT(".");
        if (nd > exp10 + 1) EMIT("%s", digits + exp10 + 1);
        else EMIT("0");
    }
#undef EMIT
}

static void repr_str(jctx *c, jbuf *b, const char *p, size_t n) {
    bool has_sq = memchr(p, '\'', n) != NULL, has_dq = memchr(p, '"', n) != NULL;
    char q = (has_sq && !has_dq) ? '"' : '\'';
    jb_put(c, b, &q, 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == (unsigned char)q || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            jb_put(c, b, e, 2);
        } else if (ch == '\n') jb_puts(c, b, "\\n");
        else if (ch == '\r') jb_puts(c, b, "\\r");
        else if (ch == '\t') jb_puts(c, b, "\\t");
        else if (ch < 0x20 || ch == 0x7f) jb_printf(c, b, "\\x%02x", ch);
        else jb_put(c, b, (const char *)&p[i], 1);
    }
    jb_put(c, b, &q, 1);
}

void jv_repr(jctx *c, jbuf *b, jv v) {
    switch ((jv_type)v.t) {
    case JV_STR: repr_str(c, b, v.u.s.p, v.u.s.n); return;
    case JV_LIST: {
        if (v.flags & JVF_GEN) {
            jb_puts(c, b, "<generator object>");
            return;
        }
        bool tup = v.flags & JVF_TUPLE;
        jb_puts(c, b, tup ? "(" : "[");
        for (size_t i = 0; i < v.u.l->n; i++) {
            if (i) jb_puts(c, b, ", ");
            jv_repr(c, b, v.u.l->v[i]);
        }
        if (tup && v.u.l->n == 1) jb_puts(c, b, ",");
        jb_puts(c, b, tup ? ")" : "]");
        return;
    }
    case JV_DICT: {
        if (v.flags & JVF_NS) {
            jb_puts(c, b, "<Namespace>");
            return;
        }
        jb_puts(c, b, "{");
        for (size_t i = 0; i < v.u.d->n; i++) {
            if (i) jb_puts(c, b, ", ");
            jv_repr(c, b, v.u.d->k[i]);
            jb_puts(c, b, ": ");
            jv_repr(c, b, v.u.d->v[i]);
        }
        jb_puts(c, b, "}");
        return;
    }
    case JV_UNDEF: jb_puts(c, b, "Undefined"); return;
    default: jv_tostr(c, b, v);
    }
}

void jv_tostr(jctx *c, jbuf *b, jv v) {
    char tmp[64];
    switch ((jv_type)v.t) {
    case JV_UNDEF: return;
    case JV_NONE: jb_puts(c, b, "None"); return;
    case JV_BOOL: jb_puts(c, b, v.u.b ? "True" : "False"); return;
    case JV_INT: jb_printf(c, b, "%lld", (long long)v.u.i); return;
    case JV_FLOAT: jv_float_repr(tmp, sizeof tmp, v.u.f); jb_puts(c, b, tmp); return;
    case JV_STR: jb_put(c, b, v.u.s.p, v.u.s.n); return;
    case JV_FUNC: jb_printf(c, b, "<function %s>", v.u.fn->name ? v.u.fn->name : "?"); return;
    case JV_LOOP: jb_puts(c, b, "<LoopContext>"); return;
    default: jv_repr(c, b, v);
    }
}

jv jv_tostring(jctx *c, jv v) {
    if (v.t == JV_STR) {
        v.flags &= (uint8_t)~JVF_SAFE;
        return v;
    }
    jbuf b = {0};
    jv_tostr(c, &b, v);
    return jv_strn(b.p ? b.p : "", b.n);
}

jv jv_escape_html(jctx *c, jv s) {
    jbuf b = {0};
    for (size_t i = 0; i < s.u.s.n; i++) {
        char ch = s.u.s.p[i];
        switch (ch) {
        case '&': jb_puts(c, &b, "&amp;"); break;
        case '<': jb_puts(c, &b, "&lt;"); break;
        case '>': jb_puts(c, &b, "&gt;"); break;
        case '"': jb_puts(c, &b, "&#34;"); break;
        case '\'': jb_puts(c, &b, "&#39;"); break;
        default: jb_put(c, &b, &ch, 1);
        }
    }
    jv r = jv_strn(b.p ? b.p : "", b.n);
    r.flags = JVF_SAFE;
    return r;
}

int64_t jv_len(jctx *c, jv v) {
    switch ((jv_type)v.t) {
    case JV_UNDEF: return 0;
    case JV_STR: return (int64_t)ju_cplen(v.u.s.p, v.u.s.n);
    case JV_LIST:
        if (v.flags & JVF_GEN) break;
        return (int64_t)v.u.l->n;
    case JV_DICT:
        if (v.flags & JVF_NS) break;
        return (int64_t)v.u.d->n;
    default: break;
    }
    jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: object of type '%s' has no len()", jv_typename(&v));
}

jlist *jv_iter(jctx *c, jv v) {
    switch ((jv_type)v.t) {
    case JV_UNDEF: return jv_newlist(c, 0, 0).u.l;
    case JV_LIST: return v.u.l;
    case JV_DICT: {
        if (v.flags & JVF_NS) break;
        jlist *l = jv_newlist(c, v.u.d->n, 0).u.l;
        for (size_t i = 0; i < v.u.d->n; i++) l->v[i] = v.u.d->k[i];
        l->n = v.u.d->n;
        return l;
    }
    case JV_STR: {
        jlist *l = jv_newlist(c, 0, 0).u.l;
        const char *p = v.u.s.p;
        size_t n = v.u.s.n, i = 0;
        while (i < n) {
            size_t j = i + 1;
            while (j < n && ((unsigned char)p[j] & 0xC0) == 0x80) j++;
            jl_push(c, l, jv_strn(p + i, j - i));
            i = j;
        }
        return l;
    }
    default: break;
    }
    jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: '%s' object is not iterable", jv_typename(&v));
}
