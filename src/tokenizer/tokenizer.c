/* tokenizer.c — loading tokenizer.json (+ tokenizer_config.json), the encode pipeline
 * (added tokens -> normalize -> pre-tokenize -> BPE -> post-process) and id/piece lookups. */
#include <stdio.h>
#include <unistd.h>

#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

#define TJ "tokenizer.json"
#define TOK_MAX_IDS (1 << 24)

static ffai_status oom(ffai_error *err) { return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory"); }

/* ------------------------------------------------------------------ loading */

static ffai_status parse_added(ffai_tokenizer *tok, const tj_val *arr, ffai_error *err) {
    if (!arr || arr->type == TJ_NULL) return FFAI_OK;
    if (arr->type != TJ_ARR) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": added_tokens must be an array");
    if (!(tok->added = calloc(arr->n ? arr->n : 1, sizeof *tok->added))) return oom(err);
    for (uint32_t i = 0; i < arr->n; i++) {
        const tj_val *e = &arr->items[i];
        const tj_val *content = tj_get_type(e, "content", TJ_STR);
        int64_t id;
        if (!content || !tj_int(tj_get(e, "id"), 0, TOK_MAX_IDS - 1, &id))
            return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": added_tokens[%u] needs a string content and an id below %d", i,
                             TOK_MAX_IDS);
        tok_added *a = &tok->added[tok->n_added++];
        if (!(a->content = malloc(content->n + 1))) return oom(err);
        memcpy(a->content, content->str, content->n + 1);
        a->len = content->n;
        a->id = (int32_t)id;
        a->special = tj_get_bool(e, "special", false);
        a->lstrip = tj_get_bool(e, "lstrip", false);
        a->rstrip = tj_get_bool(e, "rstrip", false);
        a->single_word = tj_get_bool(e, "single_word", false);
        a->normalized = tj_get_bool(e, "normalized", !a->special);
    }
    return FFAI_OK;
}

/* Every id's raw string in one pool: vocab entries, then added tokens (which win, as in HF). */
/* vocab and merges, collected in one pass while the JSON is parsed (no tree) */
typedef struct {
    tok_vocab_ent *ents;
    size_t n_ents, cap_ents;
    tok_merge_ent *merges;
    size_t n_merges, cap_merges;
    bool vocab_ok, merges_bad; /* shape problems are reported after the model type is checked */
} load_ctx;

static bool grow_array(void **p, size_t *cap, size_t n, size_t size) {
    if (n < *cap) return true;
    size_t nc = *cap ? *cap * 2 : 4096;
    void *np = realloc(*p, nc * size);
    if (!np) return false;
    *p = np;
    *cap = nc;
    return true;
}

static ffai_status on_vocab(void *vctx, tj_stream *s, ffai_error *err) {
    load_ctx *c = vctx;
    if (s->close != '}') return FFAI_OK; /* e.g. a Unigram vocab: skipped */
    c->vocab_ok = true;
    tj_val v;
    while (tj_stream_next(s, &v)) {
        int64_t id;
        if (!tj_int(&v, 0, TOK_MAX_IDS - 1, &id))
            return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": model.vocab['%s'] must be an integer id in 0..%d", v.key,
                             TOK_MAX_IDS - 1);
        if (!grow_array((void **)&c->ents, &c->cap_ents, c->n_ents, sizeof *c->ents)) return oom(err);
        c->ents[c->n_ents++] = (tok_vocab_ent){v.key, v.key_len, (int32_t)id};
    }
    return s->st;
}

static ffai_status on_merges(void *vctx, tj_stream *s, ffai_error *err) {
    load_ctx *c = vctx;
    if (s->close != ']') {
        c->merges_bad = true;
        return FFAI_OK;
    }
    tj_val v;
    while (tj_stream_next(s, &v)) {
        tok_merge_ent e;
        bool ok = false;
        if (v.type == TJ_STR) { /* "a b": exactly one space */
            const char *sp = memchr(v.str, ' ', v.n);
            ok = sp && !memchr(sp + 1, ' ', v.n - (size_t)(sp + 1 - v.str));
            if (ok) e = (tok_merge_ent){v.str, sp + 1, (uint32_t)(sp - v.str), (uint32_t)(v.n - (size_t)(sp - v.str) - 1)};
        } else if (v.type == TJ_ARR) { /* ["a", "b"] */
            tj_stream in;
            tj_val x, y, z;
            tj_stream_child(s, &in);
            ok = tj_stream_next(&in, &x) && tj_stream_next(&in, &y) && !tj_stream_next(&in, &z) && in.st == FFAI_OK &&
                 x.type == TJ_STR && y.type == TJ_STR;
            if (ok) e = (tok_merge_ent){x.str, y.str, x.n, y.n};
            if (!tj_stream_child_end(s, &in)) return s->st;
        }
        if (!ok)
            return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": model.merges[%zu] is neither \"a b\" nor [\"a\", \"b\"]",
                             c->n_merges);
        if (!grow_array((void **)&c->merges, &c->cap_merges, c->n_merges, sizeof *c->merges)) return oom(err);
        c->merges[c->n_merges++] = e;
    }
    return s->st;
}

static ffai_status build_pieces(ffai_tokenizer *tok, const tok_vocab_ent *ents, size_t n_ents, ffai_error *err) {
    int64_t max_id = -1;
    for (size_t i = 0; i < n_ents; i++)
        if (ents[i].id > max_id) max_id = ents[i].id;
    for (size_t i = 0; i < tok->n_added; i++)
        if (tok->added[i].id > max_id) max_id = tok->added[i].id;
    tok->n_ids = (size_t)(max_id + 1);
    size_t n = tok->n_ids ? tok->n_ids : 1;
    tok->piece_off = malloc(n * sizeof *tok->piece_off);
    tok->piece_len = malloc(n * sizeof *tok->piece_len);
    tok->id_flags = calloc(n, 1);
    if (!tok->piece_off || !tok->piece_len || !tok->id_flags) return oom(err);
    memset(tok->piece_len, 0xFF, n * sizeof *tok->piece_len);
    tok_buf pool = {0};
    if (!tok_buf_reserve(&pool, n_ents * 8)) return oom(err);
    for (size_t i = 0; i < n_ents; i++) {
        const tok_vocab_ent *e = &ents[i];
        int32_t id = e->id;
        if (pool.n + e->len + 1 > UINT32_MAX) break;
        tok->piece_off[id] = (uint32_t)pool.n;
        tok->piece_len[id] = e->len;
        if (!tok_buf_append(&pool, e->key, e->len + 1)) {
            tok_buf_free(&pool);
            return oom(err);
        }
    }
    for (size_t i = 0; i < tok->n_added; i++) {
        const tok_added *a = &tok->added[i];
        tok->id_flags[a->id] |= TOK_ID_ADDED | (a->special ? TOK_ID_SPECIAL : 0);
        uint32_t pl = tok->piece_len[a->id];
        if (pl == a->len && memcmp(pool.p + tok->piece_off[a->id], a->content, pl) == 0) continue;
        tok->piece_off[a->id] = (uint32_t)pool.n;
        tok->piece_len[a->id] = (uint32_t)a->len;
        if (!tok_buf_append(&pool, a->content, a->len + 1)) {
            tok_buf_free(&pool);
            return oom(err);
        }
    }
    if (pool.n > UINT32_MAX) {
        tok_buf_free(&pool);
        return ffai_fail(err, FFAI_ERR_RANGE, TJ ": vocabulary strings exceed 4 GB");
    }
    tok->piece_pool = pool.p ? pool.p : calloc(1, 1);
    return tok->piece_pool ? FFAI_OK : oom(err);
}

/* bos_token / eos_token: a string, {"content": ...}, or null. */
static ffai_status config_token(ffai_tokenizer *tok, const tj_val *cfg, const char *key, char **str, int32_t *id,
                                ffai_error *err) {
    const tj_val *v = tj_get(cfg, key);
    if (v && v->type == TJ_OBJ) v = tj_get(v, "content");
    if (!v || v->type != TJ_STR) return FFAI_OK;
    if (!(*str = strdup(v->str))) return oom(err);
    *id = ffai_tokenizer_token_id(tok, v->str);
    return FFAI_OK;
}

static ffai_status load_config(ffai_tokenizer *tok, const char *path, ffai_error *err) {
    char *buf;
    size_t len;
    ffai_status st = tj_read_file(path, &buf, &len, err);
    if (st != FFAI_OK) return st;
    tj_doc doc;
    st = tj_parse(buf, len, &doc, "tokenizer_config.json", NULL, 0, err);
    if (st == FFAI_OK) st = config_token(tok, doc.root, "bos_token", &tok->bos_token, &tok->bos_id, err);
    if (st == FFAI_OK) st = config_token(tok, doc.root, "eos_token", &tok->eos_token, &tok->eos_id, err);
    tj_free(&doc);
    free(buf);
    return st;
}

static ffai_status build(ffai_tokenizer *tok, const tj_val *root, const load_ctx *lc, ffai_error *err) {
    if (!root || root->type != TJ_OBJ) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": top level is not an object");
    const tj_val *model = tj_get_type(root, "model", TJ_OBJ);
    if (!model) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": no \"model\" object");
    const char *type = tj_get_str(model, "type");
    if (!type) type = tj_get(model, "merges") ? "BPE" : "(untyped)";
    if (strcmp(type, "BPE") != 0)
        return ffai_fail(err, FFAI_ERR_UNSUPPORTED, TJ ": model type '%s' is not supported (only BPE)", type);
    if (!lc->vocab_ok) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": model.vocab is missing or not an object");
    if (lc->merges_bad) return ffai_fail(err, FFAI_ERR_FORMAT, TJ ": model.merges must be an array");
    ffai_status st = tok_parse_normalizer(tok, tj_get(root, "normalizer"), err);
    if (st == FFAI_OK) st = tok_parse_pre_tokenizer(tok, tj_get(root, "pre_tokenizer"), err);
    if (st == FFAI_OK) st = tok_parse_decoder(tok, tj_get(root, "decoder"), err);
    if (st == FFAI_OK) st = tok_parse_post_processor(tok, tj_get(root, "post_processor"), err);
    if (st == FFAI_OK) st = parse_added(tok, tj_get(root, "added_tokens"), err);
    if (st == FFAI_OK) st = build_pieces(tok, lc->ents, lc->n_ents, err);
    if (st == FFAI_OK) st = tok_bpe_load(tok, model, lc->ents, lc->n_ents, lc->merges, lc->n_merges, err);
    if (st == FFAI_OK) st = tok_added_build(tok, err);
    return st;
}

ffai_status ffai_tokenizer_load_files(const char *json_path, const char *config_path, ffai_tokenizer **out,
                                      ffai_error *err) {
    if (!out || !json_path) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "ffai_tokenizer_load: NULL argument");
    *out = NULL;
    ffai_tokenizer *tok = calloc(1, sizeof *tok);
    if (!tok) return oom(err);
    tok->bos_id = tok->eos_id = -1;
    tok->bpe.unk_id = -1;
    char *buf;
    size_t len;
    ffai_status st = tj_read_file(json_path, &buf, &len, err);
    if (st == FFAI_OK) {
        tj_doc doc;
        load_ctx lc;
        memset(&lc, 0, sizeof lc);
        const tj_raw_handler raw[] = {{"model.vocab", on_vocab, &lc}, {"model.merges", on_merges, &lc}};
        st = tj_parse(buf, len, &doc, json_path, raw, 2, err);
        if (st == FFAI_OK) {
            st = build(tok, doc.root, &lc, err);
            if (st != FFAI_OK) ffai_error_prefix(err, "%s", json_path);
        }
        tj_free(&doc);
        free(lc.ents);
        free(lc.merges);
        free(buf);
    }
    if (st == FFAI_OK && config_path) st = load_config(tok, config_path, err);
    if (st != FFAI_OK) {
        ffai_tokenizer_free(tok);
        return st;
    }
    *out = tok;
    return FFAI_OK;
}

ffai_status ffai_tokenizer_load(const char *dir, ffai_tokenizer **out, ffai_error *err) {
    if (!dir || !out) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "ffai_tokenizer_load: NULL argument");
    size_t dl = strlen(dir);
    char *jp = malloc(dl + 32), *cp = malloc(dl + 32);
    if (!jp || !cp) {
        free(jp);
        free(cp);
        return oom(err);
    }
    snprintf(jp, dl + 32, "%s/tokenizer.json", dir);
    snprintf(cp, dl + 32, "%s/tokenizer_config.json", dir);
    ffai_status st;
    if (access(jp, F_OK) != 0)
        st = ffai_fail(err, FFAI_ERR_NOT_FOUND, "%s: no tokenizer.json in this directory", dir);
    else
        st = ffai_tokenizer_load_files(jp, access(cp, F_OK) == 0 ? cp : NULL, out, err);
    free(jp);
    free(cp);
    return st;
}

void ffai_tokenizer_free(ffai_tokenizer *tok) {
    if (!tok) return;
    tok_bpe_free(&tok->bpe);
    tok_added_free(tok);
    tok_free_components(tok);
    free(tok->piece_pool);
    free(tok->piece_off);
    free(tok->piece_len);
    free(tok->id_flags);
    free(tok->bos_token);
    free(tok->eos_token);
    free(tok);
}

/* ------------------------------------------------------------------ encoding */

/* One stretch of text between raw-matched added tokens. */
static ffai_status encode_segment(const ffai_tokenizer *tok, const char *text, size_t n, bool at_start, tok_work *ws,
                                  tok_ivec *out, ffai_error *err) {
    const char *s = text;
    size_t sn = n;
    if (tok->n_norms) {
        ffai_status st = tok_normalize(tok, text, n, &ws->norm, &ws->tmp, ws->md, err);
        if (st != FFAI_OK) return st;
        s = ws->norm.p;
        sn = ws->norm.n;
    }
    size_t pos = 0, floor = 0, ms = 0, me = 0;
    while (pos < sn) {
        int k = tok_added_find(tok, &tok->trie_norm, s, sn, pos, floor, &ms, &me);
        size_t end = k >= 0 ? ms : sn;
        if (end > pos) {
            ffai_status st = tok_pre_tokenize(tok, s + pos, end - pos, at_start && pos == 0, ws, err);
            if (st != FFAI_OK) return st;
            for (size_t i = 0; i < ws->na; i++) {
                st = tok_bpe_word(&tok->bpe, ws->pool.p + ws->pa[i].off, ws->pa[i].len, ws, out, err);
                if (st != FFAI_OK) return st;
            }
        }
        if (k < 0) break;
        if (!tok_ivec_push(out, tok->added[k].id)) return oom(err);
        pos = floor = me;
    }
    return FFAI_OK;
}

ffai_status ffai_tokenizer_encode(const ffai_tokenizer *tok, const char *text, size_t len, bool add_special,
                                  int32_t **ids, size_t *n_ids, ffai_error *err) {
    if (ids) *ids = NULL;
    if (n_ids) *n_ids = 0;
    if (!tok || !ids || !n_ids || (!text && len))
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "ffai_tokenizer_encode: NULL argument");
    size_t valid = tok_utf8_valid_prefix(text, len);
    if (valid != len)
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "tokenizer: input is not valid UTF-8 (bad byte 0x%02X at offset %zu)",
                         (unsigned char)text[valid], valid);
    tok_work ws;
    memset(&ws, 0, sizeof ws);
    tok_ivec out = {0};
    ffai_status st = FFAI_OK;
    if (!(ws.md = tok_pattern_md_create()) || !tok_ivec_reserve(&out, len / 3 + 8)) st = oom(err);
    if (st == FFAI_OK && add_special)
        for (size_t i = 0; i < tok->n_post_prefix && st == FFAI_OK; i++)
            if (!tok_ivec_push(&out, tok->post_prefix[i])) st = oom(err);
    size_t pos = 0, floor = 0, ms = 0, me = 0;
    while (st == FFAI_OK && pos < len) {
        int k = tok_added_find(tok, &tok->trie_raw, text, len, pos, floor, &ms, &me);
        size_t end = k >= 0 ? ms : len;
        if (end > pos) st = encode_segment(tok, text + pos, end - pos, pos == 0, &ws, &out, err);
        if (st != FFAI_OK || k < 0) break;
        if (!tok_ivec_push(&out, tok->added[k].id)) st = oom(err);
        pos = floor = me;
    }
    if (st == FFAI_OK && add_special)
        for (size_t i = 0; i < tok->n_post_suffix && st == FFAI_OK; i++)
            if (!tok_ivec_push(&out, tok->post_suffix[i])) st = oom(err);
    tok_work_free(&ws);
    if (st != FFAI_OK) {
        tok_ivec_free(&out);
        return st;
    }
    *ids = out.p;
    *n_ids = out.n;
    return FFAI_OK;
}

/* ------------------------------------------------------------------ lookups */

size_t ffai_tokenizer_vocab_size(const ffai_tokenizer *tok) { return tok ? tok->n_ids : 0; }

int32_t ffai_tokenizer_token_id(const ffai_tokenizer *tok, const char *piece) {
    if (!tok || !piece) return -1;
    size_t n = strlen(piece);
    int32_t id = tok_smap_get(&tok->added_map, piece, n);
    if (id >= 0) return id;
    if (!tok->bpe.byte_mode) return tok_smap_get(&tok->bpe.vocab, piece, n);
    tok_buf b = {0};
    if (tok_bytelevel_to_bytes(piece, n, &b)) id = tok_smap_get(&tok->bpe.vocab, b.p, b.n);
    tok_buf_free(&b);
    if (id >= 0) return id;
    for (size_t i = 0; i < tok->n_ids; i++) { /* a raw string outside the byte alphabet: rare */
        size_t pl;
        const char *p = tok_id_piece(tok, (int32_t)i, &pl);
        if (p && pl == n && memcmp(p, piece, n) == 0) return (int32_t)i;
    }
    return -1;
}

const char *ffai_tokenizer_token_piece(const ffai_tokenizer *tok, int32_t id) {
    size_t n;
    return tok ? tok_id_piece(tok, id, &n) : NULL;
}

bool ffai_tokenizer_is_special(const ffai_tokenizer *tok, int32_t id) {
    return tok && id >= 0 && (size_t)id < tok->n_ids && (tok->id_flags[id] & TOK_ID_SPECIAL);
}

int32_t ffai_tokenizer_bos_id(const ffai_tokenizer *tok) { return tok ? tok->bos_id : -1; }
int32_t ffai_tokenizer_eos_id(const ffai_tokenizer *tok) { return tok ? tok->eos_id : -1; }
const char *ffai_tokenizer_bos_token(const ffai_tokenizer *tok) { return tok ? tok->bos_token : NULL; }
const char *ffai_tokenizer_eos_token(const ffai_tokenizer *tok) { return tok ? tok->eos_token : NULL; }
