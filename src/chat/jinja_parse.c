/* jinja_parse.c — recursive-descent parser from Jinja tokens to the AST (jinja.h), following
 * Jinja2's grammar and operator precedence; syntax errors carry line and column. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/jinja.h"
#include "core/error.h"

typedef struct {
    jarena *a;
    jtok *t;
    size_t nt, i;
    ffai_error *err;
    jmp_buf jb;
} parser;

_Noreturn static void pfail_at(parser *P, const jtok *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
_Noreturn static void pfail_at(parser *P, const jtok *t, const char *fmt, ...) {
    char msg[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ffai_fail(P->err, FFAI_ERR_FORMAT, "line %d, column %d: %s", t->line, t->col, msg);
    longjmp(P->jb, 1);
}

static void *palloc(parser *P, size_t n) {
    void *p = ja_alloc(P->a, n);
    if (!p) {
        ffai_fail(P->err, FFAI_ERR_NOMEM, "out of memory while parsing the template");
        longjmp(P->jb, 1);
    }
    return p;
}

static jtok *cur(parser *P) { return &P->t[P->i]; }
static jtok *peek(parser *P, size_t k) { return &P->t[P->i + k < P->nt ? P->i + k : P->nt - 1]; }
static jtok *advance(parser *P) {
    jtok *t = cur(P);
    if (P->i + 1 < P->nt) P->i++;
    return t;
}
static bool tok_is(const jtok *t, int kind, const char *text) {
    if (t->kind != kind) return false;
    if (!text) return true;
    size_t n = strlen(text);
    return t->n == n && memcmp(t->p, text, n) == 0;
}
static bool is_op(parser *P, const char *op) { return tok_is(cur(P), T_OP, op); }
static bool is_name(parser *P, const char *nm) { return tok_is(cur(P), T_NAME, nm); }
static bool skip_op(parser *P, const char *op) {
    if (!is_op(P, op)) return false;
    advance(P);
    return true;
}
static bool skip_name(parser *P, const char *nm) {
    if (!is_name(P, nm)) return false;
    advance(P);
    return true;
}

static const char *describe(parser *P, const jtok *t) {
    static const char *kinds[] = {"end of template", "template data", "begin of print statement",
                                  "end of print statement", "begin of statement block", "end of statement block",
                                  "name", "string", "integer", "float", "operator"};
    if (t->kind == T_NAME || t->kind == T_OP) {
        char *s = palloc(P, t->n + 3);
        snprintf(s, t->n + 3, "'%.*s'", (int)t->n, t->p);
        return s;
    }
    return kinds[t->kind];
}

static void expect_op(parser *P, const char *op) {
    if (!skip_op(P, op)) pfail_at(P, cur(P), "expected '%s', got %s", op, describe(P, cur(P)));
}
static void expect_kind(parser *P, int kind, const char *what) {
    if (cur(P)->kind != kind) pfail_at(P, cur(P), "expected %s, got %s", what, describe(P, cur(P)));
    advance(P);
}
static const char *tokstr(parser *P, const jtok *t) {
    char *s = palloc(P, t->n + 1);
    memcpy(s, t->p, t->n);
    return s;
}
static const char *expect_name(parser *P) {
    if (cur(P)->kind != T_NAME) pfail_at(P, cur(P), "expected name, got %s", describe(P, cur(P)));
    return tokstr(P, advance(P));
}

static jnode *node(parser *P, int kind, const jtok *at) {
    jnode *n = palloc(P, sizeof *n);
    n->kind = (uint8_t)kind;
    n->line = at->line;
    n->col = at->col;
    return n;
}

/* Growable argument vector used while parsing lists, calls and parameters. */
typedef struct {
    jnode **v;
    const char **kw;
    int n, cap;
} nvec;
static void nv_push(parser *P, nvec *v, jnode *n, const char *kw) {
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 4;
        jnode **nn = palloc(P, (size_t)cap * sizeof *nn);
        const char **nk = palloc(P, (size_t)cap * sizeof *nk);
        if (v->n) {
            memcpy(nn, v->v, (size_t)v->n * sizeof *nn);
            memcpy(nk, v->kw, (size_t)v->n * sizeof *nk);
        }
        v->v = nn;
        v->kw = nk;
        v->cap = cap;
    }
    v->kw[v->n] = kw;
    v->v[v->n++] = n;
}
static void nv_store(jnode *n, nvec *v) {
    n->args = v->v;
    n->kw = v->kw;
    n->nargs = v->n;
}

static jnode *parse_expression(parser *P, bool with_condexpr);
static jnode *parse_tuple(parser *P, bool with_condexpr, const char *extra_end, bool explicit_parens);
static jnode *parse_unary(parser *P, bool with_filter);
static jnode *parse_primary(parser *P);
static jnode *parse_postfix(parser *P, jnode *n);
static jnode *parse_filter(parser *P, jnode *n, bool start_inline);

/* ---------------------------------------------------------------- expressions */

static jnode *parse_or(parser *P);

static jnode *parse_expression(parser *P, bool with_condexpr) {
    jnode *e = parse_or(P);
    if (!with_condexpr) return e;
    while (is_name(P, "if")) {
        jnode *c = node(P, N_COND, advance(P));
        c->a = parse_or(P);
        c->b = e;
        if (skip_name(P, "else")) c->c = parse_expression(P, true);
        e = c;
    }
    return e;
}

static jnode *parse_not(parser *P);
static jnode *parse_and(parser *P) {
    jnode *l = parse_not(P);
    while (is_name(P, "and")) {
        jnode *n = node(P, N_AND, advance(P));
        n->a = l;
        n->b = parse_not(P);
        l = n;
    }
    return l;
}
static jnode *parse_or(parser *P) {
    jnode *l = parse_and(P);
    while (is_name(P, "or")) {
        jnode *n = node(P, N_OR, advance(P));
        n->a = l;
        n->b = parse_and(P);
        l = n;
    }
    return l;
}

static jnode *parse_math1(parser *P);
static jnode *parse_compare(parser *P) {
    jtok *at = cur(P);
    jnode *first = parse_math1(P);
    nvec v = {0};
    uint8_t ops[64];
    int nops = 0;
    for (;;) {
        int op = -1;
        if (is_op(P, "==")) op = OP_EQ;
        else if (is_op(P, "!=")) op = OP_NE;
        else if (is_op(P, "<")) op = OP_LT;
        else if (is_op(P, "<=")) op = OP_LE;
        else if (is_op(P, ">")) op = OP_GT;
        else if (is_op(P, ">=")) op = OP_GE;
        else if (is_name(P, "in")) op = OP_IN;
        else if (is_name(P, "not") && tok_is(peek(P, 1), T_NAME, "in")) {
            advance(P);
            op = OP_NOTIN;
        }
        if (op < 0) break;
        advance(P);
        if (nops == 64) pfail_at(P, cur(P), "comparison chain too long");
        if (!v.n) nv_push(P, &v, first, NULL);
        ops[nops++] = (uint8_t)op;
        nv_push(P, &v, parse_math1(P), NULL);
    }
    if (!nops) return first;
    jnode *n = node(P, N_CMP, at);
    nv_store(n, &v);
    n->ops = palloc(P, (size_t)nops);
    memcpy(n->ops, ops, (size_t)nops);
    return n;
}

static jnode *parse_not(parser *P) {
    if (is_name(P, "not")) {
        jnode *n = node(P, N_NOT, advance(P));
        n->a = parse_not(P);
        return n;
    }
    return parse_compare(P);
}

static jnode *binop(parser *P, const jtok *at, int op, jnode *l, jnode *r) {
    jnode *n = node(P, N_BINOP, at);
    n->op = (uint8_t)op;
    n->a = l;
    n->b = r;
    return n;
}

static jnode *parse_pow(parser *P) {
    jnode *l = parse_unary(P, true);
    while (is_op(P, "**")) {
        jtok *at = advance(P);
        l = binop(P, at, OP_POW, l, parse_unary(P, true));
    }
    return l;
}
static jnode *parse_math2(parser *P) {
    jnode *l = parse_pow(P);
    for (;;) {
        int op = is_op(P, "*") ? OP_MUL : is_op(P, "/") ? OP_DIV : is_op(P, "//") ? OP_FLOORDIV : is_op(P, "%") ? OP_MOD : -1;
        if (op < 0) return l;
        jtok *at = advance(P);
        l = binop(P, at, op, l, parse_pow(P));
    }
}
static jnode *parse_concat(parser *P) {
    jnode *l = parse_math2(P);
    while (is_op(P, "~")) {
        jtok *at = advance(P);
        l = binop(P, at, OP_CONCAT, l, parse_math2(P));
    }
    return l;
}
static jnode *parse_math1(parser *P) {
    jnode *l = parse_concat(P);
    for (;;) {
        int op = is_op(P, "+") ? OP_ADD : is_op(P, "-") ? OP_SUB : -1;
        if (op < 0) return l;
        jtok *at = advance(P);
        l = binop(P, at, op, l, parse_concat(P));
    }
}

static void parse_call_args(parser *P, nvec *v) {
    expect_op(P, "(");
    while (!is_op(P, ")")) {
        if (v->n) expect_op(P, ",");
        if (is_op(P, ")")) break;
        if (is_op(P, "*") || is_op(P, "**")) pfail_at(P, cur(P), "*args / **kwargs calls are not supported");
        const char *kw = NULL;
        if (cur(P)->kind == T_NAME && tok_is(peek(P, 1), T_OP, "=")) {
            kw = tokstr(P, advance(P));
            advance(P);
        } else {
            for (int k = 0; k < v->n; k++)
                if (v->kw[k]) pfail_at(P, cur(P), "positional argument follows keyword argument");
        }
        nv_push(P, v, parse_expression(P, true), kw);
    }
    advance(P);
}

static jnode *parse_filter_expr(parser *P, jnode *n) {
    for (;;) {
        if (is_op(P, "|")) n = parse_filter(P, n, false);
        else if (is_name(P, "is")) {
            jtok *at = advance(P);
            bool neg = skip_name(P, "not");
            jnode *t = node(P, N_TEST, at);
            t->a = n;
            t->name = expect_name(P);
            nvec v = {0};
            jtok *c = cur(P);
            if (is_op(P, "(")) parse_call_args(P, &v);
            else if ((c->kind == T_NAME || c->kind == T_STRING || c->kind == T_INT || c->kind == T_FLOAT ||
                      tok_is(c, T_OP, "[") || tok_is(c, T_OP, "{")) &&
                     !tok_is(c, T_NAME, "else") && !tok_is(c, T_NAME, "or") && !tok_is(c, T_NAME, "and")) {
                if (tok_is(c, T_NAME, "is")) pfail_at(P, c, "You cannot chain multiple tests with is");
                nv_push(P, &v, parse_postfix(P, parse_primary(P)), NULL);
            }
            nv_store(t, &v);
            n = t;
            if (neg) {
                jnode *nn = node(P, N_NOT, at);
                nn->a = n;
                n = nn;
            }
        } else if (is_op(P, "(")) {
            jnode *call = node(P, N_CALL, cur(P));
            call->a = n;
            nvec v = {0};
            parse_call_args(P, &v);
            nv_store(call, &v);
            n = call;
        } else return n;
    }
}

static jnode *parse_filter(parser *P, jnode *n, bool start_inline) {
    while (is_op(P, "|") || start_inline) {
        if (!start_inline) advance(P);
        start_inline = false;
        jnode *f = node(P, N_FILTER, cur(P));
        const char *name = expect_name(P);
        while (is_op(P, ".")) { /* dotted filter names */
            advance(P);
            const char *more = expect_name(P);
            size_t l = strlen(name) + strlen(more) + 2;
            char *nm = palloc(P, l);
            snprintf(nm, l, "%s.%s", name, more);
            name = nm;
        }
        f->name = name;
        f->a = n;
        nvec v = {0};
        if (is_op(P, "(")) parse_call_args(P, &v);
        nv_store(f, &v);
        n = f;
    }
    return n;
}

static jnode *parse_unary(parser *P, bool with_filter) {
    jnode *n;
    if (is_op(P, "-") || is_op(P, "+")) {
        jtok *at = advance(P);
        n = node(P, at->p[0] == '-' ? N_NEG : N_POS, at);
        n->a = parse_unary(P, false);
    } else n = parse_primary(P);
    n = parse_postfix(P, n);
    if (with_filter) n = parse_filter_expr(P, n);
    return n;
}

static jnode *constant(parser *P, const jtok *at, jv v) {
    jnode *n = node(P, N_CONST, at);
    n->cval = v;
    return n;
}

static jnode *parse_primary(parser *P) {
    jtok *t = cur(P);
    switch (t->kind) {
    case T_NAME:
        advance(P);
        if (tok_is(t, T_NAME, "true") || tok_is(t, T_NAME, "True")) return constant(P, t, jv_bool(true));
        if (tok_is(t, T_NAME, "false") || tok_is(t, T_NAME, "False")) return constant(P, t, jv_bool(false));
        if (tok_is(t, T_NAME, "none") || tok_is(t, T_NAME, "None")) return constant(P, t, jv_none());
        {
            jnode *n = node(P, N_NAME, t);
            n->name = tokstr(P, t);
            return n;
        }
    case T_STRING: {
        advance(P);
        if (cur(P)->kind != T_STRING) return constant(P, t, jv_strn(t->p, t->n));
        size_t total = t->n;
        for (size_t k = P->i; P->t[k].kind == T_STRING; k++) total += P->t[k].n;
        char *s = palloc(P, total + 1);
        memcpy(s, t->p, t->n);
        size_t o = t->n;
        while (cur(P)->kind == T_STRING) {
            jtok *u = advance(P);
            memcpy(s + o, u->p, u->n);
            o += u->n;
        }
        return constant(P, t, jv_strn(s, total));
    }
    case T_INT: advance(P); return constant(P, t, jv_int(t->i));
    case T_FLOAT: advance(P); return constant(P, t, jv_float(t->f));
    case T_OP:
        if (tok_is(t, T_OP, "(")) {
            advance(P);
            jnode *n = parse_tuple(P, true, NULL, true);
            expect_op(P, ")");
            return n;
        }
        if (tok_is(t, T_OP, "[")) {
            advance(P);
            jnode *n = node(P, N_LIST, t);
            nvec v = {0};
            while (!is_op(P, "]")) {
                if (v.n) expect_op(P, ",");
                if (is_op(P, "]")) break;
                nv_push(P, &v, parse_expression(P, true), NULL);
            }
            advance(P);
            nv_store(n, &v);
            return n;
        }
        if (tok_is(t, T_OP, "{")) {
            advance(P);
            jnode *n = node(P, N_DICT, t);
            nvec v = {0};
            while (!is_op(P, "}")) {
                if (v.n) expect_op(P, ",");
                if (is_op(P, "}")) break;
                nv_push(P, &v, parse_expression(P, true), NULL);
                expect_op(P, ":");
                nv_push(P, &v, parse_expression(P, true), NULL);
            }
            advance(P);
            nv_store(n, &v);
            return n;
        }
        break;
    default: break;
    }
    pfail_at(P, t, "unexpected %s", describe(P, t));
}

static jnode *parse_subscribed(parser *P) {
    jtok *at = cur(P);
    jnode *parts[3] = {NULL, NULL, NULL};
    if (is_op(P, ":")) {
        advance(P);
    } else {
        jnode *e = parse_expression(P, true);
        if (!is_op(P, ":")) return e;
        advance(P);
        parts[0] = e;
    }
    if (!is_op(P, "]") && !is_op(P, ",") && !is_op(P, ":")) parts[1] = parse_expression(P, true);
    if (skip_op(P, ":")) {
        if (!is_op(P, "]") && !is_op(P, ",")) parts[2] = parse_expression(P, true);
    }
    jnode *s = node(P, N_SLICE, at);
    s->a = parts[0];
    s->b = parts[1];
    s->c = parts[2];
    return s;
}

static jnode *parse_postfix(parser *P, jnode *n) {
    for (;;) {
        jtok *at = cur(P);
        if (is_op(P, ".")) {
            advance(P);
            jtok *t = cur(P);
            if (t->kind == T_NAME) {
                jnode *g = node(P, N_GETATTR, at);
                g->a = n;
                g->name = tokstr(P, advance(P));
                n = g;
            } else if (t->kind == T_INT) {
                jnode *g = node(P, N_GETITEM, at);
                g->a = n;
                g->b = constant(P, t, jv_int(t->i));
                advance(P);
                n = g;
            } else pfail_at(P, t, "expected name or number after '.'");
        } else if (is_op(P, "[")) {
            advance(P);
            nvec v = {0};
            while (!is_op(P, "]")) {
                if (v.n) expect_op(P, ",");
                if (is_op(P, "]")) break;
                nv_push(P, &v, parse_subscribed(P), NULL);
            }
            advance(P);
            if (!v.n) pfail_at(P, at, "expected subscript expression");
            jnode *g = node(P, N_GETITEM, at);
            g->a = n;
            if (v.n == 1) g->b = v.v[0];
            else {
                g->b = node(P, N_TUPLE, at);
                nv_store(g->b, &v);
            }
            n = g;
        } else if (is_op(P, "(")) {
            jnode *call = node(P, N_CALL, at);
            call->a = n;
            nvec v = {0};
            parse_call_args(P, &v);
            nv_store(call, &v);
            n = call;
        } else return n;
    }
}

static bool is_tuple_end(parser *P, const char *extra_end) {
    jtok *t = cur(P);
    if (t->kind == T_VAR_END || t->kind == T_BLOCK_END || tok_is(t, T_OP, ")")) return true;
    return extra_end && tok_is(t, T_NAME, extra_end);
}

static jnode *parse_tuple(parser *P, bool with_condexpr, const char *extra_end, bool explicit_parens) {
    jtok *at = cur(P);
    nvec v = {0};
    bool is_tuple = false;
    for (;;) {
        if (v.n) expect_op(P, ",");
        if (is_tuple_end(P, extra_end)) break;
        nv_push(P, &v, parse_expression(P, with_condexpr), NULL);
        if (is_op(P, ",")) is_tuple = true;
        else break;
    }
    if (!is_tuple) {
        if (v.n) return v.v[0];
        if (!explicit_parens) pfail_at(P, cur(P), "Expected an expression, got %s", describe(P, cur(P)));
    }
    jnode *n = node(P, N_TUPLE, at);
    nv_store(n, &v);
    return n;
}

/* Assignment targets: name, ns.attr (with_ns), or a tuple of names. */
static jnode *parse_assign_target(parser *P, bool with_ns, const char *extra_end) {
    jtok *at = cur(P);
    nvec v = {0};
    bool is_tuple = false;
    for (;;) {
        if (v.n) expect_op(P, ",");
        if (is_tuple_end(P, extra_end) || is_op(P, "=")) break;
        jtok *t = cur(P);
        const char *nm = expect_name(P);
        jnode *n = node(P, N_NAME, t);
        n->name = nm;
        if (with_ns && is_op(P, ".")) {
            advance(P);
            jnode *g = node(P, N_GETATTR, t);
            g->a = n;
            g->name = expect_name(P);
            n = g;
        }
        nv_push(P, &v, n, NULL);
        if (is_op(P, ",")) is_tuple = true;
        else break;
    }
    if (!v.n) pfail_at(P, cur(P), "expected an assignment target");
    if (!is_tuple) return v.v[0];
    jnode *n = node(P, N_TUPLE, at);
    nv_store(n, &v);
    return n;
}

/* ---------------------------------------------------------------- statements */

static jnode *subparse(parser *P, const char *const *end_tags, int n_end);

/* Parses statements until one of end_tags; leaves the end tag name as current token. */
static jnode *parse_body(parser *P, const char *const *end_tags, int n_end) {
    skip_op(P, ":");
    expect_kind(P, T_BLOCK_END, "end of statement block");
    jtok *start = cur(P);
    jnode *b = subparse(P, end_tags, n_end);
    if (cur(P)->kind == T_EOF) {
        char want[256] = "";
        for (int k = 0; k < n_end; k++) {
            size_t l = strlen(want);
            snprintf(want + l, sizeof want - l, "%s'%s'", k ? " or " : "", end_tags[k]);
        }
        pfail_at(P, start, "Unexpected end of template. Jinja was looking for the following tags: %s.", want);
    }
    return b;
}

static jnode *parse_if(parser *P, jtok *at) {
    static const char *const ends[] = {"elif", "else", "endif"};
    jnode *n = node(P, S_IF, at);
    n->a = parse_tuple(P, false, NULL, false);
    n->body = parse_body(P, ends, 3);
    jtok *t = advance(P);
    if (tok_is(t, T_NAME, "elif")) n->orelse = parse_if(P, t);
    else if (tok_is(t, T_NAME, "else")) {
        static const char *const e2[] = {"endif"};
        n->orelse = parse_body(P, e2, 1);
        advance(P);
    }
    return n;
}

static void parse_macro_params(parser *P, jnode *m) {
    nvec v = {0};
    expect_op(P, "(");
    while (!is_op(P, ")")) {
        if (v.n) expect_op(P, ",");
        if (is_op(P, ")")) break;
        const char *nm = expect_name(P);
        jnode *def = NULL;
        if (skip_op(P, "=")) def = parse_expression(P, true);
        else if (v.n && v.v[v.n - 1]) pfail_at(P, cur(P), "non-default argument follows default argument");
        nv_push(P, &v, def, nm);
    }
    advance(P);
    nv_store(m, &v);
}

static jnode *parse_statement(parser *P) {
    jtok *at = cur(P);
    if (at->kind != T_NAME) pfail_at(P, at, "tag name expected");
    advance(P);
    jnode *n;
    if (tok_is(at, T_NAME, "if")) n = parse_if(P, at);
    else if (tok_is(at, T_NAME, "for")) {
        static const char *const ends[] = {"endfor", "else"};
        n = node(P, S_FOR, at);
        n->a = parse_assign_target(P, false, "in");
        if (!skip_name(P, "in")) pfail_at(P, cur(P), "expected 'in'");
        n->b = parse_tuple(P, false, "recursive", false);
        if (skip_name(P, "if")) n->c = parse_expression(P, true);
        if (is_name(P, "recursive")) pfail_at(P, cur(P), "recursive loops are not supported");
        n->body = parse_body(P, ends, 2);
        if (tok_is(advance(P), T_NAME, "else")) {
            static const char *const e2[] = {"endfor"};
            n->orelse = parse_body(P, e2, 1);
            advance(P);
        }
    } else if (tok_is(at, T_NAME, "set")) {
        jnode *target = parse_assign_target(P, true, NULL);
        if (skip_op(P, "=")) {
            n = node(P, S_SET, at);
            n->a = target;
            n->b = parse_tuple(P, true, NULL, false);
        } else {
            static const char *const ends[] = {"endset"};
            n = node(P, S_SETBLOCK, at);
            n->a = target;
            if (is_op(P, "|")) n->c = parse_filter(P, NULL, false);
            n->body = parse_body(P, ends, 1);
            advance(P);
        }
    } else if (tok_is(at, T_NAME, "macro")) {
        static const char *const ends[] = {"endmacro"};
        n = node(P, S_MACRO, at);
        n->name = expect_name(P);
        parse_macro_params(P, n);
        n->body = parse_body(P, ends, 1);
        advance(P);
    } else if (tok_is(at, T_NAME, "call")) {
        static const char *const ends[] = {"endcall"};
        n = node(P, S_CALLBLOCK, at);
        jnode *caller = node(P, S_MACRO, at);
        caller->name = "caller";
        if (is_op(P, "(")) parse_macro_params(P, caller);
        n->a = parse_expression(P, true);
        if (n->a->kind != N_CALL) pfail_at(P, at, "expected call");
        caller->body = parse_body(P, ends, 1);
        advance(P);
        n->b = caller;
    } else if (tok_is(at, T_NAME, "filter")) {
        static const char *const ends[] = {"endfilter"};
        n = node(P, S_FILTERBLOCK, at);
        n->c = parse_filter(P, NULL, true);
        n->body = parse_body(P, ends, 1);
        advance(P);
    } else if (tok_is(at, T_NAME, "break")) n = node(P, S_BREAK, at);
    else if (tok_is(at, T_NAME, "continue")) n = node(P, S_CONTINUE, at);
    else pfail_at(P, at, "Encountered unknown tag '%.*s'.", (int)at->n, at->p);
    expect_kind(P, T_BLOCK_END, "end of statement block");
    return n;
}

static jnode *subparse(parser *P, const char *const *end_tags, int n_end) {
    jnode head = {0}, *tail = &head;
    for (;;) {
        jtok *t = cur(P);
        if (t->kind == T_EOF) break;
        jnode *n = NULL;
        if (t->kind == T_DATA) {
            advance(P);
            n = node(P, S_TEXT, t);
            n->cval = jv_strn(t->p, t->n);
        } else if (t->kind == T_VAR_BEGIN) {
            advance(P);
            n = node(P, S_OUTPUT, t);
            n->a = parse_tuple(P, true, NULL, false);
            expect_kind(P, T_VAR_END, "end of print statement");
        } else if (t->kind == T_BLOCK_BEGIN) {
            advance(P);
            for (int k = 0; k < n_end; k++)
                if (tok_is(cur(P), T_NAME, end_tags[k])) return head.next;
            if (cur(P)->kind == T_NAME && !n_end) {
                static const char *const stray[] = {"endif", "endfor", "else", "elif", "endset", "endmacro", "endcall", "endfilter"};
                for (size_t k = 0; k < sizeof stray / sizeof *stray; k++)
                    if (tok_is(cur(P), T_NAME, stray[k]))
                        pfail_at(P, cur(P), "Encountered unknown tag '%s'.", stray[k]);
            }
            n = parse_statement(P);
        } else pfail_at(P, t, "unexpected %s", describe(P, t));
        tail->next = n;
        tail = n;
    }
    return head.next;
}

jtemplate *jp_parse(const char *src, size_t len, ffai_error *err) {
    jarena *a = ja_new();
    if (!a) {
        ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        return NULL;
    }
    size_t nt = 0;
    jtok *toks = jl_tokenize(a, src, len, &nt, err);
    if (!toks) {
        ja_free(a);
        return NULL;
    }
    parser *P = calloc(1, sizeof *P);
    if (!P) {
        ja_free(a);
        ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        return NULL;
    }
    P->a = a;
    P->t = toks;
    P->nt = nt;
    P->err = err;
    if (setjmp(P->jb)) {
        free(P);
        ja_free(a);
        return NULL;
    }
    jnode *body = subparse(P, NULL, 0);
    jtemplate *t = palloc(P, sizeof *t);
    t->arena = a;
    t->body = body;
    free(P);
    return t;
}
