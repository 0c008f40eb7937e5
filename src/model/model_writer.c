/* model_writer.c — stream tensors (converted or affine-quantized) into a safetensors file. */
#include "model/model_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/affine_quant.h"

enum { PART_PLAIN, PART_CODES, PART_SCALES, PART_BIASES };
#define CHUNK_ELEMS ((int64_t)1 << 20)

typedef struct {
    const char *path;
    const mw_tensor *ts;
    mw_rows_fn rows;
    void *ctx;
    st_writer *w;
    float *f32;        /* CHUNK rows of floats */
    uint8_t *bytes;    /* the same chunk converted / quantized codes */
    float *sc, *bi;    /* per-chunk scales / biases (float32) */
    uint8_t *conv;     /* per-chunk scales or biases in the stored dtype */
    int cache_for;     /* tensor whose scales/biases are in cache_s/cache_b, or -1 */
    uint8_t *cache_s, *cache_b;
    size_t cache_bytes;
    bool fill_cache;
} mw_state;

static void shape_rows_cols(const mw_tensor *t, int64_t *rows, int64_t *cols) {
    *rows = 1;
    *cols = t->ndim ? t->shape[t->ndim - 1] : 1;
    for (int d = 0; d + 1 < t->ndim; d++) *rows *= t->shape[d];
}

static ffai_status write_plain(mw_state *s, int ti, ffai_error *err) {
    const mw_tensor *t = &s->ts[ti];
    int64_t rows, cols;
    shape_rows_cols(t, &rows, &cols);
    size_t es = st_dtype_size(t->dtype);
    if (t->raw) return st_writer_write(s->w, t->raw, (size_t)(rows * cols) * es, err);
    if (cols == 0 || rows == 0) return FFAI_OK;
    int64_t per = CHUNK_ELEMS / cols > 0 ? CHUNK_ELEMS / cols : 1;
    for (int64_t r = 0; r < rows; r += per) {
        int64_t k = rows - r < per ? rows - r : per;
        ffai_status st = s->rows(s->ctx, ti, t, r, k, s->f32, err);
        if (st) return st;
        if (!aq_store(t->dtype, s->f32, (size_t)(k * cols), s->bytes))
            return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: tensor %s: dtype %s is not a float type", s->path, t->name, st_dtype_name(t->dtype));
        if ((st = st_writer_write(s->w, s->bytes, (size_t)(k * cols) * es, err))) return st;
    }
    return FFAI_OK;
}

/* Quantizes tensor ti chunk by chunk and writes one part of it (codes, scales or biases). */
static ffai_status write_quant(mw_state *s, int ti, int part, ffai_error *err) {
    const mw_tensor *t = &s->ts[ti];
    int64_t rows = t->shape[0], cols = t->shape[1], ng = cols / t->group;
    size_t es = st_dtype_size(t->dtype), sb_row = (size_t)ng * es, code_row = (size_t)(cols * t->bits / 8);
    if (part != PART_CODES && s->cache_for == ti)
        return st_writer_write(s->w, part == PART_SCALES ? s->cache_s : s->cache_b, (size_t)rows * sb_row, err);
    bool fill = part == PART_CODES && s->fill_cache;
    if (fill) {
        size_t need = (size_t)rows * sb_row;
        if (need > s->cache_bytes) {
            uint8_t *a = realloc(s->cache_s, need), *b = a ? realloc(s->cache_b, need) : NULL;
            if (a) s->cache_s = a;
            if (b) s->cache_b = b;
            if (!a || !b) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
            s->cache_bytes = need;
        }
        s->cache_for = -1;
    }
    int64_t per = CHUNK_ELEMS / cols > 0 ? CHUNK_ELEMS / cols : 1;
    for (int64_t r = 0; r < rows; r += per) {
        int64_t k = rows - r < per ? rows - r : per;
        ffai_status st = s->rows(s->ctx, ti, t, r, k, s->f32, err);
        if (st) return st;
        for (int64_t i = 0; i < k; i++)
            aq_quantize_row(s->f32 + i * cols, (int)cols, t->bits, t->group, s->bytes + (size_t)i * code_row, s->sc + i * ng, s->bi + i * ng);
        if (part == PART_CODES) {
            if ((st = st_writer_write(s->w, s->bytes, (size_t)k * code_row, err))) return st;
            if (fill) {
                aq_store(t->dtype, s->sc, (size_t)(k * ng), s->cache_s + (size_t)r * sb_row);
                aq_store(t->dtype, s->bi, (size_t)(k * ng), s->cache_b + (size_t)r * sb_row);
            }
        } else {
            aq_store(t->dtype, part == PART_SCALES ? s->sc : s->bi, (size_t)(k * ng), s->conv);
            if ((st = st_writer_write(s->w, s->conv, (size_t)k * sb_row, err))) return st;
        }
    }
    if (fill) s->cache_for = ti;
    return FFAI_OK;
}

static ffai_status check_tensor(const char *path, const mw_tensor *t, ffai_error *err) {
    if (!t->bits) {
        if (!t->raw && !(t->dtype == ST_F32 || t->dtype == ST_F16 || t->dtype == ST_BF16))
            return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: tensor %s: generated data must be a float dtype", path, t->name);
        return FFAI_OK;
    }
    size_t nl = strlen(t->name);
    if (nl < 7 || strcmp(t->name + nl - 7, ".weight") != 0)
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: quantized tensor %s must be named <prefix>.weight", path, t->name);
    if (!aq_supported(t->bits, t->group))
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: tensor %s: %d-bit group %d is not supported (bits 2,3,4,5,6,8; group 32,64,128)", path,
                         t->name, t->bits, t->group);
    if (t->ndim != 2 || t->shape[1] % t->group != 0 || t->shape[1] <= 0 || t->shape[1] > (1 << 30))
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: tensor %s: only 2-D tensors whose last dim is a multiple of %d can be quantized", path,
                         t->name, t->group);
    if (!(t->dtype == ST_F32 || t->dtype == ST_F16 || t->dtype == ST_BF16))
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: tensor %s: scales must be a float dtype", path, t->name);
    return FFAI_OK;
}

ffai_status mw_write(const char *path, const mw_tensor *ts, int n, mw_order order, const char *format, mw_rows_fn rows, void *ctx,
                     ffai_error *err) {
    mw_state s = {.path = path, .ts = ts, .rows = rows, .ctx = ctx, .cache_for = -1, .fill_cache = order == MW_ORDER_GROUPED};
    ffai_status st = FFAI_OK;
    int ns = 0;
    int64_t max_cols = 1;
    for (int i = 0; i < n && !st; i++) {
        st = check_tensor(path, &ts[i], err);
        ns += ts[i].bits ? 3 : 1;
        int64_t r, c;
        shape_rows_cols(&ts[i], &r, &c);
        if (c > max_cols) max_cols = c;
    }
    if (st) return st;
    st_wspec *specs = calloc((size_t)ns + 1, sizeof *specs);
    char **names = calloc((size_t)ns + 1, sizeof *names);
    int64_t chunk = max_cols > CHUNK_ELEMS ? max_cols : CHUNK_ELEMS;
    s.f32 = malloc((size_t)chunk * sizeof(float));
    s.bytes = malloc((size_t)chunk * sizeof(float));
    s.sc = malloc((size_t)chunk / 32 * sizeof(float) + 64);
    s.bi = malloc((size_t)chunk / 32 * sizeof(float) + 64);
    s.conv = malloc((size_t)chunk / 32 * sizeof(float) + 64);
    if (!specs || !names || !s.f32 || !s.bytes || !s.sc || !s.bi || !s.conv) {
        st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        goto done;
    }
    int k = 0;
    for (int i = 0; i < n && !st; i++) {
        const mw_tensor *t = &ts[i];
        if (!t->bits) {
            specs[k] = (st_wspec){.name = t->name, .dtype = t->dtype, .ndim = t->ndim, .tag = i * 4 + PART_PLAIN};
            memcpy(specs[k].shape, t->shape, sizeof t->shape);
            k++;
            continue;
        }
        size_t pl = strlen(t->name) - 7;
        static const char *const SUFFIX[] = {"weight", "scales", "biases"};
        for (int p = 0; p < 3; p++) {
            names[k] = malloc(pl + 8);
            if (!names[k]) {
                st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
                break;
            }
            sprintf(names[k], "%.*s.%s", (int)pl, t->name, SUFFIX[p]);
            specs[k] = (st_wspec){.name = names[k], .ndim = 2, .tag = i * 4 + PART_CODES + p};
            specs[k].shape[0] = t->shape[0];
            specs[k].dtype = p == 0 ? ST_U32 : t->dtype;
            specs[k].shape[1] = p == 0 ? t->shape[1] * t->bits / 32 : t->shape[1] / t->group;
            k++;
        }
    }
    if (st) goto done;
    if (order == MW_ORDER_REFERENCE) st_wspec_sort(specs, ns);
    if ((st = st_writer_open(path, specs, ns, format, &s.w, err))) goto done;
    for (int i = 0; i < ns && !st; i++) {
        int ti = specs[i].tag / 4, part = specs[i].tag % 4;
        st = part == PART_PLAIN ? write_plain(&s, ti, err) : write_quant(&s, ti, part, err);
    }
    if (st) st_writer_abort(s.w);
    else st = st_writer_close(s.w, err);
done:
    for (int i = 0; names && i < ns; i++) free(names[i]);
    free(names);
    free(specs);
    free(s.f32);
    free(s.bytes);
    free(s.sc);
    free(s.bi);
    free(s.conv);
    free(s.cache_s);
    free(s.cache_b);
    return st;
}
