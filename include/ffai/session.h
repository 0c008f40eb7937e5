/* ffai/session.h — a conversation session: one context whose KV cache is kept
 * across turns; each new prompt reuses the longest common prefix with what is
 * cached, rolls the rest back and prefills only the new suffix. */
#ifndef FFAI_SESSION_H
#define FFAI_SESSION_H

#include <stdint.h>

#include "ffai/generate.h"
#include "ffai/model.h"
#include "ffai/status.h"

typedef struct ffai_session ffai_session;

/* A session over a fresh context of n_ctx positions (0 = min(max positions, 4096)).
 * The session borrows m, which must outlive it. *out is owned by the caller:
 * ffai_session_free. */
ffai_status ffai_session_create(ffai_model *m, int n_ctx, ffai_session **out, ffai_error *err);
void ffai_session_free(ffai_session *s);

/* Makes the cache hold exactly ids[0..n): keeps the longest common prefix with
 * what is cached, rewinds the rest and prefills only the new suffix (nothing is
 * generated). *reused (optional) receives the number of cached tokens kept.
 * logits (optional, vocab floats) receives the next-token logits after ids[n-1];
 * asking for them when everything is cached re-evaluates the last token (so
 * *reused is then at most n-1). On failure the cache holds a prefix of ids. */
ffai_status ffai_session_sync(ffai_session *s, const int32_t *ids, int n, float *logits, int *reused, ffai_error *err);

/* Syncs to prompt_ids (prefix reuse + suffix prefill), then generates as
 * ffai_generate does. stats->prompt_tokens counts only the suffix prefilled; the
 * emitted tokens that were evaluated become part of the cached sequence (the
 * last one is evaluated by the next call if it is still wanted). At least one
 * prompt token is always re-evaluated, so *reused <= n-1. */
ffai_status ffai_session_generate(ffai_session *s, const int32_t *prompt_ids, int n, const ffai_gen_params *p, ffai_token_fn on_token,
                                  void *user, int32_t *out_ids, ffai_gen_stats *stats, int *reused, ffai_error *err);

/* The token sequence held in the cache (owned by the session; valid until the next call). */
const int32_t *ffai_session_tokens(const ffai_session *s, int *n);

/* Empties the cache (the next sync prefills everything). */
void ffai_session_reset(ffai_session *s);

/* The session's context (for memory and timing queries; do not eval or rewind it directly). */
ffai_context *ffai_session_context(ffai_session *s);

#endif
