/* jinja_methods.c — Python methods reachable from templates (str, dict, loop) and the global
 * functions of HF's environment: range, namespace, dict, raise_exception, strftime_now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "chat/jinja.h"
#include "core/error.h"

/* ---------------------------------------------------------------- UTF-8 / Unicode helpers */

static uint32_t dec(const char *p, size_t n, size_t *i) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p + *i, (utf8proc_ssize_t)(n - *i), &cp);
    if (k <= 0) {
        cp = (unsigned char)p[*i];
        k = 1;
    }
    *i += (size_t)k;
    return (uint32_t)cp;
}

static void enc(jctx *c, jbuf *b, uint32_t cp) {
    utf8proc_uint8_t tmp[4];
    utf8proc_ssize_t k = utf8proc_encode_char((utf8proc_int32_t)cp, tmp);
    jb_put(c, b, (const char *)tmp, (size_t)k);
}

static bool py_space(uint32_t cp) {
    return (cp >= 9 && cp <= 13) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
           cp == 0x3000;
}

static bool is_cased(uint32_t cp) {
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT;
}

static jv bufval(jbuf *b) { return jv_strn(b->p ? b->p : "", b->n); }

static bool in_chars(jv chars, uint32_t cp) {
    if (chars.t != JV_STR) return py_space(cp);
    for (size_t i = 0; i < chars.u.s.n;)
        if (dec(chars.u.s.p, chars.u.s.n, &i) == cp) return true;
    return false;
}

jv jm_strip(jctx *c, jv s, jv chars, char mode) {
    const char *p = s.u.s.p;
    size_t n = s.u.s.n, a = 0, b = n;
    if (mode != 'r')
        while (a < n) {
            size_t j = a;
            if (!in_chars(chars, dec(p, n, &j))) break;
            a = j;
        }
    if (mode != 'l')
        while (b > a) {
            size_t st = b - 1;
            while (st > a && ((unsigned char)p[st] & 0xC0) == 0x80) st--;
            size_t j = st;
            if (!in_chars(chars, dec(p, n, &j))) break;
            b = st;
        }
    return jv_strn(p + a, b - a);
}

jv jm_case(jctx *c, jv s, char mode) {
    jbuf b = {0};
    bool prev_cased = false, word_start = true;
    for (size_t i = 0; i < s.u.s.n;) {
        uint32_t cp = dec(s.u.s.p, s.u.s.n, &i);
        uint32_t o = cp;
        switch (mode) {
        case 'u': o = (uint32_t)utf8proc_toupper((utf8proc_int32_t)cp); break;
        case 'l': o = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp); break;
        case 'c':
            o = (uint32_t)(b.n == 0 ? utf8proc_toupper((utf8proc_int32_t)cp) : utf8proc_tolower((utf8proc_int32_t)cp));
            break;
        case 'T': /* Python str.title(): upper after an uncased character */
            if (is_cased(cp)) o = (uint32_t)(prev_cased ? utf8proc_tolower((utf8proc_int32_t)cp) : utf8proc_toupper((utf8proc_int32_t)cp));
            prev_cased = is_cased(cp);
            break;
        case 't': /* Jinja title filter: words start after [-\s({[<] */
            o = (uint32_t)(word_start ? utf8proc_toupper((utf8proc_int32_t)cp) : utf8proc_tolower((utf8proc_int32_t)cp));
            word_start = py_space(cp) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
            break;
        }
        enc(c, &b, o);
    }
    return bufval(&b);
}

bool jm_is_case(jctx *c, jv s, char mode) {
    (void)c;
    bool any = false;
    for (size_t i = 0; i < s.u.s.n;) {
        uint32_t cp = dec(s.u.s.p, s.u.s.n, &i);
        if (!is_cased(cp)) continue;
        utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
        if (mode == 'l' ? cat != UTF8PROC_CATEGORY_LL : cat == UTF8PROC_CATEGORY_LL) return false;
        any = true;
    }
    return any;
}

static bool match_at(jv s, size_t i, jv sub) { return i + sub.u.s.n <= s.u.s.n && !memcmp(s.u.s.p + i, sub.u.s.p, sub.u.s.n); }

jv jm_replace(jctx *c, jv s, jv old, jv nw, int64_t count) {
    jbuf b = {0};
    int64_t done = 0;
    if (!old.u.s.n) { /* Python inserts `new` around every character */
        jlist *chars = jv_iter(c, s);
        for (size_t i = 0; i <= chars->n; i++) {
            if (count < 0 || done < count) {
                jb_put(c, &b, nw.u.s.p, nw.u.s.n);
                done++;
            }
            if (i < chars->n) jb_put(c, &b, chars->v[i].u.s.p, chars->v[i].u.s.n);
        }
        return bufval(&b);
    }
    size_t i = 0;
    while (i < s.u.s.n) {
        if ((count < 0 || done < count) && match_at(s, i, old)) {
            jb_put(c, &b, nw.u.s.p, nw.u.s.n);
            i += old.u.s.n;
            done++;
        } else jb_put(c, &b, s.u.s.p + i++, 1);
    }
    return bufval(&b);
}

jlist *jm_splitlines(jctx *c, jv s) {
    jlist *l = jv_newlist(c, 0, 0).u.l;
    const char *p = s.u.s.p;
    size_t n = s.u.s.n, st = 0, i = 0;
    while (i < n) {
        size_t at = i;
        uint32_t cp = dec(p, n, &i);
        bool brk = cp == '\n' || cp == '\r' || cp == 0x0b || cp == 0x0c || (cp >= 0x1c && cp <= 0x1e) || cp == 0x85 ||
                   cp == 0x2028 || cp == 0x2029;
        if (!brk) continue;
        jl_push(c, l, jv_strn(p + st, at - st));
        if (cp == '\r' && i < n && p[i] == '\n') i++;
        st = i;
    }
    if (st < n) jl_push(c, l, jv_strn(p + st, n - st));
    return l;
}

/* ---------------------------------------------------------------- str methods */

static jv need_str(jctx *c, jv *v, const char *meth) {
    if (!v || v->t != JV_STR) {
        jv x = v ? *v : jv_none();
        jv_check_defined(c, x);
        jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: str.%s() argument must be str, not %s", meth, jv_typename(&x));
    }
    return *v;
}

static jv opt_chars(jctx *c, jargs *a, const char *meth) {
    jv *v = ja_arg(a, 0, "chars");
    if (!v || v->t == JV_NONE) return jv_none();
    return need_str(c, v, meth);
}

static jv m_strip(jctx *c, jv self, jargs *a) { return jm_strip(c, self, opt_chars(c, a, "strip"), 'b'); }
static jv m_lstrip(jctx *c, jv self, jargs *a) { return jm_strip(c, self, opt_chars(c, a, "lstrip"), 'l'); }
static jv m_rstrip(jctx *c, jv self, jargs *a) { return jm_strip(c, self, opt_chars(c, a, "rstrip"), 'r'); }
static jv m_upper(jctx *c, jv self, jargs *a) { return jm_case(c, self, 'u'); }
static jv m_lower(jctx *c, jv self, jargs *a) { return jm_case(c, self, 'l'); }
static jv m_title(jctx *c, jv self, jargs *a) { return jm_case(c, self, 'T'); }
static jv m_capitalize(jctx *c, jv self, jargs *a) { return jm_case(c, self, 'c'); }
static jv m_islower(jctx *c, jv self, jargs *a) { return jv_bool(jm_is_case(c, self, 'l')); }
static jv m_isupper(jctx *c, jv self, jargs *a) { return jv_bool(jm_is_case(c, self, 'u')); }

static jv m_split_impl(jctx *c, jv self, jargs *a, bool right) {
    jv *sepp = ja_arg(a, 0, "sep");
    jv *maxp = ja_arg(a, 1, "maxsplit");
    int64_t maxsplit = maxp && maxp->t == JV_INT ? maxp->u.i : -1;
    jv out = jv_newlist(c, 0, 0);
    const char *p = self.u.s.p;
    size_t n = self.u.s.n;
    if (!sepp || sepp->t == JV_NONE) { /* whitespace runs, no empty strings */
        jlist *words = jv_newlist(c, 0, 0).u.l;
        size_t i = 0;
        /* collect [start,end) word spans */
        size_t *spans = jx_alloc(c, (n + 1) * 2 * sizeof(size_t));
        size_t ns = 0;
        while (i < n) {
            size_t j = i;
            if (py_space(dec(p, n, &j))) {
                i = j;
                continue;
            }
            size_t st = i;
            while (i < n) {
                j = i;
                if (py_space(dec(p, n, &j))) break;
                i = j;
            }
            spans[2 * ns] = st;
            spans[2 * ns + 1] = i;
            ns++;
        }
        if (maxsplit < 0 || (size_t)maxsplit >= ns) {
            for (size_t k = 0; k < ns; k++) jl_push(c, words, jv_strn(p + spans[2 * k], spans[2 * k + 1] - spans[2 * k]));
        } else if (!right) {
            for (size_t k = 0; k < (size_t)maxsplit; k++) jl_push(c, words, jv_strn(p + spans[2 * k], spans[2 * k + 1] - spans[2 * k]));
            size_t st = spans[2 * maxsplit];
            jl_push(c, words, jv_strn(p + st, n - st)); /* the remainder keeps its trailing space */
        } else {
            size_t first = ns - (size_t)maxsplit;
            size_t en = spans[2 * (first - 1) + 1];
            jl_push(c, words, jv_strn(p, en)); /* the remainder keeps its leading space */
            for (size_t k = first; k < ns; k++) jl_push(c, words, jv_strn(p + spans[2 * k], spans[2 * k + 1] - spans[2 * k]));
        }
        out.u.l = words;
        return out;
    }
    jv sep = need_str(c, sepp, right ? "rsplit" : "split");
    if (!sep.u.s.n) jx_fail(c, FFAI_ERR_TEMPLATE, "ValueError: empty separator");
    if (!right) {
        size_t st = 0, i = 0;
        int64_t done = 0;
        while (i + sep.u.s.n <= n && (maxsplit < 0 || done < maxsplit)) {
            if (match_at(self, i, sep)) {
                jl_push(c, out.u.l, jv_strn(p + st, i - st));
                i += sep.u.s.n;
                st = i;
                done++;
            } else i++;
        }
        jl_push(c, out.u.l, jv_strn(p + st, n - st));
        return out;
    }
    /* rsplit: collect from the right, then reverse */
    jlist *rev = jv_newlist(c, 0, 0).u.l;
    size_t en = n;
    int64_t done = 0;
    size_t i = n >= sep.u.s.n ? n - sep.u.s.n + 1 : 0;
    while (i-- > 0 && (maxsplit < 0 || done < maxsplit)) {
        if (i + sep.u.s.n <= en && match_at(self, i, sep)) {
            jl_push(c, rev, jv_strn(p + i + sep.u.s.n, en - i - sep.u.s.n));
            en = i;
            done++;
            if (i == 0) break;
        }
    }
    jl_push(c, rev, jv_strn(p, en));
    for (size_t k = rev->n; k-- > 0;) jl_push(c, out.u.l, rev->v[k]);
    return out;
}
static jv m_split(jctx *c, jv self, jargs *a) { return m_split_impl(c, self, a, false); }
static jv m_rsplit(jctx *c, jv self, jargs *a) { return m_split_impl(c, self, a, true); }

static jv m_splitlines(jctx *c, jv self, jargs *a) {
    jv r = jv_newlist(c, 0, 0);
    r.u.l = jm_splitlines(c, self);
    return r;
}

static jv m_affix(jctx *c, jv self, jargs *a, bool end) {
    jv *x = ja_arg(a, 0, NULL);
    if (!x) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: %s() takes at least 1 argument", end ? "endswith" : "startswith");
    jlist *cands;
    if (x->t == JV_LIST && (x->flags & JVF_TUPLE)) cands = x->u.l;
    else {
        cands = jv_newlist(c, 1, 0).u.l;
        jl_push(c, cands, *x);
    }
    for (size_t i = 0; i < cands->n; i++) {
        jv s = cands->v[i];
        if (s.t != JV_STR)
            jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: %s first arg must be str or a tuple of str, not %s",
                    end ? "endswith" : "startswith", jv_typename(&s));
        if (s.u.s.n <= self.u.s.n &&
            !memcmp(self.u.s.p + (end ? self.u.s.n - s.u.s.n : 0), s.u.s.p, s.u.s.n))
            return jv_bool(true);
    }
    return jv_bool(false);
}
static jv m_startswith(jctx *c, jv self, jargs *a) { return m_affix(c, self, a, false); }
static jv m_endswith(jctx *c, jv self, jargs *a) { return m_affix(c, self, a, true); }

static jv m_replace(jctx *c, jv self, jargs *a) {
    jv old = need_str(c, ja_arg(a, 0, NULL), "replace"), nw = need_str(c, ja_arg(a, 1, NULL), "replace");
    jv *cnt = ja_arg(a, 2, "count");
    return jm_replace(c, self, old, nw, cnt && cnt->t == JV_INT ? cnt->u.i : -1);
}

static jv m_find_impl(jctx *c, jv self, jargs *a, int kind) { /* 0 find, 1 rfind, 2 count */
    jv sub = need_str(c, ja_arg(a, 0, NULL), kind == 2 ? "count" : "find");
    int64_t found = -1, cnt = 0;
    for (size_t i = 0; i + sub.u.s.n <= self.u.s.n;) {
        if (match_at(self, i, sub)) {
            if (kind == 0) return jv_int((int64_t)ju_cplen(self.u.s.p, i));
            found = (int64_t)i;
            cnt++;
            if (kind == 2) {
                i += sub.u.s.n ? sub.u.s.n : 1;
                if (!sub.u.s.n && i > self.u.s.n) break;
                continue;
            }
        }
        i++;
    }
    if (kind == 2) return jv_int(sub.u.s.n ? cnt : (int64_t)ju_cplen(self.u.s.p, self.u.s.n) + 1);
    return jv_int(found < 0 ? -1 : (int64_t)ju_cplen(self.u.s.p, (size_t)found));
}
static jv m_find(jctx *c, jv self, jargs *a) { return m_find_impl(c, self, a, 0); }
static jv m_rfind(jctx *c, jv self, jargs *a) { return m_find_impl(c, self, a, 1); }
static jv m_count(jctx *c, jv self, jargs *a) { return m_find_impl(c, self, a, 2); }

static jv m_join(jctx *c, jv self, jargs *a) {
    jv *x = ja_arg(a, 0, NULL);
    jlist *l = jv_iter(c, x ? *x : jv_none());
    jbuf b = {0};
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].t != JV_STR)
            jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: sequence item %zu: expected str instance, %s found", i, jv_typename(&l->v[i]));
        if (i) jb_put(c, &b, self.u.s.p, self.u.s.n);
        jb_put(c, &b, l->v[i].u.s.p, l->v[i].u.s.n);
    }
    return bufval(&b);
}

/* str.format with {} / {N} / {name} fields and {{ }}; format specs are not supported. */
static jv m_format(jctx *c, jv self, jargs *a) {
    jbuf b = {0};
    const char *p = self.u.s.p;
    size_t n = self.u.s.n;
    int autonum = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '{' && i + 1 < n && p[i + 1] == '{') { jb_put(c, &b, "{", 1); i++; continue; }
        if (p[i] == '}' && i + 1 < n && p[i + 1] == '}') { jb_put(c, &b, "}", 1); i++; continue; }
        if (p[i] != '{') { jb_put(c, &b, p + i, 1); continue; }
        size_t j = i + 1;
        while (j < n && p[j] != '}') j++;
        if (j >= n) jx_fail(c, FFAI_ERR_TEMPLATE, "ValueError: Single '{' encountered in format string");
        size_t fl = j - i - 1;
        const char *f = p + i + 1;
        if (memchr(f, ':', fl) || memchr(f, '!', fl)) jx_fail(c, FFAI_ERR_UNSUPPORTED, "str.format: format specs are not supported");
        jv *v;
        if (!fl) v = ja_arg(a, autonum++, NULL);
        else if (f[0] >= '0' && f[0] <= '9') v = ja_arg(a, atoi(f), NULL);
        else {
            char *nm = jx_alloc(c, fl + 1);
            memcpy(nm, f, fl);
            v = ja_arg(a, -1, nm);
        }
        if (!v) jx_fail(c, FFAI_ERR_TEMPLATE, "IndexError: Replacement index out of range for positional args tuple");
        jv_tostr(c, &b, *v);
        i = j;
    }
    return bufval(&b);
}

static jv m_isdigit(jctx *c, jv self, jargs *a) {
    if (!self.u.s.n) return jv_bool(false);
    for (size_t i = 0; i < self.u.s.n; i++)
        if (self.u.s.p[i] < '0' || self.u.s.p[i] > '9') return jv_bool(false);
    return jv_bool(true);
}

static jv m_isspace(jctx *c, jv self, jargs *a) {
    if (!self.u.s.n) return jv_bool(false);
    for (size_t i = 0; i < self.u.s.n;)
        if (!py_space(dec(self.u.s.p, self.u.s.n, &i))) return jv_bool(false);
    return jv_bool(true);
}

/* ---------------------------------------------------------------- dict methods */

static jv m_get(jctx *c, jv self, jargs *a) {
    jv *k = ja_arg(a, 0, NULL);
    if (!k) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: get expected at least 1 argument, got 0");
    jv *v = jd_get(self.u.d, *k);
    if (v) return *v;
    jv *def = ja_arg(a, 1, NULL);
    return def ? *def : jv_none();
}

static jv dict_view(jctx *c, jv self, int which) { /* 0 keys, 1 values, 2 items */
    jv out = jv_newlist(c, self.u.d->n, 0);
    for (size_t i = 0; i < self.u.d->n; i++) {
        jv x;
        if (which == 0) x = self.u.d->k[i];
        else if (which == 1) x = self.u.d->v[i];
        else {
            x = jv_newlist(c, 2, JVF_TUPLE);
            x.u.l->v[0] = self.u.d->k[i];
            x.u.l->v[1] = self.u.d->v[i];
            x.u.l->n = 2;
        }
        out.u.l->v[i] = x;
    }
    out.u.l->n = self.u.d->n;
    return out;
}
static jv m_keys(jctx *c, jv self, jargs *a) { return dict_view(c, self, 0); }
static jv m_values(jctx *c, jv self, jargs *a) { return dict_view(c, self, 1); }
static jv m_items(jctx *c, jv self, jargs *a) { return dict_view(c, self, 2); }

/* ---------------------------------------------------------------- loop methods */

static jv m_cycle(jctx *c, jv self, jargs *a) {
    if (!a->n) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: no items for cycling given");
    return a->v[self.u.lp->i % a->n];
}

/* ---------------------------------------------------------------- method table */

typedef struct {
    uint8_t type;
    const char *name;
    jbuiltin_fn fn;
} method;

static const method METHODS[] = {
    {JV_STR, "strip", m_strip},         {JV_STR, "lstrip", m_lstrip},       {JV_STR, "rstrip", m_rstrip},
    {JV_STR, "upper", m_upper},         {JV_STR, "lower", m_lower},         {JV_STR, "title", m_title},
    {JV_STR, "capitalize", m_capitalize}, {JV_STR, "islower", m_islower},   {JV_STR, "isupper", m_isupper},
    {JV_STR, "split", m_split},         {JV_STR, "rsplit", m_rsplit},       {JV_STR, "splitlines", m_splitlines},
    {JV_STR, "startswith", m_startswith}, {JV_STR, "endswith", m_endswith}, {JV_STR, "replace", m_replace},
    {JV_STR, "find", m_find},           {JV_STR, "rfind", m_rfind},         {JV_STR, "count", m_count},
    {JV_STR, "join", m_join},           {JV_STR, "format", m_format},       {JV_STR, "isdigit", m_isdigit},
    {JV_STR, "isspace", m_isspace},
    {JV_DICT, "get", m_get},            {JV_DICT, "keys", m_keys},          {JV_DICT, "values", m_values},
    {JV_DICT, "items", m_items},
    {JV_LOOP, "cycle", m_cycle},
};

/* Mutating methods the immutable sandbox refuses. */
static const char *const UNSAFE[] = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                                     "update", "setdefault", "popitem"};

bool jm_method(jctx *c, jv obj, const char *name, jv *out) {
    if (obj.t == JV_DICT && (obj.flags & JVF_NS)) return false;
    for (size_t i = 0; i < sizeof METHODS / sizeof *METHODS; i++) {
        if (METHODS[i].type != obj.t || strcmp(METHODS[i].name, name)) continue;
        jfunc *f = jx_alloc(c, sizeof *f);
        f->name = METHODS[i].name;
        f->fn = METHODS[i].fn;
        f->self = obj;
        *out = (jv){.t = JV_FUNC};
        out->u.fn = f;
        return true;
    }
    if (obj.t == JV_LIST || obj.t == JV_DICT)
        for (size_t i = 0; i < sizeof UNSAFE / sizeof *UNSAFE; i++)
            if (!strcmp(UNSAFE[i], name) && (obj.t == JV_LIST || i >= 4)) {
                if (obj.t == JV_DICT && (!strcmp(name, "sort") || !strcmp(name, "reverse") || !strcmp(name, "extend") ||
                                         !strcmp(name, "insert") || !strcmp(name, "remove")))
                    return false;
                *out = jv_undef(c, "SecurityError: access to attribute '%s' of '%s' object is unsafe.", name,
                                jv_typename(&obj));
                return true;
            }
    return false;
}

/* ---------------------------------------------------------------- globals */

static jv g_range(jctx *c, jv self, jargs *a) {
    int64_t v[3] = {0, 0, 1};
    int np = 0;
    for (int k = 0; k < a->n; k++) {
        if (a->kw[k] || np == 3) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: range expected at most 3 arguments");
        jv x = a->v[k];
        jv_check_defined(c, x);
        if (x.t != JV_INT && x.t != JV_BOOL)
            jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: '%s' object cannot be interpreted as an integer", jv_typename(&x));
        v[np++] = x.t == JV_INT ? x.u.i : x.u.b;
    }
    if (!np) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: range expected at least 1 argument, got 0");
    int64_t start = np == 1 ? 0 : v[0], stop = np == 1 ? v[0] : v[1], step = np == 3 ? v[2] : 1;
    if (!step) jx_fail(c, FFAI_ERR_TEMPLATE, "ValueError: range() arg 3 must not be zero");
    int64_t count = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0)
                             : (start > stop ? (start - stop - step - 1) / -step : 0);
    if (count > 100000) jx_fail(c, FFAI_ERR_RANGE, "OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    jv out = jv_newlist(c, (size_t)count, 0);
    for (int64_t i = 0; i < count; i++) out.u.l->v[i] = jv_int(start + i * step);
    out.u.l->n = (size_t)count;
    return out;
}

static jv make_dict(jctx *c, jargs *a, uint8_t flags) {
    jv d = jv_newdict(c, 0);
    d.flags = flags;
    for (int k = 0; k < a->n; k++) {
        if (a->kw[k]) {
            jd_set(c, d.u.d, jv_str(c, a->kw[k]), a->v[k]);
        } else if (a->v[k].t == JV_DICT) {
            for (size_t i = 0; i < a->v[k].u.d->n; i++) jd_set(c, d.u.d, a->v[k].u.d->k[i], a->v[k].u.d->v[i]);
        } else jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: %s() positional argument must be a mapping", flags ? "namespace" : "dict");
    }
    return d;
}
static jv g_namespace(jctx *c, jv self, jargs *a) { return make_dict(c, a, JVF_NS); }
static jv g_dict(jctx *c, jv self, jargs *a) { return make_dict(c, a, 0); }

static jv g_raise(jctx *c, jv self, jargs *a) {
    jv *m = ja_arg(a, 0, NULL);
    jv msg = m ? jv_tostring(c, *m) : jv_strn("", 0);
    jx_fail(c, FFAI_ERR_TEMPLATE, "TemplateError: %.*s", (int)msg.u.s.n, msg.u.s.p);
}

static jv g_strftime_now(jctx *c, jv self, jargs *a) {
    jv *f = ja_arg(a, 0, NULL);
    if (!f || f->t != JV_STR) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: strftime_now() argument must be str");
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t now = time(NULL);
    struct tm tmv;
    if (sde && *sde) {
        now = (time_t)strtoll(sde, NULL, 10);
        gmtime_r(&now, &tmv);
    } else localtime_r(&now, &tmv);
    char *fmt = jx_alloc(c, f->u.s.n + 1);
    memcpy(fmt, f->u.s.p, f->u.s.n);
    char out[512];
    size_t n = fmt[0] ? strftime(out, sizeof out, fmt, &tmv) : 0;
    return jv_strdup(c, out, n);
}

void jm_install_globals(jctx *c, jdict *g) {
    static const struct {
        const char *name;
        jbuiltin_fn fn;
    } G[] = {{"range", g_range},
             {"namespace", g_namespace},
             {"dict", g_dict},
             {"raise_exception", g_raise},
             {"strftime_now", g_strftime_now}};
    for (size_t i = 0; i < sizeof G / sizeof *G; i++) {
        jfunc *f = jx_alloc(c, sizeof *f);
        f->name = G[i].name;
        f->fn = G[i].fn;
        jv v = {.t = JV_FUNC};
        v.u.fn = f;
        jd_set(c, g, jv_str(c, G[i].name), v);
    }
}
