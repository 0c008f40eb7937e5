/* lse.c — log-sum-exp and KL divergence over one row of logits, in double precision (the
 * numbers behind perplexity and KLD, bench/metrics.c): the scalar reference and AVX2 / AVX-512
 * variants with a vector double exp (Cody-Waite reduction by ln 2, a degree-13 Taylor
 * polynomial on |f| <= ln2 / 2, error within ~2 ulp of libm's exp). Semantics: lse.h. */
#include <math.h>

#include "kernels/lse.h"

double lse_generic(const float *x, int n) {
    double mx = -INFINITY;
    for (int i = 0; i < n; i++)
        if (x[i] > mx) mx = x[i];
    double s = 0;
    for (int i = 0; i < n; i++) s += exp((double)x[i] - mx);
    return mx + log(s);
}

double kl_generic(const float *p, const float *q, int n, double lp, double lq) {
    double kl = 0;
    for (int i = 0; i < n; i++) {
        double a = (double)p[i] - lp, b = (double)q[i] - lq, e = exp(a);
        if (e > 0) kl += e * (a - b);
    }
    return kl;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AI __attribute__((always_inline))
#define TGT2 __attribute__((target("avx2,fma")))
#define TGT5 __attribute__((target("avx512f,fma")))

/* exp(r) = 2^n e^f, n = round(r / ln2), f = r - n ln2 (ln2 in two parts, so f carries no error
 * beyond its own rounding). r is clamped to [-746, 710] first: below, exp underflows to 0 (and
 * -inf lands there); above, it overflows to inf. The clamps keep a NaN (max/min return their
 * second operand when either is NaN). */
#define EXP_LOG2E 0x1.71547652b82fep0
#define EXP_LN2_HI 0x1.62e42fefa39efp-1
#define EXP_LN2_LO 0x1.abc9e3b39803fp-56
#define EXP_ROUND 0x1.8p52 /* adding it rounds a double below 2^51 to an integer */
/* p = e^f and n as above, for r clamped, in the ISA's vector ops (Horner on the Taylor terms). */
#define EXP_CORE(MIN, MAX, FMA, FNMA, SUB, SET1, r, n, p)                                               \
    do {                                                                                                \
        static const double c_[14] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720,       \
                                      1.0 / 5040, 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800,             \
                                      1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0};             \
        r = MIN(SET1(710.0), MAX(SET1(-746.0), r));                                                     \
        n = SUB(FMA(r, SET1(EXP_LOG2E), SET1(EXP_ROUND)), SET1(EXP_ROUND));                             \
        r = FNMA(n, SET1(EXP_LN2_LO), FNMA(n, SET1(EXP_LN2_HI), r)); /* f */                            \
        p = SET1(c_[13]);                                                                               \
        for (int k_ = 12; k_ >= 0; k_--) p = FMA(p, r, SET1(c_[k_]));                                   \
    } while (0)

AI TGT5 static inline __m512d exp_pd8(__m512d r) {
    __m512d n, p;
    EXP_CORE(_mm512_min_pd, _mm512_max_pd, _mm512_fmadd_pd, _mm512_fnmadd_pd, _mm512_sub_pd, _mm512_set1_pd, r, n, p);
    return _mm512_scalef_pd(p, n); /* p 2^n, rounded once: subnormal results are right */
}

/* 2^n for integer-valued n in [-538, 512] (a normal double): the biased exponent n + 1023
 * read off the low bits of n + 2^52 + 1023, moved into the exponent field. */
AI TGT2 static inline __m256d pow2_pd4(__m256d n) {
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(_mm256_add_pd(n, _mm256_set1_pd(0x1p52 + 1023))), 52));
}

AI TGT2 static inline __m256d exp_pd4(__m256d r) {
    __m256d n, p;
    EXP_CORE(_mm256_min_pd, _mm256_max_pd, _mm256_fmadd_pd, _mm256_fnmadd_pd, _mm256_sub_pd, _mm256_set1_pd, r, n, p);
    /* n in [-1076, 1024]: 2^n as two normal factors, so p 2^n1 is exact and only the second
     * product rounds (to a subnormal or to inf where it must) */
    __m256d n1 = _mm256_floor_pd(_mm256_mul_pd(n, _mm256_set1_pd(0.5)));
    return _mm256_mul_pd(_mm256_mul_pd(p, pow2_pd4(n1)), pow2_pd4(_mm256_sub_pd(n, n1)));
}

/* The largest of x[0..n), NaNs skipped (max returns its second operand when either is NaN, as
 * the scalar `x > mx` test skips them); -inf for n = 0. */
TGT5 static float max_avx512(const float *x, int n) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    int i = 0;
    for (; i + 16 <= n; i += 16) m = _mm512_max_ps(_mm512_loadu_ps(x + i), m);
    float mx = _mm512_reduce_max_ps(m);
    for (; i < n; i++)
        if (x[i] > mx) mx = x[i];
    return mx;
}

TGT2 static float max_avx2(const float *x, int n) {
    __m256 m = _mm256_set1_ps(-INFINITY);
    int i = 0;
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(_mm256_loadu_ps(x + i), m);
    float lanes[8], mx = -INFINITY;
    _mm256_storeu_ps(lanes, m);
    for (int k = 0; k < 8; k++)
        if (lanes[k] > mx) mx = lanes[k];
    for (; i < n; i++)
        if (x[i] > mx) mx = x[i];
    return mx;
}

/* The four lanes of v added. */
AI TGT2 static inline double hsum_pd4(__m256d v) {
    __m128d h = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}

/* Per ISA: L doubles per vector V; LD(p) L floats widened; EXP the vector exp; KEEP(e, t) t in the
 * lanes where e > 0 (NaN: no), else 0; HSUM the lanes added; MAX the row maximum. lse sums two
 * vectors per step (two chains of adds); both leave the last n % L (lse: 2L) values to the
 * scalar code, which gives the same results there. */
#define LSE_KERNELS(isa, TGT, V, L, LD, SET1, ZERO, ADD, SUB, MUL, EXP, KEEP, HSUM, MAX)                \
    TGT double lse_##isa(const float *x, int n) {                                                       \
        double mx = MAX(x, n);                                                                          \
        const V vm = SET1(mx);                                                                          \
        V s0 = ZERO(), s1 = ZERO();                                                                     \
        int i = 0;                                                                                      \
        for (; i + 2 * (L) <= n; i += 2 * (L)) {                                                        \
            s0 = ADD(s0, EXP(SUB(LD(x + i), vm)));                                                      \
            s1 = ADD(s1, EXP(SUB(LD(x + i + (L)), vm)));                                                \
        }                                                                                               \
        double s = HSUM(ADD(s0, s1));                                                                   \
        for (; i < n; i++) s += exp((double)x[i] - mx);                                                 \
        return mx + log(s);                                                                             \
    }                                                                                                   \
    TGT double kl_##isa(const float *p, const float *q, int n, double lp, double lq) {                  \
        const V vp = SET1(lp), vq = SET1(lq);                                                           \
        V acc = ZERO();                                                                                 \
        int i = 0;                                                                                      \
        for (; i + (L) <= n; i += (L)) {                                                                \
            V a = SUB(LD(p + i), vp), b = SUB(LD(q + i), vq), e = EXP(a);                               \
            acc = ADD(acc, KEEP(e, MUL(e, SUB(a, b))));                                                 \
        }                                                                                               \
        return HSUM(acc) + kl_generic(p + i, q + i, n - i, lp, lq);                                     \
    }

#define LD8(p) _mm512_cvtps_pd(_mm256_loadu_ps(p))
#define KEEP8(e, t) _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(e, _mm512_setzero_pd(), _CMP_GT_OQ), t)
LSE_KERNELS(avx512, TGT5, __m512d, 8, LD8, _mm512_set1_pd, _mm512_setzero_pd, _mm512_add_pd, _mm512_sub_pd, _mm512_mul_pd, exp_pd8, KEEP8,
            _mm512_reduce_add_pd, max_avx512)

#define LD4(p) _mm256_cvtps_pd(_mm_loadu_ps(p))
#define KEEP4(e, t) _mm256_and_pd(_mm256_cmp_pd(e, _mm256_setzero_pd(), _CMP_GT_OQ), t)
LSE_KERNELS(avx2, TGT2, __m256d, 4, LD4, _mm256_set1_pd, _mm256_setzero_pd, _mm256_add_pd, _mm256_sub_pd, _mm256_mul_pd, exp_pd4, KEEP4,
            hsum_pd4, max_avx2)
#endif
