/* common.h — helpers shared by the ffai subcommands: default model, loading
 * a model with its tokenizer, printing one-line errors, id lists. */
#ifndef FFAI_CLI_COMMON_H
#define FFAI_CLI_COMMON_H

#include <stdint.h>

#include "ffai.h"

/* The --model value to use: the argument, else $FFAI_MODEL, else the embedded model. */
const char *cli_model_arg(const char *given);

/* Prints "ffai <cmd>: <msg>" on stderr. */
void cli_error(const char *cmd, const ffai_error *err);

/* The --precision flag: "f32" (exact, default), "bf16" or "int8" -> *out; -1 with a printed error otherwise. */
#define CLI_PRECISION_HELP "arithmetic: f32 = exact (default); bf16 = opt-in, bf16 activations with bf16 weights; int8 = opt-in, int8 activations with 4/8-bit weights"
int cli_parse_precision(const char *cmd, const char *s, ffai_precision *out);

/* The --kv-type flag: "f32" (exact, default) or "f16". */
#define CLI_KV_HELP "KV cache: f32 = exact (default); f16 = opt-in, keys and values rounded to IEEE halves (half the memory; llama.cpp's default)"
/* Threads, --precision and --kv-type as model options; -1 with a printed error on a bad value. */
int cli_model_options(const char *cmd, int threads, const char *precision, const char *kv_type, ffai_model_options *out);

/* Loads model with the given options (and, if tok is non-NULL, its tokenizer from the same directory). */
int cli_load(const char *cmd, const char *model, const ffai_model_options *opt, ffai_model **m, ffai_tokenizer **tok);

/* Parses "1,2,3" into a malloc'd array. Returns the count, -1 on error (printed). */
int cli_parse_ids(const char *cmd, const char *flag, const char *s, int32_t **out);

/* Encodes text with tok (add_special as HF default = true). Returns count or -1 (printed). */
int cli_encode(const char *cmd, const ffai_tokenizer *tok, const char *text, int add_special, int32_t **out);

/* Stop ids: the model's generation-config eos ids plus the tokenizer's eos. */
int cli_stop_ids(const ffai_model *m, const ffai_tokenizer *tok, int32_t *out, int max);

#endif
