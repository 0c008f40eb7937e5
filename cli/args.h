/* args.h — declarative command-line flags for the ffai subcommands: parsing,
 * --help generation, and "did you mean" suggestions for unknown flags. */
#ifndef FFAI_CLI_ARGS_H
#define FFAI_CLI_ARGS_H

#include <stdbool.h>

typedef enum {
    ARG_STR,    /* const char ** : the value as given */
    ARG_INT,    /* long *        : decimal integer */
    ARG_DOUBLE, /* double *      : decimal number */
    ARG_FLAG,   /* bool *        : present = true, takes no value */
    ARG_MULTI,  /* arg_multi *   : repeatable string flag, values collected */
} arg_kind;

typedef struct {
    const char *values[64];
    int n;
} arg_multi;

typedef struct {
    const char *name;     /* "--max-tokens" */
    arg_kind kind;
    void *dest;           /* typed as above; holds the default on entry */
    const char *metavar;  /* "N", "PATH" (NULL for flags) */
    const char *help;     /* one line, ends with the default when there is one */
    bool *seen;           /* optional: set true when the flag was given */
} arg_spec;

typedef struct {
    const char *command;  /* "ffai bench" */
    const char *synopsis; /* one line shown under Usage */
    const arg_spec *specs;
    int n_specs;
    const char **positional; /* optional: receives one positional argument */
    const char *positional_name;
} arg_parser;

/* Parses argv[first..argc). Returns 0 on success, 1 when --help was printed
 * (caller exits 0), 2 on a usage error (already printed to stderr). */
int args_parse(const arg_parser *p, int argc, char **argv, int first);

/* Prints the usage text of p to stdout. */
void args_usage(const arg_parser *p);

/* The candidate closest to `word` by edit distance, or NULL if none is close. */
const char *args_closest(const char *word, const char *const *candidates, int n);

/* Parses "1,2,3" into out (up to max). Returns the count, or -1 on a bad element. */
int args_parse_int_list(const char *s, long *out, int max);

#endif
