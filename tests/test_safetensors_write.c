/* test_safetensors_write.c — the streaming safetensors writer: round trip
 * through the validated reader (data written in odd-sized chunks that cross
 * tensor boundaries), header layout (metadata first, 8-byte space padding,
 * reference tensor order), and failures that must leave no file behind:
 * short data, data past the end, duplicate names, missing or non-directory
 * target dir, and a full disk (simulated with RLIMIT_FSIZE). */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "io/safetensors.h"
#include "io/safetensors_write.h"
#include "testutil.h"

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static void round_trip(void) {
    const char *dir = tu_tmpdir();
    const char *path = tu_path("%s/model.safetensors", dir);
    st_wspec specs[] = {
        {.name = "b.weight", .dtype = ST_BF16, .ndim = 2, .shape = {3, 5}},
        {.name = "a.codes", .dtype = ST_U32, .ndim = 2, .shape = {2, 3}},
        {.name = "empty", .dtype = ST_F32, .ndim = 1, .shape = {0}},
        {.name = "c.bias", .dtype = ST_F32, .ndim = 1, .shape = {7}},
        {.name = "z\"quote", .dtype = ST_U8, .ndim = 0},
    };
    int n = (int)(sizeof specs / sizeof specs[0]);
    st_wspec_sort(specs, n);
    const char *order[] = {"c.bias", "empty", "a.codes", "b.weight", "z\"quote"};
    int order_ok = 1;
    for (int i = 0; i < n; i++) order_ok &= strcmp(specs[i].name, order[i]) == 0;
    CHECK(order_ok, "reference order: F32 before U32 before BF16 before U8, then by name (got %s, %s, ...)", specs[0].name, specs[1].name);
    size_t total = 0;
    for (int i = 0; i < n; i++) total += st_wspec_bytes(&specs[i]);
    unsigned char *data = malloc(total);
    for (size_t i = 0; i < total; i++) data[i] = (unsigned char)(i * 131 + 7);
    st_writer *w = NULL;
    ffai_error err;
    CHECK(st_writer_open(path, specs, n, "pt", &w, &err) == FFAI_OK, "%s", err.msg);
    if (!w) return;
    CHECK(st_writer_current(w) == 0, "current %d", st_writer_current(w));
    size_t off = 0, step = 1;
    while (off < total) {
        size_t k = total - off < step ? total - off : step;
        CHECK(st_writer_write(w, data + off, k, &err) == FFAI_OK, "%s", err.msg);
        off += k;
        step = step * 3 % 17 + 1;
    }
    CHECK(st_writer_current(w) == n, "current %d after all data", st_writer_current(w));
    CHECK(st_writer_write(w, data, 1, &err) == FFAI_ERR_INVALID_ARG, "write past the end accepted");
    CHECK(st_writer_close(w, &err) == FFAI_OK, "%s", err.msg);
    CHECK(count_entries(dir) == 1, "temp files left behind: %d entries", count_entries(dir));

    size_t flen = 0;
    unsigned char *file = (unsigned char *)tu_read_file(path, &flen);
    uint64_t hlen = 0;
    for (int i = 7; file && i >= 0; i--) hlen = hlen << 8 | file[i];
    CHECK(file && hlen % 8 == 0 && 8 + hlen + total == flen, "header length %llu, file %zu", (unsigned long long)hlen, flen);
    CHECK(file && memcmp(file + 8, "{\"__metadata__\":{\"format\":\"pt\"},\"c.bias\":{\"dtype\":\"F32\",\"shape\":[7],\"data_offsets\":[0,28]}", 88) == 0,
          "header starts %.90s", file ? (char *)file + 8 : "");
    size_t pad = 0;
    while (file && pad < hlen && file[8 + hlen - 1 - pad] == ' ') pad++;
    CHECK(file && pad < 8 && file[8 + hlen - 1 - pad] == '}', "header padding: %zu spaces", pad);
    free(file);

    st_set s;
    CHECK(st_open_file(path, &s, &err) == FFAI_OK, "%s", err.msg);
    if (s.n) {
        off = 0;
        for (int i = 0; i < n; i++) {
            const st_tensor *t = st_find(&s, specs[i].name);
            size_t b = st_wspec_bytes(&specs[i]);
            CHECK(t && t->nbytes == b && t->dtype == specs[i].dtype && (b == 0 || memcmp(t->data, data + off, b) == 0), "tensor %s differs",
                  specs[i].name);
            off += b;
        }
        st_set_free(&s);
    }
    printf("  round trip: %d tensors, %zu data bytes, header %llu bytes: ok\n", n, total, (unsigned long long)hlen);
    free(data);
}

static void failures(void) {
    ffai_error err;
    st_writer *w = NULL;
    st_wspec one[] = {{.name = "x", .dtype = ST_F32, .ndim = 1, .shape = {1000}}};
    /* short data: close fails, nothing left */
    const char *dir = tu_tmpdir();
    CHECK(st_writer_open(tu_path("%s/m.safetensors", dir), one, 1, "pt", &w, &err) == FFAI_OK, "%s", err.msg);
    float buf[1000] = {0};
    if (w) {
        st_writer_write(w, buf, 100, &err);
        ffai_status st = st_writer_close(w, &err);
        printf("  short data: %s\n", err.msg);
        CHECK(st == FFAI_ERR_INVALID_ARG && strstr(err.msg, "100 of 4000"), "%s", err.msg);
    }
    CHECK(count_entries(dir) == 0, "files left after a failed close: %d", count_entries(dir));
    /* aborted: nothing left */
    CHECK(st_writer_open(tu_path("%s/m.safetensors", dir), one, 1, "pt", &w, &err) == FFAI_OK, "%s", err.msg);
    st_writer_abort(w);
    CHECK(count_entries(dir) == 0, "files left after abort: %d", count_entries(dir));
    /* duplicate names */
    st_wspec dup[] = {{.name = "x", .dtype = ST_F32, .ndim = 1, .shape = {1}}, {.name = "x", .dtype = ST_F32, .ndim = 1, .shape = {1}}};
    ffai_status st = st_writer_open(tu_path("%s/m.safetensors", dir), dup, 2, "pt", &w, &err);
    CHECK(st == FFAI_ERR_INVALID_ARG && strstr(err.msg, "given twice"), "%s", err.msg);
    /* missing directory */
    st = st_writer_open(tu_path("%s/no/such/dir/m.safetensors", dir), one, 1, "pt", &w, &err);
    printf("  missing dir: %s\n", err.msg);
    CHECK(st == FFAI_ERR_IO && strstr(err.msg, "no/such/dir") && strstr(err.msg, "does not exist"), "%s", err.msg);
    /* parent is a file */
    FILE *f = fopen(tu_path("%s/afile", dir), "w");
    if (f) fclose(f);
    st = st_writer_open(tu_path("%s/afile/m.safetensors", dir), one, 1, "pt", &w, &err);
    printf("  parent is a file: %s\n", err.msg);
    CHECK(st == FFAI_ERR_IO && strstr(err.msg, "afile"), "%s", err.msg);
    remove(tu_path("%s/afile", dir));
    /* disk full: a 64 KiB file size limit makes write() fail with EFBIG */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 64 * 1024;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        st_wspec big[] = {{.name = "big", .dtype = ST_F32, .ndim = 2, .shape = {256, 1024}}};
        st = st_writer_open(tu_path("%s/full.safetensors", dir), big, 1, "pt", &w, &err);
        CHECK(st == FFAI_OK, "%s", err.msg);
        if (w) {
            float *row = calloc(1024, sizeof(float));
            for (int r = 0; r < 256 && st == FFAI_OK; r++) st = st_writer_write(w, row, 1024 * sizeof(float), &err);
            if (st == FFAI_OK) st = st_writer_close(w, &err);
            else st_writer_abort(w);
            free(row);
        }
        setrlimit(RLIMIT_FSIZE, &old);
        printf("  disk full: %s\n", err.msg);
        CHECK(st == FFAI_ERR_IO && strstr(err.msg, "disk full") && strstr(err.msg, "full.safetensors"), "%s", err.msg);
        CHECK(count_entries(dir) == 0, "files left after disk full: %d", count_entries(dir));
    }
    signal(SIGXFSZ, prev);
}

int main(void) {
    tu_scratch_begin();
    round_trip();
    failures();
    tu_scratch_end();
    return tu_finish("test_safetensors_write");
}
