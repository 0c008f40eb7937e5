/* method_multiturn.c — a conversation of several turns (BENCH.md §4.5) through
 * one session: each turn prefills only what is new since the cached prefix. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_internal.h"
#include "core/clock.h"
#include "core/error.h"

static const char SYSTEM[] = "You are a helpful assistant. Keep responses concise.";
static const char *const USER[6] = {
    "Hi! What's a fun fact about octopuses?",   "Cool. Now tell me one about elephants.", "Compare those two animals.",
    "And one more about dolphins, please.",     "Which of those four is your favourite?", "Why?",
};
#define REPLY_MAX_CHARS 300

/* Appends {"role", "content"} with content cut to max_chars code points (-1 = all). */
static ffai_status add_message(json_t *msgs, const char *role, const char *content, int max_chars, ffai_error *err) {
    size_t n = 0;
    for (int chars = 0; content[n] && (max_chars < 0 || chars < max_chars); chars++) {
        n++;
        while ((content[n] & 0xC0) == 0x80) n++;
    }
    json_t *m = json_pack("{s:s,s:s%}", "role", role, "content", content, n);
    if (!m || json_array_append_new(msgs, m)) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    return FFAI_OK;
}

/* Runs turn t: o->repeat measured generations from the same cached prefix. */
static ffai_status run_turn(ffai_bench *b, const ffai_bench_options *o, ffai_session *s, const int32_t *ids, int n, int max_tokens, bench_gen *runs,
                            int *reused, ffai_error *err) {
    int n_before;
    const int32_t *held = ffai_session_tokens(s, &n_before);
    int32_t *before = malloc(sizeof *before * (size_t)(n_before > 0 ? n_before : 1));
    if (!before) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    memcpy(before, held, sizeof *before * (size_t)n_before);
    ffai_status st = FFAI_OK;
    for (int r = 0; r < o->repeat && !st; r++) {
        if (r > 0) { /* back to the cache as it was before this turn */
            if (n_before > 0) st = ffai_session_sync(s, before, n_before, NULL, NULL, err);
            else ffai_session_reset(s);
        }
        ffai_context_op_times_reset(ffai_session_context(s));
        if (!st) st = bench_generate_session(b, o, s, ids, n, max_tokens, &runs[r], reused, err);
    }
    free(before);
    return st;
}

ffai_status bench_method_multiturn(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *nrows, ffai_error *err) {
    int turns = o->turns, max_tokens = o->max_tokens >= 0 ? o->max_tokens : 64, R = o->repeat;
    if (turns < 1 || turns > 6) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "--turns %d is out of range — use 1..6", turns);
    int n_ctx = o->n_ctx ? o->ctx[0] : (b->info.max_pos < 4096 ? b->info.max_pos : 4096);
    ffai_session *s = NULL;
    json_t *msgs = json_array();
    bench_gen *runs = calloc((size_t)R, sizeof *runs);
    double ttft[6] = {0};
    int32_t *last = NULL; /* the last turn's prompt, for the reuse check */
    int n_last = 0;
    int fresh[6] = {0}, cached[6] = {0};
    ffai_status st = msgs && runs ? FFAI_OK : ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    if (!st) st = add_message(msgs, "system", SYSTEM, -1, err);
    if (!st) st = ffai_session_create(b->m, n_ctx, &s, err);
    if (!st) {
        *rows = calloc((size_t)turns, sizeof **rows);
        if (!*rows) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    if (!st && o->warmup) { /* the warm-up leaves the session's cache empty */
        int32_t *w = NULL;
        int nw = 0;
        st = bench_encode(b, USER[0], false, &w, &nw, err);
        if (!st) st = bench_warmup(b, o, ffai_session_context(s), w, nw, err);
        free(w);
    }
    for (int t = 0; t < turns && !st; t++) {
        bench_progress(o, "multi-turn: turn %d/%d", t + 1, turns);
        int32_t *ids = NULL;
        int n = 0, reused = 0;
        char *mj = NULL;
        st = add_message(msgs, "user", USER[t], -1, err);
        if (!st) st = (mj = json_dumps(msgs, JSON_COMPACT)) ? FFAI_OK : ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        if (!st) st = bench_chat_encode(b, mj, NULL, &ids, &n, err);
        free(mj);
        if (!st && n + max_tokens > n_ctx)
            st = ffai_fail(err, FFAI_ERR_RANGE, "turn %d: the conversation (%d tokens) + --max-tokens %d exceed the context %d — pass a larger --ctx or fewer --turns",
                           t + 1, n, max_tokens, n_ctx);
        if (!st) st = run_turn(b, o, s, ids, n, max_tokens, runs, &reused, err);
        free(last);
        last = ids;
        n_last = n;
        if (st) break;
        ffai_bench_row *row = &(*rows)[t];
        ffai_row_init(row);
        *nrows = t + 1;
        st = bench_fill_row(b, o, "multi-turn", n_ctx, runs, R, row, err);
        if (!st) st = ffai_row_set_int(row, "turn", t + 1);
        if (!st) st = ffai_row_set_int(row, "cachedTokens", reused);
        if (!st) st = ffai_row_set_int(row, "conversationTokens", n);
        if (!st && b->ref && runs[R - 1].n > 0) { /* KL over this turn's replies, both models over the whole conversation */
            bench_gen *g = &runs[R - 1];
            int32_t *seq = malloc(sizeof *seq * (size_t)(n + g->n));
            if (!seq) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
            else {
                memcpy(seq, ids, sizeof *seq * (size_t)n);
                memcpy(seq + n, g->ids, sizeof *seq * (size_t)g->n);
                st = bench_kl(b, seq, n + g->n, n - 1, n + g->n - 2, &row->gen_kld, NULL, NULL, err);
                free(seq);
            }
        }
        if (!st) st = add_message(msgs, "assistant", runs[R - 1].text ? runs[R - 1].text : "", REPLY_MAX_CHARS, err);
        ttft[t] = row->ttft_ms;
        fresh[t] = (int)row->prompt_tokens;
        cached[t] = reused;
        for (int r = 0; r < R; r++) bench_gen_free(&runs[r]);
    }
    /* the reuse check: TTFT should follow the new tokens, not the conversation
     * length; the last turn is compared with prefilling its whole prompt afresh */
    if (!st && turns > 1 && fresh[0] > 0) {
        double per = ttft[0] / fresh[0];
        bool reused_all = true;
        for (int t = 1; t < turns; t++) {
            reused_all &= cached[t] > 0;
            bench_log(o, "multi-turn turn %d: %d new + %d cached tokens, TTFT %.2f ms (%.3f ms/new token; a full re-prefill at turn 1's rate: %.2f ms)",
                      t + 1, fresh[t], cached[t], ttft[t], fresh[t] ? ttft[t] / fresh[t] : 0.0, per * (fresh[t] + cached[t]));
        }
        float *logits = malloc(sizeof *logits * (size_t)b->info.vocab_size);
        if (!logits) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        double full = 0;
        if (!st) {
            ffai_session_reset(s);
            double t0 = clock_now();
            st = ffai_session_sync(s, last, n_last, logits, NULL, err);
            full = (clock_now() - t0) * 1e3;
        }
        free(logits);
        double tl = ttft[turns - 1];
        if (!st)
            bench_log(o, "multi-turn reuse check: %s (turn %d: TTFT %.2f ms for %d new tokens; its whole %d-token prompt from scratch: %.2f ms)",
                      reused_all && tl < full ? "OK, later turns prefill only their new suffix" : "FAILED, a later turn cost as much as a full re-prefill",
                      turns, tl, fresh[turns - 1], n_last, full);
    }
    free(last);
    for (int r = 0; r < R && runs; r++) bench_gen_free(&runs[r]);
    free(runs);
    json_decref(msgs);
    ffai_session_free(s);
    return st;
}
