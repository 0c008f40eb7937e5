/* prompt.c — conversation -> prompt text through the model's chat template. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ffai/chat.h"
#include "ffai/prompt.h"

static ffai_status load_json(const char *what, const char *text, json_t **out, ffai_error *err) {
    json_error_t je;
    *out = json_loads(text, JSON_DECODE_ANY, &je);
    if (!*out) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: invalid JSON (%s)", what, je.text);
    return FFAI_OK;
}

ffai_status ffai_chat_render(const char *model_dir, const char *messages_json, const char *tools_json, bool add_generation_prompt,
                             const char *extra_vars_json, char **out, ffai_error *err) {
    *out = NULL;
    char *src = NULL, *bos = NULL, *eos = NULL, *vars_text = NULL;
    ffai_template *t = NULL;
    json_t *vars = json_object(), *msgs = NULL, *tools = NULL, *extra = NULL;
    ffai_status st = FFAI_OK;
    if (!vars) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    if ((st = load_json("messages", messages_json, &msgs, err))) goto done;
    if (!json_is_array(msgs)) {
        st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "messages must be a JSON array");
        goto done;
    }
    if (tools_json && (st = load_json("tools", tools_json, &tools, err))) goto done;
    if (extra_vars_json && (st = load_json("template variables", extra_vars_json, &extra, err))) goto done;
    if (extra && !json_is_object(extra)) {
        st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "template variables must be a JSON object");
        goto done;
    }
    if ((st = ffai_chat_template_find(model_dir, tools != NULL && json_array_size(tools) > 0, &src, &bos, &eos, err))) goto done;
    if ((st = ffai_template_parse(src, strlen(src), &t, err))) goto done;
    json_object_set(vars, "messages", msgs);
    if (tools) json_object_set(vars, "tools", tools);
    json_object_set_new(vars, "add_generation_prompt", json_boolean(add_generation_prompt));
    if (bos) json_object_set_new(vars, "bos_token", json_string(bos));
    if (eos) json_object_set_new(vars, "eos_token", json_string(eos));
    if (extra) json_object_update(vars, extra);
    vars_text = json_dumps(vars, JSON_PRESERVE_ORDER | JSON_COMPACT);
    if (!vars_text) {
        st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t len;
    st = ffai_template_render(t, vars_text, out, &len, err);
done:
    free(vars_text);
    ffai_template_free(t);
    free(src);
    free(bos);
    free(eos);
    json_decref(vars);
    json_decref(msgs);
    json_decref(tools);
    json_decref(extra);
    return st;
}
