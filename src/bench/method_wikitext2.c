/* method_wikitext2.c — corpus perplexity over WikiText-2 (BENCH.md §4.3):
 * consecutive chunks, every token but a chunk's first scored given the tokens
 * before it in that chunk; with a reference model, KL at every scored position. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_internal.h"
#include "bench/metrics.h"
#include "core/clock.h"
#include "core/error.h"
#include "io/mapped_file.h"

#define WT_BATCH 64 /* positions evaluated (and logits held) at a time */

typedef struct {
    double nll, kl_sum, seconds;
    long long scored, agree;
    double *kls; /* per scored position (with a reference) */
} wt_acc;

/* Scores one chunk ids[0..n) in fresh contexts of both models. */
static ffai_status score_chunk(ffai_bench *b, const ffai_bench_options *o, ffai_context *cc, ffai_context *rc, const int32_t *ids, int n,
                               float *ql, float *pl, wt_acc *a, long long total, double t_start, ffai_error *err) {
    int V = b->info.vocab_size;
    ffai_context_rewind(cc, 0, NULL);
    if (rc) ffai_context_rewind(rc, 0, NULL);
    ffai_status st = FFAI_OK;
    for (int off = 0; off < n - 1 && !st; off += WT_BATCH) {
        int k = n - 1 - off < WT_BATCH ? n - 1 - off : WT_BATCH; /* the last token is only a target */
        double t0 = clock_now();
        if ((st = ffai_context_eval(cc, ids + off, k, FFAI_LOGITS_ALL, ql, err))) break;
        a->seconds += clock_now() - t0;
        if (rc && (st = ffai_context_eval(rc, ids + off, k, FFAI_LOGITS_ALL, pl, err))) break;
        for (int i = 0; i < k; i++) {
            const float *q = ql + (size_t)i * V;
            a->nll -= metric_logprob(q, V, ids[off + i + 1]);
            if (rc) {
                const float *p = pl + (size_t)i * V;
                double d = metric_kl(p, q, V);
                a->kls[a->scored] = d;
                a->kl_sum += d;
                a->agree += metric_argmax(p, V) == metric_argmax(q, V);
            }
            a->scored++;
        }
        double el = clock_now() - t_start, rate = a->scored / (el > 0 ? el : 1e-9);
        bench_progress(o, "wikitext2: %lld/%lld tokens scored, %.1f tok/s, ETA %.0f s", a->scored, total, rate, (total - a->scored) / rate);
    }
    return st;
}

ffai_status bench_method_wikitext2(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *nrows, ffai_error *err) {
    char *text = NULL;
    size_t len = 0;
    int32_t *ids = NULL;
    int n = 0;
    ffai_status st = io_read_file(o->wikitext2_corpus, &text, &len, err);
    if (st) {
        ffai_error_prefix(err, "--wikitext2-corpus");
        return st;
    }
    /* CRLF -> LF, as the reference numbers were computed */
    size_t w = 0;
    for (size_t r = 0; r < len; r++)
        if (!(text[r] == '\r' && r + 1 < len && text[r + 1] == '\n')) text[w++] = text[r];
    text[w] = '\0';
    st = bench_encode(b, text, true, &ids, &n, err);
    free(text);
    if (st) return st;
    if (n > o->wikitext2_max_tokens) n = o->wikitext2_max_tokens;
    if (n < 2) {
        free(ids);
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "the corpus has fewer than 2 tokens — pass the real wiki.test.raw");
    }
    int defc = 2048, nsz = o->n_ctx ? o->n_ctx : 1;
    *rows = calloc((size_t)nsz, sizeof **rows);
    int V = b->info.vocab_size;
    float *ql = malloc(sizeof(float) * (size_t)WT_BATCH * V), *pl = b->ref ? malloc(sizeof(float) * (size_t)WT_BATCH * V) : NULL;
    if (!*rows || !ql || (b->ref && !pl)) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    for (int s = 0; s < nsz && !st; s++) {
        int chunk = o->n_ctx ? o->ctx[s] : defc;
        if (chunk > 2048) chunk = 2048;
        if (chunk > n) chunk = n;
        ffai_bench_row *row = &(*rows)[s];
        ffai_row_init(row);
        *nrows = s + 1;
        ffai_context *cc = NULL, *rc = NULL;
        wt_acc a;
        memset(&a, 0, sizeof a);
        if (b->ref && !(a.kls = malloc(sizeof(double) * (size_t)n))) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        if (!st) st = ffai_context_create(b->m, chunk, &cc, err);
        if (!st && b->ref) st = ffai_context_create(b->ref, chunk, &rc, err);
        size_t base;
        ffai_mem_usage(&base, NULL);
        ffai_mem_reset_peak();
        int chunks = 0;
        long long total = 0;
        for (int off = 0; off + 1 < n; off += chunk) total += (n - off < chunk ? n - off : chunk) - 1;
        double t_start = clock_now();
        for (int off = 0; off + 1 < n && !st; off += chunk) {
            int k = n - off < chunk ? n - off : chunk;
            st = score_chunk(b, o, cc, rc, ids + off, k, ql, pl, &a, total, t_start, err);
            chunks++;
        }
        size_t peak;
        ffai_mem_usage(NULL, &peak);
        if (!st) {
            bench_gen g;
            memset(&g, 0, sizeof g);
            g.st.prompt_tokens = (int)(a.scored + chunks);
            g.st.prefill_s = a.seconds;
            g.baseline = (long long)base;
            g.peak = (long long)peak;
            g.kv_used = (long long)ffai_context_kv_used_bytes(cc);
            g.ppl = exp(a.nll / (double)a.scored);
            st = bench_fill_row(b, o, "wikitext2", chunk, &g, 1, row, err);
            row->decode_tps = 0;
            row->steady_tps = NAN;
            char preview[128];
            snprintf(preview, sizeof preview, "WikiText-2 perplexity, %lld tokens, chunk %d", a.scored + chunks, chunk);
            if (!st) st = bench_set_preview(row, NULL, preview);
            if (!st) st = ffai_row_set_int(row, "scoredTokens", a.scored);
            if (!st) st = ffai_row_set_int(row, "chunks", chunks);
            if (!st && b->ref) {
                row->gen_kld = a.kl_sum / (double)a.scored;
                st = ffai_row_set_double(row, "sameTop1", (double)a.agree / (double)a.scored);
                if (!st) st = ffai_row_set_double(row, "kld99", metric_quantile(a.kls, (int)a.scored, 0.99));
            }
        }
        free(a.kls);
        ffai_context_free(cc);
        ffai_context_free(rc);
    }
    free(ql);
    free(pl);
    free(ids);
    return st;
}
