/* jinja_lex.c — Jinja tokenizer: template data, tags with whitespace control (-, +),
 * trim_blocks + lstrip_blocks as HF configures them, comments, raw blocks, and tag tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/jinja.h"
#include "core/error.h"

typedef struct {
    jarena *a;
    const char *s; /* normalized source */
    size_t n, pos;
    jtok *toks;
    size_t ntok, cap;
    /* incremental line/column tracking */
    size_t lc_off;
    int lc_line, lc_col; /* column in code points, 1-based */
    ffai_error *err;
    bool failed;
} lexer;

static void linecol(lexer *L, size_t off, int *line, int *col) {
    if (off < L->lc_off) { /* restart (rare: errors reported behind the scan position) */
        L->lc_off = 0;
        L->lc_line = 1;
        L->lc_col = 1;
    }
    for (size_t i = L->lc_off; i < off && i < L->n; i++) {
        if (L->s[i] == '\n') {
            L->lc_line++;
            L->lc_col = 1;
        } else if (((unsigned char)L->s[i] & 0xC0) != 0x80) L->lc_col++;
    }
    L->lc_off = off;
    *line = L->lc_line;
    *col = L->lc_col;
}

static bool lfail(lexer *L, size_t off, const char *msg) {
    if (!L->failed) {
        int line, col;
        linecol(L, off, &line, &col);
        ffai_fail(L->err, FFAI_ERR_FORMAT, "line %d, column %d: %s", line, col, msg);
    }
    L->failed = true;
    return false;
}

static jtok *push(lexer *L, int kind, size_t off, const char *p, size_t n) {
    if (L->ntok == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 256;
        jtok *nt = ja_alloc(L->a, cap * sizeof(jtok));
        if (!nt) {
            lfail(L, off, "out of memory");
            return NULL;
        }
        if (L->ntok) memcpy(nt, L->toks, L->ntok * sizeof(jtok));
        L->toks = nt;
        L->cap = cap;
    }
    jtok *t = &L->toks[L->ntok++];
    memset(t, 0, sizeof *t);
    t->kind = (uint8_t)kind;
    t->p = p;
    t->n = n;
    linecol(L, off, &t->line, &t->col);
    return t;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool starts(lexer *L, size_t at, const char *lit) {
    size_t k = strlen(lit);
    return at + k <= L->n && memcmp(L->s + at, lit, k) == 0;
}
static size_t skip_ws(lexer *L, size_t at) {
    while (at < L->n && is_ws(L->s[at])) at++;
    return at;
}

/* Emits template data s[from, to) after the whitespace control of the tag that follows it. */
static void emit_data(lexer *L, size_t from, size_t to, char sign, bool lstrip, bool line_starting) {
    if (sign == '-') {
        while (to > from && is_ws(L->s[to - 1])) to--;
    } else if (sign != '+' && lstrip) {
        size_t l = to;
        while (l > from && L->s[l - 1] != '\n') l--;
        if ((l > from || line_starting) && l < to) {
            bool allws = true;
            for (size_t i = l; i < to; i++)
                if (!is_ws(L->s[i])) allws = false;
            if (allws) to = l;
        }
    }
    if (to > from) push(L, T_DATA, from, L->s + from, to - from);
}

/* Appends code point cp as UTF-8. */
static size_t put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Lexes a string literal at pos (the quote); Python unicode-escape decoding of the body. */
static bool lex_string(lexer *L, size_t *pos) {
    size_t start = *pos, i = start + 1;
    char q = L->s[start];
    while (i < L->n && L->s[i] != q) {
        if (L->s[i] == '\\') i++;
        i++;
    }
    if (i >= L->n) return lfail(L, start, "unexpected end of string literal");
    size_t end = i;
    char *o = ja_alloc(L->a, end - start + 1);
    if (!o) return lfail(L, start, "out of memory");
    size_t k = 0;
    for (i = start + 1; i < end; i++) {
        char ch = L->s[i];
        if (ch != '\\') {
            o[k++] = ch;
            continue;
        }
        char e = L->s[++i];
        switch (e) {
        case '\n': break;
        case '\\': o[k++] = '\\'; break;
        case '\'': o[k++] = '\''; break;
        case '"': o[k++] = '"'; break;
        case 'a': o[k++] = '\a'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'v': o[k++] = '\v'; break;
        case 'N': return lfail(L, i - 1, "\\N{name} escapes are not supported");
        case 'x':
        case 'u':
        case 'U': {
            int nd = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int d = 0; d < nd; d++) {
                int h = i + 1 < end ? hexval(L->s[i + 1]) : -1;
                if (h < 0) return lfail(L, i, "truncated \\x/\\u escape in string literal");
                cp = cp * 16 + (uint32_t)h;
                i++;
            }
            if (cp > 0x10FFFF) return lfail(L, i, "illegal Unicode character in string literal");
            k += put_utf8(o + k, cp);
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                uint32_t cp = (uint32_t)(e - '0');
                for (int d = 0; d < 2 && i + 1 < end && L->s[i + 1] >= '0' && L->s[i + 1] <= '7'; d++)
                    cp = cp * 8 + (uint32_t)(L->s[++i] - '0');
                k += put_utf8(o + k, cp);
            } else {
                o[k++] = '\\';
                o[k++] = e;
            }
        }
    }
    jtok *t = push(L, T_STRING, start, o, k);
    if (!t) return false;
    *pos = end + 1;
    return true;
}

static bool lex_number(lexer *L, size_t *pos) {
    size_t i = *pos, st = i;
    const char *s = L->s;
    char buf[128];
    size_t bn = 0;
    if (s[i] == '0' && i + 1 < L->n && strchr("xXoObB", s[i + 1])) {
        int base = (s[i + 1] == 'x' || s[i + 1] == 'X') ? 16 : (s[i + 1] == 'o' || s[i + 1] == 'O') ? 8 : 2;
        i += 2;
        int64_t v = 0;
        size_t nd = 0;
        for (; i < L->n; i++) {
            if (s[i] == '_') continue;
            int h = hexval(s[i]);
            if (h < 0 || h >= base) break;
            v = v * base + h;
            nd++;
        }
        if (!nd) return lfail(L, st, "invalid integer literal");
        jtok *t = push(L, T_INT, st, s + st, i - st);
        if (!t) return false;
        t->i = v;
        *pos = i;
        return true;
    }
    while (i < L->n && (is_digit(s[i]) || s[i] == '_')) {
        if (s[i] != '_' && bn < sizeof buf - 8) buf[bn++] = s[i];
        i++;
    }
    bool isf = false;
    if (i + 1 < L->n && s[i] == '.' && is_digit(s[i + 1])) {
        isf = true;
        buf[bn++] = s[i++];
        while (i < L->n && (is_digit(s[i]) || s[i] == '_')) {
            if (s[i] != '_' && bn < sizeof buf - 8) buf[bn++] = s[i];
            i++;
        }
    }
    if (i < L->n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < L->n && (s[j] == '+' || s[j] == '-')) j++;
        if (j < L->n && is_digit(s[j])) {
            isf = true;
            buf[bn++] = 'e';
            for (size_t q = i + 1; q < j; q++) buf[bn++] = s[q];
            i = j;
            while (i < L->n && (is_digit(s[i]) || s[i] == '_')) {
                if (s[i] != '_' && bn < sizeof buf - 2) buf[bn++] = s[i];
                i++;
            }
        }
    }
    buf[bn] = 0;
    jtok *t = push(L, isf ? T_FLOAT : T_INT, st, s + st, i - st);
    if (!t) return false;
    if (isf) t->f = strtod(buf, NULL);
    else t->i = strtoll(buf, NULL, 10);
    *pos = i;
    return true;
}

static const char *const OPS2[] = {"//", "**", "==", "!=", ">=", "<="};
static const char OPS1[] = "+-/*%~[](){}><=.:|,;";

/* Lexes the inside of a {{ }} or {% %} tag up to and including its end. */
static bool lex_tag(lexer *L, size_t *pos, bool is_block, bool *line_starting) {
    size_t i = *pos;
    char stack[256];
    int depth = 0;
    for (;;) {
        if (i >= L->n) return lfail(L, i, is_block ? "unexpected end of template, expected '%}'" : "unexpected end of template, expected '}}'");
        if (depth == 0) {
            if (is_block) {
                size_t e = 0;
                bool strip = false, plus = false;
                if (starts(L, i, "+%}")) { e = 3; plus = true; }
                else if (starts(L, i, "-%}")) { e = 3; strip = true; }
                else if (starts(L, i, "%}")) e = 2;
                if (e) {
                    push(L, T_BLOCK_END, i, L->s + i, e);
                    size_t end = i + e;
                    if (strip) end = skip_ws(L, end);
                    else if (!plus && end < L->n && L->s[end] == '\n') end++; /* trim_blocks */
                    *line_starting = end > 0 && L->s[end - 1] == '\n';
                    *pos = end;
                    return !L->failed;
                }
            } else {
                size_t e = 0;
                bool strip = false;
                if (starts(L, i, "-}}")) { e = 3; strip = true; }
                else if (starts(L, i, "}}")) e = 2;
                if (e) {
                    push(L, T_VAR_END, i, L->s + i, e);
                    size_t end = i + e;
                    if (strip) end = skip_ws(L, end);
                    *line_starting = end > 0 && L->s[end - 1] == '\n';
                    *pos = end;
                    return !L->failed;
                }
            }
        }
        char ch = L->s[i];
        if (is_ws(ch)) {
            i++;
            continue;
        }
        if (is_digit(ch)) {
            if (!lex_number(L, &i)) return false;
            continue;
        }
        if (is_alpha(ch)) {
            size_t st = i;
            while (i < L->n && (is_alpha(L->s[i]) || is_digit(L->s[i]))) i++;
            push(L, T_NAME, st, L->s + st, i - st);
            continue;
        }
        if (ch == '\'' || ch == '"') {
            if (!lex_string(L, &i)) return false;
            continue;
        }
        size_t oplen = 0;
        for (size_t k = 0; k < sizeof OPS2 / sizeof *OPS2; k++)
            if (starts(L, i, OPS2[k])) oplen = 2;
        if (!oplen && strchr(OPS1, ch)) oplen = 1;
        if (!oplen) {
            char msg[64];
            snprintf(msg, sizeof msg, "unexpected char '%c'", ch);
            return lfail(L, i, msg);
        }
        if (oplen == 1 && (ch == '(' || ch == '[' || ch == '{')) {
            if (depth == (int)sizeof stack) return lfail(L, i, "brackets nested too deeply");
            stack[depth++] = ch == '(' ? ')' : ch == '[' ? ']' : '}';
        } else if (oplen == 1 && (ch == ')' || ch == ']' || ch == '}')) {
            char msg[64];
            if (!depth) {
                snprintf(msg, sizeof msg, "unexpected '%c'", ch);
                return lfail(L, i, msg);
            }
            if (stack[depth - 1] != ch) {
                snprintf(msg, sizeof msg, "unexpected '%c', expected '%c'", ch, stack[depth - 1]);
                return lfail(L, i, msg);
            }
            depth--;
        }
        push(L, T_OP, i, L->s + i, oplen);
        i += oplen;
    }
}

/* At a "{%": is this a {% raw %} tag? Sets *end past it. */
static bool raw_begin(lexer *L, size_t at, size_t *end) {
    size_t i = at + 2;
    if (i < L->n && (L->s[i] == '-' || L->s[i] == '+')) i++;
    i = skip_ws(L, i);
    if (!starts(L, i, "raw")) return false;
    i = skip_ws(L, i + 3);
    if (starts(L, i, "-%}")) *end = skip_ws(L, i + 3);
    else if (starts(L, i, "%}")) *end = i + 2;
    else return false;
    return true;
}

/* Scans a raw body from `at`; emits it as data and returns the position after {% endraw %}. */
static bool raw_body(lexer *L, size_t at, size_t *pos, bool *line_starting) {
    for (size_t i = at; i + 1 < L->n; i++) {
        if (L->s[i] != '{' || L->s[i + 1] != '%') continue;
        size_t j = i + 2;
        char sign = 0;
        if (j < L->n && (L->s[j] == '-' || L->s[j] == '+')) sign = L->s[j++];
        j = skip_ws(L, j);
        if (!starts(L, j, "endraw")) continue;
        j = skip_ws(L, j + 6);
        size_t end;
        if (starts(L, j, "+%}")) end = j + 3;
        else if (starts(L, j, "-%}")) end = skip_ws(L, j + 3);
        else if (starts(L, j, "%}")) end = (j + 2 < L->n && L->s[j + 2] == '\n') ? j + 3 : j + 2;
        else continue;
        emit_data(L, at, i, sign, true, false);
        *line_starting = L->s[end - 1] == '\n';
        *pos = end;
        return true;
    }
    return lfail(L, at, "missing end of raw directive");
}

jtok *jl_tokenize(jarena *a, const char *src, size_t len, size_t *ntok, ffai_error *err) {
    /* newline normalization (\r\n, \r -> \n) and keep_trailing_newline=False */
    char *s = ja_alloc(a, len + 1);
    if (!s) {
        ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '\r') {
            s[n++] = '\n';
            if (i + 1 < len && src[i + 1] == '\n') i++;
        } else s[n++] = src[i];
    }
    if (n && s[n - 1] == '\n') n--;
    lexer L = {.a = a, .s = s, .n = n, .lc_line = 1, .lc_col = 1, .err = err};
    size_t pos = 0;
    bool line_starting = true;
    while (pos < n && !L.failed) {
        /* find the next tag start */
        size_t t = pos;
        while (t + 1 < n && !(s[t] == '{' && (s[t + 1] == '{' || s[t + 1] == '%' || s[t + 1] == '#'))) t++;
        if (t + 1 >= n) {
            push(&L, T_DATA, pos, s + pos, n - pos);
            break;
        }
        char kind = s[t + 1];
        char sign = (t + 2 < n && (s[t + 2] == '-' || s[t + 2] == '+')) ? s[t + 2] : 0;
        size_t raw_end;
        if (kind == '%' && raw_begin(&L, t, &raw_end)) {
            emit_data(&L, pos, t, sign, true, line_starting);
            if (!raw_body(&L, raw_end, &pos, &line_starting)) break;
            continue;
        }
        emit_data(&L, pos, t, sign, kind != '{', line_starting);
        size_t body = t + 2 + (sign ? 1 : 0);
        if (kind == '#') {
            size_t i = body;
            for (;;) {
                if (i + 1 >= n) {
                    lfail(&L, t, "missing end of comment tag");
                    break;
                }
                if (starts(&L, i, "+#}")) { pos = i + 3; break; }
                if (starts(&L, i, "-#}")) { pos = skip_ws(&L, i + 3); break; }
                if (starts(&L, i, "#}")) {
                    pos = i + 2;
                    if (pos < n && s[pos] == '\n') pos++;
                    break;
                }
                i++;
            }
            line_starting = pos > 0 && s[pos - 1] == '\n';
            continue;
        }
        push(&L, kind == '{' ? T_VAR_BEGIN : T_BLOCK_BEGIN, t, s + t, body - t);
        pos = body;
        if (!lex_tag(&L, &pos, kind == '%', &line_starting)) break;
    }
    if (L.failed) return NULL;
    push(&L, T_EOF, n, s + n, 0);
    if (L.failed) return NULL;
    *ntok = L.ntok;
    return L.toks;
}
