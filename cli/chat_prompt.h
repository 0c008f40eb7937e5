/* chat_prompt.h — a one-turn chat prompt (optional system + user) for the CLI. */
#ifndef FFAI_CLI_CHAT_PROMPT_H
#define FFAI_CLI_CHAT_PROMPT_H

#include "ffai.h"

/* Renders [system?, user] with the generation prompt through the model's template. */
int chat_prompt_single(const char *model, const ffai_tokenizer *tok, const char *system, const char *user, char **out, ffai_error *err);

#endif
