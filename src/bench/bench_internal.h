/* bench_internal.h — shared state and helpers of the bench methods. */
#ifndef FFAI_BENCH_INTERNAL_H
#define FFAI_BENCH_INTERNAL_H

#include "ffai.h"

struct ffai_bench {
    ffai_model *m, *ref;
    ffai_tokenizer *tok;
    ffai_model_info info;
    char model_dir[4096];
    int32_t stop[16];
    int n_stop;
};

/* One measured generation. */
typedef struct {
    int32_t *ids;        /* generated ids (malloc'd, capacity max_tokens) */
    int n;
    char *text;          /* decoded output, special tokens skipped (malloc'd) */
    ffai_gen_stats st;
    double *times;       /* per-token timestamps (malloc'd) */
    double ppl;          /* exp(mean -log p) of the generated tokens, NAN if none */
    long long baseline, peak, kv_used;
} bench_gen;

void bench_gen_free(bench_gen *g);

/* Prefills prompt at the context's position and generates up to max_tokens
 * (greedy unless o->temperature > 0), timing it; logs profiling tables. */
ffai_status bench_generate(ffai_bench *b, const ffai_bench_options *o, ffai_context *c, const int32_t *prompt, int n_prompt, int max_tokens,
                           bench_gen *g, ffai_error *err);

/* The same through a session: the prompt's common prefix with the cache is
 * reused and only the rest prefilled (g->st.prompt_tokens); *reused (optional)
 * receives the cached tokens kept. */
ffai_status bench_generate_session(ffai_bench *b, const ffai_bench_options *o, ffai_session *s, const int32_t *prompt, int n_prompt, int max_tokens,
                                   bench_gen *g, int *reused, ffai_error *err);

/* A 4-token warm-up from the first tokens of prompt, then rewinds c to where it was. */
ffai_status bench_warmup(ffai_bench *b, const ffai_bench_options *o, ffai_context *c, const int32_t *prompt, int n_prompt, ffai_error *err);

/* Mean KL(ref || cand) over the positions first..last (inclusive) of seq, each
 * position's distribution predicting the next token; both models run in lockstep
 * over seq in fresh contexts. Optional outputs: per-position KL array (caller
 * frees), same-top1 fraction. */
ffai_status bench_kl(ffai_bench *b, const int32_t *seq, int n, int first, int last, double *mean, double **per_pos, double *same_top1,
                     ffai_error *err);

/* Fills the common columns of a row from one or more repetitions of a generation. */
ffai_status bench_fill_row(ffai_bench *b, const ffai_bench_options *o, const char *method, long long ctx_size, bench_gen *runs, int n_runs,
                           ffai_bench_row *row, ffai_error *err);

/* Sets the preview (first 160 characters, newlines -> spaces) with an optional prefix. */
ffai_status bench_set_preview(ffai_bench_row *row, const char *prefix, const char *text);

/* Encodes text (add_special = HF default). *ids malloc'd. */
ffai_status bench_encode(ffai_bench *b, const char *text, bool add_special, int32_t **ids, int *n, ffai_error *err);

/* Renders messages through the model's chat template and tokenizes it (no
 * extra special tokens: the template carries them). */
ffai_status bench_chat_encode(ffai_bench *b, const char *messages_json, const char *tools_json, int32_t **ids, int *n, ffai_error *err);

/* The bundled filler text (data/filler.txt), loaded once; NUL-terminated, owned by the cache. */
ffai_status bench_filler(const ffai_bench_options *o, const char **text, ffai_error *err);

/* Emits a line through o->log (printf-style). */
void bench_log(const ffai_bench_options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bench_progress(const ffai_bench_options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs prompt o->repeat times in a fresh context of n + max_tokens positions
 * (after a warm-up), fills one row (contextSize = ctx_size) and, with a
 * reference model, its KL. text (optional) receives the last run's output
 * (malloc'd, special tokens skipped). */
ffai_status bench_measure_prompt(ffai_bench *b, const ffai_bench_options *o, const char *method, const int32_t *ids, int n, int max_tokens,
                                 long long ctx_size, ffai_bench_row *row, char **text, ffai_error *err);

/* Splits the chat-template rendering of one user message `<content><after>`
 * (with the generation prompt) into the ids before and after the content;
 * without a chat template, the BOS (if any) and the ids of `after`. */
ffai_status bench_chat_frame(ffai_bench *b, const char *after, int32_t **pre, int *npre, int32_t **suf, int *nsuf, ffai_error *err);

/* Methods. */
ffai_status bench_method_simple(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *n, ffai_error *err);
ffai_status bench_method_summarization(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *n, ffai_error *err);
ffai_status bench_method_toolcall(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *n, ffai_error *err);
ffai_status bench_method_wikitext2(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *n, ffai_error *err);
ffai_status bench_method_niah(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *n, ffai_error *err);
ffai_status bench_method_multiturn(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *n, ffai_error *err);

#endif
