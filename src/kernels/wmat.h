/* wmat.h — a weight matrix as the kernels consume it: a view of packed bytes
 * (bf16/f16/f32 rows, or MLX affine-quantized codes with per-group scales and
 * biases), never an expanded copy. */
#ifndef FFAI_KERNELS_WMAT_H
#define FFAI_KERNELS_WMAT_H

#include <stddef.h>
#include <stdint.h>

typedef enum { WT_F32, WT_F16, WT_BF16, WT_AFFINE } wt_kind;

/* W (rows, cols): y = W x. For WT_AFFINE each row is a little-endian bit
 * stream of `cols` codes of `bits` bits (lowest bits first); group g of row r
 * dequantizes as scales[r][g] * q + biases[r][g].
 * Two layouts: packed (as in the file: all codes, then all scales, then all
 * biases) or, for affine weights, row records (wmat_use_records: each row's
 * scales, biases and codes side by side, one memory stream per row). */
typedef struct {
    wt_kind kind;
    int rows, cols;
    const uint8_t *w;            /* row r's codes (or values) start at w + r * row_stride */
    size_t row_bytes;            /* bytes of one row's codes (or values) */
    size_t row_stride;           /* bytes from one row's start to the next's */
    const void *scales, *biases; /* affine: row r's cols / group values of sb_kind at scales (biases) + r * sb_stride bytes */
    size_t sb_stride;
    wt_kind sb_kind;             /* WT_BF16, WT_F16 or WT_F32 */
    int bits, group;
} wmat;

static inline const uint8_t *wmat_row(const wmat *m, size_t r) { return m->w + r * m->row_stride; }
static inline const void *wmat_scales(const wmat *m, size_t r) { return (const uint8_t *)m->scales + r * m->sb_stride; }
static inline const void *wmat_biases(const wmat *m, size_t r) { return (const uint8_t *)m->biases + r * m->sb_stride; }
/* Whether each row's scales and biases sit inside its own record (read with its codes). */
static inline int wmat_has_records(const wmat *m) { return m->kind == WT_AFFINE && m->sb_stride == m->row_stride; }

/* Prefetches the scales and biases of row r + rows_ahead in the packed layout, where they are
 * arrays of their own that the hardware prefetchers may not follow. Row records carry them in
 * the row's own stream, and prefetching their lines as well cost 1B decode 20-30 % (the lines
 * are already on their way: docs/performance.md, item 29), so there it does nothing. */
static inline void wmat_prefetch_sb(const wmat *m, size_t r, size_t rows_ahead) {
    if (wmat_has_records(m)) return;
    const uint8_t *s = (const uint8_t *)wmat_scales(m, r + rows_ahead), *b = (const uint8_t *)wmat_biases(m, r + rows_ahead);
    for (size_t o = 0; o < m->sb_stride; o += 64) __builtin_prefetch(s + o, 0, 3), __builtin_prefetch(b + o, 0, 3);
}

/* Sets the strides of the packed layout (row_bytes, kind and, for affine, cols, group, sb_kind set). */
void wmat_set_packed(wmat *m);
/* Bytes of one row record of an affine matrix: scales and biases, then codes, each part rounded up to 64. */
size_t wmat_record_bytes(const wmat *m);
/* Writes rows [r0, r1) of affine m as row records into dst (row r at dst + r * wmat_record_bytes). */
void wmat_write_records(const wmat *m, int r0, int r1, uint8_t *dst);
/* Points affine m at rows written by wmat_write_records to dst. */
void wmat_use_records(wmat *m, const uint8_t *dst);

/* Bytes of the weight data (codes + scales + biases) as stored. */
size_t wmat_bytes(const wmat *m);

/* Scalar conversions shared by the kernels. */
static inline float bf16_to_f32(uint16_t h) {
    union { uint32_t u; float f; } v = {.u = (uint32_t)h << 16};
    return v.f;
}
static inline uint16_t f32_to_bf16(float f) { /* round to nearest even, NaN kept */
    union { uint32_t u; float f; } v = {.f = f};
    if ((v.u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((v.u >> 16) | 0x40);
    v.u += 0x7fffu + ((v.u >> 16) & 1u);
    return (uint16_t)(v.u >> 16);
}
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

/* Reads element i of an array of kind k (bf16/f16/f32) as float. */
static inline float wt_load(wt_kind k, const void *p, size_t i) {
    switch (k) {
    case WT_BF16: return bf16_to_f32(((const uint16_t *)p)[i]);
    case WT_F16: return f16_to_f32(((const uint16_t *)p)[i]);
    default: return ((const float *)p)[i];
    }
}

/* The rows one matvec pass reads together, one from each of ns evenly spaced parts of the range
 * (each part is then read row after row as one long memory stream): ri[i] = r + i * h while below
 * r1, else r (computed again, not stored). Returns how many are real (>= 1). */
static inline int stream_rows(int r, int h, int r1, int ns, int *ri) {
    int nr = 1;
    while (nr < ns && r + nr * h < r1) nr++;
    for (int i = 0; i < ns; i++) ri[i] = i < nr ? r + i * h : r;
    return nr;
}

/* Prefetches columns [k0, k0 + kn) of rows [r, r + nr): their weight bytes and, for affine
 * weights, their scales and biases (into the outer caches; a hint, never a fault). */
void wmat_prefetch_block(const wmat *m, int r, int nr, int k0, int kn);
/* For a panel GEMM over rows [.., r1) in panels of `rows` rows and blocks of `depth` columns:
 * prefetches the block that follows (r, k0) — the next columns of the same panel, else the
 * first block of the next panel. */
void wmat_prefetch_next(const wmat *m, int r, int r1, int rows, int k0, int depth);

/* Dequantizes/converts row r of W into out (cols floats). */
void wmat_row_f32(const wmat *m, int r, float *out);

#endif
