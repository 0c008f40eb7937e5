/* hub.c — resolve a model argument: a local directory, or a hub id "org/name"
 * looked up in the local HuggingFace cache (snapshots/<rev>, refs/main). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ffai/model.h"
#include "io/mapped_file.h"

/* The hub cache directory per HF's rules; writes "" when HOME is unknown. */
static void hub_cache_dir(char *out, size_t n) {
    const char *v = getenv("HF_HUB_CACHE");
    if (v && *v) {
        snprintf(out, n, "%s", v);
        return;
    }
    v = getenv("HF_HOME");
    if (v && *v) {
        snprintf(out, n, "%s/hub", v);
        return;
    }
    v = getenv("HOME");
    snprintf(out, n, "%s/.cache/huggingface/hub", v ? v : "");
}

static int looks_like_hub_id(const char *s) {
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/')) return 0;
    if (s[0] == '.' || s[0] == '~') return 0;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.' || *p == '/')) return 0;
    return 1;
}

ffai_status ffai_model_resolve(const char *model, char *dir, size_t dir_len, ffai_error *err) {
    if (!model || !*model) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "empty model argument");
    if (io_is_dir(model)) {
        snprintf(dir, dir_len, "%s", model);
        return FFAI_OK;
    }
    if (!looks_like_hub_id(model))
        return ffai_fail(err, FFAI_ERR_NOT_FOUND, "model '%s' not found: no such directory", model);
    char cache[2048], repo[4096], ref[4096 + 64], snap[8192];
    hub_cache_dir(cache, sizeof cache);
    snprintf(repo, sizeof repo, "%s/models--", cache);
    size_t l = strlen(repo);
    for (const char *p = model; *p && l + 2 < sizeof repo; p++) {
        if (*p == '/') {
            repo[l++] = '-';
            repo[l++] = '-';
        } else
            repo[l++] = *p;
    }
    repo[l] = '\0';
    snprintf(ref, sizeof ref, "%s/refs/main", repo);
    char *rev = NULL;
    size_t rl = 0;
    if (io_read_file(ref, &rev, &rl, NULL) == FFAI_OK) {
        while (rl > 0 && (rev[rl - 1] == '\n' || rev[rl - 1] == '\r' || rev[rl - 1] == ' ')) rev[--rl] = '\0';
        int ok = rl > 0 && !strchr(rev, '/');
        snprintf(snap, sizeof snap, "%s/snapshots/%s", repo, rev);
        free(rev);
        if (ok && io_is_dir(snap)) {
            snprintf(dir, dir_len, "%s", snap);
            return FFAI_OK;
        }
        return ffai_fail(err, FFAI_ERR_NOT_FOUND, "model '%s': %s names a snapshot that is missing (looked in %s/snapshots)", model, ref, repo);
    }
    return ffai_fail(err, FFAI_ERR_NOT_FOUND,
                     "model '%s' not found: not a local directory and not in the HF cache (looked for %s; set HF_HUB_CACHE or HF_HOME, or pass a directory)",
                     model, ref);
}
