/* test_kernels.c — every kernel set this CPU supports against the generic
 * reference on random inputs: all weight formats (bf16, f16, f32, affine
 * 2/3/4/5/6/8-bit with groups 32/64/128), token counts 1..20 (decode, matvec passes and the
 * prefill panels), row counts that are not multiples of the panel.
 * Tolerance: |y - y_ref| <= 1e-5 * sum_c |w_rc x_c| + 1e-6 (f32 accumulation in
 * a different order; a wrong index or code shows as O(1) relative error). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_fixtures.h"
#include "kernels/kernels.h"
#include "testutil.h"

int main(void) {
    const kernel_set *sets[4];
    int ns = kernels_available(sets, 4);
    printf("kernel sets:");
    for (int i = 0; i < ns; i++) printf(" %s", sets[i]->name);
    printf("\n");
    int maxc = 2176, maxT = 20;
    kernel_ctx ref = {.tp = NULL, .ks = &kernels_generic};
    ref.scratch_per_thread = KERNEL_SCRATCH(maxc);
    ref.scratch = malloc(sizeof(float) * ref.scratch_per_thread * 2);
    float *x = malloc(sizeof(float) * maxT * maxc), *y = malloc(sizeof(float) * maxT * 100), *yr = malloc(sizeof(float) * maxT * 100);
    float *wrow = malloc(sizeof(float) * maxc);
    for (int i = 0; i < maxT * maxc; i++) x[i] = frand();
    struct { wt_kind k; int bits, group; wt_kind sb; } fm[] = {
        {WT_F32, 0, 0, 0}, {WT_BF16, 0, 0, 0}, {WT_F16, 0, 0, 0},
        {WT_AFFINE, 2, 32, WT_BF16}, {WT_AFFINE, 3, 64, WT_BF16}, {WT_AFFINE, 4, 64, WT_BF16}, {WT_AFFINE, 4, 32, WT_F16},
        {WT_AFFINE, 4, 128, WT_F32}, {WT_AFFINE, 5, 32, WT_BF16}, {WT_AFFINE, 6, 64, WT_BF16}, {WT_AFFINE, 6, 32, WT_F16}, {WT_AFFINE, 3, 128, WT_F32}, {WT_AFFINE, 8, 64, WT_BF16},
        {WT_AFFINE, 8, 128, WT_F16}, {WT_AFFINE, 8, 32, WT_BF16},
    };
    /* widths that are not whole 64-byte blocks (96, 192, 320) exercise the masked tails; 200 and 37
     * columns (dense formats only) the 8- and 1-column tails; 2176 columns span two prefill panel
     * blocks (MM_PANEL_K), the second accumulating onto the first */
    int shapes[][2] = {{37, 128}, {100, 384}, {64, 512}, {5, 96}, {29, 192}, {70, 320}, {19, 2176}, {11, 200}, {3, 37}}; /* the last two: dense only */
    int Ts[] = {1, 2, 3, 6, 7, 13, 20}; /* affine 4/8-bit: up to 16 tokens take matvec passes, 20 the panels */
    for (int s = 0; s < ns; s++) {
        kernel_ctx kc = ref;
        kc.ks = sets[s];
        kc.tp = tp_create(2);
        /* prepared-activation buffers as a loaded model has them: a thread reuses its preparation
         * across the chunks of one call (guided chunks: several per thread on these shapes) */
        size_t prep_bytes = k_prep_bytes(2, maxc);
        void *prep_mem = aligned_alloc(64, prep_bytes);
        memset(prep_mem, 0, prep_bytes);
        k_prep_init(&kc, prep_mem, 2, maxc);
        double worst = 0;
        for (size_t f = 0; f < sizeof fm / sizeof fm[0]; f++)
            for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
                int rows = shapes[sh][0], cols = shapes[sh][1];
                if (fm[f].k == WT_AFFINE && cols % fm[f].group) continue;
                owned o = make(fm[f].k, rows, cols, fm[f].bits, fm[f].group, fm[f].sb), orec = {0};
                int nlayouts = fm[f].k == WT_AFFINE ? 2 : 1; /* affine: the file's packed layout and row records */
                if (nlayouts == 2) orec = as_records(&o);
                for (size_t ti = 0; ti < sizeof Ts / sizeof Ts[0] * (size_t)nlayouts; ti++) {
                    int T = Ts[ti % (sizeof Ts / sizeof Ts[0])];
                    const char *layout = ti < sizeof Ts / sizeof Ts[0] ? "packed" : "records";
                    k_matmul(&ref, &o.m, x, T, maxc, yr, rows);
                    k_matmul(&kc, layout[0] == 'r' ? &orec.m : &o.m, x, T, maxc, y, rows);
                    for (int t = 0; t < T; t++)
                        for (int r = 0; r < rows; r++) {
                            wmat_row_f32(&o.m, r, wrow);
                            double mag = 0;
                            for (int c = 0; c < cols; c++) mag += fabs((double)wrow[c] * x[(size_t)t * maxc + c]);
                            double d = fabs((double)y[t * rows + r] - yr[t * rows + r]);
                            double rel = d / (mag + 1e-6);
                            if (rel > worst) worst = rel;
                            if (d > 1e-5 * mag + 1e-6) {
                                CHECK(0, "%s: kind %d bits %d group %d shape %dx%d (%s) T=%d row %d: %g vs %g", sets[s]->name, fm[f].k, fm[f].bits,
                                      fm[f].group, rows, cols, layout, T, r, y[t * rows + r], yr[t * rows + r]);
                                t = T, r = rows;
                            } else
                                tu_checks++;
                        }
                }
                drop(&o);
                drop(&orec);
            }
        printf("%-8s max |y - y_ref| / sum|w x| = %.3g (tolerance 1e-5)\n", sets[s]->name, worst);
        /* opt-in bf16 precision: activations rounded to bf16 (relative 2^-9 each), so the
         * tolerance is 4e-3 of sum|w x| */
        if (sets[s]->mm_rows_bf16) {
            owned o = make(WT_BF16, 70, 200, 0, 0, 0);
            uint16_t *xb = malloc(sizeof(uint16_t) * maxT * maxc);
            for (int i = 0; i < maxT * maxc; i++) xb[i] = f32_to_bf16(x[i]);
            double wbf = 0;
            for (int T = 1; T <= 6; T += 5) {
                k_matmul(&ref, &o.m, x, T, maxc, yr, 70);
                sets[s]->mm_rows_bf16(&o.m, xb, T, maxc, y, 70, 0, 70);
                for (int t = 0; t < T; t++)
                    for (int r = 0; r < 70; r++) {
                        wmat_row_f32(&o.m, r, wrow);
                        double mag = 0;
                        for (int c = 0; c < 200; c++) mag += fabs((double)wrow[c] * x[(size_t)t * maxc + c]);
                        wbf = fmax(wbf, fabs(y[t * 70 + r] - yr[t * 70 + r]) / mag);
                    }
            }
            printf("%-8s bf16 precision matmul: max |y - y_ref| / sum|w x| = %.2g (tolerance 4e-3)\n", sets[s]->name, wbf);
            CHECK(wbf < 4e-3 && wbf > 0, "%s bf16 path", sets[s]->name);
            free(xb);
            drop(&o);
        }
        /* the same activation buffer rewritten between two calls: no chunk of the second may reuse
         * what the first prepared */
        {
            struct { wt_kind k; int bits, group; } rf[] = {{WT_AFFINE, 4, 64}, {WT_AFFINE, 8, 64}, {WT_AFFINE, 6, 64}, {WT_BF16, 0, 0}};
            float *x2 = malloc(sizeof(float) * maxT * maxc);
            for (size_t f = 0; f < sizeof rf / sizeof rf[0]; f++)
                for (int T = 1; T <= 3; T += 2) {
                    owned o = make(rf[f].k, 100, 512, rf[f].bits, rf[f].group, WT_BF16), orec = {0};
                    if (rf[f].k == WT_AFFINE) orec = as_records(&o);
                    const wmat *Wk = rf[f].k == WT_AFFINE ? &orec.m : &o.m;
                    memcpy(x2, x, sizeof(float) * maxT * maxc);
                    k_matmul(&kc, Wk, x2, T, maxc, y, 100);
                    for (int i = 0; i < maxT * maxc; i++) x2[i] = 0.1f - 0.5f * x2[i];
                    k_matmul(&ref, &o.m, x2, T, maxc, yr, 100);
                    k_matmul(&kc, Wk, x2, T, maxc, y, 100);
                    double bad = 0;
                    for (int t = 0; t < T; t++)
                        for (int r = 0; r < 100; r++) {
                            wmat_row_f32(&o.m, r, wrow);
                            double mag = 0;
                            for (int c = 0; c < 512; c++) mag += fabs((double)wrow[c] * x2[(size_t)t * maxc + c]);
                            bad = fmax(bad, fabs((double)y[t * 100 + r] - yr[t * 100 + r]) / (mag + 1e-6));
                        }
                    CHECK(bad <= 1e-5, "%s: activations rewritten in place, kind %d bits %d T=%d: error %g of sum|w x|", sets[s]->name, rf[f].k,
                          rf[f].bits, T, bad);
                    drop(&o);
                    drop(&orec);
                }
            free(x2);
        }
        /* silu(gate) * up against the reference, |gate| up to 20 */
        {
            float g1[300], g2[300], up[300];
            for (int i = 0; i < 300; i++) g1[i] = g2[i] = frand() * 20.0f, up[i] = frand();
            sets[s]->silu_mul(g1, up, 300);
            k_silu_mul(g2, up, 300);
            double w = 0;
            for (int i = 0; i < 300; i++) w = fmax(w, fabs(g1[i] - g2[i]) / (fabs(g2[i]) + 1e-6));
            printf("%-8s silu_mul max rel err %.2g (tolerance 1e-5)\n", sets[s]->name, w);
            CHECK(w < 1e-5, "%s silu_mul", sets[s]->name);
        }
        /* gelu_tanh(gate) * up = 0.5 g (1 + tanh(u)) * up against its sigmoid form g / (1 + e^-2u) * up in
         * double (no cancellation where tanh(u) nears -1, which the f32 tanh form loses), |gate| up to 12;
         * far out on the negative side the result is ~e^a, whose relative error is the f32 argument's
         * rounding, ~1e-7 |a| (a up to ~40 before it underflows): hence 1e-5 */
        {
            float g1[300], up[300];
            double want[300];
            for (int i = 0; i < 300; i++) {
                double g = g1[i] = frand() * 12.0f;
                up[i] = frand();
                want[i] = g / (1.0 + exp(-1.5957691216057308 * (g + 0.044715 * g * g * g))) * up[i];
            }
            sets[s]->gelu_tanh_mul(g1, up, 300);
            double w = 0;
            for (int i = 0; i < 300; i++) w = fmax(w, fabs(g1[i] - want[i]) / (fabs(want[i]) + 1e-30));
            printf("%-8s gelu_tanh_mul max rel err %.2g (tolerance 1e-5)\n", sets[s]->name, w);
            CHECK(w < 1e-5, "%s gelu_tanh_mul", sets[s]->name);
        }
        /* dot and axpy */
        for (int n = 1; n < 200; n += 37) {
            float d = sets[s]->dot(x, x + 256, n), dr = kernels_generic.dot(x, x + 256, n);
            CHECK(fabsf(d - dr) <= 1e-5f * n, "%s dot n=%d", sets[s]->name, n);
        }
        tp_free(kc.tp);
        free(prep_mem);
    }
    free(x), free(y), free(yr), free(wrow), free(ref.scratch);
    return tu_finish("test_kernels");
}
