/* method_generate.c — the generation methods `simple` (one prompt) and
 * `summarization` (prompts of exactly N tokens from the bundled text). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_internal.h"
#include "core/error.h"

ffai_status bench_measure_prompt(ffai_bench *b, const ffai_bench_options *o, const char *method, const int32_t *ids, int n, int max_tokens,
                                 long long ctx_size, ffai_bench_row *row, char **text, ffai_error *err) {
    if (text) *text = NULL;
    ffai_context *c = NULL;
    int R = o->repeat;
    bench_gen *runs = calloc((size_t)R, sizeof *runs);
    if (!runs) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    ffai_status st = ffai_context_create(b->m, n + (max_tokens > 0 ? max_tokens : 1), &c, err);
    if (!st) st = bench_warmup(b, o, c, ids, n, err);
    for (int r = 0; r < R && !st; r++) {
        ffai_context_rewind(c, 0, NULL);
        ffai_context_op_times_reset(c);
        st = bench_generate(b, o, c, ids, n, max_tokens, &runs[r], err);
    }
    if (!st) st = bench_fill_row(b, o, method, ctx_size, runs, R, row, err);
    if (!st && b->ref) {
        bench_gen *g = &runs[R - 1];
        int32_t *seq = malloc(sizeof *seq * (size_t)(n + g->n));
        if (!seq) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        else {
            memcpy(seq, ids, sizeof *seq * (size_t)n);
            memcpy(seq + n, g->ids, sizeof *seq * (size_t)g->n);
            /* the distributions that produced each generated token */
            double kl = NAN;
            if (g->n > 0) st = bench_kl(b, seq, n + g->n, n - 1, n + g->n - 2, &kl, NULL, NULL, err);
            row->gen_kld = kl;
            free(seq);
        }
    }
    if (!st && text) {
        *text = strdup(runs[R - 1].text ? runs[R - 1].text : "");
        if (!*text) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    for (int r = 0; r < R; r++) bench_gen_free(&runs[r]);
    free(runs);
    ffai_context_free(c);
    return st;
}

static ffai_status one_row(ffai_bench_row **rows, int *n, ffai_error *err) {
    *rows = calloc(1, sizeof **rows);
    if (!*rows) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    ffai_row_init(*rows);
    *n = 1;
    return FFAI_OK;
}

ffai_status bench_method_simple(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *nrows, ffai_error *err) {
    const char *prompt = o->prompt ? o->prompt : "Once upon a time";
    int max_tokens = o->max_tokens >= 0 ? o->max_tokens : 64;
    int32_t *ids = NULL;
    int n = 0;
    ffai_status st;
    if (o->chat) {
        json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", prompt);
        char *mj = json_dumps(msgs, JSON_COMPACT);
        json_decref(msgs);
        st = mj ? bench_chat_encode(b, mj, NULL, &ids, &n, err) : ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        free(mj);
    } else
        st = bench_encode(b, prompt, true, &ids, &n, err);
    if (!st && n == 0) st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "the prompt encodes to no tokens — pass a non-empty --prompt");
    if (!st && n + max_tokens > b->info.max_pos)
        st = ffai_fail(err, FFAI_ERR_RANGE, "prompt (%d tokens) + --max-tokens %d exceed the model's %d positions — shorten them", n, max_tokens,
                       b->info.max_pos);
    if (!st) st = one_row(rows, nrows, err);
    if (!st) st = bench_measure_prompt(b, o, "simple", ids, n, max_tokens, b->info.max_pos, *rows, NULL, err);
    free(ids);
    return st;
}

/* ---- summarization: a prompt of exactly N tokens ---- */

#define CONTENT_MARK "@@FFAI-CONTENT-7f3a@@"

ffai_status bench_chat_frame(ffai_bench *b, const char *after, int32_t **pre, int *npre, int32_t **suf, int *nsuf, ffai_error *err) {
    *pre = *suf = NULL;
    *npre = *nsuf = 0;
    char *rendered = NULL, *content = malloc(strlen(CONTENT_MARK) + strlen(after) + 1);
    if (!content) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    strcat(strcpy(content, CONTENT_MARK), after);
    json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", content);
    char *mj = msgs ? json_dumps(msgs, JSON_COMPACT) : NULL;
    json_decref(msgs);
    ffai_status st = mj ? ffai_chat_render(b->model_dir, mj, NULL, true, NULL, &rendered, err) : ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    free(mj);
    bool templ = st == FFAI_OK;
    if (!templ) {
        if (st != FFAI_ERR_NOT_FOUND) {
            free(content);
            return st;
        }
        rendered = content; /* no chat template: plain text */
        content = NULL;
    }
    free(content);
    char *mark = strstr(rendered, CONTENT_MARK);
    if (!mark) {
        free(rendered);
        return ffai_fail(err, FFAI_ERR_INTERNAL, "chat template dropped the message content");
    }
    *mark = '\0';
    st = bench_encode(b, rendered, !templ, pre, npre, err);
    if (!st) st = bench_encode(b, mark + strlen(CONTENT_MARK), false, suf, nsuf, err);
    free(rendered);
    return st;
}

ffai_status bench_method_summarization(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *nrows, ffai_error *err) {
    static const int DEF[] = {512, 1024, 2048, 4096};
    const int *sizes = o->n_ctx ? o->ctx : DEF;
    int ns = o->n_ctx ? o->n_ctx : 4;
    int max_tokens = o->max_tokens >= 0 ? o->max_tokens : 64;
    const char *filler;
    int32_t *pre = NULL, *suf = NULL, *fill = NULL, *ids = NULL;
    int npre = 0, nsuf = 0, nfill = 0;
    ffai_status st = bench_filler(o, &filler, err);
    if (!st) st = bench_chat_frame(b, "\n\nSummarize the content above.", &pre, &npre, &suf, &nsuf, err);
    if (!st) st = bench_encode(b, filler, false, &fill, &nfill, err);
    if (!st && nfill == 0) st = ffai_fail(err, FFAI_ERR_FORMAT, "the bundled filler text is empty");
    for (int i = 0; i < ns && !st; i++) {
        if (sizes[i] <= npre + nsuf)
            st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "--ctx %d is too small for the prompt frame (%d tokens) — use a larger size", sizes[i], npre + nsuf);
        else if (sizes[i] + max_tokens > b->info.max_pos)
            st = ffai_fail(err, FFAI_ERR_RANGE, "--ctx %d + %d generated tokens exceed the model's %d positions — use a smaller context", sizes[i],
                           max_tokens, b->info.max_pos);
    }
    if (!st) {
        *rows = calloc(ns > 0 ? (size_t)ns : 1, sizeof **rows);
        if (!*rows) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < ns && !st; i++) {
        int N = sizes[i], body = N - npre - nsuf;
        ffai_row_init(&(*rows)[i]);
        *nrows = i + 1;
        free(ids);
        ids = malloc(sizeof *ids * (size_t)(N > 0 ? N : 1));
        if (!ids) {
            st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
            break;
        }
        memcpy(ids, pre, sizeof *ids * (size_t)npre);
        for (int k = 0; k < body; k++) ids[npre + k] = fill[k % nfill]; /* the text repeats when N outgrows it */
        memcpy(ids + npre + body, suf, sizeof *ids * (size_t)nsuf);
        bench_progress(o, "summarization: ctx %d (%d/%d)", N, i + 1, ns);
        st = bench_measure_prompt(b, o, "summarization", ids, N, max_tokens, N, &(*rows)[i], NULL, err);
    }
    free(ids);
    free(pre);
    free(suf);
    free(fill);
    return st;
}
