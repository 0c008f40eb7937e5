/* test_kernels_q8.c — the VNNI kernels of matmul_q8.h on random MLX affine matrices.
 *
 * The opt-in int8 path (`--precision int8`; 4/8-bit and other widths, groups 32/64/128,
 * bf16/f16/f32 scales, widths that are not whole blocks, token counts 1..9):
 *  1. the kernel's arithmetic against a double-precision evaluation of the same
 *     quantized problem (sum_g s_g d_g sum q xq + b_g sum x): tolerance 1e-5 of
 *     sum|w x| — a wrong lane, group or nibble is O(1) off;
 *  2. the quantization itself against the exact f32 product: int8 activations
 *     carry up to 1/254 relative error each, so the tolerance is 1e-2 of sum|w x|.
 *
 * The exact path's 24-bit decode of 4-bit weights, and of 2/3/5/6-bit ones with VBMI (one
 * token, through k_matmul as the engine calls it) against sum (s q + b) x in double precision,
 * next to the f32 kernel on the same rows: tolerance 4e-6 of sum|w x| per row (the f32 kernel's own worst is ~2e-6, on 128-wide
 * rows with 1000x outliers), and no worse than 1.5x the f32 kernel's worst per activation
 * pattern (a digit plane off by one shift is 1e-2 off, a lane's exponent off by one 1e0).
 * Activations: uniform, 100x and 1000x outliers, values near 1e-30 and 1e30, groups 1e4 apart,
 * every |x| equal with every code at its largest (the digit sums at their largest), and inf/NaN
 * (NaN out). */
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

/* sum (s q + b) x over row r in double, and sum |w x| with w as the f32 kernels see it. */
static double row_ref(const wmat *W, int r, const float *x, float *wrow, double *mag) {
    int ng = W->cols / W->group;
    double y = 0;
    *mag = 0;
    wmat_row_f32(W, r, wrow);
    for (int c = 0; c < W->cols; c++) {
        double s = wt_load(W->sb_kind, W->scales, (size_t)r * ng + c / W->group), b = wt_load(W->sb_kind, W->biases, (size_t)r * ng + c / W->group);
        y += (s * code_at(W, r, c) + b) * x[c];
        *mag += fabs((double)wrow[c] * x[c]);
    }
    return y;
}

static void fill_x(float *x, int n, int pattern) {
    for (int c = 0; c < n; c++) {
        float v = frand();
        switch (pattern) {
        case 1: v *= c % 97 == 0 ? 100.0f : 1.0f; break;
        case 2: v *= c % 331 == 0 ? 1000.0f : 1.0f; break;
        case 3: v *= 1e-30f; break;
        case 4: v *= 1e30f; break;
        case 5: v *= (c / 64) % 2 ? 1e-4f : 1.0f; break;
        case 6: v = c % 3 ? 0.75f : -0.75f; break;
        }
        x[c] = v;
    }
}

static void test_exact24(void) {
    const kernel_set *sets[4];
    kernels_available(sets, 4);
    if (!q8_exact24_enabled(sets[0]->name)) {
        printf("exact 24-bit decode: not taken by the %s set on this CPU (f32 kernels decode)\n", sets[0]->name);
        return;
    }
    const int maxc = 2048;
    kernel_ctx f32 = {.ks = sets[0], .tp = tp_create(2)};
    f32.scratch_per_thread = KERNEL_SCRATCH(maxc);
    f32.scratch = malloc(sizeof(float) * f32.scratch_per_thread * 2);
    kernel_ctx d24 = f32;
    d24.xd24_cols = maxc, d24.xd24 = malloc(q8_act24_bytes(maxc));
    void *buf = malloc(q8_act24_bytes(maxc));
    float *x = malloc(sizeof(float) * maxc), *wrow = malloc(sizeof(float) * maxc);
    float *y = malloc(sizeof(float) * 96), *yf = malloc(sizeof(float) * 96), *yd = malloc(sizeof(float) * 96);
    /* 4-bit codes in 128-code blocks; 2, 3, 5 and 6 bits (with VBMI) in 64-code blocks of bytes */
    struct { int bits, cols, group; wt_kind sb; } fm[] = {{4, 2048, 64, WT_BF16}, {4, 384, 32, WT_F16}, {4, 256, 128, WT_F32}, {4, 128, 64, WT_BF16},
                                                         {6, 2048, 64, WT_BF16}, {6, 192, 32, WT_F16}, {6, 256, 128, WT_F32}, {5, 320, 32, WT_BF16},
                                                         {3, 384, 128, WT_BF16}, {2, 640, 64, WT_F16}};
    const int nfm = cpu_detect()->avx512vbmi ? (int)(sizeof fm / sizeof fm[0]) : 4;
    const char *pname[] = {"uniform", "100x outliers", "1000x outliers", "near 1e-30", "near 1e30", "groups 1e4 apart", "equal |x|, codes max"};
    double worst24 = 0, worstf = 0;
    for (int pat = 0; pat < 7; pat++) {
        double p24 = 0, pf = 0;
        for (int f = 0; f < nfm; f++) {
            const int rows = 96, cols = fm[f].cols;
            owned o = make(WT_AFFINE, rows, cols, fm[f].bits, fm[f].group, fm[f].sb);
            if (pat == 6) memset(o.w, 0xff, o.m.row_bytes * rows);
            owned rec = as_records(&o);
            CHECK(q8_exact24_supported(&o.m), "%d-bit cols %d group %d should take the 24-bit decode", fm[f].bits, cols, fm[f].group);
            fill_x(x, cols, pat);
            k_matmul(&d24, &rec.m, x, 1, cols, yd, rows);
            k_matmul(&f32, &rec.m, x, 1, cols, yf, rows);
            { /* the dispatcher took the 24-bit kernel, and the packed layout gives the same sums bit for bit */
                q8_act a;
                q8_quantize24(&a, buf, &o.m, x);
                q8_mm_rows(&o.m, &a, 1, y, rows, 0, rows);
                CHECK(memcmp(y, yd, sizeof(float) * rows) == 0, "%s %d-bit cols %d: k_matmul differs from the 24-bit kernel on the packed layout", pname[pat],
                      fm[f].bits, cols);
            }
            for (int r = 0; r < rows; r++) {
                double mag, ref = row_ref(&o.m, r, x, wrow, &mag);
                double e24 = fabs(yd[r] - ref) / mag, ef = fabs(yf[r] - ref) / mag;
                p24 = fmax(p24, e24), pf = fmax(pf, ef);
                if (!(e24 <= 4e-6)) {
                    CHECK(0, "%s %d-bit cols %d group %d row %d: %.9g, double %.9g (f32 kernel %.9g)", pname[pat], fm[f].bits, cols, fm[f].group, r, yd[r], ref,
                          yf[r]);
                    break;
                }
                tu_checks++;
            }
            drop(&rec), drop(&o);
        }
        printf("exact 24-bit decode, %-20s max |y - y_double| / sum|w x|: 24-bit %.3g, f32 kernel %.3g\n", pname[pat], p24, pf);
        CHECK(p24 <= 1.5 * pf + 1e-9, "%s: the 24-bit decode (%g) is worse than 1.5x the f32 kernel (%g)", pname[pat], p24, pf);
        worst24 = fmax(worst24, p24), worstf = fmax(worstf, pf);
    }
    { /* non-finite activations: every output NaN, as the f32 products make them */
        owned o = make(WT_AFFINE, 8, 256, 4, 64, WT_BF16);
        for (int bad = 0; bad < 2; bad++) {
            fill_x(x, 256, 0);
            x[77] = bad ? __builtin_nanf("") : __builtin_inff();
            k_matmul(&d24, &o.m, x, 1, 256, yd, 8);
            int all = 1;
            for (int r = 0; r < 8; r++) all &= isnan(yd[r]);
            CHECK(all, "an %s activation should make every output NaN", bad ? "NaN" : "inf");
        }
        drop(&o);
    }
    { /* rows that are not whole 128-code blocks keep the f32 kernels, bit for bit */
        owned o = make(WT_AFFINE, 16, 192, 4, 64, WT_BF16);
        CHECK(!q8_exact24_supported(&o.m), "192 columns are not whole 128-code blocks");
        fill_x(x, 192, 0);
        k_matmul(&d24, &o.m, x, 1, 192, yd, 16);
        k_matmul(&f32, &o.m, x, 1, 192, yf, 16);
        CHECK(memcmp(yd, yf, sizeof(float) * 16) == 0, "192 columns: the f32 kernel's sums expected");
        drop(&o);
        owned o8 = make(WT_AFFINE, 16, 256, 8, 64, WT_BF16), o6 = make(WT_AFFINE, 16, 96, 6, 32, WT_BF16);
        CHECK(!q8_exact24_supported(&o8.m), "8-bit codes would overflow the digit sums: f32 kernels");
        CHECK(!q8_exact24_supported(&o6.m), "96 columns of 6-bit codes are not whole 64-code blocks");
        drop(&o8), drop(&o6);
    }
    printf("exact 24-bit decode: worst %.3g (tolerance 4e-6), f32 kernel worst %.3g\n", worst24, worstf);
    free(buf), free(x), free(wrow), free(y), free(yf), free(yd), free(f32.scratch), free(d24.xd24);
    tp_free(f32.tp);
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
    test_exact24();
    free(buf), free(x), free(y), free(yr), free(wrow), free(ref.scratch);
    tp_free(ref.tp);
    return tu_finish("test_kernels_q8");
}
