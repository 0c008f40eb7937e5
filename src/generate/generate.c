/* generate.c — the generation loop: prefill, then sample/eval one token at a
 * time until max_tokens or a stop id, timing prefill and decode. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/error.h"
#include "ffai/generate.h"

ffai_status ffai_generate(ffai_context *c, const int32_t *prompt, int n_prompt, const ffai_gen_params *p, ffai_token_fn on_token, void *user,
                          int32_t *out_ids, ffai_gen_stats *stats, ffai_error *err) {
    ffai_model_info info;
    ffai_model_get_info(ffai_context_model(c), &info);
    int V = info.vocab_size;
    double *times = stats ? stats->token_times : NULL;
    if (stats) {
        memset(stats, 0, sizeof *stats);
        stats->token_times = times;
    }
    if (n_prompt <= 0) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "empty prompt");
    if (ffai_context_pos(c) + n_prompt + (p->max_tokens > 0 ? p->max_tokens - 1 : 0) > ffai_context_size(c))
        return ffai_fail(err, FFAI_ERR_RANGE, "prompt (%d tokens) + %d new tokens exceed the context (%d, %d already used)", n_prompt, p->max_tokens,
                         ffai_context_size(c), ffai_context_pos(c));
    float *logits = malloc((size_t)V * sizeof *logits), *work = malloc((size_t)V * sizeof *work);
    int hist_cap = n_prompt + (p->max_tokens > 0 ? p->max_tokens : 0);
    int32_t *hist = malloc((size_t)hist_cap * sizeof *hist);
    ffai_sampler *smp = NULL;
    ffai_status st = FFAI_OK;
    if (!logits || !work || !hist) {
        st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((st = ffai_sampler_create(p, V, &smp, err))) goto out;
    memcpy(hist, prompt, (size_t)n_prompt * sizeof *hist);
    int nh = n_prompt, gen = 0;
    /* time spent in on_token (metrics, printing) is excluded from the clock */
    double t0 = clock_now(), t_first = 0, t_last = 0, samp = 0, excl = 0;
    if ((st = ffai_context_eval(c, prompt, n_prompt, FFAI_LOGITS_LAST, logits, err))) goto out;
    while (gen < p->max_tokens) {
        double ts = clock_now() - excl;
        int32_t tok;
        if (p->temperature <= 0.0f && p->repeat_penalty == 1.0f) tok = ffai_context_argmax(c, logits, V); /* greedy: the sampler's pick, on every thread */
        else {
            memcpy(work, logits, (size_t)V * sizeof *work);
            tok = ffai_sampler_sample(smp, work, hist, nh);
        }
        double now = clock_now() - excl;
        samp += now - ts;
        ffai_context_add_sampling_time(c, now - ts);
        if (gen == 0) t_first = now;
        int stop = 0;
        for (int i = 0; i < p->n_stop; i++) stop |= tok == p->stop_ids[i];
        if (stop) {
            if (stats) stats->hit_stop = true;
            break;
        }
        t_last = now;
        if (times) times[gen] = now - t0;
        if (out_ids) out_ids[gen] = tok;
        hist[nh++] = tok;
        gen++;
        if (on_token) {
            double cb0 = clock_now();
            int stop_now = on_token(user, tok, logits);
            excl += clock_now() - cb0;
            if (stop_now) break;
        }
        if (gen >= p->max_tokens) break;
        if ((st = ffai_context_eval(c, &tok, 1, FFAI_LOGITS_LAST, logits, err))) goto out;
    }
    if (stats) {
        stats->prompt_tokens = n_prompt;
        stats->generated = gen;
        stats->prefill_s = (gen > 0 || stats->hit_stop ? t_first : clock_now() - excl) - t0;
        stats->decode_s = gen > 1 ? t_last - t_first : 0.0;
        stats->sampling_s = samp;
    }
out:
    ffai_sampler_free(smp);
    free(logits);
    free(work);
    free(hist);
    return st;
}
