/* attention.h — causal (optionally sliding-window) attention for a block of query rows that
 * share one KV head, tiled over the keys with an online softmax: the work buffer is a fixed
 * size whatever the context length, so no T x T (or even T-long) score rows are kept. */
#ifndef FFAI_KERNELS_ATTENTION_H
#define FFAI_KERNELS_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"

#define ATTN_KT 256 /* keys per tile (a multiple of KBLK) */
/* Floats of work buffer attn_rows needs for head dimension hd: with an f32 cache, and with
 * an f16 one (each K and V tile is converted to f32 once for all rows of the block). */
#define ATTN_WORK(hd) ((size_t)ATTN_QB * (ATTN_KT + KBLK) + (size_t)ATTN_QB * (size_t)(hd) + 2 * ATTN_QB)
#define ATTN_WORK_F16(hd) (ATTN_WORK(hd) + 2 * (size_t)ATTN_KT * (size_t)(hd))

typedef struct {
    const float *q;    /* query row i at q + i * qstride (RoPE applied) */
    size_t qstride;
    int nq;            /* rows; any count (taken ATTN_QB at a time) */
    int qpos0, step;   /* row i sits at position qpos0 + i * step: it sees keys [lo_i, qpos_i] */
    int window;        /* > 0: sliding window, lo_i = qpos_i - window + 1; 0: lo_i = 0 */
    const float *Kb;   /* this KV head's blocked K cache (kernels.h: k_index) */
    const float *V;    /* this KV head's values: key s at V + s * ldv */
    const uint16_t *Kh, *Vh; /* instead of Kb and V when the cache holds IEEE halves (same layouts) */
    int ldv, hd;
    float scale;       /* on q.k before the softcap */
    float softcap;     /* > 0: scores become softcap * tanh(score / softcap) */
    float *out;        /* row i's output (hd,) at out + i * ldo */
    size_t ldo;
    int klo, khi;      /* khi > 0: only keys [klo, khi) of each row's range (a split of the keys) */
    float *ml;         /* non-NULL: row i's running max and sum at ml[2i], ml[2i+1] (to merge splits) */
} attn_rows_job;

/* Merges the partial results of nparts key splits of one row: part p's output (normalised
 * over its keys) at o + p * ldo_part, its max and sum at ml + p * ldml; into out (hd,). */
void attn_merge(const float *o, size_t ldo_part, const float *ml, size_t ldml, int nparts, int hd, float *out);

/* softmax(q K^T) V for every row of the job; work holds ATTN_WORK(hd) floats. */
void attn_rows(const kernel_set *ks, const attn_rows_job *j, float *work);

#endif
