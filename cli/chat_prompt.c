/* chat_prompt.c — a one-turn chat prompt for `generate --chat`. */
#include "chat_prompt.h"

#include <jansson.h>
#include <stdlib.h>

#include "ffai/prompt.h"

int chat_prompt_single(const char *model, const ffai_tokenizer *tok, const char *system, const char *user, char **out, ffai_error *err) {
    (void)tok;
    char dir[4096];
    if (ffai_model_resolve(model, dir, sizeof dir, err)) return 1;
    json_t *msgs = json_array();
    if (system) json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", system));
    json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user", "content", user));
    char *text = json_dumps(msgs, JSON_COMPACT);
    json_decref(msgs);
    int rc = ffai_chat_render(dir, text, NULL, true, NULL, out, err) != FFAI_OK;
    free(text);
    return rc;
}
