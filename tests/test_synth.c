/* test_synth.c — `synth`: synthesized models load in the engine and run a
 * forward pass without NaN/inf in bf16, f16, f32 and quantized forms (every
 * test-only preset: qwen3, llama, qwen2, gemma3 layouts); a quantized synth
 * equals `quantize` of the unquantized one byte for byte; weights have the
 * requested distribution (mean 0, std 0.02 within 3 %); the real presets'
 * config.json carry the published hyper-parameters (checked against the
 * values in the models' HF config.json, copied below) and parse with the
 * engine's config reader. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ffai/model.h"
#include "ffai/quantize.h"
#include "io/safetensors.h"
#include "kernels/wmat.h"
#include "model/config.h"
#include "testutil.h"

static const char *synth(const char *like, const char *dtype, int bits, int group, uint64_t seed) {
    const char *out = tu_path("%s/m", tu_tmpdir());
    ffai_synth_options o = {.like = like, .dtype = dtype, .bits = bits, .group_size = group, .seed = seed};
    ffai_error err;
    ffai_status st = ffai_model_synth(out, &o, &err);
    CHECK(st == FFAI_OK, "synth %s %s %d/%d: %s", like, dtype, bits, group, err.msg);
    return st ? NULL : out;
}

/* Loads dir, evaluates 24 tokens, checks every logit is finite; returns the quant label check. */
static void forward_ok(const char *dir, const char *what, const char *want_label) {
    ffai_model *m = NULL;
    ffai_error err;
    if (!dir) return;
    CHECK(ffai_model_load(dir, NULL, &m, &err) == FFAI_OK, "%s: %s", what, err.msg);
    if (!m) return;
    ffai_model_info info;
    ffai_model_get_info(m, &info);
    enum { N = 24 };
    int32_t ids[N];
    for (int i = 0; i < N; i++) ids[i] = (int32_t)((i * 37 + 5) % info.vocab_size);
    float *lg = malloc(sizeof *lg * (size_t)N * info.vocab_size);
    ffai_context *c = NULL;
    CHECK(ffai_context_create(m, N, &c, &err) == FFAI_OK, "%s: %s", what, err.msg);
    int bad = 0;
    double maxabs = 0;
    if (c && ffai_context_eval(c, ids, N, FFAI_LOGITS_ALL, lg, &err) == FFAI_OK) {
        for (size_t i = 0; i < (size_t)N * info.vocab_size; i++) {
            if (!isfinite(lg[i])) bad++;
            else if (fabs(lg[i]) > maxabs) maxabs = fabs(lg[i]);
        }
    } else
        bad = -1;
    const char *label = ffai_model_quant_label(m);
    printf("  %-34s loads as %-8s %d tokens: %s (max |logit| %.3g)\n", what, label, N, bad ? "BAD" : "finite", maxabs);
    CHECK(bad == 0, "%s: %d non-finite logits (%s)", what, bad, err.msg);
    CHECK(strcmp(label, want_label) == 0, "%s: label %s, want %s", what, label, want_label);
    ffai_context_free(c);
    ffai_model_free(m);
    free(lg);
}

static void same_tensors(const char *a_dir, const char *b_dir, const char *what) {
    st_set a, b;
    ffai_error err;
    if (st_open_dir(a_dir, &a, &err)) {
        CHECK(0, "%s", err.msg);
        return;
    }
    if (st_open_dir(b_dir, &b, &err)) {
        CHECK(0, "%s", err.msg);
        st_set_free(&a);
        return;
    }
    size_t diff = 0;
    int missing = 0;
    for (int i = 0; i < b.n; i++) {
        const st_tensor *x = st_find(&a, b.tensors[i].name);
        if (!x || x->nbytes != b.tensors[i].nbytes || x->dtype != b.tensors[i].dtype) {
            missing++;
            continue;
        }
        for (size_t k = 0; k < x->nbytes; k++) diff += ((const uint8_t *)x->data)[k] != ((const uint8_t *)b.tensors[i].data)[k];
    }
    printf("  %s: %d tensors, %d missing/mismatched, %zu differing bytes\n", what, b.n, missing, diff);
    CHECK(a.n == b.n && missing == 0 && diff == 0, "%s: %d vs %d tensors, %d missing, %zu bytes differ", what, a.n, b.n, missing, diff);
    st_set_free(&a);
    st_set_free(&b);
}

static void distribution(const char *dir) {
    st_set s;
    ffai_error err;
    if (!dir || st_open_dir(dir, &s, &err)) return;
    const st_tensor *t = st_find(&s, "model.embed_tokens.weight"), *n = st_find(&s, "model.norm.weight");
    double sum = 0, sq = 0;
    size_t cnt = t ? t->nbytes / 2 : 0;
    for (size_t i = 0; i < cnt; i++) {
        double v = bf16_to_f32(((const uint16_t *)t->data)[i]);
        sum += v;
        sq += v * v;
    }
    double mean = cnt ? sum / cnt : 1, sd = cnt ? sqrt(sq / cnt - mean * mean) : 0;
    printf("  embed_tokens: %zu values, mean %.2e, std %.5f (want 0, 0.02)\n", cnt, mean, sd);
    CHECK(fabs(mean) < 1e-3 && fabs(sd - 0.02) < 0.0006, "mean %g std %g", mean, sd);
    CHECK(n && bf16_to_f32(((const uint16_t *)n->data)[0]) == 1.0f, "norm weights must be 1");
    st_set_free(&s);
}

typedef struct {
    const char *preset, *model_type;
    int hidden, inter, layers, heads, kv, head_dim, vocab, max_pos;
    double theta, eps;
    bool tie;
    rope_kind rope;
    double rope_factor;
    int n_sliding; /* layers using the sliding window */
} published;

/* From the models' HF config.json (meta-llama/Llama-3.2-1B-Instruct, -3B-Instruct,
 * Llama-3.1-8B-Instruct, Qwen/Qwen3-0.6B, -1.7B, -4B, Qwen/Qwen2.5-0.5B, google/gemma-3-1b-it). */
static const published PUBLISHED[] = {
    {"llama-3.2-1b", "llama", 2048, 8192, 16, 32, 8, 64, 128256, 131072, 500000, 1e-5, true, ROPE_LLAMA3, 32, 0},
    {"llama-3.2-3b", "llama", 3072, 8192, 28, 24, 8, 128, 128256, 131072, 500000, 1e-5, true, ROPE_LLAMA3, 32, 0},
    {"llama-3.1-8b", "llama", 4096, 14336, 32, 32, 8, 128, 128256, 131072, 500000, 1e-5, false, ROPE_LLAMA3, 8, 0},
    {"qwen3-0.6b", "qwen3", 1024, 3072, 28, 16, 8, 128, 151936, 40960, 1e6, 1e-6, true, ROPE_DEFAULT, 1, 0},
    {"qwen3-1.7b", "qwen3", 2048, 6144, 28, 16, 8, 128, 151936, 40960, 1e6, 1e-6, true, ROPE_DEFAULT, 1, 0},
    {"qwen3-4b", "qwen3", 2560, 9728, 36, 32, 8, 128, 151936, 40960, 1e6, 1e-6, true, ROPE_DEFAULT, 1, 0},
    {"qwen2.5-0.5b", "qwen2", 896, 4864, 24, 14, 2, 64, 151936, 32768, 1e6, 1e-6, true, ROPE_DEFAULT, 1, 0},
    {"gemma-3-1b", "gemma3_text", 1152, 6912, 26, 4, 1, 256, 262144, 32768, 1e6, 1e-6, true, ROPE_DEFAULT, 1, 22},
};

static void check_config(const published *p) {
    const char *dir = tu_path("%s/c", tu_tmpdir());
    ffai_synth_options o = {.like = p->preset, .config_only = true};
    ffai_error err;
    CHECK(ffai_model_synth(dir, &o, &err) == FFAI_OK, "%s: %s", p->preset, err.msg);
    model_config c;
    if (cfg_load(dir, &c, &err) != FFAI_OK) {
        CHECK(0, "%s: %s", p->preset, err.msg);
        return;
    }
    int sliding = 0;
    for (int i = 0; i < c.n_layers; i++) sliding += c.layer_sliding[i];
    int ok = strcmp(c.model_type, p->model_type) == 0 && c.hidden_size == p->hidden && c.intermediate_size == p->inter &&
             c.n_layers == p->layers && c.n_heads == p->heads && c.n_kv_heads == p->kv && c.head_dim == p->head_dim &&
             c.vocab_size == p->vocab && c.max_pos == p->max_pos && c.rope.theta == p->theta && c.rms_eps == p->eps &&
             c.tie_embeddings == p->tie && c.rope.kind == p->rope && c.rope.factor == p->rope_factor && sliding == p->n_sliding &&
             strcmp(c.torch_dtype, "bfloat16") == 0 && c.n_eos >= 1;
    FILE *w = fopen(tu_path("%s/model.safetensors", dir), "rb");
    CHECK(!w, "%s: --config-only wrote weights", p->preset);
    if (w) fclose(w);
    printf("  %-14s config.json: %s %dx%d, %d layers, %d/%d heads x %d, vocab %d, ctx %d, %d sliding: %s\n", p->preset, c.model_type,
           c.hidden_size, c.intermediate_size, c.n_layers, c.n_heads, c.n_kv_heads, c.head_dim, c.vocab_size, c.max_pos, sliding,
           ok ? "as published" : "MISMATCH");
    CHECK(ok, "%s: config differs from the published values", p->preset);
    cfg_free(&c);
}

int main(void) {
    tu_scratch_begin();
    /* every test-only preset in every storage form */
    bool test_only;
    const char *name;
    for (int i = 0; (name = ffai_synth_preset_name(i, &test_only)); i++) {
        if (!test_only) continue;
        char what[128];
        static const char *const DT[] = {"bf16", "f16", "f32"};
        for (int d = 0; d < 3; d++) {
            snprintf(what, sizeof what, "%s %s", name, DT[d]);
            forward_ok(synth(name, DT[d], 0, 0, 1), what, DT[d]);
        }
        snprintf(what, sizeof what, "%s 4-bit g64", name);
        forward_ok(synth(name, "bf16", 4, 64, 1), what, "4bit");
    }
    /* every bits x group on one preset */
    int bits[] = {2, 3, 4, 5, 6, 8}, groups[] = {32, 64, 128};
    for (int b = 0; b < 6; b++)
        for (int g = 0; g < 3; g++) {
            char what[64], label[32];
            snprintf(what, sizeof what, "tiny-test %d-bit g%d", bits[b], groups[g]);
            if (groups[g] == 64) snprintf(label, sizeof label, "%dbit", bits[b]);
            else snprintf(label, sizeof label, "%dbit-g%d", bits[b], groups[g]);
            forward_ok(synth("tiny-test", "bf16", bits[b], groups[g], 2), what, label);
        }

    /* synth --bits == quantize(synth) */
    char plain[512], direct[512], requant[512];
    snprintf(plain, sizeof plain, "%s", synth("tiny-test-gemma3", "bf16", 0, 0, 7));
    snprintf(direct, sizeof direct, "%s", synth("tiny-test-gemma3", "bf16", 3, 32, 7));
    snprintf(requant, sizeof requant, "%s/rq", tu_tmpdir());
    ffai_quantize_options qo = {.bits = 3, .group_size = 32};
    ffai_error err;
    CHECK(ffai_model_quantize(plain, requant, &qo, NULL, &err) == FFAI_OK, "%s", err.msg);
    same_tensors(direct, requant, "synth --bits 3 --group-size 32 vs quantize(synth)");
    size_t la = 0, lb = 0;
    char *ca = tu_read_file(tu_path("%s/config.json", direct), &la), *cb = tu_read_file(tu_path("%s/config.json", requant), &lb);
    CHECK(ca && cb && la == lb && memcmp(ca, cb, la) == 0, "quantized synth config.json differs from quantize's");
    free(ca);
    free(cb);

    /* determinism and distribution */
    char s1[512];
    snprintf(s1, sizeof s1, "%s", synth("tiny-test", "bf16", 0, 0, 42));
    same_tensors(synth("tiny-test", "bf16", 0, 0, 42), s1, "same seed twice");
    distribution(s1);
    {
        st_set a, b;
        const char *other = synth("tiny-test", "bf16", 0, 0, 43);
        if (other && st_open_dir(other, &a, &err) == FFAI_OK) {
            if (st_open_dir(s1, &b, &err) == FFAI_OK) {
                const st_tensor *x = st_find(&a, "lm_head.weight"), *y = st_find(&b, "lm_head.weight");
                CHECK(x && y && memcmp(x->data, y->data, x->nbytes) != 0, "seeds 42 and 43 give the same weights");
                st_set_free(&b);
            }
            st_set_free(&a);
        }
    }

    /* published hyper-parameters of the real presets */
    for (size_t i = 0; i < sizeof PUBLISHED / sizeof PUBLISHED[0]; i++) check_config(&PUBLISHED[i]);

    /* tokenizer files copied verbatim */
    const char *td = tu_path("%s/t", tu_tmpdir());
    ffai_synth_options to = {.like = "tiny-test", .tokenizer_dir = tu_path("%s/tokenizers/qwen3", tu_shared()), .config_only = true};
    CHECK(ffai_model_synth(td, &to, &err) == FFAI_OK, "%s", err.msg);
    ca = tu_read_file(tu_path("%s/tokenizer.json", td), &la);
    cb = tu_read_file(tu_path("%s/tokenizers/qwen3/tokenizer.json", tu_shared()), &lb);
    CHECK(ca && cb && la == lb && memcmp(ca, cb, la) == 0, "tokenizer.json not copied verbatim");
    free(ca);
    free(cb);

    /* errors */
    ffai_synth_options bad = {.like = "llama-9"};
    ffai_status st = ffai_model_synth(tu_path("%s/x", tu_tmpdir()), &bad, &err);
    printf("  unknown preset: %s\n", err.msg);
    CHECK(st == FFAI_ERR_INVALID_ARG && strstr(err.msg, "llama-3.2-1b") && strstr(err.msg, "gemma-3-1b"), "%s", err.msg);
    ffai_synth_options badt = {.like = "tiny-test", .tokenizer_dir = "/nonexistent-dir"};
    st = ffai_model_synth(tu_path("%s/x", tu_tmpdir()), &badt, &err);
    CHECK(st == FFAI_ERR_NOT_FOUND && strstr(err.msg, "/nonexistent-dir/tokenizer.json"), "%s", err.msg);
    tu_scratch_end();
    return tu_finish("test_synth");
}
