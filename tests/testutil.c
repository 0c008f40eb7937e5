/* testutil.c — helpers shared by the test executables. */
#include "testutil.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int tu_failures = 0;
int tu_checks = 0;

static const char *env_or(const char *name, const char *def) {
    const char *v = getenv(name);
    return v && *v ? v : def;
}

const char *tu_shared(void) { return env_or("FFAI_SHARED", "../shared"); }
const char *tu_source_dir(void) { return env_or("FFAI_SOURCE_DIR", "."); }
const char *tu_bin(void) { return env_or("FFAI_BIN", "ffai"); }

const char *tu_path(const char *fmt, ...) {
    static char bufs[8][4096];
    static int slot = 0;
    char *b = bufs[slot++ & 7];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, 4096, fmt, ap);
    va_end(ap);
    return b;
}

char *tu_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return NULL; }
    long n = ftell(f);
    if (n < 0) { fclose(f); return NULL; }
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    if (!buf) { fclose(f); return NULL; }
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    if (got != (size_t)n) { free(buf); return NULL; }
    buf[n] = '\0';
    if (len) *len = (size_t)n;
    return buf;
}

#include <unistd.h>
const char *tu_tmpdir(void) {
    static char bufs[8][256];
    static int slot = 0;
    char *b = bufs[slot++ & 7];
    snprintf(b, 256, "%s/ffai-test-XXXXXX", env_or("TMPDIR", "/tmp"));
    if (!mkdtemp(b)) return NULL;
    return b;
}

int tu_finish(const char *name) {
    printf("%s: %d passed, %d failed\n", name, tu_checks - tu_failures, tu_failures);
    return tu_failures ? 1 : 0;
}
