/* test_tokenizer_golden.c — every case of tests/data/golden/tokenizers/<name>.json (HF tokenizers 0.23):
 * encode with add_special_tokens=False must give the ids exactly, decode(ids) the stored text,
 * and the streaming decoder the same text as a full decode (skip_special on and off).
 * Tolerance: none — ids and bytes must match exactly. */
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "ffai/tokenizer.h"
#include "testutil.h"

static const char *NAMES[] = {"ffai-tiny", "qwen3", "qwen2_5", "llama3_2", "llama3", "gemma3"};

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static const char *tokenizer_dir(const char *name) {
    if (strcmp(name, "ffai-tiny") == 0) return tu_path("%s/models/ffai-tiny-qwen3", tu_source_dir());
    return tu_path("%s/tokenizers/%s", tu_shared(), name);
}

/* Streams ids through a detok stream and returns the concatenation (malloc'd). */
static char *stream_decode(const ffai_tokenizer *tok, const int32_t *ids, size_t n, bool skip, size_t *out_len) {
    ffai_detok_stream *s = NULL;
    if (ffai_detok_stream_create(tok, skip, &s, NULL) != FFAI_OK) return NULL;
    size_t cap = 256, len = 0;
    char *buf = malloc(cap);
    const char *t;
    size_t tl;
    for (size_t i = 0; i <= n; i++) {
        ffai_status st = i < n ? ffai_detok_stream_push(s, ids[i], &t, &tl) : ffai_detok_stream_flush(s, &t, &tl);
        if (st != FFAI_OK) break;
        while (len + tl + 1 > cap) buf = realloc(buf, cap *= 2);
        memcpy(buf + len, t, tl);
        len += tl;
    }
    buf[len] = 0;
    ffai_detok_stream_free(s);
    *out_len = len;
    return buf;
}

static void run_file(const char *name) {
    json_error_t je;
    json_t *g = json_load_file(tu_path("%s/golden/tokenizers/%s.json", tu_shared(), name), 0, &je);
    CHECK(g != NULL, "%s: golden file: %s", name, je.text);
    if (!g) return;
    ffai_tokenizer *tok = NULL;
    ffai_error err;
    double t0 = now_ms();
    ffai_status st = ffai_tokenizer_load(tokenizer_dir(name), &tok, &err);
    double t1 = now_ms();
    CHECK(st == FFAI_OK, "%s: load: %s", name, err.msg);
    if (st != FFAI_OK) {
        json_decref(g);
        return;
    }
    json_t *cases = json_object_get(g, "cases");
    size_t idx, n_cases = json_array_size(cases), id_mismatch = 0, text_mismatch = 0, stream_mismatch = 0;
    json_t *c;
    json_array_foreach(cases, idx, c) {
        const char *text = json_string_value(json_object_get(c, "text"));
        size_t text_len = json_string_length(json_object_get(c, "text"));
        const char *want_text = json_string_value(json_object_get(c, "decoded"));
        size_t want_text_len = json_string_length(json_object_get(c, "decoded"));
        json_t *jids = json_object_get(c, "ids");
        size_t nw = json_array_size(jids);
        int32_t *want = malloc((nw + 1) * sizeof *want);
        for (size_t i = 0; i < nw; i++) want[i] = (int32_t)json_integer_value(json_array_get(jids, i));

        int32_t *ids = NULL;
        size_t n = 0;
        st = ffai_tokenizer_encode(tok, text, text_len, false, &ids, &n, &err);
        CHECK(st == FFAI_OK, "%s case %zu: encode: %s", name, idx, err.msg);
        bool same = st == FFAI_OK && n == nw && memcmp(ids, want, n * sizeof *ids) == 0;
        if (!same) {
            id_mismatch++;
            size_t k = 0;
            while (k < n && k < nw && ids[k] == want[k]) k++;
            fprintf(stderr, "%s case %zu: ids differ at %zu (got %zu ids, want %zu): got %d want %d; text '%.60s'\n", name,
                    idx, k, n, nw, k < n ? ids[k] : -1, k < nw ? want[k] : -1, text);
        }
        char *dec = NULL;
        size_t dl = 0;
        st = ffai_tokenizer_decode(tok, want, nw, false, &dec, &dl, &err);
        if (st != FFAI_OK || dl != want_text_len || memcmp(dec, want_text, dl) != 0) {
            text_mismatch++;
            fprintf(stderr, "%s case %zu: decode '%.60s' want '%.60s'\n", name, idx, dec ? dec : err.msg, want_text);
        }
        for (int skip = 0; skip < 2; skip++) {
            char *full = NULL;
            size_t fl = 0, sl = 0;
            ffai_tokenizer_decode(tok, want, nw, skip, &full, &fl, NULL);
            char *streamed = stream_decode(tok, want, nw, skip, &sl);
            if (!full || !streamed || fl != sl || memcmp(full, streamed, fl) != 0) {
                stream_mismatch++;
                fprintf(stderr, "%s case %zu skip=%d: stream '%.60s' != full '%.60s'\n", name, idx, skip,
                        streamed ? streamed : "", full ? full : "");
            }
            free(full);
            free(streamed);
        }
        free(dec);
        free(ids);
        free(want);
    }
    CHECK(id_mismatch == 0, "%s: %zu of %zu cases with different ids", name, id_mismatch, n_cases);
    CHECK(text_mismatch == 0, "%s: %zu of %zu cases decode differently", name, text_mismatch, n_cases);
    CHECK(stream_mismatch == 0, "%s: %zu streaming decodes differ from full decode", name, stream_mismatch);
    printf("%-10s load %7.1f ms, %zu cases: id mismatches %zu, decode mismatches %zu, stream mismatches %zu\n", name,
           t1 - t0, n_cases, id_mismatch, text_mismatch, stream_mismatch);
    ffai_tokenizer_free(tok);
    json_decref(g);
}

int main(void) {
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) run_file(NAMES[i]);
    return tu_finish("test_tokenizer_golden");
}
