/* ops.c — row-wise reference ops: norms, activations, RoPE, argmax. */
#include <math.h>

#include "kernels/kernels.h"

void k_rmsnorm(float *out, const float *x, const float *w, int n, float eps) {
    /* like HF: mean of squares in float32 (we accumulate in double, then round), in eight
     * independent sums: one chain of dependent double adds took 2.0 us per 2048-wide row
     * on the development machine, eight 1.5 */
    double acc[8] = {0};
    int j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) acc[k] += (double)x[j + k] * x[j + k];
    double ss = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; j < n; j++) ss += (double)x[j] * x[j];
    float scale = (float)(1.0 / sqrt(ss / n + (double)eps));
    if (w)
        for (int i = 0; i < n; i++) out[i] = x[i] * scale * w[i];
    else
        for (int i = 0; i < n; i++) out[i] = x[i] * scale;
}

void k_silu_mul(float *gate, const float *up, int n) {
    for (int i = 0; i < n; i++) {
        float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

/* 0.5 g (1 + tanh(u)) = g sigmoid(2u), u = sqrt(2/pi) (g + 0.044715 g^3): no cancellation
 * where tanh(u) nears -1 (the tanh form loses digits there: at u = -5, 3 of 7). */
void k_gelu_tanh_mul(float *gate, const float *up, int n) {
    const float c = 1.5957691216057308f; /* 2 sqrt(2/pi) */
    for (int i = 0; i < n; i++) {
        float g = gate[i];
        gate[i] = g / (1.0f + expf(-c * (g + 0.044715f * g * g * g))) * up[i];
    }
}

void k_gelu_mul(float *gate, const float *up, int n) {
    for (int i = 0; i < n; i++) {
        float g = gate[i];
        gate[i] = 0.5f * g * (1.0f + erff(g * 0.7071067811865476f)) * up[i];
    }
}

void k_rope(float *x, const float *cos, const float *sin, int hd) {
    int h = hd / 2;
    for (int i = 0; i < h; i++) {
        float a = x[i], b = x[i + h];
        x[i] = a * cos[i] - b * sin[i];
        x[i + h] = b * cos[i] + a * sin[i];
    }
}

/* max over v[i0..i1) skipping NaNs (from -inf), then the first index holding it (-1: none) */
static void argmax_range(const float *v, int i0, int i1, float *mx_out, int *idx_out) {
    float mx = -INFINITY;
    for (int i = i0; i < i1; i++) mx = v[i] > mx ? v[i] : mx;
    *mx_out = mx, *idx_out = -1;
    for (int i = i0; i < i1; i++)
        if (v[i] == mx) {
            *idx_out = i;
            return;
        }
}

#define ARGMAX_PARTS 64
#define ARGMAX_MIN 16384 /* shorter vectors: one scan, no region */

typedef struct {
    const float *v;
    int n, parts;
    float mx[ARGMAX_PARTS];
    int idx[ARGMAX_PARTS];
} argmax_job;

static void argmax_task(void *p, int part, int tid) {
    (void)tid;
    argmax_job *j = p;
    int i0, i1;
    tp_split(j->n, 16, part, j->parts, &i0, &i1);
    argmax_range(j->v, i0, i1, &j->mx[part], &j->idx[part]);
}

int k_argmax(tpool *tp, const float *v, int n) {
    if (n <= 0 || isnan(v[0])) return 0; /* the scan's start value: nothing compares above a NaN */
    argmax_job j = {.v = v, .n = n, .parts = 1};
    int threads = tp ? tp_size(tp) : 1;
    if (threads > 1 && n >= ARGMAX_MIN) {
        j.parts = 2 * threads < ARGMAX_PARTS ? 2 * threads : ARGMAX_PARTS;
        tp_run(tp, j.parts, argmax_task, &j);
    } else
        argmax_range(v, 0, n, &j.mx[0], &j.idx[0]);
    /* v[0] is a number, so the scan's maximum is the largest non-NaN value; its first index */
    float best = -INFINITY;
    int at = -1;
    for (int k = 0; k < j.parts; k++)
        if (j.idx[k] >= 0 && (at < 0 || j.mx[k] > best)) best = j.mx[k], at = j.idx[k];
    return at < 0 ? 0 : at;
}
