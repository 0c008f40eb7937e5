/* toolcall.c — finding a tool call in model output (Hermes/Qwen, Llama 3.x JSON, Mistral), checking
 * it against the tool list, and the tool-calling bench verdict. */
#include "ffai/toolcall.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/json_schema.h"
#include "chat/tool_list.h"

static const char TAG_HERMES[] = "<tool_call>";
static const char TAG_HERMES_END[] = "</tool_call>";
static const char TAG_MISTRAL[] = "[TOOL_CALLS]";
static const char TAG_PYTHON[] = "<|python_tag|>";

static void note(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(char *buf, size_t len, const char *fmt, ...) {
    if (!buf || !len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

static const char *skip_ws(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

static int starts_with(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

/* ---- building the call ------------------------------------------------------------------------ */

/* Fills *call from a name and an arguments value (object, string holding an object, or NULL = {}). */
static ffai_tc_parse_result make_call(const char *name, const json_t *args, ffai_tc_format format, ffai_tool_call *call,
                                      const char *where, char *detail, size_t dlen) {
    json_t *parsed = NULL;
    if (!args) {
        parsed = json_object();
        args = parsed;
    } else if (json_is_string(args)) {
        json_error_t je;
        parsed = json_loadb(json_string_value(args), json_string_length(args), 0, &je);
        if (!json_is_object(parsed)) {
            json_decref(parsed);
            note(detail, dlen, "%s: \"arguments\" is a string but not a JSON object (%s)", where, parsed ? "not an object" : je.text);
            return FFAI_TC_BAD_JSON;
        }
        args = parsed;
    } else if (!json_is_object(args)) {
        note(detail, dlen, "%s: \"arguments\" should be a JSON object", where);
        return FFAI_TC_BAD_JSON;
    }
    call->name = strdup(name);
    call->arguments_json = json_dumps(args, JSON_COMPACT | JSON_PRESERVE_ORDER);
    call->format = format;
    json_decref(parsed);
    if (!call->name || !call->arguments_json) {
        ffai_tool_call_free(call);
        note(detail, dlen, "out of memory");
        return FFAI_TC_BAD_JSON;
    }
    return FFAI_TC_OK;
}

/* A call object {"name", "arguments"|"parameters"}, also wrapped as {"function": {…}}; a list means
 * its first element. */
static ffai_tc_parse_result call_from_json(const json_t *v, ffai_tc_format format, ffai_tool_call *call, const char *where,
                                           char *detail, size_t dlen) {
    if (json_is_array(v)) {
        if (!json_array_size(v)) {
            note(detail, dlen, "%s: empty list of calls", where);
            return FFAI_TC_BAD_JSON;
        }
        v = json_array_get(v, 0);
    }
    if (!json_is_object(v)) {
        note(detail, dlen, "%s: a call should be a JSON object", where);
        return FFAI_TC_BAD_JSON;
    }
    const json_t *fn = json_object_get(v, "function");
    if (!json_object_get(v, "name") && json_is_object(fn)) v = fn;
    const json_t *name = json_object_get(v, "name");
    if (!json_is_string(name) || !json_string_length(name)) {
        note(detail, dlen, "%s: the call has no \"name\" string", where);
        return FFAI_TC_BAD_JSON;
    }
    const json_t *args = json_object_get(v, "arguments");
    if (!args) args = json_object_get(v, "parameters");
    return make_call(json_string_value(name), args, format, call, where, detail, dlen);
}

/* Parses one JSON value starting at p (at most n bytes); *end gets the first byte after it. */
static json_t *json_at(const char *p, size_t n, const char **end, const char *where, char *detail, size_t dlen) {
    json_error_t je;
    json_t *v = json_loadb(p, n, JSON_DISABLE_EOF_CHECK, &je);
    if (!v) {
        note(detail, dlen, "%s: invalid JSON at byte %d: %s", where, je.position, je.text);
        return NULL;
    }
    *end = p + je.position;
    return v;
}

/* ---- the formats ------------------------------------------------------------------------------ */

/* <tool_call> JSON </tool_call>; an unterminated tag is parsed to the end of its JSON. */
static ffai_tc_parse_result parse_hermes(const char *body, ffai_tool_call *call, char *detail, size_t dlen) {
    const char *close = strstr(body, TAG_HERMES_END);
    const char *stop = close ? close : body + strlen(body);
    const char *p = skip_ws(body), *end;
    if (p >= stop) {
        note(detail, dlen, "<tool_call>: empty");
        return FFAI_TC_BAD_JSON;
    }
    json_t *v = json_at(p, (size_t)(stop - p), &end, "<tool_call>", detail, dlen);
    if (!v) return FFAI_TC_BAD_JSON;
    ffai_tc_parse_result r;
    if (close && skip_ws(end) != close) {
        note(detail, dlen, "<tool_call>: text after the JSON before </tool_call>");
        r = FFAI_TC_BAD_JSON;
    } else {
        r = call_from_json(v, FFAI_TC_FORMAT_HERMES, call, "<tool_call>", detail, dlen);
    }
    json_decref(v);
    return r;
}

/* [TOOL_CALLS][{…}, …]  or  [TOOL_CALLS]name[ARGS]{…}  (v11: name[CALL_ID]id[ARGS]{…}). */
static ffai_tc_parse_result parse_mistral(const char *body, ffai_tool_call *call, char *detail, size_t dlen) {
    const char *p = skip_ws(body), *end;
    json_t *v;
    ffai_tc_parse_result r;
    if (*p == '[' && !starts_with(p, "[ARGS]")) {
        if (!(v = json_at(p, strlen(p), &end, "[TOOL_CALLS]", detail, dlen))) return FFAI_TC_BAD_JSON;
        if (!json_is_array(v)) {
            note(detail, dlen, "[TOOL_CALLS]: expected a JSON list");
            r = FFAI_TC_BAD_JSON;
        } else {
            r = call_from_json(v, FFAI_TC_FORMAT_MISTRAL, call, "[TOOL_CALLS]", detail, dlen);
        }
        json_decref(v);
        return r;
    }
    const char *bracket = strchr(p, '[');
    const char *name_end = bracket ? bracket : p + strlen(p);
    while (name_end > p && (name_end[-1] == ' ' || name_end[-1] == '\n' || name_end[-1] == '\t')) name_end--;
    if (!bracket || name_end == p) {
        note(detail, dlen, "[TOOL_CALLS]: followed by neither a JSON list nor name[ARGS]{...}");
        return FFAI_TC_BAD_JSON;
    }
    const char *args = bracket;
    if (starts_with(args, "[CALL_ID]")) args = strstr(args, "[ARGS]");
    if (!args || !starts_with(args, "[ARGS]")) {
        note(detail, dlen, "[TOOL_CALLS]: function name without [ARGS]");
        return FFAI_TC_BAD_JSON;
    }
    p = skip_ws(args + strlen("[ARGS]"));
    if (!(v = json_at(p, strlen(p), &end, "[ARGS]", detail, dlen))) return FFAI_TC_BAD_JSON;
    char *name = strndup(skip_ws(body), (size_t)(name_end - skip_ws(body)));
    if (!name) {
        json_decref(v);
        note(detail, dlen, "out of memory");
        return FFAI_TC_BAD_JSON;
    }
    r = make_call(name, v, FFAI_TC_FORMAT_MISTRAL, call, "[ARGS]", detail, dlen);
    free(name);
    json_decref(v);
    return r;
}

/* No marker: the reply itself is a call object (Llama 3.x) or a list of them (Mistral, tag stripped). */
static ffai_tc_parse_result parse_bare(const char *text, int after_python_tag, ffai_tool_call *call, char *detail, size_t dlen) {
    const char *p = skip_ws(text), *end;
    if (starts_with(p, "```")) { /* a ```json fence */
        const char *nl = strchr(p, '\n');
        p = skip_ws(nl ? nl : p + strlen(p));
    }
    const char *where = after_python_tag ? "<|python_tag|>" : "JSON reply";
    if (*p == '{') {
        json_t *v = json_at(p, strlen(p), &end, where, detail, dlen);
        if (!v) return FFAI_TC_BAD_JSON;
        ffai_tc_parse_result r = call_from_json(v, FFAI_TC_FORMAT_LLAMA_JSON, call, where, detail, dlen);
        json_decref(v);
        return r;
    }
    if (after_python_tag) {
        note(detail, dlen, "<|python_tag|>: not followed by a JSON object (built-in tool syntax is not supported)");
        return FFAI_TC_BAD_JSON;
    }
    if (*p == '[') { /* only a list that clearly holds calls counts; "[1] The date is…" is prose */
        json_error_t je;
        json_t *v = json_loadb(p, strlen(p), JSON_DISABLE_EOF_CHECK, &je);
        const json_t *first = json_array_get(v, 0);
        if (json_is_object(first) && (json_object_get(first, "name") || json_object_get(first, "function"))) {
            ffai_tc_parse_result r = call_from_json(v, FFAI_TC_FORMAT_MISTRAL, call, "JSON list", detail, dlen);
            json_decref(v);
            return r;
        }
        json_decref(v);
    }
    note(detail, dlen, "no <tool_call>, [TOOL_CALLS], <|python_tag|> or JSON call object in the output");
    return FFAI_TC_NONE;
}

ffai_tc_parse_result ffai_tool_call_parse(const char *text, ffai_tool_call *call, char *detail, size_t detail_len) {
    memset(call, 0, sizeof *call);
    if (detail && detail_len) detail[0] = '\0';
    if (!text) {
        note(detail, detail_len, "no output");
        return FFAI_TC_NONE;
    }
    const char *think_end = strstr(text, "</think>"); /* the call follows the reasoning */
    if (think_end) text = think_end + strlen("</think>");
    const char *tags[3] = {strstr(text, TAG_HERMES), strstr(text, TAG_MISTRAL), strstr(text, TAG_PYTHON)};
    int first = -1;
    for (int i = 0; i < 3; i++)
        if (tags[i] && (first < 0 || tags[i] < tags[first])) first = i;
    switch (first) {
    case 0: return parse_hermes(tags[0] + strlen(TAG_HERMES), call, detail, detail_len);
    case 1: return parse_mistral(tags[1] + strlen(TAG_MISTRAL), call, detail, detail_len);
    case 2: return parse_bare(tags[2] + strlen(TAG_PYTHON), 1, call, detail, detail_len);
    default: return parse_bare(text, 0, call, detail, detail_len);
    }
}

void ffai_tool_call_free(ffai_tool_call *call) {
    if (!call) return;
    free(call->name);
    free(call->arguments_json);
    memset(call, 0, sizeof *call);
}

/* ---- validation ------------------------------------------------------------------------------- */

ffai_tc_verdict ffai_tool_call_validate(const ffai_tool_call *call, const char *tools_json, char *reason, size_t reason_len) {
    if (reason && reason_len) reason[0] = '\0';
    if (!call || !call->name || !call->arguments_json) {
        note(reason, reason_len, "no tool call");
        return FFAI_TC_WRONG_TOOL;
    }
    json_error_t je;
    json_t *tools = tools_json ? json_loads(tools_json, 0, &je) : NULL;
    json_t *args = NULL;
    ffai_tc_verdict verdict = FFAI_TC_VALID;
    char why[512];
    if (!tools) {
        note(reason, reason_len, "tools: %s", tools_json ? je.text : "no tool list");
        return FFAI_TC_BAD_TOOLS;
    }
    if (!tlist_check(tools, 0, why, sizeof why)) {
        note(reason, reason_len, "%s", why);
        verdict = FFAI_TC_BAD_TOOLS;
        goto done;
    }
    const json_t *fn = tlist_find(tools, call->name);
    if (!fn) {
        tlist_names(tools, why, sizeof why);
        note(reason, reason_len, "'%s' is not one of the tools (%s)", call->name, why);
        verdict = FFAI_TC_WRONG_TOOL;
        goto done;
    }
    args = json_loads(call->arguments_json, 0, &je);
    if (!json_is_object(args)) {
        note(reason, reason_len, "arguments are not a JSON object");
        verdict = FFAI_TC_SCHEMA;
        goto done;
    }
    if (!jschema_check(args, json_object_get(fn, "parameters"), reason, reason_len)) verdict = FFAI_TC_SCHEMA;
done:
    json_decref(args);
    json_decref(tools);
    return verdict;
}

/* ---- the bench verdict ------------------------------------------------------------------------ */

/* Copies src into dst as one line: control characters become spaces, and more than max bytes are
 * cut at a UTF-8 boundary and marked "...". */
static void one_line(char *dst, size_t dst_len, const char *src, size_t max) {
    size_t n = strlen(src), cut = n < max ? n : max;
    if (dst_len < 4) cut = 0;
    else if (cut > dst_len - 4) cut = dst_len - 4; /* room for "..." and the NUL */
    while (cut < n && cut > 0 && ((unsigned char)src[cut] & 0xC0) == 0x80) cut--;
    size_t o = 0;
    for (size_t i = 0; i < cut; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    if (cut < n && dst_len >= 4) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    if (dst_len) dst[o] = '\0';
}

enum { NAME_MAX_BYTES = 60, REASON_MAX_BYTES = 120 };

/* The value of argument arg as text: the string itself, or compact JSON; NULL when absent. */
static char *arg_text(const char *arguments_json, const char *arg) {
    json_error_t je;
    json_t *args = json_loads(arguments_json, 0, &je);
    const json_t *v = json_object_get(args, arg);
    char *s = NULL;
    if (json_is_string(v))
        s = strdup(json_string_value(v));
    else if (v)
        s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    json_decref(args);
    return s;
}

int ffai_tool_call_judge(const char *output_text, const char *tools_json, const ffai_tc_expect *expect, char *prefix,
                         size_t prefix_len) {
    ffai_tool_call call;
    char why[512], shown[REASON_MAX_BYTES + 8];
    int pass = 0;
    ffai_tc_parse_result pr = ffai_tool_call_parse(output_text, &call, NULL, 0);
    if (pr == FFAI_TC_NONE) {
        note(prefix, prefix_len, "FAIL(no tool call): ");
        return 0;
    }
    if (pr == FFAI_TC_BAD_JSON) {
        note(prefix, prefix_len, "FAIL(bad json): ");
        return 0;
    }
    ffai_tc_verdict v = ffai_tool_call_validate(&call, tools_json, why, sizeof why);
    if (v == FFAI_TC_WRONG_TOOL || (expect && expect->tool && strcmp(expect->tool, call.name))) {
        one_line(shown, sizeof shown, call.name, NAME_MAX_BYTES);
        note(prefix, prefix_len, "FAIL(wrong tool: %s): ", shown);
    } else if (v == FFAI_TC_BAD_TOOLS) {
        one_line(shown, sizeof shown, why, REASON_MAX_BYTES);
        note(prefix, prefix_len, "FAIL(bad tools: %s): ", shown);
    } else if (v == FFAI_TC_SCHEMA) {
        one_line(shown, sizeof shown, why, REASON_MAX_BYTES);
        note(prefix, prefix_len, "FAIL(schema: %s): ", shown);
    } else if (expect && expect->arg && expect->must_contain) {
        char *value = arg_text(call.arguments_json, expect->arg);
        if (value && strstr(value, expect->must_contain)) {
            pass = 1;
        } else {
            char arg[NAME_MAX_BYTES + 8];
            one_line(arg, sizeof arg, expect->arg, NAME_MAX_BYTES);
            one_line(shown, sizeof shown, value ? value : "(missing)", NAME_MAX_BYTES);
            note(prefix, prefix_len, "FAIL(wrong %s: %s): ", arg, shown);
        }
        free(value);
    } else {
        pass = 1;
    }
    if (pass) note(prefix, prefix_len, "PASS: ");
    ffai_tool_call_free(&call);
    return pass;
}
