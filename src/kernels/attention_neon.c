/* attention_neon.c — AArch64 NEON attention kernels: scores for up to 4 query rows x
 * 16 keys (one K block) per register tile, and P.V with each V row loaded once for
 * two query rows. Shapes as in kernels.h; the exp-sum and SiLU stay generic. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/attention_neon.h"
#include "kernels/kernels.h"

#define AI __attribute__((always_inline))

/* NQ (<= 4) query rows x the 16 keys of each block in [lo, hi). */
AI static inline void scores_rows_neon(const float *q, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds,
                                       const int NQ) {
    int base = lo & ~(KBLK - 1);
    for (int s = base; s < hi; s += KBLK) {
        const float *b = Kb + (size_t)(s / KBLK) * hd * KBLK;
        float32x4_t a[4][4];
        for (int i = 0; i < NQ; i++)
            for (int v = 0; v < 4; v++) a[i][v] = vdupq_n_f32(0.0f);
        for (int d = 0; d < hd; d++) {
            float32x4_t k[4];
            for (int v = 0; v < 4; v++) k[v] = vld1q_f32(b + (size_t)d * KBLK + 4 * v);
            for (int i = 0; i < NQ; i++) {
                float qv = q[(size_t)i * qstride + d];
                for (int v = 0; v < 4; v++) a[i][v] = vfmaq_n_f32(a[i][v], k[v], qv);
            }
        }
        for (int i = 0; i < NQ; i++) {
            float out[KBLK], *row = scores + (size_t)i * lds + (s - base);
            for (int v = 0; v < 4; v++) vst1q_f32(out + 4 * v, vmulq_n_f32(a[i][v], scale));
            for (int k = s < lo ? lo - s : 0; k < KBLK && s + k < hi; k++) row[k] = out[k]; /* keys in [lo, hi) only */
        }
    }
}

/* Up to 4 rows, specialised on their count. */
static void scores4(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds) {
#define SCORES_ROWS(k) scores_rows_neon(q, qstride, hd, Kb, lo, hi, scale, scores, lds, k)
    KERNEL_ROWS4(nq, SCORES_ROWS)
#undef SCORES_ROWS
}

void attn_scores_neon(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds) {
    attn_scores_blocks(scores4, 4, q, nq, qstride, hd, Kb, lo, hi, scale, scores, lds);
}

/* NH (<= 2) rows x 16 output columns (4 vectors) in registers. */
AI static inline void pv_rows_neon(const float *P, int lds, const float *V, int ldv, int n, int hd, float *out, const int NH) {
    float32x4_t a[2][4];
    for (int h = 0; h < NH; h++)
        for (int v = 0; v < 4; v++) a[h][v] = vld1q_f32(out + (size_t)h * hd + 4 * v);
    for (int s = 0; s < n; s++) {
        float32x4_t vv[4];
        for (int v = 0; v < 4; v++) vv[v] = vld1q_f32(V + (size_t)s * ldv + 4 * v);
        for (int h = 0; h < NH; h++) {
            float p = P[(size_t)h * lds + s];
            for (int v = 0; v < 4; v++) a[h][v] = vfmaq_n_f32(a[h][v], vv[v], p);
        }
    }
    for (int h = 0; h < NH; h++)
        for (int v = 0; v < 4; v++) vst1q_f32(out + (size_t)h * hd + 4 * v, a[h][v]);
}

void attn_pv_neon(const float *P, int nq, int lds, const float *V, int ldv, int n, int hd, float *out) {
    if (hd % 16 != 0) {
        attn_pv_generic(P, nq, lds, V, ldv, n, hd, out);
        return;
    }
    for (int h0 = 0; h0 < nq; h0 += 2)
        for (int d0 = 0; d0 < hd; d0 += 16) {
            if (nq - h0 >= 2) pv_rows_neon(P + (size_t)h0 * lds, lds, V + d0, ldv, n, hd, out + (size_t)h0 * hd + d0, 2);
            else pv_rows_neon(P + (size_t)h0 * lds, lds, V + d0, ldv, n, hd, out + (size_t)h0 * hd + d0, 1);
        }
}
#endif
