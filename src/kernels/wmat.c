/* wmat.c — weight-matrix helpers: sizes, half-precision conversion, row expansion. */
#include "kernels/wmat.h"

#include <math.h>
#include <string.h>

size_t wmat_bytes(const wmat *m) {
    size_t n = m->row_bytes * (size_t)m->rows;
    if (m->kind == WT_AFFINE) {
        size_t sb = m->sb_kind == WT_F32 ? 4 : 2;
        n += 2 * sb * (size_t)m->rows * (size_t)(m->cols / m->group);
    }
    return n;
}

float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, u;
    if (exp == 0) {
        if (man == 0) u = sign;
        else { /* subnormal: normalize */
            int e = -1;
            do { e++; man <<= 1; } while (!(man & 0x400u));
            u = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
        }
    } else if (exp == 31)
        u = sign | 0x7f800000u | (man << 13);
    else
        u = sign | ((exp + 112u) << 23) | (man << 13);
    union { uint32_t u; float f; } v = {.u = u};
    return v.f;
}

uint16_t f32_to_f16(float f) {
    union { uint32_t u; float f; } v = {.f = f};
    uint32_t sign = (v.u >> 16) & 0x8000u;
    uint32_t a = v.u & 0x7fffffffu;
    if (a > 0x7f800000u) return (uint16_t)(sign | 0x7e00u);
    if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* overflow -> inf (round-to-even boundary 65520) */
    if (a < 0x38800000u) { /* subnormal or zero in f16 */
        float af = fabsf(f) * 16777216.0f; /* 2^24: units of the f16 subnormal step */
        uint32_t q = (uint32_t)af;
        float rem = af - (float)q;
        if (rem > 0.5f || (rem == 0.5f && (q & 1u))) q++;
        return (uint16_t)(sign | q);
    }
    uint32_t mant = a & 0x7fffffu, exp = (a >> 23) - 112u;
    uint32_t h = (exp << 10) | (mant >> 13);
    uint32_t rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
    return (uint16_t)(sign | h);
}

void wmat_prefetch_block(const wmat *m, int r, int nr, int k0, int kn) {
    if (k0 + kn > m->cols) kn = m->cols - k0;
    if (kn <= 0) return;
    size_t eb = m->kind == WT_AFFINE ? (size_t)m->bits : m->kind == WT_F32 ? 32 : 16; /* bits per weight */
    size_t b0 = (size_t)k0 * eb / 8, b1 = ((size_t)(k0 + kn) * eb + 7) / 8;
    for (int i = 0; i < nr && r + i < m->rows; i++) {
        const uint8_t *row = m->w + (size_t)(r + i) * m->row_bytes;
        for (size_t o = b0 & ~(size_t)63; o < b1; o += 64) __builtin_prefetch(row + o, 0, 2);
        if (m->kind == WT_AFFINE) {
            size_t sb = m->sb_kind == WT_F32 ? 4 : 2, ng = (size_t)(m->cols / m->group), g = (size_t)(r + i) * ng + (size_t)(k0 / m->group);
            __builtin_prefetch((const uint8_t *)m->scales + g * sb, 0, 2);
            __builtin_prefetch((const uint8_t *)m->biases + g * sb, 0, 2);
        }
    }
}

void wmat_prefetch_next(const wmat *m, int r, int r1, int rows, int k0, int depth) {
    int nr = r1 - r < rows ? r1 - r : rows;
    if (k0 + depth < m->cols) wmat_prefetch_block(m, r, nr, k0 + depth, depth);
    else if (r + rows < r1) wmat_prefetch_block(m, r + rows, r1 - r - rows < rows ? r1 - r - rows : rows, 0, depth);
}

void wmat_row_f32(const wmat *m, int r, float *out) {
    const uint8_t *row = m->w + (size_t)r * m->row_bytes;
    switch (m->kind) {
    case WT_F32: memcpy(out, row, (size_t)m->cols * sizeof(float)); return;
    case WT_BF16:
        for (int c = 0; c < m->cols; c++) out[c] = bf16_to_f32(((const uint16_t *)row)[c]);
        return;
    case WT_F16:
        for (int c = 0; c < m->cols; c++) out[c] = f16_to_f32(((const uint16_t *)row)[c]);
        return;
    case WT_AFFINE: {
        int ng = m->cols / m->group, bits = m->bits;
        uint32_t mask = (1u << bits) - 1u;
        for (int g = 0; g < ng; g++) {
            float s = wt_load(m->sb_kind, m->scales, (size_t)r * ng + g);
            float b = wt_load(m->sb_kind, m->biases, (size_t)r * ng + g);
            for (int k = 0; k < m->group; k++) {
                size_t idx = (size_t)g * m->group + k, bit = idx * (size_t)bits;
                uint32_t word = (uint32_t)row[bit >> 3] | ((bit >> 3) + 1 < m->row_bytes ? (uint32_t)row[(bit >> 3) + 1] << 8 : 0u);
                uint32_t q = (word >> (bit & 7)) & mask;
                out[idx] = s * (float)q + b;
            }
        }
        return;
    }
    }
}
