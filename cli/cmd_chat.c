/* cmd_chat.c — `ffai chat`: an interactive multi-turn conversation on
 * stdin/stdout through the model's chat template; the KV cache is kept across
 * turns by a session, so each turn prefills only its new suffix. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "common.h"
#include "sampling.h"

typedef struct {
    ffai_detok_stream *ds;
} chat_stream;

static int on_token(void *user, int32_t tok, const float *logits) {
    (void)logits;
    chat_stream *s = user;
    const char *text;
    size_t len;
    if (ffai_detok_stream_push(s->ds, tok, &text, &len) == FFAI_OK && len) {
        fwrite(text, 1, len, stdout);
        fflush(stdout);
    }
    return 0;
}

/* Renders the conversation with the generation prompt and tokenizes it. */
static ffai_status render(const char *dir, const ffai_tokenizer *tok, json_t *msgs, int32_t **ids, int *n, ffai_error *err) {
    char *mj = json_dumps(msgs, JSON_COMPACT), *text = NULL;
    if (!mj) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return err->status = FFAI_ERR_NOMEM;
    }
    ffai_status st = ffai_chat_render(dir, mj, NULL, true, NULL, &text, err);
    free(mj);
    size_t k = 0;
    *ids = NULL;
    if (!st) st = ffai_tokenizer_encode(tok, text, strlen(text), false, ids, &k, err);
    *n = (int)k;
    free(text);
    return st;
}

/* Drops the oldest exchange after the system message (user + reply); 0 when nothing is left to drop. */
static int drop_oldest(json_t *msgs, int first) {
    if ((int)json_array_size(msgs) - first < 3) return 0; /* keep the newest user message */
    json_array_remove(msgs, (size_t)first);
    while ((int)json_array_size(msgs) - first > 1) {
        const char *role = json_string_value(json_object_get(json_array_get(msgs, (size_t)first), "role"));
        if (role && strcmp(role, "user") == 0) break;
        json_array_remove(msgs, (size_t)first);
    }
    return 1;
}

int cmd_chat(int argc, char **argv) {
    const char *model = NULL, *system = NULL;
    long max_tokens = 256, threads = 0, ctx = 4096;
    const char *precision = "f32", *kv_type = "f32";
    bool stats = false;
    cli_sampling smp;
    cli_sampling_default(&smp);
    const arg_spec base[] = {
        {"--model", ARG_STR, &model, "M", "model dir or hub id (default: the embedded ffai-tiny-qwen3)", NULL},
        {"--system", ARG_STR, &system, "TEXT", "a system message opening the conversation", NULL},
        {"--max-tokens", ARG_INT, &max_tokens, "N", "tokens per reply at most (default 256)", NULL},
        {"--ctx", ARG_INT, &ctx, "N", "context size; the oldest turns are dropped when it fills (default 4096)", NULL},
        {"--threads", ARG_INT, &threads, "N", "worker threads (default: all cores)", NULL},
        {"--precision", ARG_STR, &precision, "f32|bf16|int8", CLI_PRECISION_HELP, NULL},
        {"--kv-type", ARG_STR, &kv_type, "f32|f16", CLI_KV_HELP, NULL},
        {"--stats", ARG_FLAG, &stats, NULL, "per turn on stderr: reused/new prompt tokens, TTFT, prefill and decode speed", NULL},
    };
    arg_spec specs[sizeof base / sizeof base[0] + CLI_SAMPLING_SPECS];
    int ns = (int)(sizeof base / sizeof base[0]);
    memcpy(specs, base, sizeof base);
    ns += cli_sampling_specs(&smp, specs + ns);
    arg_parser p = {"ffai chat", "[--model M] [--system TEXT] [options]   (one user message per line; /exit or EOF ends)", specs, ns, NULL, NULL};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc) return rc == 1 ? 0 : 2;
    if (max_tokens < 1 || max_tokens > 1 << 20) {
        fprintf(stderr, "ffai chat: --max-tokens must be in 1..1048576\n");
        return 2;
    }
    ffai_model *m = NULL;
    ffai_tokenizer *tok = NULL;
    ffai_model_options mopt;
    if (cli_model_options("chat", (int)threads, precision, kv_type, &mopt)) return 2;
    if (cli_load("chat", cli_model_arg(model), &mopt, &m, &tok)) return 1;
    ffai_model_info info;
    ffai_model_get_info(m, &info);
    if (ctx <= 0) ctx = 4096;
    if (ctx > info.max_pos) ctx = info.max_pos;
    if (max_tokens >= ctx) max_tokens = ctx / 2;
    int ret = 1;
    ffai_error err;
    ffai_session *s = NULL;
    json_t *msgs = json_array();
    int32_t *out = malloc(sizeof *out * (size_t)max_tokens), stop[16];
    char *line = NULL;
    size_t cap = 0;
    if (!msgs || !out) {
        fprintf(stderr, "ffai chat: out of memory\n");
        goto done;
    }
    if (ffai_session_create(m, (int)ctx, &s, &err)) {
        cli_error("chat", &err);
        goto done;
    }
    int first = 0; /* index of the first message that may be dropped */
    if (system) {
        json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", system));
        first = 1;
    }
    ffai_gen_params gp;
    ffai_gen_params_default(&gp);
    gp.max_tokens = (int)max_tokens;
    cli_sampling_apply(&smp, &gp);
    gp.n_stop = cli_stop_ids(m, tok, stop, 16);
    gp.stop_ids = stop;
    bool tty = isatty(0);
    for (int turn = 1;; turn++) {
        if (tty) fputs("> ", stdout), fflush(stdout);
        ssize_t len = getline(&line, &cap, stdin);
        if (len < 0) break;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (strcmp(line, "/exit") == 0) break;
        if (len == 0) {
            turn--;
            continue;
        }
        json_array_append_new(msgs, json_pack("{s:s,s:s%}", "role", "user", "content", line, (size_t)len));
        int32_t *ids = NULL;
        int n = 0, dropped = 0;
        ffai_status st;
        json_t *trial = json_copy(msgs); /* old exchanges are dropped only if the new message then fits */
        while (!(st = render(info.dir, tok, trial, &ids, &n, &err)) && n + max_tokens > ctx && drop_oldest(trial, first)) {
            free(ids);
            ids = NULL;
            dropped++;
        }
        if (!st && n + max_tokens <= ctx) {
            json_decref(msgs);
            msgs = trial;
        } else
            json_decref(trial);
        if (!st && n + max_tokens > ctx) {
            st = err.status = FFAI_ERR_RANGE;
            snprintf(err.msg, sizeof err.msg, "the message (%d tokens) + --max-tokens %ld do not fit the context %ld — raise --ctx or shorten it", n,
                     max_tokens, ctx);
        }
        if (st) {
            cli_error("chat", &err);
            free(ids);
            json_array_remove(msgs, json_array_size(msgs) - 1);
            turn--;
            continue;
        }
        if (dropped && stats) fprintf(stderr, "[context full: dropped the %d oldest exchange%s]\n", dropped, dropped > 1 ? "s" : "");
        chat_stream cs = {NULL};
        ffai_gen_stats gs;
        memset(&gs, 0, sizeof gs);
        int reused = 0;
        if (ffai_detok_stream_create(tok, true, &cs.ds, &err) ||
            ffai_session_generate(s, ids, n, &gp, on_token, &cs, out, &gs, &reused, &err)) {
            cli_error("chat", &err);
            ffai_detok_stream_free(cs.ds);
            free(ids);
            goto done;
        }
        free(ids);
        const char *tail;
        size_t tl;
        if (ffai_detok_stream_flush(cs.ds, &tail, &tl) == FFAI_OK && tl) fwrite(tail, 1, tl, stdout);
        ffai_detok_stream_free(cs.ds);
        putchar('\n');
        fflush(stdout);
        char *reply = NULL;
        size_t rl = 0;
        if (ffai_tokenizer_decode(tok, out, (size_t)gs.generated, true, &reply, &rl, &err)) {
            cli_error("chat", &err);
            goto done;
        }
        json_array_append_new(msgs, json_pack("{s:s,s:s%}", "role", "assistant", "content", reply, rl));
        free(reply);
        if (stats) {
            double pf = gs.prefill_s > 0 ? gs.prompt_tokens / gs.prefill_s : 0, dc = gs.decode_s > 0 ? (gs.generated - 1) / gs.decode_s : 0;
            fprintf(stderr, "[turn %d: prompt %d tokens (%d reused, %d new), TTFT %.2f ms, prefill %.2f tok/s; generated %d tokens, decode %.2f tok/s]\n",
                    turn, n, reused, gs.prompt_tokens, gs.prefill_s * 1e3, pf, gs.generated, dc);
        }
    }
    ret = 0;
done:
    free(line);
    free(out);
    json_decref(msgs);
    ffai_session_free(s);
    ffai_tokenizer_free(tok);
    ffai_model_free(m);
    return ret;
}
