/* test_quantize.c — `quantize` against the reference MLX checkpoint, the
 * affine rule round trip for every bits/group, and the engine on quantized
 * models against the HF golden logits.
 *
 * 1. quantize --bits 4 --group-size 64 of tests/data/models/ffai-tiny-qwen3 must
 *    reproduce tests/data/models/ffai-tiny-qwen3-4bit: every tensor byte for byte
 *    (tolerance: 0 differing bytes), config.json byte for byte.
 * 2. Round trip on random rows for bits {2,3,4,5,6,8} x group {32,64,128}: with
 *    float32 scales, |dequant - w| <= |s|/2 (+1e-6 relative slack for float
 *    rounding) for every element not clipped at the ends of the code range;
 *    clipped ones within 1.5|s| (MLX moves s to edge/q0, which can shorten the
 *    covered range by up to one step). The engine's own dequantizer is used.
 * 3. The engine loads an 8-bit g64 quantized tiny model; on the golden "chat"
 *    case (last 16 positions) its logits stay within 0.75 of the bf16 HF
 *    reference and the top-1 agrees at >= 90 % of positions. Justification: the
 *    8-bit step is 1/17 of the 4-bit one; the 4-bit model differs from bf16 by
 *    up to 5.5 here, 8-bit measured 0.41; a packing or scale bug gives errors of
 *    several units. Our 4-bit model must match the 4-bit golden logits at 2e-3.
 * 4. f32 / f16 sources keep scales in their dtype; an already quantized model is refused. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ffai/model.h"
#include "ffai/quantize.h"
#include "io/safetensors.h"
#include "kernels/wmat.h"
#include "model/affine_quant.h"
#include "testutil.h"

static void compare_to_reference(const char *ours_dir, const char *ref_dir) {
    st_set a, b;
    ffai_error err;
    CHECK(st_open_dir(ours_dir, &a, &err) == FFAI_OK, "%s", err.msg);
    CHECK(st_open_dir(ref_dir, &b, &err) == FFAI_OK, "%s", err.msg);
    if (a.n == 0 || b.n == 0) return;
    CHECK(a.n == b.n, "tensor count %d vs reference %d", a.n, b.n);
    size_t diff_bytes = 0, total = 0;
    int diff_tensors = 0, missing = 0;
    for (int i = 0; i < b.n; i++) {
        const st_tensor *r = &b.tensors[i], *o = st_find(&a, r->name);
        if (!o) {
            missing++;
            fprintf(stderr, "  missing tensor %s\n", r->name);
            continue;
        }
        int same_meta = o->dtype == r->dtype && o->ndim == r->ndim && memcmp(o->shape, r->shape, sizeof(int64_t) * (size_t)r->ndim) == 0;
        CHECK(same_meta, "%s: dtype/shape differ (%s vs %s)", r->name, st_dtype_name(o->dtype), st_dtype_name(r->dtype));
        if (!same_meta) continue;
        size_t d = 0;
        for (size_t k = 0; k < r->nbytes; k++) d += ((const uint8_t *)o->data)[k] != ((const uint8_t *)r->data)[k];
        if (d) {
            diff_tensors++;
            fprintf(stderr, "  %s: %zu of %zu bytes differ\n", r->name, d, r->nbytes);
        }
        diff_bytes += d;
        total += r->nbytes;
    }
    printf("  quantize 4-bit g64 vs reference: %d tensors, %zu bytes compared, %zu differing bytes in %d tensors, %d missing\n", b.n, total,
           diff_bytes, diff_tensors, missing);
    CHECK(diff_bytes == 0 && missing == 0, "%zu bytes differ", diff_bytes);
    /* whole files too: same header layout (order, metadata, padding) */
    size_t la = 0, lb = 0;
    char *fa = tu_read_file(tu_path("%s/model.safetensors", ours_dir), &la), *fb = tu_read_file(tu_path("%s/model.safetensors", ref_dir), &lb);
    CHECK(fa && fb && la == lb && memcmp(fa, fb, la) == 0, "model.safetensors files differ (%zu vs %zu bytes)", la, lb);
    free(fa);
    free(fb);
    fa = tu_read_file(tu_path("%s/config.json", ours_dir), &la);
    fb = tu_read_file(tu_path("%s/config.json", ref_dir), &lb);
    CHECK(fa && fb && la == lb && memcmp(fa, fb, la) == 0, "config.json differs from the reference");
    free(fa);
    free(fb);
    st_set_free(&a);
    st_set_free(&b);
}

static uint64_t rng = 0x1234567887654321ull;
static double urand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

static void round_trip(int bits, int group) {
    enum { ROWS = 6, COLS = 384 };
    static float w[ROWS * COLS], deq[COLS];
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++) {
            double x = (urand() - 0.5) * 0.1;
            if (r == 1) x = x * 0.01 - 0.03;            /* all negative */
            if (r == 2 && c % 7 == 0) x *= 40;          /* outliers */
            if (r == 3 && (c / group) % 2 == 0) x = 0.25; /* constant groups */
            if (r == 4 && (c / group) % 2 == 1) x = 0.0;  /* all-zero groups */
            w[r * COLS + c] = (float)x;
        }
    int ng = COLS / group;
    uint8_t codes[ROWS * COLS];
    float sc[ROWS * COLS / 32], bi[ROWS * COLS / 32];
    size_t row_bytes = (size_t)COLS * bits / 8;
    for (int r = 0; r < ROWS; r++) aq_quantize_row(w + r * COLS, COLS, bits, group, codes + r * row_bytes, sc + r * ng, bi + r * ng);
    wmat m = {.kind = WT_AFFINE, .rows = ROWS, .cols = COLS, .w = codes, .row_bytes = row_bytes, .scales = sc, .biases = bi,
              .sb_kind = WT_F32, .bits = bits, .group = group};
    wmat_set_packed(&m);
    double worst = 0, worst_clip = 0;
    int bad = 0;
    for (int r = 0; r < ROWS; r++) {
        wmat_row_f32(&m, r, deq);
        for (int c = 0; c < COLS; c++) {
            float s = fabsf(sc[r * ng + c / group]), b = bi[r * ng + c / group];
            double e = fabs((double)deq[c] - w[r * COLS + c]);
            double q = ((double)w[r * COLS + c] - b) / sc[r * ng + c / group];
            int clipped = q < -0.5 || q > (1 << bits) - 0.5;
            double rel = s > 0 ? e / s : 0;
            if (clipped) {
                if (rel > worst_clip) worst_clip = rel;
                if (e > 1.5 * s * (1 + 1e-6) + 1e-9) bad++;
            } else {
                if (rel > worst) worst = rel;
                if (e > 0.5 * s * (1 + 1e-5) + 1e-9) bad++;
            }
        }
    }
    printf("  round trip %d-bit g%-3d: max err %.4f s (in range), %.4f s (clipped)\n", bits, group, worst, worst_clip);
    CHECK(bad == 0, "%d-bit g%d: %d elements outside the bound", bits, group, bad);
}

static int argmax(const float *x, int n) {
    int b = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[b]) b = i;
    return b;
}

/* Runs model_dir on golden case <case_dir>/<name>.json and compares with its logits. */
static void logits_vs_golden(const char *model_dir, const char *case_dir, const char *name, double tol, double min_top1, const char *label) {
    json_error_t je;
    json_t *j = json_load_file(tu_path("%s/%s.json", case_dir, name), 0, &je);
    CHECK(j != NULL, "%s: %s", name, je.text);
    if (!j) return;
    ffai_model *m = NULL;
    ffai_error err;
    CHECK(ffai_model_load(model_dir, NULL, &m, &err) == FFAI_OK, "%s: %s", model_dir, err.msg);
    if (!m) {
        json_decref(j);
        return;
    }
    ffai_model_info info;
    ffai_model_get_info(m, &info);
    json_t *ids_j = json_object_get(j, "input_ids");
    int n = (int)json_array_size(ids_j), first = (int)json_integer_value(json_object_get(j, "logits_first_position")), V = info.vocab_size;
    int32_t *ids = malloc(sizeof *ids * (size_t)n);
    for (int i = 0; i < n; i++) ids[i] = (int32_t)json_integer_value(json_array_get(ids_j, (size_t)i));
    size_t flen = 0;
    float *ref = (float *)tu_read_file(tu_path("%s/%s", case_dir, json_string_value(json_object_get(j, "logits_file"))), &flen);
    float *lg = malloc(sizeof *lg * (size_t)n * V);
    ffai_context *c = NULL;
    CHECK(ffai_context_create(m, n + 1, &c, &err) == FFAI_OK, "%s", err.msg);
    if (c && ref && flen == (size_t)(n - first) * V * sizeof(float) &&
        ffai_context_eval(c, ids, n, FFAI_LOGITS_ALL, lg, &err) == FFAI_OK) {
        double maxd = 0;
        int same = 0;
        for (int p = first; p < n; p++) {
            const float *a = lg + (size_t)p * V, *b = ref + (size_t)(p - first) * V;
            for (int v = 0; v < V; v++) {
                double d = fabs((double)a[v] - b[v]);
                if (d > maxd || isnan(d)) maxd = isnan(d) ? INFINITY : d;
            }
            same += argmax(a, V) == argmax(b, V);
        }
        double top1 = (double)same / (n - first);
        printf("  %-28s vs %s/%s: max |dlogit| %.4f over %d positions, top-1 agreement %.1f %%\n", label, strrchr(case_dir, '/') + 1, name,
               maxd, n - first, 100 * top1);
        CHECK(maxd <= tol, "%s: max |dlogit| %g > %g", label, maxd, tol);
        CHECK(top1 >= min_top1, "%s: top-1 agreement %.3f < %.3f", label, top1, min_top1);
    } else
        CHECK(0, "%s: could not evaluate (%s)", label, err.msg);
    ffai_context_free(c);
    ffai_model_free(m);
    free(lg);
    free(ref);
    free(ids);
    json_decref(j);
}

static void scales_dtype(const char *src, int group, st_dtype want) {
    const char *out = tu_path("%s/q", tu_tmpdir());
    ffai_quantize_options o = {.bits = 4, .group_size = group};
    ffai_error err;
    CHECK(ffai_model_quantize(src, out, &o, NULL, &err) == FFAI_OK, "%s: %s", src, err.msg);
    st_set s;
    if (st_open_dir(out, &s, &err) != FFAI_OK) {
        CHECK(0, "%s", err.msg);
        return;
    }
    int n_scales = 0, wrong = 0;
    for (int i = 0; i < s.n; i++)
        if (strstr(s.tensors[i].name, ".scales") || strstr(s.tensors[i].name, ".biases")) {
            n_scales++;
            wrong += s.tensors[i].dtype != want;
        }
    printf("  %s: %d scale/bias tensors, all %s: %s\n", strrchr(src, '/') + 1, n_scales, st_dtype_name(want), wrong ? "no" : "yes");
    CHECK(n_scales > 0 && wrong == 0, "%s: %d of %d scale tensors not %s", src, wrong, n_scales, st_dtype_name(want));
    st_set_free(&s);
    ffai_model *m = NULL;
    CHECK(ffai_model_load(out, NULL, &m, &err) == FFAI_OK, "%s: %s", out, err.msg);
    ffai_model_free(m);
}

int main(void) {
    tu_scratch_begin();
    char tiny[512], ref4[512], q4[512], q8[512], cases[512];
    snprintf(tiny, sizeof tiny, "%s/models/ffai-tiny-qwen3", tu_shared());
    snprintf(ref4, sizeof ref4, "%s/models/ffai-tiny-qwen3-4bit", tu_shared());
    snprintf(cases, sizeof cases, "%s/golden/cases", tu_shared());
    snprintf(q4, sizeof q4, "%s/q4", tu_tmpdir());
    snprintf(q8, sizeof q8, "%s/q8", tu_tmpdir());
    ffai_error err;
    ffai_quantize_stats stats;
    ffai_quantize_options o4 = {.bits = 4, .group_size = 64}, o8 = {.bits = 8, .group_size = 64};
    CHECK(ffai_model_quantize(tiny, q4, &o4, &stats, &err) == FFAI_OK, "%s", err.msg);
    printf("  quantized %d tensors, kept %d, %zu -> %zu bytes\n", stats.n_quantized, stats.n_kept, stats.bytes_in, stats.bytes_out);
    compare_to_reference(q4, ref4);

    int bits[] = {2, 3, 4, 5, 6, 8}, groups[] = {32, 64, 128};
    for (int b = 0; b < 6; b++)
        for (int g = 0; g < 3; g++) round_trip(bits[b], groups[g]);

    CHECK(ffai_model_quantize(tiny, q8, &o8, NULL, &err) == FFAI_OK, "%s", err.msg);
    logits_vs_golden(q8, tu_path("%s/ffai-tiny-qwen3", cases), "chat", 0.75, 0.9, "ours 8-bit g64");
    logits_vs_golden(q4, tu_path("%s/ffai-tiny-qwen3", cases), "chat", 100, 0.0, "ours 4-bit g64 (for scale)");
    logits_vs_golden(q4, tu_path("%s/ffai-tiny-qwen3-4bit", cases), "once", 2e-3, 1.0, "ours 4-bit g64");

    scales_dtype(tu_path("%s/models/rand-qwen3-f32", tu_shared()), 32, ST_F32);
    scales_dtype(tu_path("%s/models/rand-mistral-f16", tu_shared()), 32, ST_F16);

    /* refusals */
    ffai_status st = ffai_model_quantize(ref4, tu_path("%s/x", tu_tmpdir()), &o4, NULL, &err);
    printf("  re-quantizing: %s\n", err.msg);
    CHECK(st == FFAI_ERR_UNSUPPORTED && strstr(err.msg, "already quantized"), "got %d: %s", st, err.msg);
    st = ffai_model_quantize(tiny, q4, &o4, NULL, &err);
    CHECK(st == FFAI_ERR_INVALID_ARG && strstr(err.msg, "already exists"), "overwrite: %d %s", st, err.msg);
    ffai_quantize_options bad = {.bits = 7, .group_size = 64};
    st = ffai_model_quantize(tiny, q4, &bad, NULL, &err);
    CHECK(st == FFAI_ERR_INVALID_ARG && strstr(err.msg, "7-bit"), "bits 7: %d %s", st, err.msg);
    tu_scratch_end();
    return tu_finish("test_quantize");
}
