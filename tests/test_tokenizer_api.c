/* test_tokenizer_api.c — tokenizer API, special tokens, bad input, and the pipeline features
 * that the real vocabularies do not exercise (Metaspace, Strip/Metaspace decoders, lstrip /
 * rstrip / single_word, normalizers, Split behaviours). Expected values come from the
 * tokenizer files themselves, HF `tokenizers`' own unit tests (cited per case) and the Unicode
 * standard. Tolerance: none (exact ids / bytes). */
#include <stdio.h>
#include <string.h>

#include "ffai/tokenizer.h"
#include "testutil.h"
#include "tokenizer/tokenizer_impl.h"

/* ------------------------------------------------------------------ helpers */

static const char *write_tokenizer(const char *json) {
    const char *dir = tu_tmpdir();
    FILE *f = fopen(tu_path("%s/tokenizer.json", dir), "wb");
    if (!f) return dir;
    fputs(json, f);
    fclose(f);
    return dir;
}

static ffai_tokenizer *load_json(const char *json, ffai_error *err) {
    ffai_tokenizer *tok = NULL;
    ffai_tokenizer_load(write_tokenizer(json), &tok, err);
    return tok;
}

static ffai_tokenizer *load_real(const char *name) {
    ffai_tokenizer *tok = NULL;
    ffai_error err;
    if (ffai_tokenizer_load(tu_path("%s/tokenizers/%s", tu_shared(), name), &tok, &err) != FFAI_OK)
        CHECK(0, "load %s: %s", name, err.msg);
    return tok;
}

static bool ids_eq(const ffai_tokenizer *tok, const char *text, bool special, const int32_t *want, size_t nw,
                   const char *what) {
    int32_t *ids = NULL;
    size_t n = 0;
    ffai_error err;
    if (ffai_tokenizer_encode(tok, text, strlen(text), special, &ids, &n, &err) != FFAI_OK) {
        CHECK(0, "%s: encode: %s", what, err.msg);
        return false;
    }
    bool ok = n == nw && memcmp(ids, want, n * sizeof *ids) == 0;
    if (!ok) {
        fprintf(stderr, "%s: got [", what);
        for (size_t i = 0; i < n; i++) fprintf(stderr, i ? ",%d" : "%d", ids[i]);
        fprintf(stderr, "]\n");
    }
    CHECK(ok, "%s: ids differ", what);
    free(ids);
    return ok;
}

static void decode_eq(const ffai_tokenizer *tok, const int32_t *ids, size_t n, bool skip, const char *want,
                      const char *what) {
    char *text = NULL;
    size_t len = 0;
    ffai_error err;
    ffai_status st = ffai_tokenizer_decode(tok, ids, n, skip, &text, &len, &err);
    CHECK(st == FFAI_OK && len == strlen(want) && memcmp(text, want, len) == 0, "%s: decoded '%s' want '%s' (%s)", what,
          text ? text : "", want, st == FFAI_OK ? "ok" : err.msg);
    /* the stream must agree with the full decode */
    ffai_detok_stream *s = NULL;
    char buf[512];
    size_t bl = 0;
    ffai_detok_stream_create(tok, skip, &s, NULL);
    for (size_t i = 0; i <= n && s; i++) {
        const char *t;
        size_t tl;
        if ((i < n ? ffai_detok_stream_push(s, ids[i], &t, &tl) : ffai_detok_stream_flush(s, &t, &tl)) != FFAI_OK) break;
        if (bl + tl < sizeof buf) memcpy(buf + bl, t, tl);
        bl += tl;
    }
    ffai_detok_stream_free(s);
    CHECK(bl == strlen(want) && bl < sizeof buf && memcmp(buf, want, bl) == 0, "%s: stream '%.*s' want '%s'", what,
          (int)(bl < sizeof buf ? bl : 0), buf, want);
    free(text);
}

/* ------------------------------------------------------------------ real tokenizers */

static void test_special_tokens(void) {
    ffai_tokenizer *l3 = load_real("llama3"), *l32 = load_real("llama3_2"), *q3 = load_real("qwen3"),
                   *g3 = load_real("gemma3");
    if (!l3 || !l32 || !q3 || !g3) goto out;
    /* tokenizer_config.json */
    CHECK(ffai_tokenizer_bos_id(l3) == 128000 && !strcmp(ffai_tokenizer_bos_token(l3), "<|begin_of_text|>"), "llama3 bos");
    CHECK(ffai_tokenizer_eos_id(l3) == 128001, "llama3 eos %d", ffai_tokenizer_eos_id(l3));
    CHECK(ffai_tokenizer_eos_id(l32) == 128009 && !strcmp(ffai_tokenizer_eos_token(l32), "<|eot_id|>"), "llama3_2 eos");
    CHECK(ffai_tokenizer_bos_id(q3) == -1 && ffai_tokenizer_bos_token(q3) == NULL, "qwen3 has no bos");
    CHECK(ffai_tokenizer_eos_id(q3) == 151645, "qwen3 eos %d", ffai_tokenizer_eos_id(q3));
    CHECK(ffai_tokenizer_bos_id(g3) == 2 && ffai_tokenizer_eos_id(g3) == 106, "gemma3 bos/eos");
    /* add_special_tokens=True follows the post_processor: llama3_2 and gemma3 template in BOS;
     * this llama3 file's post_processor is ByteLevel only, so HF adds nothing there */
    ids_eq(l32, "Hello world", true, (const int32_t[]){128000, 9906, 1917}, 3, "llama3_2 add_special");
    ids_eq(l3, "Hello world", true, (const int32_t[]){9906, 1917}, 2, "llama3 add_special (no template)");
    ids_eq(g3, "Hello world", true, (const int32_t[]){2, 9259, 1902}, 3, "gemma3 add_special");
    ids_eq(q3, "Hello world", true, (const int32_t[]){9707, 1879}, 2, "qwen3 add_special");
    /* vocab and lookups */
    CHECK(ffai_tokenizer_vocab_size(q3) == 151669, "qwen3 vocab %zu", ffai_tokenizer_vocab_size(q3));
    CHECK(ffai_tokenizer_vocab_size(l3) == 128256, "llama3 vocab %zu", ffai_tokenizer_vocab_size(l3));
    /* 262144 vocab entries plus the added token with id 262144 */
    CHECK(ffai_tokenizer_vocab_size(g3) == 262145, "gemma3 vocab %zu", ffai_tokenizer_vocab_size(g3));
    CHECK(ffai_tokenizer_token_id(q3, "<|im_end|>") == 151645, "token_id im_end");
    CHECK(ffai_tokenizer_token_id(q3, "Hello") == 9707, "token_id Hello");
    CHECK(ffai_tokenizer_token_id(q3, "ĠHello") == 21927, "token_id ĠHello");
    CHECK(ffai_tokenizer_token_id(q3, "no such piece at all") == -1, "token_id absent");
    CHECK(!strcmp(ffai_tokenizer_token_piece(q3, 21927), "ĠHello"), "token_piece");
    CHECK(!strcmp(ffai_tokenizer_token_piece(q3, 151645), "<|im_end|>"), "token_piece added");
    CHECK(ffai_tokenizer_token_piece(q3, 151669) == NULL && ffai_tokenizer_token_piece(q3, -1) == NULL, "piece range");
    CHECK(ffai_tokenizer_is_special(q3, 151645) && !ffai_tokenizer_is_special(q3, 151657) &&
              !ffai_tokenizer_is_special(q3, 9707),
          "is_special (<tool_call> 151657 is not special)");
    CHECK(ffai_tokenizer_token_id(g3, "<0x0A>") >= 0, "gemma byte token");
    /* skip_special drops special added tokens but keeps non-special ones */
    decode_eq(q3, (const int32_t[]){151644, 9707, 151657, 151645}, 4, true, "Hello<tool_call>", "qwen3 skip");
    decode_eq(q3, (const int32_t[]){151644, 9707, 151645}, 3, false, "<|im_start|>Hello<|im_end|>", "qwen3 keep");
    /* bad ids */
    char *t = NULL;
    size_t tl;
    ffai_error err;
    CHECK(ffai_tokenizer_decode(q3, (const int32_t[]){9707, 151669}, 2, false, &t, &tl, &err) == FFAI_ERR_RANGE &&
              t == NULL && strstr(err.msg, "151669"),
          "decode out of range: %s", err.msg);
    CHECK(ffai_tokenizer_decode(q3, (const int32_t[]){-5}, 1, false, &t, &tl, &err) == FFAI_ERR_RANGE, "negative id");
    /* invalid UTF-8 input is rejected with the offset */
    static const char *bad[] = {"ok\xff", "\xc3", "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xe4\xbd"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t *ids = NULL;
        size_t n = 0;
        ffai_status st = ffai_tokenizer_encode(q3, bad[i], strlen(bad[i]), false, &ids, &n, &err);
        CHECK(st == FFAI_ERR_INVALID_ARG && ids == NULL && strstr(err.msg, "UTF-8"), "invalid UTF-8 #%zu: %d %s", i,
              st, err.msg);
    }
    /* NUL bytes are ordinary characters */
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(ffai_tokenizer_encode(q3, "a\0b", 3, false, &ids, &n, &err) == FFAI_OK && n >= 2, "NUL byte");
    char *dec = NULL;
    size_t dl = 0;
    CHECK(ids && ffai_tokenizer_decode(q3, ids, n, false, &dec, &dl, &err) == FFAI_OK && dl == 3 &&
              memcmp(dec, "a\0b", 3) == 0,
          "NUL round trip");
    free(ids);
    free(dec);
out:
    ffai_tokenizer_free(l3);
    ffai_tokenizer_free(l32);
    ffai_tokenizer_free(q3);
    ffai_tokenizer_free(g3);
}

/* ------------------------------------------------------------------ bad files */

#define BPE_MODEL "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[\"a b\"]}"

static void expect_fail(const char *json, ffai_status want, const char *needle, const char *what) {
    ffai_error err;
    ffai_error_clear(&err);
    ffai_tokenizer *tok = load_json(json, &err);
    CHECK(tok == NULL && err.status == want && strstr(err.msg, needle), "%s: status %d msg '%s' (want '%s')", what,
          err.status, err.msg, needle);
    ffai_tokenizer_free(tok);
}

static void test_bad_files(void) {
    expect_fail("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [", FFAI_ERR_FORMAT, "invalid JSON",
                "truncated JSON");
    expect_fail("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,}}}", FFAI_ERR_FORMAT, "invalid JSON", "trailing comma");
    expect_fail("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}} x", FFAI_ERR_FORMAT, "trailing", "trailing data");
    expect_fail("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1.0]]}}", FFAI_ERR_UNSUPPORTED, "Unigram",
                "Unigram model");
    expect_fail("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}", FFAI_ERR_UNSUPPORTED, "WordPiece",
                "WordPiece model");
    expect_fail("{\"pre_tokenizer\": {\"type\": \"Whitespace\"}, " BPE_MODEL "}", FFAI_ERR_UNSUPPORTED, "Whitespace",
                "unknown pre-tokenizer");
    expect_fail("{\"normalizer\": {\"type\": \"BertNormalizer\"}, " BPE_MODEL "}", FFAI_ERR_UNSUPPORTED, "BertNormalizer",
                "unknown normalizer");
    expect_fail("{\"decoder\": {\"type\": \"WordPiece\"}, " BPE_MODEL "}", FFAI_ERR_UNSUPPORTED, "WordPiece",
                "unknown decoder");
    expect_fail("{\"post_processor\": {\"type\": \"RobertaProcessing\"}, " BPE_MODEL "}", FFAI_ERR_UNSUPPORTED,
                "RobertaProcessing", "unknown post-processor");
    expect_fail("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[\"a b\"]}}", FFAI_ERR_FORMAT, "not in the vocab",
                "merge of unknown token");
    expect_fail("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":\"x\"},\"merges\":[]}}", FFAI_ERR_FORMAT, "integer",
                "non-integer id");
    expect_fail("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[],\"dropout\":0.1}}", FFAI_ERR_UNSUPPORTED,
                "dropout", "dropout");
    expect_fail("{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(\"},\"behavior\":\"Isolated\"}," BPE_MODEL "}",
                FFAI_ERR_UNSUPPORTED, "regex", "bad regex");
    expect_fail("[1, 2]", FFAI_ERR_FORMAT, "not an object", "not an object");
    ffai_tokenizer *tok = NULL;
    ffai_error err;
    CHECK(ffai_tokenizer_load(tu_path("%s/no-such-dir", tu_tmpdir()), &tok, &err) == FFAI_ERR_NOT_FOUND && !tok,
          "missing dir: %s", err.msg);
    /* every truncation and some corruptions of a real file fail cleanly or load (no crash, no leak) */
    size_t len = 0;
    char *full = tu_read_file(tu_path("%s/models/ffai-tiny-qwen3/tokenizer.json", tu_source_dir()), &len);
    CHECK(full != NULL, "read tiny tokenizer.json");
    int clean = 0, total = 0;
    for (int k = 1; full && k < 40; k++) {
        size_t cut = len * (size_t)k / 40;
        char *copy = malloc(cut + 1);
        memcpy(copy, full, cut);
        copy[cut] = 0;
        tok = load_json(copy, &err);
        clean += tok == NULL && err.status == FFAI_ERR_FORMAT;
        total++;
        ffai_tokenizer_free(tok);
        memcpy(copy, full, cut);
        copy[cut / 2] = (char)(copy[cut / 2] ^ 0x5B); /* corrupt one byte: any outcome but a crash */
        tok = load_json(copy, &err);
        ffai_tokenizer_free(tok);
        free(copy);
    }
    CHECK(clean == total, "truncated files: %d of %d rejected with a format error", clean, total);
    free(full);
}

/* ------------------------------------------------------------------ SentencePiece-style */

/* Vocab: <unk> <s> </s>, the 256 byte tokens <0x00>..<0xFF> (ids 3..258), then pieces. */
static char *sp_json(const char *normalizer, const char *pre, const char *decoder, const char *extra_added) {
    static char buf[32768];
    char vocab[16384];
    size_t o = (size_t)snprintf(vocab, sizeof vocab, "\"<unk>\":0,\"<s>\":1,\"</s>\":2");
    for (int b = 0; b < 256; b++) o += (size_t)snprintf(vocab + o, sizeof vocab - o, ",\"<0x%02X>\":%d", b, 3 + b);
    snprintf(vocab + o, sizeof vocab - o,
             ",\"\xe2\x96\x81\":259,\"h\":260,\"e\":261,\"l\":262,\"o\":263,\"\xe2\x96\x81h\":264,\"ll\":265,"
             "\"\xe2\x96\x81he\":266,\"llo\":267,\"\xe2\x96\x81hello\":268,\"w\":269,\"\xe2\x96\x81w\":270");
    snprintf(buf, sizeof buf,
             "{\"version\":\"1.0\",\"added_tokens\":["
             "{\"id\":0,\"content\":\"<unk>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true},"
             "{\"id\":1,\"content\":\"<s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true},"
             "{\"id\":2,\"content\":\"</s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}%s],"
             "\"normalizer\":%s,\"pre_tokenizer\":%s,"
             "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
             "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],\"pair\":[],\"special_tokens\":{\"<s>\":{\"id\":\"<s>\",\"ids\":[1],"
             "\"tokens\":[\"<s>\"]}}},\"decoder\":%s,"
             "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":\"<unk>\",\"continuing_subword_prefix\":null,"
             "\"end_of_word_suffix\":null,\"fuse_unk\":true,\"byte_fallback\":true,\"vocab\":{%s},"
             "\"merges\":[\"\xe2\x96\x81 h\",\"l l\",\"\xe2\x96\x81h e\",\"ll o\",\"\xe2\x96\x81he llo\",\"\xe2\x96\x81 w\"]}}",
             extra_added, normalizer, pre, decoder, vocab);
    return buf;
}

static void test_sentencepiece(void) {
    ffai_error err;
    /* Llama-2 style: Prepend + Replace normalizers, ByteFallback/Fuse/Strip decoder */
    ffai_tokenizer *t = load_json(
        sp_json("{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"\xe2\x96\x81\"},"
                "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\xe2\x96\x81\"}]}",
                "null",
                "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\xe2\x96\x81\"},"
                "\"content\":\" \"},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \","
                "\"start\":1,\"stop\":0}]}",
                ""),
        &err);
    CHECK(t != NULL, "llama2-style load: %s", err.msg);
    if (t) {
        ids_eq(t, "hello", true, (const int32_t[]){1, 268}, 2, "sp: <s> ▁hello");
        /* 'x' is not in the vocab: byte fallback <0x78>; 你 = E4 BD A0 */
        ids_eq(t, "hello x\xe4\xbd\xa0", false, (const int32_t[]){268, 259, 3 + 0x78, 3 + 0xE4, 3 + 0xBD, 3 + 0xA0}, 6,
               "sp: byte fallback");
        decode_eq(t, (const int32_t[]){1, 268, 270}, 3, false, "<s> hello w", "sp: decode keeps <s>");
        decode_eq(t, (const int32_t[]){1, 268, 270}, 3, true, "hello w", "sp: Strip removes the leading space");
        decode_eq(t, (const int32_t[]){268, 259, 3 + 0xE4, 3 + 0xBD, 3 + 0xA0, 270}, 6, true, "hello \xe4\xbd\xa0 w",
                  "sp: bytes fuse into UTF-8");
        /* HF ByteFallback: an invalid run gives one U+FFFD per byte token */
        decode_eq(t, (const int32_t[]){268, 3 + 0xE4, 3 + 0xBD, 270}, 4, true, "hello\xef\xbf\xbd\xef\xbf\xbd w",
                  "sp: invalid bytes");
        ffai_tokenizer_free(t);
    }
    /* Metaspace pre-tokenizer, prepend_scheme "first", and the Metaspace decoder */
    t = load_json(sp_json("null",
                          "{\"type\":\"Metaspace\",\"replacement\":\"\xe2\x96\x81\",\"prepend_scheme\":\"first\",\"split\":true}",
                          "{\"type\":\"Metaspace\",\"replacement\":\"\xe2\x96\x81\",\"prepend_scheme\":\"first\",\"split\":true}",
                          ""),
                  &err);
    CHECK(t != NULL, "metaspace load: %s", err.msg);
    if (t) {
        ids_eq(t, "hello hello", false, (const int32_t[]){268, 268}, 2, "metaspace: first word gets ▁");
        /* after an added token the text is not at offset 0: no ▁ is prepended (HF non_legacy_meta_space) */
        ids_eq(t, "<s>hello", false, (const int32_t[]){1, 260, 261, 267}, 4, "metaspace first: not after <s>");
        ids_eq(t, "hello  w", false, (const int32_t[]){268, 259, 270}, 3, "metaspace: double space");
        decode_eq(t, (const int32_t[]){268, 268}, 2, false, "hello hello", "metaspace decode: first ▁ dropped");
        decode_eq(t, (const int32_t[]){1, 268, 270}, 3, true, "hello w", "metaspace decode: skip <s>");
        ffai_tokenizer_free(t);
    }
    /* prepend_scheme "always": every split gets ▁, also after an added token */
    t = load_json(sp_json("null", "{\"type\":\"Metaspace\",\"replacement\":\"\xe2\x96\x81\",\"prepend_scheme\":\"always\"}",
                          "{\"type\":\"Metaspace\",\"replacement\":\"\xe2\x96\x81\",\"prepend_scheme\":\"always\"}", ""),
                  &err);
    CHECK(t != NULL, "metaspace always load: %s", err.msg);
    if (t) {
        ids_eq(t, "<s>hello", false, (const int32_t[]){1, 268}, 2, "metaspace always: after <s>");
        ffai_tokenizer_free(t);
    }
    /* HF metaspace.rs test `multiple_spaces`: "Hey   friend!" -> ▁Hey ▁ ▁ ▁friend! */
    t = load_json(sp_json("null", "{\"type\":\"Metaspace\",\"replacement\":\"\xe2\x96\x81\",\"prepend_scheme\":\"always\"}",
                          "null", ""),
                  &err);
    if (t) {
        tok_work ws;
        memset(&ws, 0, sizeof ws);
        ws.md = tok_pattern_md_create();
        const char *want[] = {"\xe2\x96\x81Hey", "\xe2\x96\x81", "\xe2\x96\x81", "\xe2\x96\x81" "friend!"};
        CHECK(tok_pre_tokenize(t, "Hey   friend!", 13, true, &ws, NULL) == FFAI_OK && ws.na == 4, "metaspace split count %zu",
              ws.na);
        for (size_t i = 0; i < ws.na && i < 4; i++)
            CHECK(ws.pa[i].len == strlen(want[i]) && !memcmp(ws.pool.p + ws.pa[i].off, want[i], ws.pa[i].len),
                  "metaspace piece %zu", i);
        tok_work_free(&ws);
        ffai_tokenizer_free(t);
    }
}

/* ------------------------------------------------------------------ added-token options */

/* Character vocab with <unk>; added tokens given per test; Lowercase normalizer. */
static ffai_tokenizer *options_tokenizer(const char *added) {
    char json[4096];
    snprintf(json, sizeof json,
             "{\"added_tokens\":[%s],\"normalizer\":{\"type\":\"Lowercase\"},\"pre_tokenizer\":null,"
             "\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"fuse_unk\":false,"
             "\"vocab\":{\"<unk>\":0,\" \":1,\"i\":2,\"s\":3,\"a\":4,\"n\":5,\"t\":6,\"h\":7,\"o\":8,\"y\":9,\"e\":10,"
             "\"r\":11,\"m\":12,\"\\t\":13,\",\":14,\"-\":15},\"merges\":[]}}",
             added);
    ffai_error err;
    ffai_tokenizer *t = load_json(json, &err);
    CHECK(t != NULL, "options tokenizer: %s", err.msg);
    return t;
}

#define ADDED(id, content, sw, l, r, norm, sp)                                                                     \
    "{\"id\":" #id ",\"content\":\"" content "\",\"single_word\":" #sw ",\"lstrip\":" #l ",\"rstrip\":" #r        \
    ",\"normalized\":" #norm ",\"special\":" #sp "}"

static void test_added_options(void) {
    /* HF added_vocabulary.rs `options_use_cases` */
    ffai_tokenizer *t = options_tokenizer(ADDED(100, "my", false, true, true, true, false) "," ADDED(
        101, "name", false, false, false, true, false) "," ADDED(102, "ony", true, false, false, true, false) "," ADDED(103, "[CLS]", false, false, false, false, true) "," ADDED(104, "[SEP]", false, false, false, false, true));
    if (t) {
        /* [CLS] | " my " | name | " is anthony " | [SEP] */
        ids_eq(t, "[CLS] My name is Anthony [SEP]", false,
               (const int32_t[]){103, 100, 101, 1, 2, 3, 1, 4, 5, 6, 7, 8, 5, 9, 1, 104}, 16, "options_use_cases");
        ffai_tokenizer_free(t);
    }
    /* HF `test_single_word_is_correct`: "<mask> My name <mask> A<mask> <mask>ony <mask>" */
    t = options_tokenizer(ADDED(100, "<mask>", true, false, false, true, false));
    if (t) {
        ids_eq(t, "<mask> My name <mask> A<mask> <mask>ony <mask>", false,
               (const int32_t[]){100, 1, 12, 9, 1, 5, 4, 12, 10, 1, 100, 1, 4, 0, 12, 4, 3, 0, 0, 1, 0, 12, 4, 3, 0,
                                 0, 8, 5, 9, 1, 100},
               31, "single_word");
        ffai_tokenizer_free(t);
    }
    /* HF `test_lstrip_unicode_space`: "Hi <mask> there\t<mask>\t<mask>\u2000" */
    t = options_tokenizer(ADDED(100, "<mask>", true, true, true, true, false));
    if (t) {
        ids_eq(t, "Hi <mask> there\t<mask>\t<mask>\xe2\x80\x80", false,
               (const int32_t[]){7, 2, 100, 6, 7, 10, 11, 10, 100, 100}, 10, "lstrip/rstrip unicode space");
        ffai_tokenizer_free(t);
    }
}

/* ------------------------------------------------------------------ normalizers, Split */

static void norm_eq(const char *normalizer, const char *in, const char *want, const char *what) {
    char json[1024];
    snprintf(json, sizeof json, "{\"normalizer\":%s,\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}",
             normalizer);
    ffai_error err;
    ffai_tokenizer *t = load_json(json, &err);
    CHECK(t != NULL, "%s: load: %s", what, err.msg);
    if (!t) return;
    tok_buf out = {0}, tmp = {0};
    pcre2_match_data *md = tok_pattern_md_create();
    ffai_status st = tok_normalize(t, in, strlen(in), &out, &tmp, md, &err);
    CHECK(st == FFAI_OK && out.n == strlen(want) && !memcmp(out.p, want, out.n), "%s: got '%.*s' want '%s'", what,
          (int)out.n, out.p ? out.p : "", want);
    pcre2_match_data_free(md);
    tok_buf_free(&out);
    tok_buf_free(&tmp);
    ffai_tokenizer_free(t);
}

static void test_normalizers(void) {
    /* Unicode normalization forms (UAX #15): ﬁ (U+FB01) is fi under NFKC only; é = e + U+0301 */
    norm_eq("{\"type\":\"NFKC\"}", "\xef\xac\x81x", "fix", "NFKC ligature");
    norm_eq("{\"type\":\"NFC\"}", "\xef\xac\x81" "e\xcc\x81", "\xef\xac\x81\xc3\xa9", "NFC composes");
    norm_eq("{\"type\":\"NFD\"}", "ab\xc3\xa9", "abe\xcc\x81", "NFD decomposes");
    norm_eq("{\"type\":\"NFKD\"}", "\xc2\xb2", "2", "NFKD superscript");
    norm_eq("{\"type\":\"Lowercase\"}", "\xc3\x80" "BC \xce\xa3\xce\x91\xce\xa3", "\xc3\xa0" "bc \xcf\x83\xce\xb1\xcf\x82",
            "Lowercase (final sigma)");
    norm_eq("{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":false}", " \t x \n", "x \n", "Strip left");
    norm_eq("{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":true}", "\xe3\x80\x80 x \n", "x", "Strip both");
    norm_eq("{\"type\":\"Prepend\",\"prepend\":\"_\"}", "ab", "_ab", "Prepend");
    norm_eq("{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"\\\\s+\"},\"content\":\" \"}", "a \t\nb  c", "a b c",
            "Replace regex");
    norm_eq("{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKC\"},{\"type\":\"Lowercase\"}]}", "\xef\xac\x81X",
            "fix", "Sequence");
}

/* HF SplitDelimiterBehavior docs: "the-final--countdown" split on '-' */
static void test_split_behaviors(void) {
    static const struct { const char *behavior; const char *want[8]; } cases[] = {
        {"Removed", {"the", "final", "countdown"}},
        {"Isolated", {"the", "-", "final", "-", "-", "countdown"}},
        {"MergedWithPrevious", {"the-", "final-", "-", "countdown"}},
        {"MergedWithNext", {"the", "-final", "-", "-countdown"}},
        {"Contiguous", {"the", "-", "final", "--", "countdown"}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"String\":\"-\"},\"behavior\":\"%s\",\"invert\":false},"
                 "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}",
                 cases[c].behavior);
        ffai_error err;
        ffai_tokenizer *t = load_json(json, &err);
        CHECK(t != NULL, "split %s: %s", cases[c].behavior, err.msg);
        if (!t) continue;
        tok_work ws;
        memset(&ws, 0, sizeof ws);
        ws.md = tok_pattern_md_create();
        CHECK(tok_pre_tokenize(t, "the-final--countdown", 20, true, &ws, &err) == FFAI_OK, "split run");
        size_t nw = 0;
        while (nw < 8 && cases[c].want[nw]) nw++;
        bool ok = ws.na == nw;
        for (size_t i = 0; ok && i < nw; i++)
            ok = ws.pa[i].len == strlen(cases[c].want[i]) && !memcmp(ws.pool.p + ws.pa[i].off, cases[c].want[i], ws.pa[i].len);
        CHECK(ok, "split %s: %zu pieces (want %zu)", cases[c].behavior, ws.na, nw);
        tok_work_free(&ws);
        ffai_tokenizer_free(t);
    }
}

int main(void) {
    test_special_tokens();
    test_bad_files();
    test_sentencepiece();
    test_added_options();
    test_normalizers();
    test_split_behaviors();
    return tu_finish("test_tokenizer_api");
}
