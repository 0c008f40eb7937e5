/* report_md.c — markdown renderer of a report document, byte-compatible with FFAI's. */
#include "bench/report_md.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report_doc.h"
#include "core/error.h"

static const char HEADER[] =
    "| Model | Method | Quant | Ctx | Prompt | Prefill tok/s | Decode tok/s | Steady tok/s | TTFT (ms) | Gen tokens "
    "| Baseline GPU | Peak GPU | KV used | Weights | Gen PPL | Gen KLD | Sample |\n"
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n";

void rmd_format_bytes(long long bytes, char *out, size_t n) {
    const double mib = 1024.0 * 1024.0;
    if ((double)bytes >= 1024.0 * mib)
        snprintf(out, n, "%.2f GB", (double)bytes / (1024.0 * mib));
    else
        snprintf(out, n, "%.1f MB", (double)bytes / mib);
}

/* A string cell as is (model, method, quant); "-" when absent. */
static void cell_string(FILE *f, const json_t *row, const char *key) {
    const json_t *v = json_object_get(row, key);
    if (json_is_string(v))
        fwrite(json_string_value(v), 1, json_string_length(v), f);
    else
        fputs("-", f);
}

/* A number cell with printf format fmt; "-" when absent. */
static void cell_number(FILE *f, const json_t *row, const char *key, const char *fmt) {
    const json_t *v = json_object_get(row, key);
    if (json_is_number(v))
        fprintf(f, fmt, json_number_value(v));
    else
        fputs("-", f);
}

static void cell_bytes(FILE *f, const json_t *row, const char *key) {
    char b[64];
    rmd_format_bytes(rdoc_int(row, key), b, sizeof b);
    fputs(b, f);
}

/* The Sample cell: `|` escaped as `\|`, newlines (and CR, NUL) as spaces; "-" when absent. */
static void cell_sample(FILE *f, const json_t *row) {
    const json_t *v = json_object_get(row, "outputPreview");
    if (!json_is_string(v)) {
        fputs("-", f);
        return;
    }
    const char *s = json_string_value(v);
    for (size_t i = 0, n = json_string_length(v); i < n; i++) {
        if (s[i] == '|')
            fputs("\\|", f);
        else if (s[i] == '\n' || s[i] == '\r' || s[i] == 0)
            fputc(' ', f);
        else
            fputc(s[i], f);
    }
}

static void render_row(FILE *f, const json_t *row) {
    fputs("| ", f);
    cell_string(f, row, "model");
    fputs(" | ", f);
    cell_string(f, row, "method");
    fputs(" | ", f);
    cell_string(f, row, "quantization");
    fprintf(f, " | %lld | %lld | ", rdoc_int(row, "contextSize"), rdoc_int(row, "promptTokens"));
    cell_number(f, row, "prefillTokensPerSecond", "%.2f");
    fputs(" | ", f);
    cell_number(f, row, "decodeTokensPerSecond", "%.2f");
    fputs(" | ", f);
    cell_number(f, row, "steadyTokensPerSecond", "%.2f");
    fputs(" | ", f);
    cell_number(f, row, "timeToFirstTokenMs", "%.2f");
    fprintf(f, " | %lld | ", rdoc_int(row, "generatedTokens"));
    cell_bytes(f, row, "baselineGPUBytes");
    fputs(" | ", f);
    cell_bytes(f, row, "peakGPUBytes");
    fputs(" | ", f);
    cell_bytes(f, row, "kvCacheUsedBytes");
    fputs(" | ", f);
    cell_bytes(f, row, "weightsBytes");
    fputs(" | ", f);
    cell_number(f, row, "genPerplexity", "%.3f");
    fputs(" | ", f);
    cell_number(f, row, "genKLDivergence", "%.4f");
    fputs(" | ", f);
    cell_sample(f, row);
    fputs(" |\n", f);
}

ffai_status rmd_render(const json_t *doc, char **out, size_t *len, ffai_error *err) {
    *out = NULL;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) return ffai_fail(err, FFAI_ERR_NOMEM, "markdown: out of memory");
    const json_t *chip = json_object_get(doc, "chip"), *os = json_object_get(doc, "osVersion");
    const json_t *created = json_object_get(doc, "createdAt");
    fputs("# FFAI Bench \xE2\x80\x94 ", f); /* U+2014 EM DASH */
    fwrite(json_string_value(chip), 1, json_string_length(chip), f);
    fprintf(f, "\n\n- System RAM: %.2f GB\n- OS: ", (double)rdoc_int(doc, "systemRAMBytes") / (1024.0 * 1024.0 * 1024.0));
    fwrite(json_string_value(os), 1, json_string_length(os), f);
    fputs("\n- Created: ", f);
    fwrite(json_string_value(created), 1, json_string_length(created), f);
    fputs("\n\n", f);
    fputs(HEADER, f);
    const json_t *rows = json_object_get(doc, "rows");
    for (size_t i = 0; i < json_array_size(rows); i++) render_row(f, json_array_get(rows, i));
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return ffai_fail(err, FFAI_ERR_NOMEM, "markdown: out of memory");
    }
    *out = buf;
    if (len) *len = size;
    return FFAI_OK;
}
