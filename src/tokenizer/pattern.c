/* pattern.c — literal / PCRE2 patterns for Split and Replace. */
#define _GNU_SOURCE /* memmem */
#include "tokenizer/pattern.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tokenizer/utf8.h"

ffai_status tok_pattern_init(tok_pattern *p, bool is_regex, const char *src, size_t len, const char *what,
                             ffai_error *err) {
    memset(p, 0, sizeof *p);
    p->is_regex = is_regex;
    if (!is_regex) {
        p->lit = malloc(len + 1);
        if (!p->lit) return ffai_fail(err, FFAI_ERR_NOMEM, "%s: out of memory", what);
        memcpy(p->lit, src, len);
        p->lit[len] = '\0';
        p->lit_len = len;
        return FFAI_OK;
    }
    int ec;
    PCRE2_SIZE eo;
    p->re = pcre2_compile((PCRE2_SPTR)src, len, PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
    if (!p->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return ffai_fail(err, FFAI_ERR_UNSUPPORTED, "%s: regex '%.*s' does not compile at offset %zu: %s", what,
                         (int)(len > 200 ? 200 : len), src, (size_t)eo, (const char *)msg);
    }
    p->jit = pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE) == 0;
    return FFAI_OK;
}

void tok_pattern_free(tok_pattern *p) {
    if (!p) return;
    free(p->lit);
    if (p->re) pcre2_code_free(p->re);
    memset(p, 0, sizeof *p);
}

pcre2_match_data *tok_pattern_md_create(void) { return pcre2_match_data_create(1, NULL); }

static const char *find_lit(const char *h, size_t hn, const char *nd, size_t nn) {
    if (nn == 0 || hn < nn) return NULL;
    if (nn == 1) return memchr(h, nd[0], hn);
    return memmem(h, hn, nd, nn);
}

bool tok_pattern_find(const tok_pattern *p, const char *s, size_t n, size_t from, size_t *ms, size_t *me,
                      pcre2_match_data *md, bool *failed) {
    if (from >= n) return false;
    if (!p->is_regex) {
        const char *f = find_lit(s + from, n - from, p->lit, p->lit_len);
        if (!f) return false;
        *ms = (size_t)(f - s);
        *me = *ms + p->lit_len;
        return true;
    }
    size_t at = from;
    while (at < n) {
        int rc = -1;
        if (p->jit) rc = pcre2_jit_match(p->re, (PCRE2_SPTR)s, n, at, PCRE2_NO_UTF_CHECK, md, NULL);
        if (!p->jit || rc == PCRE2_ERROR_JIT_STACKLIMIT)
            rc = pcre2_match(p->re, (PCRE2_SPTR)s, n, at, PCRE2_NO_UTF_CHECK, md, NULL);
        if (rc == PCRE2_ERROR_NOMATCH) return false;
        if (rc < 0) {
            if (failed) *failed = true;
            return false;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (ov[1] > ov[0]) {
            *ms = ov[0];
            *me = ov[1];
            return true;
        }
        /* empty match: step one character and search again */
        at = ov[0] + tok_utf8_len((unsigned char)s[ov[0] < n ? ov[0] : n - 1]);
        if (ov[0] >= n) return false;
    }
    return false;
}
