/* niah.h — needle-in-a-haystack prompts (exposed for the tests). */
#ifndef FFAI_BENCH_NIAH_H
#define FFAI_BENCH_NIAH_H

#include "bench/bench_internal.h"

/* The tokenized filler with its sentence boundaries, the chat frame and the needle. */
typedef struct niah_source niah_source;

ffai_status niah_source_create(ffai_bench *b, const ffai_bench_options *o, niah_source **out, ffai_error *err);
void niah_source_free(niah_source *src);

typedef struct {
    int32_t *ids;   /* the whole prompt (malloc'd) */
    int n;
    int fill_start; /* index of the first filler token */
    int fill_len;   /* filler tokens, the needle excluded */
    int needle_at, needle_len; /* where the needle's tokens are */
    double depth;   /* 100 * filler characters before the needle / all filler characters */
} niah_prompt;

/* A prompt of at most ctx - max_tokens tokens (and at most ~50 fewer): the chat
 * frame around filler + "\n\n" + the question, the needle at a sentence
 * boundary at depth % of the filler characters (BENCH.md) and within 0.4 % of
 * its tokens. out->ids is the caller's to free. */
ffai_status niah_build(const niah_source *src, int ctx, int depth, int max_tokens, niah_prompt *out, ffai_error *err);

#endif
