/* jinja_eval.c — the tree-walking evaluator: scopes, statements (if/for/set/macro/call/filter),
 * expressions with Python semantics (arithmetic, comparison, attribute and item access, slices). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chat/jinja.h"
#include "core/error.h"

#define MAX_DEPTH 256

struct jscope {
    jscope *parent;
    jdict vars;
};

enum { CTL_NONE, CTL_BREAK, CTL_CONTINUE };

typedef struct {
    jctx *c;
    jbuf *out;
    int ctl;
} jrun;

static jv eval(jrun *r, jnode *n);
static void exec_list(jrun *r, jnode *n, jscope *s);


static jscope *scope_new(jctx *c, jscope *parent) {
    jscope *s = jx_alloc(c, sizeof *s);
    s->parent = parent;
    return s;
}

static jv *scope_find(jscope *s, const char *name) {
    for (; s; s = s->parent) {
        jv *v = jd_gets(&s->vars, name);
        if (v) return v;
    }
    return NULL;
}

static void scope_set(jctx *c, jscope *s, const char *name, jv v) {
    jv *slot = jd_gets(&s->vars, name);
    if (slot) *slot = v;
    else jd_set(c, &s->vars, jv_strn(name, strlen(name)), v);
}

static const char *obj_repr(const jv *v) {
    switch (v->t) {
    case JV_NONE: return "None";
    case JV_DICT: return (v->flags & JVF_NS) ? "jinja2.utils.Namespace object" : "dict object";
    case JV_LIST: return (v->flags & JVF_TUPLE) ? "tuple object" : (v->flags & JVF_GEN) ? "generator object" : "list object";
    case JV_STR: return "str object";
    case JV_INT: return "int object";
    case JV_FLOAT: return "float object";
    case JV_BOOL: return "bool object";
    default: return "object";
    }
}

/* ---------------------------------------------------------------- attribute / item access */

static jv loop_attr(jctx *c, jloop *lp, const char *name) {
    int64_t n = (int64_t)lp->items->n, i = lp->i;
    if (!strcmp(name, "index")) return jv_int(i + 1);
    if (!strcmp(name, "index0")) return jv_int(i);
    if (!strcmp(name, "revindex")) return jv_int(n - i);
    if (!strcmp(name, "revindex0")) return jv_int(n - i - 1);
    if (!strcmp(name, "first")) return jv_bool(i == 0);
    if (!strcmp(name, "last")) return jv_bool(i == n - 1);
    if (!strcmp(name, "length")) return jv_int(n);
    if (!strcmp(name, "depth")) return jv_int(1);
    if (!strcmp(name, "depth0")) return jv_int(0);
    if (!strcmp(name, "previtem"))
        return i > 0 ? lp->items->v[i - 1] : jv_undef(c, "there is no previous item");
    if (!strcmp(name, "nextitem"))
        return i + 1 < n ? lp->items->v[i + 1] : jv_undef(c, "there is no next item");
    return jv_undef(c, "'jinja2.runtime.LoopContext object' has no attribute '%s'", name);
}

jv jx_getattr(jctx *c, jv obj, const char *name) {
    jv_check_defined(c, obj);
    jv m;
    if (obj.t == JV_LOOP) {
        if (jm_method(c, obj, name, &m)) return m;
        return loop_attr(c, obj.u.lp, name);
    }
    if (obj.t == JV_DICT && (obj.flags & JVF_NS)) {
        jv *v = jd_gets(obj.u.d, name);
        return v ? *v : jv_undef(c, "'%s' has no attribute '%s'", obj_repr(&obj), name);
    }
    if (jm_method(c, obj, name, &m)) return m;
    if (obj.t == JV_DICT) {
        jv *v = jd_gets(obj.u.d, name);
        if (v) return *v;
    }
    return jv_undef(c, "'%s' has no attribute '%s'", obj_repr(&obj), name);
}

static int64_t norm_index(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

jv jx_getitem(jctx *c, jv obj, jv key) {
    jv_check_defined(c, obj);
    if (obj.t == JV_DICT && !(obj.flags & (JVF_NS | JVF_VIEW))) {
        jv *v = jd_get(obj.u.d, key);
        if (v) return *v;
    } else if ((obj.t == JV_LIST && !(obj.flags & JVF_GEN)) || obj.t == JV_STR) {
        if (key.t == JV_INT || key.t == JV_BOOL) {
            int64_t k = key.t == JV_INT ? key.u.i : key.u.b;
            if (obj.t == JV_LIST) {
                int64_t i = norm_index(k, (int64_t)obj.u.l->n);
                if (i >= 0 && i < (int64_t)obj.u.l->n) return obj.u.l->v[i];
            } else {
                int64_t n = (int64_t)ju_cplen(obj.u.s.p, obj.u.s.n), i = norm_index(k, n);
                if (i >= 0 && i < n) {
                    size_t o = ju_cpoff(obj.u.s.p, obj.u.s.n, i), e = ju_cpoff(obj.u.s.p, obj.u.s.n, i + 1);
                    return jv_strn(obj.u.s.p + o, e - o);
                }
            }
            return jv_undef(c, "'%s' has no element %lld", obj_repr(&obj), (long long)k);
        }
    }
    if (key.t == JV_STR) {
        char *nm = jx_alloc(c, key.u.s.n + 1);
        memcpy(nm, key.u.s.p, key.u.s.n);
        return jx_getattr(c, obj, nm);
    }
    jbuf b = {0};
    jv_repr(c, &b, key);
    return jv_undef(c, "'%s' has no element %s", obj_repr(&obj), b.p ? b.p : "");
}

static int64_t slice_bound(jctx *c, jv v, int64_t n, int64_t step, bool is_start) {
    if (v.t == JV_NONE || v.t == JV_UNDEF) return step > 0 ? (is_start ? 0 : n) : (is_start ? n - 1 : -1);
    if (v.t != JV_INT && v.t != JV_BOOL)
        jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: slice indices must be integers or None");
    int64_t i = v.t == JV_INT ? v.u.i : v.u.b;
    if (i < 0) i += n;
    if (step > 0) return i < 0 ? 0 : i > n ? n : i;
    return i < -1 ? -1 : i > n - 1 ? n - 1 : i;
}

static jv do_slice(jrun *r, jv obj, jnode *sl) {
    jctx *c = r->c;
    jv_check_defined(c, obj);
    jv st = sl->a ? eval(r, sl->a) : jv_none(), en = sl->b ? eval(r, sl->b) : jv_none(),
       sp = sl->c ? eval(r, sl->c) : jv_none();
    int64_t step = 1;
    if (sp.t == JV_INT) step = sp.u.i;
    else if (sp.t != JV_NONE) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: slice indices must be integers or None");
    if (step == 0) jx_fail(c, FFAI_ERR_TEMPLATE, "ValueError: slice step cannot be zero");
    bool is_str = obj.t == JV_STR;
    jlist *src;
    if (is_str) src = jv_iter(c, obj);
    else if (obj.t == JV_LIST && !(obj.flags & JVF_GEN)) src = obj.u.l;
    else jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: '%s' object is not subscriptable", jv_typename(&obj));
    int64_t n = (int64_t)src->n;
    int64_t a = slice_bound(c, st, n, step, true), b = slice_bound(c, en, n, step, false);
    if (is_str) {
        jbuf out = {0};
        for (int64_t i = a; step > 0 ? i < b : i > b; i += step) jb_put(c, &out, src->v[i].u.s.p, src->v[i].u.s.n);
        return jv_strn(out.p ? out.p : "", out.n);
    }
    jv res = jv_newlist(c, 0, obj.flags & JVF_TUPLE);
    for (int64_t i = a; step > 0 ? i < b : i > b; i += step) jl_push(c, res.u.l, src->v[i]);
    return res;
}

/* ---------------------------------------------------------------- operators */

static bool numeric(jv v) { return v.t == JV_INT || v.t == JV_FLOAT || v.t == JV_BOOL; }
static double as_f(jv v) { return v.t == JV_FLOAT ? v.u.f : v.t == JV_INT ? (double)v.u.i : (double)v.u.b; }
static int64_t as_i(jv v) { return v.t == JV_INT ? v.u.i : (int64_t)v.u.b; }
static const char *opsym(int op) {
    static const char *s[] = {"+", "-", "*", "/", "//", "%", "**", "~"};
    return op <= OP_CONCAT ? s[op] : "?";
}

_Noreturn static void optype_fail(jctx *c, int op, jv a, jv b) {
    if (op == OP_ADD && (a.t == JV_STR || a.t == JV_LIST))
        jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: can only concatenate %s (not \"%s\") to %s", jv_typename(&a),
                jv_typename(&b), jv_typename(&a));
    jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: unsupported operand type(s) for %s: '%s' and '%s'", opsym(op),
            jv_typename(&a), jv_typename(&b));
}

static jv str_concat(jctx *c, jv a, jv b) {
    uint8_t safe = (a.flags | b.flags) & JVF_SAFE;
    if (safe) { /* Markup + str escapes the plain operand */
        if (!(a.flags & JVF_SAFE)) a = jv_escape_html(c, a);
        if (!(b.flags & JVF_SAFE)) b = jv_escape_html(c, b);
    }
    char *p = jx_alloc(c, a.u.s.n + b.u.s.n + 1);
    memcpy(p, a.u.s.p, a.u.s.n);
    memcpy(p + a.u.s.n, b.u.s.p, b.u.s.n);
    jv r = jv_strn(p, a.u.s.n + b.u.s.n);
    r.flags = safe;
    return r;
}

static jv repeat(jctx *c, jv seq, int64_t k) {
    if (seq.t == JV_STR) {
        jbuf b = {0};
        for (int64_t i = 0; i < k; i++) jb_put(c, &b, seq.u.s.p, seq.u.s.n);
        return jv_strn(b.p ? b.p : "", b.n);
    }
    jv r = jv_newlist(c, 0, seq.flags & JVF_TUPLE);
    for (int64_t i = 0; i < k; i++)
        for (size_t j = 0; j < seq.u.l->n; j++) jl_push(c, r.u.l, seq.u.l->v[j]);
    return r;
}

static jv binop(jctx *c, int op, jv a, jv b) {
    if (op == OP_CONCAT) {
        jbuf buf = {0};
        jv_tostr(c, &buf, a);
        jv_tostr(c, &buf, b);
        return jv_strn(buf.p ? buf.p : "", buf.n);
    }
    jv_check_defined(c, a);
    jv_check_defined(c, b);
    if (numeric(a) && numeric(b)) {
        bool fl = a.t == JV_FLOAT || b.t == JV_FLOAT;
        int64_t x = fl ? 0 : as_i(a), y = fl ? 0 : as_i(b), z;
        double fx = as_f(a), fy = as_f(b);
        switch (op) {
        case OP_ADD:
            if (fl) return jv_float(fx + fy);
            if (__builtin_add_overflow(x, y, &z)) break;
            return jv_int(z);
        case OP_SUB:
            if (fl) return jv_float(fx - fy);
            if (__builtin_sub_overflow(x, y, &z)) break;
            return jv_int(z);
        case OP_MUL:
            if (fl) return jv_float(fx * fy);
            if (__builtin_mul_overflow(x, y, &z)) break;
            return jv_int(z);
        case OP_DIV:
            if (fy == 0) jx_fail(c, FFAI_ERR_TEMPLATE, "ZeroDivisionError: division by zero");
            return jv_float(fx / fy);
        case OP_FLOORDIV:
            if (fl ? fy == 0 : y == 0) jx_fail(c, FFAI_ERR_TEMPLATE, "ZeroDivisionError: integer division or modulo by zero");
            if (fl) return jv_float(floor(fx / fy));
            if (x == INT64_MIN && y == -1) break;
            z = x / y;
            if ((x % y != 0) && ((x < 0) != (y < 0))) z--;
            return jv_int(z);
        case OP_MOD:
            if (fl ? fy == 0 : y == 0) jx_fail(c, FFAI_ERR_TEMPLATE, "ZeroDivisionError: integer division or modulo by zero");
            if (fl) {
                double m = fmod(fx, fy);
                if (m != 0 && ((m < 0) != (fy < 0))) m += fy;
                return jv_float(m);
            }
            if (y == -1) return jv_int(0);
            z = x % y;
            if (z != 0 && ((z < 0) != (y < 0))) z += y;
            return jv_int(z);
        case OP_POW:
            if (fl || y < 0) return jv_float(pow(fx, fy));
            {
                int64_t res = 1;
                for (int64_t i = 0; i < y; i++)
                    if (__builtin_mul_overflow(res, x, &res)) jx_fail(c, FFAI_ERR_RANGE, "integer overflow in **");
                return jv_int(res);
            }
        default: break;
        }
        jx_fail(c, FFAI_ERR_RANGE, "integer overflow in '%s'", opsym(op));
    }
    if (op == OP_ADD && a.t == JV_STR && b.t == JV_STR) return str_concat(c, a, b);
    if (op == OP_ADD && a.t == JV_LIST && b.t == JV_LIST && !((a.flags | b.flags) & JVF_GEN) &&
        (a.flags & JVF_TUPLE) == (b.flags & JVF_TUPLE)) {
        jv r = jv_newlist(c, a.u.l->n + b.u.l->n, a.flags & JVF_TUPLE);
        for (size_t i = 0; i < a.u.l->n; i++) jl_push(c, r.u.l, a.u.l->v[i]);
        for (size_t i = 0; i < b.u.l->n; i++) jl_push(c, r.u.l, b.u.l->v[i]);
        return r;
    }
    if (op == OP_MUL) {
        bool seq_a = a.t == JV_STR || (a.t == JV_LIST && !(a.flags & JVF_GEN));
        bool seq_b = b.t == JV_STR || (b.t == JV_LIST && !(b.flags & JVF_GEN));
        if (seq_a && (b.t == JV_INT || b.t == JV_BOOL)) return repeat(c, a, as_i(b));
        if (seq_b && (a.t == JV_INT || a.t == JV_BOOL)) return repeat(c, b, as_i(a));
    }
    optype_fail(c, op, a, b);
}

static bool contains(jctx *c, jv needle, jv hay) {
    switch (hay.t) {
    case JV_UNDEF: return false;
    case JV_STR:
        if (needle.t != JV_STR)
            jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: 'in <string>' requires string as left operand, not %s",
                    jv_typename(&needle));
        if (!needle.u.s.n) return true;
        for (size_t i = 0; i + needle.u.s.n <= hay.u.s.n; i++)
            if (!memcmp(hay.u.s.p + i, needle.u.s.p, needle.u.s.n)) return true;
        return false;
    case JV_DICT:
        if (!(hay.flags & (JVF_NS | JVF_VIEW))) return jd_get(hay.u.d, needle) != NULL;
        break;
    case JV_LIST:
        for (size_t i = 0; i < hay.u.l->n; i++)
            if (jv_equal(needle, hay.u.l->v[i])) return true;
        return false;
    default: break;
    }
    jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: argument of type '%s' is not iterable", jv_typename(&hay));
}

static bool compare(jctx *c, int op, jv a, jv b) {
    switch (op) {
    case OP_EQ: return jv_equal(a, b);
    case OP_NE: return !jv_equal(a, b);
    case OP_LT: return jv_compare(c, a, b, "<") < 0;
    case OP_LE: return jv_compare(c, a, b, "<=") <= 0;
    case OP_GT: return jv_compare(c, a, b, ">") > 0;
    case OP_GE: return jv_compare(c, a, b, ">=") >= 0;
    case OP_IN: return contains(c, a, b);
    case OP_NOTIN: return !contains(c, a, b);
    }
    return false;
}

/* ---------------------------------------------------------------- calls */

jv *ja_arg(jargs *a, int i, const char *name) {
    int pos = 0;
    for (int k = 0; k < a->n; k++) {
        if (a->kw[k]) {
            if (name && !strcmp(a->kw[k], name)) return &a->v[k];
        } else if (pos++ == i) return &a->v[k];
    }
    return NULL;
}

static void eval_args(jrun *r, jnode *n, jargs *out) {
    out->n = n->nargs;
    out->v = jx_alloc(r->c, (size_t)(n->nargs + 1) * sizeof(jv));
    out->kw = n->kw ? n->kw : jx_alloc(r->c, (size_t)(n->nargs + 1) * sizeof(char *));
    for (int i = 0; i < n->nargs; i++) out->v[i] = eval(r, n->args[i]);
}

static jv call_macro(jctx *c, jfunc *fn, jargs *a) {
    jnode *m = fn->macro;
    if (++c->depth > MAX_DEPTH) jx_fail(c, FFAI_ERR_TEMPLATE, "RecursionError: macro calls nested too deeply");
    jscope *s = scope_new(c, fn->scope);
    int npos = 0;
    for (int k = 0; k < a->n; k++)
        if (!a->kw[k]) npos++;
    if (npos > m->nargs)
        jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: macro '%s' takes not more than %d argument(s)", m->name, m->nargs);
    for (int k = 0; k < a->n; k++) {
        if (!a->kw[k]) continue;
        int p;
        for (p = 0; p < m->nargs; p++)
            if (!strcmp(m->kw[p], a->kw[k])) break;
        if (p == m->nargs)
            jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: macro '%s' takes no keyword argument '%s'", m->name, a->kw[k]);
    }
    jscope *saved = c->scope;
    jrun sub = {.c = c};
    jbuf out = {0};
    sub.out = &out;
    for (int p = 0; p < m->nargs; p++) {
        jv *v = ja_arg(a, p, m->kw[p]);
        jv val;
        if (v) val = *v;
        else if (m->args[p]) {
            c->scope = s;
            val = eval(&sub, m->args[p]);
        } else val = jv_undef(c, "parameter '%s' was not provided", m->kw[p]);
        scope_set(c, s, m->kw[p], val);
    }
    if (fn->caller) {
        jv cv = {.t = JV_FUNC};
        cv.u.fn = fn->caller;
        scope_set(c, s, "caller", cv);
    }
    exec_list(&sub, m->body, s);
    c->scope = saved;
    c->depth--;
    return jv_strn(out.p ? out.p : "", out.n);
}

jv jx_call(jctx *c, jv f, jargs *a) {
    if (f.t == JV_FUNC) {
        if (f.u.fn->macro) return call_macro(c, f.u.fn, a);
        return f.u.fn->fn(c, f.u.fn->self, a);
    }
    jv_check_defined(c, f);
    jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: '%s' object is not callable", jv_typename(&f));
}

/* ---------------------------------------------------------------- expressions */

static jv eval_filter_chain(jrun *r, jnode *f, jv input) {
    if (!f) return input;
    jv in = !f->a ? input : f->a->kind == N_FILTER ? eval_filter_chain(r, f->a, input) : eval(r, f->a);
    jargs a;
    eval_args(r, f, &a);
    r->c->line = f->line;
    return jf_filter(r->c, f->name, in, &a);
}

static jv eval(jrun *r, jnode *n) {
    jctx *c = r->c;
    c->line = n->line;
    switch ((jnode_kind)n->kind) {
    case N_CONST: return n->cval;
    case N_NAME: {
        jv *v = scope_find(c->scope, n->name);
        if (v) return *v;
        return jv_undef(c, "'%s' is undefined", n->name);
    }
    case N_LIST:
    case N_TUPLE: {
        jv l = jv_newlist(c, (size_t)n->nargs, n->kind == N_TUPLE ? JVF_TUPLE : 0);
        for (int i = 0; i < n->nargs; i++) l.u.l->v[i] = eval(r, n->args[i]);
        l.u.l->n = (size_t)n->nargs;
        return l;
    }
    case N_DICT: {
        jv d = jv_newdict(c, (size_t)n->nargs / 2);
        for (int i = 0; i + 1 < n->nargs; i += 2) {
            jv k = eval(r, n->args[i]);
            if (k.t == JV_LIST && !(k.flags & JVF_TUPLE))
                jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: unhashable type: 'list'");
            if (k.t == JV_DICT) jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: unhashable type: 'dict'");
            jd_set(c, d.u.d, k, eval(r, n->args[i + 1]));
        }
        return d;
    }
    case N_GETATTR: {
        jv o = eval(r, n->a);
        c->line = n->line;
        return jx_getattr(c, o, n->name);
    }
    case N_GETITEM: {
        jv o = eval(r, n->a);
        if (n->b->kind == N_SLICE) return do_slice(r, o, n->b);
        jv k = eval(r, n->b);
        c->line = n->line;
        return jx_getitem(c, o, k);
    }
    case N_CALL: {
        jv f = eval(r, n->a);
        jargs a;
        eval_args(r, n, &a);
        c->line = n->line;
        return jx_call(c, f, &a);
    }
    case N_FILTER: return eval_filter_chain(r, n, jv_none());
    case N_TEST: {
        jv v = eval(r, n->a);
        jargs a;
        eval_args(r, n, &a);
        c->line = n->line;
        return jv_bool(jf_test(c, n->name, v, &a));
    }
    case N_NOT: return jv_bool(!jv_truthy(c, eval(r, n->a)));
    case N_NEG:
    case N_POS: {
        jv v = eval(r, n->a);
        jv_check_defined(c, v);
        if (v.t == JV_BOOL) v = jv_int(v.u.b);
        if (v.t == JV_INT) return n->kind == N_NEG ? jv_int(-v.u.i) : v;
        if (v.t == JV_FLOAT) return n->kind == N_NEG ? jv_float(-v.u.f) : v;
        jx_fail(c, FFAI_ERR_TEMPLATE, "TypeError: bad operand type for unary %s: '%s'", n->kind == N_NEG ? "-" : "+",
                jv_typename(&v));
    }
    case N_BINOP: {
        jv a = eval(r, n->a), b = eval(r, n->b);
        c->line = n->line;
        return binop(c, n->op, a, b);
    }
    case N_AND: {
        jv a = eval(r, n->a);
        return jv_truthy(c, a) ? eval(r, n->b) : a;
    }
    case N_OR: {
        jv a = eval(r, n->a);
        return jv_truthy(c, a) ? a : eval(r, n->b);
    }
    case N_CMP: {
        jv left = eval(r, n->args[0]);
        for (int i = 1; i < n->nargs; i++) {
            jv right = eval(r, n->args[i]);
            c->line = n->line;
            if (!compare(c, n->ops[i - 1], left, right)) return jv_bool(false);
            left = right;
        }
        return jv_bool(true);
    }
    case N_COND:
        if (jv_truthy(c, eval(r, n->a))) return eval(r, n->b);
        return n->c ? eval(r, n->c) : jv_undef(c, "the inline if-expression on line %d evaluated to false and no else section was defined.", n->line);
    case N_SLICE: jx_fail(c, FFAI_ERR_TEMPLATE, "slice outside of a subscript");
    default: break;
    }
    jx_fail(c, FFAI_ERR_INTERNAL, "unexpected node kind %d in expression", n->kind);
}

/* ---------------------------------------------------------------- statements */

static void assign(jrun *r, jnode *target, jv v) {
    jctx *c = r->c;
    if (target->kind == N_NAME) {
        scope_set(c, c->scope, target->name, v);
    } else if (target->kind == N_TUPLE) {
        jlist *items = jv_iter(c, v);
        if ((int)items->n != target->nargs)
            jx_fail(c, FFAI_ERR_TEMPLATE, "ValueError: %s values to unpack (expected %d, got %zu)",
                    (int)items->n < target->nargs ? "not enough" : "too many", target->nargs, items->n);
        for (int i = 0; i < target->nargs; i++) assign(r, target->args[i], items->v[i]);
    } else if (target->kind == N_GETATTR) {
        jv *ns = scope_find(c->scope, target->a->name);
        if (!ns || ns->t != JV_DICT || !(ns->flags & JVF_NS))
            jx_fail(c, FFAI_ERR_TEMPLATE, "TemplateRuntimeError: cannot assign attribute on non-namespace object");
        jd_set(c, ns->u.d, jv_str(c, target->name), v);
    }
}

static void exec_for(jrun *r, jnode *n) {
    jctx *c = r->c;
    jv seq = eval(r, n->b);
    c->line = n->line;
    jlist *items = jv_iter(c, seq);
    jscope *outer = c->scope;
    if (n->c) { /* loop filter: evaluated before the loop, so loop.length counts kept items */
        jlist *kept = jv_newlist(c, 0, 0).u.l;
        for (size_t i = 0; i < items->n; i++) {
            c->scope = scope_new(c, outer);
            assign(r, n->a, items->v[i]);
            if (jv_truthy(c, eval(r, n->c))) jl_push(c, kept, items->v[i]);
        }
        c->scope = outer;
        items = kept;
    }
    jloop *lp = jx_alloc(c, sizeof *lp);
    lp->items = items;
    jv loopv = {.t = JV_LOOP};
    loopv.u.lp = lp;
    for (size_t i = 0; i < items->n; i++) {
        jscope *s = scope_new(c, outer);
        c->scope = s;
        lp->i = (int64_t)i;
        scope_set(c, s, "loop", loopv);
        assign(r, n->a, items->v[i]);
        exec_list(r, n->body, s);
        c->scope = outer;
        if (r->ctl == CTL_BREAK) {
            r->ctl = CTL_NONE;
            break;
        }
        r->ctl = CTL_NONE;
    }
    if (!items->n && n->orelse) exec_list(r, n->orelse, outer);
}

static jv capture(jrun *r, jnode *body) {
    jbuf out = {0};
    jbuf *saved = r->out;
    r->out = &out;
    exec_list(r, body, r->c->scope);
    r->out = saved;
    return jv_strn(out.p ? out.p : "", out.n);
}

static void exec_stmt(jrun *r, jnode *n) {
    jctx *c = r->c;
    c->line = n->line;
    switch ((jnode_kind)n->kind) {
    case S_TEXT: jb_put(c, r->out, n->cval.u.s.p, n->cval.u.s.n); return;
    case S_OUTPUT: {
        jv v = eval(r, n->a);
        jv_tostr(c, r->out, v);
        return;
    }
    case S_IF:
        if (jv_truthy(c, eval(r, n->a))) exec_list(r, n->body, c->scope);
        else if (n->orelse) exec_list(r, n->orelse, c->scope);
        return;
    case S_FOR: exec_for(r, n); return;
    case S_SET: assign(r, n->a, eval(r, n->b)); return;
    case S_SETBLOCK: {
        jv v = capture(r, n->body);
        assign(r, n->a, eval_filter_chain(r, n->c, v));
        return;
    }
    case S_FILTERBLOCK: {
        jv v = capture(r, n->body);
        jv_tostr(c, r->out, eval_filter_chain(r, n->c, v));
        return;
    }
    case S_MACRO: {
        jfunc *fn = jx_alloc(c, sizeof *fn);
        fn->name = n->name;
        fn->macro = n;
        fn->scope = c->scope;
        jv f = {.t = JV_FUNC};
        f.u.fn = fn;
        scope_set(c, c->scope, n->name, f);
        return;
    }
    case S_CALLBLOCK: {
        jnode *call = n->a;
        jv f = eval(r, call->a);
        jargs a;
        eval_args(r, call, &a);
        c->line = n->line;
        if (f.t != JV_FUNC || !f.u.fn->macro) jx_call(c, f, &a); /* fails with the right error */
        jfunc *callee = jx_alloc(c, sizeof *callee);
        *callee = *f.u.fn;
        jfunc *caller = jx_alloc(c, sizeof *caller);
        caller->name = "caller";
        caller->macro = n->b;
        caller->scope = c->scope;
        callee->caller = caller;
        jv_tostr(c, r->out, call_macro(c, callee, &a));
        return;
    }
    case S_BREAK: r->ctl = CTL_BREAK; return;
    case S_CONTINUE: r->ctl = CTL_CONTINUE; return;
    default: jx_fail(c, FFAI_ERR_INTERNAL, "unexpected node kind %d in statement", n->kind);
    }
}

static void exec_list(jrun *r, jnode *n, jscope *s) {
    jctx *c = r->c;
    jscope *saved = c->scope;
    c->scope = s;
    for (; n && r->ctl == CTL_NONE; n = n->next) exec_stmt(r, n);
    c->scope = saved;
}

void jx_render(jctx *c, jnode *body, jv vars, jbuf *out) {
    jscope *g = scope_new(c, NULL);
    jm_install_globals(c, &g->vars);
    jscope *root = scope_new(c, g);
    if (vars.t == JV_DICT)
        for (size_t i = 0; i < vars.u.d->n; i++) jd_set(c, &root->vars, vars.u.d->k[i], vars.u.d->v[i]);
    jrun r = {.c = c, .out = out};
    c->scope = root;
    exec_list(&r, body, root);
    c->scope = NULL;
}
