/* report_doc.c — the sidecar document: FFAI's row keys, decoding/validation of a report, a new report. */
#include "bench/report_doc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench/report_device.h"
#include "core/error.h"

/* FFAI's BenchmarkRow (BENCH.md §2.1), in table order. */
const rdoc_field rdoc_fields[] = {
    {"model", RDOC_STRING, true},
    {"method", RDOC_STRING, true},
    {"quantization", RDOC_STRING, false},
    {"contextSize", RDOC_INT, true},
    {"promptTokens", RDOC_INT, true},
    {"prefillTokensPerSecond", RDOC_DOUBLE, true},
    {"decodeTokensPerSecond", RDOC_DOUBLE, true},
    {"steadyTokensPerSecond", RDOC_DOUBLE, false},
    {"timeToFirstTokenMs", RDOC_DOUBLE, true},
    {"generatedTokens", RDOC_INT, true},
    {"baselineGPUBytes", RDOC_INT, true},
    {"peakGPUBytes", RDOC_INT, true},
    {"kvCacheUsedBytes", RDOC_INT, true},
    {"weightsBytes", RDOC_INT, true},
    {"wiredTicketBytes", RDOC_INT, true},
    {"genPerplexity", RDOC_DOUBLE, false},
    {"genKLDivergence", RDOC_DOUBLE, false},
    {"outputPreview", RDOC_STRING, false},
};
const int rdoc_n_fields = (int)(sizeof rdoc_fields / sizeof rdoc_fields[0]);

bool rdoc_is_standard_key(const char *key) {
    for (int i = 0; i < rdoc_n_fields; i++)
        if (strcmp(rdoc_fields[i].key, key) == 0) return true;
    return false;
}

static bool is_integral(const json_t *v) {
    if (json_is_integer(v)) return true;
    if (!json_is_real(v)) return false;
    double d = json_real_value(v);
    return d == floor(d) && fabs(d) < 0x1p63;
}

long long rdoc_int(const json_t *obj, const char *key) {
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v)) return (long long)json_integer_value(v);
    return (long long)json_number_value(v);
}

static const char *type_name(rdoc_type t) {
    return t == RDOC_INT ? "an integer" : t == RDOC_DOUBLE ? "a number" : "a string";
}

ffai_status rdoc_check_row(const json_t *row, const char *where, ffai_error *err) {
    if (!json_is_object(row)) return ffai_fail(err, FFAI_ERR_FORMAT, "%s is not an object", where);
    for (int i = 0; i < rdoc_n_fields; i++) {
        const rdoc_field *f = &rdoc_fields[i];
        const json_t *v = json_object_get(row, f->key);
        if (!v || json_is_null(v)) {
            if (f->required) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: missing key \"%s\"", where, f->key);
            continue;
        }
        bool ok = f->type == RDOC_STRING ? json_is_string(v) : f->type == RDOC_INT ? is_integral(v) : json_is_number(v);
        if (!ok) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: \"%s\" is not %s", where, f->key, type_name(f->type));
    }
    return FFAI_OK;
}

ffai_status rdoc_parse(const char *text, size_t len, json_t **out, ffai_error *err) {
    *out = NULL;
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_ALLOW_NUL, &je);
    if (!doc) return ffai_fail(err, FFAI_ERR_FORMAT, "line %d column %d: %s", je.line, je.column, je.text);
    ffai_status st = FFAI_OK;
    static const char *const strings[] = {"chip", "createdAt", "osVersion"};
    if (!json_is_object(doc)) {
        st = ffai_fail(err, FFAI_ERR_FORMAT, "top level is not an object");
        goto fail;
    }
    for (int i = 0; i < 3; i++) {
        const json_t *v = json_object_get(doc, strings[i]);
        if (!json_is_string(v)) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, v ? "\"%s\" is not a string" : "missing key \"%s\"", strings[i]);
            goto fail;
        }
    }
    const json_t *ram = json_object_get(doc, "systemRAMBytes");
    if (!is_integral(ram)) {
        st = ffai_fail(err, FFAI_ERR_FORMAT, ram ? "\"systemRAMBytes\" is not an integer" : "missing key \"systemRAMBytes\"");
        goto fail;
    }
    const json_t *rows = json_object_get(doc, "rows");
    if (!json_is_array(rows)) {
        st = ffai_fail(err, FFAI_ERR_FORMAT, rows ? "\"rows\" is not an array" : "missing key \"rows\"");
        goto fail;
    }
    for (size_t i = 0; i < json_array_size(rows); i++) {
        char where[32];
        snprintf(where, sizeof where, "rows[%zu]", i);
        if ((st = rdoc_check_row(json_array_get(rows, i), where, err)) != FFAI_OK) goto fail;
    }
    *out = doc;
    return FFAI_OK;
fail:
    json_decref(doc);
    return st;
}

void rdoc_utc_now(char *out, size_t n, bool date_only) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

ffai_status rdoc_new(const char *chip, json_t **out, ffai_error *err) {
    char created[32], os[256];
    rdoc_utc_now(created, sizeof created, false);
    device_os_version(os, sizeof os);
    json_t *doc = json_pack("{s:s, s:s, s:s, s:[], s:I}", "chip", chip, "createdAt", created, "osVersion", os,
                            "rows", "systemRAMBytes", (json_int_t)device_ram_bytes());
    *out = doc;
    if (!doc) return ffai_fail(err, FFAI_ERR_NOMEM, "new report: out of memory (or chip/OS not UTF-8)");
    return FFAI_OK;
}
