/* bench.c — the harness entry points: options, validation, loading the
 * candidate (and reference) model, method dispatch. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_internal.h"
#include "core/error.h"

typedef ffai_status (*method_fn)(ffai_bench *, const ffai_bench_options *, ffai_bench_row **, int *, ffai_error *);

static const struct {
    const char *name;
    method_fn run;
    const char *missing; /* non-NULL: not available yet, and why */
    bool chat;           /* needs the model's chat template */
} METHODS[] = {
    {"simple", bench_method_simple, NULL, false},
    {"summarization", bench_method_summarization, NULL, false},
    {"wikitext2", bench_method_wikitext2, NULL, false},
    {"niah", bench_method_niah, NULL, true},
    {"multi-turn", bench_method_multiturn, NULL, true},
    {"tool-calling", bench_method_toolcall, NULL, true},
    {"ngram-spot", NULL, "needs prompt-lookup speculative decoding (n-gram drafts verified in one batch)", false},
    {"ngram-sweep", NULL, "needs prompt-lookup speculative decoding (n-gram drafts verified in one batch)", false},
    {"ngram-sweep-summary", NULL, "needs prompt-lookup speculative decoding (n-gram drafts verified in one batch)", false},
    {"vision", NULL, "needs the vision encoder (CLIP) and the multi-modal generate path", false},
};
#define N_METHODS ((int)(sizeof METHODS / sizeof METHODS[0]))

void ffai_bench_options_default(ffai_bench_options *o) {
    memset(o, 0, sizeof *o);
    o->max_tokens = -1;
    o->wikitext2_max_tokens = 2048;
    o->repeat = 1;
    o->warmup = true;
    o->turns = 4;
}

static void emit(ffai_bench_log_fn fn, void *user, const char *fmt, va_list ap) {
    char line[2048];
    vsnprintf(line, sizeof line, fmt, ap);
    fn(user, line);
}

void bench_log(const ffai_bench_options *o, const char *fmt, ...) {
    if (!o->log) return;
    va_list ap;
    va_start(ap, fmt);
    emit(o->log, o->user, fmt, ap);
    va_end(ap);
}

void bench_progress(const ffai_bench_options *o, const char *fmt, ...) {
    if (!o->progress) return;
    va_list ap;
    va_start(ap, fmt);
    emit(o->progress, o->user, fmt, ap);
    va_end(ap);
}

ffai_status ffai_bench_validate(const char *method, const ffai_bench_options *o, ffai_error *err) {
    int found = -1;
    for (int i = 0; i < N_METHODS; i++)
        if (strcmp(method, METHODS[i].name) == 0) found = i;
    if (found < 0) {
        char list[512] = "";
        for (int i = 0; i < N_METHODS; i++) {
            strcat(list, i ? ", " : "");
            strcat(list, METHODS[i].name);
        }
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "unknown method '%s' — use one of: %s", method, list);
    }
    if (!METHODS[found].run)
        return ffai_fail(err, FFAI_ERR_UNSUPPORTED, "not implemented yet — %s", METHODS[found].missing);
    if (strcmp(method, "wikitext2") == 0 && (!o->wikitext2_corpus || !*o->wikitext2_corpus))
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "missing --wikitext2-corpus — pass the path of wiki.test.raw (WikiText-2 raw test split)");
    if (o->repeat < 1 || o->repeat > 1000) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "--repeat must be in 1..1000 — pass a positive count");
    if (o->max_tokens < -1 || o->max_tokens > 1 << 20) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "--max-tokens out of range — use 0..1048576");
    for (int i = 0; i < o->n_ctx; i++)
        if (o->ctx[i] < 2) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "--ctx %d is too small — use sizes of at least 2 tokens", o->ctx[i]);
    if (strcmp(method, "multi-turn") == 0 && (o->turns < 1 || o->turns > 6))
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "--turns %d is out of range — use 1..6", o->turns);
    if (o->wikitext2_max_tokens < 2) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "--wikitext2-max-tokens must be at least 2");
    return FFAI_OK;
}

ffai_status ffai_bench_open(const char *model, const char *ref_model, int threads, ffai_bench **out, ffai_error *err) {
    return ffai_bench_open_precision(model, ref_model, threads, FFAI_PRECISION_F32, out, err);
}

ffai_status ffai_bench_open_precision(const char *model, const char *ref_model, int threads, ffai_precision precision, ffai_bench **out,
                                      ffai_error *err) {
    ffai_model_options copt = {.n_threads = threads, .precision = precision};
    return ffai_bench_open_options(model, ref_model, &copt, out, err);
}

ffai_status ffai_bench_open_options(const char *model, const char *ref_model, const ffai_model_options *copt, ffai_bench **out, ffai_error *err) {
    *out = NULL;
    ffai_bench *b = calloc(1, sizeof *b);
    if (!b) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    ffai_model_options opt = {.n_threads = copt->n_threads};
    ffai_status st;
    if ((st = ffai_model_load(model, copt, &b->m, err))) goto fail;
    ffai_model_get_info(b->m, &b->info);
    snprintf(b->model_dir, sizeof b->model_dir, "%s", b->info.dir);
    if ((st = ffai_tokenizer_load(b->model_dir, &b->tok, err))) goto fail;
    if (ref_model) {
        if ((st = ffai_model_load(ref_model, &opt, &b->ref, err))) {
            ffai_error_prefix(err, "--ref-model");
            goto fail;
        }
        ffai_model_info ri;
        ffai_model_get_info(b->ref, &ri);
        if (ri.vocab_size != b->info.vocab_size) {
            st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "--ref-model has a vocabulary of %d, the model %d — KL needs the same tokenizer; pick a sibling of the same family",
                           ri.vocab_size, b->info.vocab_size);
            goto fail;
        }
        ffai_tokenizer *rt = NULL;
        if ((st = ffai_tokenizer_load(ri.dir, &rt, err))) {
            ffai_error_prefix(err, "--ref-model");
            goto fail;
        }
        static const char probe[] = "The quick brown fox: 12,345 ünïcödé tokens! <|im_end|>\n\tend";
        int32_t *a = NULL, *c = NULL;
        size_t na = 0, nc = 0;
        int same = ffai_tokenizer_encode(b->tok, probe, sizeof probe - 1, true, &a, &na, NULL) == FFAI_OK &&
                   ffai_tokenizer_encode(rt, probe, sizeof probe - 1, true, &c, &nc, NULL) == FFAI_OK && na == nc &&
                   memcmp(a, c, na * sizeof *a) == 0;
        free(a);
        free(c);
        ffai_tokenizer_free(rt);
        if (!same) {
            st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "--ref-model tokenizes a probe string differently — KL needs the same tokenizer; pick a sibling of the same family");
            goto fail;
        }
    }
    for (int i = 0; i < b->info.n_eos && b->n_stop < 15; i++) b->stop[b->n_stop++] = b->info.eos_ids[i];
    int32_t e = ffai_tokenizer_eos_id(b->tok);
    int have = 0;
    for (int i = 0; i < b->n_stop; i++) have |= b->stop[i] == e;
    if (e >= 0 && !have) b->stop[b->n_stop++] = e;
    *out = b;
    return FFAI_OK;
fail:
    ffai_bench_close(b);
    return st;
}

void ffai_bench_close(ffai_bench *b) {
    if (!b) return;
    ffai_tokenizer_free(b->tok);
    ffai_model_free(b->ref);
    ffai_model_free(b->m);
    free(b);
}

ffai_status ffai_bench_run(ffai_bench *b, const char *method, const ffai_bench_options *o, ffai_bench_row **rows, int *n_rows,
                           ffai_error *err) {
    *rows = NULL;
    *n_rows = 0;
    ffai_status st = ffai_bench_validate(method, o, err);
    if (st) return st;
    for (int i = 0; i < o->n_ctx; i++)
        if (o->ctx[i] > b->info.max_pos)
            return ffai_fail(err, FFAI_ERR_RANGE, "--ctx %d is larger than the model allows (max_position_embeddings %d) — use a smaller context",
                             o->ctx[i], b->info.max_pos);
    if (o->debug) {
        bench_log(o, "model %s: %s, %d layers, hidden %d, heads %d/%d, head_dim %d, vocab %d, max positions %d", b->model_dir, b->info.model_type,
                  b->info.n_layers, b->info.hidden_size, b->info.n_heads, b->info.n_kv_heads, b->info.head_dim, b->info.vocab_size, b->info.max_pos);
        bench_log(o, "weights %zu bytes (%s), kernels %s, %d threads", b->info.weights_bytes, ffai_model_quant_label(b->m), b->info.kernels,
                  b->info.n_threads);
        size_t cur;
        ffai_mem_usage(&cur, NULL);
        long long kv_per_token = 2LL * b->info.n_layers * b->info.n_kv_heads * b->info.head_dim * (long long)sizeof(float);
        bench_log(o, "memory plan: engine holds %zu bytes before any context (weights + norms + kernel scratch); KV cache %lld bytes per token (f32)",
                  cur, kv_per_token);
        if (b->ref) {
            ffai_model_info ri;
            ffai_model_get_info(b->ref, &ri);
            bench_log(o, "reference model %s: %s, %zu bytes of weights (%s)", ri.dir, ri.model_type, ri.weights_bytes, ffai_model_quant_label(b->ref));
        }
    }
    for (int i = 0; i < N_METHODS; i++) {
        if (strcmp(method, METHODS[i].name) != 0) continue;
        if (METHODS[i].chat) {
            char *tpl = NULL;
            st = ffai_chat_template_find(b->model_dir, false, &tpl, NULL, NULL, err);
            free(tpl);
            if (st) {
                if (st == FFAI_ERR_NOT_FOUND)
                    ffai_fail(err, st, "%s has no chat template — %s needs a model with a chat template (chat_template.jinja or tokenizer_config.json)",
                              b->model_dir, method);
                return st;
            }
        }
        return METHODS[i].run(b, o, rows, n_rows, err);
    }
    return ffai_fail(err, FFAI_ERR_INTERNAL, "method table out of sync");
}
