/* added_tokens.c — added tokens: byte tries for leftmost-longest matching (like HF's
 * aho-corasick LeftmostLongest), with the single_word / lstrip / rstrip rules of
 * AddedVocabulary::find_matches. */
#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

static ffai_status oom(ffai_error *err) { return ffai_fail(err, FFAI_ERR_NOMEM, "tokenizer: out of memory"); }

static int32_t trie_new_node(tok_trie *t, uint8_t byte) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        tok_trie_node *nn = realloc(t->nodes, cap * sizeof *nn);
        if (!nn) return -1;
        t->nodes = nn;
        t->cap = cap;
    }
    t->nodes[t->n] = (tok_trie_node){-1, -1, -1, byte};
    return (int32_t)t->n++;
}

static bool trie_insert(tok_trie *t, const char *s, size_t n, int32_t term) {
    if (n == 0) return true;
    int32_t node = t->root[(uint8_t)s[0]];
    if (node < 0) {
        if ((node = trie_new_node(t, (uint8_t)s[0])) < 0) return false;
        t->root[(uint8_t)s[0]] = node;
    }
    for (size_t i = 1; i < n; i++) {
        int32_t c = t->nodes[node].child;
        while (c >= 0 && t->nodes[c].byte != (uint8_t)s[i]) c = t->nodes[c].sibling;
        if (c < 0) {
            if ((c = trie_new_node(t, (uint8_t)s[i])) < 0) return false;
            t->nodes[c].sibling = t->nodes[node].child;
            t->nodes[node].child = c;
        }
        node = c;
    }
    if (t->nodes[node].term < 0) t->nodes[node].term = term;
    t->empty = false;
    return true;
}

static void trie_init(tok_trie *t) {
    memset(t, 0, sizeof *t);
    for (int i = 0; i < 256; i++) t->root[i] = -1;
    t->empty = true;
}

ffai_status tok_added_build(ffai_tokenizer *tok, ffai_error *err) {
    trie_init(&tok->trie_raw);
    trie_init(&tok->trie_norm);
    if (tok->n_added && !(tok->norm_content = calloc(tok->n_added, sizeof *tok->norm_content))) return oom(err);
    if (!tok_smap_init(&tok->added_map, tok->n_added)) return oom(err);
    tok_buf norm = {0}, tmp = {0};
    pcre2_match_data *md = tok_pattern_md_create();
    ffai_status st = md ? FFAI_OK : oom(err);
    /* HF matches special tokens first in its pattern list, then the others; with
     * leftmost-longest semantics only duplicates could care, and those keep the first. */
    for (int pass = 0; pass < 2 && st == FFAI_OK; pass++) {
        for (size_t i = 0; i < tok->n_added && st == FFAI_OK; i++) {
            tok_added *a = &tok->added[i];
            if (a->special != (pass == 0) || a->len == 0) continue;
            if (!a->normalized || tok->n_norms == 0) {
                if (!trie_insert(a->normalized ? &tok->trie_norm : &tok->trie_raw, a->content, a->len, (int32_t)i))
                    st = oom(err);
                continue;
            }
            st = tok_normalize(tok, a->content, a->len, &norm, &tmp, md, err);
            if (st != FFAI_OK) break;
            if (!(tok->norm_content[i] = malloc(norm.n + 1))) {
                st = oom(err);
                break;
            }
            memcpy(tok->norm_content[i], norm.p, norm.n + 1);
            if (!trie_insert(&tok->trie_norm, tok->norm_content[i], norm.n, (int32_t)i)) st = oom(err);
        }
    }
    for (size_t i = 0; i < tok->n_added && st == FFAI_OK; i++) {
        tok_added *a = &tok->added[i];
        if (tok_smap_get(&tok->added_map, a->content, a->len) < 0 &&
            !tok_smap_put(&tok->added_map, a->content, a->len, a->id))
            st = oom(err);
    }
    if (md) pcre2_match_data_free(md);
    tok_buf_free(&norm);
    tok_buf_free(&tmp);
    return st;
}

void tok_added_free(ffai_tokenizer *tok) {
    free(tok->trie_raw.nodes);
    free(tok->trie_norm.nodes);
    if (tok->norm_content)
        for (size_t i = 0; i < tok->n_added; i++) free(tok->norm_content[i]);
    free(tok->norm_content);
    for (size_t i = 0; i < tok->n_added; i++) free(tok->added[i].content);
    free(tok->added);
    tok_smap_free(&tok->added_map);
}

/* The character ending just before s[i] (i > 0). */
static uint32_t char_before(const char *s, size_t i, size_t *start) {
    size_t k = i - 1;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
    uint32_t cp;
    tok_utf8_decode(s + k, i - k, &cp);
    *start = k;
    return cp;
}

int tok_added_find(const ffai_tokenizer *tok, const tok_trie *t, const char *s, size_t n, size_t from, size_t floor,
                   size_t *ms, size_t *me) {
    if (t->empty) return -1;
    for (size_t i = from; i < n; i++) {
        int32_t node = t->root[(uint8_t)s[i]];
        if (node < 0) continue;
        int32_t best = -1;
        size_t best_end = 0, j = i;
        for (;;) {
            if (t->nodes[node].term >= 0) best = t->nodes[node].term, best_end = j + 1;
            if (++j >= n) break;
            int32_t c = t->nodes[node].child;
            while (c >= 0 && t->nodes[c].byte != (uint8_t)s[j]) c = t->nodes[c].sibling;
            if (c < 0) break;
            node = c;
        }
        if (best < 0) continue;
        const tok_added *a = &tok->added[best];
        if (a->single_word) {
            size_t k;
            bool start_ok = i == 0 || !tok_is_word_char(char_before(s, i, &k));
            uint32_t nc = 0;
            bool stop_ok = best_end == n || (tok_utf8_decode(s + best_end, n - best_end, &nc), !tok_is_word_char(nc));
            if (!start_ok || !stop_ok) {
                i = best_end - 1; /* the match is consumed even when discarded */
                continue;
            }
        }
        size_t a0 = i, a1 = best_end;
        if (a->lstrip)
            while (a0 > floor) {
                size_t k;
                uint32_t cp = char_before(s, a0, &k);
                if (!tok_is_whitespace(cp) || k < floor) break;
                a0 = k;
            }
        if (a->rstrip)
            while (a1 < n) {
                uint32_t cp;
                size_t cl = tok_utf8_decode(s + a1, n - a1, &cp);
                if (!tok_is_whitespace(cp)) break;
                a1 += cl;
            }
        *ms = a0;
        *me = a1;
        return best;
    }
    return -1;
}
