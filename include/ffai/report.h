/* ffai/report.h — public API: benchmark rows and the per-day report (FFAI-compatible JSON sidecar + markdown).
 *
 * A report lives in a report dir, one pair of files per device and UTC day:
 *   .<chip>-<YYYY-MM-DD>.state.json   the source of truth, byte-compatible with FFAI's BenchmarkWriter
 *                                     (Swift JSONEncoder, .prettyPrinted + .sortedKeys)
 *   <chip>-<YYYY-MM-DD>.md            a table re-rendered from the JSON on every append
 * See BENCH.md §2 for the contract. */
#ifndef FFAI_REPORT_H
#define FFAI_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "ffai/status.h"

/* ---- one benchmark row ---------------------------------------------------------------------- */

typedef enum { FFAI_EXTRA_INT, FFAI_EXTRA_DOUBLE, FFAI_EXTRA_STRING, FFAI_EXTRA_BOOL } ffai_extra_kind;

/* An extra row key (backend, threads, peakRSSBytes, ...); only the member named by `kind` is used. */
typedef struct {
    char key[48];
    ffai_extra_kind kind;
    long long i;
    double d; /* must be finite */
    char *s;  /* malloc'd, owned by the row */
    bool b;
} ffai_extra;

/* One row, FFAI's field set (JSON key in the comment). Strings are malloc'd and owned by the row;
 * optional values use NULL (strings) or NAN (doubles) for "absent", and absent keys are omitted. */
typedef struct ffai_bench_row {
    char *model;              /* model */
    char *method;             /* method */
    char *quantization;       /* quantization, optional */
    long long context_size;   /* contextSize */
    long long prompt_tokens;  /* promptTokens */
    long long generated_tokens; /* generatedTokens */
    double prefill_tps;       /* prefillTokensPerSecond */
    double decode_tps;        /* decodeTokensPerSecond */
    double steady_tps;        /* steadyTokensPerSecond, optional */
    double ttft_ms;           /* timeToFirstTokenMs */
    long long baseline_bytes; /* baselineGPUBytes */
    long long peak_bytes;     /* peakGPUBytes */
    long long kv_used_bytes;  /* kvCacheUsedBytes */
    long long weights_bytes;  /* weightsBytes */
    long long wired_bytes;    /* wiredTicketBytes */
    double gen_ppl;           /* genPerplexity, optional */
    double gen_kld;           /* genKLDivergence, optional */
    char *output_preview;     /* outputPreview, optional */
    ffai_extra *extras;       /* malloc'd array, owned by the row */
    int n_extras;
} ffai_bench_row;

/* Sets every field to "empty": NULL strings, zero counts, NAN for the optional doubles. */
void ffai_row_init(ffai_bench_row *row);

/* Frees the strings and extras the row owns and re-initializes it. Accepts NULL. */
void ffai_row_free_fields(ffai_bench_row *row);

/* Set extra key `key` (replacing an existing one of the same name). Fail with FFAI_ERR_INVALID_ARG when
 * the key is empty, ≥ 48 bytes, or one of the standard row keys above, or the double is not finite;
 * FFAI_ERR_NOMEM on allocation failure. The string is copied. */
ffai_status ffai_row_set_int(ffai_bench_row *row, const char *key, long long v);
ffai_status ffai_row_set_double(ffai_bench_row *row, const char *key, double v);
ffai_status ffai_row_set_string(ffai_bench_row *row, const char *key, const char *v);
ffai_status ffai_row_set_bool(ffai_bench_row *row, const char *key, bool v);

/* The row as one JSON object on a single line (sorted keys, Swift number/string format, no spaces),
 * for `ffai bench --json`. *out is malloc'd; the caller frees it. Fails (FFAI_ERR_INVALID_ARG) when a
 * required field is missing or a required double is not finite. */
ffai_status ffai_row_to_json(const ffai_bench_row *row, char **out, ffai_error *err);

/* ---- the report files ------------------------------------------------------------------------ */

typedef struct {
    const char *report_dir; /* created (mkdir -p) when missing */
    const char *chip;       /* device slug; NULL = ffai_device_slug() */
    const char *date;       /* "YYYY-MM-DD"; NULL = today (UTC) */
} ffai_report_target;

/* Appends `row` to <dir>/.<chip>-<date>.state.json (creating it with chip, createdAt = now,
 * osVersion = the kernel release from uname(2), systemRAMBytes = physical RAM) and re-renders
 * <dir>/<chip>-<date>.md from it. Safe against concurrent appenders (flock on <dir>/.<chip>-<date>.lock)
 * and crashes (temp file + fsync + rename); on failure nothing is changed. Existing rows and unknown keys
 * are kept byte-for-byte. json_path / md_path (optional) receive malloc'd paths the caller frees.
 * Errors: "cannot write report dir <path>: <reason>" (FFAI_ERR_IO),
 *         "Bench: failed to decode <path>: <reason>" (FFAI_ERR_FORMAT). */
ffai_status ffai_report_append(const ffai_report_target *t, const ffai_bench_row *row, char **json_path,
                               char **md_path, ffai_error *err);

/* Called by ffai_report_render_dir after each markdown file it wrote. */
typedef void (*ffai_report_rendered_fn)(const char *md_path, int n_rows, void *user);

/* Re-renders every <chip>-<date>.md of report_dir from its sidecar (in name order), under each file's
 * lock. *n_rendered (optional) gets the number of files written. Stops at the first sidecar that fails
 * to decode (that day's markdown is left as it was). on_rendered may be NULL. */
ffai_status ffai_report_render_dir(const char *report_dir, ffai_report_rendered_fn on_rendered, void *user,
                                   int *n_rendered, ffai_error *err);

/* ---- device ----------------------------------------------------------------------------------- */

/* Slug of `in` into out (size n): lowercase ASCII alphanumerics, runs of anything else → '-', trimmed.
 * FFAI_ERR_RANGE when it does not fit, FFAI_ERR_INVALID_ARG when the slug is empty. */
ffai_status ffai_slugify(const char *in, char *out, size_t n);

/* Slug of the CPU: the first "model name" of /proc/cpuinfo (else "Hardware"/"Processor"/"cpu model",
 * else the uname machine), e.g. "amd-epyc-9654-96-core-processor". */
ffai_status ffai_device_slug(char *out, size_t n);

#endif
