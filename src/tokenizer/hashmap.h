/* hashmap.h — open-addressing hash tables for the tokenizer: byte string -> int32 (vocab,
 * added tokens, per-call word cache) and (id, id) pair -> (rank, id) (BPE merges). */
#ifndef FFAI_TOKENIZER_HASHMAP_H
#define FFAI_TOKENIZER_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Keys are borrowed: the bytes they point at must outlive the map and never move. Keys of
 * up to 8 bytes are also kept inline, so most lookups touch only the slot. */
typedef struct {
    uint32_t hash;
    uint32_t lenp1; /* key length + 1; 0 marks an empty slot */
    int32_t val;
    uint32_t pad_;
    union {
        const char *ptr; /* keys longer than 8 bytes */
        uint64_t inl;    /* keys of up to 8 bytes, zero-padded */
    };
} tok_smap_slot;

typedef struct {
    tok_smap_slot *slots;
    size_t mask, count;
} tok_smap;

static inline uint64_t tok_hash_bytes(const char *s, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    if (n) memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    h *= 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 32);
}

static inline uint64_t tok_smap_pack(const char *s, size_t n) {
    uint64_t w = 0;
    if (n) memcpy(&w, s, n);
    return w;
}

/* Sizes the table for `expected` keys. Returns false on OOM. */
bool tok_smap_init(tok_smap *m, size_t expected);
void tok_smap_free(tok_smap *m);
/* Inserts or overwrites. Returns false on OOM (the table grows as needed). */
bool tok_smap_put(tok_smap *m, const char *key, size_t len, int32_t val);
/* Hash used by the map (for the _h variants, which let callers batch and prefetch). */
static inline uint32_t tok_smap_hash(const char *key, size_t len) { return (uint32_t)tok_hash_bytes(key, len); }
static inline void tok_smap_prefetch(const tok_smap *m, uint32_t h) {
    if (m->slots) __builtin_prefetch(&m->slots[h & m->mask]);
}
/* The value for key (whose hash is h), or -1. */
static inline int32_t tok_smap_get_h(const tok_smap *m, const char *key, size_t len, uint32_t h) {
    if (!m->slots) return -1;
    uint64_t inl = len <= 8 ? tok_smap_pack(key, len) : 0;
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        const tok_smap_slot *s = &m->slots[i];
        if (!s->lenp1) return -1;
        if (s->hash == h && s->lenp1 == len + 1 && (len <= 8 ? s->inl == inl : memcmp(s->ptr, key, len) == 0))
            return s->val;
    }
}
/* The value for key, or -1. */
static inline int32_t tok_smap_get(const tok_smap *m, const char *key, size_t len) {
    return tok_smap_get_h(m, key, len, tok_smap_hash(key, len));
}
/* Removes every entry (keeps the capacity). */
void tok_smap_clear(tok_smap *m);

/* Pair map: (a, b) -> (rank, id). */
typedef struct {
    uint64_t key; /* ~pair key; 0 = empty (no pair of ids < 2^31 has key ~0) */
    uint32_t rank;
    int32_t id;
} tok_pmap_slot;

typedef struct {
    tok_pmap_slot *slots;
    size_t mask, count;
} tok_pmap;

bool tok_pmap_init(tok_pmap *m, size_t expected);
void tok_pmap_free(tok_pmap *m);
bool tok_pmap_put(tok_pmap *m, int32_t a, int32_t b, uint32_t rank, int32_t id);

static inline uint64_t tok_pmap_key(int32_t a, int32_t b) { return ((uint64_t)(uint32_t)a << 32) | (uint32_t)b; }

static inline size_t tok_pmap_index(const tok_pmap *m, int32_t a, int32_t b) {
    uint64_t h = tok_pmap_key(a, b) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 31;
    return (size_t)h & m->mask;
}
static inline void tok_pmap_prefetch(const tok_pmap *m, int32_t a, int32_t b) {
    __builtin_prefetch(&m->slots[tok_pmap_index(m, a, b)], 1);
}

/* Looks up (a, b); returns the slot or NULL. */
static inline const tok_pmap_slot *tok_pmap_get(const tok_pmap *m, int32_t a, int32_t b) {
    uint64_t k = tok_pmap_key(a, b);
    uint64_t h = k * 0x9E3779B97F4A7C15ull;
    h ^= h >> 31;
    for (size_t i = (size_t)h & m->mask;; i = (i + 1) & m->mask) {
        const tok_pmap_slot *s = &m->slots[i];
        if (s->key == ~k) return s;
        if (s->key == 0) return NULL;
    }
}

#endif
