/* components.c — reads the normalizer, pre_tokenizer, decoder and post_processor sections of
 * tokenizer.json into flat lists (Sequences flattened); unknown types fail naming the type. */
#include <stdio.h>

#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

#define TJ "tokenizer.json"

/* GPT-2's pre-tokenization regex, used by ByteLevel with use_regex. */
static const char GPT2_REGEX[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

static ffai_status oom(ffai_error *err) { return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory"); }

static const char *type_of(const tj_val *v) {
    const char *t = tj_get_str(v, "type");
    return t ? t : "(missing type)";
}

static ffai_status unsupported(ffai_error *err, const char *section, const tj_val *v) {
    return ffai_fail(err, FFAI_ERR_UNSUPPORTED, TJ ": %s type '%s' is not supported", section, type_of(v));
}

static ffai_status dup_str(const tj_val *v, const char *what, char **out, size_t *len, ffai_error *err) {
    if (!v || v->type != TJ_STR) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": %s must be a string", what);
    if (!(*out = malloc(v->n + 1))) return oom(err);
    memcpy(*out, v->str, v->n + 1);
    *len = v->n;
    return FFAI_OK;
}

/* {"String": s} or {"Regex": r} */
static ffai_status parse_pattern(const tj_val *v, tok_pattern *p, const char *what, ffai_error *err) {
    const tj_val *s = tj_get_type(v, "String", TJ_STR), *r = tj_get_type(v, "Regex", TJ_STR);
    if (!s && !r) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": %s.pattern needs \"String\" or \"Regex\"", what);
    return tok_pattern_init(p, r != NULL, r ? r->str : s->str, r ? r->n : s->n, what, err);
}

/* A single character given as a JSON string (Metaspace replacement, Strip content). */
static ffai_status parse_char(const tj_val *v, const char *what, char *utf8, size_t *len, uint32_t *cp,
                              ffai_error *err) {
    if (!v || v->type != TJ_STR || v->n == 0 || v->n > 4 || tok_utf8_valid_prefix(v->str, v->n) != v->n)
        return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": %s must be a single character", what);
    uint32_t c;
    size_t l = tok_utf8_decode(v->str, v->n, &c);
    if (l != v->n) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": %s must be a single character", what);
    if (utf8) {
        memcpy(utf8, v->str, l);
        utf8[l] = '\0';
    }
    if (len) *len = l;
    if (cp) *cp = c;
    return FFAI_OK;
}

static ffai_status parse_scheme(const tj_val *v, const char *what, tok_prepend_scheme *out, ffai_error *err) {
    const char *s = tj_get_str(v, "prepend_scheme");
    *out = TPS_ALWAYS;
    if (s) {
        if (!strcmp(s, "always")) *out = TPS_ALWAYS;
        else if (!strcmp(s, "first")) *out = TPS_FIRST;
        else if (!strcmp(s, "never")) *out = TPS_NEVER;
        else return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": %s.prepend_scheme '%s' is not always/first/never", what, s);
    }
    const tj_val *aps = tj_get_type(v, "add_prefix_space", TJ_BOOL);
    if (aps && !aps->b) *out = TPS_NEVER; /* legacy spelling */
    return FFAI_OK;
}

/* Grows a component array by one zeroed element. */
static void *grow(void **arr, size_t *n, size_t size) {
    char *na = realloc(*arr, (*n + 1) * size);
    if (!na) return NULL;
    *arr = na;
    memset(na + *n * size, 0, size);
    return na + (*n)++ * size;
}

/* ------------------------------------------------------------------ normalizers */

ffai_status tok_parse_normalizer(ffai_tokenizer *tok, const tj_val *v, ffai_error *err) {
    if (!v || v->type == TJ_NULL) return FFAI_OK;
    if (v->type != TJ_OBJ) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": normalizer must be an object or null");
    const char *t = type_of(v);
    if (!strcmp(t, "Sequence")) {
        const tj_val *list = tj_get_type(v, "normalizers", TJ_ARR);
        if (!list) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": Sequence normalizer needs \"normalizers\"");
        for (uint32_t i = 0; i < list->n; i++) {
            ffai_status st = tok_parse_normalizer(tok, &list->items[i], err);
            if (st != FFAI_OK) return st;
        }
        return FFAI_OK;
    }
    static const struct { const char *name; tok_norm_kind kind; } simple[] = {
        {"NFC", TN_NFC}, {"NFD", TN_NFD}, {"NFKC", TN_NFKC}, {"NFKD", TN_NFKD}, {"Lowercase", TN_LOWERCASE},
        {"Replace", TN_REPLACE}, {"Prepend", TN_PREPEND}, {"Strip", TN_STRIP},
    };
    int k = -1;
    for (int i = 0; i < (int)(sizeof simple / sizeof simple[0]); i++)
        if (!strcmp(t, simple[i].name)) k = i;
    if (k < 0) return unsupported(err, "normalizer", v);
    tok_norm *nm = grow((void **)&tok->norms, &tok->n_norms, sizeof *nm);
    if (!nm) return oom(err);
    nm->kind = simple[k].kind;
    switch (nm->kind) {
    case TN_REPLACE: {
        ffai_status st = parse_pattern(tj_get(v, "pattern"), &nm->pat, "Replace normalizer", err);
        return st != FFAI_OK ? st : dup_str(tj_get(v, "content"), "Replace normalizer content", &nm->str, &nm->str_len, err);
    }
    case TN_PREPEND: return dup_str(tj_get(v, "prepend"), "Prepend normalizer prepend", &nm->str, &nm->str_len, err);
    case TN_STRIP:
        nm->left = tj_get_bool(v, "strip_left", true);
        nm->right = tj_get_bool(v, "strip_right", true);
        return FFAI_OK;
    default: return FFAI_OK;
    }
}

/* ------------------------------------------------------------------ pre-tokenizers */

static ffai_status parse_behavior(const tj_val *v, tok_split_behavior *out, ffai_error *err) {
    static const char *names[] = {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"};
    const char *b = tj_get_str(v, "behavior");
    if (!b) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": Split pre-tokenizer needs \"behavior\"");
    for (int i = 0; i < 5; i++)
        if (!strcmp(b, names[i])) {
            *out = (tok_split_behavior)i;
            return FFAI_OK;
        }
    return ffai_fail(err, FFAI_ERR_UNSUPPORTED, TJ ": Split behavior '%s' is not supported", b);
}

ffai_status tok_parse_pre_tokenizer(ffai_tokenizer *tok, const tj_val *v, ffai_error *err) {
    if (!v || v->type == TJ_NULL) return FFAI_OK;
    if (v->type != TJ_OBJ) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": pre_tokenizer must be an object or null");
    const char *t = type_of(v);
    if (tok->n_pres && tok->pres[tok->n_pres - 1].kind == TP_BYTELEVEL)
        return ffai_fail(err, FFAI_ERR_UNSUPPORTED, TJ ": pre-tokenizer '%s' after ByteLevel is not supported", t);
    if (!strcmp(t, "Sequence")) {
        const tj_val *list = tj_get_type(v, "pretokenizers", TJ_ARR);
        if (!list) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": Sequence pre_tokenizer needs \"pretokenizers\"");
        for (uint32_t i = 0; i < list->n; i++) {
            ffai_status st = tok_parse_pre_tokenizer(tok, &list->items[i], err);
            if (st != FFAI_OK) return st;
        }
        return FFAI_OK;
    }
    tok_pre_kind kind;
    if (!strcmp(t, "Split")) kind = TP_SPLIT;
    else if (!strcmp(t, "ByteLevel")) kind = TP_BYTELEVEL;
    else if (!strcmp(t, "Metaspace")) kind = TP_METASPACE;
    else return unsupported(err, "pre_tokenizer", v);
    tok_pre *pre = grow((void **)&tok->pres, &tok->n_pres, sizeof *pre);
    if (!pre) return oom(err);
    pre->kind = kind;
    ffai_status st = FFAI_OK;
    switch (kind) {
    case TP_SPLIT:
        st = parse_pattern(tj_get(v, "pattern"), &pre->pat, "Split pre-tokenizer", err);
        if (st == FFAI_OK) st = parse_behavior(v, &pre->behavior, err);
        pre->invert = tj_get_bool(v, "invert", false);
        break;
    case TP_BYTELEVEL:
        pre->add_prefix_space = tj_get_bool(v, "add_prefix_space", true);
        pre->use_regex = tj_get_bool(v, "use_regex", true);
        if (pre->use_regex)
            st = tok_pattern_init(&pre->pat, true, GPT2_REGEX, sizeof GPT2_REGEX - 1, "ByteLevel pre-tokenizer", err);
        tok->bpe.byte_mode = true;
        break;
    case TP_METASPACE:
        st = parse_char(tj_get(v, "replacement"), "Metaspace replacement", pre->repl, &pre->repl_len, NULL, err);
        if (st == FFAI_OK) st = parse_scheme(v, "Metaspace", &pre->scheme, err);
        pre->split = tj_get_bool(v, "split", true);
        break;
    }
    return st;
}

/* ------------------------------------------------------------------ decoders */

ffai_status tok_parse_decoder(ffai_tokenizer *tok, const tj_val *v, ffai_error *err) {
    if (!v || v->type == TJ_NULL) return FFAI_OK;
    if (v->type != TJ_OBJ) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": decoder must be an object or null");
    tok->has_decoder = true;
    const char *t = type_of(v);
    if (!strcmp(t, "Sequence")) {
        const tj_val *list = tj_get_type(v, "decoders", TJ_ARR);
        if (!list) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": Sequence decoder needs \"decoders\"");
        for (uint32_t i = 0; i < list->n; i++) {
            ffai_status st = tok_parse_decoder(tok, &list->items[i], err);
            if (st != FFAI_OK) return st;
        }
        return FFAI_OK;
    }
    static const struct { const char *name; tok_dec_kind kind; } kinds[] = {
        {"ByteLevel", TD_BYTELEVEL}, {"ByteFallback", TD_BYTEFALLBACK}, {"Fuse", TD_FUSE},
        {"Strip", TD_STRIP},         {"Replace", TD_REPLACE},           {"Metaspace", TD_METASPACE},
    };
    int k = -1;
    for (int i = 0; i < (int)(sizeof kinds / sizeof kinds[0]); i++)
        if (!strcmp(t, kinds[i].name)) k = i;
    if (k < 0) return unsupported(err, "decoder", v);
    tok_dec *d = grow((void **)&tok->decs, &tok->n_decs, sizeof *d);
    if (!d) return oom(err);
    d->kind = kinds[k].kind;
    switch (d->kind) {
    case TD_STRIP: {
        int64_t a = 0, b = 0;
        const tj_val *s = tj_get(v, "start"), *e = tj_get(v, "stop");
        if ((s && !tj_int(s, 0, 1 << 20, &a)) || (e && !tj_int(e, 0, 1 << 20, &b)))
            return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": Strip decoder start/stop must be small non-negative integers");
        d->start = (size_t)a;
        d->stop = (size_t)b;
        return parse_char(tj_get(v, "content"), "Strip decoder content", NULL, NULL, &d->ch, err);
    }
    case TD_REPLACE: {
        ffai_status st = parse_pattern(tj_get(v, "pattern"), &d->pat, "Replace decoder", err);
        return st != FFAI_OK ? st : dup_str(tj_get(v, "content"), "Replace decoder content", &d->str, &d->str_len, err);
    }
    case TD_METASPACE: {
        ffai_status st = parse_char(tj_get(v, "replacement"), "Metaspace decoder replacement", d->repl, &d->repl_len,
                                    NULL, err);
        return st != FFAI_OK ? st : parse_scheme(v, "Metaspace decoder", &d->scheme, err);
    }
    default: return FFAI_OK;
    }
}

/* ------------------------------------------------------------------ post-processors */

static ffai_status append_ids(int32_t **arr, size_t *n, const int32_t *ids, size_t k, bool front, ffai_error *err) {
    int32_t *na = realloc(*arr, (*n + k + 1) * sizeof *na);
    if (!na) return oom(err);
    if (front) {
        memmove(na + k, na, *n * sizeof *na);
        memcpy(na, ids, k * sizeof *na);
    } else {
        memcpy(na + *n, ids, k * sizeof *na);
    }
    *arr = na;
    *n += k;
    return FFAI_OK;
}

static ffai_status parse_template(ffai_tokenizer *tok, const tj_val *v, ffai_error *err) {
    const tj_val *single = tj_get_type(v, "single", TJ_ARR);
    const tj_val *specials = tj_get_type(v, "special_tokens", TJ_OBJ);
    if (!single) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": TemplateProcessing needs \"single\"");
    int32_t pre[64], suf[64];
    size_t npre = 0, nsuf = 0;
    bool seen_a = false;
    for (uint32_t i = 0; i < single->n; i++) {
        const tj_val *it = &single->items[i];
        const tj_val *seq = tj_get_type(it, "Sequence", TJ_OBJ), *sp = tj_get_type(it, "SpecialToken", TJ_OBJ);
        if (seq) {
            const char *id = tj_get_str(seq, "id");
            if (!id || strcmp(id, "A") != 0 || seen_a)
                return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": TemplateProcessing single must hold sequence A once");
            seen_a = true;
            continue;
        }
        const char *name = sp ? tj_get_str(sp, "id") : NULL;
        if (!name) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": TemplateProcessing single[%u] is malformed", i);
        const tj_val *spec = tj_get_type(specials, name, TJ_OBJ);
        const tj_val *ids = tj_get_type(spec, "ids", TJ_ARR);
        if (!ids)
            return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": TemplateProcessing special token '%s' has no ids", name);
        for (uint32_t k = 0; k < ids->n; k++) {
            int64_t x;
            if (!tj_int(&ids->items[k], 0, INT32_MAX - 1, &x) || (seen_a ? nsuf : npre) >= 64)
                return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": TemplateProcessing special token '%s': bad ids", name);
            if (seen_a) suf[nsuf++] = (int32_t)x;
            else pre[npre++] = (int32_t)x;
        }
    }
    if (!seen_a) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": TemplateProcessing single has no sequence A");
    /* applied after any earlier processor: its tokens wrap what is already there */
    ffai_status st = append_ids(&tok->post_prefix, &tok->n_post_prefix, pre, npre, true, err);
    return st != FFAI_OK ? st : append_ids(&tok->post_suffix, &tok->n_post_suffix, suf, nsuf, false, err);
}

ffai_status tok_parse_post_processor(ffai_tokenizer *tok, const tj_val *v, ffai_error *err) {
    if (!v || v->type == TJ_NULL) return FFAI_OK;
    if (v->type != TJ_OBJ) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": post_processor must be an object or null");
    const char *t = type_of(v);
    if (!strcmp(t, "Sequence")) {
        const tj_val *list = tj_get_type(v, "processors", TJ_ARR);
        if (!list) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": Sequence post_processor needs \"processors\"");
        for (uint32_t i = 0; i < list->n; i++) {
            ffai_status st = tok_parse_post_processor(tok, &list->items[i], err);
            if (st != FFAI_OK) return st;
        }
        return FFAI_OK;
    }
    if (!strcmp(t, "ByteLevel")) return FFAI_OK; /* offsets only */
    if (!strcmp(t, "TemplateProcessing")) return parse_template(tok, v, err);
    return unsupported(err, "post_processor", v);
}

void tok_free_components(ffai_tokenizer *tok) {
    for (size_t i = 0; i < tok->n_norms; i++) {
        tok_pattern_free(&tok->norms[i].pat);
        free(tok->norms[i].str);
    }
    free(tok->norms);
    for (size_t i = 0; i < tok->n_pres; i++) tok_pattern_free(&tok->pres[i].pat);
    free(tok->pres);
    for (size_t i = 0; i < tok->n_decs; i++) {
        tok_pattern_free(&tok->decs[i].pat);
        free(tok->decs[i].str);
    }
    free(tok->decs);
    free(tok->post_prefix);
    free(tok->post_suffix);
}
