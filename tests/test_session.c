/* test_session.c — chat sessions: prefix reuse counts, rollback to a common
 * prefix, and logits/tokens after rollback equal those of a fresh context; decode at depth
 * with more threads than KV heads (the keys split across tasks, then merged) against the
 * same steps with the keys in one task per head (tolerance 1e-4 on the logits: attention
 * outputs in another summation order, the matmuls identical). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ffai.h"
#include "testutil.h"

static ffai_model *g_m;
static ffai_tokenizer *g_tok;
static int g_vocab;

static int encode(const char *text, int32_t *out, int cap) {
    int32_t *ids = NULL;
    size_t n = 0;
    if (ffai_tokenizer_encode(g_tok, text, strlen(text), false, &ids, &n, NULL) != FFAI_OK) return 0;
    int k = (int)n < cap ? (int)n : cap;
    memcpy(out, ids, sizeof *out * (size_t)k);
    free(ids);
    return k;
}

/* Logits of the last of ids[0..n) in a fresh context. */
static void fresh_logits(const int32_t *ids, int n, float *out) {
    ffai_context *c = NULL;
    ffai_error err;
    CHECK(ffai_context_create(g_m, 256, &c, &err) == FFAI_OK, "%s", err.msg);
    if (c) CHECK(ffai_context_eval(c, ids, n, FFAI_LOGITS_LAST, out, &err) == FFAI_OK, "%s", err.msg);
    ffai_context_free(c);
}

static double max_diff(const float *a, const float *b) {
    double d = 0;
    for (int i = 0; i < g_vocab; i++) d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

static void test_sync(void) {
    int32_t a[128], b[128], ext[160];
    int na = encode("The keeper trimmed the wicks, filled the oil reservoirs and polished the great lenses before dusk.", a, 128);
    int nb = encode("The keeper trimmed the wicks and then walked down to the harbour to talk with the fishermen.", b, 128);
    int nt = encode(" Through the night someone had to stay awake.", ext, 160);
    CHECK(na > 10 && nb > 10 && nt > 3, "encode: %d %d %d", na, nb, nt);
    int common = 0;
    while (common < na && common < nb && a[common] == b[common]) common++;
    CHECK(common > 2 && common < na, "test sequences share %d tokens", common);
    int32_t along[300];
    memcpy(along, a, sizeof *a * (size_t)na);
    memcpy(along + na, ext, sizeof *ext * (size_t)nt);

    ffai_session *s = NULL;
    ffai_error err;
    CHECK(ffai_session_create(g_m, 256, &s, &err) == FFAI_OK, "%s", err.msg);
    if (!s) return;
    float *got = malloc(sizeof(float) * (size_t)g_vocab), *want = malloc(sizeof(float) * (size_t)g_vocab);
    int reused = -1, n = 0;

    CHECK(ffai_session_sync(s, a, na, NULL, &reused, &err) == FFAI_OK, "%s", err.msg);
    CHECK(reused == 0, "first sync reused %d", reused);
    const int32_t *held = ffai_session_tokens(s, &n);
    CHECK(n == na && memcmp(held, a, sizeof *a * (size_t)na) == 0, "cache holds %d tokens, want %d", n, na);
    CHECK(ffai_context_pos(ffai_session_context(s)) == na, "context pos %d", ffai_context_pos(ffai_session_context(s)));

    CHECK(ffai_session_sync(s, along, na + nt, got, &reused, &err) == FFAI_OK, "%s", err.msg);
    CHECK(reused == na, "extension reused %d, want %d", reused, na);
    fresh_logits(along, na + nt, want);
    double d1 = max_diff(got, want);
    printf("extension: reused %d of %d, max |logit diff| vs fresh context %.3g (tolerance 1e-4)\n", reused, na + nt, d1);
    CHECK(d1 <= 1e-4, "extension logits differ by %g", d1);

    CHECK(ffai_session_sync(s, b, nb, got, &reused, &err) == FFAI_OK, "%s", err.msg);
    CHECK(reused == common, "diverging sync reused %d, want the common prefix %d", reused, common);
    held = ffai_session_tokens(s, &n);
    CHECK(n == nb && memcmp(held, b, sizeof *b * (size_t)nb) == 0, "after rollback the cache holds %d tokens, want %d", n, nb);
    fresh_logits(b, nb, want);
    double d2 = max_diff(got, want);
    printf("rollback: reused %d of %d, max |logit diff| vs fresh context %.3g (tolerance 1e-4)\n", reused, nb, d2);
    CHECK(d2 <= 1e-4, "rollback logits differ by %g", d2);

    /* a shorter prefix of what is cached: pure rollback, no prefill */
    CHECK(ffai_session_sync(s, b, common, NULL, &reused, &err) == FFAI_OK, "%s", err.msg);
    CHECK(reused == common && ffai_context_pos(ffai_session_context(s)) == common, "truncate: reused %d pos %d", reused,
          ffai_context_pos(ffai_session_context(s)));
    /* all cached + logits wanted: the last token is evaluated again */
    CHECK(ffai_session_sync(s, b, common, got, &reused, &err) == FFAI_OK, "%s", err.msg);
    CHECK(reused == common - 1, "fully cached with logits reused %d, want %d", reused, common - 1);
    fresh_logits(b, common, want);
    double d3 = max_diff(got, want);
    printf("re-evaluated last token: max |logit diff| %.3g (tolerance 1e-4)\n", d3);
    CHECK(d3 <= 1e-4, "re-evaluated logits differ by %g", d3);

    /* bad input */
    int32_t big[300] = {0};
    CHECK(ffai_session_sync(s, big, 257, NULL, &reused, &err) == FFAI_ERR_RANGE, "oversized sequence accepted");
    CHECK(ffai_session_sync(s, big, 0, NULL, &reused, &err) == FFAI_ERR_INVALID_ARG, "empty sequence accepted");
    int32_t bad[2] = {1, 1 << 30};
    CHECK(ffai_session_sync(s, bad, 2, NULL, &reused, &err) == FFAI_ERR_RANGE, "out-of-vocabulary id accepted");
    free(got);
    free(want);
    ffai_session_free(s);
}

/* Two turns through the session: the second reuses the whole first exchange and
 * generates what a fresh context generates for the full sequence. */
static void test_generate(void) {
    int32_t p1[128], p2[512];
    int n1 = encode("<|im_start|>user\nHi! What's a fun fact about octopuses?<|im_end|>\n<|im_start|>assistant\n", p1, 128);
    ffai_session *s = NULL;
    ffai_error err;
    CHECK(ffai_session_create(g_m, 512, &s, &err) == FFAI_OK, "%s", err.msg);
    if (!s) return;
    ffai_model_info info;
    ffai_model_get_info(g_m, &info);
    ffai_gen_params p;
    ffai_gen_params_default(&p);
    p.max_tokens = 12;
    p.stop_ids = info.eos_ids;
    p.n_stop = info.n_eos;
    int32_t out[64], ref[64];
    ffai_gen_stats st;
    int reused = -1, n = 0;
    CHECK(ffai_session_generate(s, p1, n1, &p, NULL, NULL, out, &st, &reused, &err) == FFAI_OK, "%s", err.msg);
    CHECK(reused == 0 && st.prompt_tokens == n1, "turn 1: reused %d, prefilled %d of %d", reused, st.prompt_tokens, n1);
    int g = st.generated;
    const int32_t *held = ffai_session_tokens(s, &n);
    int want_n = n1 + (st.hit_stop ? g : g - 1);
    CHECK(n == want_n && memcmp(held, p1, sizeof *p1 * (size_t)n1) == 0 && memcmp(held + n1, out, sizeof *out * (size_t)(n - n1)) == 0,
          "cache holds %d tokens, want prompt + evaluated output = %d", n, want_n);
    /* turn 2: the prompt, the reply, a new user turn */
    memcpy(p2, p1, sizeof *p1 * (size_t)n1);
    memcpy(p2 + n1, out, sizeof *out * (size_t)g);
    int n2 = n1 + g;
    n2 += encode("<|im_end|>\n<|im_start|>user\nCool. Now tell me one about elephants.<|im_end|>\n<|im_start|>assistant\n", p2 + n2, 512 - n2);
    CHECK(ffai_session_generate(s, p2, n2, &p, NULL, NULL, out, &st, &reused, &err) == FFAI_OK, "%s", err.msg);
    CHECK(reused == want_n && st.prompt_tokens == n2 - want_n, "turn 2: reused %d (want %d), prefilled %d of %d", reused, want_n, st.prompt_tokens,
          n2);
    printf("turn 2: reused %d, prefilled %d, generated %d\n", reused, st.prompt_tokens, st.generated);
    ffai_context *c = NULL;
    CHECK(ffai_context_create(g_m, 512, &c, &err) == FFAI_OK, "%s", err.msg);
    ffai_gen_stats rs;
    if (c) CHECK(ffai_generate(c, p2, n2, &p, NULL, NULL, ref, &rs, &err) == FFAI_OK, "%s", err.msg);
    int mism = rs.generated != st.generated;
    for (int i = 0; i < rs.generated && i < st.generated; i++) mism += ref[i] != out[i];
    printf("turn 2 vs fresh context: %d of %d generated tokens differ (tolerance 0)\n", mism, rs.generated);
    CHECK(mism == 0, "session output differs from a fresh context");
    ffai_context_free(c);
    /* the same prompt again: only its last token is re-evaluated */
    CHECK(ffai_session_generate(s, p2, n2, &p, NULL, NULL, out, &st, &reused, &err) == FFAI_OK, "%s", err.msg);
    CHECK(reused == n2 - 1 && st.prompt_tokens == 1, "repeat: reused %d prefilled %d", reused, st.prompt_tokens);
    /* too long for the context */
    p.max_tokens = 500;
    CHECK(ffai_session_generate(s, p2, n2, &p, NULL, NULL, NULL, NULL, &reused, &err) == FFAI_ERR_RANGE, "overflow accepted");
    ffai_session_free(s);
}

/* 530 prompt tokens, then 12 decode steps (positions 530..541: three key tiles) on a model with
 * 6 threads (2 KV heads: 3 splits) and on one with 2 (no more threads than KV heads: no split). */
static void test_split_attention(const char *dir) {
    ffai_model_options o6 = {.n_threads = 6}, o2 = {.n_threads = 2};
    ffai_model *m6 = NULL, *m2 = NULL;
    ffai_error err;
    CHECK(ffai_model_load(dir, &o6, &m6, &err) == FFAI_OK && ffai_model_load(dir, &o2, &m2, &err) == FFAI_OK, "%s", err.msg);
    ffai_context *a = NULL, *b = NULL;
    CHECK(m6 && m2 && ffai_context_create(m6, 600, &a, &err) == FFAI_OK && ffai_context_create(m2, 600, &b, &err) == FFAI_OK, "%s", err.msg);
    if (a && b) {
        int32_t ids[530];
        for (int i = 0; i < 530; i++) ids[i] = (int32_t)((i * 7919 + 13) % g_vocab);
        float *la = malloc(sizeof(float) * (size_t)g_vocab), *lb = malloc(sizeof(float) * (size_t)g_vocab);
        CHECK(ffai_context_eval(a, ids, 530, FFAI_LOGITS_LAST, la, &err) == FFAI_OK && ffai_context_eval(b, ids, 530, FFAI_LOGITS_LAST, lb, &err) == FFAI_OK,
              "%s", err.msg);
        double worst = 0;
        for (int step = 0; step < 12; step++) {
            int32_t t = (int32_t)((step * 104729 + 5) % g_vocab);
            CHECK(ffai_context_eval(a, &t, 1, FFAI_LOGITS_LAST, la, &err) == FFAI_OK && ffai_context_eval(b, &t, 1, FFAI_LOGITS_LAST, lb, &err) == FFAI_OK,
                  "%s", err.msg);
            worst = fmax(worst, max_diff(la, lb));
        }
        printf("decode at positions 530..541, keys split over 6 threads vs one task per head: max |dlogit| = %.3g (tolerance 1e-4)\n", worst);
        CHECK(worst < 1e-4, "split attention: max |dlogit| %g", worst);
        free(la), free(lb);
    }
    ffai_context_free(a);
    ffai_context_free(b);
    ffai_model_free(m6);
    ffai_model_free(m2);
}

int main(void) {
    ffai_error err;
    const char *dir = tu_path("%s/models/ffai-tiny-qwen3", tu_source_dir());
    CHECK(ffai_model_load(dir, NULL, &g_m, &err) == FFAI_OK, "%s", err.msg);
    CHECK(g_m && ffai_tokenizer_load(dir, &g_tok, &err) == FFAI_OK, "%s", err.msg);
    if (g_m && g_tok) {
        ffai_model_info info;
        ffai_model_get_info(g_m, &info);
        g_vocab = info.vocab_size;
        test_sync();
        test_generate();
        test_split_attention(dir);
    }
    ffai_session_free(NULL);
    ffai_tokenizer_free(g_tok);
    ffai_model_free(g_m);
    return tu_finish("session");
}
