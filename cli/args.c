/* args.c — flag parsing and help for the ffai subcommands. */
#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    int d[65][65];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            int x = d[i - 1][j] + 1, y = d[i][j - 1] + 1;
            d[i][j] = c < x ? (c < y ? c : y) : (x < y ? x : y);
        }
    return d[la][lb];
}

const char *args_closest(const char *word, const char *const *candidates, int n) {
    const char *best = NULL;
    int best_d = 1 << 30;
    for (int i = 0; i < n; i++) {
        int d = edit_distance(word, candidates[i]);
        if (d < best_d) best_d = d, best = candidates[i];
    }
    size_t len = strlen(word);
    int limit = len < 6 ? 2 : (int)(len / 2);
    if (best && best_d <= limit) return best;
    /* a prefix match also counts ("--max" -> "--max-tokens") */
    for (int i = 0; i < n; i++)
        if (len >= 3 && strncmp(candidates[i], word, len) == 0) return candidates[i];
    return NULL;
}

void args_usage(const arg_parser *p) {
    printf("Usage: %s %s\n\nOptions:\n", p->command, p->synopsis ? p->synopsis : "[options]");
    for (int i = 0; i < p->n_specs; i++) {
        const arg_spec *s = &p->specs[i];
        char left[96];
        snprintf(left, sizeof left, "%s%s%s", s->name, s->metavar ? " " : "", s->metavar ? s->metavar : "");
        printf("  %-32s %s\n", left, s->help ? s->help : "");
    }
    printf("  %-32s %s\n", "--help", "show this help and exit");
}

static int set_value(const arg_parser *p, const arg_spec *s, const char *v) {
    char *end = NULL;
    errno = 0;
    switch (s->kind) {
    case ARG_STR: *(const char **)s->dest = v; return 0;
    case ARG_INT: {
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end) {
            fprintf(stderr, "%s: %s expects an integer, got '%s'\n", p->command, s->name, v);
            return 2;
        }
        *(long *)s->dest = x;
        return 0;
    }
    case ARG_DOUBLE: {
        double x = strtod(v, &end);
        if (errno || end == v || *end) {
            fprintf(stderr, "%s: %s expects a number, got '%s'\n", p->command, s->name, v);
            return 2;
        }
        *(double *)s->dest = x;
        return 0;
    }
    case ARG_MULTI: {
        arg_multi *m = s->dest;
        if (m->n >= 64) {
            fprintf(stderr, "%s: too many %s values (at most 64)\n", p->command, s->name);
            return 2;
        }
        m->values[m->n++] = v;
        return 0;
    }
    case ARG_FLAG: break;
    }
    return 0;
}

int args_parse(const arg_parser *p, int argc, char **argv, int first) {
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            args_usage(p);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            if (p->positional && !*p->positional) {
                *p->positional = a;
                continue;
            }
            fprintf(stderr, "%s: unexpected argument '%s' (see %s --help)\n", p->command, a, p->command);
            return 2;
        }
        char name[128];
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name) nl = sizeof name - 1;
        memcpy(name, a, nl);
        name[nl] = '\0';
        const arg_spec *s = NULL;
        for (int k = 0; k < p->n_specs; k++)
            if (strcmp(p->specs[k].name, name) == 0) s = &p->specs[k];
        if (!s) {
            const char *names[128];
            int n = 0;
            for (int k = 0; k < p->n_specs && n < 127; k++) names[n++] = p->specs[k].name;
            names[n++] = "--help";
            const char *close = args_closest(name, names, n);
            if (close)
                fprintf(stderr, "%s: unknown flag '%s' (did you mean '%s'?)\n", p->command, name, close);
            else
                fprintf(stderr, "%s: unknown flag '%s' (see %s --help)\n", p->command, name, p->command);
            return 2;
        }
        if (s->seen) *s->seen = true;
        if (s->kind == ARG_FLAG) {
            if (eq) {
                fprintf(stderr, "%s: %s takes no value\n", p->command, s->name);
                return 2;
            }
            *(bool *)s->dest = true;
            continue;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: %s needs a value (%s)\n", p->command, s->name, s->metavar ? s->metavar : "VALUE");
                return 2;
            }
            v = argv[++i];
        }
        int rc = set_value(p, s, v);
        if (rc) return rc;
    }
    return 0;
}

int args_parse_int_list(const char *s, long *out, int max) {
    int n = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == '[') p++;
        if (!*p || *p == ']') break;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno) return -1;
        if (n >= max) return -1;
        out[n++] = v;
        p = end;
        while (*p == ' ' || *p == ']') p++;
        if (*p == ',') p++;
        else if (*p) return -1;
    }
    return n;
}
