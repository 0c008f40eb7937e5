/* jinja.h — internal interface of the Jinja subset: arena, values, AST, and the helpers shared
 * by the lexer, parser, evaluator, filters, methods and JSON conversion.
 *
 * Memory: everything a template owns (tokens, AST, literal strings) lives in the template's
 * arena; everything one render creates lives in that render's arena, freed in one go.
 * Errors: parser and evaluator report failures by longjmp to the jmp_buf of their context
 * (jx_fail / jp_fail), so deep code never threads status codes; arenas make that leak-free.
 *
 * Not supported (no real chat template needs them so far): include/extends/import/block/with,
 * recursive loops, loop.changed, cycler/joiner, star-args calls (*a, **kw) and macro varargs, the `%`
 * string operator, format specs in str.format, \N{...} escapes, non-ASCII identifiers, integers
 * beyond int64. Unknown filters/tests fail when evaluated (Jinja2 rejects them at compile time
 * outside if-blocks). upper/lower use simple one-to-one case mappings (no "ß" -> "SS").
 * dict.items()/keys()/values() return lists, so tojson accepts them where Python would not. */
#ifndef FFAI_CHAT_JINJA_H
#define FFAI_CHAT_JINJA_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ffai/status.h"

/* ---------------------------------------------------------------- arena */

typedef struct jarena jarena;
jarena *ja_new(void);
void ja_free(jarena *a);
/* Zeroed memory; NULL only when malloc fails. */
void *ja_alloc(jarena *a, size_t n);

/* ---------------------------------------------------------------- values */

typedef enum {
    JV_UNDEF, /* Jinja Undefined: prints empty, falsy; s = "why" message for errors */
    JV_NONE,
    JV_BOOL,
    JV_INT,
    JV_FLOAT,
    JV_STR,  /* s: UTF-8 bytes (not NUL-terminated), immutable, shared freely */
    JV_LIST, /* l: also tuples (JVF_TUPLE) and generator results (JVF_GEN) */
    JV_DICT, /* d: insertion-ordered; namespaces carry JVF_NS */
    JV_FUNC, /* fn: macro, builtin global, or bound method */
    JV_LOOP, /* lp: the `loop` variable of a for loop */
} jv_type;

enum {
    JVF_SAFE = 1,  /* Markup string (from |safe): `+` with it escapes the other operand */
    JVF_TUPLE = 2, /* list that prints as a tuple */
    JVF_GEN = 4,   /* list produced lazily in Jinja (map/select/…): no len, not JSON */
    JVF_NS = 8,    /* dict that is a namespace() */
    JVF_VIEW = 16, /* dict_items/keys/values view: iterable, has len, not JSON */
};

typedef struct jlist jlist;
typedef struct jdict jdict;
typedef struct jfunc jfunc;
typedef struct jloop jloop;

typedef struct jv {
    uint8_t t;     /* jv_type */
    uint8_t flags; /* JVF_* */
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            const char *p;
            size_t n;
        } s;
        jlist *l;
        jdict *d;
        jfunc *fn;
        jloop *lp;
    } u;
} jv;

struct jlist {
    size_t n, cap;
    jv *v;
};
struct jdict {
    size_t n, cap;
    jv *k, *v;
};

static inline jv jv_none(void) { jv r = {.t = JV_NONE}; return r; }
static inline jv jv_bool(bool b) { jv r = {.t = JV_BOOL}; r.u.b = b; return r; }
static inline jv jv_int(int64_t i) { jv r = {.t = JV_INT}; r.u.i = i; return r; }
static inline jv jv_float(double f) { jv r = {.t = JV_FLOAT}; r.u.f = f; return r; }
static inline jv jv_strn(const char *p, size_t n) { jv r = {.t = JV_STR}; r.u.s.p = p; r.u.s.n = n; return r; }

/* ---------------------------------------------------------------- AST */

typedef enum {
    /* expressions */
    N_CONST, N_NAME, N_LIST, N_TUPLE, N_DICT, N_GETATTR, N_GETITEM, N_SLICE, N_CALL,
    N_FILTER, N_TEST, N_NOT, N_NEG, N_POS, N_BINOP, N_AND, N_OR, N_CMP, N_COND,
    /* statements */
    S_TEXT, S_OUTPUT, S_IF, S_FOR, S_SET, S_SETBLOCK, S_MACRO, S_CALLBLOCK, S_FILTERBLOCK,
    S_BREAK, S_CONTINUE, S_DO,
} jnode_kind;

/* Binary and comparison operators (N_BINOP op, N_CMP ops[]). */
typedef enum {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW, OP_CONCAT,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NOTIN,
} jop;

typedef struct jnode jnode;
struct jnode {
    uint8_t kind; /* jnode_kind */
    uint8_t op;   /* jop for N_BINOP */
    int line, col;
    jv cval;          /* N_CONST value; S_TEXT text */
    const char *name; /* N_NAME, N_GETATTR attr, N_FILTER/N_TEST name, S_MACRO name (NUL-terminated) */
    jnode *a, *b, *c; /* operands: see the parser for each kind */
    jnode **args;     /* call/filter/test arguments, list/tuple items, dict keys+values interleaved */
    const char **kw;  /* kw[i] non-NULL: args[i] is a keyword argument (or a macro parameter name) */
    int nargs;
    uint8_t *ops;     /* N_CMP: nargs-1 operators between args */
    jnode *body, *orelse; /* statement lists (linked through next) */
    jnode *next;
};

/* ---------------------------------------------------------------- template */

typedef struct jtemplate {
    jarena *arena;
    jnode *body;
} jtemplate;

/* Parses src (UTF-8). On failure fills err ("line L, column C: ...") and returns NULL. */
jtemplate *jp_parse(const char *src, size_t len, ffai_error *err);

/* ---------------------------------------------------------------- lexer */

typedef enum {
    T_EOF, T_DATA, T_VAR_BEGIN, T_VAR_END, T_BLOCK_BEGIN, T_BLOCK_END,
    T_NAME, T_STRING, T_INT, T_FLOAT, T_OP,
} jtok_kind;

typedef struct jtok {
    uint8_t kind;
    int line, col;
    const char *p; /* T_DATA/T_NAME/T_OP: source text or decoded string (T_STRING) */
    size_t n;
    int64_t i;
    double f;
} jtok;

/* Tokenizes a whole template; returns the token array (ending with T_EOF) in the arena.
 * On a lexical error fills err and returns NULL. */
jtok *jl_tokenize(jarena *a, const char *src, size_t len, size_t *ntok, ffai_error *err);

/* ---------------------------------------------------------------- evaluation context */

typedef struct jscope jscope;
typedef struct jctx {
    jarena *a;
    jmp_buf jb;
    ffai_error *err;
    ffai_status st;
    jscope *scope; /* innermost scope of the statement being run */
    /* output buffer stack (block set, filter blocks, macros capture into new buffers) */
    char *buf;
    size_t len, cap;
    int line; /* line of the node being evaluated, for error messages */
    int depth;
} jctx;

/* Fails the render: formats into ctx->err and longjmps out. */
_Noreturn void jx_fail(jctx *c, ffai_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Arena-backed growable byte buffer. */
typedef struct jbuf {
    char *p;
    size_t n, cap;
} jbuf;
void jb_put(jctx *c, jbuf *b, const char *s, size_t n);
void jb_puts(jctx *c, jbuf *b, const char *s);
void jb_printf(jctx *c, jbuf *b, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- values (jinja_value.c) */

void *jx_alloc(jctx *c, size_t n); /* fails the render on OOM */
jv jv_str(jctx *c, const char *s);  /* copies a NUL-terminated string */
jv jv_strdup(jctx *c, const char *p, size_t n);
jv jv_undef(jctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
jv jv_newlist(jctx *c, size_t cap, uint8_t flags);
jv jv_newdict(jctx *c, size_t cap);
void jl_push(jctx *c, jlist *l, jv v);
/* NULL when absent. */
jv *jd_get(jdict *d, jv key);
jv *jd_gets(jdict *d, const char *key);
void jd_set(jctx *c, jdict *d, jv key, jv val);

const char *jv_typename(const jv *v); /* Python type name: "str", "dict", "NoneType", … */
bool jv_truthy(jctx *c, jv v);
bool jv_equal(jv a, jv b);
/* Python ordering; fails the render on incomparable types. Returns <0, 0, >0. */
int jv_compare(jctx *c, jv a, jv b, const char *opname);
/* str(v) into a buffer, and as a value (strings returned as is). */
void jv_tostr(jctx *c, jbuf *b, jv v);
jv jv_tostring(jctx *c, jv v);
void jv_repr(jctx *c, jbuf *b, jv v);
void jv_float_repr(char *out, size_t cap, double f);
/* Fails with Jinja's UndefinedError when v is undefined. */
void jv_check_defined(jctx *c, jv v);
/* Iterable as a list of items (dict → keys, str → characters); fails when not iterable. */
jlist *jv_iter(jctx *c, jv v);
/* len(); fails when the value has no length. */
int64_t jv_len(jctx *c, jv v);
size_t ju_cplen(const char *p, size_t n);             /* code points in UTF-8 */
size_t ju_cpoff(const char *p, size_t n, int64_t cp); /* byte offset of code point cp (clamped) */
jv jv_escape_html(jctx *c, jv s);

/* ---------------------------------------------------------------- calls */

/* Evaluated call arguments: positional then keyword (kw[i] non-NULL). */
typedef struct jargs {
    int n;
    jv *v;
    const char **kw;
} jargs;
/* Positional i or keyword `name` (NULL when neither was given). */
jv *ja_arg(jargs *a, int i, const char *name);

typedef jv (*jbuiltin_fn)(jctx *c, jv self, jargs *a);
struct jfunc {
    const char *name;
    jbuiltin_fn fn; /* builtin or bound method (self set) */
    jv self;
    jnode *macro;   /* macro definition (S_MACRO / caller of S_CALLBLOCK) */
    jscope *scope;  /* macro: defining scope */
    jfunc *caller;  /* macro invoked through {% call %}: the caller() function */
};

struct jloop {
    jlist *items;
    int64_t i;
};

/* ---------------------------------------------------------------- evaluator (jinja_eval.c) */

/* Runs a template body with `vars` (a dict) as its top-level variables, appending to out. */
void jx_render(jctx *c, jnode *body, jv vars, jbuf *out);
jv jx_call(jctx *c, jv fn, jargs *a);
jv jx_getattr(jctx *c, jv obj, const char *name);
jv jx_getitem(jctx *c, jv obj, jv key);

/* ---------------------------------------------------------------- filters/tests (jinja_filters.c) */

/* Applies filter `name` to v; fails on unknown filters. */
jv jf_filter(jctx *c, const char *name, jv v, jargs *a);
/* Runs test `name`; fails on unknown tests. */
bool jf_test(jctx *c, const char *name, jv v, jargs *a);
bool jf_has_filter(const char *name);
bool jf_has_test(const char *name);

/* ---------------------------------------------------------------- methods & globals (jinja_methods.c) */

/* A bound method value for obj.name, or an undefined when obj has no such method. */
bool jm_method(jctx *c, jv obj, const char *name, jv *out);
/* Built-in global functions (range, namespace, dict, raise_exception, strftime_now, …). */
void jm_install_globals(jctx *c, jdict *g);
/* Python str helpers shared with the filters. mode: 'b' strip both ends, 'l' left, 'r' right;
 * chars NONE = Unicode whitespace. */
jv jm_strip(jctx *c, jv s, jv chars, char mode);
/* 'u' upper, 'l' lower, 'c' capitalize, 't' Jinja title filter, 'T' Python str.title(). */
jv jm_case(jctx *c, jv s, char mode);
/* str.islower() ('l') / str.isupper() ('u'). */
bool jm_is_case(jctx *c, jv s, char mode);
/* str.replace(old, new[, count]); count < 0 = all. */
jv jm_replace(jctx *c, jv s, jv old, jv nw, int64_t count);
/* str.splitlines() (line breaks dropped). */
jlist *jm_splitlines(jctx *c, jv s);

/* ---------------------------------------------------------------- JSON (jinja_json.c) */

/* Parses JSON text into a value; fails the render on malformed JSON. */
jv jj_parse(jctx *c, const char *text, size_t len);
/* json.dumps(v, ensure_ascii=False, indent, separators, sort_keys); indent < 0 means None. */
void jj_dump(jctx *c, jbuf *b, jv v, int indent, const char *item_sep, const char *key_sep, bool sort_keys,
             bool ensure_ascii);

#endif
