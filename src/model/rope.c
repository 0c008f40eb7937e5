/* rope.c — rotary embedding tables: default, linear, llama3 and YaRN scaling,
 * computed like HF transformers (inverse frequencies in float32, angles in double). */
#include <math.h>
#include <stdlib.h>

#include "model/model_internal.h"

static double yarn_corr_dim(double rot, int dim, double base, double max_pos) {
    return (dim * log(max_pos / (rot * 2.0 * M_PI))) / (2.0 * log(base));
}

static double yarn_get_mscale(double scale, double mscale) {
    if (scale <= 1.0) return 1.0;
    return 0.1 * mscale * log(scale) + 1.0;
}

void rope_tables(const rope_config *r, int hd, int max_pos, int n_ctx, float *cos_out, float *sin_out) {
    int half = hd / 2;
    float *inv = malloc((size_t)half * sizeof *inv);
    if (!inv) return;
    for (int i = 0; i < half; i++) inv[i] = 1.0f / powf((float)r->theta, (float)(2 * i) / (float)hd);
    double attn = 1.0;
    if (r->kind == ROPE_LINEAR)
        for (int i = 0; i < half; i++) inv[i] = (float)(inv[i] / r->factor);
    else if (r->kind == ROPE_LLAMA3) {
        double old = r->original_max_pos;
        double low_wl = old / r->low_freq_factor, high_wl = old / r->high_freq_factor;
        for (int i = 0; i < half; i++) {
            double f = inv[i], wl = 2.0 * M_PI / f;
            if (wl < high_wl) continue;
            if (wl > low_wl) inv[i] = (float)(f / r->factor);
            else {
                double smooth = (old / wl - r->low_freq_factor) / (r->high_freq_factor - r->low_freq_factor);
                inv[i] = (float)((1.0 - smooth) * f / r->factor + smooth * f);
            }
        }
    } else if (r->kind == ROPE_YARN) {
        double orig = r->original_max_pos > 0 ? r->original_max_pos : max_pos;
        double lo = yarn_corr_dim(r->beta_fast, hd, r->theta, orig), hi = yarn_corr_dim(r->beta_slow, hd, r->theta, orig);
        if (r->truncate) lo = floor(lo), hi = ceil(hi);
        if (lo < 0) lo = 0;
        if (hi > hd - 1) hi = hd - 1;
        if (lo == hi) hi += 0.001;
        for (int i = 0; i < half; i++) {
            float pos_freq = powf((float)r->theta, (float)(2 * i) / (float)hd);
            float extra = 1.0f / pos_freq, inter = 1.0f / ((float)r->factor * pos_freq);
            float ramp = (float)(((double)i - lo) / (hi - lo));
            ramp = ramp < 0 ? 0 : ramp > 1 ? 1 : ramp;
            float ex_factor = 1.0f - ramp;
            inv[i] = inter * (1.0f - ex_factor) + extra * ex_factor;
        }
        if (r->attention_factor > 0) attn = r->attention_factor;
        else if (r->mscale > 0 && r->mscale_all_dim > 0)
            attn = yarn_get_mscale(r->factor, r->mscale) / yarn_get_mscale(r->factor, r->mscale_all_dim);
        else
            attn = yarn_get_mscale(r->factor, 1.0);
    }
    for (int p = 0; p < n_ctx; p++)
        for (int i = 0; i < half; i++) {
            double a = (double)p * (double)inv[i];
            cos_out[(size_t)p * half + i] = (float)(cos(a) * attn);
            sin_out[(size_t)p * half + i] = (float)(sin(a) * attn);
        }
    free(inv);
}
