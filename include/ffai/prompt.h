/* ffai/prompt.h — building model prompts from conversations through the
 * model's own chat template (HF apply_chat_template semantics). */
#ifndef FFAI_PROMPT_H
#define FFAI_PROMPT_H

#include <stdbool.h>

#include "ffai/status.h"

/* Renders a conversation with the chat template of the model in model_dir.
 * messages_json: JSON array of {"role":…, "content":…, …}; tools_json: JSON
 * array or NULL; extra_vars_json: JSON object of extra template variables
 * (e.g. {"enable_thinking": false}) or NULL. bos_token/eos_token come from
 * tokenizer_config.json. *out is malloc'd (caller frees). A model without a
 * chat template fails with FFAI_ERR_NOT_FOUND. */
ffai_status ffai_chat_render(const char *model_dir, const char *messages_json, const char *tools_json, bool add_generation_prompt,
                             const char *extra_vars_json, char **out, ffai_error *err);

#endif
