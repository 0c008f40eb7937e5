/* wmat.c — weight-matrix helpers: sizes, layouts (packed / row records), half-precision
 * conversion, row expansion. */
#include "kernels/wmat.h"

#include <math.h>
#include <string.h>

/* Bytes of one row's scales (and of its biases). */
static size_t sb_row_bytes(const wmat *m) { return (size_t)(m->cols / m->group) * (m->sb_kind == WT_F32 ? 4 : 2); }

size_t wmat_bytes(const wmat *m) {
    size_t n = m->row_bytes * (size_t)m->rows;
    if (m->kind == WT_AFFINE) n += 2 * sb_row_bytes(m) * (size_t)m->rows;
    return n;
}

void wmat_set_packed(wmat *m) {
    m->row_stride = m->row_bytes;
    m->sb_stride = m->kind == WT_AFFINE ? sb_row_bytes(m) : 0;
}

/* A record: the row's scales, its biases, zeros up to a 64-byte boundary, its codes, zeros up to
 * the next. The scales come first because a row's first block needs them: the record is then
 * read front to back, as one stream. */
static size_t codes_offset(const wmat *m) { return (2 * sb_row_bytes(m) + 63) / 64 * 64; }

size_t wmat_record_bytes(const wmat *m) { return codes_offset(m) + (m->row_bytes + 63) / 64 * 64; }

void wmat_write_records(const wmat *m, int r0, int r1, uint8_t *dst) {
    size_t rec = wmat_record_bytes(m), sbb = sb_row_bytes(m), co = codes_offset(m);
    for (int r = r0; r < r1; r++) {
        uint8_t *d = dst + (size_t)r * rec;
        memcpy(d, wmat_scales(m, (size_t)r), sbb);
        memcpy(d + sbb, wmat_biases(m, (size_t)r), sbb);
        memset(d + 2 * sbb, 0, co - 2 * sbb);
        memcpy(d + co, wmat_row(m, (size_t)r), m->row_bytes);
        memset(d + co + m->row_bytes, 0, rec - co - m->row_bytes);
    }
}

void wmat_use_records(wmat *m, const uint8_t *dst) {
    m->scales = dst;
    m->biases = dst + sb_row_bytes(m);
    m->w = dst + codes_offset(m);
    m->row_stride = m->sb_stride = wmat_record_bytes(m);
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
        const uint8_t *row = wmat_row(m, (size_t)(r + i));
        for (size_t o = b0 & ~(size_t)63; o < b1; o += 64) __builtin_prefetch(row + o, 0, 2);
        if (m->kind == WT_AFFINE) {
            size_t o = (size_t)(k0 / m->group) * (m->sb_kind == WT_F32 ? 4 : 2);
            __builtin_prefetch((const uint8_t *)wmat_scales(m, (size_t)(r + i)) + o, 0, 2);
            __builtin_prefetch((const uint8_t *)wmat_biases(m, (size_t)(r + i)) + o, 0, 2);
        }
    }
}

void wmat_prefetch_next(const wmat *m, int r, int r1, int rows, int k0, int depth) {
    int nr = r1 - r < rows ? r1 - r : rows;
    if (k0 + depth < m->cols) wmat_prefetch_block(m, r, nr, k0 + depth, depth);
    else if (r + rows < r1) wmat_prefetch_block(m, r + rows, r1 - r - rows < rows ? r1 - r - rows : rows, 0, depth);
}

void wmat_row_f32(const wmat *m, int r, float *out) {
    const uint8_t *row = wmat_row(m, (size_t)r);
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
            float s = wt_load(m->sb_kind, wmat_scales(m, (size_t)r), (size_t)g);
            float b = wt_load(m->sb_kind, wmat_biases(m, (size_t)r), (size_t)g);
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
