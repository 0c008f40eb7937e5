/* test_tokenizer_roundtrip.c — decode(encode(text)) == text, byte for byte, on WikiText-2
 * wiki.test.raw for every tokenizer (whole file; the first 192 KiB under ASan, FFAI_ASAN=1),
 * and the streaming decoder gives the same text. Tolerance: none (exact bytes). */
#include <stdlib.h>
#include <string.h>

#include "ffai/tokenizer.h"
#include "testutil.h"

static const char *NAMES[] = {"ffai-tiny", "qwen3", "qwen2_5", "llama3_2", "llama3", "gemma3"};

static size_t first_diff(const char *a, size_t an, const char *b, size_t bn) {
    size_t i = 0;
    while (i < an && i < bn && a[i] == b[i]) i++;
    return i;
}

int main(void) {
    size_t len = 0;
    char *text = tu_read_file(tu_path("%s/data/wikitext-2-raw/wiki.test.raw", tu_shared()), &len);
    CHECK(text != NULL, "cannot read wiki.test.raw");
    if (!text) return tu_finish("test_tokenizer_roundtrip");
    const char *asan = getenv("FFAI_ASAN");
    if (asan && *asan == '1' && len > (192u << 10)) {
        len = 192u << 10;
        while (len > 0 && text[len - 1] != '\n') len--; /* whole lines: stays valid UTF-8 */
    }
    for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++) {
        const char *dir = strcmp(NAMES[k], "ffai-tiny") == 0 ? tu_path("%s/models/ffai-tiny-qwen3", tu_source_dir())
                                                           : tu_path("%s/tokenizers/%s", tu_shared(), NAMES[k]);
        ffai_tokenizer *tok = NULL;
        ffai_error err;
        if (ffai_tokenizer_load(dir, &tok, &err) != FFAI_OK) {
            CHECK(0, "%s: load: %s", NAMES[k], err.msg);
            continue;
        }
        int32_t *ids = NULL;
        size_t n = 0;
        ffai_status st = ffai_tokenizer_encode(tok, text, len, false, &ids, &n, &err);
        CHECK(st == FFAI_OK, "%s: encode: %s", NAMES[k], err.msg);
        char *dec = NULL;
        size_t dl = 0;
        if (st == FFAI_OK) st = ffai_tokenizer_decode(tok, ids, n, false, &dec, &dl, &err);
        CHECK(st == FFAI_OK, "%s: decode: %s", NAMES[k], err.msg);
        size_t d = dec ? first_diff(dec, dl, text, len) : 0;
        CHECK(dec && dl == len && d == len, "%s: round trip differs at byte %zu of %zu", NAMES[k], d, len);
        /* the stream, fed one id at a time, must produce the same bytes */
        ffai_detok_stream *s = NULL;
        size_t sl = 0, smis = 0;
        if (st == FFAI_OK && ffai_detok_stream_create(tok, false, &s, &err) == FFAI_OK) {
            for (size_t i = 0; i <= n; i++) {
                const char *t;
                size_t tl;
                st = i < n ? ffai_detok_stream_push(s, ids[i], &t, &tl) : ffai_detok_stream_flush(s, &t, &tl);
                if (st != FFAI_OK) break;
                if (sl + tl > len || memcmp(text + sl, t, tl) != 0) smis++;
                sl += tl;
            }
            ffai_detok_stream_free(s);
        }
        CHECK(st == FFAI_OK && sl == len && smis == 0, "%s: stream gave %zu bytes of %zu, %zu mismatching pieces",
              NAMES[k], sl, len, smis);
        printf("%-10s %zu bytes -> %zu ids, round trip %s, stream %s\n", NAMES[k], len, n,
               dl == len && d == len ? "exact" : "DIFFERS", sl == len && smis == 0 ? "exact" : "DIFFERS");
        free(ids);
        free(dec);
        ffai_tokenizer_free(tok);
    }
    free(text);
    return tu_finish("test_tokenizer_roundtrip");
}
