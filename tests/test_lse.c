/* test_lse.c — every kernel set's log-sum-exp and KL (the numbers behind perplexity and KLD)
 * against sums in long double (expl, logl: 64-bit mantissas), on random logit rows of real
 * vocabulary sizes and short ones (the vector loops' tails), rows whose terms underflow into
 * subnormals or overflow, and NaN / infinity rows. Tolerances: log-sum-exp 1e-12 absolute on
 * rows up to 151,936 logits (double sums of that many terms drift ~1e-14; a wrong polynomial
 * term or reduction constant is off by 1e-9 or more), 4e-15 on rows of 16 (one vector: the
 * exp itself within a few ulp); KL 1e-12 relative + 1e-15 absolute; sums of up to 40 tiny terms
 * (exps of -744..-705, where the low part of ln 2 matters: without it 2e-14) 1e-14 relative
 * + 1e-321 absolute (subnormal terms round to multiples of 4.9e-324). */
#include <math.h>
#include <stdlib.h>

#include "kernels/kernels.h"
#include "kernels/lse.h"
#include "testutil.h"

static unsigned long long rng = 0x9e3779b97f4a7c15ull;
static double urand(void) { /* uniform in [0, 1) */
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1p-53;
}
static double nrand(void) { return sqrt(-2.0 * log(1.0 - urand())) * cos(6.283185307179586 * urand()); }

static long double ref_lse(const float *x, int n) {
    long double mx = -INFINITY, s = 0;
    for (int i = 0; i < n; i++)
        if (x[i] > mx) mx = x[i];
    for (int i = 0; i < n; i++) s += expl((long double)x[i] - mx);
    return mx + logl(s);
}

static long double ref_kl(const float *p, const float *q, int n, double lp, double lq) {
    long double kl = 0;
    for (int i = 0; i < n; i++) {
        double a = (double)p[i] - lp, b = (double)q[i] - lq; /* the kernels' own rounding of a and b */
        long double e = expl(a);
        if (e > 0) kl += e * ((long double)a - b);
    }
    return kl;
}

/* NaN and the infinities must come out the same as the reference's; a finite result within tol. */
static int same(double got, long double want, double tol) {
    if (isnan(want)) return isnan(got);
    if (isinf(want)) return got == (double)want;
    return fabsl((long double)got - want) <= tol;
}

int main(void) {
    const kernel_set *sets[4];
    int ns = kernels_available(sets, 4); /* each prints its own line below */
    int sizes[] = {0, 1, 7, 15, 16, 17, 31, 33, 1000, 128256, 151936};
    float *p = malloc(sizeof(float) * 151936), *q = malloc(sizeof(float) * 151936);
    for (int s = 0; s < ns; s++) {
        const kernel_set *ks = sets[s];
        double e_lse = 0, e_exp = 0, e_kl = 0, e_tiny = 0;
        /* random logits: N(0, sd) with sd 1 (a flat distribution) to 30 (a peaked one), some
         * -inf (masked tokens); q a perturbed copy of p */
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
            for (int pat = 0; pat < 4; pat++) {
                int n = sizes[z];
                double sd = pat == 0 ? 1 : pat == 1 ? 5 : 30;
                for (int i = 0; i < n; i++) {
                    p[i] = (float)(sd * nrand()), q[i] = (float)(p[i] + (pat == 3 ? 2.0 : 0.05) * nrand());
                    if (pat == 2 && i % 5 == 1) p[i] = q[i] = -INFINITY;
                }
                long double rp = ref_lse(p, n), rq = ref_lse(q, n);
                double lp = ks->lse(p, n), lq = ks->lse(q, n);
                CHECK(same(lp, rp, 1e-12), "%s lse n=%d pattern %d: %.17g, long double %.17Lg", ks->name, n, pat, lp, rp);
                CHECK(same(lq, rq, 1e-12), "%s lse n=%d pattern %d (q): %.17g, long double %.17Lg", ks->name, n, pat, lq, rq);
                if (isfinite(rp) && fabsl(lp - rp) > e_lse) e_lse = (double)fabsl(lp - rp);
                if (isfinite(rq) && fabsl(lq - rq) > e_lse) e_lse = (double)fabsl(lq - rq);
                if (n == 0) continue;
                long double rk = ref_kl(p, q, n, (double)rp, (double)rq);
                double k = ks->kl(p, q, n, (double)rp, (double)rq);
                CHECK(same(k, rk, 1e-12 * fabsl(rk) + 1e-15), "%s kl n=%d pattern %d: %.17g, long double %.17Lg", ks->name, n, pat, k, rk);
                if (fabsl(k - rk) > e_kl) e_kl = (double)fabsl(k - rk);
            }
        /* one vector: a 0 (the largest) and 15 terms e^r, r in [-40, 0] — the exp's own error */
        for (int t = 0; t < 2000; t++) {
            for (int i = 0; i < 16; i++) p[i] = i == t % 16 ? 0.0f : (float)(-40.0 * urand());
            long double r = ref_lse(p, 16);
            double got = ks->lse(p, 16);
            CHECK(same(got, r, 4e-15), "%s lse of 16: %.17g, long double %.17Lg", ks->name, got, r);
            if (fabsl(got - r) > e_exp) e_exp = (double)fabsl(got - r);
        }
        /* KL terms e^a (a - b) with a - b = -1 and a in [-744, -705]: tiny normal and subnormal
         * exps (the scaling by 2^n at the bottom of the range); a in [-744, -709]: all subnormal */
        for (int t = 0; t < 200; t++) {
            int n = 16 + t % 24;
            double lo = t % 2 ? -39.0 : -35.0;
            for (int i = 0; i < n; i++) p[i] = q[i] = (float)(lo * urand());
            if (t % 2) p[0] = q[0] = 0.0f; /* e^-705: a normal result */
            double lp = t % 2 ? 705.0 : 709.0;
            long double r = ref_kl(p, q, n, lp, lp - 1.0);
            double got = ks->kl(p, q, n, lp, lp - 1.0), tol = 1e-14 * (double)fabsl(r) + 1e-321;
            CHECK(same(got, r, tol), "%s kl of %d tiny terms (a >= %.0f): %.17g, long double %.17Lg", ks->name, n, lo - lp, got, r);
            if (fabsl(r) >= 0x1p-1022 && fabsl((got - r) / r) > e_tiny) e_tiny = (double)fabsl((got - r) / r);
        }
        /* specials: a NaN, +inf (inf - inf), all -inf give NaN; an exp that overflows gives -inf here */
        for (int n = 1; n <= 40; n += 13) {
            for (int pat = 0; pat < 3; pat++) {
                for (int i = 0; i < n; i++) p[i] = pat == 2 ? -INFINITY : (float)nrand();
                if (pat == 0) p[n / 2] = NAN;
                if (pat == 1) p[n - 1] = INFINITY;
                double got = ks->lse(p, n);
                CHECK(isnan(got), "%s lse n=%d special %d: %.17g, want NaN", ks->name, n, pat, got);
            }
            for (int i = 0; i < n; i++) p[i] = (float)(720.0 + urand()), q[i] = p[i] + 1.0f;
            double got = ks->kl(p, q, n, 0.0, 0.0);
            CHECK(got == -INFINITY, "%s kl with overflowing exps n=%d: %.17g, want -inf", ks->name, n, got);
        }
        CHECK(ks->lse(p, 0) == -INFINITY, "%s lse of no logits: %.17g, want -inf", ks->name, ks->lse(p, 0));
        printf("%-8s lse max |err| %.2e (tol 1e-12), rows of 16 %.2e (tol 4e-15); kl %.2e; tiny-term kl rel %.2e\n", ks->name, e_lse, e_exp, e_kl,
               e_tiny);
    }
    free(p);
    free(q);
    return tu_finish("test_lse");
}
