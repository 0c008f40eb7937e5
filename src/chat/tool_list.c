/* tool_list.c — the HF `tools` list: checking its shape and finding a tool by name. */
#include "chat/tool_list.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chat/json_schema.h"

static int fail(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t len, const char *fmt, ...) {
    if (msg && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, len, fmt, ap);
        va_end(ap);
    }
    return 0;
}

/* The function object of one list entry: entry.function, or the entry itself when bare. */
static const json_t *entry_function(const json_t *entry) {
    const json_t *fn = json_object_get(entry, "function");
    return json_is_object(fn) ? fn : entry;
}

int tlist_check(const json_t *tools, int strict, char *msg, size_t msg_len) {
    if (!json_is_array(tools)) return fail(msg, msg_len, "tools: expected a JSON list");
    if (!json_array_size(tools)) return fail(msg, msg_len, "tools: the list is empty");
    size_t i;
    json_t *entry;
    json_array_foreach(tools, i, entry) {
        if (!json_is_object(entry)) return fail(msg, msg_len, "tools[%zu]: expected an object", i);
        const json_t *type = json_object_get(entry, "type");
        const json_t *wrapped = json_object_get(entry, "function");
        if ((strict || type) && (!json_is_string(type) || strcmp(json_string_value(type), "function")))
            return fail(msg, msg_len, "tools[%zu]: \"type\" should be \"function\"", i);
        if ((strict || wrapped) && !json_is_object(wrapped))
            return fail(msg, msg_len, "tools[%zu]: missing \"function\" object", i);
        const char *where = wrapped ? ".function" : "";
        const json_t *fn = entry_function(entry);
        const json_t *name = json_object_get(fn, "name");
        if (!name) return fail(msg, msg_len, "tools[%zu]%s: missing \"name\"", i, where);
        if (!json_is_string(name) || !json_string_length(name))
            return fail(msg, msg_len, "tools[%zu]%s: \"name\" should be a non-empty string", i, where);
        const json_t *desc = json_object_get(fn, "description");
        if (desc && !json_is_string(desc)) return fail(msg, msg_len, "tools[%zu]%s: \"description\" should be a string", i, where);
        const json_t *params = json_object_get(fn, "parameters");
        if (params) {
            char why[256];
            if (!json_is_object(params))
                return fail(msg, msg_len, "tools[%zu]%s: \"parameters\" should be a JSON schema object", i, where);
            if (!jschema_lint(params, why, sizeof why)) return fail(msg, msg_len, "tools[%zu]%s.parameters: %s", i, where, why);
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(json_string_value(json_object_get(entry_function(json_array_get(tools, j)), "name")),
                        json_string_value(name)))
                return fail(msg, msg_len, "tools[%zu]%s: duplicate tool name '%s'", i, where, json_string_value(name));
    }
    return 1;
}

const json_t *tlist_find(const json_t *tools, const char *name) {
    size_t i;
    json_t *entry;
    json_array_foreach(tools, i, entry) {
        const json_t *fn = entry_function(entry);
        const char *n = json_string_value(json_object_get(fn, "name"));
        if (n && !strcmp(n, name)) return fn;
    }
    return NULL;
}

void tlist_names(const json_t *tools, char *buf, size_t len) {
    size_t used = 0, i;
    json_t *entry;
    if (!len) return;
    buf[0] = '\0';
    json_array_foreach(tools, i, entry) {
        const char *n = json_string_value(json_object_get(entry_function(entry), "name"));
        if (!n || used >= len) continue;
        int k = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", n);
        if (k > 0) used += (size_t)k;
    }
}
