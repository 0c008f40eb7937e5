/* decode.c — ids -> text: tokens' raw strings through the decoder chain (ByteLevel,
 * ByteFallback, Fuse, Strip, Replace, Metaspace), each a list -> list step as in HF. */
#include <stdio.h>

#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

/* A list of strings; an entry either borrows stable bytes (ext) or lives in `text`. */
typedef struct {
    const char *ext;
    size_t off, len;
} sl_ent;

typedef struct {
    tok_buf text;
    sl_ent *e;
    size_t n, cap;
} strlist;

static ffai_status oom(ffai_error *err) { return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory"); }

static inline const char *sl_str(const strlist *l, size_t i) {
    return l->e[i].ext ? l->e[i].ext : l->text.p + l->e[i].off;
}

static bool sl_push_ext(strlist *l, const char *s, size_t n) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        sl_ent *ne = realloc(l->e, cap * sizeof *ne);
        if (!ne) return false;
        l->e = ne;
        l->cap = cap;
    }
    l->e[l->n++] = (sl_ent){s, 0, n};
    return true;
}

/* Starts a new owned entry at the end of text; append bytes with sl_add, then sl_close. */
static bool sl_open(strlist *l) {
    if (!sl_push_ext(l, NULL, 0)) return false;
    l->e[l->n - 1].off = l->text.n;
    return true;
}
static inline bool sl_add(strlist *l, const void *s, size_t n) { return tok_buf_append(&l->text, s, n); }
static void sl_close(strlist *l) { l->e[l->n - 1].len = l->text.n - l->e[l->n - 1].off; }

static void sl_reset(strlist *l) {
    l->n = 0;
    l->text.n = 0;
}

static void sl_free(strlist *l) {
    tok_buf_free(&l->text);
    free(l->e);
}

/* ------------------------------------------------------------------ decoders */

static bool dec_bytelevel(const strlist *in, strlist *out, tok_buf *tmp) {
    tmp->n = 0;
    for (size_t i = 0; i < in->n; i++) {
        const char *s = sl_str(in, i);
        size_t n = in->e[i].len, start = tmp->n;
        if (!tok_buf_reserve(tmp, n)) return false;
        bool all = true;
        for (size_t k = 0; k < n && all;) {
            uint32_t cp;
            size_t cl = tok_utf8_decode(s + k, n - k, &cp);
            int b = tok_cp_to_byte(cp);
            if (b < 0) all = false;
            else tmp->p[tmp->n++] = (char)b;
            k += cl;
        }
        if (!all) { /* not a byte-level token (e.g. an added token): its bytes as they are */
            tmp->n = start;
            if (!tok_buf_append(tmp, s, n)) return false;
        }
    }
    return sl_open(out) && tok_utf8_append_lossy(&out->text, tmp->p ? tmp->p : "", tmp->n) && (sl_close(out), true);
}

static int byte_token(const char *s, size_t n) {
    if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
    int v = 0;
    for (int i = 3; i < 5; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static bool flush_bytes(strlist *out, tok_buf *bytes) {
    if (!bytes->n) return true;
    bool ok = true;
    if (tok_utf8_valid_prefix(bytes->p, bytes->n) == bytes->n) {
        ok = sl_open(out) && sl_add(out, bytes->p, bytes->n);
        if (ok) sl_close(out);
    } else {
        for (size_t i = 0; i < bytes->n && ok; i++) ok = sl_push_ext(out, "\xEF\xBF\xBD", 3);
    }
    bytes->n = 0;
    return ok;
}

static bool dec_bytefallback(const strlist *in, strlist *out, tok_buf *bytes) {
    bytes->n = 0;
    for (size_t i = 0; i < in->n; i++) {
        const char *s = sl_str(in, i);
        int b = byte_token(s, in->e[i].len);
        if (b >= 0) {
            char c = (char)b;
            if (!tok_buf_append(bytes, &c, 1)) return false;
            continue;
        }
        if (!flush_bytes(out, bytes)) return false;
        if (!sl_open(out) || !sl_add(out, s, in->e[i].len)) return false;
        sl_close(out);
    }
    return flush_bytes(out, bytes);
}

static bool dec_fuse(const strlist *in, strlist *out) {
    if (!sl_open(out)) return false;
    for (size_t i = 0; i < in->n; i++)
        if (!sl_add(out, sl_str(in, i), in->e[i].len)) return false;
    sl_close(out);
    return true;
}

static bool dec_strip(const tok_dec *d, const strlist *in, strlist *out) {
    char cb[4];
    size_t cl = tok_utf8_encode(d->ch, cb);
    for (size_t i = 0; i < in->n; i++) {
        const char *s = sl_str(in, i);
        size_t a = 0, b = in->e[i].len;
        for (size_t k = 0; k < d->start && b - a >= cl && memcmp(s + a, cb, cl) == 0; k++) a += cl;
        for (size_t k = 0; k < d->stop && b - a >= cl && memcmp(s + b - cl, cb, cl) == 0; k++) b -= cl;
        if (!sl_open(out) || !sl_add(out, s + a, b - a)) return false;
        sl_close(out);
    }
    return true;
}

static bool dec_replace(const tok_dec *d, const strlist *in, strlist *out, pcre2_match_data *md) {
    for (size_t i = 0; i < in->n; i++) {
        const char *s = sl_str(in, i);
        size_t n = in->e[i].len, pos = 0, ms, me;
        if (!sl_open(out)) return false;
        while (tok_pattern_find(&d->pat, s, n, pos, &ms, &me, md, NULL)) {
            if (!sl_add(out, s + pos, ms - pos) || !sl_add(out, d->str, d->str_len)) return false;
            pos = me;
        }
        if (!sl_add(out, s + pos, n - pos)) return false;
        sl_close(out);
    }
    return true;
}

static bool dec_metaspace(const tok_dec *d, const strlist *in, strlist *out) {
    for (size_t i = 0; i < in->n; i++) {
        const char *s = sl_str(in, i);
        size_t n = in->e[i].len, pos = 0;
        bool drop = i == 0 && d->scheme != TPS_NEVER;
        if (!sl_open(out)) return false;
        while (pos < n) {
            if (n - pos >= d->repl_len && memcmp(s + pos, d->repl, d->repl_len) == 0) {
                if (!drop && !sl_add(out, " ", 1)) return false;
                pos += d->repl_len;
            } else {
                size_t cl = tok_utf8_len((unsigned char)s[pos]);
                if (cl > n - pos) cl = n - pos;
                if (!sl_add(out, s + pos, cl)) return false;
                pos += cl;
            }
        }
        sl_close(out);
    }
    return true;
}

/* ------------------------------------------------------------------ entry */

bool tok_decode_keeps(const ffai_tokenizer *tok, int32_t id, bool skip_special) {
    if (id < 0 || (size_t)id >= tok->n_ids || tok->piece_len[id] == UINT32_MAX) return false;
    return !(skip_special && (tok->id_flags[id] & TOK_ID_SPECIAL));
}

bool tok_is_byte_piece(const ffai_tokenizer *tok, int32_t id) {
    size_t n;
    const char *s = tok_id_piece(tok, id, &n);
    return s && byte_token(s, n) >= 0;
}

ffai_status tok_decode_append(const ffai_tokenizer *tok, const int32_t *ids, size_t n, bool skip_special,
                              tok_buf *out, ffai_error *err) {
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || (size_t)ids[i] >= tok->n_ids)
            return ffai_fail(err, FFAI_ERR_RANGE, "tokenizer: token id %d at position %zu is outside the vocabulary (0..%zu)",
                             ids[i], i, tok->n_ids - 1);
    strlist a = {0}, b = {0};
    tok_buf tmp = {0};
    pcre2_match_data *md = NULL;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        if (!tok_decode_keeps(tok, ids[i], skip_special)) continue;
        size_t pl;
        const char *p = tok_id_piece(tok, ids[i], &pl);
        ok = sl_push_ext(&a, p, pl);
    }
    if (ok && !tok->has_decoder) { /* HF joins the tokens with spaces */
        for (size_t i = 0; i < a.n && ok; i++)
            ok = (i == 0 || tok_buf_append(out, " ", 1)) && tok_buf_append(out, sl_str(&a, i), a.e[i].len);
        goto done;
    }
    for (size_t k = 0; k < tok->n_decs && ok; k++) {
        const tok_dec *d = &tok->decs[k];
        sl_reset(&b);
        switch (d->kind) {
        case TD_BYTELEVEL: ok = dec_bytelevel(&a, &b, &tmp); break;
        case TD_BYTEFALLBACK: ok = dec_bytefallback(&a, &b, &tmp); break;
        case TD_FUSE: ok = dec_fuse(&a, &b); break;
        case TD_STRIP: ok = dec_strip(d, &a, &b); break;
        case TD_REPLACE:
            if (d->pat.is_regex && !md && !(md = tok_pattern_md_create())) ok = false;
            else ok = dec_replace(d, &a, &b, md);
            break;
        case TD_METASPACE: ok = dec_metaspace(d, &a, &b); break;
        }
        strlist t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < a.n && ok; i++) ok = tok_buf_append(out, sl_str(&a, i), a.e[i].len);
done:
    if (ok && !tok_buf_reserve(out, 0)) ok = false; /* always NUL-terminated */
    if (ok) out->p[out->n] = '\0';
    sl_free(&a);
    sl_free(&b);
    tok_buf_free(&tmp);
    if (md) pcre2_match_data_free(md);
    return ok ? FFAI_OK : oom(err);
}

ffai_status ffai_tokenizer_decode(const ffai_tokenizer *tok, const int32_t *ids, size_t n, bool skip_special,
                                  char **text, size_t *len, ffai_error *err) {
    if (text) *text = NULL;
    if (len) *len = 0;
    if (!tok || !text || (!ids && n)) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "ffai_tokenizer_decode: NULL argument");
    tok_buf out = {0};
    ffai_status st = tok_decode_append(tok, ids, n, skip_special, &out, err);
    if (st != FFAI_OK) {
        tok_buf_free(&out);
        return st;
    }
    *text = out.p;
    if (len) *len = out.n;
    return FFAI_OK;
}
