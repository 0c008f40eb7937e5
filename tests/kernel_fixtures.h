/* kernel_fixtures.h — random weight matrices in every format for the kernel tests. */
#ifndef FFAI_TEST_KERNEL_FIXTURES_H
#define FFAI_TEST_KERNEL_FIXTURES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/wmat.h"

static uint64_t rng = 0x1234567887654321ull;
static inline uint32_t rnd(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)rng;
}
static inline float frand(void) { return ((int)(rnd() % 20001) - 10000) / 10000.0f; }

typedef struct {
    wmat m;
    void *w, *s, *b;
} owned;

static inline owned make(wt_kind kind, int rows, int cols, int bits, int group, wt_kind sb) {
    owned o;
    memset(&o, 0, sizeof o);
    o.m.kind = kind, o.m.rows = rows, o.m.cols = cols;
    if (kind == WT_AFFINE) {
        o.m.bits = bits, o.m.group = group, o.m.sb_kind = sb;
        o.m.row_bytes = (size_t)cols * bits / 8;
        uint8_t *w = malloc(o.m.row_bytes * rows);
        for (size_t i = 0; i < o.m.row_bytes * rows; i++) w[i] = (uint8_t)rnd();
        size_t ng = (size_t)rows * (cols / group), es = sb == WT_F32 ? 4 : 2;
        uint8_t *s = malloc(ng * es), *b = malloc(ng * es);
        for (size_t i = 0; i < ng; i++) {
            float sv = 0.01f + 0.01f * (rnd() % 100) / 100.0f, bv = -0.05f * frand();
            if (sb == WT_F32) ((float *)s)[i] = sv, ((float *)b)[i] = bv;
            else if (sb == WT_BF16) ((uint16_t *)s)[i] = f32_to_bf16(sv), ((uint16_t *)b)[i] = f32_to_bf16(bv);
            else ((uint16_t *)s)[i] = f32_to_f16(sv), ((uint16_t *)b)[i] = f32_to_f16(bv);
        }
        o.w = w, o.s = s, o.b = b;
        o.m.w = w, o.m.scales = s, o.m.biases = b;
    } else {
        size_t es = kind == WT_F32 ? 4 : 2;
        o.m.row_bytes = (size_t)cols * es;
        uint8_t *w = malloc(o.m.row_bytes * rows);
        for (size_t i = 0; i < (size_t)rows * cols; i++) {
            float v = frand() * 0.1f;
            if (kind == WT_F32) ((float *)w)[i] = v;
            else if (kind == WT_BF16) ((uint16_t *)w)[i] = f32_to_bf16(v);
            else ((uint16_t *)w)[i] = f32_to_f16(v);
        }
        o.w = w;
        o.m.w = w;
    }
    wmat_set_packed(&o.m);
    return o;
}

/* The same affine matrix as row records (codes, scales and biases of a row side by side), in a
 * buffer of its own — the layout a loaded model's weights take. */
static inline owned as_records(const owned *o) {
    owned r;
    memset(&r, 0, sizeof r);
    r.m = o->m;
    uint8_t *buf = malloc(wmat_record_bytes(&o->m) * (size_t)o->m.rows);
    wmat_write_records(&o->m, 0, o->m.rows, buf);
    wmat_use_records(&r.m, buf);
    r.w = buf;
    return r;
}

static inline void drop(owned *o) {
    free(o->w);
    free(o->s);
    free(o->b);
}

#endif
