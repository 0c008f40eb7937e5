/* test_kernels_q8.c — the opt-in int8 path (`--precision int8`) on random MLX
 * affine 4/8-bit matrices (groups 32/64/128, bf16/f16/f32 scales, widths that
 * are not whole blocks, token counts 1..9):
 *  1. the kernel's arithmetic against a double-precision evaluation of the same
 *     quantized problem (sum_g s_g d_g sum q xq + b_g sum x): tolerance 1e-5 of
 *     sum|w x| — a wrong lane, group or nibble is O(1) off;
 *  2. the quantization itself against the exact f32 product: int8 activations
 *     carry up to 1/254 relative error each, so the tolerance is 1e-2 of sum|w x|. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel_fixtures.h"
#include "kernels/kernels.h"
#include "kernels/matmul_q8.h"
#include "testutil.h"

/* The quantized activation of code index c of token t, read back from the buffer. */
static double xq_at(const q8_act *a, int t, int c) {
    int S = 32 / a->bits, B = 16 * S, k = c / B, o = c % B;
    const int8_t *q = a->q + (size_t)t * a->ldq + (size_t)k * (a->bits == 4 ? 128 : 64);
    int v = a->bits == 4 ? q[(o & 1) * 64 + o / 2] : q[o];
    return (double)v * a->d[(size_t)t * a->ldd + (size_t)k * 16 + o / S];
}

/* Code c of row r: MLX packs the codes as one little-endian bit stream, lowest bits first
 * (3-, 5- and 6-bit codes can straddle two bytes). */
static int code_at(const wmat *W, int r, int c) {
    size_t bit = (size_t)c * (size_t)W->bits;
    const uint8_t *row = W->w + (size_t)r * W->row_bytes;
    unsigned two = row[bit / 8] | (bit / 8 + 1 < W->row_bytes ? (unsigned)row[bit / 8 + 1] << 8 : 0u);
    return (int)((two >> (bit % 8)) & ((1u << W->bits) - 1u));
}

int main(void) {
    if (!q8_available()) {
        printf("test_kernels_q8: this CPU has no AVX-512 VNNI; the int8 path is refused at load (checked in test_bench)\n");
        return tu_finish("test_kernels_q8");
    }
    struct { int bits, group; wt_kind sb; } fm[] = {{4, 64, WT_BF16}, {4, 32, WT_F16}, {4, 128, WT_F32}, {8, 64, WT_BF16}, {8, 32, WT_BF16}, {8, 128, WT_F16},
                                                      /* other widths: with AVX-512 VBMI only */
                                                      {6, 64, WT_BF16}, {3, 64, WT_BF16}, {5, 32, WT_F16}, {2, 32, WT_BF16}, {6, 128, WT_F32}};
    int shapes[][2] = {{37, 128}, {21, 384}, {9, 192}, {70, 320}, {5, 96}};
    int Ts[] = {1, 2, 5, 9};
    const int maxc = 384, maxT = 9;
    kernel_ctx ref = {.ks = &kernels_generic, .tp = tp_create(1)};
    ref.scratch_per_thread = KERNEL_SCRATCH(maxc);
    ref.scratch = malloc(sizeof(float) * ref.scratch_per_thread);
    float *x = malloc(sizeof(float) * maxT * maxc), *y = malloc(sizeof(float) * maxT * 100), *yr = malloc(sizeof(float) * maxT * 100);
    float *wrow = malloc(sizeof(float) * maxc);
    void *buf = malloc(q8_act_bytes(maxT, maxc));
    for (int i = 0; i < maxT * maxc; i++) x[i] = frand() * (i % 7 == 0 ? 3.0f : 1.0f);
    double worst_k = 0, worst_q = 0;
    for (size_t f = 0; f < sizeof fm / sizeof fm[0]; f++)
        for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
            int rows = shapes[sh][0], cols = shapes[sh][1];
            if (cols % fm[f].group) continue;
            owned o = make(WT_AFFINE, rows, cols, fm[f].bits, fm[f].group, fm[f].sb);
            if (fm[f].bits != 4 && fm[f].bits != 8 && !cpu_detect()->avx512vbmi) {
                CHECK(!q8_supported(&o.m), "bits %d needs VBMI for the int8 path", fm[f].bits);
                drop(&o);
                continue;
            }
            CHECK(q8_supported(&o.m), "bits %d group %d should take the int8 path", fm[f].bits, fm[f].group);
            for (size_t ti = 0; ti < sizeof Ts / sizeof Ts[0]; ti++) {
                int T = Ts[ti];
                q8_act a;
                q8_quantize(&a, buf, &o.m, x, T, maxc);
                CHECK(q8_act_fits(&a, &o.m), "activations quantized for W fit W");
                q8_mm_rows(&o.m, &a, T, y, rows, 0, rows);
                k_matmul(&ref, &o.m, x, T, maxc, yr, rows);
                int ng = cols / fm[f].group;
                for (int t = 0; t < T; t++)
                    for (int r = 0; r < rows; r++) {
                        wmat_row_f32(&o.m, r, wrow);
                        double mag = 0, yq = 0;
                        for (int c = 0; c < cols; c++) mag += fabs((double)wrow[c] * x[(size_t)t * maxc + c]);
                        for (int g = 0; g < ng; g++) {
                            double sq = 0, xs = 0;
                            for (int c = g * fm[f].group; c < (g + 1) * fm[f].group; c++) {
                                double s = wt_load(o.m.sb_kind, o.m.scales, (size_t)r * ng + g);
                                sq += s * code_at(&o.m, r, c) * xq_at(&a, t, c);
                                xs += x[(size_t)t * maxc + c];
                            }
                            yq += sq + wt_load(o.m.sb_kind, o.m.biases, (size_t)r * ng + g) * xs;
                        }
                        double ek = fabs(y[t * rows + r] - yq) / (mag + 1e-6), eq = fabs(y[t * rows + r] - yr[t * rows + r]) / (mag + 1e-6);
                        worst_k = fmax(worst_k, ek), worst_q = fmax(worst_q, eq);
                        if (ek > 1e-5 || eq > 1e-2) {
                            CHECK(0, "bits %d group %d shape %dx%d T=%d row %d: %g (quantized problem %g, exact %g)", fm[f].bits, fm[f].group, rows,
                                  cols, T, r, y[t * rows + r], yq, yr[t * rows + r]);
                            t = T, r = rows;
                        } else
                            tu_checks++;
                    }
            }
            { /* one token (the decode kernel, where the codes are 4/8-bit in whole blocks): the same sums as the tiled kernel, bit for bit */
                q8_act a;
                q8_quantize(&a, buf, &o.m, x, 2, maxc);
                q8_mm_rows(&o.m, &a, 2, yr, rows, 0, rows);
                q8_quantize(&a, buf, &o.m, x, 1, maxc);
                q8_mm_rows(&o.m, &a, 1, y, rows, 0, rows);
                int same = memcmp(y, yr, sizeof(float) * (size_t)rows) == 0;
                CHECK(same, "bits %d group %d shape %dx%d: one token differs from token 0 of two", fm[f].bits, fm[f].group, rows, cols);
            }
            { /* row records (a loaded model's layout): the same sums as the packed layout, bit for bit, one token and several */
                owned orec = as_records(&o);
                for (int T = 1; T <= 5; T += 4) {
                    q8_act a;
                    q8_quantize(&a, buf, &o.m, x, T, maxc);
                    q8_mm_rows(&o.m, &a, T, yr, rows, 0, rows);
                    q8_mm_rows(&orec.m, &a, T, y, rows, 0, rows);
                    int same = memcmp(y, yr, sizeof(float) * (size_t)rows * (size_t)T) == 0;
                    CHECK(same, "bits %d group %d shape %dx%d T=%d: row records differ from the packed layout", fm[f].bits, fm[f].group, rows, cols, T);
                }
                drop(&orec);
            }
            drop(&o);
        }
    printf("int8 path: max |y - y_quantized_problem| / sum|w x| = %.3g (tolerance 1e-5); max |y - y_exact| / sum|w x| = %.3g (tolerance 1e-2)\n",
           worst_k, worst_q);
    free(buf), free(x), free(y), free(yr), free(wrow), free(ref.scratch);
    tp_free(ref.tp);
    return tu_finish("test_kernels_q8");
}
