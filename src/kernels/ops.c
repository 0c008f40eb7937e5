/* ops.c — row-wise reference ops: norms, activations, RoPE. */
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

void k_gelu_tanh_mul(float *gate, const float *up, int n) {
    const float c = 0.7978845608028654f; /* sqrt(2/pi) */
    for (int i = 0; i < n; i++) {
        float g = gate[i];
        gate[i] = 0.5f * g * (1.0f + tanhf(c * (g + 0.044715f * g * g * g))) * up[i];
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
