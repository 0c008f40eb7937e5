/* json_schema.c — checks JSON values against the JSON-Schema subset that tool parameters use. */
#include "chat/json_schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared: a path that grows and shrinks as we descend -------------------------------------- */

typedef struct {
    char path[256]; /* "location.city", "tags[1]"; "" at the top level */
    size_t len;
    char *msg;
    size_t msg_len;
} walk;

/* Appends ".key" (or "key" at the top) / "[i]" to the path; returns the old length to restore. */
static size_t path_push(walk *w, const char *key, long index) {
    size_t old = w->len;
    int k;
    if (key)
        k = snprintf(w->path + w->len, sizeof w->path - w->len, "%s%s", w->len ? "." : "", key);
    else
        k = snprintf(w->path + w->len, sizeof w->path - w->len, "[%ld]", index);
    if (k > 0) w->len += (size_t)k;
    if (w->len >= sizeof w->path) w->len = sizeof w->path - 1; /* truncated, still one string */
    return old;
}

static void path_pop(walk *w, size_t old) {
    w->len = old;
    w->path[old] = '\0';
}

static void say(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(walk *w, const char *fmt, ...) {
    if (!w->msg || !w->msg_len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, w->msg_len, fmt, ap);
    va_end(ap);
}

static const char *const TYPE_NAMES[] = {"string", "integer", "number", "boolean", "object", "array", "null"};

static int type_known(const char *t) {
    for (size_t i = 0; i < sizeof TYPE_NAMES / sizeof *TYPE_NAMES; i++)
        if (!strcmp(t, TYPE_NAMES[i])) return 1;
    return 0;
}

/* ---- checking a value ------------------------------------------------------------------------- */

static int type_matches(const json_t *v, const char *t) {
    if (!strcmp(t, "string")) return json_is_string(v);
    if (!strcmp(t, "integer")) {
        if (json_is_integer(v)) return 1;
        if (!json_is_real(v)) return 0;
        double d = json_real_value(v); /* JSON Schema: 3.0 is an integer */
        return isfinite(d) && d == floor(d);
    }
    if (!strcmp(t, "number")) return json_is_number(v);
    if (!strcmp(t, "boolean")) return json_is_boolean(v);
    if (!strcmp(t, "object")) return json_is_object(v);
    if (!strcmp(t, "array")) return json_is_array(v);
    if (!strcmp(t, "null")) return json_is_null(v);
    return 1; /* unknown names are rejected by jschema_lint; be permissive here */
}

/* "argument 'x'" or "arguments" at the top level. */
static const char *subject(const walk *w, char *buf, size_t len) {
    if (!w->len) return "arguments";
    snprintf(buf, len, "argument '%s'", w->path);
    return buf;
}

static int check_type(walk *w, const json_t *v, const json_t *type) {
    char expected[128] = "", who[300];
    if (json_is_string(type)) {
        if (type_matches(v, json_string_value(type))) return 1;
        snprintf(expected, sizeof expected, "%s", json_string_value(type));
    } else if (json_is_array(type)) {
        size_t i, n = 0;
        json_t *t;
        json_array_foreach(type, i, t) {
            if (!json_is_string(t)) continue;
            if (type_matches(v, json_string_value(t))) return 1;
            size_t used = strlen(expected);
            snprintf(expected + used, sizeof expected - used, "%s%s", n++ ? " or " : "", json_string_value(t));
        }
        if (!n) return 1;
    } else {
        return 1;
    }
    say(w, "%s should be %s", subject(w, who, sizeof who), expected);
    return 0;
}

static int check_value(walk *w, const json_t *v, const json_t *schema);

/* anyOf: at least one; oneOf: exactly one; allOf: all. */
static int check_combinator(walk *w, const json_t *v, const json_t *list, const char *kw) {
    char who[300];
    if (!json_is_array(list) || !json_array_size(list)) return 1;
    size_t i, hits = 0;
    json_t *sub;
    char *saved = w->msg;
    json_array_foreach(list, i, sub) {
        if (!strcmp(kw, "allOf")) {
            if (!check_value(w, v, sub)) return 0;
            continue;
        }
        w->msg = NULL; /* alternatives that fail are not the reason */
        hits += (size_t)check_value(w, v, sub);
        w->msg = saved;
    }
    if (!strcmp(kw, "allOf")) return 1;
    if (hits == 0) {
        say(w, "%s matches none of the %s alternatives", subject(w, who, sizeof who), kw);
        return 0;
    }
    if (hits > 1 && !strcmp(kw, "oneOf")) {
        say(w, "%s matches %zu of the oneOf alternatives (exactly one allowed)", subject(w, who, sizeof who), hits);
        return 0;
    }
    return 1;
}

static int check_object(walk *w, const json_t *v, const json_t *schema) {
    char who[300];
    const json_t *req = json_object_get(schema, "required");
    const json_t *props = json_object_get(schema, "properties");
    const json_t *extra = json_object_get(schema, "additionalProperties");
    size_t i;
    json_t *r;
    json_array_foreach(req, i, r) {
        if (!json_is_string(r) || json_object_get(v, json_string_value(r))) continue;
        size_t old = path_push(w, json_string_value(r), 0);
        say(w, "missing required argument '%s'", w->path);
        path_pop(w, old);
        return 0;
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        const json_t *sub = json_is_object(props) ? json_object_get(props, key) : NULL;
        size_t old = path_push(w, key, 0);
        int ok = 1;
        if (sub)
            ok = check_value(w, val, sub);
        else if (json_is_false(extra)) {
            say(w, "unexpected %s", subject(w, who, sizeof who));
            ok = 0;
        } else if (json_is_object(extra))
            ok = check_value(w, val, extra);
        path_pop(w, old);
        if (!ok) return 0;
    }
    return 1;
}

static int check_value(walk *w, const json_t *v, const json_t *schema) {
    char who[300];
    if (json_is_false(schema)) {
        say(w, "%s is not allowed", subject(w, who, sizeof who));
        return 0;
    }
    if (!json_is_object(schema)) return 1;
    const json_t *type = json_object_get(schema, "type");
    if (type && !check_type(w, v, type)) return 0;
    const json_t *en = json_object_get(schema, "enum");
    if (json_is_array(en)) {
        size_t i;
        json_t *e;
        int found = 0;
        json_array_foreach(en, i, e) found |= json_equal((json_t *)v, e);
        if (!found) {
            char *list = json_dumps(en, JSON_COMPACT | JSON_PRESERVE_ORDER);
            say(w, "%s should be one of %s", subject(w, who, sizeof who), list ? list : "the enum");
            free(list);
            return 0;
        }
    }
    const json_t *cst = json_object_get(schema, "const");
    if (cst && !json_equal((json_t *)v, (json_t *)cst)) {
        char *want = json_dumps(cst, JSON_COMPACT | JSON_ENCODE_ANY);
        say(w, "%s should be %s", subject(w, who, sizeof who), want ? want : "the const value");
        free(want);
        return 0;
    }
    if (json_is_object(v) && !check_object(w, v, schema)) return 0;
    const json_t *items = json_object_get(schema, "items");
    if (json_is_array(v) && items) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            size_t old = path_push(w, NULL, (long)i);
            int ok = check_value(w, e, items);
            path_pop(w, old);
            if (!ok) return 0;
        }
    }
    static const char *const COMBINATORS[] = {"allOf", "anyOf", "oneOf"};
    for (size_t k = 0; k < 3; k++)
        if (!check_combinator(w, v, json_object_get(schema, COMBINATORS[k]), COMBINATORS[k])) return 0;
    return 1;
}

int jschema_check(const json_t *args, const json_t *schema, char *reason, size_t reason_len) {
    walk w = {.len = 0, .msg = reason, .msg_len = reason_len};
    w.path[0] = '\0';
    if (reason && reason_len) reason[0] = '\0';
    return check_value(&w, args, schema);
}

/* ---- checking a schema ------------------------------------------------------------------------ */

static int lint(walk *w, const json_t *s);

static int lint_fail(walk *w, const char *kw, const char *what) {
    size_t old = path_push(w, kw, 0);
    say(w, "%s: %s", w->path, what);
    path_pop(w, old);
    return 0;
}

/* A keyword whose value is one schema (items, additionalProperties). */
static int lint_sub(walk *w, const char *kw, const json_t *s) {
    size_t old = path_push(w, kw, 0);
    int ok = lint(w, s);
    path_pop(w, old);
    return ok;
}

static int lint(walk *w, const json_t *s) {
    if (json_is_boolean(s)) return 1;
    if (!json_is_object(s)) {
        say(w, "%s%sshould be a schema object", w->path, w->len ? ": " : "");
        return 0;
    }
    const json_t *type = json_object_get(s, "type");
    if (type) {
        char what[160];
        if (json_is_string(type)) {
            if (!type_known(json_string_value(type))) {
                snprintf(what, sizeof what, "unknown type '%.100s'", json_string_value(type));
                return lint_fail(w, "type", what);
            }
        } else if (json_is_array(type)) {
            size_t i;
            json_t *t;
            json_array_foreach(type, i, t) {
                if (!json_is_string(t)) return lint_fail(w, "type", "a list of types must hold strings");
                if (!type_known(json_string_value(t))) {
                    snprintf(what, sizeof what, "unknown type '%.100s'", json_string_value(t));
                    return lint_fail(w, "type", what);
                }
            }
        } else {
            return lint_fail(w, "type", "should be a string or a list of strings");
        }
    }
    const json_t *req = json_object_get(s, "required");
    if (req) {
        size_t i;
        json_t *r;
        if (!json_is_array(req)) return lint_fail(w, "required", "should be a list of strings");
        json_array_foreach(req, i, r) if (!json_is_string(r)) return lint_fail(w, "required", "should be a list of strings");
    }
    const json_t *en = json_object_get(s, "enum");
    if (en && !json_is_array(en)) return lint_fail(w, "enum", "should be a list");
    const json_t *props = json_object_get(s, "properties");
    if (props) {
        if (!json_is_object(props)) return lint_fail(w, "properties", "should be an object");
        const char *key;
        json_t *sub;
        json_object_foreach((json_t *)props, key, sub) {
            size_t old = path_push(w, "properties", 0);
            int ok = lint_sub(w, key, sub);
            path_pop(w, old);
            if (!ok) return 0;
        }
    }
    const json_t *items = json_object_get(s, "items");
    if (items && !lint_sub(w, "items", items)) return 0;
    const json_t *extra = json_object_get(s, "additionalProperties");
    if (extra && !lint_sub(w, "additionalProperties", extra)) return 0;
    static const char *const COMBINATORS[] = {"allOf", "anyOf", "oneOf"};
    for (size_t k = 0; k < 3; k++) {
        const json_t *list = json_object_get(s, COMBINATORS[k]);
        if (!list) continue;
        if (!json_is_array(list)) return lint_fail(w, COMBINATORS[k], "should be a list of schemas");
        size_t i;
        json_t *sub;
        json_array_foreach(list, i, sub) {
            size_t old = path_push(w, COMBINATORS[k], 0);
            size_t old2 = path_push(w, NULL, (long)i);
            int ok = lint(w, sub);
            path_pop(w, old2);
            path_pop(w, old);
            if (!ok) return 0;
        }
    }
    return 1;
}

int jschema_lint(const json_t *schema, char *msg, size_t msg_len) {
    walk w = {.len = 0, .msg = msg, .msg_len = msg_len};
    w.path[0] = '\0';
    if (msg && msg_len) msg[0] = '\0';
    return lint(&w, schema);
}
