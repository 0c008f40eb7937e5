/* common.c — shared CLI helpers. */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FFAI_DEFAULT_MODEL_DIR
#define FFAI_DEFAULT_MODEL_DIR "models/ffai-tiny-qwen3"
#endif

const char *cli_model_arg(const char *given) {
    if (given && *given) return given;
    const char *env = getenv("FFAI_MODEL");
    if (env && *env) return env;
    return FFAI_DEFAULT_MODEL_DIR;
}

void cli_error(const char *cmd, const ffai_error *err) { fprintf(stderr, "ffai %s: %s\n", cmd, err->msg[0] ? err->msg : ffai_status_str(err->status)); }

int cli_parse_precision(const char *cmd, const char *s, ffai_precision *out) {
    if (strcmp(s, "f32") == 0) *out = FFAI_PRECISION_F32;
    else if (strcmp(s, "bf16") == 0) *out = FFAI_PRECISION_BF16;
    else if (strcmp(s, "int8") == 0) *out = FFAI_PRECISION_INT8;
    else {
        fprintf(stderr, "ffai %s: --precision must be f32, bf16 or int8 — pick one\n", cmd);
        return -1;
    }
    return 0;
}

int cli_model_options(const char *cmd, int threads, const char *precision, const char *kv_type, ffai_model_options *out) {
    memset(out, 0, sizeof *out);
    out->n_threads = threads;
    if (cli_parse_precision(cmd, precision, &out->precision)) return -1;
    if (strcmp(kv_type, "f32") == 0) out->kv_type = FFAI_KV_F32;
    else if (strcmp(kv_type, "f16") == 0) out->kv_type = FFAI_KV_F16;
    else {
        fprintf(stderr, "ffai %s: --kv-type must be f32 or f16 — pick one\n", cmd);
        return -1;
    }
    return 0;
}

int cli_load(const char *cmd, const char *model, const ffai_model_options *opt, ffai_model **m, ffai_tokenizer **tok) {
    ffai_error err;
    ffai_error_clear(&err);
    if (ffai_model_load(model, opt, m, &err) != FFAI_OK) {
        cli_error(cmd, &err);
        return 1;
    }
    if (tok) {
        ffai_model_info info;
        ffai_model_get_info(*m, &info);
        if (ffai_tokenizer_load(info.dir, tok, &err) != FFAI_OK) {
            cli_error(cmd, &err);
            ffai_model_free(*m);
            *m = NULL;
            return 1;
        }
    }
    return 0;
}

int cli_parse_ids(const char *cmd, const char *flag, const char *s, int32_t **out) {
    size_t cap = 16, n = 0;
    int32_t *v = malloc(cap * sizeof *v);
    const char *p = s;
    while (v && *p) {
        while (*p == ' ' || *p == '[' || *p == ',') p++;
        if (!*p || *p == ']') break;
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (end == p || errno || x < 0 || x > INT32_MAX) {
            fprintf(stderr, "ffai %s: %s: '%s' is not a list of token ids (e.g. 1,2,3)\n", cmd, flag, s);
            free(v);
            return -1;
        }
        if (n == cap) {
            int32_t *g = realloc(v, (cap *= 2) * sizeof *v);
            if (!g) break;
            v = g;
        }
        v[n++] = (int32_t)x;
        p = end;
        while (*p == ' ' || *p == ']') p++;
        if (*p && *p != ',') {
            fprintf(stderr, "ffai %s: %s: '%s' is not a list of token ids (e.g. 1,2,3)\n", cmd, flag, s);
            free(v);
            return -1;
        }
    }
    if (!v) {
        fprintf(stderr, "ffai %s: out of memory\n", cmd);
        return -1;
    }
    *out = v;
    return (int)n;
}

int cli_encode(const char *cmd, const ffai_tokenizer *tok, const char *text, int add_special, int32_t **out) {
    ffai_error err;
    size_t n = 0;
    if (ffai_tokenizer_encode(tok, text, strlen(text), add_special, out, &n, &err) != FFAI_OK) {
        cli_error(cmd, &err);
        return -1;
    }
    return (int)n;
}

int cli_stop_ids(const ffai_model *m, const ffai_tokenizer *tok, int32_t *out, int max) {
    ffai_model_info info;
    ffai_model_get_info(m, &info);
    int n = 0;
    for (int i = 0; i < info.n_eos && n < max; i++) out[n++] = info.eos_ids[i];
    int32_t e = tok ? ffai_tokenizer_eos_id(tok) : -1;
    int have = 0;
    for (int i = 0; i < n; i++) have |= out[i] == e;
    if (e >= 0 && !have && n < max) out[n++] = e;
    return n;
}
