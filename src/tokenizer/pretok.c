/* pretok.c — pre-tokenizers: Split (all five HF delimiter behaviours, invert), ByteLevel
 * (prefix space, optional GPT-2 regex; the byte->char mapping itself is implicit because the
 * BPE model works on raw bytes) and Metaspace, run in sequence over pre-token lists. */
#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"

static ffai_status oom(ffai_error *err) { return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory"); }

static bool push_piece(tok_work *ws, uint32_t off, uint32_t len, bool at_start) {
    if (len == 0) return true; /* HF drops empty splits */
    if (ws->nb == ws->capb) {
        size_t cap = ws->capb ? ws->capb * 2 : 256;
        tok_piece *np = realloc(ws->pb, cap * sizeof *np);
        if (!np) return false;
        ws->pb = np;
        ws->capb = cap;
    }
    ws->pb[ws->nb++] = (tok_piece){off, len, at_start};
    return true;
}

/* Streaming combiner for one piece's spans, implementing HF's SplitDelimiterBehavior. */
typedef struct {
    tok_work *ws;
    tok_split_behavior behavior;
    uint32_t base; /* pool offset of the piece */
    bool at_start;
    bool has_pending, pending_match;
    size_t ps, pe;
    bool ok;
} combiner;

static void emit(combiner *c, size_t s, size_t e) {
    if (c->ok && !push_piece(c->ws, c->base + (uint32_t)s, (uint32_t)(e - s), c->at_start && s == 0)) c->ok = false;
}

static void span(combiner *c, size_t s, size_t e, bool match) {
    switch (c->behavior) {
    case TS_ISOLATED: emit(c, s, e); return;
    case TS_REMOVED:
        if (!match) emit(c, s, e);
        return;
    case TS_MERGED_PREV: /* a match joins the non-match before it */
        if (match && c->has_pending && !c->pending_match) {
            c->pe = e;
            c->pending_match = true;
            return;
        }
        break;
    case TS_MERGED_NEXT: /* a match joins the non-match after it */
        if (!match && c->has_pending && c->pending_match) {
            c->pe = e;
            c->pending_match = false;
            emit(c, c->ps, c->pe);
            c->has_pending = false;
            return;
        }
        if (!match && !c->has_pending) {
            emit(c, s, e);
            return;
        }
        break;
    case TS_CONTIGUOUS: /* consecutive matches become one */
        if (match && c->has_pending && c->pending_match) {
            c->pe = e;
            return;
        }
        break;
    }
    if (c->has_pending) emit(c, c->ps, c->pe);
    c->has_pending = true;
    c->pending_match = match;
    c->ps = s;
    c->pe = e;
}

static void finish(combiner *c) {
    if (c->has_pending) emit(c, c->ps, c->pe);
    c->has_pending = false;
}

/* Splits pool[off..off+len) by pat into ws->pb. */
static ffai_status split_piece(tok_work *ws, const tok_pattern *pat, tok_split_behavior behavior, bool invert,
                               uint32_t off, uint32_t len, bool at_start, ffai_error *err) {
    combiner c = {ws, behavior, off, at_start, false, false, 0, 0, true};
    const char *s = ws->pool.p + off; /* the pool does not grow while splitting */
    size_t pos = 0, ms, me;
    bool failed = false;
    while (tok_pattern_find(pat, s, len, pos, &ms, &me, ws->md, &failed)) {
        if (ms > pos) span(&c, pos, ms, invert);
        span(&c, ms, me, !invert);
        pos = me;
    }
    if (failed) return ffai_fail(err, FFAI_ERR_INTERNAL, "tokenizer: pre-tokenizer regex failed at run time");
    if (pos < len) span(&c, pos, len, invert);
    finish(&c);
    return c.ok ? FFAI_OK : oom(err);
}

static ffai_status byte_level(const tok_pre *pre, tok_work *ws, const tok_piece *pc, ffai_error *err) {
    uint32_t off = pc->off, len = pc->len;
    if (pre->add_prefix_space && ws->pool.p[off] != ' ') {
        if (!tok_buf_reserve(&ws->pool, (size_t)len + 1)) return oom(err);
        uint32_t noff = (uint32_t)ws->pool.n;
        ws->pool.p[ws->pool.n++] = ' ';
        memcpy(ws->pool.p + ws->pool.n, ws->pool.p + off, len);
        ws->pool.n += len;
        off = noff;
        len++;
    }
    if (!pre->use_regex) return push_piece(ws, off, len, pc->at_start) ? FFAI_OK : oom(err);
    return split_piece(ws, &pre->pat, TS_ISOLATED, false, off, len, pc->at_start, err);
}

static ffai_status metaspace(const tok_pre *pre, tok_work *ws, const tok_piece *pc, ffai_error *err) {
    if (!tok_buf_reserve(&ws->pool, (size_t)pc->len * pre->repl_len + pre->repl_len)) return oom(err);
    const char *src = ws->pool.p + pc->off; /* stable: capacity reserved above */
    char *dst = ws->pool.p + ws->pool.n;
    uint32_t noff = (uint32_t)ws->pool.n;
    size_t k = 0;
    bool starts = pc->len >= pre->repl_len ? memcmp(src, pre->repl, pre->repl_len) == 0 : false;
    if (!starts && (src[0] == ' ')) starts = true; /* the space becomes the replacement */
    bool prepend = !starts && (pre->scheme == TPS_ALWAYS || (pre->scheme == TPS_FIRST && pc->at_start));
    if (prepend) {
        memcpy(dst, pre->repl, pre->repl_len);
        k += pre->repl_len;
    }
    for (uint32_t i = 0; i < pc->len; i++) {
        if (src[i] == ' ') {
            memcpy(dst + k, pre->repl, pre->repl_len);
            k += pre->repl_len;
        } else {
            dst[k++] = src[i];
        }
    }
    ws->pool.n += k;
    if (!pre->split) return push_piece(ws, noff, (uint32_t)k, pc->at_start) ? FFAI_OK : oom(err);
    tok_pattern lit = {.is_regex = false, .lit = (char *)pre->repl, .lit_len = pre->repl_len};
    return split_piece(ws, &lit, TS_MERGED_NEXT, false, noff, (uint32_t)k, pc->at_start, err);
}

/* Exchanges the two piece buffers: pb's pieces become pa's, pb is emptied. */
static void swap_pieces(tok_work *ws) {
    tok_piece *tp = ws->pa;
    size_t tc = ws->capa;
    ws->pa = ws->pb;
    ws->na = ws->nb;
    ws->capa = ws->capb;
    ws->pb = tp;
    ws->capb = tc;
    ws->nb = 0;
}

ffai_status tok_pre_tokenize(const ffai_tokenizer *tok, const char *text, size_t n, bool at_start, tok_work *ws,
                             ffai_error *err) {
    ws->pool.n = 0;
    if (n > UINT32_MAX / 4) return ffai_fail(err, FFAI_ERR_RANGE, "tokenizer: text segment too long (%zu bytes)", n);
    if (!tok_buf_append(&ws->pool, text, n)) return oom(err);
    ws->nb = 0;
    if (!push_piece(ws, 0, (uint32_t)n, at_start)) return oom(err);
    for (size_t k = 0; k < tok->n_pres; k++) {
        swap_pieces(ws); /* current pieces into pa, fill pb */
        const tok_pre *pre = &tok->pres[k];
        for (size_t i = 0; i < ws->na; i++) {
            tok_piece pc = ws->pa[i];
            ffai_status st;
            switch (pre->kind) {
            case TP_SPLIT: st = split_piece(ws, &pre->pat, pre->behavior, pre->invert, pc.off, pc.len, pc.at_start, err); break;
            case TP_BYTELEVEL: st = byte_level(pre, ws, &pc, err); break;
            case TP_METASPACE: st = metaspace(pre, ws, &pc, err); break;
            default: st = ffai_fail(err, FFAI_ERR_INTERNAL, "tokenizer: unknown pre-tokenizer");
            }
            if (st != FFAI_OK) return st;
        }
    }
    swap_pieces(ws); /* result in pb -> expose as pa */
    return FFAI_OK;
}
