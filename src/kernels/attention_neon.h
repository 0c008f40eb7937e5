/* attention_neon.h — AArch64 NEON attention kernels (see kernels.h for shapes). */
#ifndef FFAI_KERNELS_ATTENTION_NEON_H
#define FFAI_KERNELS_ATTENTION_NEON_H

#include <stddef.h>

void attn_scores_neon(const float *q, int nq, size_t qstride, int hd, const float *Kb, int lo, int hi, float scale, float *scores, int lds);
void attn_pv_neon(const float *P, int nq, int lds, const float *V, int ldv, int n, int hd, float *out);

#endif
