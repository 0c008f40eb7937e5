/* sampler.c — logits -> token: repetition penalty, temperature, top-k, top-p,
 * min-p, then a draw from a seeded generator (greedy at temperature 0). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernels/kernels.h"
#include "ffai/generate.h"

struct ffai_sampler {
    ffai_gen_params p;
    int vocab;
    int *idx;     /* (vocab,) candidate ids */
    float *prob;  /* (vocab,) */
    uint64_t rng;
};

void ffai_gen_params_default(ffai_gen_params *p) {
    memset(p, 0, sizeof *p);
    p->max_tokens = 64;
    p->top_p = 1.0f;
    p->repeat_penalty = 1.0f;
    p->repeat_last_n = 64;
}

static uint64_t rng_next(uint64_t *s) { /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *s) { return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0); }

ffai_status ffai_sampler_create(const ffai_gen_params *p, int vocab, ffai_sampler **out, ffai_error *err) {
    *out = NULL;
    if (vocab <= 0) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "vocabulary size must be positive");
    if (p->temperature < 0 || p->top_p <= 0 || p->top_p > 1 || p->min_p < 0 || p->min_p > 1 || p->top_k < 0 || p->repeat_penalty <= 0)
        return ffai_fail(err, FFAI_ERR_INVALID_ARG,
                         "sampling parameters out of range (temperature >= 0, 0 < top-p <= 1, 0 <= min-p <= 1, top-k >= 0, repeat-penalty > 0)");
    ffai_sampler *s = calloc(1, sizeof *s);
    if (!s) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    s->p = *p;
    s->vocab = vocab;
    s->idx = malloc((size_t)vocab * sizeof *s->idx);
    s->prob = malloc((size_t)vocab * sizeof *s->prob);
    if (!s->idx || !s->prob) {
        ffai_sampler_free(s);
        return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    s->rng = p->seed ^ 0x5eedf00dull;
    *out = s;
    return FFAI_OK;
}

void ffai_sampler_free(ffai_sampler *s) {
    if (!s) return;
    free(s->idx);
    free(s->prob);
    free(s);
}

static const float *g_sort_logits;
static int cmp_desc(const void *a, const void *b) {
    float x = g_sort_logits[*(const int *)a], y = g_sort_logits[*(const int *)b];
    if (x != y) return x < y ? 1 : -1;
    return *(const int *)a - *(const int *)b;
}

/* Moves the k largest logits to the front of idx (sorted descending). */
static void top_candidates(const float *logits, int *idx, int n, int k) {
    /* partial selection: keep a sorted buffer of size k */
    int filled = 0;
    for (int i = 0; i < n; i++) {
        float v = logits[i];
        if (filled == k && !(v > logits[idx[k - 1]])) continue;
        int j = filled < k ? filled++ : k - 1;
        while (j > 0 && logits[idx[j - 1]] < v) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
}

int32_t ffai_sampler_sample(ffai_sampler *s, float *logits, const int32_t *history, int n_history) {
    const ffai_gen_params *p = &s->p;
    int V = s->vocab;
    if (p->repeat_penalty != 1.0f && n_history > 0) {
        int from = p->repeat_last_n < 0 || p->repeat_last_n > n_history ? 0 : n_history - p->repeat_last_n;
        for (int i = from; i < n_history; i++) {
            int t = history[i];
            if (t < 0 || t >= V) continue;
            /* apply once per distinct token */
            int seen = 0;
            for (int j = from; j < i && !seen; j++) seen = history[j] == t;
            if (seen) continue;
            logits[t] = logits[t] > 0 ? logits[t] / p->repeat_penalty : logits[t] * p->repeat_penalty;
        }
    }
    if (p->temperature <= 0.0f) return k_argmax(NULL, logits, V); /* greedy: first index of the maximum */
    for (int i = 0; i < V; i++) logits[i] /= p->temperature;
    int n;
    if (p->top_k > 0 && p->top_k < V) {
        n = p->top_k;
        top_candidates(logits, s->idx, V, n);
    } else {
        n = V;
        for (int i = 0; i < V; i++) s->idx[i] = i;
        g_sort_logits = logits;
        if (p->top_p < 1.0f || p->min_p > 0.0f) qsort(s->idx, (size_t)V, sizeof *s->idx, cmp_desc);
    }
    float mx = -INFINITY;
    for (int i = 0; i < n; i++) mx = logits[s->idx[i]] > mx ? logits[s->idx[i]] : mx;
    double sum = 0;
    for (int i = 0; i < n; i++) {
        s->prob[i] = expf(logits[s->idx[i]] - mx);
        sum += s->prob[i];
    }
    for (int i = 0; i < n; i++) s->prob[i] = (float)(s->prob[i] / sum);
    if (p->top_p < 1.0f) {
        double cum = 0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            cum += s->prob[i];
            if (cum >= p->top_p) {
                keep = i + 1;
                break;
            }
        }
        n = keep;
    }
    if (p->min_p > 0.0f) {
        float thr = s->prob[0] * p->min_p;
        int keep = 1;
        while (keep < n && s->prob[keep] >= thr) keep++;
        n = keep;
    }
    double tot = 0;
    for (int i = 0; i < n; i++) tot += s->prob[i];
    double r = rng_uniform(&s->rng) * tot, acc = 0;
    for (int i = 0; i < n; i++) {
        acc += s->prob[i];
        if (r < acc) return s->idx[i];
    }
    return s->idx[n - 1];
}
