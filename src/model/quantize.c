/* quantize.c — `ffai quantize`: an MLX affine-quantized copy of a checkpoint
 * (weights streamed from the mapped source, config extended, tokenizer copied). */
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/mem.h"
#include "ffai/model.h"
#include "ffai/quantize.h"
#include "io/atomic_file.h"
#include "io/mapped_file.h"
#include "model/affine_quant.h"
#include "model/model_writer.h"
#include "model/quantize_internal.h"

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

bool qz_should_quantize(const char *name, int ndim, const int64_t *shape, st_dtype dt, int group) {
    bool is_float = dt == ST_F32 || dt == ST_F16 || dt == ST_BF16;
    return ndim == 2 && is_float && ends_with(name, ".weight") && shape[1] > 0 && shape[1] % group == 0;
}

ffai_status qz_prepare_out_dir(const char *src_dir, const char *out_dir, bool overwrite, ffai_error *err) {
    ffai_status st = io_mkdirs(out_dir, err);
    if (st) return st;
    if (src_dir) {
        char a[PATH_MAX], b[PATH_MAX];
        if (realpath(src_dir, a) && realpath(out_dir, b) && strcmp(a, b) == 0)
            return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: the output directory is the source model's directory", out_dir);
    }
    static const char *const MODEL_FILES[] = {"config.json", "model.safetensors", "model.safetensors.index.json"};
    for (int i = 0; i < 3 && !overwrite; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", out_dir, MODEL_FILES[i]);
        if (io_is_file(p)) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s already exists (pass overwrite / --force to replace it)", p);
    }
    if (overwrite) { /* a stale index would shadow nothing (model.safetensors wins), but would mislead */
        char p[4096];
        snprintf(p, sizeof p, "%s/model.safetensors.index.json", out_dir);
        if (io_is_file(p)) remove(p);
    }
    return FFAI_OK;
}

char *qz_config_with_quant(const char *text, int bits, int group) {
    const char *close = strrchr(text, '}');
    if (!close) return NULL;
    const char *prev = close;
    while (prev > text && (prev[-1] == ' ' || prev[-1] == '\n' || prev[-1] == '\r' || prev[-1] == '\t')) prev--;
    bool empty = prev > text && prev[-1] == '{';
    char q[128];
    snprintf(q, sizeof q, "{\n    \"group_size\": %d,\n    \"bits\": %d,\n    \"mode\": \"affine\"\n  }", group, bits);
    size_t head = (size_t)(prev - text), tail = strlen(close + 1);
    size_t cap = head + 2 * strlen(q) + tail + 128;
    char *out = malloc(cap);
    if (!out) return NULL;
    snprintf(out, cap, "%.*s%s\n  \"quantization\": %s,\n  \"quantization_config\": %s\n}%s", (int)head, text, empty ? "" : ",", q, q, close + 1);
    return out;
}

ffai_status qz_copy_side_files(const char *src_dir, const char *out_dir, ffai_error *err) {
    DIR *d = opendir(src_dir);
    if (!d) return ffai_fail(err, FFAI_ERR_IO, "%s: cannot list the directory", src_dir);
    ffai_status st = FFAI_OK;
    struct dirent *e;
    while (!st && (e = readdir(d))) {
        const char *n = e->d_name;
        if (n[0] == '.' || strcmp(n, "config.json") == 0 || strcmp(n, "model.safetensors.index.json") == 0) continue;
        if (!(ends_with(n, ".json") || ends_with(n, ".txt") || ends_with(n, ".jinja") || ends_with(n, ".model") || ends_with(n, ".tiktoken")))
            continue;
        char a[4096], b[4096];
        snprintf(a, sizeof a, "%s/%s", src_dir, n);
        snprintf(b, sizeof b, "%s/%s", out_dir, n);
        if (io_is_file(a)) st = io_copy_file(a, b, err);
    }
    closedir(d);
    return st;
}

typedef struct {
    const st_set *set;
    const st_tensor **src; /* [n] source tensor of each mw_tensor */
} src_ctx;

static ffai_status source_rows(void *ctx, int index, const mw_tensor *t, int64_t r0, int64_t n, float *out, ffai_error *err) {
    const src_ctx *c = ctx;
    const st_tensor *s = c->src[index];
    int64_t cols = t->shape[t->ndim - 1];
    const uint8_t *p = (const uint8_t *)s->data + (size_t)(r0 * cols) * st_dtype_size(s->dtype);
    size_t len = (size_t)(n * cols) * st_dtype_size(s->dtype);
    if (!aq_load_f32(s->dtype, p, (size_t)(n * cols), out))
        return ffai_fail(err, FFAI_ERR_INTERNAL, "%s: tensor %s: not a float dtype", s->file, s->name);
    /* drop the pages just read from our mapping (they stay in the page cache), so
     * the process never holds more than a chunk of the source model */
    mem_drop_pages(p, len);
    return FFAI_OK;
}

ffai_status ffai_model_quantize(const char *model, const char *out_dir, const ffai_quantize_options *opt, ffai_quantize_stats *stats,
                                ffai_error *err) {
    if (stats) memset(stats, 0, sizeof *stats);
    if (!opt || !aq_supported(opt->bits, opt->group_size))
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%d-bit group %d is not supported (bits 2, 3, 4, 5, 6, 8; group size 32, 64, 128)",
                         opt ? opt->bits : 0, opt ? opt->group_size : 0);
    char dir[4096], path[4200];
    ffai_status st = ffai_model_resolve(model, dir, sizeof dir, err);
    if (st) return st;
    /* config: must be a JSON object that is not quantized already */
    snprintf(path, sizeof path, "%s/config.json", dir);
    char *text = NULL;
    size_t tl = 0;
    if ((st = io_read_file(path, &text, &tl, err))) return st;
    json_error_t je;
    json_t *cfg = json_loadb(text, tl, 0, &je);
    if (!json_is_object(cfg)) {
        st = cfg ? ffai_fail(err, FFAI_ERR_FORMAT, "%s: not a JSON object", path)
                 : ffai_fail(err, FFAI_ERR_FORMAT, "%s: invalid JSON (%s, line %d column %d)", path, je.text, je.line, je.column);
        json_decref(cfg);
        free(text);
        return st;
    }
    bool already = json_object_get(cfg, "quantization") || json_object_get(cfg, "quantization_config");
    json_decref(cfg);
    if (already) {
        free(text);
        return ffai_fail(err, FFAI_ERR_UNSUPPORTED, "%s: the model is already quantized (config.json has a quantization entry); quantize the original", path);
    }
    st_set set;
    if ((st = st_open_dir(dir, &set, err))) {
        free(text);
        return st;
    }
    mw_tensor *ts = calloc((size_t)set.n + 1, sizeof *ts);
    const st_tensor **src = calloc((size_t)set.n + 1, sizeof *src);
    char *new_cfg = NULL;
    if (!ts || !src) {
        st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        goto done;
    }
    int n_quant = 0;
    for (int i = 0; i < set.n && !st; i++) {
        const st_tensor *s = &set.tensors[i];
        if (s->dtype == ST_U32 || ends_with(s->name, ".scales"))
            st = ffai_fail(err, FFAI_ERR_UNSUPPORTED, "%s: tensor %s looks already quantized (%s); quantize the original model", s->file, s->name,
                           st_dtype_name(s->dtype));
        mw_tensor *t = &ts[i];
        t->name = s->name;
        t->ndim = s->ndim;
        memcpy(t->shape, s->shape, sizeof s->shape);
        t->dtype = s->dtype;
        src[i] = s;
        if (qz_should_quantize(s->name, s->ndim, s->shape, s->dtype, opt->group_size)) {
            t->bits = opt->bits;
            t->group = opt->group_size;
            n_quant++;
        } else
            t->raw = s->data;
    }
    if (st) goto done;
    if (n_quant == 0) {
        st = ffai_fail(err, FFAI_ERR_UNSUPPORTED, "%s: no 2-D float .weight tensor has an input dim divisible by %d; nothing to quantize", dir,
                       opt->group_size);
        goto done;
    }
    if (!(new_cfg = qz_config_with_quant(text, opt->bits, opt->group_size))) {
        st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = qz_prepare_out_dir(dir, out_dir, opt->overwrite, err))) goto done;
    snprintf(path, sizeof path, "%s/model.safetensors", out_dir);
    src_ctx ctx = {&set, src};
    if ((st = mw_write(path, ts, set.n, MW_ORDER_REFERENCE, "mlx", source_rows, &ctx, err))) goto done;
    snprintf(path, sizeof path, "%s/config.json", out_dir);
    if ((st = io_write_file_atomic(path, new_cfg, strlen(new_cfg), err))) goto done;
    if ((st = qz_copy_side_files(dir, out_dir, err))) goto done;
    if (stats) {
        stats->n_quantized = n_quant;
        stats->n_kept = set.n - n_quant;
        stats->bytes_in = st_total_bytes(&set);
        struct stat sb;
        snprintf(path, sizeof path, "%s/model.safetensors", out_dir);
        if (stat(path, &sb) == 0) stats->bytes_out = (size_t)sb.st_size;
    }
done:
    free(new_cfg);
    free(ts);
    free(src);
    free(text);
    st_set_free(&set);
    return st;
}
