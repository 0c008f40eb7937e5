/* pattern.h — the `pattern` of Split / Replace: a literal string or a PCRE2 regex (UTF + UCP,
 * JIT when available), with a find-next primitive over a byte range. */
#ifndef FFAI_TOKENIZER_PATTERN_H
#define FFAI_TOKENIZER_PATTERN_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

#include "ffai/status.h"

typedef struct {
    bool is_regex;
    char *lit; /* literal: owned copy */
    size_t lit_len;
    pcre2_code *re; /* regex: owned */
    bool jit;
} tok_pattern;

/* Compiles a regex (is_regex) or copies a literal. `what` names it in errors. */
ffai_status tok_pattern_init(tok_pattern *p, bool is_regex, const char *src, size_t len, const char *what,
                             ffai_error *err);
void tok_pattern_free(tok_pattern *p);

/* Match data big enough for any tok_pattern (whole-match offsets only). */
pcre2_match_data *tok_pattern_md_create(void);

/* Finds the first non-empty match in s[from..n); true with [*ms, *me) when found. `md` is
 * scratch from tok_pattern_md_create (may be NULL for literals). s must be valid UTF-8.
 * Returns false (no match) on a regex runtime error, with *failed set when non-NULL. */
bool tok_pattern_find(const tok_pattern *p, const char *s, size_t n, size_t from, size_t *ms, size_t *me,
                      pcre2_match_data *md, bool *failed);

#endif
