/* cmd_generate.c — `ffai generate`: stream a continuation of a prompt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "chat_prompt.h"
#include "commands.h"
#include "common.h"
#include "sampling.h"

typedef struct {
    ffai_detok_stream *ds;
    bool print_text;
} stream_state;

static int on_token(void *user, int32_t tok, const float *logits) {
    (void)logits;
    stream_state *s = user;
    if (!s->print_text) return 0;
    const char *text;
    size_t len;
    if (ffai_detok_stream_push(s->ds, tok, &text, &len) == FFAI_OK && len) {
        fwrite(text, 1, len, stdout);
        fflush(stdout);
    }
    return 0;
}

int cmd_generate(int argc, char **argv) {
    const char *model = NULL, *prompt = NULL, *prompt_ids = NULL, *system = NULL;
    long max_tokens = 64, threads = 0, ctx = 0;
    const char *precision = "f32", *kv_type = "f32";
    bool print_ids = false, chat = false, stats = false, no_special = false;
    cli_sampling smp;
    cli_sampling_default(&smp);
    const arg_spec base[] = {
        {"--model", ARG_STR, &model, "M", "model dir or hub id (default: the embedded ffai-tiny-qwen3)", NULL},
        {"--prompt", ARG_STR, &prompt, "TEXT", "prompt text (default: \"Once upon a time\")", NULL},
        {"--prompt-ids", ARG_STR, &prompt_ids, "1,2,3", "prompt as token ids instead of text", NULL},
        {"--chat", ARG_FLAG, &chat, NULL, "wrap the prompt with the model's chat template (user turn + generation prompt)", NULL},
        {"--system", ARG_STR, &system, "TEXT", "with --chat: a system message", NULL},
        {"--no-special", ARG_FLAG, &no_special, NULL, "do not add the tokenizer's BOS/EOS to a text prompt", NULL},
        {"--max-tokens", ARG_INT, &max_tokens, "N", "tokens to generate at most (default 64)", NULL},
        {"--ctx", ARG_INT, &ctx, "N", "context size (default: prompt + max tokens)", NULL},
        {"--threads", ARG_INT, &threads, "N", "worker threads (default: all cores)", NULL},
        {"--precision", ARG_STR, &precision, "f32|bf16|int8", CLI_PRECISION_HELP, NULL},
        {"--kv-type", ARG_STR, &kv_type, "f32|f16", CLI_KV_HELP, NULL},
        {"--print-ids", ARG_FLAG, &print_ids, NULL, "print the generated ids as one JSON array line instead of text", NULL},
        {"--stats", ARG_FLAG, &stats, NULL, "print prefill/decode speed on stderr at the end", NULL},
    };
    arg_spec specs[sizeof base / sizeof base[0] + CLI_SAMPLING_SPECS];
    int ns = (int)(sizeof base / sizeof base[0]);
    memcpy(specs, base, sizeof base);
    ns += cli_sampling_specs(&smp, specs + ns);
    arg_parser p = {"ffai generate", "[--model M] (--prompt TEXT | --prompt-ids 1,2,3) [options]", specs, ns, NULL, NULL};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc) return rc == 1 ? 0 : 2;
    if (prompt && prompt_ids) {
        fprintf(stderr, "ffai generate: give --prompt or --prompt-ids, not both\n");
        return 2;
    }
    if (max_tokens < 0 || max_tokens > 1 << 20) {
        fprintf(stderr, "ffai generate: --max-tokens must be in 0..1048576\n");
        return 2;
    }
    if (!prompt && !prompt_ids) prompt = "Once upon a time";
    ffai_model *m = NULL;
    ffai_tokenizer *tok = NULL;
    ffai_model_options mopt;
    if (cli_model_options("generate", (int)threads, precision, kv_type, &mopt)) return 2;
    if (cli_load("generate", cli_model_arg(model), &mopt, &m, &tok)) return 1;
    int ret = 1;
    int32_t *ids = NULL, *out = NULL;
    char *wrapped = NULL;
    ffai_context *c = NULL;
    ffai_detok_stream *ds = NULL;
    ffai_error err;
    int n;
    if (prompt_ids) n = cli_parse_ids("generate", "--prompt-ids", prompt_ids, &ids);
    else if (chat) {
        if (chat_prompt_single(cli_model_arg(model), tok, system, prompt, &wrapped, &err)) {
            cli_error("generate", &err);
            goto done;
        }
        n = cli_encode("generate", tok, wrapped, 0, &ids);
    } else
        n = cli_encode("generate", tok, prompt, !no_special, &ids);
    if (n <= 0) {
        if (n == 0) fprintf(stderr, "ffai generate: the prompt encodes to no tokens\n");
        goto done;
    }
    ffai_model_info info;
    ffai_model_get_info(m, &info);
    int want = ctx > 0 ? (int)ctx : n + (int)max_tokens;
    if (want > info.max_pos) want = info.max_pos;
    if (ffai_context_create(m, want, &c, &err) || ffai_detok_stream_create(tok, true, &ds, &err)) {
        cli_error("generate", &err);
        goto done;
    }
    int32_t stop[16];
    ffai_gen_params gp;
    ffai_gen_params_default(&gp);
    gp.max_tokens = (int)max_tokens;
    cli_sampling_apply(&smp, &gp);
    gp.n_stop = cli_stop_ids(m, tok, stop, 16);
    gp.stop_ids = stop;
    out = malloc(sizeof *out * (size_t)(max_tokens > 0 ? max_tokens : 1));
    stream_state ss = {ds, !print_ids};
    ffai_gen_stats st;
    memset(&st, 0, sizeof st);
    if (!out || ffai_generate(c, ids, n, &gp, on_token, &ss, out, &st, &err)) {
        if (!out) fprintf(stderr, "ffai generate: out of memory\n");
        else cli_error("generate", &err);
        goto done;
    }
    if (print_ids) {
        putchar('[');
        for (int i = 0; i < st.generated; i++) printf(i ? ",%d" : "%d", out[i]);
        printf("]\n");
    } else {
        const char *text;
        size_t len;
        if (ffai_detok_stream_flush(ds, &text, &len) == FFAI_OK && len) fwrite(text, 1, len, stdout);
        putchar('\n');
    }
    fflush(stdout);
    if (stats) {
        double pf = st.prefill_s > 0 ? st.prompt_tokens / st.prefill_s : 0, dc = st.decode_s > 0 ? (st.generated - 1) / st.decode_s : 0;
        fprintf(stderr, "prompt %d tokens, prefill %.2f tok/s, TTFT %.2f ms; generated %d tokens, decode %.2f tok/s (%s, %d threads, %s precision, %s KV cache)\n",
                st.prompt_tokens, pf, st.prefill_s * 1e3, st.generated, dc, info.kernels, info.n_threads, info.precision, info.kv_type);
    }
    ret = 0;
done:
    ffai_detok_stream_free(ds);
    ffai_context_free(c);
    free(out);
    free(ids);
    free(wrapped);
    ffai_tokenizer_free(tok);
    ffai_model_free(m);
    return ret;
}
