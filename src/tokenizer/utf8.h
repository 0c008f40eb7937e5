/* utf8.h — UTF-8 validation, decoding, lossy repair and the few Unicode predicates the
 * tokenizer needs (whitespace as Rust's char::is_whitespace, word chars as regex \w). */
#ifndef FFAI_TOKENIZER_UTF8_H
#define FFAI_TOKENIZER_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tokenizer/buf.h"

/* Length of the valid UTF-8 prefix of s[0..n) (== n when all valid). */
size_t tok_utf8_valid_prefix(const char *s, size_t n);
/* Byte length of the sequence that starts with lead byte c (1 for invalid leads). */
static inline size_t tok_utf8_len(unsigned char c) {
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}
/* Decodes the (valid) character at s[0..n); returns its length, stores the code point. */
size_t tok_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encodes cp into out (4 bytes room); returns the length. */
size_t tok_utf8_encode(uint32_t cp, char *out);
/* Appends s[0..n) to out, replacing each maximal invalid subsequence with U+FFFD exactly as
 * Rust's String::from_utf8_lossy does. Returns false on OOM. */
bool tok_utf8_append_lossy(tok_buf *out, const char *s, size_t n);

/* Unicode White_Space (Rust char::is_whitespace). */
bool tok_is_whitespace(uint32_t cp);
/* Rust regex \w: alphabetic, marks, decimal numbers, connector punctuation, join controls. */
bool tok_is_word_char(uint32_t cp);

#endif
