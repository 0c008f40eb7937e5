/* cmd_bench.c — `ffai bench`: run benchmark methods and append their rows to
 * the day's report (BENCH.md §1-2). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "common.h"

#ifndef FFAI_DATA_DIR
#define FFAI_DATA_DIR "data"
#endif

typedef struct {
    bool tty;
    bool shown;
} cli_io;

static void on_log(void *user, const char *line) {
    cli_io *io = user;
    if (io->shown) fputc('\n', stderr), io->shown = false;
    fprintf(stderr, "%s\n", line);
}

static void on_progress(void *user, const char *line) {
    cli_io *io = user;
    if (!io->tty) return;
    fprintf(stderr, "\r\033[K%s", line);
    io->shown = true;
}

static int bench_fail(const char *method, const char *msg) {
    fprintf(stderr, "ffai bench --method %s: %s\n", method, msg);
    return 1;
}

/* mkdir -p, then a write probe: a long run should not end in an unwritable dir. */
static int check_report_dir(const char *dir, char *why, size_t n) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) break;
            *p = '/';
        }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
        snprintf(why, n, "cannot write report dir %s: %s — pass a writable --report-dir", dir, strerror(errno));
        return 1;
    }
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode) || access(buf, W_OK) != 0) {
        snprintf(why, n, "cannot write report dir %s: %s — pass a writable --report-dir", dir, errno ? strerror(errno) : "not a directory");
        return 1;
    }
    return 0;
}

static const char *basename_of(const char *p) {
    const char *s = strrchr(p, '/');
    while (s && s[1] == '\0' && s > p) { /* trailing slash */
        const char *q = s - 1;
        while (q > p && *q != '/') q--;
        return *q == '/' ? q + 1 : q;
    }
    return s ? s + 1 : p;
}

int cmd_bench(int argc, char **argv) {
    const char *model = NULL, *method = "simple", *prompt = NULL, *quant = NULL, *report_dir = "./benchmarks", *ref = NULL, *ctx = NULL;
    const char *corpus = NULL, *chip = NULL, *date = NULL, *tool_cases = NULL, *positional = NULL, *precision = "f32", *kv_type = "f32";
    long max_tokens = -1, wt_max = 2048, threads = 0, repeat = 1, seed = 0, profiling = 0, turns = 4;
    double temperature = 0;
    bool debug = false, stats = false, json = false, no_warmup = false, chat = false;
    arg_spec specs[] = {
        {"--model", ARG_STR, &model, "REPO|PATH", "model dir or hub id (default: the embedded ffai-tiny-qwen3)", NULL},
        {"--method", ARG_STR, &method, "NAME[,NAME]", "simple, summarization, wikitext2, niah, multi-turn, tool-calling (default simple)", NULL},
        {"--prompt", ARG_STR, &prompt, "TEXT", "prompt for prompt-based methods (default: the method's own)", NULL},
        {"--max-tokens", ARG_INT, &max_tokens, "N", "cap on generated tokens per generation (default 64; method defaults apply)", NULL},
        {"--quantization", ARG_STR, &quant, "LABEL", "label stored in the row (default: derived from the weights)", NULL},
        {"--report-dir", ARG_STR, &report_dir, "PATH", "where the per-day report lives (default ./benchmarks)", NULL},
        {"--ref-model", ARG_STR, &ref, "REPO|PATH", "reference model for KL divergence (same tokenizer)", NULL},
        {"--ctx", ARG_STR, &ctx, "LIST", "context sizes, e.g. 1024,4096 (method default)", NULL},
        {"--wikitext2-corpus", ARG_STR, &corpus, "PATH", "wiki.test.raw; required for wikitext2", NULL},
        {"--wikitext2-max-tokens", ARG_INT, &wt_max, "N", "truncate the tokenized corpus (default 2048)", NULL},
        {"--threads", ARG_INT, &threads, "N", "worker threads (default: all cores)", NULL},
        {"--precision", ARG_STR, &precision, "f32|bf16|int8", CLI_PRECISION_HELP, NULL},
        {"--kv-type", ARG_STR, &kv_type, "f32|f16", CLI_KV_HELP, NULL},
        {"--repeat", ARG_INT, &repeat, "N", "repeat the measured run N times; mean + std (default 1)", NULL},
        {"--seed", ARG_INT, &seed, "N", "sampling seed (default 0)", NULL},
        {"--temperature", ARG_DOUBLE, &temperature, "T", "sampling temperature; 0 = greedy (default 0)", NULL},
        {"--chat", ARG_FLAG, &chat, NULL, "simple: wrap the prompt with the model's chat template", NULL},
        {"--turns", ARG_INT, &turns, "N", "multi-turn: number of turns, 1..6 (default 4)", NULL},
        {"--tool-cases", ARG_STR, &tool_cases, "FILE", "tool-calling: JSON list of cases (default: the built-in date case)", NULL},
        {"--no-warmup", ARG_FLAG, &no_warmup, NULL, "skip the 4-token warm-up generation", NULL},
        {"--debug", ARG_FLAG, &debug, NULL, "verbose internal logging on stderr", NULL},
        {"--profiling", ARG_INT, &profiling, "N", "every N decode steps, a per-operation time table on stderr (default 0 = off)", NULL},
        {"--stats", ARG_FLAG, &stats, NULL, "print a human summary of each row on stdout", NULL},
        {"--json", ARG_FLAG, &json, NULL, "print each row as one JSON object line on stdout", NULL},
        {"--chip", ARG_STR, &chip, "SLUG", "device slug of the report (default: detected)", NULL},
        {"--date", ARG_STR, &date, "YYYY-MM-DD", "day of the report file (default: today, UTC)", NULL},
    };
    arg_parser p = {"ffai bench", "[--method NAME] [--model REPO|PATH] [options]", specs, (int)(sizeof specs / sizeof specs[0]), &positional, "MODEL"};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc) return rc == 1 ? 0 : 2;
    if (model && positional) {
        fprintf(stderr, "ffai bench: give the model once (--model or a positional argument)\n");
        return 2;
    }
    if (!model) model = positional;
    cli_io io = {isatty(2) && !json, false};
    ffai_bench_options o;
    ffai_bench_options_default(&o);
    o.model_label = model ? model : basename_of(cli_model_arg(NULL));
    o.prompt = prompt;
    o.max_tokens = (int)max_tokens;
    o.quantization = quant;
    o.wikitext2_corpus = corpus;
    o.wikitext2_max_tokens = (int)wt_max;
    o.repeat = (int)repeat;
    o.seed = (uint64_t)seed;
    o.temperature = (float)temperature;
    o.warmup = !no_warmup;
    o.chat = chat;
    o.turns = (int)turns;
    o.tool_cases = tool_cases;
    o.profiling = (int)profiling;
    o.debug = debug;
    o.log = on_log;
    o.progress = on_progress;
    o.user = &io;
    const char *dd = getenv("FFAI_DATA_DIR");
    o.data_dir = dd && *dd ? dd : FFAI_DATA_DIR;
    if (ctx) {
        long v[FFAI_BENCH_MAX_CTX];
        int n = args_parse_int_list(ctx, v, FFAI_BENCH_MAX_CTX);
        if (n <= 0) return bench_fail(method, "--ctx must be a comma-separated list of sizes, e.g. 1024,4096 — fix the value"), 2;
        for (int i = 0; i < n; i++) o.ctx[i] = (int)v[i];
        o.n_ctx = n;
    }
    /* every method is checked before anything is loaded */
    char methods[16][64];
    int nm = 0;
    for (const char *s = method; *s && nm < 16;) {
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        snprintf(methods[nm++], sizeof methods[0], "%.*s", (int)l, s);
        s = e ? e + 1 : s + l;
    }
    ffai_error err;
    for (int i = 0; i < nm; i++)
        if (ffai_bench_validate(methods[i], &o, &err)) return bench_fail(methods[i], err.msg);
    if (chip) {
        char slug[128];
        if (ffai_slugify(chip, slug, sizeof slug) || strcmp(slug, chip) != 0) {
            char why[256];
            snprintf(why, sizeof why, "--chip '%s' is not a slug — use lowercase letters, digits and '-' (e.g. '%s')", chip, slug);
            return bench_fail(method, why), 2;
        }
    }
    if (date) {
        int y, mo, d;
        char extra;
        if (strlen(date) != 10 || sscanf(date, "%4d-%2d-%2d%c", &y, &mo, &d, &extra) != 3 || mo < 1 || mo > 12 || d < 1 || d > 31)
            return bench_fail(method, "--date must be YYYY-MM-DD — fix the value"), 2;
    }
    ffai_model_options mopt;
    if (cli_model_options("bench", (int)threads, precision, kv_type, &mopt)) return 2;
    char why[4200];
    if (check_report_dir(report_dir, why, sizeof why)) return bench_fail(method, why);
    ffai_bench *b = NULL;
    if (ffai_bench_open_options(cli_model_arg(model), ref, &mopt, &b, &err)) return bench_fail(method, err.msg);
    ffai_bench_row *all = NULL;
    int n_all = 0, ret = 0;
    for (int i = 0; i < nm && !ret; i++) {
        ffai_bench_row *rows = NULL;
        int n = 0;
        ffai_status st = ffai_bench_run(b, methods[i], &o, &rows, &n, &err);
        if (io.shown) fputc('\n', stderr), io.shown = false;
        if (st) {
            bench_fail(methods[i], err.msg);
            ret = 1;
        }
        if (n == 0) {
            free(rows);
            continue;
        }
        ffai_bench_row *g = realloc(all, sizeof *all * (size_t)(n_all + n));
        if (!g) {
            for (int k = 0; k < n; k++) ffai_row_free_fields(&rows[k]);
            free(rows);
            ret = 1;
            break;
        }
        all = g;
        if (n) memcpy(all + n_all, rows, sizeof *rows * (size_t)n);
        n_all += n;
        free(rows);
    }
    ffai_bench_close(b);
    ffai_report_target t = {report_dir, chip, date};
    for (int i = 0; i < n_all && !ret; i++) {
        char *md = NULL;
        if (ffai_report_append(&t, &all[i], NULL, &md, &err)) {
            bench_fail(all[i].method, err.msg);
            ret = 1;
            break;
        }
        if (json) {
            char *js = NULL;
            if (ffai_row_to_json(&all[i], &js, &err) == FFAI_OK) printf("%s\n", js);
            free(js);
        } else {
            char *s = ffai_bench_row_summary(&all[i]);
            if (stats) printf("%s\n", s ? s : "");
            else
                printf("%s %s: prefill %.2f tok/s, decode %.2f tok/s, TTFT %.2f ms%s%s\n", all[i].model, all[i].method, all[i].prefill_tps,
                       all[i].decode_tps, all[i].ttft_ms, all[i].output_preview ? " | " : "", all[i].output_preview ? all[i].output_preview : "");
            free(s);
        }
        if (!json && i == n_all - 1) printf("report: %s\n", md);
        free(md);
    }
    for (int i = 0; i < n_all; i++) ffai_row_free_fields(&all[i]);
    free(all);
    return ret;
}
