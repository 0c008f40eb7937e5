/* hashmap.c — open-addressing hash tables used by the tokenizer (vocab, merges, caches). */
#include "tokenizer/hashmap.h"

#include <stdlib.h>

/* Power of two keeping the load factor at most 0.6. */
static size_t table_size(size_t expected) {
    size_t n = 16;
    while (n * 3 < expected * 5) n *= 2;
    return n;
}

bool tok_smap_init(tok_smap *m, size_t expected) {
    size_t n = table_size(expected);
    m->slots = calloc(n, sizeof *m->slots);
    m->mask = n - 1;
    m->count = 0;
    return m->slots != NULL;
}

void tok_smap_free(tok_smap *m) {
    free(m->slots);
    m->slots = NULL;
    m->mask = m->count = 0;
}

void tok_smap_clear(tok_smap *m) {
    if (m->slots) memset(m->slots, 0, (m->mask + 1) * sizeof *m->slots);
    m->count = 0;
}

static void smap_insert_slot(tok_smap_slot *slots, size_t mask, const tok_smap_slot *e) {
    for (size_t i = e->hash & mask;; i = (i + 1) & mask)
        if (!slots[i].lenp1) {
            slots[i] = *e;
            return;
        }
}

bool tok_smap_put(tok_smap *m, const char *key, size_t len, int32_t val) {
    if (!m->slots && !tok_smap_init(m, 16)) return false;
    if ((m->count + 1) * 5 > (m->mask + 1) * 3) {
        size_t n = (m->mask + 1) * 2;
        tok_smap_slot *ns = calloc(n, sizeof *ns);
        if (!ns) return false;
        for (size_t i = 0; i <= m->mask; i++)
            if (m->slots[i].lenp1) smap_insert_slot(ns, n - 1, &m->slots[i]);
        free(m->slots);
        m->slots = ns;
        m->mask = n - 1;
    }
    if (len >= UINT32_MAX) return false;
    uint32_t h = (uint32_t)tok_hash_bytes(key, len);
    uint64_t inl = len <= 8 ? tok_smap_pack(key, len) : 0;
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        tok_smap_slot *s = &m->slots[i];
        if (!s->lenp1) {
            s->lenp1 = (uint32_t)len + 1;
            s->hash = h;
            s->val = val;
            if (len <= 8) s->inl = inl;
            else s->ptr = key;
            m->count++;
            return true;
        }
        if (s->hash == h && s->lenp1 == len + 1 && (len <= 8 ? s->inl == inl : memcmp(s->ptr, key, len) == 0)) {
            s->val = val;
            return true;
        }
    }
}

bool tok_pmap_init(tok_pmap *m, size_t expected) {
    size_t n = table_size(expected);
    m->slots = calloc(n, sizeof *m->slots); /* key 0 = empty: fresh zero pages, no init pass */
    if (!m->slots) return false;
    m->mask = n - 1;
    m->count = 0;
    return true;
}

void tok_pmap_free(tok_pmap *m) {
    free(m->slots);
    m->slots = NULL;
    m->mask = m->count = 0;
}

bool tok_pmap_put(tok_pmap *m, int32_t a, int32_t b, uint32_t rank, int32_t id) {
    if ((m->count + 1) * 5 > (m->mask + 1) * 3) {
        tok_pmap old = *m;
        if (!tok_pmap_init(m, (old.mask + 1))) {
            *m = old;
            return false;
        }
        for (size_t i = 0; i <= old.mask; i++)
            if (old.slots[i].key != 0)
                tok_pmap_put(m, (int32_t)(~old.slots[i].key >> 32), (int32_t)(uint32_t)~old.slots[i].key,
                             old.slots[i].rank, old.slots[i].id);
        free(old.slots);
    }
    uint64_t k = tok_pmap_key(a, b);
    uint64_t h = k * 0x9E3779B97F4A7C15ull;
    h ^= h >> 31;
    for (size_t i = (size_t)h & m->mask;; i = (i + 1) & m->mask) {
        tok_pmap_slot *s = &m->slots[i];
        if (s->key == 0) {
            s->key = ~k;
            s->rank = rank;
            s->id = id;
            m->count++;
            return true;
        }
        if (s->key == ~k) {
            s->rank = rank;
            s->id = id;
            return true;
        }
    }
}
