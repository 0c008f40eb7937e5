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
 * dequantizes as scales[r][g] * q + biases[r][g]. */
typedef struct {
    wt_kind kind;
    int rows, cols;
    const uint8_t *w;          /* row r starts at w + r * row_bytes */
    size_t row_bytes;
    const void *scales, *biases; /* affine: (rows, cols / group) of sb_kind */
    wt_kind sb_kind;           /* WT_BF16, WT_F16 or WT_F32 */
    int bits, group;
} wmat;

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
