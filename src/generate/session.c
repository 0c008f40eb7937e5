/* session.c — a context kept across conversation turns: prefix reuse, rollback
 * to the common prefix, suffix-only prefill. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ffai/session.h"

struct ffai_session {
    ffai_context *c;
    int32_t *ids; /* ids[0..n) = the tokens held in the cache; capacity n_ctx */
    int n, cap;
    /* the generation in flight: emitted tokens are recorded before the caller's callback */
    ffai_token_fn user_fn;
    void *user;
};

ffai_status ffai_session_create(ffai_model *m, int n_ctx, ffai_session **out, ffai_error *err) {
    *out = NULL;
    ffai_session *s = calloc(1, sizeof *s);
    if (!s) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    ffai_status st = ffai_context_create(m, n_ctx, &s->c, err);
    if (st) {
        free(s);
        return st;
    }
    s->cap = ffai_context_size(s->c);
    s->ids = malloc(sizeof *s->ids * (size_t)s->cap);
    if (!s->ids) {
        ffai_session_free(s);
        return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    *out = s;
    return FFAI_OK;
}

void ffai_session_free(ffai_session *s) {
    if (!s) return;
    ffai_context_free(s->c);
    free(s->ids);
    free(s);
}

const int32_t *ffai_session_tokens(const ffai_session *s, int *n) {
    if (n) *n = s->n;
    return s->ids;
}

void ffai_session_reset(ffai_session *s) {
    ffai_context_rewind(s->c, 0, NULL);
    s->n = 0;
}

ffai_context *ffai_session_context(ffai_session *s) { return s->c; }

/* Length of the common prefix of the cache and ids, capped at `limit`; rewinds the cache to it. */
static int keep_prefix(ffai_session *s, const int32_t *ids, int n, int limit) {
    int k = 0, max = n < s->n ? n : s->n;
    while (k < max && s->ids[k] == ids[k]) k++;
    if (k > limit) k = limit;
    ffai_context_rewind(s->c, k, NULL);
    s->n = k;
    return k;
}

static ffai_status check_fits(const ffai_session *s, int n, int extra, ffai_error *err) {
    if (n <= 0) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "session: empty token sequence");
    if ((long long)n + extra > s->cap)
        return ffai_fail(err, FFAI_ERR_RANGE, "session: %d tokens%s exceed the context size %d", n, extra ? " + the tokens to generate" : "", s->cap);
    return FFAI_OK;
}

ffai_status ffai_session_sync(ffai_session *s, const int32_t *ids, int n, float *logits, int *reused, ffai_error *err) {
    if (reused) *reused = 0;
    ffai_status st = check_fits(s, n, 0, err);
    if (st) return st;
    int k = keep_prefix(s, ids, n, logits ? n - 1 : n);
    if (reused) *reused = k;
    if (k == n) return FFAI_OK;
    memcpy(s->ids + k, ids + k, sizeof *ids * (size_t)(n - k));
    st = ffai_context_eval(s->c, ids + k, n - k, logits ? FFAI_LOGITS_LAST : FFAI_LOGITS_NONE, logits, err);
    int pos = ffai_context_pos(s->c);
    s->n = pos < n ? pos : n;
    return st;
}

static int record_token(void *user, int32_t tok, const float *logits) {
    ffai_session *s = user;
    if (s->n < s->cap) s->ids[s->n++] = tok;
    return s->user_fn ? s->user_fn(s->user, tok, logits) : 0;
}

ffai_status ffai_session_generate(ffai_session *s, const int32_t *prompt_ids, int n, const ffai_gen_params *p, ffai_token_fn on_token,
                                  void *user, int32_t *out_ids, ffai_gen_stats *stats, int *reused, ffai_error *err) {
    if (reused) *reused = 0;
    int max = p->max_tokens > 0 ? p->max_tokens : 0;
    ffai_status st = check_fits(s, n, max > 0 ? max - 1 : 0, err);
    if (st) return st;
    /* the prompt's last token is always evaluated: its logits pick the first token */
    int k = keep_prefix(s, prompt_ids, n, n - 1);
    if (reused) *reused = k;
    memcpy(s->ids + k, prompt_ids + k, sizeof *prompt_ids * (size_t)(n - k));
    s->n = n;
    s->user_fn = on_token;
    s->user = user;
    st = ffai_generate(s->c, prompt_ids + k, n - k, p, record_token, s, out_ids, stats, err);
    s->user_fn = NULL;
    s->user = NULL;
    /* the cache holds what was evaluated: the prompt and every emitted token but (usually) the last */
    int pos = ffai_context_pos(s->c);
    s->n = pos < s->n ? pos : s->n;
    return st;
}
