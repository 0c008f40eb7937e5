/* normalize.c — normalizers: NFC/NFD/NFKC/NFKD (utf8proc), Lowercase, Replace, Prepend, Strip,
 * applied in sequence to one segment of text (between added tokens), as HF does. */
#include <utf8proc.h>

#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

static ffai_status oom(ffai_error *err) { return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory"); }

/* Unicode normalization of in into out. ASCII runs are invariant under every form, so only the
 * stretches around non-ASCII characters go through utf8proc. A boundary before an ASCII byte that
 * is followed by another ASCII byte (or the end) is safe: ASCII characters are starters that
 * never compose with what precedes them. */
static ffai_status unicode_normalize(const char *in, size_t n, utf8proc_option_t opts, tok_buf *out,
                                     ffai_error *err) {
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && (unsigned char)in[j] < 0x80) j++;
        if (j == n) return tok_buf_append(out, in + i, n - i) ? FFAI_OK : oom(err);
        size_t start = j > i ? j - 1 : j; /* the ASCII char before may be a base for marks */
        if (!tok_buf_append(out, in + i, start - i)) return oom(err);
        size_t end = j;
        while (end < n) {
            if ((unsigned char)in[end] < 0x80 && (end + 1 == n || (unsigned char)in[end + 1] < 0x80)) break;
            end++;
        }
        utf8proc_uint8_t *dst = NULL;
        utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)in + start, (utf8proc_ssize_t)(end - start), &dst,
                                          opts);
        if (r < 0) {
            free(dst);
            return ffai_fail(err, FFAI_ERR_INVALID_ARG, "tokenizer: normalization failed: %s", utf8proc_errmsg(r));
        }
        bool ok = tok_buf_append(out, dst, (size_t)r);
        free(dst);
        if (!ok) return oom(err);
        i = end;
    }
    return FFAI_OK;
}

static bool is_letter(uint32_t cp) {
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

/* Rust str::to_lowercase: full mappings; the two multi-char / contextual cases handled here. */
static ffai_status lowercase(const char *in, size_t n, tok_buf *out, ffai_error *err) {
    if (!tok_buf_reserve(out, n)) return oom(err);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)in[i];
        if (c < 0x80) {
            char l = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            if (!tok_buf_append(out, &l, 1)) return oom(err);
            i++;
            continue;
        }
        uint32_t cp;
        size_t cl = tok_utf8_decode(in + i, n - i, &cp);
        char buf[8];
        size_t bl;
        if (cp == 0x130) { /* İ -> i + combining dot above */
            memcpy(buf, "i\xCC\x87", 3);
            bl = 3;
        } else if (cp == 0x3A3) { /* Σ -> ς after a letter and not before one, else σ */
            bool before = false, after = false;
            if (i > 0) {
                size_t k = i - 1;
                while (k > 0 && ((unsigned char)in[k] & 0xC0) == 0x80) k--;
                uint32_t pc;
                tok_utf8_decode(in + k, n - k, &pc);
                before = is_letter(pc);
            }
            if (i + cl < n) {
                uint32_t nc;
                tok_utf8_decode(in + i + cl, n - i - cl, &nc);
                after = is_letter(nc);
            }
            bl = tok_utf8_encode(before && !after ? 0x3C2 : 0x3C3, buf);
        } else {
            bl = tok_utf8_encode((uint32_t)utf8proc_tolower((utf8proc_int32_t)cp), buf);
        }
        if (!tok_buf_append(out, buf, bl)) return oom(err);
        i += cl;
    }
    return FFAI_OK;
}

static ffai_status replace_all(const tok_pattern *pat, const char *repl, size_t repl_len, const char *in, size_t n,
                               tok_buf *out, pcre2_match_data *md, ffai_error *err) {
    size_t pos = 0, ms, me;
    bool failed = false;
    while (tok_pattern_find(pat, in, n, pos, &ms, &me, md, &failed)) {
        if (!tok_buf_append(out, in + pos, ms - pos) || !tok_buf_append(out, repl, repl_len)) return oom(err);
        pos = me;
    }
    if (failed) return ffai_fail(err, FFAI_ERR_INTERNAL, "tokenizer: Replace regex failed at run time");
    return tok_buf_append(out, in + pos, n - pos) ? FFAI_OK : oom(err);
}

static ffai_status strip(const tok_norm *nm, const char *in, size_t n, tok_buf *out, ffai_error *err) {
    size_t a = 0, b = n;
    if (nm->left)
        while (a < b) {
            uint32_t cp;
            size_t cl = tok_utf8_decode(in + a, b - a, &cp);
            if (!tok_is_whitespace(cp)) break;
            a += cl;
        }
    if (nm->right)
        while (b > a) {
            size_t k = b - 1;
            while (k > a && ((unsigned char)in[k] & 0xC0) == 0x80) k--;
            uint32_t cp;
            tok_utf8_decode(in + k, b - k, &cp);
            if (!tok_is_whitespace(cp)) break;
            b = k;
        }
    return tok_buf_append(out, in + a, b - a) ? FFAI_OK : oom(err);
}

static bool all_ascii(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) return false;
    return true;
}

static ffai_status apply_one(const tok_norm *nm, const char *in, size_t n, tok_buf *out, pcre2_match_data *md,
                             ffai_error *err) {
    out->n = 0;
    if (!tok_buf_reserve(out, n)) return oom(err);
    out->p[0] = '\0';
    switch (nm->kind) {
    case TN_NFC:
    case TN_NFD:
    case TN_NFKC:
    case TN_NFKD: {
        if (all_ascii(in, n)) return tok_buf_append(out, in, n) ? FFAI_OK : oom(err);
        utf8proc_option_t o = UTF8PROC_STABLE;
        if (nm->kind == TN_NFC || nm->kind == TN_NFKC) o |= UTF8PROC_COMPOSE;
        else o |= UTF8PROC_DECOMPOSE;
        if (nm->kind == TN_NFKC || nm->kind == TN_NFKD) o |= UTF8PROC_COMPAT;
        return unicode_normalize(in, n, o, out, err);
    }
    case TN_LOWERCASE: return lowercase(in, n, out, err);
    case TN_REPLACE: return replace_all(&nm->pat, nm->str, nm->str_len, in, n, out, md, err);
    case TN_PREPEND:
        if (n && !tok_buf_append(out, nm->str, nm->str_len)) return oom(err);
        return tok_buf_append(out, in, n) ? FFAI_OK : oom(err);
    case TN_STRIP: return strip(nm, in, n, out, err);
    }
    return ffai_fail(err, FFAI_ERR_INTERNAL, "tokenizer: unknown normalizer");
}

ffai_status tok_normalize(const ffai_tokenizer *tok, const char *in, size_t n, tok_buf *out, tok_buf *tmp,
                          pcre2_match_data *md, ffai_error *err) {
    out->n = 0;
    if (!tok_buf_append(out, in, n)) return oom(err);
    for (size_t k = 0; k < tok->n_norms; k++) {
        ffai_status st = apply_one(&tok->norms[k], out->p, out->n, tmp, md, err);
        if (st != FFAI_OK) return st;
        tok_buf t = *out;
        *out = *tmp;
        *tmp = t;
    }
    return FFAI_OK;
}
