/* tool_cases.c — tool-calling bench cases: the --tool-cases file loader and the built-in case. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/tool_list.h"
#include "core/error.h"
#include "ffai/toolcall.h"

/* BENCH.md §4.6; the tool text is the one ffai-tiny-qwen3 was trained on (golden case "tool"). */
static const char DEFAULT_CASES[] =
    "[{\"name\": \"date-time\","
    " \"messages\": [{\"role\": \"user\", \"content\": \"What is the current date and time?\"}],"
    " \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"execute_shell\","
    " \"description\": \"Execute a shell command and return its output\","
    " \"parameters\": {\"type\": \"object\", \"properties\": {\"command\": {\"type\": \"string\","
    " \"description\": \"The shell command to run\"}}, \"required\": [\"command\"]}}}],"
    " \"expect\": {\"tool\": \"execute_shell\", \"arg\": \"command\", \"contains\": \"date\"}}]";

/* Fails unless every key of obj is in allowed (a NULL-terminated list). */
static ffai_status only_keys(const json_t *obj, const char *const *allowed, const char *where, ffai_error *err) {
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++) ok |= !strcmp(key, *a);
        if (ok) continue;
        char list[128] = "";
        for (const char *const *a = allowed; *a; a++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a == allowed ? "" : ", ", *a);
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: unknown key '%s' (expected %s)", where, key, list);
    }
    return FFAI_OK;
}

/* An optional string member: NULL when absent, an error when present but not a non-empty string. */
static ffai_status opt_string(const json_t *obj, const char *key, const char **out, const char *where, ffai_error *err) {
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v) return FFAI_OK;
    if (!json_is_string(v) || !json_string_length(v))
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: \"%s\" should be a non-empty string", where, key);
    *out = json_string_value(v);
    return FFAI_OK;
}

static ffai_status check_messages(const json_t *msgs, const char *where, ffai_error *err) {
    if (!msgs) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: missing \"messages\"", where);
    if (!json_is_array(msgs) || !json_array_size(msgs))
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: \"messages\" should be a non-empty list", where);
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m) {
        if (!json_is_object(m)) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: messages[%zu]: expected an object", where, i);
        const json_t *role = json_object_get(m, "role"), *content = json_object_get(m, "content");
        if (!json_is_string(role) || !json_string_length(role))
            return ffai_fail(err, FFAI_ERR_FORMAT, "%s: messages[%zu]: missing \"role\" string", where, i);
        if (content && !json_is_string(content) && !json_is_array(content) && !json_is_null(content))
            return ffai_fail(err, FFAI_ERR_FORMAT, "%s: messages[%zu]: \"content\" should be a string, a list or null", where, i);
    }
    return FFAI_OK;
}

/* got: the expect strings tool, arg, contains (each may be NULL). */
static ffai_status check_expect(const json_t *tools, const char *const got[3], const char *where, ffai_error *err) {
    const char *tool = got[0], *arg = got[1], *contains = got[2];
    if ((arg == NULL) != (contains == NULL))
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: expect: \"arg\" and \"contains\" go together", where);
    if (!tool) return FFAI_OK;
    const json_t *fn = tlist_find(tools, tool);
    if (!fn) {
        char names[256];
        tlist_names(tools, names, sizeof names);
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: expect: tool '%s' is not one of the case's tools (%s)", where, tool, names);
    }
    const json_t *props = json_object_get(json_object_get(fn, "parameters"), "properties");
    if (arg && json_is_object(props) && !json_object_get(props, arg))
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: expect: '%s' is not a parameter of tool '%s'", where, arg, tool);
    return FFAI_OK;
}

static char *dump(const json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER); }

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void case_clear(ffai_tool_case *c) {
    free(c->name);
    free(c->messages_json);
    free(c->tools_json);
    free((char *)c->expect.tool);
    free((char *)c->expect.arg);
    free((char *)c->expect.must_contain);
    memset(c, 0, sizeof *c);
}

static ffai_status case_from_json(const char *src, size_t index, const json_t *obj, ffai_tool_case *c, ffai_error *err) {
    static const char *const CASE_KEYS[] = {"name", "messages", "tools", "expect", NULL};
    static const char *const EXPECT_KEYS[] = {"tool", "arg", "contains", NULL};
    char where[512], why[512];
    ffai_status st;
    snprintf(where, sizeof where, "%s: cases[%zu]", src, index);
    if (!json_is_object(obj)) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: expected an object", where);
    const char *name;
    if ((st = opt_string(obj, "name", &name, where, err))) return st;
    if (name) snprintf(where, sizeof where, "%s: cases[%zu] (\"%.200s\")", src, index, name);
    if ((st = only_keys(obj, CASE_KEYS, where, err))) return st;
    const json_t *msgs = json_object_get(obj, "messages"), *tools = json_object_get(obj, "tools");
    if ((st = check_messages(msgs, where, err))) return st;
    if (!tools) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: missing \"tools\"", where);
    if (!tlist_check(tools, 1, why, sizeof why)) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: %s", where, why);
    const char *got[3] = {NULL, NULL, NULL};
    const json_t *exp = json_object_get(obj, "expect");
    if (exp) {
        char ewhere[600];
        snprintf(ewhere, sizeof ewhere, "%s: expect", where);
        if (!json_is_object(exp)) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: should be an object", ewhere);
        if ((st = only_keys(exp, EXPECT_KEYS, ewhere, err))) return st;
        for (int k = 0; k < 3; k++)
            if ((st = opt_string(exp, EXPECT_KEYS[k], &got[k], ewhere, err))) return st;
        if ((st = check_expect(tools, got, where, err))) return st;
    }
    char fallback[32];
    snprintf(fallback, sizeof fallback, "case %zu", index + 1);
    c->name = strdup(name ? name : fallback);
    c->messages_json = dump(msgs);
    c->tools_json = dump(tools);
    c->expect.tool = dup_or_null(got[0]);
    c->expect.arg = dup_or_null(got[1]);
    c->expect.must_contain = dup_or_null(got[2]);
    if (!c->name || !c->messages_json || !c->tools_json || (got[0] && !c->expect.tool) || (got[1] && !c->expect.arg) ||
        (got[2] && !c->expect.must_contain)) {
        case_clear(c);
        return ffai_fail(err, FFAI_ERR_NOMEM, "%s: out of memory", where);
    }
    return FFAI_OK;
}

/* root: the parsed file; src names it in errors. */
static ffai_status cases_from_json(const char *src, const json_t *root, ffai_tool_case **cases, int *n, ffai_error *err) {
    if (!json_is_array(root)) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: expected a JSON list of cases", src);
    size_t count = json_array_size(root);
    if (!count) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: the list of cases is empty", src);
    if (count > 1000000) return ffai_fail(err, FFAI_ERR_RANGE, "%s: too many cases (%zu)", src, count);
    ffai_tool_case *out = calloc(count, sizeof *out);
    if (!out) return ffai_fail(err, FFAI_ERR_NOMEM, "%s: out of memory", src);
    for (size_t i = 0; i < count; i++) {
        ffai_status st = case_from_json(src, i, json_array_get(root, i), &out[i], err);
        if (st) {
            ffai_tool_cases_free(out, (int)i);
            return st;
        }
    }
    *cases = out;
    *n = (int)count;
    return FFAI_OK;
}

ffai_status ffai_tool_cases_load(const char *path, ffai_tool_case **cases, int *n, ffai_error *err) {
    *cases = NULL;
    *n = 0;
    if (!path) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "tool cases: no file given");
    FILE *f = fopen(path, "rb");
    if (!f) return ffai_fail(err, errno == ENOENT ? FFAI_ERR_NOT_FOUND : FFAI_ERR_IO, "%s: %s", path, strerror(errno));
    json_error_t je;
    json_t *root = json_loadf(f, 0, &je);
    fclose(f);
    if (!root) return ffai_fail(err, FFAI_ERR_FORMAT, "%s:%d:%d: invalid JSON: %s", path, je.line, je.column, je.text);
    ffai_status st = cases_from_json(path, root, cases, n, err);
    json_decref(root);
    return st;
}

ffai_status ffai_tool_cases_default(ffai_tool_case **cases, int *n, ffai_error *err) {
    *cases = NULL;
    *n = 0;
    json_error_t je;
    json_t *root = json_loads(DEFAULT_CASES, 0, &je);
    if (!root) return ffai_fail(err, FFAI_ERR_INTERNAL, "built-in tool case: %s", je.text);
    ffai_status st = cases_from_json("built-in tool case", root, cases, n, err);
    json_decref(root);
    return st;
}

void ffai_tool_cases_free(ffai_tool_case *cases, int n) {
    if (!cases) return;
    for (int i = 0; i < n; i++) case_clear(&cases[i]);
    free(cases);
}
