/* model_dir.c — resolves the model directory: --model, $FFAI_MODEL, embedded default. */
#include "model_dir.h"

#include <stdlib.h>

#ifndef FFAI_DEFAULT_MODEL_DIR
#define FFAI_DEFAULT_MODEL_DIR "models/ffai-tiny-qwen3"
#endif

const char *cli_model_dir(const char *flag) {
    if (flag && *flag) return flag;
    const char *env = getenv("FFAI_MODEL");
    if (env && *env) return env;
    return FFAI_DEFAULT_MODEL_DIR;
}
