/* cmd_detokenize.c — `ffai detokenize`: print the text of token ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "ffai/tokenizer.h"
#include "common.h"

int cmd_detokenize(int argc, char **argv) {
    const char *model = NULL, *ids_arg = NULL;
    bool skip_special = false, raw = false;
    const arg_spec specs[] = {
        {"--model", ARG_STR, &model, "DIR", "model or tokenizer dir (tokenizer.json); default $FFAI_MODEL, else the embedded model", NULL},
        {"--ids", ARG_STR, &ids_arg, "IDS", "token ids: 1,2,3 or [1, 2, 3]", NULL},
        {"--skip-special", ARG_FLAG, &skip_special, NULL, "drop special tokens (HF skip_special_tokens=True)", NULL},
        {"--raw", ARG_FLAG, &raw, NULL, "print the text exactly, without the trailing newline", NULL},
    };
    const arg_parser p = {"ffai detokenize", "--ids IDS [--model DIR] [--skip-special] [--raw]\n\n"
                          "Prints the decoded text followed by a newline (none with --raw).",
                          specs, (int)(sizeof specs / sizeof specs[0]), NULL, NULL};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc) return rc == 1 ? 0 : 2;
    if (!ids_arg) {
        fprintf(stderr, "ffai detokenize: --ids is required (see ffai detokenize --help)\n");
        return 2;
    }
    size_t max = 1;
    for (const char *c = ids_arg; *c; c++) max += *c == ',';
    long *vals = malloc(max * sizeof *vals);
    int32_t *ids = malloc(max * sizeof *ids);
    int n = vals && ids ? args_parse_int_list(ids_arg, vals, (int)max) : -1;
    if (n < 0) {
        fprintf(stderr, "ffai detokenize: --ids: expected comma-separated integers, got '%s'\n", ids_arg);
        free(vals);
        free(ids);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        if (vals[i] < 0 || vals[i] > INT32_MAX) {
            fprintf(stderr, "ffai detokenize: --ids: %ld is not a token id\n", vals[i]);
            free(vals);
            free(ids);
            return 2;
        }
        ids[i] = (int32_t)vals[i];
    }
    free(vals);
    ffai_tokenizer *tok = NULL;
    ffai_error err;
    char *text = NULL;
    size_t len = 0;
    rc = 0;
    if (ffai_tokenizer_load(cli_model_arg(model), &tok, &err) != FFAI_OK ||
        ffai_tokenizer_decode(tok, ids, (size_t)n, skip_special, &text, &len, &err) != FFAI_OK) {
        fprintf(stderr, "ffai detokenize: %s\n", err.msg);
        rc = 1;
    } else {
        fwrite(text, 1, len, stdout);
        if (!raw) putchar('\n');
        if (fflush(stdout) != 0) rc = 1;
    }
    free(text);
    free(ids);
    ffai_tokenizer_free(tok);
    return rc;
}
