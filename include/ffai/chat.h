/* ffai/chat.h — public API: chat templates (a Jinja subset rendering HF chat templates). */
#ifndef FFAI_CHAT_H
#define FFAI_CHAT_H

#include <stdbool.h>
#include <stddef.h>

#include "ffai/status.h"

/* A parsed chat template. Immutable after parsing: one template may be rendered from several
 * threads at once. */
typedef struct ffai_template ffai_template;

/* Parses a Jinja template (UTF-8, `len` bytes) with HF's settings: trim_blocks, lstrip_blocks,
 * loop controls. On success *out owns the template (free with ffai_template_free).
 * Syntax errors return FFAI_ERR_FORMAT with "line L, column C: ..." in err. */
ffai_status ffai_template_parse(const char *src, size_t len, ffai_template **out, ffai_error *err);

/* Frees a template; accepts NULL. */
void ffai_template_free(ffai_template *t);

/* Renders t. vars_json is a JSON object whose keys become template variables (messages, tools,
 * add_generation_prompt, bos_token, eos_token and any extra keyword such as enable_thinking);
 * NULL means no variables. Globals as in HF: raise_exception(msg), strftime_now(fmt) (the
 * instant $SOURCE_DATE_EPOCH when set, else now), range, namespace, dict.
 * On success *out is a malloc'd NUL-terminated string the caller frees and *out_len (optional)
 * its length. Failures: FFAI_ERR_FORMAT (vars_json malformed), FFAI_ERR_TEMPLATE (the template
 * raised: raise_exception's message, or a Python-style "TypeError: ..." / "UndefinedError: ..."
 * with the template line), FFAI_ERR_NOMEM. */
ffai_status ffai_template_render(const ffai_template *t, const char *vars_json, char **out, size_t *out_len,
                                 ffai_error *err);

/* Finds a model's chat template: <model_dir>/chat_template.jinja, else tokenizer_config.json's
 * "chat_template" (a string, or a list of {name, template}: "tool_use" when has_tools and present,
 * else "default"). Also returns bos_token / eos_token from tokenizer_config.json (a string or
 * {"content": ...}; NULL when absent). Any out pointer may be NULL; returned strings are malloc'd
 * and owned by the caller. FFAI_ERR_NOT_FOUND when the model has no chat template. */
ffai_status ffai_chat_template_find(const char *model_dir, bool has_tools, char **template_src, char **bos_token,
                                    char **eos_token, ffai_error *err);

#endif
