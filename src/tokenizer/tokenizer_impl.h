/* tokenizer_impl.h — the loaded tokenizer (struct ffai_tokenizer) and the internal interfaces
 * between its stages: added tokens -> normalizers -> pre-tokenizers -> BPE -> post-processor,
 * and the decoder chain. */
#ifndef FFAI_TOKENIZER_IMPL_H
#define FFAI_TOKENIZER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ffai/tokenizer.h"
#include "tokenizer/buf.h"
#include "tokenizer/hashmap.h"
#include "tokenizer/json.h"
#include "tokenizer/pattern.h"

/* ---- normalizers ---- */
typedef enum { TN_NFC, TN_NFD, TN_NFKC, TN_NFKD, TN_LOWERCASE, TN_REPLACE, TN_PREPEND, TN_STRIP } tok_norm_kind;
typedef struct {
    tok_norm_kind kind;
    tok_pattern pat; /* Replace */
    char *str;       /* Replace content / Prepend string (owned) */
    size_t str_len;
    bool left, right; /* Strip */
} tok_norm;

/* ---- pre-tokenizers ---- */
typedef enum { TP_SPLIT, TP_BYTELEVEL, TP_METASPACE } tok_pre_kind;
typedef enum { TS_REMOVED, TS_ISOLATED, TS_MERGED_PREV, TS_MERGED_NEXT, TS_CONTIGUOUS } tok_split_behavior;
typedef enum { TPS_ALWAYS, TPS_FIRST, TPS_NEVER } tok_prepend_scheme;
typedef struct {
    tok_pre_kind kind;
    tok_pattern pat; /* Split pattern; ByteLevel with use_regex: the GPT-2 regex */
    tok_split_behavior behavior;
    bool invert;
    bool add_prefix_space, use_regex; /* ByteLevel */
    char repl[8];                     /* Metaspace replacement (UTF-8) */
    size_t repl_len;
    tok_prepend_scheme scheme;
    bool split;
} tok_pre;

/* ---- decoders ---- */
typedef enum { TD_BYTELEVEL, TD_BYTEFALLBACK, TD_FUSE, TD_STRIP, TD_REPLACE, TD_METASPACE } tok_dec_kind;
typedef struct {
    tok_dec_kind kind;
    tok_pattern pat; /* Replace */
    char *str;       /* Replace content (owned) */
    size_t str_len;
    uint32_t ch;     /* Strip content character */
    size_t start, stop;
    char repl[8]; /* Metaspace replacement */
    size_t repl_len;
    tok_prepend_scheme scheme;
} tok_dec;

/* ---- added tokens ---- */
typedef struct {
    int32_t id;
    char *content; /* owned */
    size_t len;
    bool special, lstrip, rstrip, normalized, single_word;
} tok_added;

typedef struct {
    int32_t child, sibling, term; /* term: index into tok->added or -1 */
    uint8_t byte;
} tok_trie_node;

/* Byte trie for leftmost-longest matching of added-token contents. */
typedef struct {
    tok_trie_node *nodes;
    size_t n, cap;
    int32_t root[256]; /* first byte -> node, -1 if none */
    bool empty;
} tok_trie;

/* ---- BPE model ---- */
typedef struct {
    tok_smap vocab;      /* model-form string -> id (byte mode: raw bytes) */
    char *key_pool;      /* storage of the model-form keys when they differ from pieces */
    tok_pmap merges;     /* (left id, right id) -> (rank, merged id) */
    bool byte_mode;      /* a ByteLevel pre-tokenizer maps bytes to chars: work on raw bytes */
    bool ignore_merges, byte_fallback, fuse_unk;
    int32_t unk_id;      /* -1: none */
    bool unk_missing;    /* unk_token named but absent from the vocab: error when needed */
    char *unk_token;
    char *cont_prefix, *eow_suffix; /* model-form, NULL when absent or empty */
    size_t cont_prefix_len, eow_suffix_len;
    int32_t unit_id[256];     /* byte mode: id of each single byte; char mode: of ASCII chars */
    int32_t fallback_id[256]; /* <0xNN> tokens, -1 when absent */
} tok_bpe;

#define TOK_ID_ADDED 1u
#define TOK_ID_SPECIAL 2u

struct ffai_tokenizer {
    tok_bpe bpe;
    size_t n_ids;          /* max id + 1 over vocab and added tokens */
    char *piece_pool;      /* every id's raw string, NUL-separated */
    uint32_t *piece_off;   /* n_ids entries */
    uint32_t *piece_len;   /* UINT32_MAX: no token with this id */
    uint8_t *id_flags;     /* TOK_ID_* */

    tok_added *added;
    size_t n_added;
    tok_trie trie_raw;     /* added tokens with normalized = false */
    tok_trie trie_norm;    /* normalized = true, matched on normalized text */
    char **norm_content;   /* per added token: its normalized content (trie_norm keys) */
    tok_smap added_map;    /* content -> id */

    tok_norm *norms;
    size_t n_norms;
    tok_pre *pres;
    size_t n_pres;
    bool has_decoder;
    tok_dec *decs;
    size_t n_decs;

    int32_t *post_prefix, *post_suffix; /* ids the post-processor adds with add_special */
    size_t n_post_prefix, n_post_suffix;

    int32_t bos_id, eos_id;
    char *bos_token, *eos_token;
};

/* Scratch reused across the stages of one encode call. */
typedef struct {
    tok_buf norm, tmp, pool;     /* normalized text, normalizer temp, pre-token text pool */
    struct tok_piece *pa, *pb;   /* pre-token lists (double buffer) */
    size_t na, nb, capa, capb;
    pcre2_match_data *md;
    /* BPE scratch */
    int32_t *sym, *prev, *next;
    uint32_t *rank;
    struct tok_heap_ent *heap;
    size_t sym_cap, heap_cap;
    tok_buf key; /* char-mode key building */
    /* per-call word cache: piece bytes -> span in cache_ids */
    tok_smap cache;
    char **cache_blocks; /* key storage: fixed blocks, never moved (the map borrows keys) */
    size_t n_cache_blocks, cache_block_used;
    tok_ivec cache_ids;  /* per entry: count, then the ids */
    bool failed_regex;
} tok_work;

typedef struct tok_piece {
    uint32_t off, len; /* into tok_work.pool */
    bool at_start;     /* begins at offset 0 of the original input */
} tok_piece;

/* ---- stage entry points ---- */

/* Parsing of the tokenizer.json components (components.c). */
ffai_status tok_parse_normalizer(ffai_tokenizer *tok, const tj_val *v, ffai_error *err);
ffai_status tok_parse_pre_tokenizer(ffai_tokenizer *tok, const tj_val *v, ffai_error *err);
ffai_status tok_parse_decoder(ffai_tokenizer *tok, const tj_val *v, ffai_error *err);
ffai_status tok_parse_post_processor(ffai_tokenizer *tok, const tj_val *v, ffai_error *err);
void tok_free_components(ffai_tokenizer *tok);

/* One model.vocab entry, read once from the raw JSON (strings point into the file buffer). */
typedef struct {
    const char *key;
    uint32_t len;
    int32_t id;
} tok_vocab_ent;

/* One model.merges entry: its two halves (raw strings in the file buffer). */
typedef struct {
    const char *a, *b;
    uint32_t an, bn;
} tok_merge_ent;

/* BPE model (bpe.c): vocab map from ents, merge ranks from merges (in file order). */
ffai_status tok_bpe_load(ffai_tokenizer *tok, const tj_val *model, const tok_vocab_ent *ents, size_t n_ents,
                         const tok_merge_ent *merges, size_t n_merges, ffai_error *err);
void tok_bpe_free(tok_bpe *m);
/* Appends the ids of one pre-token to out. Returns false on OOM / unk error. */
ffai_status tok_bpe_word(const tok_bpe *m, const char *w, size_t n, tok_work *ws, tok_ivec *out, ffai_error *err);
void tok_work_free(tok_work *ws);

/* Byte-level alphabet (bytelevel.c). */
/* The character byte b stands for. */
uint16_t tok_byte_to_char(uint8_t b);
/* The byte a byte-level character stands for, or -1. */
int tok_cp_to_byte(uint32_t cp);
/* Converts a byte-level string to raw bytes; false when some character is not in the alphabet. */
bool tok_bytelevel_to_bytes(const char *s, size_t n, tok_buf *out);

/* Normalizers (normalize.c): normalizes in[0..n) into out (cleared first). */
ffai_status tok_normalize(const ffai_tokenizer *tok, const char *in, size_t n, tok_buf *out, tok_buf *tmp,
                          pcre2_match_data *md, ffai_error *err);

/* Pre-tokenizers (pretok.c): splits text into pre-tokens (ws->pa / ws->na). */
ffai_status tok_pre_tokenize(const ffai_tokenizer *tok, const char *text, size_t n, bool at_start, tok_work *ws,
                             ffai_error *err);

/* Added tokens (added_tokens.c). */
ffai_status tok_added_build(ffai_tokenizer *tok, ffai_error *err);
void tok_added_free(ffai_tokenizer *tok);
/* Leftmost-longest match of `trie` in s[from..n), with single_word / lstrip / rstrip applied as HF
 * does. `floor` is where the previous match ended (lstrip never reaches before it). Returns the
 * added-token index or -1; sets [*ms, *me) to the span the token consumes. */
int tok_added_find(const ffai_tokenizer *tok, const tok_trie *trie, const char *s, size_t n, size_t from,
                   size_t floor, size_t *ms, size_t *me);

/* Decoding (decode.c): appends decode(ids) to out. */
ffai_status tok_decode_append(const ffai_tokenizer *tok, const int32_t *ids, size_t n, bool skip_special,
                              tok_buf *out, ffai_error *err);
/* True when id has a token that decoding keeps (exists, and not skipped as special). */
bool tok_decode_keeps(const ffai_tokenizer *tok, int32_t id, bool skip_special);
/* True when id's piece is a byte-fallback token <0xNN>. */
bool tok_is_byte_piece(const ffai_tokenizer *tok, int32_t id);

/* Piece of id (raw string) or NULL; *len set. */
static inline const char *tok_id_piece(const ffai_tokenizer *tok, int32_t id, size_t *len) {
    if (id < 0 || (size_t)id >= tok->n_ids || tok->piece_len[id] == UINT32_MAX) return NULL;
    *len = tok->piece_len[id];
    return tok->piece_pool + tok->piece_off[id];
}

#endif
