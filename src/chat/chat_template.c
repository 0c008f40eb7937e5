/* chat_template.c — public chat-template API: parse/render on top of the Jinja subset, and
 * finding a model's template and special tokens (chat_template.jinja / tokenizer_config.json). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/jinja.h"
#include "core/error.h"
#include "io/mapped_file.h"
#include "ffai/chat.h"

struct ffai_template {
    jtemplate *t;
};

ffai_status ffai_template_parse(const char *src, size_t len, ffai_template **out, ffai_error *err) {
    if (!out || (!src && len)) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "ffai_template_parse: NULL argument");
    *out = NULL;
    jtemplate *t = jp_parse(src ? src : "", len, err);
    if (!t) return err ? err->status : FFAI_ERR_FORMAT;
    ffai_template *ft = malloc(sizeof *ft);
    if (!ft) {
        ja_free(t->arena);
        return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    ft->t = t;
    *out = ft;
    return FFAI_OK;
}

void ffai_template_free(ffai_template *t) {
    if (!t) return;
    ja_free(t->t->arena); /* the jtemplate itself lives in its arena */
    free(t);
}

ffai_status ffai_template_render(const ffai_template *t, const char *vars_json, char **out, size_t *out_len,
                                 ffai_error *err) {
    if (!t || !out) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "ffai_template_render: NULL argument");
    *out = NULL;
    jctx *c = calloc(1, sizeof *c);
    jarena *a = ja_new();
    if (!c || !a) {
        free(c);
        ja_free(a);
        return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    c->a = a;
    c->err = err;
    ffai_status st = FFAI_OK;
    if (setjmp(c->jb)) {
        st = c->st;
        goto done;
    }
    jv vars = jv_none();
    if (vars_json) {
        vars = jj_parse(c, vars_json, strlen(vars_json));
        if (vars.t != JV_DICT) jx_fail(c, FFAI_ERR_FORMAT, "template variables must be a JSON object");
    }
    jbuf buf = {0};
    jx_render(c, t->t->body, vars, &buf);
    char *res = malloc(buf.n + 1);
    if (!res) {
        st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (buf.n) memcpy(res, buf.p, buf.n);
    res[buf.n] = 0;
    *out = res;
    if (out_len) *out_len = buf.n;
done:
    ja_free(a);
    free(c);
    return st;
}

/* ---------------------------------------------------------------- finding a model's template */

/* Reads path; a missing file is not an error (*text stays NULL). */
static ffai_status read_optional(const char *path, char **text, size_t *len, ffai_error *err) {
    *text = NULL;
    ffai_status st = io_read_file(path, text, len, err);
    return st == FFAI_ERR_NOT_FOUND ? FFAI_OK : st;
}

static char *dupstr(const char *s) {
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

/* A special token entry: "…" or {"content": "…"}. */
static const char *token_str(json_t *v) {
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_object(v) && json_is_string(json_object_get(v, "content"))) return json_string_value(json_object_get(v, "content"));
    return NULL;
}

ffai_status ffai_chat_template_find(const char *model_dir, bool has_tools, char **template_src, char **bos_token,
                                    char **eos_token, ffai_error *err) {
    if (template_src) *template_src = NULL;
    if (bos_token) *bos_token = NULL;
    if (eos_token) *eos_token = NULL;
    if (!model_dir) return ffai_fail(err, FFAI_ERR_INVALID_ARG, "ffai_chat_template_find: NULL model_dir");
    size_t plen = strlen(model_dir) + 64;
    char *path = malloc(plen);
    if (!path) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    ffai_status st = FFAI_OK;
    char *tmpl = NULL, *cfg_text = NULL;
    json_t *cfg = NULL;

    snprintf(path, plen, "%s/chat_template.jinja", model_dir);
    if ((st = read_optional(path, &tmpl, NULL, err))) goto out;
    snprintf(path, plen, "%s/tokenizer_config.json", model_dir);
    size_t cfg_len = 0;
    if ((st = read_optional(path, &cfg_text, &cfg_len, err))) goto out;
    if (cfg_text) {
        json_error_t je;
        cfg = json_loadb(cfg_text, cfg_len, 0, &je);
        if (!cfg || !json_is_object(cfg)) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: invalid JSON at line %d: %s", path, je.line,
                           cfg ? "not an object" : je.text);
            goto out;
        }
    }
    if (!tmpl && cfg) {
        json_t *ct = json_object_get(cfg, "chat_template");
        if (json_is_string(ct)) tmpl = dupstr(json_string_value(ct));
        else if (json_is_array(ct)) {
            const char *def = NULL, *tool = NULL;
            size_t i;
            json_t *e;
            json_array_foreach(ct, i, e) {
                const char *name = json_string_value(json_object_get(e, "name"));
                const char *src = json_string_value(json_object_get(e, "template"));
                if (!name || !src) continue;
                if (!strcmp(name, "default")) def = src;
                else if (!strcmp(name, "tool_use")) tool = src;
            }
            const char *pick = (has_tools && tool) ? tool : def;
            if (pick) tmpl = dupstr(pick);
        }
        if (json_is_string(ct) && !tmpl) { /* dupstr failed */
            st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if (!tmpl) {
        st = ffai_fail(err, FFAI_ERR_NOT_FOUND,
                       "%s: no chat template (neither chat_template.jinja nor a usable \"chat_template\" in "
                       "tokenizer_config.json)",
                       model_dir);
        goto out;
    }
    if (cfg) {
        const char *b = token_str(json_object_get(cfg, "bos_token"));
        const char *e = token_str(json_object_get(cfg, "eos_token"));
        if ((bos_token && b && !(*bos_token = dupstr(b))) || (eos_token && e && !(*eos_token = dupstr(e)))) {
            st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if (template_src) {
        *template_src = tmpl;
        tmpl = NULL;
    }
out:
    if (st != FFAI_OK) {
        if (bos_token) {
            free(*bos_token);
            *bos_token = NULL;
        }
        if (eos_token) {
            free(*eos_token);
            *eos_token = NULL;
        }
    }
    free(tmpl);
    free(cfg_text);
    json_decref(cfg);
    free(path);
    return st;
}
