/* testutil.h — tiny assertion helpers and paths for the ffai tests. */
#ifndef FFAI_TESTUTIL_H
#define FFAI_TESTUTIL_H

#include <stddef.h>
#include <stdio.h>

extern int tu_failures;
extern int tu_checks;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        tu_checks++;                                                            \
        if (!(cond)) {                                                          \
            tu_failures++;                                                      \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
        }                                                                       \
    } while (0)

/* $FFAI_SHARED (set by ctest; default "$FFAI_SOURCE_DIR/tests/data"): the reference material. */
const char *tu_shared(void);
/* $FFAI_SOURCE_DIR (the repo root; default "."). */
const char *tu_source_dir(void);
/* $FFAI_BIN (the ffai executable; default "ffai"). */
const char *tu_bin(void);
/* snprintf into a static rotating buffer: tu_path("%s/golden", tu_shared()). */
const char *tu_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads a whole file; *len gets its size. Caller frees. NULL on failure. */
char *tu_read_file(const char *path, size_t *len);
/* Makes a fresh temporary directory inside the test's scratch root (opened on first use,
 * removed at exit); returns its path (static storage per call slot). */
const char *tu_tmpdir(void);
/* Removes a directory tree (like rm -rf). Returns 0 on success. */
int tu_rmtree(const char *path);
/* Makes a fresh temporary directory and points $TMPDIR at it, so every later
 * tu_tmpdir() lands inside (returns the open one if there is one); tu_scratch_end()
 * removes it all. */
const char *tu_scratch_begin(void);
void tu_scratch_end(void);
/* Prints "<name>: N passed, M failed" and returns the exit code. */
int tu_finish(const char *name);

#endif
