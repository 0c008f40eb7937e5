/* cmd_logits.c — `ffai logits`: write little-endian float32 logits
 * [positions, vocab] for a prompt (all positions or the last K). */
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "commands.h"
#include "common.h"

int cmd_logits(int argc, char **argv) {
    const char *model = NULL, *ids_s = NULL, *prompt = NULL, *out = NULL;
    long last = 0, threads = 0;
    const char *precision = "f32", *kv_type = "f32";
    bool no_special = false;
    arg_spec specs[] = {
        {"--model", ARG_STR, &model, "M", "model dir or hub id (default: the embedded ffai-tiny-qwen3)", NULL},
        {"--ids", ARG_STR, &ids_s, "1,2,3", "token ids to run", NULL},
        {"--prompt", ARG_STR, &prompt, "TEXT", "text to tokenize and run (BOS added as the tokenizer does)", NULL},
        {"--no-special", ARG_FLAG, &no_special, NULL, "with --prompt: do not add BOS/EOS", NULL},
        {"--out", ARG_STR, &out, "FILE", "output file (required): float32 little-endian [positions, vocab]", NULL},
        {"--last", ARG_INT, &last, "K", "only the last K positions (default: all)", NULL},
        {"--threads", ARG_INT, &threads, "N", "worker threads (default: all cores)", NULL},
        {"--precision", ARG_STR, &precision, "f32|bf16|int8", CLI_PRECISION_HELP, NULL},
        {"--kv-type", ARG_STR, &kv_type, "f32|f16", CLI_KV_HELP, NULL},
    };
    arg_parser p = {"ffai logits", "--out FILE (--ids 1,2,3 | --prompt TEXT) [options]", specs, (int)(sizeof specs / sizeof specs[0]), NULL, NULL};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc) return rc == 1 ? 0 : 2;
    if (!out || (!ids_s == !prompt)) {
        fprintf(stderr, "ffai logits: need --out FILE and exactly one of --ids or --prompt\n");
        return 2;
    }
    ffai_model *m = NULL;
    ffai_tokenizer *tok = NULL;
    ffai_model_options mopt;
    if (cli_model_options("logits", (int)threads, precision, kv_type, &mopt)) return 2;
    if (cli_load("logits", cli_model_arg(model), &mopt, &m, prompt ? &tok : NULL)) return 1;
    int32_t *ids = NULL;
    int n = ids_s ? cli_parse_ids("logits", "--ids", ids_s, &ids) : cli_encode("logits", tok, prompt, !no_special, &ids);
    int ret = 1;
    float *logits = NULL;
    ffai_context *c = NULL;
    ffai_error err;
    FILE *f = NULL;
    if (n <= 0) {
        if (n == 0) fprintf(stderr, "ffai logits: no tokens to run\n");
        goto done;
    }
    ffai_model_info info;
    ffai_model_get_info(m, &info);
    if (last <= 0 || last > n) last = n;
    logits = malloc((size_t)n * info.vocab_size * sizeof(float));
    if (!logits) {
        fprintf(stderr, "ffai logits: out of memory for %d x %d logits\n", n, info.vocab_size);
        goto done;
    }
    if (ffai_context_create(m, n, &c, &err) || ffai_context_eval(c, ids, n, FFAI_LOGITS_ALL, logits, &err)) {
        cli_error("logits", &err);
        goto done;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    f = fopen(tmp, "wb");
    if (!f) {
        perror("ffai logits: cannot write output");
        goto done;
    }
    size_t cnt = (size_t)last * info.vocab_size;
    if (fwrite(logits + (size_t)(n - last) * info.vocab_size, sizeof(float), cnt, f) != cnt || fclose(f) != 0) {
        f = NULL;
        remove(tmp);
        fprintf(stderr, "ffai logits: write to %s failed\n", out);
        goto done;
    }
    f = NULL;
    if (rename(tmp, out) != 0) {
        remove(tmp);
        perror("ffai logits: rename");
        goto done;
    }
    fprintf(stderr, "ffai logits: wrote %ld x %d float32 to %s\n", last, info.vocab_size, out);
    ret = 0;
done:
    if (f) fclose(f);
    ffai_context_free(c);
    free(logits);
    free(ids);
    ffai_tokenizer_free(tok);
    ffai_model_free(m);
    return ret;
}
