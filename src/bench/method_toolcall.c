/* method_toolcall.c — `tool-calling` (BENCH.md §4.6): the model's template
 * renders the tool spec, the model answers, and the answer's tool call is
 * parsed and judged (format, JSON, tool name, argument schema, case check). */
#include <stdlib.h>
#include <string.h>

#include "bench/bench_internal.h"
#include "core/error.h"
#include "ffai/toolcall.h"

static ffai_status run_case(ffai_bench *b, const ffai_bench_options *o, const ffai_tool_case *tc, int max_tokens, ffai_bench_row *row,
                            ffai_error *err) {
    int32_t *ids = NULL;
    int n = 0;
    ffai_status st = bench_chat_encode(b, tc->messages_json, tc->tools_json, &ids, &n, err);
    if (st) return st;
    ffai_context *c = NULL;
    bench_gen g;
    memset(&g, 0, sizeof g);
    char *raw = NULL;
    size_t rl;
    if (!(st = ffai_context_create(b->m, n + max_tokens, &c, err)) && !(st = bench_warmup(b, o, c, ids, n, err)) &&
        !(st = bench_generate(b, o, c, ids, n, max_tokens, &g, err)) && !(st = bench_fill_row(b, o, "tool-calling", n + max_tokens, &g, 1, row, err)) &&
        !(st = ffai_tokenizer_decode(b->tok, g.ids, (size_t)g.n, false, &raw, &rl, err))) {
        char prefix[512];
        int pass = ffai_tool_call_judge(raw, tc->tools_json, &tc->expect, prefix, sizeof prefix);
        st = bench_set_preview(row, prefix, raw);
        if (!st) st = ffai_row_set_bool(row, "pass", pass != 0);
        if (!st && tc->name) st = ffai_row_set_string(row, "case", tc->name);
        if (st) st = ffai_fail(err, st, "cannot fill the report row");
        bench_log(o, "tool-calling %s: %s", tc->name ? tc->name : "case", prefix);
    }
    free(raw);
    bench_gen_free(&g);
    ffai_context_free(c);
    free(ids);
    return st;
}

ffai_status bench_method_toolcall(ffai_bench *b, const ffai_bench_options *o, ffai_bench_row **rows, int *nrows, ffai_error *err) {
    ffai_tool_case *cases = NULL;
    int nc = 0;
    ffai_status st = o->tool_cases ? ffai_tool_cases_load(o->tool_cases, &cases, &nc, err) : ffai_tool_cases_default(&cases, &nc, err);
    if (st) return st;
    int max_tokens = o->max_tokens >= 0 ? o->max_tokens : 200;
    if (nc > 0 && !(*rows = calloc((size_t)nc, sizeof **rows))) st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    int passed = 0;
    for (int i = 0; i < nc && !st; i++) {
        ffai_row_init(&(*rows)[i]);
        *nrows = i + 1;
        bench_progress(o, "tool-calling: case %d/%d", i + 1, nc);
        st = run_case(b, o, &cases[i], max_tokens, &(*rows)[i], err);
        for (int k = 0; !st && k < (*rows)[i].n_extras; k++)
            if (strcmp((*rows)[i].extras[k].key, "pass") == 0) passed += (*rows)[i].extras[k].b;
    }
    if (!st) bench_log(o, "tool-calling: %d/%d cases passed", passed, nc);
    ffai_tool_cases_free(cases, nc);
    return st;
}
