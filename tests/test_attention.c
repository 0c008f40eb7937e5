/* test_attention.c — the attention kernels of every set this CPU supports against the
 * generic ones (scores, exp-sum, accumulating P.V), and the tiled online-softmax
 * attention (attn_rows) against a double-precision softmax(q K^T) V computed directly:
 * decode rows (GQA heads of one token), prefill blocks across tile boundaries, sliding
 * windows, a logit softcap, more rows than one block, a head dim that is not a multiple
 * of 64, a context of many tiles, and decode rows whose keys are split into parts merged by
 * attn_merge (one part empty) — each from an f32 cache and from an f16 one (keys and
 * values rounded to halves first, so the reference sees the same numbers). The half
 * conversions of every set are checked against the scalar ones, bit for bit.
 * Tolerances: scores 1e-4 absolute (|q.k| up to ~20), exp 1e-6 relative, P.V 1e-4,
 * attention outputs 1e-6 absolute (values in [-1, 1]). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_fixtures.h"
#include "kernels/attention.h"
#include "testutil.h"

typedef struct {
    int hd, nkeys;
    float *Kb, *K, *V, *q; /* Kb blocked (kernels.h: k_index), K row-major (nkeys, hd) */
    uint16_t *Kh, *Vh;     /* half: Kb and V as IEEE halves (their values are exact halves) */
} kv_data;

static float half_round(float x) { return f16_to_f32(f32_to_f16(x)); }

static kv_data make_kv(int hd, int nkeys, int nq, int half) {
    kv_data d = {hd, nkeys, NULL, NULL, NULL, NULL, NULL, NULL};
    int padded = (nkeys + KBLK - 1) / KBLK * KBLK;
    size_t nv = (size_t)nkeys * hd * 2;
    d.Kb = calloc((size_t)padded * hd, sizeof(float));
    d.K = malloc(sizeof(float) * (size_t)nkeys * hd);
    d.V = malloc(sizeof(float) * nv); /* ldv = 2 hd: another head's values interleave */
    d.q = malloc(sizeof(float) * (size_t)nq * hd * 2);
    for (int s = 0; s < nkeys; s++)
        for (int k = 0; k < hd; k++) d.Kb[k_index(s, k, hd)] = d.K[(size_t)s * hd + k] = half ? half_round(frand()) : frand();
    for (size_t i = 0; i < nv; i++) d.V[i] = half ? half_round(frand()) : frand();
    for (size_t i = 0; i < (size_t)nq * hd * 2; i++) d.q[i] = frand();
    if (half) {
        d.Kh = malloc(sizeof(uint16_t) * (size_t)padded * hd);
        d.Vh = malloc(sizeof(uint16_t) * nv);
        for (size_t i = 0; i < (size_t)padded * hd; i++) d.Kh[i] = f32_to_f16(d.Kb[i]);
        for (size_t i = 0; i < nv; i++) d.Vh[i] = f32_to_f16(d.V[i]);
    }
    return d;
}

static void free_kv(kv_data *d) { free(d->Kb), free(d->K), free(d->V), free(d->q), free(d->Kh), free(d->Vh); }

/* Row i of the job, directly: softmax over the visible keys in double. */
static void reference_row(const attn_rows_job *j, const kv_data *d, int i, double *out) {
    int qpos = j->qpos0 + i * j->step, lo = j->window > 0 && qpos - j->window + 1 > 0 ? qpos - j->window + 1 : 0;
    const float *q = j->q + (size_t)i * j->qstride;
    double *p = malloc(sizeof(double) * (size_t)(qpos + 1)), m = -INFINITY, sum = 0;
    for (int s = lo; s <= qpos; s++) {
        double a = 0;
        for (int k = 0; k < d->hd; k++) a += (double)q[k] * d->K[(size_t)s * d->hd + k];
        a *= j->scale;
        if (j->softcap > 0) a = j->softcap * tanh(a / j->softcap);
        p[s] = a, m = a > m ? a : m;
    }
    for (int s = lo; s <= qpos; s++) sum += p[s] = exp(p[s] - m);
    for (int k = 0; k < d->hd; k++) out[k] = 0;
    for (int s = lo; s <= qpos; s++)
        for (int k = 0; k < d->hd; k++) out[k] += p[s] / sum * d->V[(size_t)s * j->ldv + k];
    free(p);
}

/* Decode rows (step 0) in `splits` parts of the keys, as the model runs them on many threads:
 * part p sees keys [b_p, b_p+1) of the visible range (b evenly spaced; with `empty`, part 1 gets
 * none), returns its softmax state, and attn_merge combines the parts into j->out. */
static void split_rows(const kernel_set *ks, const attn_rows_job *j0, int splits, int empty, float *work) {
    int hd = j0->hd, nq = j0->nq, lo = j0->window > 0 && j0->qpos0 - j0->window + 1 > 0 ? j0->qpos0 - j0->window + 1 : 0, hi = j0->qpos0 + 1;
    float *po = malloc(sizeof(float) * (size_t)splits * nq * hd), *ml = malloc(sizeof(float) * (size_t)splits * nq * 2);
    for (int p = 0; p < splits; p++) {
        attn_rows_job j = *j0;
        j.klo = lo + (int)((long)p * (hi - lo) / splits), j.khi = lo + (int)((long)(p + 1) * (hi - lo) / splits);
        if (empty && p == 1) j.khi = j.klo;
        if (empty && p == 2) j.klo = lo + (int)((long)(p - 1) * (hi - lo) / splits);
        j.out = po + (size_t)p * nq * hd, j.ldo = (size_t)hd, j.ml = ml + (size_t)p * nq * 2;
        attn_rows(ks, &j, work);
    }
    for (int i = 0; i < nq; i++) attn_merge(po + (size_t)i * hd, (size_t)nq * hd, ml + (size_t)i * 2, (size_t)nq * 2, splits, hd, j0->out + (size_t)i * j0->ldo);
    free(po), free(ml);
}

/* attn_rows for nq rows at qpos0 + i * step against the reference (splits > 1: decode rows in
 * that many parts of the keys, merged); returns the max error. */
static double check_rows(const kernel_set *ks, int hd, int nq, int qpos0, int step, int window, float softcap, int half, int splits, int empty) {
    int nkeys = qpos0 + (nq - 1) * step + 1;
    kv_data d = make_kv(hd, nkeys, nq, half);
    attn_rows_job j = {.q = d.q, .qstride = (size_t)hd * 2, .nq = nq, .qpos0 = qpos0, .step = step, .window = window, .Kb = d.Kb, .V = d.V,
                       .ldv = 2 * hd, .hd = hd, .scale = 1.0f / sqrtf((float)hd), .softcap = softcap};
    if (half) j.Kb = NULL, j.V = NULL, j.Kh = d.Kh, j.Vh = d.Vh;
    float *out = malloc(sizeof(float) * (size_t)nq * hd * 3), *work = malloc(sizeof(float) * (half ? ATTN_WORK_F16(hd) : ATTN_WORK(hd)));
    double *ref = malloc(sizeof(double) * hd), err = 0;
    for (size_t i = 0; i < (size_t)nq * hd * 3; i++) out[i] = NAN;
    j.out = out, j.ldo = (size_t)hd * 3;
    if (splits > 1) split_rows(ks, &j, splits, empty, work);
    else attn_rows(ks, &j, work);
    for (int i = 0; i < nq; i++) {
        reference_row(&j, &d, i, ref);
        for (int k = 0; k < hd; k++) {
            double e = fabs(out[(size_t)i * j.ldo + k] - ref[k]);
            err = e > err || e != e ? e : err;
        }
    }
    free(out), free(work), free(ref);
    free_kv(&d);
    return err;
}

/* attn_scores, exp_sum and attn_pv of one set against the generic kernels. */
static void check_kernels(const kernel_set *ks) {
    int hds[] = {64, 80, 128};
    for (int h = 0; h < 3; h++) {
        int hd = hds[h], lds = 320, nkeys = 300;
        kv_data d = make_kv(hd, nkeys, 11, 1);
        float *s1 = malloc(sizeof(float) * 11 * lds), *s2 = malloc(sizeof(float) * 11 * lds);
        float *o1 = malloc(sizeof(float) * 11 * hd), *o2 = malloc(sizeof(float) * 11 * hd);
        double ws = 0, we = 0, wo = 0;
        int ranges[][2] = {{0, 300}, {7, 261}, {16, 17}, {33, 64}, {250, 256}};
        for (int nq = 1; nq <= 11; nq++)
            for (int r = 0; r < 5; r++) {
                int lo = ranges[r][0], hi = ranges[r][1], base = lo & ~(KBLK - 1);
                ks->attn_scores(d.q, nq, (size_t)hd * 2, hd, d.Kb, lo, hi, 0.125f, s1, lds);
                attn_scores_generic(d.q, nq, (size_t)hd * 2, hd, d.Kb, lo, hi, 0.125f, s2, lds);
                for (int i = 0; i < nq; i++)
                    for (int s = lo; s < hi; s++) ws = fmax(ws, fabs(s1[i * lds + s - base] - s2[i * lds + s - base]));
                if (ks->attn_scores_h) { /* the same from the f16 copy of K */
                    ks->attn_scores_h(d.q, nq, (size_t)hd * 2, hd, d.Kh, lo, hi, 0.125f, s1, lds);
                    for (int i = 0; i < nq; i++)
                        for (int s = lo; s < hi; s++) ws = fmax(ws, fabs(s1[i * lds + s - base] - s2[i * lds + s - base]));
                }
                memcpy(s1, s2, sizeof(float) * (size_t)(hi - base)); /* the exp on the same inputs */
                float e1 = ks->exp_sum(s1 + (lo - base), hi - lo, 3.0f), e2 = exp_sum_generic(s2 + (lo - base), hi - lo, 3.0f);
                for (int s = lo; s < hi; s++) we = fmax(we, fabs(s1[s - base] - s2[s - base]) / s2[s - base]);
                we = fmax(we, fabs(e1 - e2) / e2);
                /* P.V accumulates into what out already holds */
                for (int i = 0; i < nq * hd; i++) o1[i] = o2[i] = frand();
                ks->attn_pv(s2, nq, lds, d.V + (size_t)lo * 2 * hd, 2 * hd, hi - lo, hd, o1);
                attn_pv_generic(s2, nq, lds, d.V + (size_t)lo * 2 * hd, 2 * hd, hi - lo, hd, o2);
                for (int i = 0; i < nq * hd; i++) wo = fmax(wo, fabs(o1[i] - o2[i]));
                /* P.V from the f16 copy, where the set reads halves directly */
                if (ks->attn_pv_h && hd % 16 == 0) {
                    for (int i = 0; i < nq * hd; i++) o1[i] = o2[i];
                    ks->attn_pv_h(s2, nq, lds, d.Vh + (size_t)lo * 2 * hd, 2 * hd, hi - lo, hd, o1);
                    attn_pv_generic(s2, nq, lds, d.V + (size_t)lo * 2 * hd, 2 * hd, hi - lo, hd, o2);
                    for (int i = 0; i < nq * hd; i++) wo = fmax(wo, fabs(o1[i] - o2[i]));
                }
            }
        printf("%-8s hd %3d: scores max err %.2g, exp rel %.2g, P.V %.2g\n", ks->name, hd, ws, we, wo);
        CHECK(ws < 1e-4 && we < 1e-6 && wo < 1e-4, "%s attention kernels, hd %d", ks->name, hd);
        free(s1), free(s2), free(o1), free(o2);
        free_kv(&d);
    }
}

/* h2f over every half bit pattern and f2h over floats around every rounding boundary, against
 * the scalar conversions (NaNs: both NaN). Returns the mismatches. */
static int check_half(const kernel_set *ks) {
    enum { N = 65536 };
    uint16_t *h = malloc(sizeof(uint16_t) * N * 4), *h2 = h + N;
    float *f = malloc(sizeof(float) * N * 4), *g = f + N;
    int bad = 0;
    for (int i = 0; i < N; i++) h[i] = (uint16_t)i;
    ks->h2f(h, f, N);
    for (int i = 0; i < N; i++) {
        float r = f16_to_f32(h[i]);
        bad += !(r == f[i] || (r != r && f[i] != f[i])) || (r == 0 && signbit(r) != signbit(f[i]));
    }
    /* every half, the midpoints to its neighbours and just either side of them, and out of range */
    size_t n = 0;
    for (int i = 0; i < N / 2 - 1024; i++) { /* positive finite halves; negatives by sign below */
        float a = f16_to_f32((uint16_t)i), b = f16_to_f32((uint16_t)(i + 1)), mid = a + (b - a) / 2;
        g[n++] = a, g[n++] = mid, g[n++] = nextafterf(mid, 0), g[n++] = nextafterf(mid, INFINITY);
        if (n + 4 > (size_t)N * 3) break;
    }
    float extra[] = {65504.0f, 65519.0f, 65520.0f, 1e6f, INFINITY, 1e-8f, 2.9e-8f, 3.0e-8f, 6e-8f, 0.0f};
    for (size_t k = 0; k < sizeof extra / sizeof extra[0] && n < (size_t)N * 3; k++) g[n++] = extra[k];
    for (size_t k = 0; k < n; k += 2) g[k] = -g[k];
    uint16_t *o = malloc(sizeof(uint16_t) * n);
    ks->f2h(g, o, n);
    for (size_t k = 0; k < n; k++) bad += o[k] != f32_to_f16(g[k]);
    (void)h2;
    free(o), free(h), free(f);
    return bad;
}

int main(void) {
    const kernel_set *sets[4];
    int ns = kernels_available(sets, 4);
    for (int s = 0; s < ns; s++) {
        const kernel_set *ks = sets[s];
        int hb = check_half(ks);
        printf("%-8s half conversions: %d mismatches against the scalar ones\n", ks->name, hb);
        CHECK(hb == 0, "%s h2f / f2h", ks->name);
        check_kernels(ks);
        /* splits > 1: decode rows with the keys split across tasks (many threads, few KV heads), parts merged */
        struct { const char *what; int hd, nq, qpos0, step, window; float softcap; int splits, empty; } cases[] = {
            {"decode, 4 heads, 3 tiles", 64, 4, 700, 0, 0, 0, 1, 0},
            {"decode, 1 head, first key", 64, 1, 0, 0, 0, 0, 1, 0},
            {"decode, 11 heads (two blocks)", 128, 11, 300, 0, 0, 0, 1, 0},
            {"prefill block across a tile edge", 64, 8, 250, 1, 0, 0, 1, 0},
            {"prefill block from position 0", 64, 8, 0, 1, 0, 0, 1, 0},
            {"prefill, 5 rows, hd 80", 80, 5, 517, 1, 0, 0, 1, 0},
            {"prefill, sliding window 100", 64, 8, 600, 1, 100, 0, 1, 0},
            {"decode, sliding window 300", 64, 4, 1000, 0, 300, 0, 1, 0},
            {"prefill, softcap 50", 64, 8, 400, 1, 0, 50, 1, 0},
            {"decode at 5000 keys (20 tiles)", 64, 4, 4999, 0, 0, 0, 1, 0},
            {"split: 4 heads, 3 tiles in 3 parts", 64, 4, 700, 0, 0, 0, 3, 0},
            {"split: 1 head, 2 keys in 2 parts", 64, 1, 1, 0, 0, 0, 2, 0},
            {"split: 11 heads, 5000 keys, 16 parts", 128, 11, 4999, 0, 0, 0, 16, 0},
            {"split: window 300 in 4 parts", 64, 4, 1000, 0, 300, 0, 4, 0},
            {"split: 4 parts, one empty", 64, 4, 900, 0, 0, 0, 4, 1},
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
            for (int half = 0; half < 2; half++) {
                double e = check_rows(ks, cases[c].hd, cases[c].nq, cases[c].qpos0, cases[c].step, cases[c].window, cases[c].softcap, half, cases[c].splits,
                                      cases[c].empty);
                printf("%-8s attn_rows %-36s %s cache: max |out - ref| %.2g (tolerance 1e-6)\n", ks->name, cases[c].what, half ? "f16" : "f32", e);
                CHECK(e < 1e-6, "%s attn_rows (%s cache): %s", ks->name, half ? "f16" : "f32", cases[c].what);
            }
    }
    return tu_finish("test_attention");
}
