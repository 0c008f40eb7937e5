/* matmul_q8_rows.h — the int8 row kernels, instantiated twice by matmul_q8.c: for MLX
 * 4/8-bit codes (Q8_ANYW 0) and, compiled with AVX-512 VBMI, for codes of any other
 * width decoded to bytes in the 8-bit layout (Q8_ANYW 1). Q8_TGT is the target
 * attribute and Q8_NAME(f) the instance's name for f. */
/* NT tokens (1..4) of NR rows (1 or 2) read together as separate streams (more
 * memory in flight per core than one linear stream). */
__attribute__((always_inline)) Q8_TGT static inline void Q8_NAME(q8_rows_n)(const wmat *W, const q8_act *a, int t0, const int NT, const int *rr, const int NR, float *y,
                                                                 int ldy, const int bits, const int nsc, __m512i sidx, __m512i widx) {
    const int n = W->cols, G = W->group, ng = n / G, S = 32 / bits, B = 16 * S, nb = n / B * B, gsh = __builtin_ctz((unsigned)G);
#if Q8_ANYW
    const int wb = W->bits;
    const anyw_unpack u = anyw_unpack_for(wb); /* any width, in the bits == 8 layout (matmul_q8.c) */
    const __mmask64 wmask = wb >= 8 ? ~(__mmask64)0 : (((__mmask64)1 << (8 * wb)) - 1), wtail = ((__mmask64)1 << ((n - nb) * wb / 8)) - 1;
#endif
    const size_t qstride = bits == 4 ? 128 : 64;
    const __m512i nib = _mm512_set1_epi8(0x0f);
#if !Q8_ANYW
    const __mmask16 tail = (__mmask16)((1u << ((n - nb) / S)) - 1u);
#endif
    const uint8_t *row[2], *rs[2], *rbias[2];
    __m512 acc[2][4];
    for (int i = 0; i < NR; i++) {
        row[i] = wmat_row(W, (size_t)rr[i]);
        rs[i] = wmat_scales(W, (size_t)rr[i]), rbias[i] = wmat_biases(W, (size_t)rr[i]);
        wmat_prefetch_sb(W, (size_t)rr[i], 4);
        for (int j = 0; j < NT; j++) acc[i][j] = _mm512_setzero_ps();
    }
    for (int c = 0, k = 0; c < n; c += B, k++) {
        __m512 dv[4];
        for (int j = 0; j < NT; j++) dv[j] = _mm512_loadu_ps(a->d + (size_t)(t0 + j) * a->ldd + (size_t)k * 16);
        for (int i = 0; i < NR; i++) {
            __m512i v;
#if Q8_ANYW
            { /* 64 codes of wb bits from 8 wb bytes (fewer in a partial last block) */
                size_t off = (size_t)k * 8 * (size_t)wb;
                _mm_prefetch((const char *)row[i] + off + Q8_AHEAD, _MM_HINT_T0);
                __mmask64 m = c < nb ? wmask : wtail;
                v = anyw_codes(&u, row[i] + off, m);
            }
#else
            {
                _mm_prefetch((const char *)row[i] + (size_t)k * 64 + Q8_AHEAD, _MM_HINT_T0);
                v = c < nb ? _mm512_loadu_si512((const void *)(row[i] + (size_t)k * 64)) : _mm512_maskz_loadu_epi32(tail, (const void *)(row[i] + (size_t)k * 64));
            }
#endif
            __m512i lo = v, hi = v;
            if (bits == 4) lo = _mm512_and_si512(v, nib), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
            __m512 sv;
            if (c < nb) sv = lane_scales(W->sb_kind, rs[i], c, gsh, nsc, sidx, widx);
            else {
                float l[16];
                for (int m = 0; m < 16; m++) l[m] = c + S * m < n ? sb_at(W->sb_kind, rs[i], (size_t)((c + S * m) >> gsh)) : 0.0f;
                sv = _mm512_loadu_ps(l);
            }
            for (int j = 0; j < NT; j++) {
                const int8_t *qx = a->q + (size_t)(t0 + j) * a->ldq + (size_t)k * qstride;
                __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_loadu_si512((const void *)qx));
                if (bits == 4) s = _mm512_dpbusd_epi32(s, hi, _mm512_loadu_si512((const void *)(qx + 64)));
                acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(sv, dv[j]), acc[i][j]);
            }
        }
    }
    for (int i = 0; i < NR; i++)
        for (int j = 0; j < NT; j++)
            y[(size_t)(t0 + j) * ldy + rr[i]] = row_y_fold(W->sb_kind, NULL, rbias[i], ng, a->xs + (size_t)(t0 + j) * a->ldxs, 0.0f, acc[i][j]);
}

#define Q8_ROWS_NT(NR)                                                                   \
    do {                                                                                 \
        switch (nt) {                                                                    \
        case 1: Q8_NAME(q8_rows_n)(W, a, t0, 1, rr, NR, y, ldy, bits, nsc, sidx, widx); break;    \
        case 2: Q8_NAME(q8_rows_n)(W, a, t0, 2, rr, NR, y, ldy, bits, nsc, sidx, widx); break;    \
        case 3: Q8_NAME(q8_rows_n)(W, a, t0, 3, rr, NR, y, ldy, bits, nsc, sidx, widx); break;    \
        default: Q8_NAME(q8_rows_n)(W, a, t0, 4, rr, NR, y, ldy, bits, nsc, sidx, widx); break;   \
        }                                                                                \
    } while (0)

__attribute__((always_inline)) Q8_TGT static inline void Q8_NAME(q8_rows_k)(const wmat *W, const q8_act *a, int T, float *y, int ldy, int r0, int r1, const int bits,
                                                                 const int nsc) {
    const int S = 32 / bits, G = W->group;
    __m512i sidx, widx;
    lane_indices(S, G, &sidx, &widx);
    /* Row blocks of about 256 KiB of weights; within one, token tiles outer and rows
     * inner: the block stays in L2 while every tile of activations passes over it
     * (decode has one tile, so the rows simply stream). */
    int rbk = (int)(((size_t)256 << 10) / W->row_stride);
    if (rbk < 4) rbk = 4;
    if (T <= 4) rbk = r1 - r0; /* one tile: nothing to keep in L2, and the two streams run longer */
    for (int rb0 = r0; rb0 < r1; rb0 += rbk) {
        int rb1 = r1 - rb0 < rbk ? r1 : rb0 + rbk;
        for (int t0 = 0; t0 < T; t0 += 4) {
            int nt = T - t0 < 4 ? T - t0 : 4;
            /* two rows at a time, one from each half of the block: two streams per core */
            int h = (rb1 - rb0 + 1) / 2;
            for (int r = rb0; r < rb0 + h; r++) {
                int rr[2] = {r, r + h};
                if (r + h < rb1) Q8_ROWS_NT(2);
                else Q8_ROWS_NT(1);
            }
        }
    }
}

