/* bytelevel.c — the GPT-2 byte-level alphabet: each byte stands for a printable character. */
#include <pthread.h>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

/* Bytes '!'..'~', 0xA1..0xAC and 0xAE..0xFF stand for themselves; the other 68 bytes, in
 * increasing order, for U+0100, U+0101, ... (GPT-2's bytes_to_unicode). */
static uint16_t g_byte_to_cp[256];
static int16_t g_cp_to_byte[256 + 68];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static bool printable_byte(int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }

static void build_tables(void) {
    int extra = 0;
    for (int i = 0; i < 256 + 68; i++) g_cp_to_byte[i] = -1;
    for (int b = 0; b < 256; b++) {
        uint16_t cp = printable_byte(b) ? (uint16_t)b : (uint16_t)(256 + extra++);
        g_byte_to_cp[b] = cp;
        g_cp_to_byte[cp] = (int16_t)b;
    }
}

static void ensure_tables(void) {
    pthread_once(&g_once, build_tables);
}

uint16_t tok_byte_to_char(uint8_t b) {
    ensure_tables();
    return g_byte_to_cp[b];
}

int tok_cp_to_byte(uint32_t cp) {
    ensure_tables();
    return cp < 256 + 68 ? g_cp_to_byte[cp] : -1;
}

bool tok_bytelevel_to_bytes(const char *s, size_t n, tok_buf *out) {
    ensure_tables();
    out->n = 0;
    if (!tok_buf_reserve(out, n)) return false;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t l = c < 0x80 ? (cp = c, 1) : tok_utf8_decode(s + i, n - i, &cp);
        int b = cp < 256 + 68 ? g_cp_to_byte[cp] : -1;
        if (b < 0) return false;
        out->p[out->n++] = (char)b;
        i += l;
    }
    out->p[out->n] = '\0';
    return true;
}
