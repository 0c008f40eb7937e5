/* method_niah.c — needle in a haystack (BENCH.md §4.4): a verification code
 * hidden at a given depth of filler sized to each context, then a question. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench/bench_internal.h"
#include "bench/niah.h"
#include "core/error.h"

static const char NEEDLE[] = "The special magic verification code is BLUE TIGER 42.";
static const char ANSWER[] = "BLUE TIGER 42";
static const char QUESTION[] = "\n\nWhat is the special magic verification code mentioned in the text above? Reply with only the code, nothing else.";
static const int DEPTHS[] = {10, 25, 50, 75, 90};
#define N_DEPTHS ((int)(sizeof DEPTHS / sizeof DEPTHS[0]))

/* token flags: ends a sentence, starts with a space, opens a paragraph, ends with a newline, starts with any white space */
enum { SENT_END = 1, SPACE_START = 2, PARA_START = 4, NL_END = 8, BLANK_START = 16 };

struct niah_source {
    int32_t *fill;  /* the bundled text + "\n\n", tokenized once; repeated cyclically */
    unsigned char *flags;
    int *chars;  /* characters of each token */
    long *cum;   /* cum[i] = characters of tokens 0..i-1 */
    int nfill;
    int32_t *pre, *suf, *needle;
    int npre, nsuf, nneedle;
};

void niah_source_free(niah_source *src) {
    if (!src) return;
    free(src->fill);
    free(src->flags);
    free(src->chars);
    free(src->cum);
    free(src->pre);
    free(src->suf);
    free(src->needle);
    free(src);
}

/* Sentence and paragraph boundaries from each token's text. */
static ffai_status mark_boundaries(ffai_bench *b, niah_source *src, ffai_error *err) {
    src->flags = calloc((size_t)src->nfill, 1);
    src->chars = calloc((size_t)src->nfill, sizeof *src->chars);
    if (!src->flags || !src->chars) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    for (int i = 0; i < src->nfill; i++) {
        char *t = NULL;
        size_t len = 0;
        ffai_status st = ffai_tokenizer_decode(b->tok, &src->fill[i], 1, false, &t, &len, err);
        if (st) return st;
        size_t e = len;
        while (e > 0 && strchr("\"')]", t[e - 1])) e--; /* a closing quote or bracket may follow the stop */
        if (e > 0 && strchr(".!?", t[e - 1])) src->flags[i] |= SENT_END;
        if (len > 0 && t[0] == ' ') src->flags[i] |= SPACE_START;
        if (len > 0 && isspace((unsigned char)t[0])) src->flags[i] |= BLANK_START;
        if (len > 0 && t[len - 1] == '\n') src->flags[i] |= NL_END;
        for (size_t k = 0; k < len; k++) src->chars[i] += ((unsigned char)t[k] & 0xC0) != 0x80;
        free(t);
    }
    /* a paragraph opens with the first non-blank token after a newline */
    for (int i = 0; i < src->nfill; i++)
        if ((src->flags[(i + src->nfill - 1) % src->nfill] & NL_END) && !(src->flags[i] & BLANK_START)) src->flags[i] |= PARA_START;
    src->cum = malloc(sizeof *src->cum * (size_t)(src->nfill + 1));
    if (!src->cum) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    src->cum[0] = 0;
    for (int i = 0; i < src->nfill; i++) src->cum[i + 1] = src->cum[i] + src->chars[i];
    return FFAI_OK;
}

ffai_status niah_source_create(ffai_bench *b, const ffai_bench_options *o, niah_source **out, ffai_error *err) {
    *out = NULL;
    niah_source *src = calloc(1, sizeof *src);
    if (!src) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    const char *filler;
    char *text = NULL;
    ffai_status st = bench_filler(o, &filler, err);
    if (!st) {
        size_t len = strlen(filler);
        while (len > 0 && isspace((unsigned char)filler[len - 1])) len--;
        text = malloc(len + 3);
        if (!text) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        else {
            memcpy(text, filler, len);
            strcpy(text + len, "\n\n");
        }
    }
    if (!st) st = bench_encode(b, text, false, &src->fill, &src->nfill, err);
    if (!st && src->nfill < 64) st = ffai_fail(err, FFAI_ERR_FORMAT, "the bundled filler text is too short (%d tokens)", src->nfill);
    if (!st) st = mark_boundaries(b, src, err);
    if (!st) st = bench_chat_frame(b, QUESTION, &src->pre, &src->npre, &src->suf, &src->nsuf, err);
    if (!st) {
        char sp[sizeof NEEDLE + 1] = " ";
        st = bench_encode(b, strcat(sp, NEEDLE), false, &src->needle, &src->nneedle, err);
    }
    free(text);
    if (st) {
        niah_source_free(src);
        return st;
    }
    *out = src;
    return FFAI_OK;
}

static unsigned char flag_at(const niah_source *src, long i) { return src->flags[i % src->nfill]; }

/* A sentence boundary before token i: the previous token ends a sentence and token i opens the next with a space. */
static bool is_boundary(const niah_source *src, long i) { return (flag_at(src, i - 1) & SENT_END) && (flag_at(src, i) & SPACE_START); }

/* Characters of the k tokens from s on (the text repeats). */
static long chars_span(const niah_source *src, long s, long k) {
    long n = src->nfill, a = s % n, r = k % n, sum = k / n * src->cum[n];
    return sum + (a + r <= n ? src->cum[a + r] - src->cum[a] : src->cum[n] - src->cum[a] + src->cum[a + r - n]);
}

#define TOKEN_TOL 0.4 /* % of the filler tokens the needle may sit off its depth */

ffai_status niah_build(const niah_source *src, int ctx, int depth, int max_tokens, niah_prompt *out, ffai_error *err) {
    memset(out, 0, sizeof *out);
    int frame = src->npre + src->nsuf + src->nneedle;
    int budget = ctx - max_tokens - frame; /* filler tokens that fit */
    if (budget < 64)
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "--ctx %d is too small for a haystack: the prompt frame takes %d tokens and --max-tokens %d — use a larger size",
                         ctx, frame, max_tokens);
    /* The haystack starts at a paragraph and ends at a sentence; the needle goes
     * between two sentences. Over the paragraph starts of the text and the
     * boundaries near depth% of the haystack, pick the needle spot closest to
     * depth% of the characters among those within TOKEN_TOL% of the tokens. */
    long best_s = -1;
    int best_len = 0, best_at = 0;
    double best_score = INFINITY;
    for (long s = 0; s < src->nfill; s++) {
        if (!(flag_at(src, s) & PARA_START)) continue;
        int len = budget;
        while (len > budget / 2 && !(flag_at(src, s + len - 1) & SENT_END)) len--;
        if (len <= budget / 2) continue;
        double want = depth / 100.0 * len, all = (double)chars_span(src, s, len);
        int w = (int)(len * TOKEN_TOL / 100) + 48;
        for (int at = (int)want - w; at <= (int)want + w + 1; at++) {
            if (at < 1 || at >= len || !is_boundary(src, s + at)) continue;
            double tok_err = 100.0 * fabs(at - want) / len, chr_err = fabs(100.0 * chars_span(src, s, at) / all - depth);
            double score = chr_err + (tok_err > TOKEN_TOL ? 100 + tok_err : 0);
            if (score < best_score) best_score = score, best_s = s, best_len = len, best_at = at;
        }
    }
    if (best_s < 0) return ffai_fail(err, FFAI_ERR_FORMAT, "the bundled filler text has no sentence boundaries to place the needle at");
    int n = src->npre + best_len + src->nneedle + src->nsuf;
    out->ids = malloc(sizeof *out->ids * (size_t)n);
    if (!out->ids) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    int k = 0;
    memcpy(out->ids, src->pre, sizeof *out->ids * (size_t)src->npre);
    k += src->npre;
    out->fill_start = k;
    for (int i = 0; i < best_at; i++) out->ids[k++] = src->fill[(best_s + i) % src->nfill];
    out->needle_at = k;
    out->needle_len = src->nneedle;
    memcpy(out->ids + k, src->needle, sizeof *out->ids * (size_t)src->nneedle);
    k += src->nneedle;
    for (int i = best_at; i < best_len; i++) out->ids[k++] = src->fill[(best_s + i) % src->nfill];
    memcpy(out->ids + k, src->suf, sizeof *out->ids * (size_t)src->nsuf);
    k += src->nsuf;
    out->n = k;
    out->fill_len = best_len;
    out->depth = 100.0 * (double)chars_span(src, best_s, best_at) / (double)chars_span(src, best_s, best_len);
    return FFAI_OK;
}

static ffai_status niah_row(ffai_bench *b, const ffai_bench_options *o, const niah_prompt *pr, int ctx, int depth, int max_tokens, bool *pass,
                            ffai_bench_row *row, ffai_error *err) {
    char *text = NULL;
    ffai_status st = bench_measure_prompt(b, o, "niah", pr->ids, pr->n, max_tokens, ctx, row, &text, err);
    if (st) return st;
    *pass = false;
    for (const char *p = text; *p && !*pass; p++) *pass = strncasecmp(p, ANSWER, sizeof ANSWER - 1) == 0;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s(@%d%%): ", *pass ? "PASS" : "FAIL", depth);
    if (bench_set_preview(row, prefix, text)) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    if (!st) st = ffai_row_set_int(row, "depth", depth);
    if (!st) st = ffai_row_set_bool(row, "pass", *pass);
    if (st && st != FFAI_ERR_NOMEM) st = ffai_fail(err, st, "cannot fill the niah row");
    free(text);
    return st;
}

ffai_status bench_method_niah(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *nrows, ffai_error *err) {
    static const int DEF[] = {1024, 2048, 4096};
    const int *sizes = o->n_ctx ? o->ctx : DEF;
    int ns = o->n_ctx ? o->n_ctx : 3;
    int max_tokens = o->max_tokens >= 0 ? o->max_tokens : 32;
    niah_source *src = NULL;
    niah_prompt *prompts = calloc((size_t)ns * N_DEPTHS, sizeof *prompts);
    if (!prompts) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    ffai_status st = niah_source_create(b, o, &src, err);
    /* every prompt is built (and checked) before the first measurement */
    for (int i = 0; i < ns && !st; i++)
        for (int d = 0; d < N_DEPTHS && !st; d++) st = niah_build(src, sizes[i], DEPTHS[d], max_tokens, &prompts[i * N_DEPTHS + d], err);
    if (!st) {
        *rows = calloc((size_t)ns * N_DEPTHS, sizeof **rows);
        if (!*rows) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < ns && !st; i++) {
        int passed = 0;
        for (int d = 0; d < N_DEPTHS && !st; d++) {
            int r = i * N_DEPTHS + d;
            niah_prompt *pr = &prompts[r];
            bench_progress(o, "niah: ctx %d, depth %d%% (%d/%d)", sizes[i], DEPTHS[d], r + 1, ns * N_DEPTHS);
            if (o->debug)
                bench_log(o, "niah ctx %d: %d prompt tokens, needle at token %d of %d filler tokens (%.2f%%), %.2f%% of its characters", sizes[i],
                          pr->n, pr->needle_at - pr->fill_start, pr->fill_len, 100.0 * (pr->needle_at - pr->fill_start) / pr->fill_len, pr->depth);
            ffai_row_init(&(*rows)[r]);
            *nrows = r + 1;
            bool pass = false;
            st = niah_row(b, o, pr, sizes[i], DEPTHS[d], max_tokens, &pass, &(*rows)[r], err);
            passed += pass;
        }
        if (!st) bench_log(o, "niah ctx %d: %d/%d passed (%.0f%%)", sizes[i], passed, N_DEPTHS, 100.0 * passed / N_DEPTHS);
    }
    for (int i = 0; i < ns * N_DEPTHS; i++) free(prompts[i].ids);
    free(prompts);
    niah_source_free(src);
    return st;
}
