/* tokenizer_bench.c — tokenizer speed: load time of each tokenizer.json and single-threaded
 * encode / decode throughput on WikiText-2 wiki.test.raw (1.29 MB).
 * Usage: tokenizer_bench [SHARED_DIR] [REPO_DIR]   (defaults: tests/data and .; run
 *        scripts/fetch-test-data.sh first for the five big tokenizers)
 * Each figure is the best of several runs (load: 7, encode/decode: 5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ffai/tokenizer.h"

/* CPU time of this process: on a shared machine it is much steadier than wall time (other
 * processes inflate wall time, not ours); the benchmark is single-threaded, so the two agree
 * on an idle machine. Set FFAI_BENCH_WALL=1 to time with the wall clock instead. */
static double now_s(void) {
    static int wall = -1;
    if (wall < 0) wall = getenv("FFAI_BENCH_WALL") && *getenv("FFAI_BENCH_WALL") == '1';
    struct timespec t;
    clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) b[n] = 0;
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv) {
    const char *shared = argc > 1 ? argv[1] : "tests/data";
    const char *repo = argc > 2 ? argv[2] : ".";
    char path[4096];
    snprintf(path, sizeof path, "%s/data/wikitext-2-raw/wiki.test.raw", shared);
    size_t len;
    char *text = read_all(path, &len);
    if (!text) {
        fprintf(stderr, "tokenizer_bench: cannot read %s\n", path);
        return 1;
    }
    const char *names[] = {"ffai-tiny", "llama3", "llama3_2", "qwen3", "qwen2_5", "gemma3"};
    const char *w = getenv("FFAI_BENCH_WALL");
    printf("text: %s (%.2f MB); times: %s, best of 7 loads / 5 encodes\n", path, len / 1e6,
           w && *w == '1' ? "wall clock" : "process CPU time");
    printf("%-10s %10s %10s %12s %12s %12s\n", "tokenizer", "load ms", "tokens", "encode MB/s", "decode MB/s",
           "round trip");
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (strcmp(names[k], "ffai-tiny") == 0) snprintf(path, sizeof path, "%s/models/ffai-tiny-qwen3", repo);
        else snprintf(path, sizeof path, "%s/tokenizers/%s", shared, names[k]);
        ffai_error err;
        ffai_tokenizer *tok = NULL;
        double best_load = 1e9;
        for (int r = 0; r < 7; r++) { /* best of 7: page cache warm, least disturbed run */
            ffai_tokenizer_free(tok);
            double t0 = now_s();
            if (ffai_tokenizer_load(path, &tok, &err) != FFAI_OK) {
                fprintf(stderr, "%s: %s\n", names[k], err.msg);
                return 1;
            }
            double t = now_s() - t0;
            if (t < best_load) best_load = t;
        }
        int32_t *ids = NULL;
        size_t n = 0;
        double best_enc = 1e9, best_dec = 1e9;
        char *dec = NULL;
        size_t dl = 0;
        for (int r = 0; r < 5; r++) { /* best of 5 */
            free(ids);
            double t0 = now_s();
            if (ffai_tokenizer_encode(tok, text, len, false, &ids, &n, &err) != FFAI_OK) {
                fprintf(stderr, "%s: %s\n", names[k], err.msg);
                return 1;
            }
            double t1 = now_s();
            free(dec);
            if (ffai_tokenizer_decode(tok, ids, n, false, &dec, &dl, &err) != FFAI_OK) {
                fprintf(stderr, "%s: %s\n", names[k], err.msg);
                return 1;
            }
            double t2 = now_s();
            if (t1 - t0 < best_enc) best_enc = t1 - t0;
            if (t2 - t1 < best_dec) best_dec = t2 - t1;
        }
        bool rt = dl == len && memcmp(dec, text, len) == 0;
        printf("%-10s %10.1f %10zu %12.1f %12.1f %12s\n", names[k], best_load * 1e3, n, len / 1e6 / best_enc,
               len / 1e6 / best_dec, rt ? "exact" : "DIFFERS");
        free(ids);
        free(dec);
        ffai_tokenizer_free(tok);
    }
    free(text);
    return 0;
}
