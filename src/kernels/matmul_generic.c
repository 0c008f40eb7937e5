/* matmul_generic.c — the reference kernels: plain C, any weight format. */
#include <math.h>
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/lse.h"

static float dot_generic(const float *a, const float *b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static void axpy_generic(float *y, float a, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

void mm_rows_expanded(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch, dot_fn dot) {
    for (int r = r0; r < r1; r++) {
        const float *w = scratch;
        if (W->kind == WT_F32) w = (const float *)(const void *)wmat_row(W, (size_t)r);
        else wmat_row_f32(W, r, scratch);
        for (int t = 0; t < T; t++) y[(size_t)t * ldy + r] = dot(w, x + (size_t)t * ldx, W->cols);
    }
}

void panel_tokens(panel_tile_fn tile, int mt, int prows, const float *P, int kn, const float *x, int T, int ldx, float *y, int ldy, int nr,
                  int accumulate, float *side) {
    for (int t = 0; t < T; t += mt) {
        int nt = T - t < mt ? T - t : mt;
        const float *xt = x + (size_t)t * ldx;
        if (nr == prows) {
            tile(P, kn, xt, ldx, nt, y + (size_t)t * ldy, ldy, accumulate);
            continue;
        }
        for (int i = 0; i < nt && accumulate; i++) memcpy(side + (size_t)i * prows, y + (size_t)(t + i) * ldy, (size_t)nr * sizeof(float));
        tile(P, kn, xt, ldx, nt, side, prows, accumulate);
        for (int i = 0; i < nt; i++) memcpy(y + (size_t)(t + i) * ldy, side + (size_t)i * prows, (size_t)nr * sizeof(float));
    }
}

static void mm_rows_generic(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch, mm_prep *prep) {
    (void)prep;
    mm_rows_expanded(W, x, T, ldx, y, ldy, r0, r1, scratch, dot_generic);
}

void attn_scores_generic(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds) {
    int base = lo & ~(KBLK - 1);
    for (int i = 0; i < nq; i++) {
        const float *qi = q + (size_t)i * qstride;
        for (int s = lo; s < hi; s++) {
            float acc = 0.0f;
            for (int d = 0; d < hd; d++) acc += qi[d] * Kb[k_index(s, d, hd)];
            scores[(size_t)i * lds + (s - base)] = acc * scale;
        }
    }
}

float exp_sum_generic(float *x, int n, float m) {
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - m);
        sum += x[i];
    }
    return (float)sum;
}

void attn_pv_generic(const float *P, int nq, int lds, const float *V, int ldv, int n, int hd, float *out) {
    for (int i = 0; i < nq; i++)
        for (int s = 0; s < n; s++) axpy_generic(out + (size_t)i * hd, P[(size_t)i * lds + s], V + (size_t)s * ldv, hd);
}

uint64_t read4_generic(const uint8_t *p, size_t stride, size_t n) {
    const uint64_t *s0 = (const uint64_t *)(const void *)p, *s1 = (const uint64_t *)(const void *)(p + stride);
    const uint64_t *s2 = (const uint64_t *)(const void *)(p + 2 * stride), *s3 = (const uint64_t *)(const void *)(p + 3 * stride);
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i < n / 8; i++) a ^= s0[i], b ^= s1[i], c ^= s2[i], d ^= s3[i];
    return a ^ b ^ c ^ d;
}

void h2f_generic(const uint16_t *in, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = f16_to_f32(in[i]);
}

void f2h_generic(const float *in, uint16_t *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = f32_to_f16(in[i]);
}

const kernel_set kernels_generic = {KERNEL_SET_FIELDS(generic, attn_scores_generic, exp_sum_generic, attn_pv_generic, k_silu_mul, k_gelu_tanh_mul),
                                    .lse = lse_generic, .kl = kl_generic};
