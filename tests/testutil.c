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

const char *tu_source_dir(void) { return env_or("FFAI_SOURCE_DIR", "."); }

static int tu_readable(const char *dir, const char *rel) {
    char b[4096];
    snprintf(b, sizeof b, "%s/%s", dir, rel);
    FILE *f = fopen(b, "r");
    if (!f) return 0;
    fclose(f);
    return 1;
}

const char *tu_shared(void) {
    static char def[4096];
    if (!def[0]) snprintf(def, sizeof def, "%s/tests/data", tu_source_dir());
    const char *s = env_or("FFAI_SHARED", def);
    static int warned = 0;
    if (!warned) {
        warned = 1;
        if (!tu_readable(s, "golden/metrics.json"))
            fprintf(stderr, "note: reference material not found at %s (golden/metrics.json missing): set FFAI_SHARED to a directory laid out like tests/data (see tests/data/README.md)\n", s);
        else if (!tu_readable(s, "tokenizers/qwen3/tokenizer.json"))
            fprintf(stderr, "note: %s/tokenizers/ is missing: run scripts/fetch-test-data.sh (make test does)\n", s);
    }
    return s;
}
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
static const char *make_tmpdir(void) {
    static char bufs[8][256];
    static int slot = 0;
    char *b = bufs[slot++ & 7];
    snprintf(b, 256, "%s/ffai-test-XXXXXX", env_or("TMPDIR", "/tmp"));
    if (!mkdtemp(b)) return NULL;
    return b;
}

/* The first temporary directory a test asks for opens a scratch root that is removed at
 * exit, so no test leaves directories behind whether or not it calls tu_scratch_begin. */
static char scratch_root[256], scratch_old[256];
static int scratch_had_old, scratch_at_exit;

const char *tu_tmpdir(void) {
    if (!scratch_root[0]) {
        if (!tu_scratch_begin()) return NULL;
        if (!scratch_at_exit) atexit(tu_scratch_end), scratch_at_exit = 1;
    }
    return make_tmpdir();
}

int tu_finish(const char *name) {
    printf("%s: %d passed, %d failed\n", name, tu_checks - tu_failures, tu_failures);
    return tu_failures ? 1 : 0;
}

#include <dirent.h>
#include <sys/stat.h>
int tu_rmtree(const char *path) {
    struct stat sb;
    if (lstat(path, &sb) != 0) return -1;
    if (!S_ISDIR(sb.st_mode)) return unlink(path);
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        rc |= tu_rmtree(child);
    }
    closedir(d);
    return rc | rmdir(path);
}

const char *tu_scratch_begin(void) {
    if (scratch_root[0]) return scratch_root; /* already inside one */
    const char *old = getenv("TMPDIR");
    scratch_had_old = old != NULL;
    snprintf(scratch_old, sizeof scratch_old, "%s", old ? old : "");
    const char *d = make_tmpdir();
    if (!d) return NULL;
    snprintf(scratch_root, sizeof scratch_root, "%s", d);
    setenv("TMPDIR", scratch_root, 1);
    return scratch_root;
}

void tu_scratch_end(void) {
    if (!scratch_root[0]) return;
    if (scratch_had_old) setenv("TMPDIR", scratch_old, 1);
    else unsetenv("TMPDIR");
    tu_rmtree(scratch_root);
    scratch_root[0] = '\0';
}
