/* safetensors.c — validated, memory-mapped reading of HF safetensors files. */
#include "io/safetensors.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define ST_MAX_HEADER (100u * 1024u * 1024u) /* same bound as the reference implementation */

static const struct {
    const char *name;
    st_dtype dt;
    size_t size;
} DTYPES[] = {
    {"F64", ST_F64, 8}, {"F32", ST_F32, 4}, {"F16", ST_F16, 2}, {"BF16", ST_BF16, 2}, {"I64", ST_I64, 8},
    {"I32", ST_I32, 4}, {"I16", ST_I16, 2}, {"I8", ST_I8, 1},   {"U64", ST_U64, 8},   {"U32", ST_U32, 4},
    {"U16", ST_U16, 2}, {"U8", ST_U8, 1},   {"BOOL", ST_BOOL, 1},
};
#define N_DTYPES ((int)(sizeof DTYPES / sizeof DTYPES[0]))

size_t st_dtype_size(st_dtype dt) {
    for (int i = 0; i < N_DTYPES; i++)
        if (DTYPES[i].dt == dt) return DTYPES[i].size;
    return 0;
}

const char *st_dtype_name(st_dtype dt) {
    for (int i = 0; i < N_DTYPES; i++)
        if (DTYPES[i].dt == dt) return DTYPES[i].name;
    return "?";
}

static int parse_dtype(const char *s, st_dtype *dt) {
    for (int i = 0; i < N_DTYPES; i++)
        if (strcmp(s, DTYPES[i].name) == 0) {
            *dt = DTYPES[i].dt;
            return 1;
        }
    return 0;
}

static int cmp_tensor_name(const void *a, const void *b) {
    return strcmp(((const st_tensor *)a)->name, ((const st_tensor *)b)->name);
}

static int cmp_tensor_data(const void *a, const void *b) {
    const st_tensor *x = *(const st_tensor *const *)a, *y = *(const st_tensor *const *)b;
    if ((const char *)x->data != (const char *)y->data) return (const char *)x->data < (const char *)y->data ? -1 : 1;
    return x->nbytes < y->nbytes ? -1 : x->nbytes > y->nbytes;
}

void st_set_free(st_set *set) {
    if (!set) return;
    for (int i = 0; i < set->n; i++) free(set->tensors[i].name);
    free(set->tensors);
    for (int i = 0; i < set->n_files; i++) mf_close(&set->files[i]);
    free(set->files);
    memset(set, 0, sizeof *set);
}

/* Parses the header of an opened file and appends its tensors to set. */
static ffai_status parse_header(st_set *set, const mapped_file *mf, ffai_error *err) {
    const char *path = mf->path;
    if (mf->size < 8) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: truncated safetensors file (%zu bytes, need at least 8)", path, mf->size);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | mf->data[i];
    if (hlen > ST_MAX_HEADER)
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: header length %llu exceeds the %u-byte limit", path, (unsigned long long)hlen, ST_MAX_HEADER);
    if (hlen > mf->size - 8)
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: header length %llu runs past the end of the file (%zu bytes)", path,
                         (unsigned long long)hlen, mf->size);
    json_error_t je;
    json_t *root = json_loadb((const char *)mf->data + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &je);
    if (!root) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: header is not valid JSON (%s at byte %d)", path, je.text, je.position);
    if (!json_is_object(root)) {
        json_decref(root);
        return ffai_fail(err, FFAI_ERR_FORMAT, "%s: header is not a JSON object", path);
    }
    const unsigned char *base = mf->data + 8 + hlen;
    size_t data_size = mf->size - 8 - (size_t)hlen;
    size_t count = json_object_size(root);
    st_tensor *grown = realloc(set->tensors, (size_t)(set->n + (int)count + 1) * sizeof *grown);
    if (!grown) {
        json_decref(root);
        return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    }
    set->tensors = grown;
    int first = set->n;
    const char *key;
    json_t *val;
    ffai_status st = FFAI_OK;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "__metadata__") == 0) continue;
        st_tensor t;
        memset(&t, 0, sizeof t);
        t.file = path;
        json_t *jd = json_object_get(val, "dtype"), *js = json_object_get(val, "shape"), *jo = json_object_get(val, "data_offsets");
        if (!json_is_object(val) || !json_is_string(jd) || !json_is_array(js) || !json_is_array(jo) || json_array_size(jo) != 2) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s: entry needs dtype, shape and data_offsets [begin, end]", path, key);
            break;
        }
        if (!parse_dtype(json_string_value(jd), &t.dtype)) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s: unknown dtype '%s'", path, key, json_string_value(jd));
            break;
        }
        if (json_array_size(js) > ST_MAX_DIMS) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s: %zu dimensions (at most %d)", path, key, json_array_size(js), ST_MAX_DIMS);
            break;
        }
        t.ndim = (int)json_array_size(js);
        unsigned __int128 numel = 1;
        for (int d = 0; d < t.ndim && st == FFAI_OK; d++) {
            json_t *x = json_array_get(js, (size_t)d);
            if (!json_is_integer(x) || json_integer_value(x) < 0)
                st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s: shape[%d] is not a non-negative integer", path, key, d);
            else {
                t.shape[d] = json_integer_value(x);
                numel *= (unsigned __int128)t.shape[d];
            }
        }
        if (st) break;
        json_t *b = json_array_get(jo, 0), *e = json_array_get(jo, 1);
        if (!json_is_integer(b) || !json_is_integer(e) || json_integer_value(b) < 0 || json_integer_value(e) < json_integer_value(b)) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s: data_offsets must be integers with 0 <= begin <= end", path, key);
            break;
        }
        uint64_t ob = (uint64_t)json_integer_value(b), oe = (uint64_t)json_integer_value(e);
        if (oe > data_size) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s: data_offsets [%llu, %llu] run past the end of the file (data section is %zu bytes)",
                           path, key, (unsigned long long)ob, (unsigned long long)oe, data_size);
            break;
        }
        unsigned __int128 want = numel * st_dtype_size(t.dtype);
        if (want != (unsigned __int128)(oe - ob)) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s: %llu bytes in the file but shape x %s needs %llu", path, key,
                           (unsigned long long)(oe - ob), st_dtype_name(t.dtype), (unsigned long long)want);
            break;
        }
        t.data = base + ob;
        t.nbytes = (size_t)(oe - ob);
        t.name = strdup(key);
        if (!t.name) {
            st = ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
            break;
        }
        set->tensors[set->n++] = t;
    }
    json_decref(root);
    if (st) return st;
    /* overlap check within this file */
    int nt = set->n - first;
    if (nt > 1) {
        st_tensor **order = malloc((size_t)nt * sizeof *order);
        if (!order) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
        for (int i = 0; i < nt; i++) order[i] = &set->tensors[first + i];
        qsort(order, (size_t)nt, sizeof *order, cmp_tensor_data);
        /* compare each tensor with the non-empty one reaching farthest so far
         * (an empty tensor between two overlapping ones must not hide them) */
        const st_tensor *far = NULL;
        for (int i = 0; i < nt && st == FFAI_OK; i++) {
            if (order[i]->nbytes == 0) continue;
            if (far && (const char *)order[i]->data < (const char *)far->data + far->nbytes)
                st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s overlaps tensor %s", path, order[i]->name, far->name);
            if (!far || (const char *)order[i]->data + order[i]->nbytes > (const char *)far->data + far->nbytes) far = order[i];
        }
        free(order);
    }
    return st;
}

static ffai_status add_file(st_set *set, const char *path, ffai_error *err) {
    mapped_file *grown = realloc(set->files, (size_t)(set->n_files + 1) * sizeof *grown);
    if (!grown) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    set->files = grown;
    ffai_status st = mf_open(path, &set->files[set->n_files], err);
    if (st) return st;
    set->n_files++;
    return parse_header(set, &set->files[set->n_files - 1], err);
}

static ffai_status finish(st_set *set, ffai_error *err) {
    qsort(set->tensors, (size_t)set->n, sizeof *set->tensors, cmp_tensor_name);
    for (int i = 1; i < set->n; i++)
        if (strcmp(set->tensors[i].name, set->tensors[i - 1].name) == 0)
            return ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s appears twice (also in %s)", set->tensors[i].file,
                             set->tensors[i].name, set->tensors[i - 1].file);
    return FFAI_OK;
}

ffai_status st_open_file(const char *path, st_set *set, ffai_error *err) {
    memset(set, 0, sizeof *set);
    ffai_status st = add_file(set, path, err);
    if (!st) st = finish(set, err);
    if (st) st_set_free(set);
    return st;
}

ffai_status st_open_dir(const char *dir, st_set *set, ffai_error *err) {
    memset(set, 0, sizeof *set);
    char path[4096];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (io_is_file(path)) return st_open_file(path, set, err);
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    if (!io_is_file(path))
        return ffai_fail(err, FFAI_ERR_NOT_FOUND, "%s: no model.safetensors or model.safetensors.index.json", dir);
    json_error_t je;
    json_t *idx = json_load_file(path, 0, &je);
    if (!idx) return ffai_fail(err, FFAI_ERR_FORMAT, "%s: invalid JSON (%s, line %d)", path, je.text, je.line);
    json_t *wm = json_object_get(idx, "weight_map");
    ffai_status st = FFAI_OK;
    if (!json_is_object(wm)) st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: missing object \"weight_map\"", path);
    /* open each distinct shard once */
    const char *key;
    json_t *val;
    if (!st) json_object_foreach(wm, key, val) {
        if (!json_is_string(val) || strchr(json_string_value(val), '/')) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: weight_map[\"%s\"] must be a file name in the model dir", path, key);
            break;
        }
        char shard[4096];
        snprintf(shard, sizeof shard, "%s/%s", dir, json_string_value(val));
        int have = 0;
        for (int i = 0; i < set->n_files; i++)
            if (strcmp(set->files[i].path, shard) == 0) have = 1;
        if (!have && (st = add_file(set, shard, err))) {
            ffai_error_prefix(err, "%s: tensor %s", path, key); /* say which index entry led there */
            break;
        }
    }
    if (!st) st = finish(set, err);
    if (!st) json_object_foreach(wm, key, val) {
        const st_tensor *t = st_find(set, key);
        if (!t) {
            st = ffai_fail(err, FFAI_ERR_FORMAT, "%s: tensor %s is listed in the index but missing from %s", path, key, json_string_value(val));
            break;
        }
    }
    json_decref(idx);
    if (st) st_set_free(set);
    return st;
}

const st_tensor *st_find(const st_set *set, const char *name) {
    int lo = 0, hi = set->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(set->tensors[mid].name, name);
        if (c == 0) return &set->tensors[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return NULL;
}

size_t st_total_bytes(const st_set *set) {
    size_t n = 0;
    for (int i = 0; i < set->n; i++) n += set->tensors[i].nbytes;
    return n;
}

ffai_status st_make_resident(st_set *set, ffai_error *err) {
    for (int f = 0; f < set->n_files; f++) {
        const unsigned char *lo = set->files[f].data, *hi = lo + set->files[f].size;
        ptrdiff_t moved;
        /* the data section starts after the 8-byte length and the header (validated at open) */
        uint64_t hlen = 0;
        for (int i = 7; i >= 0 && set->files[f].size >= 8; i--) hlen = (hlen << 8) | lo[i];
        ffai_status st = mf_make_resident(&set->files[f], (size_t)(8 + hlen), &moved, err);
        if (st) return st;
        for (int i = 0; i < set->n; i++) {
            const unsigned char *d = set->tensors[i].data;
            if (d >= lo && d < hi + (set->tensors[i].nbytes == 0)) set->tensors[i].data = d + moved;
        }
    }
    return FFAI_OK;
}
