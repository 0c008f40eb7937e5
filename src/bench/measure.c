/* measure.c — one measured generation and the row columns it yields:
 * timing, memory high-water marks, generation perplexity, KL vs a reference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/bench_internal.h"
#include "bench/metrics.h"
#include "core/error.h"
#include "io/mapped_file.h"

void bench_gen_free(bench_gen *g) {
    if (!g) return;
    free(g->ids);
    free(g->text);
    free(g->times);
    memset(g, 0, sizeof *g);
}

typedef struct {
    ffai_bench *b;
    const ffai_bench_options *o;
    ffai_context *c;
    int vocab, step;
    double nll;
    ffai_op_times last;
} gen_cb;

static void log_profile(gen_cb *s, const char *what, int steps) {
    ffai_op_times t;
    ffai_context_op_times(s->c, &t);
    double d[6] = {t.matmul - s->last.matmul, t.attention - s->last.attention, t.norm - s->last.norm,
                   t.rope - s->last.rope, t.sampling - s->last.sampling, t.other - s->last.other};
    double tot = 0;
    for (int i = 0; i < 6; i++) tot += d[i];
    static const char *names[6] = {"matmul", "attention", "norm", "rope", "sampling", "other"};
    if (steps > 0) bench_log(s->o, "profile: decode steps %d-%d (%.3f ms/token)", s->step - steps, s->step - 1, tot * 1e3 / steps);
    else bench_log(s->o, "profile: %s (%.3f ms)", what, tot * 1e3);
    for (int i = 0; i < 6; i++)
        bench_log(s->o, "  %-10s %9.3f ms  %5.1f%%", names[i], d[i] * 1e3, tot > 0 ? 100.0 * d[i] / tot : 0.0);
    s->last = t;
}

static int on_token(void *user, int32_t tok, const float *logits) {
    gen_cb *s = user;
    s->nll -= metric_logprob(logits, s->vocab, tok);
    /* the first token closes the prefill; the profile windows cover decode steps only */
    if (s->step++ == 0) {
        if (s->o->profiling > 0) log_profile(s, "prefill", 0);
        else ffai_context_op_times(s->c, &s->last);
        return 0;
    }
    if (s->o->profiling > 0 && (s->step - 1) % s->o->profiling == 0) log_profile(s, "decode", s->o->profiling);
    return 0;
}

static void fill_params(const ffai_bench *b, const ffai_bench_options *o, int max_tokens, ffai_gen_params *p) {
    ffai_gen_params_default(p);
    p->max_tokens = max_tokens;
    p->temperature = o->temperature;
    p->seed = o->seed;
    p->stop_ids = b->stop;
    p->n_stop = b->n_stop;
}

/* One measured generation in c, or through session s (prefix reuse) when non-NULL. */
static ffai_status measured(ffai_bench *b, const ffai_bench_options *o, ffai_context *c, ffai_session *ses, const int32_t *prompt, int n_prompt,
                            int max_tokens, bench_gen *g, int *reused, ffai_error *err) {
    memset(g, 0, sizeof *g);
    if (ses) c = ffai_session_context(ses);
    int cap = max_tokens > 0 ? max_tokens : 1;
    g->ids = malloc(sizeof *g->ids * (size_t)cap);
    g->times = malloc(sizeof *g->times * (size_t)cap);
    if (!g->ids || !g->times) {
        bench_gen_free(g);
        return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    ffai_gen_params p;
    fill_params(b, o, max_tokens, &p);
    gen_cb s = {.b = b, .o = o, .c = c, .vocab = b->info.vocab_size};
    ffai_context_op_times(c, &s.last);
    size_t cur;
    ffai_mem_usage(&cur, NULL);
    ffai_mem_reset_peak();
    g->baseline = (long long)cur;
    g->st.token_times = g->times;
    ffai_status st = ses ? ffai_session_generate(ses, prompt, n_prompt, &p, on_token, &s, g->ids, &g->st, reused, err)
                         : ffai_generate(c, prompt, n_prompt, &p, on_token, &s, g->ids, &g->st, err);
    if (st) {
        bench_gen_free(g);
        return st;
    }
    size_t peak;
    ffai_mem_usage(NULL, &peak);
    g->peak = (long long)peak;
    g->n = g->st.generated;
    g->kv_used = (long long)ffai_context_kv_used_bytes(c);
    g->ppl = g->n > 0 ? exp(s.nll / g->n) : NAN;
    size_t len;
    if ((st = ffai_tokenizer_decode(b->tok, g->ids, (size_t)g->n, true, &g->text, &len, err))) bench_gen_free(g);
    return st;
}

ffai_status bench_generate(ffai_bench *b, const ffai_bench_options *o, ffai_context *c, const int32_t *prompt, int n_prompt, int max_tokens,
                           bench_gen *g, ffai_error *err) {
    return measured(b, o, c, NULL, prompt, n_prompt, max_tokens, g, NULL, err);
}

ffai_status bench_generate_session(ffai_bench *b, const ffai_bench_options *o, ffai_session *s, const int32_t *prompt, int n_prompt, int max_tokens,
                                   bench_gen *g, int *reused, ffai_error *err) {
    return measured(b, o, NULL, s, prompt, n_prompt, max_tokens, g, reused, err);
}

ffai_status bench_warmup(ffai_bench *b, const ffai_bench_options *o, ffai_context *c, const int32_t *prompt, int n_prompt, ffai_error *err) {
    if (!o->warmup) return FFAI_OK;
    int pos = ffai_context_pos(c);
    int n = n_prompt < 8 ? n_prompt : 8;
    int room = ffai_context_size(c) - pos - n;
    int k = room < 4 ? room : 4;
    if (n <= 0 || k <= 0) return FFAI_OK;
    ffai_gen_params p;
    fill_params(b, o, k, &p);
    ffai_status st = ffai_generate(c, prompt, n, &p, NULL, NULL, NULL, NULL, err);
    ffai_context_rewind(c, pos, NULL);
    ffai_context_op_times_reset(c);
    return st;
}

#define KL_CHUNK 32

ffai_status bench_kl(ffai_bench *b, const int32_t *seq, int n, int first, int last, double *mean, double **per_pos, double *same_top1,
                     ffai_error *err) {
    int V = b->info.vocab_size;
    *mean = NAN;
    if (per_pos) *per_pos = NULL;
    if (!b->ref || first > last || last >= n) return FFAI_OK;
    ffai_context *cc = NULL, *rc = NULL;
    float *ql = malloc(sizeof(float) * (size_t)KL_CHUNK * V), *pl = malloc(sizeof(float) * (size_t)KL_CHUNK * V);
    double *kl = malloc(sizeof(double) * (size_t)(last - first + 1));
    ffai_status st = FFAI_OK;
    if (!ql || !pl || !kl) {
        st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = ffai_context_create(b->m, last + 1, &cc, err)) || (st = ffai_context_create(b->ref, last + 1, &rc, err))) goto done;
    double sum = 0;
    int agree = 0;
    for (int off = 0; off <= last; off += KL_CHUNK) {
        int k = last + 1 - off < KL_CHUNK ? last + 1 - off : KL_CHUNK;
        if ((st = ffai_context_eval(cc, seq + off, k, FFAI_LOGITS_ALL, ql, err)) || (st = ffai_context_eval(rc, seq + off, k, FFAI_LOGITS_ALL, pl, err)))
            goto done;
        for (int i = 0; i < k; i++) {
            int pos = off + i;
            if (pos < first) continue;
            double d = metric_kl(pl + (size_t)i * V, ql + (size_t)i * V, V);
            kl[pos - first] = d;
            sum += d;
            agree += metric_argmax(pl + (size_t)i * V, V) == metric_argmax(ql + (size_t)i * V, V);
        }
    }
    int cnt = last - first + 1;
    *mean = sum / cnt;
    if (same_top1) *same_top1 = (double)agree / cnt;
    if (per_pos) {
        *per_pos = kl;
        kl = NULL;
    }
done:
    ffai_context_free(cc);
    ffai_context_free(rc);
    free(ql);
    free(pl);
    free(kl);
    return st;
}

ffai_status bench_set_preview(ffai_bench_row *row, const char *prefix, const char *text) {
    char buf[1024];
    size_t n = 0;
    if (prefix) n = (size_t)snprintf(buf, sizeof buf, "%s", prefix);
    /* first 160 characters (code points) of the output, newlines -> spaces */
    int chars = 0;
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p && chars < 160 && n + 5 < sizeof buf; chars++) {
        int len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 1;
        for (int i = 0; i < len && p[i]; i++) buf[n++] = (p[i] == '\n' || p[i] == '\r') ? ' ' : (char)p[i];
        int adv = 0;
        while (adv < len && p[adv]) adv++;
        p += adv;
    }
    buf[n] = '\0';
    free(row->output_preview);
    row->output_preview = strdup(buf);
    return row->output_preview ? FFAI_OK : FFAI_ERR_NOMEM;
}

static long long physical_ram(void) {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && size > 0 ? (long long)pages * size : 0;
}

ffai_status bench_fill_row(ffai_bench *b, const ffai_bench_options *o, const char *method, long long ctx_size, bench_gen *runs, int n_runs,
                           ffai_bench_row *row, ffai_error *err) {
    bench_gen *g = &runs[n_runs - 1];
    double pf[64], dc[64], sd[64], tt[64];
    int n = n_runs < 64 ? n_runs : 64, nsd = 0;
    for (int i = 0; i < n; i++) {
        bench_gen *r = &runs[i];
        pf[i] = r->st.prefill_s > 0 ? r->st.prompt_tokens / r->st.prefill_s : 0;
        dc[i] = r->st.decode_s > 0 && r->n > 1 ? (r->n - 1) / r->st.decode_s : 0;
        tt[i] = r->st.prefill_s * 1e3;
        double s = metric_steady_tps(r->times, r->n);
        if (!isnan(s)) sd[nsd++] = s;
    }
    double pf_m, pf_s, dc_m, dc_s, tt_m, tt_s, sd_m, sd_s;
    metric_mean_std(pf, n, &pf_m, &pf_s);
    metric_mean_std(dc, n, &dc_m, &dc_s);
    metric_mean_std(tt, n, &tt_m, &tt_s);
    metric_mean_std(sd, nsd, &sd_m, &sd_s);
    row->model = strdup(o->model_label ? o->model_label : b->model_dir);
    row->method = strdup(method);
    row->quantization = strdup(o->quantization ? o->quantization : ffai_model_quant_label(b->m));
    if (!row->model || !row->method || !row->quantization) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    row->context_size = ctx_size;
    row->prompt_tokens = g->st.prompt_tokens;
    row->generated_tokens = g->n;
    row->prefill_tps = pf_m;
    row->decode_tps = dc_m;
    row->steady_tps = nsd ? sd_m : NAN;
    row->ttft_ms = tt_m;
    long long peak = 0;
    for (int i = 0; i < n; i++) peak = runs[i].peak > peak ? runs[i].peak : peak;
    row->baseline_bytes = g->baseline;
    row->peak_bytes = peak;
    row->kv_used_bytes = g->kv_used;
    row->weights_bytes = (long long)b->info.weights_bytes;
    row->wired_bytes = physical_ram();
    row->gen_ppl = g->ppl;
    ffai_status st = bench_set_preview(row, NULL, g->text);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (!st) st = ffai_row_set_string(row, "backend", "cpu");
    if (!st) st = ffai_row_set_int(row, "threads", b->info.n_threads);
    if (!st) st = ffai_row_set_string(row, "kernels", b->info.kernels);
    if (!st) st = ffai_row_set_string(row, "ffaiVersion", ffai_version());
    if (!st) st = ffai_row_set_int(row, "peakRSSBytes", (long long)ru.ru_maxrss * 1024);
    if (!st) st = ffai_row_set_string(row, "precision", b->info.precision);
    if (!st) st = ffai_row_set_string(row, "kvType", b->info.kv_type);
    if (!st && n_runs > 1) {
        st = ffai_row_set_int(row, "repeat", n_runs);
        if (!st) st = ffai_row_set_double(row, "prefillTokensPerSecondStd", pf_s);
        if (!st) st = ffai_row_set_double(row, "decodeTokensPerSecondStd", dc_s);
        if (!st) st = ffai_row_set_double(row, "timeToFirstTokenMsStd", tt_s);
        if (!st && nsd > 1) st = ffai_row_set_double(row, "steadyTokensPerSecondStd", sd_s);
    }
    if (st) return ffai_fail(err, st, "cannot fill the report row");
    return FFAI_OK;
}

ffai_status bench_encode(ffai_bench *b, const char *text, bool add_special, int32_t **ids, int *n, ffai_error *err) {
    size_t k = 0;
    ffai_status st = ffai_tokenizer_encode(b->tok, text, strlen(text), add_special, ids, &k, err);
    *n = (int)k;
    return st;
}

ffai_status bench_chat_encode(ffai_bench *b, const char *messages_json, const char *tools_json, int32_t **ids, int *n, ffai_error *err) {
    char *prompt = NULL;
    ffai_status st = ffai_chat_render(b->model_dir, messages_json, tools_json, true, NULL, &prompt, err);
    if (!st) st = bench_encode(b, prompt, false, ids, n, err);
    free(prompt);
    return st;
}

static char *g_filler;

ffai_status bench_filler(const ffai_bench_options *o, const char **text, ffai_error *err) {
    if (!g_filler) {
        char path[4096];
        snprintf(path, sizeof path, "%s/filler.txt", o->data_dir ? o->data_dir : "data");
        size_t len;
        ffai_status st = io_read_file(path, &g_filler, &len, err);
        if (st) {
            ffai_error_prefix(err, "bundled filler text (set FFAI_DATA_DIR)");
            return st;
        }
    }
    *text = g_filler;
    return FFAI_OK;
}

char *ffai_bench_row_summary(const ffai_bench_row *r) {
    char *s = malloc(1024);
    if (!s) return NULL;
    snprintf(s, 1024,
             "%s %s [%s] ctx %lld: prompt %lld tok, prefill %.2f tok/s, TTFT %.2f ms; generated %lld tok, decode %.2f tok/s, steady %s; "
             "memory baseline %.1f MB, peak %.1f MB, KV %.1f MB, weights %.1f MB%s",
             r->model, r->method, r->quantization ? r->quantization : "-", r->context_size, r->prompt_tokens, r->prefill_tps, r->ttft_ms,
             r->generated_tokens, r->decode_tps, isnan(r->steady_tps) ? "-" : "", r->baseline_bytes / 1048576.0, r->peak_bytes / 1048576.0,
             r->kv_used_bytes / 1048576.0, r->weights_bytes / 1048576.0, "");
    if (!isnan(r->steady_tps)) {
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s", s);
        char *p = strstr(tmp, "steady ");
        if (p) snprintf(s, 1024, "%.*ssteady %.2f tok/s%s", (int)(p - tmp), tmp, r->steady_tps, p + 7);
    }
    size_t l = strlen(s);
    if (!isnan(r->gen_ppl)) l += (size_t)snprintf(s + l, 1024 - l, "; gen PPL %.3f", r->gen_ppl);
    if (!isnan(r->gen_kld) && l < 1000) snprintf(s + l, 1024 - l, "; KLD %.4f", r->gen_kld);
    return s;
}
