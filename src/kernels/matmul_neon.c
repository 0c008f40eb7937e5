/* matmul_neon.c — AArch64 NEON kernels: dot/axpy, and matrix-vector products for
 * bf16/f16/f32 and MLX affine 4/8-bit weights read in place (decode); larger
 * token counts expand each row to f32 once and dot it with every token.
 * Accumulation is f32, as in the reference. Attention scores and P.V have NEON
 * kernels (attention_neon.c); the exp-sum and row-wise ops are the generic ones. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/attention_neon.h"
#include "kernels/kernels.h"
#include "kernels/lse.h"

static float dot_neon(const float *a, const float *b, int n) {
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
        s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        s2 = vfmaq_f32(s2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        s3 = vfmaq_f32(s3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
    }
    for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
    float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

static void axpy_neon(float *y, float a, const float *x, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a));
    for (; i < n; i++) y[i] += a * x[i];
}

/* Four weights of a dense row as f32. */
static inline float32x4_t load_w4(wt_kind k, const uint8_t *row, int c) {
    if (k == WT_F32) return vld1q_f32((const float *)row + c);
    uint16x4_t h = vld1_u16((const uint16_t *)row + c);
    if (k == WT_BF16) return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
    return vcvt_f32_f16(vreinterpret_f16_u16(h));
}

static void mv_dense(const wmat *W, const float *x, float *y, int r0, int r1) {
    const int n = W->cols, n16 = n & ~15;
    const wt_kind k = W->kind;
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = wmat_row(W, (size_t)r);
        float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
        for (int c = 0; c < n16; c += 16) {
            s0 = vfmaq_f32(s0, load_w4(k, row, c), vld1q_f32(x + c));
            s1 = vfmaq_f32(s1, load_w4(k, row, c + 4), vld1q_f32(x + c + 4));
            s2 = vfmaq_f32(s2, load_w4(k, row, c + 8), vld1q_f32(x + c + 8));
            s3 = vfmaq_f32(s3, load_w4(k, row, c + 12), vld1q_f32(x + c + 12));
        }
        float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
        for (int c = n16; c < n; c++) s += wt_load(k, row, (size_t)c) * x[c];
        y[r] = s;
    }
}

/* Affine codes as exact floats 1 + q / 2^bits: plane j of four uint32 words (the
 * j-th code of each) is shifted so the code sits just below the exponent, then
 * bit-selected into 1.0 (see matmul_avx512.c for the algebra):
 *   y = 2^bits (sum_g s_g sum (1 + q/2^bits) x - sum_g s_g xsum_g) + sum_g b_g xsum_g. */
#define PLANE(v, sh) vreinterpretq_f32_u32(vbslq_u32(mask, (sh) >= 0 ? vshlq_n_u32(v, (sh) >= 0 ? (sh) : 0) : vshrq_n_u32(v, (sh) < 0 ? -(sh) : 1), one))

static void mv_affine(const wmat *W, const float *x, float *y, int r0, int r1, float *scratch, mm_prep *prep) {
    const int n = W->cols, G = W->group, ng = n / G, bits = W->bits, S = 32 / bits, B = 4 * S;
    float *xp = prep ? prep->buf : scratch, *xsum = xp + n;
    if (!mm_prep_reuse(prep, x, (uint64_t)n << 16 | (uint64_t)G << 4 | (uint64_t)S)) {
        for (int c = 0; c < n; c += B) /* per block of 4 words: xp[j * 4 + m] = x[S m + j] */
            for (int j = 0; j < S; j++)
                for (int m = 0; m < 4; m++) xp[c + j * 4 + m] = x[c + S * m + j];
        for (int g = 0; g < ng; g++) {
            float s = 0.0f;
            for (int k = 0; k < G; k++) s += x[g * G + k];
            xsum[g] = s;
        }
    }
    const uint32x4_t mask = vdupq_n_u32(((1u << bits) - 1u) << (23 - bits)), one = vdupq_n_u32(0x3f800000u);
    const float span = (float)(1 << bits);
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = wmat_row(W, (size_t)r);
        const void *rs = wmat_scales(W, (size_t)r), *rbias = wmat_biases(W, (size_t)r);
        float32x4_t acc = vdupq_n_f32(0.0f);
        for (int c = 0; c < n; c += B) {
            uint32x4_t v = vld1q_u32((const uint32_t *)(const void *)(row + (size_t)c * bits / 8));
            const float *xb = xp + c;
            float32x4_t p, q;
            if (bits == 4) {
                p = vmulq_f32(PLANE(v, 19), vld1q_f32(xb));
                q = vmulq_f32(PLANE(v, 15), vld1q_f32(xb + 4));
                p = vfmaq_f32(p, PLANE(v, 11), vld1q_f32(xb + 8));
                q = vfmaq_f32(q, PLANE(v, 7), vld1q_f32(xb + 12));
                p = vfmaq_f32(p, PLANE(v, 3), vld1q_f32(xb + 16));
                q = vfmaq_f32(q, PLANE(v, -1), vld1q_f32(xb + 20));
                p = vfmaq_f32(p, PLANE(v, -5), vld1q_f32(xb + 24));
                q = vfmaq_f32(q, PLANE(v, -9), vld1q_f32(xb + 28));
            } else {
                p = vmulq_f32(PLANE(v, 15), vld1q_f32(xb));
                q = vmulq_f32(PLANE(v, 7), vld1q_f32(xb + 4));
                p = vfmaq_f32(p, PLANE(v, -1), vld1q_f32(xb + 8));
                q = vfmaq_f32(q, PLANE(v, -9), vld1q_f32(xb + 12));
            }
            acc = vfmaq_n_f32(acc, vaddq_f32(p, q), wt_load(W->sb_kind, rs, (size_t)(c / G)));
        }
        /* y = span acc + sum_g (b_g - span s_g) xsum_g: four groups per vector, one horizontal sum */
        float32x4_t t = vmulq_n_f32(acc, span);
        int g = 0;
        for (; g + 4 <= ng; g += 4) {
            float32x4_t corr = vfmsq_f32(load_w4(W->sb_kind, rbias, g), load_w4(W->sb_kind, rs, g), vdupq_n_f32(span));
            t = vfmaq_f32(t, corr, vld1q_f32(xsum + g));
        }
        float yr = vaddvq_f32(t);
        for (; g < ng; g++) yr += (wt_load(W->sb_kind, rbias, (size_t)g) - span * wt_load(W->sb_kind, rs, (size_t)g)) * xsum[g];
        y[r] = yr;
    }
}

static void mm_rows_neon(const wmat *W, const float *x, int T, int ldx, float *y, int ldy, int r0, int r1, float *scratch, mm_prep *prep) {
    if (T <= 2 && W->kind != WT_AFFINE) {
        for (int t = 0; t < T; t++) mv_dense(W, x + (size_t)t * ldx, y + (size_t)t * ldy, r0, r1);
        return;
    }
    if (T <= 2 && (W->bits == 4 || W->bits == 8) && W->group % 32 == 0) {
        for (int t = 0; t < T; t++) mv_affine(W, x + (size_t)t * ldx, y + (size_t)t * ldy, r0, r1, scratch, prep);
        return;
    }
    mm_rows_expanded(W, x, T, ldx, y, ldy, r0, r1, scratch, dot_neon);
}

static void h2f_neon(const uint16_t *in, float *out, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(out + i, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(in + i))));
    for (; i < n; i++) out[i] = f16_to_f32(in[i]);
}

/* vcvt rounds as FPCR says: to nearest even unless a caller changed it */
static void f2h_neon(const float *in, uint16_t *out, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) vst1_u16(out + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(in + i))));
    for (; i < n; i++) out[i] = f32_to_f16(in[i]);
}

const kernel_set kernels_neon = {KERNEL_SET_FIELDS(neon, attn_scores_neon, exp_sum_generic, attn_pv_neon, k_silu_mul, k_gelu_tanh_mul),
                                 .lse = lse_generic, .kl = kl_generic};
#endif
