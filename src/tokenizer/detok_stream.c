/* detok_stream.c — incremental decoding for generation: decode a short window of recent ids
 * with and without the new one and emit the difference once it is complete UTF-8.
 *
 * The window always starts at a token whose decoding does not depend on what precedes it
 * (kept, not a <0xNN> byte-fallback piece, non-empty on its own), so the first-token rules of
 * Metaspace / Strip and ByteFallback's byte runs give the same text as a full decode. */
#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"

struct ffai_detok_stream {
    const ffai_tokenizer *tok;
    bool skip_special;
    tok_ivec ids;    /* the window: context already emitted + pending ids */
    tok_buf prefix;  /* decode of the window's emitted part */
    tok_buf full, one, out;
};

ffai_status ffai_detok_stream_create(const ffai_tokenizer *tok, bool skip_special, ffai_detok_stream **out,
                                     ffai_error *err) {
    if (!tok || !out) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "ffai_detok_stream_create: NULL argument");
    *out = calloc(1, sizeof **out);
    if (!*out) return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory");
    (*out)->tok = tok;
    (*out)->skip_special = skip_special;
    return FFAI_OK;
}

void ffai_detok_stream_free(ffai_detok_stream *s) {
    if (!s) return;
    tok_ivec_free(&s->ids);
    tok_buf_free(&s->prefix);
    tok_buf_free(&s->full);
    tok_buf_free(&s->one);
    tok_buf_free(&s->out);
    free(s);
}

static bool ends_with_replacement(const tok_buf *b) {
    return b->n >= 3 && memcmp(b->p + b->n - 3, "\xEF\xBF\xBD", 3) == 0;
}

static bool safe_start(ffai_detok_stream *s, int32_t id) {
    if (!tok_decode_keeps(s->tok, id, s->skip_special) || tok_is_byte_piece(s->tok, id)) return false;
    s->one.n = 0;
    return tok_decode_append(s->tok, &id, 1, s->skip_special, &s->one, NULL) == FFAI_OK && s->one.n > 0;
}

/* Emits full[prefix.n..]. When the full text no longer starts with the emitted prefix (only
 * when ByteFallback turns already-emitted bytes into U+FFFD), what was emitted stays. */
static ffai_status emit_suffix(ffai_detok_stream *s) {
    s->out.n = 0;
    size_t from = s->prefix.n < s->full.n ? s->prefix.n : s->full.n;
    if (!tok_buf_append(&s->out, s->full.p + from, s->full.n - from)) return FFAI_ERR_NOMEM;
    return FFAI_OK;
}

ffai_status ffai_detok_stream_push(ffai_detok_stream *s, int32_t id, const char **text, size_t *len) {
    *text = "";
    *len = 0;
    if (id < 0 || (size_t)id >= s->tok->n_ids) return FFAI_ERR_RANGE;
    if (!tok_ivec_push(&s->ids, id)) return FFAI_ERR_NOMEM;
    s->full.n = 0;
    ffai_status st = tok_decode_append(s->tok, s->ids.p, s->ids.n, s->skip_special, &s->full, NULL);
    if (st != FFAI_OK) return st;
    if (s->full.n <= s->prefix.n || ends_with_replacement(&s->full)) return FFAI_OK; /* wait for more */
    if ((st = emit_suffix(s)) != FFAI_OK) return st;
    /* everything is emitted: restart the window at the last safe token */
    size_t start = s->ids.n;
    while (start > 0 && !safe_start(s, s->ids.p[start - 1])) start--;
    if (start > 0) {
        start--;
        memmove(s->ids.p, s->ids.p + start, (s->ids.n - start) * sizeof *s->ids.p);
        s->ids.n -= start;
        s->prefix.n = 0;
        st = tok_decode_append(s->tok, s->ids.p, s->ids.n, s->skip_special, &s->prefix, NULL);
        if (st != FFAI_OK) return st;
    } else {
        tok_buf t = s->prefix;
        s->prefix = s->full;
        s->full = t;
    }
    *text = s->out.p ? s->out.p : "";
    *len = s->out.n;
    return FFAI_OK;
}

ffai_status ffai_detok_stream_flush(ffai_detok_stream *s, const char **text, size_t *len) {
    *text = "";
    *len = 0;
    s->full.n = 0;
    ffai_status st = tok_decode_append(s->tok, s->ids.p, s->ids.n, s->skip_special, &s->full, NULL);
    if (st != FFAI_OK) return st;
    if (s->full.n > s->prefix.n && (st = emit_suffix(s)) != FFAI_OK) return st;
    if (s->full.n <= s->prefix.n) s->out.n = 0;
    s->ids.n = 0;
    s->prefix.n = 0;
    *text = s->out.p ? s->out.p : "";
    *len = s->out.n;
    return FFAI_OK;
}
