/* mapped_file.c — read-only memory-mapped files and whole-file reads. */
#include "io/mapped_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

ffai_status mf_open(const char *path, mapped_file *mf, ffai_error *err) {
    memset(mf, 0, sizeof *mf);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ffai_fail(err, errno == ENOENT ? FFAI_ERR_NOT_FOUND : FFAI_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ffai_fail(err, FFAI_ERR_IO, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return ffai_fail(err, FFAI_ERR_IO, "%s: not a regular file", path);
    }
    mf->size = (size_t)st.st_size;
    if (mf->size > 0) {
        void *p = mmap(NULL, mf->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            return ffai_fail(err, FFAI_ERR_IO, "%s: mmap failed: %s", path, strerror(e));
        }
        mf->data = p;
    }
    close(fd);
    mf->path = strdup(path);
    if (!mf->path) {
        mf_close(mf);
        return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    return FFAI_OK;
}

void mf_close(mapped_file *mf) {
    if (!mf) return;
    if (mf->map_base) munmap(mf->map_base, mf->map_len);
    else if (mf->data) munmap((void *)mf->data, mf->size);
    free(mf->path);
    memset(mf, 0, sizeof *mf);
}

ffai_status mf_make_resident(mapped_file *mf, size_t align_at, ptrdiff_t *moved, ffai_error *err) {
    *moved = 0;
    if (mf->size == 0) return FFAI_OK;
    size_t pad = (64 - align_at % 64) % 64, len = mf->size + pad;
    void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return ffai_fail(err, FFAI_ERR_NOMEM, "%s: cannot allocate %zu bytes for the weights", mf->path, mf->size);
#ifdef MADV_HUGEPAGE
    madvise(base, len, MADV_HUGEPAGE);
#endif
    char *p = (char *)base + pad;
    int fd = open(mf->path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    while (fd >= 0 && got < mf->size) {
        size_t chunk = mf->size - got > ((size_t)1 << 28) ? ((size_t)1 << 28) : mf->size - got;
        ssize_t r = pread(fd, (char *)p + got, chunk, (off_t)got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    int e = errno;
    if (fd >= 0) close(fd);
    if (got != mf->size) {
        munmap(base, len);
        return ffai_fail(err, FFAI_ERR_IO, "%s: short read loading weights (%zu of %zu bytes): %s", mf->path, got, mf->size, strerror(e));
    }
    mprotect(base, len, PROT_READ);
    if (mf->map_base) munmap(mf->map_base, mf->map_len);
    else munmap((void *)mf->data, mf->size);
    *moved = (const unsigned char *)p - mf->data;
    mf->data = (const unsigned char *)p;
    mf->map_base = base, mf->map_len = len;
    return FFAI_OK;
}

ffai_status io_read_file(const char *path, char **out, size_t *len, ffai_error *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return ffai_fail(err, errno == ENOENT ? FFAI_ERR_NOT_FOUND : FFAI_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ffai_fail(err, FFAI_ERR_IO, "%s: not a regular file", path);
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    if (!buf) {
        fclose(f);
        return ffai_fail(err, FFAI_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, n);
    }
    size_t got = fread(buf, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (got != n || bad) {
        free(buf);
        return ffai_fail(err, FFAI_ERR_IO, "%s: short read", path);
    }
    buf[n] = '\0';
    *out = buf;
    if (len) *len = n;
    return FFAI_OK;
}

int io_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int io_is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
