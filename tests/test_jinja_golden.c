/* test_jinja_golden.c — every case of tests/data/golden/templates/<name>.json (rendered by Jinja2 with
 * HF's apply_chat_template settings): our render must be byte-identical, or fail where Jinja2
 * failed with a message starting with the recorded error ("TypeError: ...", "TemplateError: ..."). */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ffai/chat.h"
#include "testutil.h"

static int n_cases, n_pass;

static void show_diff(const char *file, const char *name, const char *got, size_t got_len, const char *want) {
    size_t want_len = strlen(want), i = 0;
    while (i < got_len && i < want_len && got[i] == want[i]) i++;
    size_t from = i > 40 ? i - 40 : 0;
    fprintf(stderr, "MISMATCH %s/%s at byte %zu (got %zu bytes, want %zu)\n  got:  \"%.*s\"\n  want: \"%.*s\"\n", file,
            name, i, got_len, want_len, (int)(got_len - from < 120 ? got_len - from : 120), got + from,
            (int)(want_len - from < 120 ? want_len - from : 120), want + from);
}

static void run_file(const char *dir, const char *file) {
    json_error_t je;
    json_t *root = json_load_file(tu_path("%s/%s", dir, file), 0, &je);
    CHECK(root != NULL, "%s: %s", file, je.text);
    if (!root) return;
    const char *src = json_string_value(json_object_get(root, "template"));
    ffai_error err;
    ffai_template *t = NULL;
    ffai_status st = ffai_template_parse(src, strlen(src), &t, &err);
    CHECK(st == FFAI_OK, "%s: parse: %s", file, err.msg);
    size_t i;
    json_t *cs;
    json_array_foreach(json_object_get(root, "cases"), i, cs) {
        n_cases++;
        const char *name = json_string_value(json_object_get(cs, "name"));
        if (!t) continue;
        json_t *vars = json_object();
        json_object_set(vars, "messages", json_object_get(cs, "messages"));
        json_object_set(vars, "tools", json_object_get(cs, "tools"));
        json_object_set(vars, "add_generation_prompt", json_object_get(cs, "add_generation_prompt"));
        json_object_update(vars, json_object_get(cs, "variables"));
        char *vj = json_dumps(vars, JSON_COMPACT);
        json_decref(vars);
        char *out = NULL;
        size_t out_len = 0;
        st = ffai_template_render(t, vj, &out, &out_len, &err);
        free(vj);
        const char *want = json_string_value(json_object_get(cs, "ok"));
        const char *want_err = json_string_value(json_object_get(cs, "error"));
        bool ok;
        if (want) {
            ok = st == FFAI_OK && out_len == strlen(want) && memcmp(out, want, out_len) == 0;
            if (st != FFAI_OK) fprintf(stderr, "ERROR %s/%s: %s\n", file, name, err.msg);
            else if (!ok) show_diff(file, name, out, out_len, want);
        } else {
            ok = st == FFAI_ERR_TEMPLATE && strncmp(err.msg, want_err, strlen(want_err)) == 0;
            if (!ok)
                fprintf(stderr, "EXPECTED ERROR %s/%s: want \"%s\", got status %d \"%s\"\n", file, name, want_err, st,
                        st == FFAI_OK ? "" : err.msg);
        }
        CHECK(ok, "%s/%s", file, name);
        if (ok) n_pass++;
        free(out);
    }
    ffai_template_free(t);
    json_decref(root);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    setenv("SOURCE_DATE_EPOCH", "1721952000", 1); /* the instant the goldens were rendered at */
    const char *dir = tu_path("%s/golden/templates", tu_shared());
    char dirbuf[1024];
    snprintf(dirbuf, sizeof dirbuf, "%s", dir);
    DIR *d = opendir(dirbuf);
    CHECK(d != NULL, "cannot open %s", dirbuf);
    if (!d) return tu_finish("test_jinja_golden");
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".json")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int k = 0; k < n; k++) {
        run_file(dirbuf, names[k]);
        free(names[k]);
    }
    printf("golden templates: %d files, %d/%d cases identical (tolerance: byte-exact)\n", n, n_pass, n_cases);
    CHECK(n >= 28 && n_cases >= 180, "expected the full golden set, found %d files / %d cases", n, n_cases);
    return tu_finish("test_jinja_golden");
}
