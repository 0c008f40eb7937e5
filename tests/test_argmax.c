/* test_argmax.c — the greedy pick (k_argmax: the generation loop's threaded one and the
 * sampler's temperature-0 one) against a plain left-to-right scan: vocabulary sizes below and
 * above the threaded cutoff, pools of 1..5 threads, ties across the parts a pool splits the
 * scan into, NaNs (first or scattered), infinities. Tolerance: none (the same index). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ffai/generate.h"
#include "kernels/kernels.h"
#include "testutil.h"

/* The reference: a left-to-right scan from v[0] keeping the larger value, then the first
 * index holding it (the sampler's greedy rule, written out here independently). */
static int scan_pick(const float *v, int n) {
    float mx = v[0];
    for (int i = 1; i < n; i++) mx = v[i] > mx ? v[i] : mx;
    for (int i = 0; i < n; i++)
        if (v[i] == mx) return i;
    return 0;
}

static int sampler_pick(const float *v, int n) {
    ffai_gen_params p;
    ffai_gen_params_default(&p);
    p.temperature = 0.0f;
    ffai_sampler *s = NULL;
    ffai_error err;
    if (ffai_sampler_create(&p, n, &s, &err) != FFAI_OK) return -2;
    float *copy = malloc((size_t)n * sizeof *copy);
    memcpy(copy, v, (size_t)n * sizeof *copy);
    int tok = ffai_sampler_sample(s, copy, NULL, 0);
    free(copy);
    ffai_sampler_free(s);
    return tok;
}

/* fills v with one of the patterns below */
static void fill(float *v, int n, int pattern, unsigned *seed) {
    for (int i = 0; i < n; i++) v[i] = (float)(rand_r(seed) % 20001 - 10000) / 100.0f;
    switch (pattern) {
    case 0: break;                                                   /* random, ties likely */
    case 1: v[n - 1] = 1e9f; break;                                  /* the last one */
    case 2: for (int i = 0; i < n; i += 7) v[i] = 500.0f; break;     /* a maximum in every part */
    case 3: v[0] = NAN, v[n / 2] = 1e9f; break;                      /* NaN first: index 0 */
    case 4: for (int i = 1; i < n; i += 3) v[i] = NAN; v[n > 1 ? n - 2 : 0] = 1e9f; break; /* NaNs skipped */
    case 5: for (int i = 0; i < n; i++) v[i] = -INFINITY; break;     /* all -inf */
    case 6: for (int i = 0; i < n; i++) v[i] = i % 2 ? NAN : -INFINITY; break;
    case 7: v[n / 3] = INFINITY, v[n - 1] = INFINITY; break;         /* +inf twice */
    case 8: for (int i = 0; i < n; i++) v[i] = 1.0f; break;          /* all equal */
    case 9: for (int i = 0; i < n; i++) v[i] = i == 0 ? -INFINITY : NAN; break;
    }
}

int main(void) {
    int sizes[] = {1, 2, 17, 1000, 16383, 16384, 50001, 128256, 262144};
    int pools[] = {0, 1, 2, 3, 5};
    tpool *tp[5] = {NULL};
    for (int k = 1; k < 5; k++) tp[k] = tp_create(pools[k]);
    unsigned seed = 12345;
    float *v = malloc(262144 * sizeof *v);
    int mismatches = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int pattern = 0; pattern < 10; pattern++) {
            int n = sizes[s];
            fill(v, n, pattern, &seed);
            int want = scan_pick(v, n), smp = sampler_pick(v, n);
            if (smp != want) {
                CHECK(0, "n=%d pattern %d: the sampler picks %d, the scan %d", n, pattern, smp, want);
                mismatches++;
            } else
                tu_checks++;
            for (int k = 0; k < 5; k++) {
                int got = k_argmax(tp[k], v, n);
                if (got != want) {
                    CHECK(0, "n=%d pattern %d, %d threads: %d, the scan picks %d", n, pattern, pools[k], got, want);
                    mismatches++;
                } else
                    tu_checks++;
            }
        }
    printf("argmax: %d mismatches against a left-to-right scan (threaded pick and the sampler)\n", mismatches);
    free(v);
    for (int k = 1; k < 5; k++) tp_free(tp[k]);
    return tu_finish("test_argmax");
}
