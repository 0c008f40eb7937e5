/* atomic_file.c — temp-file-and-rename writes, mkdir -p and file copies. */
#include "io/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/error.h"
#include "io/mapped_file.h"

#define AF_BUF (4u << 20)

static ffai_status write_error(const atomic_file *af, int e, ffai_error *err) {
    if (e == ENOSPC || e == EDQUOT || e == EFBIG)
        return ffai_fail(err, FFAI_ERR_IO, "%s: disk full: write failed after %llu bytes were written (%s)", af->path,
                         (unsigned long long)af->on_disk, strerror(e));
    return ffai_fail(err, FFAI_ERR_IO, "%s: write failed after %llu bytes were written: %s", af->path, (unsigned long long)af->on_disk, strerror(e));
}

static void af_release(atomic_file *af) {
    free(af->path);
    free(af->tmp_path);
    free(af->buf);
    af->path = af->tmp_path = NULL;
    af->buf = NULL;
    af->fd = -1;
}

ffai_status af_open(const char *path, atomic_file *af, ffai_error *err) {
    memset(af, 0, sizeof *af);
    af->fd = -1;
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = slash ? slash + 1 : path;
    if (!*base) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "%s: not a file name", path);
    af->path = strdup(path);
    af->tmp_path = malloc(dir_len + strlen(base) + 48);
    af->buf = malloc(AF_BUF);
    if (!af->path || !af->tmp_path || !af->buf) {
        af_release(af);
        return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    af->buf_cap = AF_BUF;
    /* O_EXCL on a fresh name; mode 0666 so the umask applies as for any file */
    static unsigned counter;
    for (int attempt = 0; attempt < 100 && af->fd < 0; attempt++) {
        unsigned k = __atomic_fetch_add(&counter, 1u, __ATOMIC_RELAXED);
        sprintf(af->tmp_path, "%.*s.%s.tmp.%ld.%u", (int)dir_len, path, base, (long)getpid(), k);
        af->fd = open(af->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (af->fd < 0 && errno != EEXIST) break;
    }
    if (af->fd < 0) {
        int e = errno;
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s", dir_len ? (int)dir_len - 1 : 1, dir_len ? path : ".");
        af_release(af);
        if (e == ENOENT) return ffai_fail(err, FFAI_ERR_IO, "%s: cannot create the file: directory %s does not exist", path, dir);
        return ffai_fail(err, FFAI_ERR_IO, "%s: cannot create a file in %s: %s", path, dir, strerror(e));
    }
    return FFAI_OK;
}

static ffai_status flush(atomic_file *af, ffai_error *err) {
    size_t off = 0;
    while (off < af->buf_len) {
        ssize_t w = write(af->fd, af->buf + off, af->buf_len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            return write_error(af, errno, err);
        }
        if (w == 0) return write_error(af, ENOSPC, err);
        off += (size_t)w;
        af->on_disk += (uint64_t)w;
    }
    af->buf_len = 0;
    return FFAI_OK;
}

ffai_status af_write(atomic_file *af, const void *data, size_t n, ffai_error *err) {
    const unsigned char *p = data;
    while (n > 0) {
        size_t k = af->buf_cap - af->buf_len;
        if (k > n) k = n;
        memcpy(af->buf + af->buf_len, p, k);
        af->buf_len += k;
        p += k;
        n -= k;
        if (af->buf_len == af->buf_cap) {
            ffai_status st = flush(af, err);
            if (st) return st;
        }
        af->written += k;
    }
    return FFAI_OK;
}

ffai_status af_commit(atomic_file *af, ffai_error *err) {
    ffai_status st = flush(af, err);
    if (!st && fsync(af->fd) != 0) st = write_error(af, errno, err);
    if (close(af->fd) != 0 && !st) st = write_error(af, errno, err);
    af->fd = -1;
    if (!st && rename(af->tmp_path, af->path) != 0)
        st = ffai_fail(err, FFAI_ERR_IO, "%s: cannot rename %s into place: %s", af->path, af->tmp_path, strerror(errno));
    if (st) unlink(af->tmp_path);
    af_release(af);
    return st;
}

void af_abort(atomic_file *af) {
    if (!af) return;
    if (af->fd >= 0) close(af->fd);
    if (af->tmp_path) unlink(af->tmp_path);
    af_release(af);
}

ffai_status io_write_file_atomic(const char *path, const void *data, size_t n, ffai_error *err) {
    atomic_file af;
    ffai_status st = af_open(path, &af, err);
    if (st) return st;
    if ((st = af_write(&af, data, n, err))) {
        af_abort(&af);
        return st;
    }
    return af_commit(&af, err);
}

ffai_status io_copy_file(const char *src, const char *dst, ffai_error *err) {
    char *data = NULL;
    size_t n = 0;
    ffai_status st = io_read_file(src, &data, &n, err);
    if (st) return st;
    st = io_write_file_atomic(dst, data, n, err);
    free(data);
    return st;
}

ffai_status io_mkdirs(const char *path, ffai_error *err) {
    char buf[4096];
    if (!*path || strlen(path) >= sizeof buf) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "bad directory path '%s'", path);
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return ffai_fail(err, FFAI_ERR_IO, "cannot create directory %s: %s", buf, strerror(errno));
            if (!io_is_dir(buf)) return ffai_fail(err, FFAI_ERR_IO, "cannot create directory %s: a file of that name exists", buf);
            *p = c;
            if (!c) break;
        }
    }
    return FFAI_OK;
}
