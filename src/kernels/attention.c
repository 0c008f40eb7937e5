/* attention.c — tiled attention with an online softmax (the flash-attention recurrence):
 * per tile of ATTN_KT keys, scores for every row of the block, a running max m and sum l
 * per row, the row's output rescaled by exp(m_old - m_new) when the max moves, then P.V
 * accumulated. Each K and V tile is read once for all rows of the block; from an f16 cache it
 * is converted to f32 first (once per block, into the work buffer), then the same kernels run.
 * A job may cover only a split of the keys and return its softmax state; attn_merge joins splits. */
#include <math.h>
#include <string.h>

#include "kernels/attention.h"

static float row_max(const float *x, int n) {
    float m[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) m[k] = x[i + k] > m[k] ? x[i + k] : m[k];
    for (; i < n; i++) m[0] = x[i] > m[0] ? x[i] : m[0];
    for (int k = 1; k < 8; k++) m[0] = m[k] > m[0] ? m[k] : m[0];
    return m[0];
}

/* Rows [r0, r0 + nq) of the job, nq <= ATTN_QB. */
static void attn_block(const kernel_set *ks, const attn_rows_job *j, int r0, int nq, float *work) {
    int hd = j->hd, lds = ATTN_KT + KBLK;
    float *S = work, *O = S + (size_t)ATTN_QB * lds, *m = O + (size_t)ATTN_QB * hd, *l = m + ATTN_QB;
    int lo_r[ATTN_QB], hi_r[ATTN_QB], L = 0, H = 0;
    for (int i = 0; i < nq; i++) {
        int qpos = j->qpos0 + (r0 + i) * j->step;
        hi_r[i] = qpos + 1;
        lo_r[i] = j->window > 0 && qpos - j->window + 1 > 0 ? qpos - j->window + 1 : 0;
        if (j->khi > 0) {
            lo_r[i] = lo_r[i] > j->klo ? lo_r[i] : j->klo;
            hi_r[i] = hi_r[i] < j->khi ? hi_r[i] : j->khi;
            if (hi_r[i] < lo_r[i]) hi_r[i] = lo_r[i]; /* nothing visible in this split */
        }
        L = i == 0 || lo_r[i] < L ? lo_r[i] : L;
        H = hi_r[i] > H ? hi_r[i] : H;
        m[i] = -INFINITY;
        l[i] = 0.0f;
    }
    memset(O, 0, (size_t)nq * hd * sizeof(float));
    const float *q = j->q + (size_t)r0 * j->qstride;
    float *Kt = l + ATTN_QB, *Vt = Kt + (size_t)ATTN_KT * hd; /* f16 cache: the tile as f32 */
    for (int t0 = L, t1; t0 < H; t0 = t1) {
        t1 = (t0 / ATTN_KT + 1) * ATTN_KT;
        t1 = t1 < H ? t1 : H;
        int base = t0 & ~(KBLK - 1), nt = t1 - t0;
        const float *V = j->V ? j->V + (size_t)t0 * j->ldv : Vt;
        int ldv = j->V ? j->ldv : hd, native = j->Kh && ks->attn_scores_h && hd % 16 == 0;
        if (native)
            ks->attn_scores_h(q, nq, j->qstride, hd, j->Kh, t0, t1, j->scale, S, lds);
        else if (j->Kh) {
            /* key blocks [base, t1 rounded up): at most ATTN_KT keys, since tiles end on ATTN_KT multiples */
            int nblk = (t1 - base + KBLK - 1) / KBLK;
            ks->h2f(j->Kh + (size_t)(base / KBLK) * hd * KBLK, Kt, (size_t)nblk * hd * KBLK);
            if (j->ldv == hd) ks->h2f(j->Vh + (size_t)t0 * hd, Vt, (size_t)nt * hd);
            else
                for (int s = 0; s < nt; s++) ks->h2f(j->Vh + (size_t)(t0 + s) * j->ldv, Vt + (size_t)s * hd, (size_t)hd);
            ks->attn_scores(q, nq, j->qstride, hd, Kt, t0 - base, t1 - base, j->scale, S, lds);
        } else
            ks->attn_scores(q, nq, j->qstride, hd, j->Kb, t0, t1, j->scale, S, lds);
        for (int i = 0; i < nq; i++) {
            float *p = S + (size_t)i * lds + (t0 - base); /* p[k]: key t0 + k */
            int a = lo_r[i] > t0 ? lo_r[i] : t0, b = hi_r[i] < t1 ? hi_r[i] : t1;
            if (a >= b) { /* no key of this tile is visible to the row */
                memset(p, 0, (size_t)nt * sizeof(float));
                continue;
            }
            if (j->softcap > 0)
                for (int s = a; s < b; s++) p[s - t0] = j->softcap * tanhf(p[s - t0] / j->softcap);
            float mx = row_max(p + (a - t0), b - a), mnew = mx > m[i] ? mx : m[i];
            float alpha = expf(m[i] - mnew); /* 0 on the first visible tile (m = -inf) */
            float sum = ks->exp_sum(p + (a - t0), b - a, mnew);
            memset(p, 0, (size_t)(a - t0) * sizeof(float));
            memset(p + (b - t0), 0, (size_t)(t1 - b) * sizeof(float));
            l[i] = l[i] * alpha + sum;
            m[i] = mnew;
            if (alpha != 1.0f)
                for (int d = 0; d < hd; d++) O[(size_t)i * hd + d] *= alpha;
        }
        if (native) ks->attn_pv_h(S + (t0 - base), nq, lds, j->Vh + (size_t)t0 * j->ldv, j->ldv, nt, hd, O);
        else ks->attn_pv(S + (t0 - base), nq, lds, V, ldv, nt, hd, O);
    }
    for (int i = 0; i < nq; i++) {
        float inv = l[i] > 0 ? 1.0f / l[i] : 0.0f, *o = j->out + (size_t)(r0 + i) * j->ldo;
        for (int d = 0; d < hd; d++) o[d] = O[(size_t)i * hd + d] * inv;
        if (j->ml) j->ml[2 * (r0 + i)] = m[i], j->ml[2 * (r0 + i) + 1] = l[i];
    }
}

void attn_merge(const float *o, size_t ldo_part, const float *ml, size_t ldml, int nparts, int hd, float *out) {
    float M = -INFINITY, L = 0.0f;
    for (int p = 0; p < nparts; p++) M = ml[(size_t)p * ldml + 1] > 0 && ml[(size_t)p * ldml] > M ? ml[(size_t)p * ldml] : M;
    memset(out, 0, (size_t)hd * sizeof(float));
    for (int p = 0; p < nparts; p++) {
        float l = ml[(size_t)p * ldml + 1];
        if (!(l > 0)) continue; /* a split that saw none of the row's keys */
        float w = l * expf(ml[(size_t)p * ldml] - M);
        L += w;
        const float *op = o + (size_t)p * ldo_part;
        for (int d = 0; d < hd; d++) out[d] += w * op[d];
    }
    float inv = L > 0 ? 1.0f / L : 0.0f;
    for (int d = 0; d < hd; d++) out[d] *= inv;
}

void attn_scores_blocks(attn_scores_rows_fn f, int rows, const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi,
                        float scale, float *scores, int lds) {
    for (int i0 = 0; i0 < nq; i0 += rows)
        f(q + (size_t)i0 * qstride, nq - i0 < rows ? nq - i0 : rows, qstride, hd, Kb, lo, hi, scale, scores + (size_t)i0 * lds, lds);
}

void attn_rows(const kernel_set *ks, const attn_rows_job *j, float *work) {
    for (int r0 = 0; r0 < j->nq; r0 += ATTN_QB) attn_block(ks, j, r0, j->nq - r0 < ATTN_QB ? j->nq - r0 : ATTN_QB, work);
}
