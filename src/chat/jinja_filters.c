/* jinja_filters.c — Jinja's built-in filters and tests (the subset chat templates use), plus
 * HF's tojson, with the semantics of Jinja2 3.1 under HF's environment (autoescape off). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chat/jinja.h"
#include "core/error.h"

/* ---------------------------------------------------------------- argument helpers */

static jv arg_or(jargs *a, int i, const char *name, jv def) {
    jv *v = ja_arg(a, i, name);
    return v ? *v : def;
}
static bool arg_bool(jctx *c, jargs *a, int i, const char *name, bool def) {
    jv *v = ja_arg(a, i, name);
    return v ? jv_truthy(c, *v) : def;
}
static jv arg_str(jctx *c, jargs *a, int i, const char *name, const char *def) {
    jv *v = ja_arg(a, i, name);
    if (!v || v->t == JV_NONE) return def ? jv_strn(def, strlen(def)) : jv_none();
    return jv_tostring(c, *v);
}
static jv none_or_str(jctx *c, jv *v) { return (!v || v->t == JV_NONE) ? jv_none() : jv_tostring(c, *v); }

/* item[attr] for a dotted attribute path, digits as indexes (Jinja's make_attrgetter). */
static jv attr_get(jctx *c, jv item, jv attr) {
    if (attr.t != JV_STR) return jx_getitem(c, item, attr);
    const char *p = attr.u.s.p, *end = p + attr.u.s.n;
    while (p <= end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        if (!dot) dot = end;
        size_t n = (size_t)(dot - p);
        bool digits = n > 0;
        int64_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i] < '0' || p[i] > '9') digits = false;
            else k = k * 10 + (p[i] - '0');
        }
        item = jx_getitem(c, item, digits ? jv_int(k) : jv_strn(p, n));
        p = dot + 1;
    }
    return item;
}

/* Arguments a[from..] as a fresh argument list (for map/select forwarding). */
static jargs args_tail(jctx *c, jargs *a, int from) {
    jargs r = {0};
    r.v = jx_alloc(c, (size_t)(a->n + 1) * sizeof(jv));
    r.kw = jx_alloc(c, (size_t)(a->n + 1) * sizeof(char *));
    int pos = 0;
    for (int k = 0; k < a->n; k++) {
        if (!a->kw[k] && pos++ < from) continue;
        r.v[r.n] = a->v[k];
        r.kw[r.n++] = a->kw[k];
    }
    return r;
}

static const char *cstr(jctx *c, jv s) {
    char *p = jx_alloc(c, s.u.s.n + 1);
    memcpy(p, s.u.s.p, s.u.s.n);
    return p;
}

/* ---------------------------------------------------------------- sorting */

typedef struct {
    jctx *c;
    jv key;
    jv val;
    size_t idx;
} sortrec;

static jv sort_key(jctx *c, jv v, bool case_sensitive) {
    if (v.t == JV_STR && !case_sensitive) return jm_case(c, v, 'l');
    return v;
}

static void msort(jctx *c, sortrec *r, size_t n, bool reverse, sortrec *tmp) {
    if (n < 2) return;
    size_t h = n / 2;
    msort(c, r, h, reverse, tmp);
    msort(c, r + h, n - h, reverse, tmp);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        int cmp = jv_compare(c, r[j].key, r[i].key, "<");
        bool take_right = reverse ? cmp > 0 : cmp < 0;
        tmp[k++] = take_right ? r[j++] : r[i++];
    }
    while (i < h) tmp[k++] = r[i++];
    while (j < n) tmp[k++] = r[j++];
    memcpy(r, tmp, n * sizeof *r);
}

static sortrec *sorted_recs(jctx *c, jlist *l, jv attr, bool case_sensitive, bool reverse) {
    sortrec *r = jx_alloc(c, (l->n + 1) * sizeof *r), *tmp = jx_alloc(c, (l->n + 1) * sizeof *r);
    for (size_t i = 0; i < l->n; i++) {
        r[i].val = l->v[i];
        r[i].idx = i;
        r[i].key = sort_key(c, attr.t == JV_NONE ? l->v[i] : attr_get(c, l->v[i], attr), case_sensitive);
    }
    msort(c, r, l->n, reverse, tmp);
    return r;
}

/* ---------------------------------------------------------------- filters */

static jv f_tojson(jctx *c, jv v, jargs *a) {
    bool ensure_ascii = arg_bool(c, a, 0, "ensure_ascii", false);
    jv ind = arg_or(a, 1, "indent", jv_none());
    jv seps = arg_or(a, 2, "separators", jv_none());
    bool sort_keys = arg_bool(c, a, 3, "sort_keys", false);
    int indent = -1;
    if (ind.t == JV_INT) indent = ind.u.i < 0 ? 0 : (int)ind.u.i;
    else if (ind.t != JV_NONE) jx_fail(c, FFAI_ERR_UNSUPPORTED, "tojson: indent must be an integer");
    const char *isep = indent >= 0 ? "," : ", ", *ksep = ": ";
    if (seps.t == JV_LIST && seps.u.l->n == 2) {
        isep = cstr(c, jv_tostring(c, seps.u.l->v[0]));
        ksep = cstr(c, jv_tostring(c, seps.u.l->v[1]));
    } else if (seps.t != JV_NONE) jx_fail(c, FFAI_ERR_TEMPLATE, "tojson: separators must be a pair of strings");
    jbuf b = {0};
    jj_dump(c, &b, v, indent, isep, ksep, sort_keys, ensure_ascii);
    return jv_strn(b.p ? b.p : "", b.n);
}

static jv f_join(jctx *c, jv v, jargs *a) {
    jv sep = arg_str(c, a, 0, "d", "");
    jv attr = arg_or(a, 1, "attribute", jv_none());
    jlist *l = jv_iter(c, v);
    jbuf b = {0};
    for (size_t i = 0; i < l->n; i++) {
        if (i) jb_put(c, &b, sep.u.s.p, sep.u.s.n);
        jv_tostr(c, &b, attr.t == JV_NONE ? l->v[i] : attr_get(c, l->v[i], attr));
    }
    return jv_strn(b.p ? b.p : "", b.n);
}

static jv f_indent(jctx *c, jv v, jargs *a) {
    jv w = arg_or(a, 0, "width", jv_int(4));
    bool first = arg_bool(c, a, 1, "first", false), blank = arg_bool(c, a, 2, "blank", false);
    jbuf ind = {0};
    if (w.t == JV_STR) jb_put(c, &ind, w.u.s.p, w.u.s.n);
    else
        for (int64_t i = 0; i < (w.t == JV_INT ? w.u.i : 4); i++) jb_put(c, &ind, " ", 1);
    jv s = jv_tostring(c, v);
    jbuf tmp = {0};
    jb_put(c, &tmp, s.u.s.p, s.u.s.n);
    jb_put(c, &tmp, "\n", 1);
    jlist *lines = jm_splitlines(c, jv_strn(tmp.p, tmp.n));
    jbuf out = {0};
    if (first) jb_put(c, &out, ind.p ? ind.p : "", ind.n);
    for (size_t i = 0; i < lines->n; i++) {
        jv ln = lines->v[i];
        if (i) {
            jb_put(c, &out, "\n", 1);
            if (blank || ln.u.s.n) jb_put(c, &out, ind.p ? ind.p : "", ind.n);
        }
        jb_put(c, &out, ln.u.s.p, ln.u.s.n);
    }
    return jv_strn(out.p ? out.p : "", out.n);
}

static jv f_select(jctx *c, jv v, jargs *a, bool attr_mode, bool want) {
    if (!jv_truthy(c, v)) return jv_newlist(c, 0, JVF_GEN); /* Jinja: `if value:` before iterating */
    jlist *l = jv_iter(c, v);
    jv attr = jv_none();
    int first_test_arg = 0;
    if (attr_mode) {
        attr = arg_or(a, 0, NULL, jv_none());
        first_test_arg = 1;
    }
    jv *test = ja_arg(a, first_test_arg, NULL);
    jargs targs = args_tail(c, a, first_test_arg + 1);
    jv out = jv_newlist(c, 0, JVF_GEN);
    for (size_t i = 0; i < l->n; i++) {
        jv item = attr_mode ? attr_get(c, l->v[i], attr) : l->v[i];
        bool ok;
        if (test) {
            jv name = jv_tostring(c, *test);
            ok = jf_test(c, cstr(c, name), item, &targs);
        } else ok = jv_truthy(c, item);
        if (ok == want) jl_push(c, out.u.l, l->v[i]);
    }
    return out;
}

static jv f_map(jctx *c, jv v, jargs *a) {
    jv out = jv_newlist(c, 0, JVF_GEN);
    if (!jv_truthy(c, v)) return out; /* Jinja: `if value:` before iterating */
    jlist *l = jv_iter(c, v);
    jv *attr = ja_arg(a, -1, "attribute");
    if (attr) {
        jv def = arg_or(a, -1, "default", jv_undef(c, "no default"));
        bool has_def = ja_arg(a, -1, "default") != NULL;
        for (size_t i = 0; i < l->n; i++) {
            jv x = attr_get(c, l->v[i], *attr);
            if (has_def && x.t == JV_UNDEF) x = def;
            jl_push(c, out.u.l, x);
        }
        return out;
    }
    jv *name = ja_arg(a, 0, NULL);
    if (!name) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: map requires a filter argument");
    const char *fname = cstr(c, jv_tostring(c, *name));
    jargs rest = args_tail(c, a, 1);
    for (size_t i = 0; i < l->n; i++) jl_push(c, out.u.l, jf_filter(c, fname, l->v[i], &rest));
    return out;
}

static jv f_unique(jctx *c, jv v, jargs *a) {
    bool cs = arg_bool(c, a, 0, "case_sensitive", false);
    jv attr = arg_or(a, 1, "attribute", jv_none());
    jlist *l = jv_iter(c, v);
    jv seen = jv_newlist(c, 0, 0), out = jv_newlist(c, 0, JVF_GEN);
    for (size_t i = 0; i < l->n; i++) {
        jv k = sort_key(c, attr.t == JV_NONE ? l->v[i] : attr_get(c, l->v[i], attr), cs);
        bool dup = false;
        for (size_t j = 0; j < seen.u.l->n && !dup; j++) dup = jv_equal(seen.u.l->v[j], k);
        if (dup) continue;
        jl_push(c, seen.u.l, k);
        jl_push(c, out.u.l, l->v[i]);
    }
    return out;
}

static jv f_minmax(jctx *c, jv v, jargs *a, bool is_max) {
    bool cs = arg_bool(c, a, 0, "case_sensitive", false);
    jv attr = arg_or(a, 1, "attribute", jv_none());
    jlist *l = jv_iter(c, v);
    if (!l->n) return jv_undef(c, "No aggregated item, sequence was empty.");
    size_t best = 0;
    jv bk = sort_key(c, attr.t == JV_NONE ? l->v[0] : attr_get(c, l->v[0], attr), cs);
    for (size_t i = 1; i < l->n; i++) {
        jv k = sort_key(c, attr.t == JV_NONE ? l->v[i] : attr_get(c, l->v[i], attr), cs);
        int cmp = jv_compare(c, k, bk, "<");
        if (is_max ? cmp > 0 : cmp < 0) {
            best = i;
            bk = k;
        }
    }
    return l->v[best];
}

static jv f_round(jctx *c, jv v, jargs *a) {
    jv p = arg_or(a, 0, "precision", jv_int(0));
    jv m = arg_str(c, a, 1, "method", "common");
    if ((v.t == JV_INT || v.t == JV_BOOL) && m.u.s.n == 6 && !memcmp(m.u.s.p, "common", 6))
        return v.t == JV_INT ? v : jv_int(v.u.b); /* Python round(int) stays an int */
    double x = v.t == JV_INT ? (double)v.u.i : v.t == JV_FLOAT ? v.u.f : v.t == JV_BOOL ? v.u.b : NAN;
    if (isnan(x) && v.t != JV_FLOAT) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: round needs a number, not '%s'", jv_typename(&v));
    double scale = pow(10.0, (double)(p.t == JV_INT ? p.u.i : 0)), y = x * scale, r;
    if (m.u.s.n == 4 && !memcmp(m.u.s.p, "ceil", 4)) r = ceil(y);
    else if (m.u.s.n == 5 && !memcmp(m.u.s.p, "floor", 5)) r = floor(y);
    else r = nearbyint(y); /* Python round(): half to even */
    return jv_float(r / scale);
}

static jv to_int(jctx *c, jv v, jv def) {
    switch (v.t) {
    case JV_INT: return v;
    case JV_BOOL: return jv_int(v.u.b);
    case JV_FLOAT: return isfinite(v.u.f) ? jv_int((int64_t)v.u.f) : def;
    case JV_STR: {
        char *s = (char *)cstr(c, v), *end;
        long long i = strtoll(s, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\n') end++;
        if (end != s && !*end) return jv_int(i);
        double f = strtod(s, &end);
        while (*end == ' ' || *end == '\t' || *end == '\n') end++;
        if (end != s && !*end && isfinite(f)) return jv_int((int64_t)f);
        return def;
    }
    default: return def;
    }
}

static jv to_float(jctx *c, jv v, jv def) {
    switch (v.t) {
    case JV_INT: return jv_float((double)v.u.i);
    case JV_BOOL: return jv_float(v.u.b);
    case JV_FLOAT: return v;
    case JV_STR: {
        char *s = (char *)cstr(c, v), *end;
        double f = strtod(s, &end);
        while (*end == ' ' || *end == '\t' || *end == '\n') end++;
        return (end != s && !*end) ? jv_float(f) : def;
    }
    default: return def;
    }
}

static bool name_is(const char *name, const char *a, const char *b) { return !strcmp(name, a) || (b && !strcmp(name, b)); }

jv jf_filter(jctx *c, const char *name, jv v, jargs *a) {
    if (name_is(name, "default", "d")) {
        jv def = arg_or(a, 0, "default_value", jv_strn("", 0));
        bool boolean = arg_bool(c, a, 1, "boolean", false);
        if (v.t == JV_UNDEF || (boolean && !jv_truthy(c, v))) return def;
        return v;
    }
    if (name_is(name, "tojson", NULL)) return f_tojson(c, v, a);
    if (name_is(name, "safe", NULL)) {
        v = jv_tostring(c, v);
        v.flags = JVF_SAFE;
        return v;
    }
    if (name_is(name, "string", NULL)) {
        if (v.t == JV_STR) return v;
        return jv_tostring(c, v);
    }
    if (name_is(name, "escape", "e") || !strcmp(name, "forceescape")) {
        if (v.t == JV_STR && (v.flags & JVF_SAFE) && strcmp(name, "forceescape")) return v;
        return jv_escape_html(c, jv_tostring(c, v));
    }
    if (name_is(name, "length", "count")) return jv_int(jv_len(c, v));
    if (name_is(name, "trim", NULL)) return jm_strip(c, jv_tostring(c, v), none_or_str(c, ja_arg(a, 0, "chars")), 'b');
    if (name_is(name, "upper", NULL)) return jm_case(c, jv_tostring(c, v), 'u');
    if (name_is(name, "lower", NULL)) return jm_case(c, jv_tostring(c, v), 'l');
    if (name_is(name, "capitalize", NULL)) return jm_case(c, jv_tostring(c, v), 'c');
    if (name_is(name, "title", NULL)) return jm_case(c, jv_tostring(c, v), 't');
    if (name_is(name, "replace", NULL)) {
        jv old = arg_str(c, a, 0, "old", ""), nw = arg_str(c, a, 1, "new", "");
        jv cnt = arg_or(a, 2, "count", jv_none());
        return jm_replace(c, jv_tostring(c, v), old, nw, cnt.t == JV_INT ? cnt.u.i : -1);
    }
    if (name_is(name, "join", NULL)) return f_join(c, v, a);
    if (name_is(name, "list", NULL)) {
        jlist *l = jv_iter(c, v);
        jv r = jv_newlist(c, l->n, 0);
        if (l->n) memcpy(r.u.l->v, l->v, l->n * sizeof(jv));
        r.u.l->n = l->n;
        return r;
    }
    if (name_is(name, "first", NULL)) {
        jlist *l = jv_iter(c, v);
        return l->n ? l->v[0] : jv_undef(c, "No first item, sequence was empty.");
    }
    if (name_is(name, "last", NULL)) {
        if (v.t == JV_LIST && (v.flags & JVF_GEN))
            jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: 'generator' object is not reversible");
        jlist *l = jv_iter(c, v);
        return l->n ? l->v[l->n - 1] : jv_undef(c, "No last item, sequence was empty.");
    }
    if (name_is(name, "items", NULL)) {
        jv out = jv_newlist(c, 0, JVF_GEN);
        if (v.t == JV_UNDEF) return out;
        if (v.t != JV_DICT || (v.flags & JVF_NS))
            jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: Can only get item pairs from a mapping.");
        for (size_t i = 0; i < v.u.d->n; i++) {
            jv t = jv_newlist(c, 2, JVF_TUPLE);
            t.u.l->v[0] = v.u.d->k[i];
            t.u.l->v[1] = v.u.d->v[i];
            t.u.l->n = 2;
            jl_push(c, out.u.l, t);
        }
        return out;
    }
    if (name_is(name, "dictsort", NULL)) {
        bool cs = arg_bool(c, a, 0, "case_sensitive", false);
        jv by = arg_str(c, a, 1, "by", "key");
        bool rev = arg_bool(c, a, 2, "reverse", false);
        if (v.t != JV_DICT) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: dictsort expects a mapping");
        jv pairs = jv_newlist(c, v.u.d->n, 0);
        for (size_t i = 0; i < v.u.d->n; i++) {
            jv t = jv_newlist(c, 2, JVF_TUPLE);
            t.u.l->v[0] = v.u.d->k[i];
            t.u.l->v[1] = v.u.d->v[i];
            t.u.l->n = 2;
            jl_push(c, pairs.u.l, t);
        }
        jv attr = jv_int(by.u.s.n == 5 && !memcmp(by.u.s.p, "value", 5) ? 1 : 0);
        sortrec *r = sorted_recs(c, pairs.u.l, attr, cs, rev);
        for (size_t i = 0; i < pairs.u.l->n; i++) pairs.u.l->v[i] = r[i].val;
        return pairs;
    }
    if (name_is(name, "sort", NULL)) {
        bool rev = arg_bool(c, a, 0, "reverse", false), cs = arg_bool(c, a, 1, "case_sensitive", false);
        jv attr = arg_or(a, 2, "attribute", jv_none());
        jlist *l = jv_iter(c, v);
        sortrec *r = sorted_recs(c, l, attr, cs, rev);
        jv out = jv_newlist(c, l->n, 0);
        for (size_t i = 0; i < l->n; i++) out.u.l->v[i] = r[i].val;
        out.u.l->n = l->n;
        return out;
    }
    if (name_is(name, "reverse", NULL)) {
        if (v.t == JV_STR) {
            jlist *l = jv_iter(c, v);
            jbuf b = {0};
            for (size_t i = l->n; i-- > 0;) jb_put(c, &b, l->v[i].u.s.p, l->v[i].u.s.n);
            return jv_strn(b.p ? b.p : "", b.n);
        }
        jlist *l = jv_iter(c, v);
        jv out = jv_newlist(c, l->n, JVF_GEN);
        for (size_t i = 0; i < l->n; i++) out.u.l->v[i] = l->v[l->n - 1 - i];
        out.u.l->n = l->n;
        return out;
    }
    if (name_is(name, "selectattr", NULL)) return f_select(c, v, a, true, true);
    if (name_is(name, "rejectattr", NULL)) return f_select(c, v, a, true, false);
    if (name_is(name, "select", NULL)) return f_select(c, v, a, false, true);
    if (name_is(name, "reject", NULL)) return f_select(c, v, a, false, false);
    if (name_is(name, "map", NULL)) return f_map(c, v, a);
    if (name_is(name, "unique", NULL)) return f_unique(c, v, a);
    if (name_is(name, "min", NULL)) return f_minmax(c, v, a, false);
    if (name_is(name, "max", NULL)) return f_minmax(c, v, a, true);
    if (name_is(name, "indent", NULL)) return f_indent(c, v, a);
    if (name_is(name, "int", NULL)) return to_int(c, v, arg_or(a, 0, "default", jv_int(0)));
    if (name_is(name, "float", NULL)) return to_float(c, v, arg_or(a, 0, "default", jv_float(0)));
    if (name_is(name, "round", NULL)) return f_round(c, v, a);
    if (name_is(name, "abs", NULL)) {
        if (v.t == JV_INT) return jv_int(v.u.i < 0 ? -v.u.i : v.u.i);
        if (v.t == JV_BOOL) return jv_int(v.u.b);
        if (v.t == JV_FLOAT) return jv_float(fabs(v.u.f));
        jv_check_defined(c, v);
        jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: bad operand type for abs(): '%s'", jv_typename(&v));
    }
    if (name_is(name, "sum", NULL)) {
        jv attr = arg_or(a, 0, "attribute", jv_none());
        jv acc = arg_or(a, 1, "start", jv_int(0));
        jlist *l = jv_iter(c, v);
        for (size_t i = 0; i < l->n; i++) {
            jv x = attr.t == JV_NONE ? l->v[i] : attr_get(c, l->v[i], attr);
            jv_check_defined(c, x);
            if (acc.t == JV_INT && x.t == JV_INT) acc = jv_int(acc.u.i + x.u.i);
            else if ((acc.t == JV_INT || acc.t == JV_FLOAT) && (x.t == JV_INT || x.t == JV_FLOAT || x.t == JV_BOOL))
                acc = jv_float((acc.t == JV_INT ? (double)acc.u.i : acc.u.f) +
                               (x.t == JV_FLOAT ? x.u.f : x.t == JV_INT ? (double)x.u.i : x.u.b));
            else jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: unsupported operand type(s) for +: '%s' and '%s'", jv_typename(&acc), jv_typename(&x));
        }
        return acc;
    }
    if (name_is(name, "batch", NULL)) {
        jv cnt = arg_or(a, 0, "linecount", jv_int(1));
        jv *fill = ja_arg(a, 1, "fill_with");
        int64_t k = cnt.t == JV_INT && cnt.u.i > 0 ? cnt.u.i : 1;
        jlist *l = jv_iter(c, v);
        jv out = jv_newlist(c, 0, JVF_GEN), cur = jv_newlist(c, 0, 0);
        for (size_t i = 0; i < l->n; i++) {
            jl_push(c, cur.u.l, l->v[i]);
            if ((int64_t)cur.u.l->n == k) {
                jl_push(c, out.u.l, cur);
                cur = jv_newlist(c, 0, 0);
            }
        }
        if (cur.u.l->n) {
            if (fill && fill->t != JV_NONE)
                while ((int64_t)cur.u.l->n < k) jl_push(c, cur.u.l, *fill);
            jl_push(c, out.u.l, cur);
        }
        return out;
    }
    if (name_is(name, "wordcount", NULL)) {
        jv s = jv_tostring(c, v);
        int64_t n = 0;
        bool in = false;
        for (size_t i = 0; i < s.u.s.n; i++) {
            unsigned char ch = (unsigned char)s.u.s.p[i];
            bool w = ch >= 0x80 || ch == '_' || (ch >= '0' && ch <= '9') || ((ch | 32) >= 'a' && (ch | 32) <= 'z');
            if (w && !in) n++;
            in = w;
        }
        return jv_int(n);
    }
    jx_fail(c, FFAI_ERR_TEMPLATE, "TemplateAssertionError: No filter named '%s'.", name);
}

bool jf_has_filter(const char *name) {
    static const char *const names[] = {
        "default", "d", "tojson", "safe", "string", "escape", "e", "forceescape", "length", "count", "trim",
        "upper", "lower", "capitalize", "title", "replace", "join", "list", "first", "last", "items", "dictsort",
        "sort", "reverse", "selectattr", "rejectattr", "select", "reject", "map", "unique", "min", "max", "indent",
        "int", "float", "round", "abs", "sum", "batch", "wordcount"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(names[i], name)) return true;
    return false;
}

/* ---------------------------------------------------------------- tests */

static bool is_int(jv v) { return v.t == JV_INT; }
static int64_t int_of(jctx *c, jv v, const char *what) {
    jv_check_defined(c, v);
    if (v.t == JV_INT) return v.u.i;
    if (v.t == JV_BOOL) return v.u.b;
    jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: '%s' needs an integer, not '%s'", what, jv_typename(&v));
}

bool jf_test(jctx *c, const char *name, jv v, jargs *a) {
    jv arg = arg_or(a, 0, NULL, jv_undef(c, "missing test argument"));
    if (!strcmp(name, "defined")) return v.t != JV_UNDEF;
    if (!strcmp(name, "undefined")) return v.t == JV_UNDEF;
    if (!strcmp(name, "none")) return v.t == JV_NONE;
    if (!strcmp(name, "boolean")) return v.t == JV_BOOL;
    if (!strcmp(name, "true")) return v.t == JV_BOOL && v.u.b;
    if (!strcmp(name, "false")) return v.t == JV_BOOL && !v.u.b;
    if (!strcmp(name, "integer")) return is_int(v);
    if (!strcmp(name, "float")) return v.t == JV_FLOAT;
    if (!strcmp(name, "number")) return v.t == JV_INT || v.t == JV_FLOAT || v.t == JV_BOOL;
    if (!strcmp(name, "string")) return v.t == JV_STR;
    if (!strcmp(name, "mapping")) return v.t == JV_DICT && !(v.flags & (JVF_NS | JVF_VIEW));
    if (!strcmp(name, "iterable"))
        return v.t == JV_UNDEF || v.t == JV_STR || v.t == JV_LIST || (v.t == JV_DICT && !(v.flags & JVF_NS));
    if (!strcmp(name, "sequence"))
        return v.t == JV_UNDEF || v.t == JV_STR || (v.t == JV_LIST && !(v.flags & JVF_GEN)) ||
               (v.t == JV_DICT && !(v.flags & (JVF_NS | JVF_VIEW)));
    if (!strcmp(name, "callable")) return v.t == JV_FUNC;
    if (!strcmp(name, "escaped")) return v.t == JV_STR && (v.flags & JVF_SAFE);
    if (!strcmp(name, "odd")) return (int_of(c, v, "odd") & 1) != 0;
    if (!strcmp(name, "even")) return (int_of(c, v, "even") & 1) == 0;
    if (!strcmp(name, "divisibleby")) {
        int64_t d = int_of(c, arg, "divisibleby");
        if (!d) jx_fail(c, FFAI_ERR_TEMPLATE, "ZeroDivisionError: integer division or modulo by zero");
        return int_of(c, v, "divisibleby") % d == 0;
    }
    if (!strcmp(name, "lower") || !strcmp(name, "upper")) {
        jv s = jv_tostring(c, v);
        return jm_is_case(c, s, name[0] == 'l' ? 'l' : 'u');
    }
    if (!strcmp(name, "eq") || !strcmp(name, "equalto") || !strcmp(name, "==")) return jv_equal(v, arg);
    if (!strcmp(name, "ne") || !strcmp(name, "!=")) return !jv_equal(v, arg);
    if (!strcmp(name, "lt") || !strcmp(name, "lessthan") || !strcmp(name, "<")) return jv_compare(c, v, arg, "<") < 0;
    if (!strcmp(name, "le") || !strcmp(name, "<=")) return jv_compare(c, v, arg, "<=") <= 0;
    if (!strcmp(name, "gt") || !strcmp(name, "greaterthan") || !strcmp(name, ">")) return jv_compare(c, v, arg, ">") > 0;
    if (!strcmp(name, "ge") || !strcmp(name, ">=")) return jv_compare(c, v, arg, ">=") >= 0;
    if (!strcmp(name, "in")) {
        if (arg.t == JV_STR) {
            if (v.t != JV_STR) return false;
            for (size_t i = 0; i + v.u.s.n <= arg.u.s.n; i++)
                if (!memcmp(arg.u.s.p + i, v.u.s.p, v.u.s.n)) return true;
            return false;
        }
        if (arg.t == JV_DICT) return jd_get(arg.u.d, v) != NULL;
        jlist *l = jv_iter(c, arg);
        for (size_t i = 0; i < l->n; i++)
            if (jv_equal(v, l->v[i])) return true;
        return false;
    }
    if (!strcmp(name, "sameas")) {
        if (v.t != arg.t) return false;
        if (v.t == JV_NONE || v.t == JV_UNDEF) return true;
        if (v.t == JV_BOOL) return v.u.b == arg.u.b;
        if (v.t == JV_INT) return v.u.i == arg.u.i;
        if (v.t == JV_STR) return v.u.s.p == arg.u.s.p && v.u.s.n == arg.u.s.n;
        return jv_equal(v, arg) && v.u.l == arg.u.l;
    }
    if (!strcmp(name, "filter")) return v.t == JV_STR && jf_has_filter(cstr(c, v));
    if (!strcmp(name, "test")) return v.t == JV_STR && jf_has_test(cstr(c, v));
    jx_fail(c, FFAI_ERR_TEMPLATE, "TemplateAssertionError: No test named '%s'.", name);
}

bool jf_has_test(const char *name) {
    static const char *const names[] = {
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string",
        "mapping", "iterable", "sequence", "callable", "escaped", "odd", "even", "divisibleby", "lower", "upper",
        "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=",
        "in", "sameas", "filter", "test"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(names[i], name)) return true;
    return false;
}
