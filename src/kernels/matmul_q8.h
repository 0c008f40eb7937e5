/* matmul_q8.h — the opt-in int8 precision path (`--precision int8`) for MLX affine
 * weights (4/8-bit; other widths with AVX-512 VBMI): activations are quantized per weight group to int8 (scale
 * max|x| / 127, round to nearest), codes meet them in AVX-512 VNNI `vpdpbusd`
 * (64 multiply-adds per instruction, exact int32 sums), and each group's sum is
 * scaled in f32. Approximate by design: its KL cost is measured and stated in
 * docs/performance.md. Other weight formats keep the exact path. The buffer
 * holds T tokens; callers pass T <= the max_T it was sized for. */
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
} q8_act;

/* Bytes of buffer q8_act_bind needs for up to max_T tokens of max_cols values. */
size_t q8_act_bytes(int max_T, int max_cols);
/* 1 if this CPU has the int8 kernels (AVX-512 F/BW/VNNI). */
int q8_available(void);
/* 1 if W can take the int8 path (affine, group 32, 64 or 128; 4 or 8 bits, or 2..8 with AVX-512 VBMI). */
int q8_supported(const wmat *W);
/* Quantizes x (T, ldx) for W's layout into a, whose arrays live in buf (q8_act_bytes). */
void q8_quantize(q8_act *a, void *buf, const wmat *W, const float *x, int T, int ldx);
/* 1 if activations quantized for one matrix also serve W (same bits, group, cols). */
int q8_act_fits(const q8_act *a, const wmat *W);
/* y[t][r] for rows [r0, r1) and t < T from quantized activations. */
void q8_mm_rows(const wmat *W, const q8_act *a, int T, float *y, int ldy, int r0, int r1);

#endif
