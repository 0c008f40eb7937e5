/* ffai/bench.h — the benchmark harness behind `ffai bench` (BENCH.md): load a
 * model (and optionally a reference model for KL divergence), run a method,
 * get report rows; append them with ffai_report_append (ffai/report.h). */
#ifndef FFAI_BENCH_H
#define FFAI_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "ffai/model.h"
#include "ffai/report.h"
#include "ffai/status.h"

#define FFAI_BENCH_MAX_CTX 32

/* Receives progress/debug/profiling lines (no trailing newline). */
typedef void (*ffai_bench_log_fn)(void *user, const char *line);

typedef struct {
    const char *model_label;   /* the --model argument as given (row "model") */
    const char *prompt;        /* NULL = the method's default */
    int max_tokens;            /* -1 = the method's default */
    const char *quantization;  /* NULL = derived from the weights */
    int ctx[FFAI_BENCH_MAX_CTX];
    int n_ctx;                 /* 0 = the method's default sweep */
    const char *wikitext2_corpus;
    int wikitext2_max_tokens;  /* default 2048 */
    int repeat;                /* >= 1 */
    uint64_t seed;
    float temperature;
    bool warmup;               /* a 4-token warm-up before the measured run (default on) */
    bool chat;                 /* simple: wrap the prompt with the chat template */
    int turns;                 /* multi-turn: 1..6 (default 4) */
    const char *tool_cases;    /* tool-calling: a JSON file of cases, NULL = the default case */
    const char *data_dir;      /* bundled data (filler text); NULL = "data" */
    int profiling;             /* every N decode steps, a per-op time table to log */
    bool debug;                /* verbose lines to log */
    ffai_bench_log_fn log;     /* debug and profiling lines */
    ffai_bench_log_fn progress;/* progress lines (the CLI shows them on a terminal) */
    void *user;
} ffai_bench_options;

void ffai_bench_options_default(ffai_bench_options *o);

/* Checks method names and required options before anything is loaded:
 * "<what> — <what to do>" messages for unknown methods and missing inputs. */
ffai_status ffai_bench_validate(const char *method, const ffai_bench_options *o, ffai_error *err);

typedef struct ffai_bench ffai_bench;

/* Loads the candidate model (and ref_model when non-NULL; both must share the
 * vocabulary: same size and same ids for a probe string). threads 0 = all cores. */
ffai_status ffai_bench_open(const char *model, const char *ref_model, int threads, ffai_bench **out, ffai_error *err);
/* The same with the candidate's arithmetic precision (the reference always runs exact f32). */
ffai_status ffai_bench_open_precision(const char *model, const char *ref_model, int threads, ffai_precision precision, ffai_bench **out,
                                      ffai_error *err);
/* The same with all of the candidate's model options (threads, precision, KV cache type);
 * the reference runs with the same threads, exact f32 arithmetic and an f32 KV cache. */
ffai_status ffai_bench_open_options(const char *model, const char *ref_model, const ffai_model_options *opt, ffai_bench **out, ffai_error *err);
void ffai_bench_close(ffai_bench *b);

/* Runs one method; *rows (malloc'd array of *n_rows rows) is owned by the caller:
 * free each with ffai_row_free_fields, then free(*rows). */
ffai_status ffai_bench_run(ffai_bench *b, const char *method, const ffai_bench_options *o, ffai_bench_row **rows, int *n_rows,
                           ffai_error *err);

/* Human summary of a row (the --stats text), malloc'd. */
char *ffai_bench_row_summary(const ffai_bench_row *row);

#endif
