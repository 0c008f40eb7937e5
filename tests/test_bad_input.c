/* test_bad_input.c — the loader on broken checkpoints and the hub-cache
 * resolver. Each case builds a corrupt model dir in a temp dir (config from a
 * synthesized tiny-test model, small safetensors written by hand or with the
 * writer) and checks ffai_model_load returns the right status with a one-line
 * message naming the file and the tensor or field; no crash, no leak (ASan). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ffai/model.h"
#include "ffai/quantize.h"
#include "io/safetensors.h"
#include "io/safetensors_write.h"
#include "testutil.h"

static char base[512]; /* a valid tiny model */

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(data, 1, n, f);
    fclose(f);
}

static void copy(const char *src, const char *dst) {
    size_t n = 0;
    char *d = tu_read_file(src, &n);
    if (d) write_bytes(dst, d, n);
    free(d);
}

/* A fresh dir with base's config.json (and generation config). */
static const char *new_dir(void) {
    const char *d = tu_tmpdir();
    copy(tu_path("%s/config.json", base), tu_path("%s/config.json", d));
    copy(tu_path("%s/generation_config.json", base), tu_path("%s/generation_config.json", d));
    return d;
}

/* model.safetensors = 8-byte length (hlen, or the header's own length when
 * hlen is UINT64_MAX) + header + data_len filler bytes. */
static void write_st(const char *dir, const char *name, const char *header, uint64_t hlen, size_t data_len) {
    size_t hl = strlen(header), n = 8 + hl + data_len;
    unsigned char *b = calloc(1, n);
    uint64_t L = hlen == UINT64_MAX ? hl : hlen;
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(L >> (8 * i));
    memcpy(b + 8, header, hl);
    write_bytes(tu_path("%s/%s", dir, name), b, n);
    free(b);
}

/* Loads dir and checks the status and that the message holds every needle. */
static void expect(const char *what, const char *dir, ffai_status want, const char *n1, const char *n2, const char *n3) {
    ffai_model *m = (ffai_model *)1;
    ffai_error err;
    ffai_error_clear(&err);
    ffai_status st = ffai_model_load(dir, NULL, &m, &err);
    int ok = st == want && m == NULL && (!n1 || strstr(err.msg, n1)) && (!n2 || strstr(err.msg, n2)) && (!n3 || strstr(err.msg, n3)) &&
             !strchr(err.msg, '\n');
    printf("  %-28s -> %-16s %s\n", what, ffai_status_str(st), err.msg);
    CHECK(ok, "%s: status %d (want %d), message '%s' (want '%s', '%s', '%s')", what, st, want, err.msg, n1 ? n1 : "", n2 ? n2 : "",
          n3 ? n3 : "");
    if (st == FFAI_OK && m != (ffai_model *)1) ffai_model_free(m);
}

/* Rewrites base's weights into dir: `drop` left out, `shrink` given half its rows. */
static void rewrite(const char *dir, const char *drop, const char *shrink) {
    st_set s;
    ffai_error err;
    if (st_open_dir(base, &s, &err)) {
        CHECK(0, "%s", err.msg);
        return;
    }
    st_wspec *specs = calloc((size_t)s.n, sizeof *specs);
    const st_tensor **src = calloc((size_t)s.n, sizeof *src);
    int n = 0;
    for (int i = 0; i < s.n; i++) {
        const st_tensor *t = &s.tensors[i];
        if (drop && strcmp(t->name, drop) == 0) continue;
        specs[n] = (st_wspec){.name = t->name, .dtype = t->dtype, .ndim = t->ndim, .tag = i};
        memcpy(specs[n].shape, t->shape, sizeof t->shape);
        if (shrink && strcmp(t->name, shrink) == 0) specs[n].shape[0] /= 2;
        n++;
    }
    st_writer *w = NULL;
    if (st_writer_open(tu_path("%s/model.safetensors", dir), specs, n, "pt", &w, &err) == FFAI_OK) {
        for (int i = 0; i < n; i++) st_writer_write(w, s.tensors[specs[i].tag].data, st_wspec_bytes(&specs[i]), &err);
        CHECK(st_writer_close(w, &err) == FFAI_OK, "%s", err.msg);
    } else
        CHECK(0, "%s", err.msg);
    free(specs);
    free(src);
    st_set_free(&s);
}

static void edit_config(const char *dir, const char *del_key, const char *set_key, const char *set_val) {
    json_t *c = json_load_file(tu_path("%s/config.json", dir), 0, NULL);
    if (!c) return;
    if (del_key) json_object_del(c, del_key);
    if (set_key) json_object_set_new(c, set_key, json_string(set_val));
    json_dump_file(c, tu_path("%s/config.json", dir), JSON_INDENT(2));
    json_decref(c);
}

static void safetensors_cases(void) {
    const char *d;
    char msg_file[600];

    d = new_dir();
    write_bytes(tu_path("%s/model.safetensors", d), "\x10\0\0\0\0", 5);
    expect("file < 8 bytes", d, FFAI_ERR_FORMAT, "model.safetensors", "truncated", NULL);

    /* truncated mid-data: the tensor with the last bytes runs past the end */
    d = new_dir();
    size_t n = 0;
    char *full = tu_read_file(tu_path("%s/model.safetensors", base), &n);
    st_set s;
    ffai_error err;
    const char *last = NULL;
    char last_name[256] = "";
    if (full && st_open_dir(base, &s, &err) == FFAI_OK) {
        const st_tensor *lt = &s.tensors[0];
        for (int i = 1; i < s.n; i++)
            if ((const char *)s.tensors[i].data > (const char *)lt->data) lt = &s.tensors[i];
        snprintf(last_name, sizeof last_name, "%s", lt->name);
        last = last_name;
        st_set_free(&s);
        write_bytes(tu_path("%s/model.safetensors", d), full, n - 100);
    }
    free(full);
    expect("truncated mid-data", d, FFAI_ERR_FORMAT, "model.safetensors", last, "past the end");

    d = new_dir();
    write_st(d, "model.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4096, 8);
    expect("header length past EOF", d, FFAI_ERR_FORMAT, "model.safetensors", "header length 4096", "past the end");

    d = new_dir();
    write_st(d, "model.safetensors",
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
             UINT64_MAX, 12);
    expect("overlapping offsets", d, FFAI_ERR_FORMAT, "model.safetensors", "tensor b overlaps tensor a", NULL);

    d = new_dir();
    write_st(d, "model.safetensors",
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,32]},\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},"
             "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}",
             UINT64_MAX, 32);
    expect("overlap behind empty tensor", d, FFAI_ERR_FORMAT, "model.safetensors", "tensor b overlaps tensor a", NULL);

    d = new_dir();
    write_st(d, "model.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", UINT64_MAX, 8);
    expect("offsets past EOF", d, FFAI_ERR_FORMAT, "model.safetensors", "tensor w", "past the end");

    d = new_dir();
    write_st(d, "model.safetensors", "{\"w\":{\"dtype\":\"F12\",\"shape\":[2],\"data_offsets\":[0,8]}}", UINT64_MAX, 8);
    expect("unknown dtype", d, FFAI_ERR_FORMAT, "model.safetensors", "tensor w", "unknown dtype 'F12'");

    d = new_dir();
    write_st(d, "model.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", UINT64_MAX, 8);
    expect("byte size != shape x dtype", d, FFAI_ERR_FORMAT, "tensor w", "8 bytes", "needs 12");

    d = new_dir();
    write_st(d, "model.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]", UINT64_MAX, 8);
    expect("header not JSON", d, FFAI_ERR_FORMAT, "model.safetensors", "not valid JSON", NULL);

    d = new_dir();
    rewrite(d, NULL, "model.layers.0.self_attn.q_proj.weight");
    snprintf(msg_file, sizeof msg_file, "%s/model.safetensors", d);
    expect("shape disagrees with config", d, FFAI_ERR_FORMAT, msg_file, "model.layers.0.self_attn.q_proj.weight", "config implies [128, 128]");

    d = new_dir();
    rewrite(d, "model.layers.1.mlp.down_proj.weight", NULL);
    expect("missing tensor", d, FFAI_ERR_NOT_FOUND, d, "missing tensor model.layers.1.mlp.down_proj.weight", NULL);

    d = new_dir();
    rewrite(d, "lm_head.weight", NULL);
    expect("missing untied lm_head", d, FFAI_ERR_NOT_FOUND, d, "lm_head.weight", "tie_word_embeddings");
}

static void config_cases(void) {
    const char *d = new_dir();
    copy(tu_path("%s/model.safetensors", base), tu_path("%s/model.safetensors", d));
    edit_config(d, "hidden_size", NULL, NULL);
    expect("config without hidden_size", d, FFAI_ERR_FORMAT, "config.json", "\"hidden_size\"", NULL);

    d = new_dir();
    write_bytes(tu_path("%s/config.json", d), "{\"model_type\": \"qwen3\",, }", 26);
    expect("config malformed JSON", d, FFAI_ERR_FORMAT, "config.json", "invalid JSON", "line 1");

    d = new_dir();
    copy(tu_path("%s/model.safetensors", base), tu_path("%s/model.safetensors", d));
    edit_config(d, NULL, "model_type", "mamba");
    expect("unsupported model_type", d, FFAI_ERR_UNSUPPORTED, "'mamba'", "supported: llama, mistral, qwen2, qwen3, gemma3_text", "config.json");

    d = new_dir();
    expect("no weights at all", d, FFAI_ERR_NOT_FOUND, d, "no model.safetensors", NULL);

    d = tu_tmpdir();
    expect("no config.json", d, FFAI_ERR_NOT_FOUND, "config.json", "not found", NULL);
}

static void shard_cases(void) {
    const char *d = new_dir();
    const char *idx = "{\"weight_map\": {\"model.embed_tokens.weight\": \"model-00001-of-00002.safetensors\","
                      " \"model.norm.weight\": \"model-00002-of-00002.safetensors\"}}";
    write_bytes(tu_path("%s/model.safetensors.index.json", d), idx, strlen(idx));
    write_st(d, "model-00001-of-00002.safetensors", "{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
             UINT64_MAX, 8);
    expect("index names a missing shard", d, FFAI_ERR_NOT_FOUND, "model.safetensors.index.json", "model-00002-of-00002.safetensors",
           "model.norm.weight");

    d = new_dir();
    idx = "{\"weight_map\": {\"model.embed_tokens.weight\": \"s1.safetensors\", \"model.norm.weight\": \"s1.safetensors\"}}";
    write_bytes(tu_path("%s/model.safetensors.index.json", d), idx, strlen(idx));
    write_st(d, "s1.safetensors", "{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", UINT64_MAX, 8);
    expect("index names a missing tensor", d, FFAI_ERR_FORMAT, "model.safetensors.index.json", "model.norm.weight", "missing from s1.safetensors");

    d = new_dir();
    idx = "{\"weight_map\": {\"x\": \"../escape.safetensors\"}}";
    write_bytes(tu_path("%s/model.safetensors.index.json", d), idx, strlen(idx));
    expect("index shard outside the dir", d, FFAI_ERR_FORMAT, "model.safetensors.index.json", "weight_map[\"x\"]", NULL);

    d = new_dir();
    write_bytes(tu_path("%s/model.safetensors.index.json", d), "{\"weight_map\": [", 16);
    expect("index malformed JSON", d, FFAI_ERR_FORMAT, "model.safetensors.index.json", "invalid JSON", NULL);
}

/* ---- hub cache ---- */

static void make_snapshot(const char *cache, const char *repo_dir, const char *rev) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", cache, repo_dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%s/refs", cache, repo_dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%s/snapshots", cache, repo_dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%s/snapshots/%s", cache, repo_dir, rev);
    mkdir(p, 0755);
    static const char *const F[] = {"config.json", "generation_config.json", "model.safetensors"};
    for (int i = 0; i < 3; i++) copy(tu_path("%s/%s", base, F[i]), tu_path("%s/%s", p, F[i]));
    char ref[128];
    snprintf(ref, sizeof ref, "%s\n", rev);
    write_bytes(tu_path("%s/%s/refs/main", cache, repo_dir), ref, strlen(ref));
}

static void resolve_case(const char *what, const char *id, ffai_status want, const char *n1, const char *n2) {
    char dir[4096] = "";
    ffai_error err;
    ffai_error_clear(&err);
    ffai_status st = ffai_model_resolve(id, dir, sizeof dir, &err);
    const char *got = st ? err.msg : dir;
    printf("  %-28s -> %s\n", what, got);
    CHECK(st == want && (!n1 || strstr(got, n1)) && (!n2 || strstr(got, n2)), "%s: status %d, '%s'", what, st, got);
}

static void hub_cases(void) {
    char *old_cache = getenv("HF_HUB_CACHE") ? strdup(getenv("HF_HUB_CACHE")) : NULL;
    char *old_home = getenv("HF_HOME") ? strdup(getenv("HF_HOME")) : NULL;
    char *old_h = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char cache[512], hfhome[512], home[512];
    snprintf(cache, sizeof cache, "%s", tu_tmpdir());
    snprintf(hfhome, sizeof hfhome, "%s", tu_tmpdir());
    snprintf(home, sizeof home, "%s", tu_tmpdir());

    setenv("HF_HUB_CACHE", cache, 1);
    make_snapshot(cache, "models--org--tiny", "0123abcd");
    resolve_case("HF_HUB_CACHE snapshot", "org/tiny", FFAI_OK, cache, "models--org--tiny/snapshots/0123abcd");
    ffai_model *m = NULL;
    ffai_error err;
    CHECK(ffai_model_load("org/tiny", NULL, &m, &err) == FFAI_OK, "load org/tiny: %s", err.msg);
    ffai_model_free(m);
    resolve_case("missing repo", "org/absent", FFAI_ERR_NOT_FOUND, cache, "models--org--absent/refs/main");
    write_bytes(tu_path("%s/models--org--tiny/refs/main", cache), "feedbeef", 8);
    resolve_case("refs/main -> no snapshot", "org/tiny", FFAI_ERR_NOT_FOUND, "refs/main", "models--org--tiny/snapshots");
    resolve_case("not a dir, not an id", "./nope/x/y", FFAI_ERR_NOT_FOUND, "./nope/x/y", NULL);

    unsetenv("HF_HUB_CACHE");
    setenv("HF_HOME", hfhome, 1);
    mkdir(tu_path("%s/hub", hfhome), 0755);
    make_snapshot(tu_path("%s/hub", hfhome), "models--org--tiny", "r2");
    resolve_case("HF_HOME/hub fallback", "org/tiny", FFAI_OK, hfhome, "hub/models--org--tiny/snapshots/r2");
    resolve_case("HF_HOME missing repo", "org/other", FFAI_ERR_NOT_FOUND, tu_path("%s/hub/models--org--other", hfhome), NULL);

    unsetenv("HF_HOME");
    setenv("HOME", home, 1);
    mkdir(tu_path("%s/.cache", home), 0755);
    mkdir(tu_path("%s/.cache/huggingface", home), 0755);
    mkdir(tu_path("%s/.cache/huggingface/hub", home), 0755);
    make_snapshot(tu_path("%s/.cache/huggingface/hub", home), "models--org--tiny", "r3");
    resolve_case("~/.cache/huggingface fallback", "org/tiny", FFAI_OK, home, ".cache/huggingface/hub/models--org--tiny/snapshots/r3");

    if (old_cache) setenv("HF_HUB_CACHE", old_cache, 1);
    if (old_home) setenv("HF_HOME", old_home, 1);
    if (old_h) setenv("HOME", old_h, 1);
    else unsetenv("HOME");
    free(old_cache);
    free(old_home);
    free(old_h);
}

int main(void) {
    tu_scratch_begin();
    snprintf(base, sizeof base, "%s/base", tu_tmpdir());
    ffai_synth_options o = {.like = "tiny-test", .seed = 3};
    ffai_error err;
    if (ffai_model_synth(base, &o, &err) != FFAI_OK) {
        CHECK(0, "synth: %s", err.msg);
        tu_scratch_end();
        return tu_finish("test_bad_input");
    }
    safetensors_cases();
    config_cases();
    shard_cases();
    hub_cases();
    tu_scratch_end();
    return tu_finish("test_bad_input");
}
