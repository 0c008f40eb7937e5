/* affine_quant.c — MLX affine quantization of rows, float dtype conversions. */
#include "model/affine_quant.h"

#include <math.h>
#include <string.h>

#include "kernels/wmat.h"

bool aq_supported(int bits, int group) {
    return (bits == 2 || bits == 3 || bits == 4 || bits == 5 || bits == 6 || bits == 8) && (group == 32 || group == 64 || group == 128);
}

void aq_quantize_row(const float *w, int cols, int bits, int group, uint8_t *codes, float *scales, float *biases) {
    const float n_bins = (float)((1 << bits) - 1);
    uint64_t acc = 0; /* pending bits, lowest first */
    int n_acc = 0;
    uint8_t *out = codes;
    for (int g = 0; g < cols / group; g++) {
        const float *x = w + (size_t)g * group;
        float mn = x[0], mx = x[0];
        for (int i = 1; i < group; i++) {
            if (x[i] < mn) mn = x[i];
            if (x[i] > mx) mx = x[i];
        }
        float s = (mx - mn) / n_bins;
        if (!(s >= 1e-7f)) s = 1e-7f;
        float edge;
        if (fabsf(mn) > fabsf(mx)) edge = mn;
        else {
            edge = mx;
            s = -s;
        }
        float q0 = rintf(edge / s), bias = 0.0f;
        if (q0 != 0.0f) {
            s = edge / q0;
            bias = edge;
        }
        for (int i = 0; i < group; i++) {
            float q = rintf((x[i] - bias) / s);
            if (!(q >= 0.0f)) q = 0.0f; /* also NaN */
            if (q > n_bins) q = n_bins;
            acc |= (uint64_t)q << n_acc;
            n_acc += bits;
            while (n_acc >= 8) {
                *out++ = (uint8_t)acc;
                acc >>= 8;
                n_acc -= 8;
            }
        }
        scales[g] = s;
        biases[g] = bias;
    }
    if (n_acc > 0) *out = (uint8_t)acc; /* cols*bits is a multiple of 8 when cols % 32 == 0 */
}

bool aq_load_f32(st_dtype dt, const void *src, size_t n, float *out) {
    switch (dt) {
    case ST_F32: memcpy(out, src, n * sizeof(float)); return true;
    case ST_BF16:
        for (size_t i = 0; i < n; i++) out[i] = bf16_to_f32(((const uint16_t *)src)[i]);
        return true;
    case ST_F16:
        for (size_t i = 0; i < n; i++) out[i] = f16_to_f32(((const uint16_t *)src)[i]);
        return true;
    default: return false;
    }
}

bool aq_store(st_dtype dt, const float *src, size_t n, void *out) {
    switch (dt) {
    case ST_F32: memcpy(out, src, n * sizeof(float)); return true;
    case ST_BF16:
        for (size_t i = 0; i < n; i++) ((uint16_t *)out)[i] = f32_to_bf16(src[i]);
        return true;
    case ST_F16:
        for (size_t i = 0; i < n; i++) ((uint16_t *)out)[i] = f32_to_f16(src[i]);
        return true;
    default: return false;
    }
}

void aq_round(st_dtype dt, float *x, size_t n) {
    if (dt == ST_BF16)
        for (size_t i = 0; i < n; i++) x[i] = bf16_to_f32(f32_to_bf16(x[i]));
    else if (dt == ST_F16)
        for (size_t i = 0; i < n; i++) x[i] = f16_to_f32(f32_to_f16(x[i]));
}
