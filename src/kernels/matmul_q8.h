/* matmul_q8.h — MLX affine weights times integer activations with AVX-512 VNNI.
 *
 * The opt-in int8 precision path (`--precision int8`), 4/8-bit weights (other widths with
 * AVX-512 VBMI): activations are quantized per weight group to int8 (scale max|x| / 127,
 * round to nearest), codes meet them in `vpdpbusd` (64 multiply-adds per instruction, exact
 * int32 sums), and each group's sum is scaled in f32. Approximate by design: its KL cost is
 * measured and stated in docs/performance.md. Other weight formats keep the exact path.
 *
 * The exact path's one-token decode of 4-bit weights, and with VBMI of 2/3/5/6-bit ones
 * (q8_exact24_supported): the activations become 24-bit fixed point in runs of 8 (one dword lane
 * of a 128-code 4-bit block; runs of 4 in the 8-bit layout the other widths unpack to),
 * x = X 2^-k with the run's largest |X| in (2^22, 2^23) — that value as precise as its f32
 * rounding, the others to the same absolute step — and X is split into three int8 digit planes,
 * X = 65536 d2 + 256 d1 + d0. Three `vpdpbusd` pairs per 128 codes (three per 64 unpacked codes)
 * then give sum q X exactly in int32 (8-bit codes would overflow it), scaled in f32 like the f32
 * kernels' group sums. Measured against double precision its error is no larger than the f32
 * kernels' (tests/test_kernels_q8.c); it needs about half their vector operations.
 *
 * The buffers hold T tokens; callers pass T <= the max_T they were sized for. */
#ifndef FFAI_KERNELS_MATMUL_Q8_H
#define FFAI_KERNELS_MATMUL_Q8_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/wmat.h"

#define Q8_MAX_COLS 65536 /* widest row the int8 path takes */

/* Quantized activations for one weight layout (bits, group), T tokens. */
typedef struct {
    int8_t *q;  /* (T, ldq): per 64-byte weight block, the int8 values in the block's code order */
    float *d;   /* (T, ldd): per block, the x scale of each of its 16 dword lanes */
    float *xs;  /* (T, ldxs): exact sum of x over each group (for the bias term) */
    size_t ldq, ldd, ldxs;
    int bits, group, cols;
    int planes; /* 1: int8 values (q8_quantize); 3: digit planes d2, d1, d0 of 24-bit values (q8_quantize24) */
} q8_act;

/* Bytes of buffer q8_act_bind needs for up to max_T tokens of max_cols values. */
size_t q8_act_bytes(int max_T, int max_cols);
/* 1 if this CPU has the int8 kernels (AVX-512 F/BW/VNNI). */
int q8_available(void);
/* 1 if W can take the int8 path (affine, group 32, 64 or 128; 4 or 8 bits, or 2..8 with AVX-512 VBMI). */
int q8_supported(const wmat *W);
/* Quantizes x (T, ldx) for W's layout into a, whose arrays live in buf (q8_act_bytes). */
void q8_quantize(q8_act *a, void *buf, const wmat *W, const float *x, int T, int ldx);
/* 1 if one token of W can take the exact 24-bit decode: affine, group 32, 64 or 128; 4-bit in whole
 * 128-code blocks, or 2/3/5/6-bit in whole 64-code blocks on a CPU with VBMI (the kernel set must
 * take it too: q8_exact24_enabled). */
int q8_exact24_supported(const wmat *W);
/* 1 if the kernel set named set (kernel_set.name) takes the 24-bit decode: the AVX-512 set on
 * a CPU with VNNI, unless FFAI_DECODE24=0 (the f32 kernels decode every format, for comparisons). */
int q8_exact24_enabled(const char *set);
/* Bytes of buffer q8_quantize24 needs for one token of up to max_cols values. */
size_t q8_act24_bytes(int max_cols);
/* One token of x for W (q8_exact24_supported) as 24-bit fixed point per 8 values, in buf;
 * q8_mm_rows then takes T = 1. */
void q8_quantize24(q8_act *a, void *buf, const wmat *W, const float *x);
/* 1 if activations quantized for one matrix also serve W (same bits, group, cols). */
int q8_act_fits(const q8_act *a, const wmat *W);
/* y[t][r] for rows [r0, r1) and t < T from quantized activations. */
void q8_mm_rows(const wmat *W, const q8_act *a, int T, float *y, int ldy, int r0, int r1);

#endif
