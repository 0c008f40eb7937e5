/* cmd_tokenize.c — `ffai tokenize`: print the token ids of a text as a compact JSON array. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "ffai/tokenizer.h"
#include "common.h"

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) free(b);
            b = nb;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

static int print_ids(const ffai_tokenizer *tok, const char *text, size_t len, bool add_special, const char *where) {
    int32_t *ids;
    size_t n;
    ffai_error err;
    if (ffai_tokenizer_encode(tok, text, len, add_special, &ids, &n, &err) != FFAI_OK) {
        fprintf(stderr, "ffai tokenize: %s%s\n", where, err.msg);
        return 1;
    }
    putchar('[');
    for (size_t i = 0; i < n; i++) printf(i ? ",%d" : "%d", ids[i]);
    fputs("]\n", stdout);
    free(ids);
    return 0;
}

static int run_jsonl(const ffai_tokenizer *tok, const char *path, bool add_special) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    int rc = 0;
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = '\0';
        json_error_t je;
        json_t *s = json_loadb(line, (size_t)got, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!s || !json_is_string(s)) {
            fprintf(stderr, "ffai tokenize: %s:%ld: expected a JSON string per line%s%s\n", path, lineno,
                    s ? "" : ": ", s ? "" : je.text);
            rc = 1;
        } else {
            char where[64];
            snprintf(where, sizeof where, "line %ld: ", lineno);
            rc = print_ids(tok, json_string_value(s), json_string_length(s), add_special, where);
        }
        json_decref(s);
    }
    free(line);
    fclose(f);
    return rc;
}

int cmd_tokenize(int argc, char **argv) {
    const char *model = NULL, *text = NULL, *file = NULL, *jsonl = NULL;
    bool no_special = false;
    const arg_spec specs[] = {
        {"--model", ARG_STR, &model, "DIR", "model or tokenizer dir (tokenizer.json); default $FFAI_MODEL, else the embedded model", NULL},
        {"--text", ARG_STR, &text, "TEXT", "text to tokenize", NULL},
        {"--file", ARG_STR, &file, "FILE", "tokenize the whole content of FILE (UTF-8)", NULL},
        {"--jsonl", ARG_STR, &jsonl, "FILE", "batch: each line of FILE is a JSON string; one id array per line", NULL},
        {"--no-special", ARG_FLAG, &no_special, NULL, "do not add BOS/EOS (HF add_special_tokens=False)", NULL},
    };
    const arg_parser p = {"ffai tokenize",
                          "(--text TEXT | --file FILE | --jsonl FILE) [--model DIR] [--no-special]\n\n"
                          "Prints the ids as one compact JSON array per input, e.g. [9707,1879], followed by a newline.\n"
                          "Added tokens in the text (e.g. <|im_start|>) are matched as HF does; the input must be UTF-8.",
                          specs, (int)(sizeof specs / sizeof specs[0]), NULL, NULL};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc) return rc == 1 ? 0 : 2;
    if ((text != NULL) + (file != NULL) + (jsonl != NULL) != 1) {
        fprintf(stderr, "ffai tokenize: give exactly one of --text, --file, --jsonl (see ffai tokenize --help)\n");
        return 2;
    }
    const char *dir = cli_model_arg(model);
    ffai_tokenizer *tok = NULL;
    ffai_error err;
    if (ffai_tokenizer_load(dir, &tok, &err) != FFAI_OK) {
        fprintf(stderr, "ffai tokenize: %s\n", err.msg);
        return 1;
    }
    if (text) {
        rc = print_ids(tok, text, strlen(text), !no_special, "");
    } else if (file) {
        size_t len;
        char *buf = read_file(file, &len);
        if (!buf) {
            perror(file);
            rc = 1;
        } else {
            rc = print_ids(tok, buf, len, !no_special, "");
            free(buf);
        }
    } else {
        rc = run_jsonl(tok, jsonl, !no_special);
    }
    ffai_tokenizer_free(tok);
    if (fflush(stdout) != 0) rc = 1;
    return rc;
}
