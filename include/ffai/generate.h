/* ffai/generate.h — sampling and the generation loop. */
#ifndef FFAI_GENERATE_H
#define FFAI_GENERATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ffai/model.h"
#include "ffai/status.h"

typedef struct {
    int max_tokens;        /* cap on generated tokens (default 64) */
    float temperature;     /* 0 = greedy (default 0) */
    int top_k;             /* 0 = off */
    float top_p;           /* 1 = off */
    float min_p;           /* 0 = off */
    float repeat_penalty;  /* 1 = off; HF/llama.cpp rule: positive logits /= p, negative *= p */
    int repeat_last_n;     /* window of previous tokens the penalty looks at (default 64; -1 = all) */
    uint64_t seed;         /* sampling seed (default 0) */
    const int32_t *stop_ids; /* generation stops when one is sampled (it is not emitted) */
    int n_stop;
} ffai_gen_params;

void ffai_gen_params_default(ffai_gen_params *p);

typedef struct ffai_sampler ffai_sampler;

/* A sampler over `vocab` logits; owns its scratch. Caller frees with ffai_sampler_free. */
ffai_status ffai_sampler_create(const ffai_gen_params *p, int vocab, ffai_sampler **out, ffai_error *err);
void ffai_sampler_free(ffai_sampler *s);
/* Picks the next token from logits (modified in place) given the history. */
int32_t ffai_sampler_sample(ffai_sampler *s, float *logits, const int32_t *history, int n_history);

/* Called for every emitted token with the logits (vocab,) it was sampled from
 * (before penalties/temperature). Return non-zero to stop generating. */
typedef int (*ffai_token_fn)(void *user, int32_t token, const float *logits);

typedef struct {
    int prompt_tokens;     /* tokens prefilled in this call */
    int generated;         /* tokens emitted (stop token excluded) */
    bool hit_stop;         /* ended on a stop id */
    double prefill_s;      /* start of prefill -> first token sampled (TTFT) */
    double decode_s;       /* first token -> last token */
    double *token_times;   /* optional caller array (max_tokens): time of each emitted token since start */
    double sampling_s;     /* time spent in the sampler */
} ffai_gen_stats;

/* Prefills `prompt` at the context's current position, then samples up to
 * p->max_tokens tokens. out_ids (optional, capacity max_tokens) receives them. */
ffai_status ffai_generate(ffai_context *c, const int32_t *prompt, int n_prompt, const ffai_gen_params *p, ffai_token_fn on_token, void *user,
                          int32_t *out_ids, ffai_gen_stats *stats, ffai_error *err);

#endif
