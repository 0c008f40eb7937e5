/* test_bench_chat.c — the niah and multi-turn bench methods: needle placement
 * (depth in tokens, prompt fits the context) and KV-cache reuse across turns. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/niah.h"
#include "ffai.h"
#include "testutil.h"

static const char NEEDLE[] = "The special magic verification code is BLUE TIGER 42.";

static const ffai_extra *extra(const ffai_bench_row *r, const char *key) {
    for (int i = 0; i < r->n_extras; i++)
        if (strcmp(r->extras[i].key, key) == 0) return &r->extras[i];
    return NULL;
}

static char *decode(ffai_bench *b, const int32_t *ids, int n) {
    char *t = NULL;
    size_t len = 0;
    ffai_tokenizer_decode(b->tok, ids, (size_t)n, false, &t, &len, NULL);
    return t ? t : strdup("");
}

static void test_niah_placement(ffai_bench *b, const ffai_bench_options *o) {
    niah_source *src = NULL;
    ffai_error err;
    CHECK(niah_source_create(b, o, &src, &err) == FFAI_OK, "%s", err.msg);
    if (!src) return;
    int32_t *needle = NULL;
    int nn = 0;
    char sp[sizeof NEEDLE + 1] = " ";
    CHECK(bench_encode(b, strcat(sp, NEEDLE), false, &needle, &nn, &err) == FFAI_OK, "%s", err.msg);
    static const int ctxs[] = {1024, 2048, 4096}, depths[] = {10, 25, 50, 75, 90};
    const int max_tokens = 32;
    double worst_tok = 0, worst_chr = 0;
    int min_n = 1 << 30;
    for (int i = 0; i < 3; i++)
        for (int d = 0; d < 5; d++) {
            niah_prompt p;
            CHECK(niah_build(src, ctxs[i], depths[d], max_tokens, &p, &err) == FFAI_OK, "%s", err.msg);
            if (!p.ids) continue;
            CHECK(p.n + max_tokens <= ctxs[i], "ctx %d: prompt %d + %d tokens do not fit", ctxs[i], p.n, max_tokens);
            CHECK(p.n + max_tokens >= ctxs[i] - 64, "ctx %d: prompt %d tokens leaves the context mostly empty", ctxs[i], p.n);
            min_n = p.n - ctxs[i] + max_tokens < min_n ? p.n - ctxs[i] + max_tokens : min_n;
            /* the needle's tokens, found by search, exactly once */
            int at = -1, hits = 0;
            for (int k = 0; k + nn <= p.n; k++)
                if (memcmp(p.ids + k, needle, sizeof *needle * (size_t)nn) == 0) at = k, hits++;
            CHECK(hits == 1, "ctx %d depth %d: the needle occurs %d times", ctxs[i], depths[d], hits);
            /* the filler region: after the template prefix, before the question */
            char *head = decode(b, p.ids, p.fill_start), *tail = decode(b, p.ids + p.fill_start + p.fill_len + nn, p.n - p.fill_start - p.fill_len - nn);
            CHECK(strstr(head, "<|im_start|>user\n") && strcmp(head + strlen(head) - 5, "user\n") == 0, "prefix: '%s'", head);
            CHECK(strncmp(tail, "\n\nWhat is the special magic verification code mentioned in the text above?", 70) == 0 &&
                      strstr(tail, "<|im_start|>assistant\n"),
                  "suffix: '%s'", tail);
            double tok_depth = 100.0 * (at - p.fill_start) / p.fill_len;
            worst_tok = fmax(worst_tok, fabs(tok_depth - depths[d]));
            CHECK(fabs(tok_depth - depths[d]) <= 1.0, "ctx %d: needle at %.2f%% of the filler tokens, want %d%% +- 1", ctxs[i], tok_depth, depths[d]);
            /* in characters, and at a sentence boundary */
            char *before = decode(b, p.ids + p.fill_start, at - p.fill_start), *after = decode(b, p.ids + at + nn, p.fill_start + p.fill_len + nn - at - nn);
            double chr_depth = 100.0 * strlen(before) / (strlen(before) + strlen(after));
            worst_chr = fmax(worst_chr, fabs(chr_depth - depths[d]));
            CHECK(fabs(chr_depth - depths[d]) <= 1.0, "ctx %d: needle at %.2f%% of the filler characters, want %d%% +- 1", ctxs[i], chr_depth, depths[d]);
            CHECK(fabs(chr_depth - p.depth) < 0.01, "reported depth %.3f, measured %.3f", p.depth, chr_depth);
            size_t bl = strlen(before);
            CHECK(bl > 0 && strchr(".!?\"')", before[bl - 1]) && !isspace((unsigned char)before[0]), "needle not after a sentence: '...%s'",
                  before + (bl > 40 ? bl - 40 : 0));
            CHECK(after[0] == ' ' && isupper((unsigned char)after[1]), "needle not before a sentence: '%.40s...'", after);
            free(head), free(tail), free(before), free(after), free(p.ids);
        }
    printf("niah placement: 15 prompts, worst depth error %.3f%% of filler tokens (tolerance 1%%), %.3f%% of characters (tolerance 1%%), "
           "smallest prompt ctx-max_tokens%+d\n",
           worst_tok, worst_chr, min_n);
    niah_prompt p;
    CHECK(niah_build(src, 100, 50, 32, &p, &err) == FFAI_ERR_INVALID_ARG && strstr(err.msg, "--ctx 100 is too small"), "tiny ctx: %s", err.msg);
    free(needle);
    niah_source_free(src);
}

static void test_niah_rows(ffai_bench *b, ffai_bench_options o) {
    o.ctx[0] = 256;
    o.n_ctx = 1;
    o.max_tokens = 4;
    ffai_bench_row *rows = NULL;
    int n = 0;
    ffai_error err;
    CHECK(ffai_bench_run(b, "niah", &o, &rows, &n, &err) == FFAI_OK, "%s", err.msg);
    CHECK(n == 5, "niah rows: %d", n);
    static const int depths[] = {10, 25, 50, 75, 90};
    for (int i = 0; i < n; i++) {
        const ffai_extra *d = extra(&rows[i], "depth"), *p = extra(&rows[i], "pass");
        CHECK(d && d->kind == FFAI_EXTRA_INT && d->i == depths[i], "row %d depth", i);
        CHECK(p && p->kind == FFAI_EXTRA_BOOL, "row %d pass", i);
        char want[32];
        snprintf(want, sizeof want, "%s(@%d%%): ", p && p->b ? "PASS" : "FAIL", depths[i]);
        CHECK(rows[i].output_preview && strncmp(rows[i].output_preview, want, strlen(want)) == 0, "preview '%s' want prefix '%s'",
              rows[i].output_preview, want);
        CHECK(rows[i].context_size == 256 && rows[i].prompt_tokens + 4 <= 256 && strcmp(rows[i].method, "niah") == 0, "row %d ctx %lld prompt %lld",
              i, rows[i].context_size, rows[i].prompt_tokens);
        ffai_row_free_fields(&rows[i]);
    }
    free(rows);
}

typedef struct {
    int check_lines, ctx_lines;
} log_seen;

static void on_log(void *user, const char *line) {
    log_seen *s = user;
    s->check_lines += strncmp(line, "multi-turn reuse check: ", 24) == 0;
    s->ctx_lines += strncmp(line, "niah ctx ", 9) == 0;
}

static void test_multiturn(ffai_bench *b, ffai_bench_options o) {
    log_seen seen = {0, 0};
    o.turns = 3;
    o.max_tokens = 8;
    o.log = on_log;
    o.user = &seen;
    ffai_bench_row *rows = NULL;
    int n = 0;
    ffai_error err;
    CHECK(ffai_bench_run(b, "multi-turn", &o, &rows, &n, &err) == FFAI_OK, "%s", err.msg);
    CHECK(n == 3, "multi-turn rows: %d", n);
    long long prev_conv = 0;
    for (int i = 0; i < n; i++) {
        const ffai_extra *t = extra(&rows[i], "turn"), *c = extra(&rows[i], "cachedTokens"), *v = extra(&rows[i], "conversationTokens");
        CHECK(t && t->i == i + 1 && c && v, "row %d extras", i);
        if (!c || !v) continue;
        printf("turn %d: conversation %lld tokens = %lld cached + %lld prefilled\n", i + 1, v->i, c->i, rows[i].prompt_tokens);
        CHECK(c->i + rows[i].prompt_tokens == v->i, "turn %d: cached %lld + prefilled %lld != conversation %lld", i + 1, c->i, rows[i].prompt_tokens,
              v->i);
        if (i == 0) CHECK(c->i == 0, "turn 1 reused %lld", c->i);
        else CHECK(c->i >= prev_conv && rows[i].prompt_tokens < v->i - prev_conv + 1, "turn %d: reused %lld of the previous %lld-token prompt", i + 1,
                   c->i, prev_conv);
        prev_conv = v->i;
        ffai_row_free_fields(&rows[i]);
    }
    free(rows);
    CHECK(seen.check_lines == 1, "reuse check lines: %d", seen.check_lines);
    o.turns = 7;
    CHECK(ffai_bench_validate("multi-turn", &o, &err) == FFAI_ERR_INVALID_ARG && strstr(err.msg, "--turns 7"), "turns 7: %s", err.msg);
    o.turns = 0;
    CHECK(ffai_bench_validate("multi-turn", &o, &err) == FFAI_ERR_INVALID_ARG, "turns 0 accepted");
}

int main(void) {
    ffai_bench *b = NULL;
    ffai_error err;
    CHECK(ffai_bench_open(tu_path("%s/models/ffai-tiny-qwen3", tu_source_dir()), NULL, 0, &b, &err) == FFAI_OK, "%s", err.msg);
    if (b) {
        ffai_bench_options o;
        ffai_bench_options_default(&o);
        o.data_dir = tu_path("%s/data", tu_source_dir());
        o.warmup = false;
        test_niah_placement(b, &o);
        test_niah_rows(b, o);
        test_multiturn(b, o);
    }
    ffai_bench_close(b);
    return tu_finish("bench_chat");
}
