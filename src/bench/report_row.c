/* report_row.c — benchmark row helpers: init/free, extra keys, conversion to JSON. */
#include "bench/report_row.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report_doc.h"
#include "bench/report_json.h"
#include "core/error.h"

void ffai_row_init(ffai_bench_row *row) {
    if (!row) return;
    memset(row, 0, sizeof *row);
    row->steady_tps = NAN;
    row->gen_ppl = NAN;
    row->gen_kld = NAN;
}

void ffai_row_free_fields(ffai_bench_row *row) {
    if (!row) return;
    free(row->model);
    free(row->method);
    free(row->quantization);
    free(row->output_preview);
    for (int i = 0; i < row->n_extras; i++) free(row->extras[i].s);
    free(row->extras);
    ffai_row_init(row);
}

/* The extra slot for key (existing or appended, its old string freed), or NULL with a status in *st. */
static ffai_extra *extra_slot(ffai_bench_row *row, const char *key, ffai_status *st) {
    *st = FFAI_ERR_INVALID_ARG;
    if (!row || !key || !key[0] || strlen(key) >= sizeof row->extras[0].key || rdoc_is_standard_key(key)) return NULL;
    for (int i = 0; i < row->n_extras; i++)
        if (strcmp(row->extras[i].key, key) == 0) {
            free(row->extras[i].s);
            row->extras[i].s = NULL;
            *st = FFAI_OK;
            return &row->extras[i];
        }
    ffai_extra *grown = realloc(row->extras, (size_t)(row->n_extras + 1) * sizeof *grown);
    if (!grown) {
        *st = FFAI_ERR_NOMEM;
        return NULL;
    }
    row->extras = grown;
    ffai_extra *e = &row->extras[row->n_extras++];
    memset(e, 0, sizeof *e);
    strcpy(e->key, key);
    *st = FFAI_OK;
    return e;
}

ffai_status ffai_row_set_int(ffai_bench_row *row, const char *key, long long v) {
    ffai_status st;
    ffai_extra *e = extra_slot(row, key, &st);
    if (e) e->kind = FFAI_EXTRA_INT, e->i = v;
    return st;
}

ffai_status ffai_row_set_double(ffai_bench_row *row, const char *key, double v) {
    if (!isfinite(v)) return FFAI_ERR_INVALID_ARG;
    ffai_status st;
    ffai_extra *e = extra_slot(row, key, &st);
    if (e) e->kind = FFAI_EXTRA_DOUBLE, e->d = v;
    return st;
}

ffai_status ffai_row_set_string(ffai_bench_row *row, const char *key, const char *v) {
    if (!v) return FFAI_ERR_INVALID_ARG;
    char *copy = strdup(v);
    if (!copy) return FFAI_ERR_NOMEM;
    ffai_status st;
    ffai_extra *e = extra_slot(row, key, &st);
    if (!e) {
        free(copy);
        return st;
    }
    e->kind = FFAI_EXTRA_STRING;
    e->s = copy;
    return FFAI_OK;
}

ffai_status ffai_row_set_bool(ffai_bench_row *row, const char *key, bool v) {
    ffai_status st;
    ffai_extra *e = extra_slot(row, key, &st);
    if (e) e->kind = FFAI_EXTRA_BOOL, e->b = v;
    return st;
}

/* ---- conversion ------------------------------------------------------------------------------------ */

typedef struct {
    json_t *obj;
    ffai_error *err;
    ffai_status st;
} builder;

static void put(builder *b, const char *key, json_t *v) {
    if (b->st != FFAI_OK) {
        json_decref(v);
        return;
    }
    if (!v || json_object_set_new(b->obj, key, v) != 0)
        b->st = ffai_fail(b->err, FFAI_ERR_NOMEM, "row: cannot set \"%s\" (out of memory or key not UTF-8)", key);
}

static void put_string(builder *b, const char *key, const char *s, bool required) {
    if (b->st != FFAI_OK) return;
    if (!s) {
        if (required) b->st = ffai_fail(b->err, FFAI_ERR_INVALID_ARG, "row: \"%s\" is missing", key);
        return;
    }
    json_t *v = json_string(s);
    if (!v) {
        b->st = ffai_fail(b->err, FFAI_ERR_INVALID_ARG, "row: \"%s\" is not valid UTF-8", key);
        return;
    }
    put(b, key, v);
}

static void put_double(builder *b, const char *key, double d, bool required) {
    if (b->st != FFAI_OK) return;
    if (!required && isnan(d)) return;
    if (!isfinite(d)) {
        b->st = ffai_fail(b->err, FFAI_ERR_INVALID_ARG, "row: \"%s\" is %g (JSON holds finite numbers only)", key, d);
        return;
    }
    put(b, key, json_real(d));
}

static void put_int(builder *b, const char *key, long long v) { put(b, key, json_integer((json_int_t)v)); }

ffai_status rrow_to_value(const ffai_bench_row *row, json_t **out, ffai_error *err) {
    *out = NULL;
    builder b = {json_object(), err, FFAI_OK};
    if (!b.obj) return ffai_fail(err, FFAI_ERR_NOMEM, "row: out of memory");
    put_string(&b, "model", row->model, true);
    put_string(&b, "method", row->method, true);
    put_string(&b, "quantization", row->quantization, false);
    put_int(&b, "contextSize", row->context_size);
    put_int(&b, "promptTokens", row->prompt_tokens);
    put_double(&b, "prefillTokensPerSecond", row->prefill_tps, true);
    put_double(&b, "decodeTokensPerSecond", row->decode_tps, true);
    put_double(&b, "steadyTokensPerSecond", row->steady_tps, false);
    put_double(&b, "timeToFirstTokenMs", row->ttft_ms, true);
    put_int(&b, "generatedTokens", row->generated_tokens);
    put_int(&b, "baselineGPUBytes", row->baseline_bytes);
    put_int(&b, "peakGPUBytes", row->peak_bytes);
    put_int(&b, "kvCacheUsedBytes", row->kv_used_bytes);
    put_int(&b, "weightsBytes", row->weights_bytes);
    put_int(&b, "wiredTicketBytes", row->wired_bytes);
    put_double(&b, "genPerplexity", row->gen_ppl, false);
    put_double(&b, "genKLDivergence", row->gen_kld, false);
    put_string(&b, "outputPreview", row->output_preview, false);
    for (int i = 0; i < row->n_extras && b.st == FFAI_OK; i++) {
        const ffai_extra *e = &row->extras[i];
        if (rdoc_is_standard_key(e->key)) {
            b.st = ffai_fail(err, FFAI_ERR_INVALID_ARG, "row: extra key \"%s\" is a standard key", e->key);
            break;
        }
        switch (e->kind) {
        case FFAI_EXTRA_INT: put_int(&b, e->key, e->i); break;
        case FFAI_EXTRA_DOUBLE: put_double(&b, e->key, e->d, true); break;
        case FFAI_EXTRA_STRING: put_string(&b, e->key, e->s, true); break;
        case FFAI_EXTRA_BOOL: put(&b, e->key, json_boolean(e->b)); break;
        }
    }
    if (b.st != FFAI_OK) {
        json_decref(b.obj);
        return b.st;
    }
    *out = b.obj;
    return FFAI_OK;
}

ffai_status ffai_row_to_json(const ffai_bench_row *row, char **out, ffai_error *err) {
    if (!row || !out) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "ffai_row_to_json: NULL argument");
    *out = NULL;
    json_t *v;
    ffai_status st = rrow_to_value(row, &v, err);
    if (st != FFAI_OK) return st;
    st = rjson_dump(v, false, out, NULL, err);
    json_decref(v);
    return st;
}
