/* test_report.c — the report writer against FFAI's own files: JSON sidecar, markdown, append, locking. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/report_doc.h"
#include "bench/report_json.h"
#include "bench/report_md.h"
#include "ffai/report.h"
#include "testutil.h"

#define REF_JSON ".m1-max-2026-05-22.state.json"
#define REF_MD "m1-max-2026-05-22.md"

static const char *ref_path(const char *name) { return tu_path("%s/reference/ffai-report/%s", tu_shared(), name); }

static void write_file(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(data, 1, len, f);
    fclose(f);
}

/* Copies FFAI's pair into a fresh temp dir; returns the dir. */
static const char *copy_reference(void) {
    const char *dir = tu_tmpdir();
    const char *names[] = {REF_JSON, REF_MD};
    for (int i = 0; i < 2; i++) {
        size_t n;
        char *t = tu_read_file(ref_path(names[i]), &n);
        CHECK(t != NULL, "read %s", ref_path(names[i]));
        if (t) write_file(tu_path("%s/%s", dir, names[i]), t, n);
        free(t);
    }
    return dir;
}

/* Number of directory entries other than . and .. */
static int dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* A complete row like the ones `ffai bench` writes. */
static void sample_row(ffai_bench_row *r, const char *model) {
    ffai_row_init(r);
    r->model = strdup(model);
    r->method = strdup("simple");
    r->quantization = strdup("bf16");
    r->context_size = 40960;
    r->prompt_tokens = 5;
    r->generated_tokens = 64;
    r->prefill_tps = 123.456;
    r->decode_tps = 45.678;
    r->steady_tps = 46.004999;
    r->ttft_ms = 40.5;
    r->baseline_bytes = 1610612736; /* 1.5 GiB */
    r->peak_bytes = 1717986918;
    r->kv_used_bytes = 4718592; /* 4.5 MiB */
    r->weights_bytes = 1503238554;
    r->wired_bytes = 8589934592;
    r->gen_ppl = 1.23456;
    r->output_preview = strdup("Once upon a time, there was a | pipe");
    ffai_row_set_string(r, "backend", "cpu");
    ffai_row_set_int(r, "threads", 2);
}

/* ---- shortest doubles ---------------------------------------------------------------------------- */

static void test_doubles(void) {
    /* Swift Double.description (SwiftDtoa: shortest, exponential below 1e-4 and above 2^53) minus ".0". */
    static const struct {
        double v;
        const char *s;
    } cases[] = {
        {14.757561199711517, "14.757561199711517"}, /* FFAI's sidecar */
        {9.919417081374593, "9.919417081374593"},
        {806.4990043640137, "806.4990043640137"},
        {14.252556201315508, "14.252556201315508"},
        {14.0, "14"},
        {0.0, "0"},
        {-0.0, "-0"},
        {-2.5, "-2.5"},
        {0.1, "0.1"},
        {0.3, "0.3"},
        {1.0 / 3.0, "0.3333333333333333"},
        {100.0, "100"},
        {123456.789, "123456.789"},
        {0.0001, "0.0001"},
        {0.00012, "0.00012"},
        {1e-05, "1e-05"},
        {5e-5, "5e-05"},
        {1.5e-7, "1.5e-07"},
        {1e15, "1000000000000000"},
        {9007199254740992.0, "9007199254740992"}, /* 2^53: still decimal */
        {9007199254740994.0, "9.007199254740994e+15"},
        {1e16, "1e+16"},
        {1e23, "1e+23"}, /* %.17g gives 9.9999999999999992e+22 */
        {1e100, "1e+100"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {5e-324, "5e-324"},
        {0x1p-1022 * 3, "6.675221575521604e-308"},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char b[32];
        rjson_format_double(cases[i].v, b);
        if (strcmp(b, cases[i].s) != 0) bad++;
        CHECK(strcmp(b, cases[i].s) == 0, "format %.17g: got %s, want %s", cases[i].v, b, cases[i].s);
    }
    /* Property over random bit patterns: reads back exactly, and one digit fewer never does. */
    unsigned long long x = 0x9E3779B97F4A7C15ull;
    int not_exact = 0, not_short = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v;
        memcpy(&v, &x, sizeof v);
        if (!isfinite(v)) continue;
        char b[32], t[48];
        rjson_format_double(v, b);
        if (strtod(b, NULL) != v) not_exact++;
        int digits = 0;
        for (const char *p = b; *p && *p != 'e'; p++) digits += *p >= '0' && *p <= '9';
        /* leading zeros of 0.000ddd and trailing zeros of ddd000 are not significant */
        const char *p = b + (b[0] == '-');
        if (p[0] == '0' && p[1] == '.') digits -= (int)strspn(p + 2, "0") + 1;
        if (!strchr(b, 'e') && !strchr(b, '.')) {
            size_t len = strlen(p);
            while (len > 1 && p[len - 1] == '0') len--, digits--;
        }
        if (digits > 1) {
            snprintf(t, sizeof t, "%.*e", digits - 2, v);
            if (strtod(t, NULL) == v) not_short++;
        }
    }
    CHECK(not_exact == 0 && not_short == 0, "random doubles: %d not exact, %d not shortest", not_exact, not_short);
    printf("doubles: %d/%zu fixed cases differ; 200000 random: %d not round-trip, %d not shortest\n", bad,
           sizeof cases / sizeof cases[0], not_exact, not_short);
}

/* ---- JSON emitter details ------------------------------------------------------------------------ */

static void test_json_format(void) {
    json_t *v = json_pack("{s:[], s:{}, s:s, s:[i,f], s:{s:b,s:n}}", "b", "a", "s", "x/y\"\\\n\t\x01\x1f é", "arr", 1,
                          2.0, "Z", "k", 1, "j");
    char *out;
    CHECK(rjson_dump(v, true, &out, NULL, NULL) == FFAI_OK, "dump");
    const char *want = "{\n  \"Z\" : {\n    \"j\" : null,\n    \"k\" : true\n  },\n  \"a\" : {\n\n  },\n"
                       "  \"arr\" : [\n    1,\n    2\n  ],\n  \"b\" : [\n\n  ],\n"
                       "  \"s\" : \"x\\/y\\\"\\\\\\n\\t\\u0001\\u001f é\"\n}";
    CHECK(strcmp(out, want) == 0, "pretty:\n%s\nwant:\n%s", out, want);
    free(out);
    CHECK(rjson_dump(v, false, &out, NULL, NULL) == FFAI_OK, "dump compact");
    const char *want_c = "{\"Z\":{\"j\":null,\"k\":true},\"a\":{},\"arr\":[1,2],\"b\":[],"
                         "\"s\":\"x\\/y\\\"\\\\\\n\\t\\u0001\\u001f é\"}";
    CHECK(strcmp(out, want_c) == 0, "compact: %s", out);
    free(out);
    json_decref(v);
}

/* ---- FFAI's own files ------------------------------------------------------------------------------- */

static void test_ffai_roundtrip(void) {
    size_t jl, ml;
    char *json = tu_read_file(ref_path(REF_JSON), &jl), *md = tu_read_file(ref_path(REF_MD), &ml);
    CHECK(json && md, "read FFAI's pair from %s", ref_path(""));
    if (!json || !md) return;
    json_t *doc;
    ffai_error e;
    CHECK(rdoc_parse(json, jl, &doc, &e) == FFAI_OK, "parse FFAI sidecar: %s", e.msg);
    char *out = NULL, *mout = NULL;
    size_t ol = 0, mol = 0;
    rjson_dump(doc, true, &out, &ol, NULL);
    size_t at = 0;
    while (at < jl && at < ol && out[at] == json[at]) at++;
    CHECK(ol == jl && at == jl, "re-emitted sidecar differs from FFAI's at byte %zu (lengths %zu vs %zu)", at, ol, jl);
    printf("FFAI sidecar re-emitted: %zu bytes, first difference at %zu (none = %zu)\n", ol, at, jl);
    rmd_render(doc, &mout, &mol, NULL);
    at = 0;
    while (at < ml && at < mol && mout[at] == md[at]) at++;
    CHECK(mol == ml && at == ml, "rendered markdown differs from FFAI's at byte %zu (lengths %zu vs %zu)", at, mol, ml);
    printf("FFAI markdown re-rendered: %zu bytes, first difference at %zu (none = %zu)\n", mol, at, ml);
    free(out);
    free(mout);
    json_decref(doc);
    free(json);
    free(md);
}

static void test_ffai_append(void) {
    const char *dir = copy_reference();
    size_t jl, ml;
    char *json = tu_read_file(ref_path(REF_JSON), &jl), *md = tu_read_file(ref_path(REF_MD), &ml);
    if (!json || !md) return;
    ffai_bench_row r;
    sample_row(&r, "Qwen/Qwen3-0.6B");
    ffai_report_target t = {dir, "m1-max", "2026-05-22"};
    char *jp = NULL, *mp = NULL;
    ffai_error e;
    ffai_status st = ffai_report_append(&t, &r, &jp, &mp, &e);
    CHECK(st == FFAI_OK, "append to FFAI's report: %s", e.msg);
    CHECK(jp && strcmp(jp, tu_path("%s/%s", dir, REF_JSON)) == 0, "json path %s", jp ? jp : "(null)");
    CHECK(mp && strcmp(mp, tu_path("%s/%s", dir, REF_MD)) == 0, "md path %s", mp ? mp : "(null)");
    size_t njl, nml;
    char *nj = tu_read_file(tu_path("%s/%s", dir, REF_JSON), &njl), *nm = tu_read_file(tu_path("%s/%s", dir, REF_MD), &nml);
    CHECK(nj && nm, "read appended pair");
    if (nj && nm) {
        json_t *doc;
        CHECK(rdoc_parse(nj, njl, &doc, &e) == FFAI_OK, "appended sidecar parses: %s", e.msg);
        CHECK(json_array_size(json_object_get(doc, "rows")) == 2, "two rows");
        json_decref(doc);
        /* FFAI's text up to the end of its row must be a byte-exact prefix of the new file */
        const char *row_end = strstr(json, "\n    }");
        size_t prefix = row_end ? (size_t)(row_end - json) + 6 : 0;
        CHECK(prefix > 0 && njl > prefix && memcmp(nj, json, prefix) == 0 && strncmp(nj + prefix, ",\n    {\n", 8) == 0,
              "FFAI's row changed (first %zu bytes)", prefix);
        const char *tail = "\n  ],\n  \"systemRAMBytes\" : 68719476736\n}";
        CHECK(njl > strlen(tail) && strcmp(nj + njl - strlen(tail), tail) == 0, "sidecar tail");
        /* FFAI's markdown (title, header lines and its row) is a byte-exact prefix; one new line follows */
        CHECK(nml > ml && memcmp(nm, md, ml) == 0, "FFAI's markdown lines changed");
        const char *want = "| Qwen/Qwen3-0.6B | simple | bf16 | 40960 | 5 | 123.46 | 45.68 | 46.00 | 40.50 | 64 | 1.50 GB | "
                           "1.60 GB | 4.5 MB | 1.40 GB | 1.235 | - | Once upon a time, there was a \\| pipe |\n";
        CHECK(nml > ml && strcmp(nm + ml, want) == 0, "new md line:\n%s\nwant:\n%s", nm + ml, want);
        /* the new row's JSON, with its extras */
        CHECK(strstr(nj, "      \"backend\" : \"cpu\",\n") && strstr(nj, "      \"model\" : \"Qwen\\/Qwen3-0.6B\",\n") &&
                  strstr(nj, "      \"threads\" : 2,\n") && strstr(nj, "      \"prefillTokensPerSecond\" : 123.456,\n"),
              "new row JSON:\n%s", nj);
    }
    CHECK(dir_entries(dir) == 3, "dir holds the pair and the lock file only (%d entries)", dir_entries(dir));
    free(nj);
    free(nm);
    free(jp);
    free(mp);
    free(json);
    free(md);
    ffai_row_free_fields(&r);
}

/* ---- markdown cells --------------------------------------------------------------------------------- */

static void test_markdown_cells(void) {
    char b[64];
    rmd_format_bytes(0, b, sizeof b);
    CHECK(strcmp(b, "0.0 MB") == 0, "0 -> %s", b);
    rmd_format_bytes(1048576, b, sizeof b);
    CHECK(strcmp(b, "1.0 MB") == 0, "1 MiB -> %s", b);
    rmd_format_bytes(1073741823, b, sizeof b);
    CHECK(strcmp(b, "1024.0 MB") == 0, "1 GiB - 1 -> %s", b);
    rmd_format_bytes(1073741824, b, sizeof b);
    CHECK(strcmp(b, "1.00 GB") == 0, "1 GiB -> %s", b);
    rmd_format_bytes(68719476736, b, sizeof b);
    CHECK(strcmp(b, "64.00 GB") == 0, "64 GiB -> %s", b);

    /* absent optionals render as "-"; only Sample escapes '|'; newlines become spaces */
    const char *dir = tu_tmpdir();
    ffai_bench_row r;
    ffai_row_init(&r);
    r.model = strdup("a|b");
    r.method = strdup("wikitext2");
    r.context_size = 2048;
    r.prompt_tokens = 2049;
    r.prefill_tps = 1000;
    r.decode_tps = 0;
    r.ttft_ms = 2049.25;
    r.gen_kld = 0.012345;
    r.output_preview = strdup("x|y\nz\r|");
    ffai_report_target t = {dir, "test-chip", "2024-02-29"};
    ffai_error e;
    char *mp = NULL;
    CHECK(ffai_report_append(&t, &r, NULL, &mp, &e) == FFAI_OK, "append: %s", e.msg);
    size_t n;
    char *md = mp ? tu_read_file(mp, &n) : NULL;
    const char *line = md ? strstr(md, "| a|b") : NULL;
    const char *want = "| a|b | wikitext2 | - | 2048 | 2049 | 1000.00 | 0.00 | - | 2049.25 | 0 | 0.0 MB | 0.0 MB | 0.0 MB | "
                       "0.0 MB | - | 0.0123 | x\\|y z \\| |\n";
    CHECK(line && strcmp(line, want) == 0, "row line:\n%s\nwant:\n%s", line ? line : "(none)", want);
    CHECK(md && strncmp(md, "# FFAI Bench \xE2\x80\x94 test-chip\n\n- System RAM: ", 39) == 0, "title: %.60s", md ? md : "");
    CHECK(md && n > 0 && md[n - 1] == '\n', "md ends with a newline");
    /* the new sidecar: header keys of this machine, no trailing newline */
    size_t jl;
    char *json = tu_read_file(tu_path("%s/.test-chip-2024-02-29.state.json", dir), &jl);
    json_t *doc = NULL;
    CHECK(json && rdoc_parse(json, jl, &doc, &e) == FFAI_OK, "new sidecar parses");
    if (doc) {
        struct utsname u;
        uname(&u);
        const char *created = json_string_value(json_object_get(doc, "createdAt"));
        CHECK(strlen(created) == 20 && created[4] == '-' && created[10] == 'T' && created[19] == 'Z', "createdAt %s", created);
        CHECK(strcmp(json_string_value(json_object_get(doc, "osVersion")), u.release) == 0, "osVersion");
        CHECK(strcmp(json_string_value(json_object_get(doc, "chip")), "test-chip") == 0, "chip");
        CHECK(json_integer_value(json_object_get(doc, "systemRAMBytes")) > 0, "systemRAMBytes");
        CHECK(json_object_get(json_array_get(json_object_get(doc, "rows"), 0), "steadyTokensPerSecond") == NULL,
              "absent steady omitted");
    }
    CHECK(json && jl > 0 && json[jl - 1] == '}', "no trailing newline");
    json_decref(doc);
    free(json);
    free(md);
    free(mp);
    ffai_row_free_fields(&r);
}

/* ---- row API ------------------------------------------------------------------------------------------ */

static void test_row_api(void) {
    ffai_bench_row r;
    sample_row(&r, "m");
    CHECK(ffai_row_set_int(&r, "threads", 4) == FFAI_OK && r.n_extras == 2, "replace keeps count (%d)", r.n_extras);
    CHECK(ffai_row_set_double(&r, "threads", 0.5) == FFAI_OK && r.extras[1].kind == FFAI_EXTRA_DOUBLE, "replace kind");
    CHECK(ffai_row_set_bool(&r, "pass", true) == FFAI_OK && r.n_extras == 3, "bool extra");
    CHECK(ffai_row_set_int(&r, "model", 1) == FFAI_ERR_INVALID_ARG, "standard key rejected");
    CHECK(ffai_row_set_double(&r, "x", NAN) == FFAI_ERR_INVALID_ARG, "NaN extra rejected");
    CHECK(ffai_row_set_string(&r, "0123456789012345678901234567890123456789012345678", "v") == FFAI_ERR_INVALID_ARG,
          "long key rejected");
    char *js = NULL;
    ffai_error e;
    CHECK(ffai_row_to_json(&r, &js, &e) == FFAI_OK, "to json: %s", e.msg);
    const char *want = "{\"backend\":\"cpu\",\"baselineGPUBytes\":1610612736,\"contextSize\":40960,"
                       "\"decodeTokensPerSecond\":45.678,\"genPerplexity\":1.23456,\"generatedTokens\":64,"
                       "\"kvCacheUsedBytes\":4718592,\"method\":\"simple\",\"model\":\"m\","
                       "\"outputPreview\":\"Once upon a time, there was a | pipe\",\"pass\":true,\"peakGPUBytes\":1717986918,"
                       "\"prefillTokensPerSecond\":123.456,\"promptTokens\":5,\"quantization\":\"bf16\","
                       "\"steadyTokensPerSecond\":46.004999,\"threads\":0.5,\"timeToFirstTokenMs\":40.5,"
                       "\"weightsBytes\":1503238554,\"wiredTicketBytes\":8589934592}";
    CHECK(js && strcmp(js, want) == 0, "row json:\n%s\nwant:\n%s", js ? js : "", want);
    free(js);
    r.decode_tps = INFINITY;
    CHECK(ffai_row_to_json(&r, &js, &e) == FFAI_ERR_INVALID_ARG && strstr(e.msg, "decodeTokensPerSecond"),
          "non-finite required double: %s", e.msg);
    ffai_row_free_fields(&r);
    CHECK(r.model == NULL && r.n_extras == 0 && isnan(r.steady_tps), "free re-inits");
    ffai_row_free_fields(NULL);

    char slug[64];
    CHECK(ffai_slugify("  AMD EPYC 9654 96-Core Processor ", slug, sizeof slug) == FFAI_OK &&
              strcmp(slug, "amd-epyc-9654-96-core-processor") == 0, "slug %s", slug);
    CHECK(ffai_slugify("Intel(R) Xeon(R)", slug, sizeof slug) == FFAI_OK && strcmp(slug, "intel-r-xeon-r") == 0, "slug %s",
          slug);
    CHECK(ffai_slugify("--", slug, sizeof slug) == FFAI_ERR_INVALID_ARG, "empty slug");
    CHECK(ffai_slugify("abcdef", slug, 4) == FFAI_ERR_RANGE, "slug too long");
    CHECK(ffai_device_slug(slug, sizeof slug) == FFAI_OK && slug[0], "device slug");
    printf("device slug: %s\n", slug);

    const char *dir = tu_tmpdir();
    sample_row(&r, "m");
    ffai_report_target bad_chip = {dir, "M1 Max", "2026-05-22"}, bad_date = {dir, "x", "2023-02-29"};
    CHECK(ffai_report_append(&bad_chip, &r, NULL, NULL, &e) == FFAI_ERR_INVALID_ARG && strstr(e.msg, "not a slug"),
          "bad chip: %s", e.msg);
    CHECK(ffai_report_append(&bad_date, &r, NULL, NULL, &e) == FFAI_ERR_INVALID_ARG && strstr(e.msg, "2023-02-29"),
          "bad date: %s", e.msg);
    free(r.method);
    r.method = NULL;
    ffai_report_target ok = {dir, "x", "2026-01-01"};
    CHECK(ffai_report_append(&ok, &r, NULL, NULL, &e) == FFAI_ERR_INVALID_ARG, "missing method: %s", e.msg);
    CHECK(dir_entries(dir) == 0, "nothing written for invalid input (%d entries)", dir_entries(dir));
    ffai_row_free_fields(&r);
}

/* ---- failures change nothing --------------------------------------------------------------------------- */

static void check_decode_failure(const char *sidecar_text, const char *what) {
    const char *dir = tu_tmpdir();
    const char *jp = tu_path("%s/.c-2026-05-22.state.json", dir), *mp = tu_path("%s/c-2026-05-22.md", dir);
    char jpath[4096], mpath[4096];
    snprintf(jpath, sizeof jpath, "%s", jp);
    snprintf(mpath, sizeof mpath, "%s", mp);
    const char *md_text = "# hand edit\n";
    write_file(jpath, sidecar_text, strlen(sidecar_text));
    write_file(mpath, md_text, strlen(md_text));
    ffai_bench_row r;
    sample_row(&r, "m");
    ffai_report_target t = {dir, "c", "2026-05-22"};
    ffai_error e;
    ffai_status st = ffai_report_append(&t, &r, NULL, NULL, &e);
    char prefix[4200];
    snprintf(prefix, sizeof prefix, "Bench: failed to decode %s: ", jpath);
    CHECK(st == FFAI_ERR_FORMAT && strncmp(e.msg, prefix, strlen(prefix)) == 0, "%s: status %d, '%s'", what, st, e.msg);
    printf("%s -> %s\n", what, e.msg);
    size_t n1, n2;
    char *j = tu_read_file(jpath, &n1), *m = tu_read_file(mpath, &n2);
    CHECK(j && n1 == strlen(sidecar_text) && memcmp(j, sidecar_text, n1) == 0, "%s: sidecar changed", what);
    CHECK(m && n2 == strlen(md_text) && memcmp(m, md_text, n2) == 0, "%s: markdown changed", what);
    CHECK(dir_entries(dir) == 3, "%s: no temp files left (%d entries)", what, dir_entries(dir));
    free(j);
    free(m);
    ffai_row_free_fields(&r);
}

static void test_failures(void) {
    check_decode_failure("{ \"chip\" : \"c\", ", "truncated JSON");
    check_decode_failure("[]", "not an object");
    check_decode_failure("{\"chip\":\"c\",\"createdAt\":\"2026-05-22T07:24:01Z\",\"osVersion\":\"x\",\"systemRAMBytes\":1}",
                         "missing rows");
    check_decode_failure("{\"chip\":\"c\",\"createdAt\":\"2026-05-22T07:24:01Z\",\"osVersion\":\"x\",\"systemRAMBytes\":1,"
                         "\"rows\":[{\"model\":\"m\",\"method\":\"simple\"}]}",
                         "row missing keys");

    /* report dir below a regular file: clear error, nothing created */
    const char *dir = tu_tmpdir();
    char file[4096], target[4200];
    snprintf(file, sizeof file, "%s/plain-file", dir);
    write_file(file, "x", 1);
    snprintf(target, sizeof target, "%s/sub/reports", file);
    ffai_bench_row r;
    sample_row(&r, "m");
    ffai_report_target t = {target, "c", "2026-05-22"};
    ffai_error e;
    char want[4400];
    snprintf(want, sizeof want, "cannot write report dir %s: Not a directory", target);
    CHECK(ffai_report_append(&t, &r, NULL, NULL, &e) == FFAI_ERR_IO && strcmp(e.msg, want) == 0, "unwritable: '%s'", e.msg);
    printf("unwritable dir -> %s\n", e.msg);
    CHECK(dir_entries(dir) == 1, "nothing written beside the file (%d entries)", dir_entries(dir));
    if (geteuid() != 0) { /* permissions do not stop root */
        char ro[4200];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        mkdir(ro, 0555);
        t.report_dir = ro;
        CHECK(ffai_report_append(&t, &r, NULL, NULL, &e) == FFAI_ERR_IO && strstr(e.msg, "cannot write report dir"),
              "read-only dir: '%s'", e.msg);
        CHECK(dir_entries(ro) == 0, "nothing written in the read-only dir");
    }
    ffai_row_free_fields(&r);
}

/* ---- re-render ------------------------------------------------------------------------------------------ */

static void count_rendered(const char *md_path, int n_rows, void *user) {
    (void)md_path;
    *(int *)user += n_rows;
}

static void test_render_dir(void) {
    const char *dir = copy_reference();
    write_file(tu_path("%s/%s", dir, REF_MD), "stale\n", 6);
    int n = 0, rows = 0;
    ffai_error e;
    CHECK(ffai_report_render_dir(dir, count_rendered, &rows, &n, &e) == FFAI_OK, "render dir: %s", e.msg);
    CHECK(n == 1 && rows == 1, "rendered %d files, %d rows", n, rows);
    size_t a, b;
    char *md = tu_read_file(tu_path("%s/%s", dir, REF_MD), &a), *ref = tu_read_file(ref_path(REF_MD), &b);
    CHECK(md && ref && a == b && memcmp(md, ref, a) == 0, "re-rendered markdown equals FFAI's");
    free(md);
    free(ref);
    CHECK(ffai_report_render_dir(tu_path("%s/missing", dir), NULL, NULL, &n, &e) == FFAI_ERR_NOT_FOUND, "missing dir: %s",
          e.msg);
    write_file(tu_path("%s/.bad-2026-01-01.state.json", dir), "{", 1);
    CHECK(ffai_report_render_dir(dir, NULL, NULL, &n, &e) == FFAI_ERR_FORMAT && strstr(e.msg, "Bench: failed to decode"),
          "corrupt sidecar in dir: %s", e.msg);
}

/* ---- concurrency ------------------------------------------------------------------------------------------ */

static void test_concurrent(void) {
    enum { PROCS = 4, ROWS = 25 };
    const char *dir = tu_tmpdir();
    char d[4096];
    snprintf(d, sizeof d, "%s/new/reports", dir); /* the processes also race on mkdir -p */
    pid_t pids[PROCS];
    for (int k = 0; k < PROCS; k++) {
        pids[k] = fork();
        if (pids[k] == 0) {
            int fails = 0;
            for (int i = 0; i < ROWS; i++) {
                ffai_bench_row r;
                char model[64];
                snprintf(model, sizeof model, "p%d-%d", k, i);
                sample_row(&r, model);
                ffai_report_target t = {d, "race", "2026-05-22"};
                if (ffai_report_append(&t, &r, NULL, NULL, NULL) != FFAI_OK) fails++;
                ffai_row_free_fields(&r);
            }
            _exit(fails ? 1 : 0);
        }
    }
    int ok = 0;
    for (int k = 0; k < PROCS; k++) {
        int status = 0;
        waitpid(pids[k], &status, 0);
        ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    CHECK(ok == PROCS, "%d of %d writers succeeded", ok, PROCS);
    size_t n;
    char *json = tu_read_file(tu_path("%s/.race-2026-05-22.state.json", d), &n);
    json_t *doc = NULL;
    ffai_error e;
    CHECK(json && rdoc_parse(json, n, &doc, &e) == FFAI_OK, "sidecar parses after the race");
    int seen[PROCS][ROWS] = {{0}}, dup = 0, total = 0;
    const json_t *rows = json_object_get(doc, "rows");
    for (size_t i = 0; i < json_array_size(rows); i++) {
        int k, j;
        if (sscanf(json_string_value(json_object_get(json_array_get(rows, i), "model")), "p%d-%d", &k, &j) == 2 && k >= 0 &&
            k < PROCS && j >= 0 && j < ROWS)
            dup += seen[k][j]++ > 0, total++;
    }
    CHECK(total == PROCS * ROWS && dup == 0, "rows: %d of %d, %d duplicates", total, PROCS * ROWS, dup);
    char *md = tu_read_file(tu_path("%s/race-2026-05-22.md", d), &n);
    int lines = 0;
    for (size_t i = 0; md && i < n; i++) lines += md[i] == '\n';
    CHECK(lines == 8 + PROCS * ROWS, "markdown lines %d", lines);
    CHECK(dir_entries(d) == 3, "no temp files left (%d entries)", dir_entries(d));
    printf("concurrency: %d processes x %d rows -> %d rows, %d duplicates\n", PROCS, ROWS, total, dup);
    json_decref(doc);
    free(json);
    free(md);
}

int main(void) {
    test_doubles();
    test_json_format();
    test_ffai_roundtrip();
    test_ffai_append();
    test_markdown_cells();
    test_row_api();
    test_failures();
    test_render_dir();
    test_concurrent();
    return tu_finish("test_report");
}
