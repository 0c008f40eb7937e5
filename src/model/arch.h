/* arch.h — the architecture table: model_type -> behaviour flags. Families
 * differ only by these flags; there is one forward pass for all of them. */
#ifndef FFAI_MODEL_ARCH_H
#define FFAI_MODEL_ARCH_H

#include "ffai/status.h"

enum {
    ARCH_QKV_BIAS = 1 << 0,     /* q/k/v projections carry biases (qwen2) */
    ARCH_QK_NORM = 1 << 1,      /* RMSNorm over each q/k head before RoPE (qwen3, gemma3) */
    ARCH_NORM_PLUS_ONE = 1 << 2,/* RMSNorm scales by (1 + w) (gemma) */
    ARCH_SANDWICH_NORM = 1 << 3,/* post-attention and pre/post feed-forward norms (gemma3) */
    ARCH_EMBED_SCALE = 1 << 4,  /* embeddings x sqrt(hidden_size) (gemma) */
};

typedef struct {
    const char *model_type;
    unsigned flags;
} arch_info;

/* The entry for model_type, or NULL with FFAI_ERR_UNSUPPORTED listing the supported ones. */
const arch_info *arch_find(const char *model_type, ffai_error *err);

#endif
