/* records.c — the resident weights of affine matrices as row records: each row's codes,
 * scales and biases side by side, so that a matrix-vector pass reads one memory stream per
 * row instead of three (the file keeps all codes, then all scales, then all biases).
 * The copy goes chunk by chunk and hands the source pages back as it goes, so the process
 * never holds much more than one copy of the weights. */
#include <stdlib.h>
#include <sys/mman.h>

#include "core/error.h"
#include "core/mem.h"
#include "model/model_internal.h"

#define CHUNK_BYTES ((size_t)1 << 20) /* codes copied between page hand-backs */

/* Every matrix of the model, the tied lm head included (it may alias the embedding). */
static int all_matrices(ffai_model *m, wmat **out) {
    int n = 0;
    out[n++] = &m->embed;
    out[n++] = &m->lm_head;
    for (int l = 0; l < m->cfg.n_layers; l++) {
        layer_weights *L = &m->layers[l];
        out[n++] = &L->wq, out[n++] = &L->wk, out[n++] = &L->wv, out[n++] = &L->wo;
        out[n++] = &L->w_gate, out[n++] = &L->w_up, out[n++] = &L->w_down;
    }
    return n;
}

/* Whether an earlier matrix in list[0..i) reads the same bytes (a tied head). */
static int alias_of(wmat **list, int i) {
    for (int j = 0; j < i; j++)
        if (list[j]->w == list[i]->w) return j;
    return -1;
}

/* Copies m's rows into records at dst chunk by chunk, dropping the source pages behind. */
static void copy_records(wmat *m, uint8_t *dst) {
    const uint8_t *w0 = m->w, *s0 = m->scales, *b0 = m->biases;
    size_t sbb = m->sb_stride;
    int step = (int)(CHUNK_BYTES / m->row_bytes) + 1;
    for (int r = 0; r < m->rows; r += step) {
        int r1 = m->rows - r < step ? m->rows : r + step;
        wmat_write_records(m, r, r1, dst);
        /* whole pages of the sources that are done with (the pages at their ends may hold
         * a neighbouring tensor and stay until the tensor is done) */
        mem_drop_pages(w0, (size_t)r1 * m->row_bytes);
        mem_drop_pages(s0, (size_t)r1 * sbb);
        mem_drop_pages(b0, (size_t)r1 * sbb);
    }
    wmat_use_records(m, dst);
}

ffai_status weights_to_records(ffai_model *m, ffai_error *err) {
    int cap = 2 + 7 * m->cfg.n_layers;
    wmat **list = malloc(sizeof *list * (size_t)cap);
    if (!list) return ffai_fail(err, FFAI_ERR_NOMEM, "out of memory");
    int n = all_matrices(m, list);
    size_t total = 0;
    for (int i = 0; i < n; i++)
        if (list[i]->kind == WT_AFFINE && alias_of(list, i) < 0) total += wmat_record_bytes(list[i]) * (size_t)list[i]->rows;
    if (total == 0) {
        free(list);
        return FFAI_OK;
    }
    void *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        free(list);
        return ffai_fail(err, FFAI_ERR_NOMEM, "%s: cannot allocate %zu bytes for the weights' row records", m->dir, total);
    }
#ifdef MADV_HUGEPAGE
    madvise(base, total, MADV_HUGEPAGE);
#endif
    uint8_t *dst = base;
    for (int i = 0; i < n; i++) {
        if (list[i]->kind != WT_AFFINE || alias_of(list, i) >= 0) continue;
        const uint8_t *src = list[i]->w;
        copy_records(list[i], dst);
        for (int j = i + 1; j < n; j++) /* a tied head follows its embedding */
            if (list[j]->w == src) *list[j] = *list[i];
        dst += wmat_record_bytes(list[i]) * (size_t)list[i]->rows;
    }
    mprotect(base, total, PROT_READ);
    m->records = base, m->records_len = total;
    free(list);
    return FFAI_OK;
}

void weights_free_records(ffai_model *m) {
    if (m->records) munmap(m->records, m->records_len);
    m->records = NULL, m->records_len = 0;
}
