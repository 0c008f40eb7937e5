/* bpe.c — the BPE model: vocab + merge ranks from tokenizer.json, and the merge loop that turns
 * one pre-token into ids (lowest rank first, leftmost on ties, exactly as HF's Word::merge_all). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

#define BPE_SMALL 48         /* words up to this many symbols use the rank-array loop */
#define BPE_CACHE_MAX_LEN 64 /* longest pre-token kept in the per-call cache */
#define BPE_CACHE_MAX_ENTRIES 65536
#define BPE_CACHE_BLOCK 65536

/* ------------------------------------------------------------------ loading */

/* Model-form bytes of a raw vocab string: byte mode maps the byte-level alphabet back to bytes.
 * Returns false when the string is not representable (never reachable in byte mode). */
static bool model_form(const tok_bpe *m, const char *s, size_t n, tok_buf *tmp, const char **out, size_t *out_n) {
    if (!m->byte_mode) {
        *out = s;
        *out_n = n;
        return true;
    }
    if (!tok_bytelevel_to_bytes(s, n, tmp)) return false;
    *out = tmp->p;
    *out_n = tmp->n;
    return true;
}

static ffai_status dup_model_form(tok_bpe *m, const tj_val *v, const char *what, char **dst, size_t *dst_len,
                                  tok_buf *tmp, ffai_error *err) {
    *dst = NULL;
    *dst_len = 0;
    if (!v || v->type == TJ_NULL) return FFAI_OK;
    if (v->type != TJ_STR) return ffai_fail(err, FFAI_ERR_FORMAT, "tokenizer.json: model.%s must be a string", what);
    if (v->n == 0) return FFAI_OK;
    const char *s;
    size_t n;
    if (!model_form(m, v->str, v->n, tmp, &s, &n))
        return ffai_fail(err, FFAI_ERR_UNSUPPORTED, "tokenizer.json: model.%s '%s' is outside the byte-level alphabet",
                         what, v->str);
    *dst = malloc(n + 1);
    if (!*dst) return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer.json: out of memory");
    memcpy(*dst, s, n);
    (*dst)[n] = '\0';
    *dst_len = n;
    return FFAI_OK;
}

static ffai_status load_vocab(ffai_tokenizer *tok, const tok_vocab_ent *ents, size_t n_ents, tok_buf *tmp,
                              ffai_error *err) {
    tok_bpe *m = &tok->bpe;
    /* keys that are not the id's piece verbatim are copied into key_pool; pass 1 builds it */
    size_t nv = n_ents ? n_ents : 1;
    uint32_t *koff = malloc(nv * sizeof *koff), *klen = malloc(nv * sizeof *klen);
    tok_buf kp = {0};
    if (!koff || !klen) {
        free(koff);
        free(klen);
        return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer.json: out of memory");
    }
    ffai_status st = FFAI_OK;
    for (size_t i = 0; i < n_ents; i++) {
        const tok_vocab_ent *e = &ents[i];
        int32_t id = e->id;
        koff[i] = UINT32_MAX;
        const char *s;
        size_t n;
        if (!model_form(m, e->key, e->len, tmp, &s, &n)) {
            koff[i] = UINT32_MAX - 1; /* unreachable in byte mode: not indexed */
            continue;
        }
        size_t pl;
        const char *piece = tok_id_piece(tok, id, &pl);
        if (piece && pl == n && memcmp(piece, s, n) == 0) continue;
        if (kp.n + n + 1 >= UINT32_MAX - 2) {
            st = ffai_fail(err, FFAI_ERR_RANGE, "tokenizer.json: vocabulary too large");
            break;
        }
        koff[i] = (uint32_t)kp.n;
        klen[i] = (uint32_t)n;
        if (!tok_buf_append(&kp, s, n) || !tok_buf_append(&kp, "", 1)) {
            st = ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer.json: out of memory");
            break;
        }
    }
    if (st == FFAI_OK && !tok_smap_init(&m->vocab, n_ents))
        st = ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer.json: out of memory");
    /* insert in batches, prefetching each batch's slots first (the table is far larger than cache) */
    enum { VB = 64 };
    const char *bs[VB];
    size_t bl[VB];
    int32_t bid[VB];
    uint32_t bh[VB];
    for (size_t i0 = 0; st == FFAI_OK && i0 < n_ents; i0 += VB) {
        size_t k = 0;
        for (size_t i = i0; i < n_ents && i < i0 + VB; i++) {
            if (koff[i] == UINT32_MAX - 1) continue;
            const char *s = NULL;
            size_t n = 0;
            if (koff[i] == UINT32_MAX) {
                if (!(s = tok_id_piece(tok, ents[i].id, &n))) continue;
            } else {
                s = kp.p + koff[i];
                n = klen[i];
            }
            bs[k] = s, bl[k] = n, bid[k] = ents[i].id;
            bh[k] = tok_smap_hash(s, n);
            tok_smap_prefetch(&m->vocab, bh[k]);
            k++;
        }
        for (size_t j = 0; j < k && st == FFAI_OK; j++)
            if (!tok_smap_put(&m->vocab, bs[j], bl[j], bid[j]))
                st = ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer.json: out of memory");
    }
    free(koff);
    free(klen);
    m->key_pool = kp.p; /* owned; keys point into it */
    return st;
}

/* One parsed merge of a batch: raw halves (for messages), model-form a, b and a+b in scratch. */
typedef struct {
    const char *ra, *rb;
    uint32_t ran, rbn;
    uint32_t off[3], len[3]; /* a, b, merged: in the batch scratch */
    uint32_t h[3];
    int32_t id[3];
    bool skip; /* outside the byte-level alphabet: unreachable, ignored */
} merge_rec;

#define MERGE_BATCH 64

/* Merges are read in batches so that the ~4 random memory accesses each needs (three vocab
 * lookups, one insertion) overlap through prefetching instead of running one after another. */
static ffai_status load_merges(tok_bpe *m, const tok_merge_ent *merges, size_t n_merges, ffai_error *err) {
    if (!tok_pmap_init(&m->merges, n_merges)) return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer.json: out of memory");
    merge_rec rec[MERGE_BATCH];
    tok_buf sc = {0}, conv = {0};
    ffai_status st = FFAI_OK;
    uint32_t rank = 0;
    for (size_t next = 0; next < n_merges && st == FFAI_OK;) {
        size_t k = 0;
        sc.n = 0;
        while (k < MERGE_BATCH && next < n_merges) {
            merge_rec *r = &rec[k];
            const char *a = merges[next].a, *b = merges[next].b;
            size_t an = merges[next].an, bn = merges[next].bn;
            next++;
            r->ra = a, r->ran = (uint32_t)an, r->rb = b, r->rbn = (uint32_t)bn;
            r->skip = false;
            const char *src[2] = {a, b};
            size_t sl[2] = {an, bn};
            for (int j = 0; j < 2 && !r->skip; j++) {
                const char *ms;
                size_t mn;
                if (!model_form(m, src[j], sl[j], &conv, &ms, &mn)) {
                    r->skip = true;
                    break;
                }
                r->off[j] = (uint32_t)sc.n;
                r->len[j] = (uint32_t)mn;
                if (!tok_buf_append(&sc, ms, mn)) st = ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer.json: out of memory");
            }
            if (!r->skip && st == FFAI_OK) {
                size_t skip = m->cont_prefix_len <= r->len[1] ? m->cont_prefix_len : r->len[1];
                r->off[2] = (uint32_t)sc.n;
                r->len[2] = r->len[0] + r->len[1] - (uint32_t)skip;
                if (!tok_buf_reserve(&sc, r->len[2])) {
                    st = ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer.json: out of memory");
                    break;
                }
                memcpy(sc.p + sc.n, sc.p + r->off[0], r->len[0]);
                memcpy(sc.p + sc.n + r->len[0], sc.p + r->off[1] + skip, r->len[1] - skip);
                sc.n += r->len[2];
            }
            k++;
        }
        if (st != FFAI_OK) break;
        for (size_t i = 0; i < k; i++)
            for (int j = 0; j < 3 && !rec[i].skip; j++) {
                rec[i].h[j] = tok_smap_hash(sc.p + rec[i].off[j], rec[i].len[j]);
                tok_smap_prefetch(&m->vocab, rec[i].h[j]);
            }
        for (size_t i = 0; i < k && st == FFAI_OK; i++) {
            merge_rec *r = &rec[i];
            if (r->skip) continue;
            for (int j = 0; j < 3; j++) r->id[j] = tok_smap_get_h(&m->vocab, sc.p + r->off[j], r->len[j], r->h[j]);
            if (r->id[0] < 0 || r->id[1] < 0)
                st = ffai_fail(err, FFAI_ERR_FORMAT, "tokenizer.json: model.merges[%zu]: token '%.*s' is not in the vocab",
                               (size_t)rank + i, (int)(r->id[0] < 0 ? r->ran : r->rbn), r->id[0] < 0 ? r->ra : r->rb);
            else if (r->id[2] < 0)
                st = ffai_fail(err, FFAI_ERR_FORMAT,
                               "tokenizer.json: model.merges[%zu]: merged token '%.*s%.*s' is not in the vocab",
                               (size_t)rank + i, (int)r->ran, r->ra, (int)r->rbn, r->rb);
            else
                tok_pmap_prefetch(&m->merges, r->id[0], r->id[1]);
        }
        for (size_t i = 0; i < k && st == FFAI_OK; i++)
            if (!rec[i].skip && !tok_pmap_put(&m->merges, rec[i].id[0], rec[i].id[1], rank + (uint32_t)i, rec[i].id[2]))
                st = ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer.json: out of memory");
        rank += (uint32_t)k;
    }
    tok_buf_free(&sc);
    tok_buf_free(&conv);
    return st;
}

ffai_status tok_bpe_load(ffai_tokenizer *tok, const tj_val *model, const tok_vocab_ent *ents, size_t n_ents,
                         const tok_merge_ent *merge_ents, size_t n_merges, ffai_error *err) {
    tok_bpe *m = &tok->bpe;
    m->unk_id = -1;
    for (int i = 0; i < 256; i++) m->unit_id[i] = m->fallback_id[i] = -1;
    const tj_val *dropout = tj_get(model, "dropout");
    if (dropout && dropout->type == TJ_NUM && dropout->num > 0.0)
        return ffai_fail(err, FFAI_ERR_UNSUPPORTED, "tokenizer.json: BPE dropout (%g) is not supported", dropout->num);
    m->ignore_merges = tj_get_bool(model, "ignore_merges", false);
    m->byte_fallback = tj_get_bool(model, "byte_fallback", false);
    m->fuse_unk = tj_get_bool(model, "fuse_unk", false);
    tok_buf tmp = {0};
    ffai_status st = dup_model_form(m, tj_get(model, "continuing_subword_prefix"), "continuing_subword_prefix",
                                    &m->cont_prefix, &m->cont_prefix_len, &tmp, err);
    if (st == FFAI_OK)
        st = dup_model_form(m, tj_get(model, "end_of_word_suffix"), "end_of_word_suffix", &m->eow_suffix,
                            &m->eow_suffix_len, &tmp, err);
    if (st == FFAI_OK) st = load_vocab(tok, ents, n_ents, &tmp, err);
    const tj_val *merges = tj_get(model, "merges");
    if (st == FFAI_OK && merges && merges->type != TJ_RAW && merges->type != TJ_NULL)
        st = ffai_fail(err, FFAI_ERR_FORMAT, "tokenizer.json: model.merges must be an array");
    if (st == FFAI_OK) st = load_merges(m, merge_ents, n_merges, err);
    const tj_val *unk = tj_get(model, "unk_token");
    if (st == FFAI_OK && unk && unk->type == TJ_STR) {
        m->unk_token = strdup(unk->str);
        const char *s;
        size_t n;
        if (model_form(m, unk->str, unk->n, &tmp, &s, &n)) m->unk_id = tok_smap_get(&m->vocab, s, n);
        m->unk_missing = m->unk_id < 0;
    }
    if (st == FFAI_OK) {
        for (int b = 0; b < 256; b++) {
            char c = (char)b;
            if (m->byte_mode || (b < 0x80 && !m->cont_prefix && !m->eow_suffix))
                m->unit_id[b] = tok_smap_get(&m->vocab, &c, 1);
            if (m->byte_fallback) {
                char code[8];
                snprintf(code, sizeof code, "<0x%02X>", b);
                const char *s;
                size_t n;
                if (model_form(m, code, 6, &tmp, &s, &n)) m->fallback_id[b] = tok_smap_get(&m->vocab, s, n);
            }
        }
    }
    tok_buf_free(&tmp);
    return st;
}

void tok_bpe_free(tok_bpe *m) {
    tok_smap_free(&m->vocab);
    tok_pmap_free(&m->merges);
    free(m->key_pool);
    free(m->unk_token);
    free(m->cont_prefix);
    free(m->eow_suffix);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ scratch */

typedef struct tok_heap_ent {
    uint32_t rank;
    int32_t pos;
    int32_t a, b; /* the pair it was computed for (stale when the symbols changed) */
} tok_heap_ent;

static bool ws_reserve(tok_work *ws, size_t n) {
    if (n <= ws->sym_cap) return true;
    size_t cap = ws->sym_cap ? ws->sym_cap : 256;
    while (cap < n) cap *= 2;
    int32_t *s = realloc(ws->sym, cap * sizeof *s);
    if (s) ws->sym = s;
    int32_t *p = realloc(ws->prev, cap * sizeof *p);
    if (p) ws->prev = p;
    int32_t *x = realloc(ws->next, cap * sizeof *x);
    if (x) ws->next = x;
    uint32_t *r = realloc(ws->rank, cap * sizeof *r);
    if (r) ws->rank = r;
    if (!s || !p || !x || !r) return false;
    ws->sym_cap = cap;
    return true;
}

void tok_work_free(tok_work *ws) {
    tok_buf_free(&ws->norm);
    tok_buf_free(&ws->tmp);
    tok_buf_free(&ws->pool);
    tok_buf_free(&ws->key);
    free(ws->pa);
    free(ws->pb);
    free(ws->sym);
    free(ws->prev);
    free(ws->next);
    free(ws->rank);
    free(ws->heap);
    if (ws->md) pcre2_match_data_free(ws->md);
    tok_smap_free(&ws->cache);
    for (size_t i = 0; i < ws->n_cache_blocks; i++) free(ws->cache_blocks[i]);
    free(ws->cache_blocks);
    tok_ivec_free(&ws->cache_ids);
    memset(ws, 0, sizeof *ws);
}

/* ------------------------------------------------------------------ symbols */

static ffai_status unk_error(const tok_bpe *m, ffai_error *err) {
    return ffai_fail(err, FFAI_ERR_FORMAT, "tokenizer.json: unk_token '%s' is not in the vocab", m->unk_token);
}

/* Splits w into initial symbols (ids) in ws->sym; returns the count via *ns. */
static ffai_status initial_symbols(const tok_bpe *m, const char *w, size_t n, tok_work *ws, size_t *ns,
                                   ffai_error *err) {
    size_t k = 0;
    bool pending_unk = false;
    size_t i = 0;
    bool simple = !m->cont_prefix && !m->eow_suffix;
    while (i < n) {
        size_t cl = m->byte_mode ? 1 : tok_utf8_len((unsigned char)w[i]);
        if (cl > n - i) cl = n - i;
        int32_t id;
        if (simple && (m->byte_mode || (unsigned char)w[i] < 0x80)) {
            id = m->unit_id[(unsigned char)w[i]];
        } else if (simple) {
            id = tok_smap_get(&m->vocab, w + i, cl);
        } else {
            ws->key.n = 0;
            bool ok = true;
            if (i > 0 && m->cont_prefix) ok &= tok_buf_append(&ws->key, m->cont_prefix, m->cont_prefix_len);
            ok &= tok_buf_append(&ws->key, w + i, cl);
            if (i + cl == n && m->eow_suffix) ok &= tok_buf_append(&ws->key, m->eow_suffix, m->eow_suffix_len);
            if (!ok) return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory");
            id = tok_smap_get(&m->vocab, ws->key.p, ws->key.n);
        }
        if (id >= 0) {
            if (pending_unk) ws->sym[k++] = m->unk_id, pending_unk = false;
            ws->sym[k++] = id;
            i += cl;
            continue;
        }
        if (m->byte_fallback) {
            /* HF builds the fallback from the symbol string (prefix/suffix included) */
            const char *src = simple ? w + i : ws->key.p;
            size_t sl = simple ? cl : ws->key.n;
            bool all = true;
            for (size_t j = 0; j < sl && all; j++) all = m->fallback_id[(unsigned char)src[j]] >= 0;
            if (all) {
                if (pending_unk) ws->sym[k++] = m->unk_id, pending_unk = false;
                if (!ws_reserve(ws, k + sl + (n - i))) return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory");
                for (size_t j = 0; j < sl; j++) ws->sym[k++] = m->fallback_id[(unsigned char)src[j]];
                i += cl;
                continue;
            }
        }
        if (m->unk_token) {
            if (m->unk_missing) return unk_error(m, err);
            if (pending_unk && !m->fuse_unk) ws->sym[k++] = m->unk_id;
            pending_unk = true;
        }
        i += cl;
    }
    if (pending_unk) ws->sym[k++] = m->unk_id;
    *ns = k;
    return FFAI_OK;
}

/* ------------------------------------------------------------------ merging */

/* Few symbols: keep the rank of each adjacent pair, merge the leftmost lowest, repeat. */
static size_t merge_small(const tok_bpe *m, int32_t *sym, uint32_t *rank, int32_t *nid, size_t n) {
    for (size_t i = 0; i + 1 < n; i++) {
        const tok_pmap_slot *s = tok_pmap_get(&m->merges, sym[i], sym[i + 1]);
        rank[i] = s ? s->rank : UINT32_MAX;
        nid[i] = s ? s->id : -1;
    }
    while (n > 1) {
        size_t best = 0;
        uint32_t br = UINT32_MAX;
        for (size_t i = 0; i + 1 < n; i++)
            if (rank[i] < br) br = rank[i], best = i;
        if (br == UINT32_MAX) break;
        sym[best] = nid[best];
        size_t tail = n - best - 2;
        memmove(sym + best + 1, sym + best + 2, tail * sizeof *sym);
        memmove(rank + best + 1, rank + best + 2, tail * sizeof *rank);
        memmove(nid + best + 1, nid + best + 2, tail * sizeof *nid);
        n--;
        for (size_t i = best ? best - 1 : 0; i <= best && i + 1 < n; i++) {
            const tok_pmap_slot *s = tok_pmap_get(&m->merges, sym[i], sym[i + 1]);
            rank[i] = s ? s->rank : UINT32_MAX;
            nid[i] = s ? s->id : -1;
        }
    }
    return n;
}

static inline bool heap_less(const tok_heap_ent *x, const tok_heap_ent *y) {
    return x->rank < y->rank || (x->rank == y->rank && x->pos < y->pos);
}

static void heap_push(tok_heap_ent *h, size_t *n, tok_heap_ent e) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(&e, &h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

static tok_heap_ent heap_pop(tok_heap_ent *h, size_t *n) {
    tok_heap_ent top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && heap_less(&h[c + 1], &h[c])) c++;
        if (!heap_less(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = last;
    return top;
}

static void heap_try(const tok_bpe *m, tok_heap_ent *h, size_t *hn, const int32_t *sym, int32_t pos, int32_t nxt) {
    const tok_pmap_slot *s = tok_pmap_get(&m->merges, sym[pos], sym[nxt]);
    if (s) heap_push(h, hn, (tok_heap_ent){s->rank, pos, sym[pos], sym[nxt]});
}

/* Many symbols: linked list + binary heap of candidate merges keyed (rank, position). */
static ffai_status merge_large(const tok_bpe *m, tok_work *ws, size_t n, size_t *out_n, ffai_error *err) {
    if (ws->heap_cap < n) {
        tok_heap_ent *h = realloc(ws->heap, n * sizeof *h);
        if (!h) return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory");
        ws->heap = h;
        ws->heap_cap = n;
    }
    int32_t *sym = ws->sym, *prev = ws->prev, *next = ws->next;
    tok_heap_ent *h = ws->heap;
    size_t hn = 0;
    for (size_t i = 0; i < n; i++) {
        prev[i] = (int32_t)i - 1;
        next[i] = i + 1 < n ? (int32_t)i + 1 : -1;
    }
    for (size_t i = 0; i + 1 < n; i++) heap_try(m, h, &hn, sym, (int32_t)i, (int32_t)i + 1);
    while (hn) {
        tok_heap_ent e = heap_pop(h, &hn);
        int32_t p = e.pos, q = next[p];
        if (sym[p] < 0 || q < 0 || sym[p] != e.a || sym[q] != e.b) continue; /* stale */
        const tok_pmap_slot *s = tok_pmap_get(&m->merges, e.a, e.b);
        sym[p] = s->id;
        sym[q] = -1;
        next[p] = next[q];
        if (next[q] >= 0) prev[next[q]] = p;
        /* at most one new candidate per side; the heap never holds more than n entries live
         * plus stale ones, so grow when needed */
        if (hn + 2 > ws->heap_cap) {
            size_t cap = ws->heap_cap * 2;
            tok_heap_ent *nh = realloc(ws->heap, cap * sizeof *nh);
            if (!nh) return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory");
            ws->heap = h = nh;
            ws->heap_cap = cap;
        }
        if (prev[p] >= 0) heap_try(m, h, &hn, sym, prev[p], p);
        if (next[p] >= 0) heap_try(m, h, &hn, sym, p, next[p]);
    }
    size_t k = 0;
    for (int32_t i = 0; i >= 0; i = next[i]) sym[k++] = sym[i];
    *out_n = k;
    return FFAI_OK;
}

/* ------------------------------------------------------------------ cache */

static const char *cache_store_key(tok_work *ws, const char *w, size_t n) {
    if (ws->n_cache_blocks == 0 || ws->cache_block_used + n > BPE_CACHE_BLOCK) {
        char **nb = realloc(ws->cache_blocks, (ws->n_cache_blocks + 1) * sizeof *nb);
        if (!nb) return NULL;
        ws->cache_blocks = nb;
        if (!(nb[ws->n_cache_blocks] = malloc(BPE_CACHE_BLOCK))) return NULL;
        ws->n_cache_blocks++;
        ws->cache_block_used = 0;
    }
    char *dst = ws->cache_blocks[ws->n_cache_blocks - 1] + ws->cache_block_used;
    memcpy(dst, w, n);
    ws->cache_block_used += n;
    return dst;
}

/* ------------------------------------------------------------------ entry */

ffai_status tok_bpe_word(const tok_bpe *m, const char *w, size_t n, tok_work *ws, tok_ivec *out, ffai_error *err) {
    if (n == 0) return FFAI_OK;
    if (m->ignore_merges) {
        int32_t id = tok_smap_get(&m->vocab, w, n);
        if (id >= 0) return tok_ivec_push(out, id) ? FFAI_OK : ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory");
    }
    bool cacheable = n <= BPE_CACHE_MAX_LEN;
    if (cacheable && ws->cache.slots) {
        int32_t at = tok_smap_get(&ws->cache, w, n);
        if (at >= 0) {
            int32_t cnt = ws->cache_ids.p[at];
            if (!tok_ivec_reserve(out, (size_t)cnt)) return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory");
            memcpy(out->p + out->n, ws->cache_ids.p + at + 1, (size_t)cnt * sizeof(int32_t));
            out->n += (size_t)cnt;
            return FFAI_OK;
        }
    }
    if (!ws_reserve(ws, n + 1)) return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory");
    size_t ns = 0;
    ffai_status st = initial_symbols(m, w, n, ws, &ns, err);
    if (st != FFAI_OK) return st;
    if (ns <= BPE_SMALL) {
        ns = merge_small(m, ws->sym, ws->rank, ws->prev, ns);
    } else {
        st = merge_large(m, ws, ns, &ns, err);
        if (st != FFAI_OK) return st;
    }
    if (!tok_ivec_reserve(out, ns)) return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory");
    memcpy(out->p + out->n, ws->sym, ns * sizeof(int32_t));
    out->n += ns;
    if (cacheable && ws->cache.count < BPE_CACHE_MAX_ENTRIES) {
        if (!ws->cache.slots && !tok_smap_init(&ws->cache, 4096)) return FFAI_OK; /* cache is optional */
        size_t at = ws->cache_ids.n;
        if (at > INT32_MAX - 1024 || !tok_ivec_reserve(&ws->cache_ids, ns + 1)) return FFAI_OK;
        const char *key = cache_store_key(ws, w, n);
        if (!key) return FFAI_OK;
        ws->cache_ids.p[ws->cache_ids.n++] = (int32_t)ns;
        memcpy(ws->cache_ids.p + ws->cache_ids.n, ws->sym, ns * sizeof(int32_t));
        ws->cache_ids.n += ns;
        tok_smap_put(&ws->cache, key, n, (int32_t)at);
    }
    return FFAI_OK;
}
