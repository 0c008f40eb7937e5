/* arch.c — supported architectures as data. */
#include "model/arch.h"

#include <string.h>

#include "core/error.h"

static const arch_info ARCHS[] = {
    {"llama", 0},
    {"mistral", 0},
    {"qwen2", ARCH_QKV_BIAS},
    {"qwen3", ARCH_QK_NORM},
    {"gemma3_text", ARCH_QK_NORM | ARCH_NORM_PLUS_ONE | ARCH_SANDWICH_NORM | ARCH_EMBED_SCALE},
};
#define N_ARCHS ((int)(sizeof ARCHS / sizeof ARCHS[0]))

const arch_info *arch_find(const char *model_type, ffai_error *err) {
    for (int i = 0; i < N_ARCHS; i++)
        if (strcmp(ARCHS[i].model_type, model_type) == 0) return &ARCHS[i];
    char list[256] = "";
    for (int i = 0; i < N_ARCHS; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, ARCHS[i].model_type);
    }
    ffai_fail(err, FFAI_ERR_UNSUPPORTED, "model_type '%s' is not supported (supported: %s)", model_type, list);
    return NULL;
}
