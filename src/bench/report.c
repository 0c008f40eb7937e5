/* report.c — the per-day report files: locked append of a row, atomic rewrite, re-render of a dir. */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/report_doc.h"
#include "bench/report_json.h"
#include "bench/report_md.h"
#include "bench/report_row.h"
#include "core/error.h"
#include "ffai/report.h"

static const char SIDECAR_SUFFIX[] = ".state.json";

/* The files of one day: <dir>/.<base>.state.json, <dir>/<base>.md, <dir>/.<base>.lock (base = chip-date). */
typedef struct {
    const char *dir;
    char *json, *md, *lock;
} day_files;

static void day_files_free(day_files *d) {
    free(d->json);
    free(d->md);
    free(d->lock);
    memset(d, 0, sizeof *d);
}

static ffai_status day_files_make(const char *dir, const char *base, day_files *d, ffai_error *err) {
    memset(d, 0, sizeof *d);
    d->dir = dir;
    if (asprintf(&d->json, "%s/.%s%s", dir, base, SIDECAR_SUFFIX) < 0) d->json = NULL;
    if (asprintf(&d->md, "%s/%s.md", dir, base) < 0) d->md = NULL;
    if (asprintf(&d->lock, "%s/.%s.lock", dir, base) < 0) d->lock = NULL;
    if (d->json && d->md && d->lock) return FFAI_OK;
    day_files_free(d);
    return ffai_fail(err, FFAI_ERR_NOMEM, "report paths: out of memory");
}

/* ---- file system helpers -------------------------------------------------------------------------- */

static ffai_status dir_error(const char *dir, int e, ffai_error *err) {
    return ffai_fail(err, FFAI_ERR_IO, "cannot write report dir %s: %s", dir, strerror(e));
}

/* mkdir -p dir. */
static ffai_status ensure_dir(const char *dir, ffai_error *err) {
    char *p = strdup(dir);
    if (!p) return ffai_fail(err, FFAI_ERR_NOMEM, "report dir: out of memory");
    int e = 0;
    for (char *s = p + 1; !e; s++) {
        bool end = *s == 0;
        if (*s != '/' && !end) continue;
        *s = 0;
        struct stat stt;
        if (mkdir(p, 0777) != 0) {
            if (errno != EEXIST)
                e = errno;
            else if (stat(p, &stt) != 0)
                e = errno;
            else if (!S_ISDIR(stt.st_mode))
                e = ENOTDIR;
        }
        if (end) break;
        *s = '/';
    }
    free(p);
    return e ? dir_error(dir, e, err) : FFAI_OK;
}

/* Opens (creating) the lock file and takes an exclusive flock; *fd receives it. */
static ffai_status lock_take(const day_files *d, int *fd, ffai_error *err) {
    *fd = open(d->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*fd < 0) return dir_error(d->dir, errno, err);
    while (flock(*fd, LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        int e = errno;
        close(*fd);
        *fd = -1;
        return ffai_fail(err, FFAI_ERR_BUSY, "cannot lock %s: %s", d->lock, strerror(e));
    }
    return FFAI_OK;
}

static void lock_release(int fd) {
    if (fd < 0) return;
    flock(fd, LOCK_UN);
    close(fd);
}

/* Reads a whole file. *exists = false (and FFAI_OK) when it is absent. */
static ffai_status read_all(const char *path, char **text, size_t *len, bool *exists, ffai_error *err) {
    *text = NULL;
    *len = 0;
    *exists = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return FFAI_OK;
        return ffai_fail(err, FFAI_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    }
    *exists = true;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            close(fd);
            return ffai_fail(err, FFAI_ERR_NOMEM, "reading %s: out of memory", path);
        }
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
            continue;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return ffai_fail(err, FFAI_ERR_IO, "cannot read %s: %s", path, strerror(e));
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    *text = buf;
    *len = n;
    return FFAI_OK;
}

/* Writes data to a new temp file beside target ("<target>.tmp.<pid>"), fsyncs it; *tmp is malloc'd. */
static ffai_status write_temp(const day_files *d, const char *target, const char *data, size_t len, char **tmp,
                              ffai_error *err) {
    *tmp = NULL;
    char *path;
    if (asprintf(&path, "%s.tmp.%ld", target, (long)getpid()) < 0)
        return ffai_fail(err, FFAI_ERR_NOMEM, "temp path: out of memory");
    unlink(path); /* a leftover of a crashed process that had our pid; we hold the day's lock */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        free(path);
        return dir_error(d->dir, e, err);
    }
    size_t off = 0;
    int e = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            e = w < 0 ? errno : EIO;
            break;
        }
        off += (size_t)w;
    }
    if (!e && fsync(fd) != 0) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (e) {
        unlink(path);
        free(path);
        return ffai_fail(err, FFAI_ERR_IO, "cannot write %s: %s", target, strerror(e));
    }
    *tmp = path;
    return FFAI_OK;
}

static void fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    fsync(fd);
    close(fd);
}

/* ---- the day's document ---------------------------------------------------------------------------- */

/* Loads and validates the sidecar; *doc = NULL when it does not exist. */
static ffai_status doc_load(const day_files *d, json_t **doc, ffai_error *err) {
    *doc = NULL;
    char *text;
    size_t len;
    bool exists;
    ffai_status st = read_all(d->json, &text, &len, &exists, err);
    if (st != FFAI_OK || !exists) return st;
    ffai_error why;
    ffai_error_clear(&why);
    st = rdoc_parse(text, len, doc, &why);
    free(text);
    if (st != FFAI_OK) return ffai_fail(err, st, "Bench: failed to decode %s: %s", d->json, why.msg);
    return FFAI_OK;
}

/* Writes the JSON (when write_json) and the markdown of doc: both temp files first, then the renames,
 * so a failure before the renames changes nothing. */
static ffai_status doc_store(const day_files *d, const json_t *doc, bool write_json, ffai_error *err) {
    char *json = NULL, *md = NULL, *tmp_json = NULL, *tmp_md = NULL;
    size_t json_len = 0, md_len = 0;
    ffai_status st = FFAI_OK;
    if (write_json) st = rjson_dump(doc, true, &json, &json_len, err);
    if (st == FFAI_OK) st = rmd_render(doc, &md, &md_len, err);
    if (st == FFAI_OK && write_json) st = write_temp(d, d->json, json, json_len, &tmp_json, err);
    if (st == FFAI_OK) st = write_temp(d, d->md, md, md_len, &tmp_md, err);
    if (st == FFAI_OK && write_json) {
        if (rename(tmp_json, d->json) != 0)
            st = ffai_fail(err, FFAI_ERR_IO, "cannot replace %s: %s", d->json, strerror(errno));
        else
            free(tmp_json), tmp_json = NULL;
    }
    if (st == FFAI_OK) {
        if (rename(tmp_md, d->md) != 0)
            st = ffai_fail(err, FFAI_ERR_IO, "cannot replace %s: %s (the JSON sidecar is saved; `ffai report "
                           "--report-dir %s` re-renders the markdown)", d->md, strerror(errno), d->dir);
        else
            free(tmp_md), tmp_md = NULL;
        fsync_dir(d->dir);
    }
    if (tmp_json) unlink(tmp_json);
    if (tmp_md) unlink(tmp_md);
    free(tmp_json);
    free(tmp_md);
    free(json);
    free(md);
    return st;
}

/* ---- append ---------------------------------------------------------------------------------------- */

static bool valid_date(const char *s) {
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    int y = atoi(s), m = atoi(s + 5), dd = atoi(s + 8);
    if (m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1]) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && dd == 29 && !leap);
}

ffai_status ffai_report_append(const ffai_report_target *t, const ffai_bench_row *row, char **json_path,
                               char **md_path, ffai_error *err) {
    if (json_path) *json_path = NULL;
    if (md_path) *md_path = NULL;
    if (!t || !t->report_dir || !t->report_dir[0] || !row)
        return ffai_fail(err, FFAI_ERR_INVALID_ARG, "report: missing report dir or row");
    char chip[128], date[32], base[192];
    if (t->chip) {
        if (ffai_slugify(t->chip, chip, sizeof chip) != FFAI_OK || strcmp(chip, t->chip) != 0)
            return ffai_fail(err, FFAI_ERR_INVALID_ARG,
                             "report: chip '%s' is not a slug (lowercase letters, digits and '-', e.g. 'm1-max')",
                             t->chip);
    } else if (ffai_device_slug(chip, sizeof chip) != FFAI_OK) {
        return ffai_fail(err, FFAI_ERR_INTERNAL, "report: cannot make a device slug");
    }
    if (t->date) {
        if (!valid_date(t->date))
            return ffai_fail(err, FFAI_ERR_INVALID_ARG, "report: date '%s' is not a valid YYYY-MM-DD", t->date);
        snprintf(date, sizeof date, "%s", t->date);
    } else {
        rdoc_utc_now(date, sizeof date, true);
    }
    snprintf(base, sizeof base, "%s-%s", chip, date);

    json_t *rowv;
    ffai_status st = rrow_to_value(row, &rowv, err); /* before touching the file system */
    if (st != FFAI_OK) return st;
    day_files d;
    int lock_fd = -1;
    json_t *doc = NULL;
    if ((st = ensure_dir(t->report_dir, err)) != FFAI_OK) goto out_row;
    if ((st = day_files_make(t->report_dir, base, &d, err)) != FFAI_OK) goto out_row;
    if ((st = lock_take(&d, &lock_fd, err)) != FFAI_OK) goto out;
    if ((st = doc_load(&d, &doc, err)) != FFAI_OK) goto out;
    if (!doc && (st = rdoc_new(chip, &doc, err)) != FFAI_OK) goto out;
    if (json_array_append_new(json_object_get(doc, "rows"), rowv) != 0) {
        rowv = NULL;
        st = ffai_fail(err, FFAI_ERR_NOMEM, "report: out of memory");
        goto out;
    }
    rowv = NULL;
    if ((st = doc_store(&d, doc, true, err)) != FFAI_OK) goto out;
    if (json_path) *json_path = d.json, d.json = NULL;
    if (md_path) *md_path = d.md, d.md = NULL;
out:
    lock_release(lock_fd);
    json_decref(doc);
    day_files_free(&d);
out_row:
    json_decref(rowv);
    return st;
}

/* ---- re-render a dir --------------------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The sidecar names (".<base>.state.json") of dir, sorted; *names malloc'd (free each and the array). */
static ffai_status list_sidecars(const char *dir, char ***names, int *n, ffai_error *err) {
    *names = NULL;
    *n = 0;
    DIR *dp = opendir(dir);
    if (!dp) return ffai_fail(err, errno == ENOENT ? FFAI_ERR_NOT_FOUND : FFAI_ERR_IO, "cannot open report dir %s: %s",
                              dir, strerror(errno));
    const size_t sl = sizeof SIDECAR_SUFFIX - 1;
    int cap = 0;
    ffai_status st = FFAI_OK;
    for (struct dirent *e; (e = readdir(dp));) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] != '.' || len <= sl + 1 || strcmp(e->d_name + len - sl, SIDECAR_SUFFIX) != 0) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **g = realloc(*names, (size_t)cap * sizeof *g);
            if (!g) {
                st = FFAI_ERR_NOMEM;
                break;
            }
            *names = g;
        }
        if (!((*names)[*n] = strdup(e->d_name))) {
            st = FFAI_ERR_NOMEM;
            break;
        }
        (*n)++;
    }
    closedir(dp);
    if (st != FFAI_OK) {
        for (int i = 0; i < *n; i++) free((*names)[i]);
        free(*names);
        *names = NULL;
        *n = 0;
        return ffai_fail(err, st, "listing %s: out of memory", dir);
    }
    if (*n) qsort(*names, (size_t)*n, sizeof **names, cmp_names);
    return FFAI_OK;
}

ffai_status ffai_report_render_dir(const char *report_dir, ffai_report_rendered_fn on_rendered, void *user,
                                   int *n_rendered, ffai_error *err) {
    if (n_rendered) *n_rendered = 0;
    if (!report_dir || !report_dir[0]) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "report: missing report dir");
    char **names;
    int n;
    ffai_status st = list_sidecars(report_dir, &names, &n, err);
    if (st != FFAI_OK) return st;
    const size_t sl = sizeof SIDECAR_SUFFIX - 1;
    for (int i = 0; i < n && st == FFAI_OK; i++) {
        char base[512];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(names[i]) - 1 - sl), names[i] + 1);
        day_files d;
        if ((st = day_files_make(report_dir, base, &d, err)) != FFAI_OK) break;
        int lock_fd = -1;
        json_t *doc = NULL;
        if ((st = lock_take(&d, &lock_fd, err)) == FFAI_OK && (st = doc_load(&d, &doc, err)) == FFAI_OK && doc &&
            (st = doc_store(&d, doc, false, err)) == FFAI_OK) {
            if (n_rendered) (*n_rendered)++;
            if (on_rendered) on_rendered(d.md, (int)json_array_size(json_object_get(doc, "rows")), user);
        }
        lock_release(lock_fd);
        json_decref(doc);
        day_files_free(&d);
    }
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return st;
}
