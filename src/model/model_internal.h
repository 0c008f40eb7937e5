/* model_internal.h — the model and context structures shared by the model/
 * files (load, weights binding, RoPE tables, forward pass). */
#ifndef FFAI_MODEL_INTERNAL_H
#define FFAI_MODEL_INTERNAL_H

#include "ffai/model.h"
#include "io/safetensors.h"
#include "kernels/kernels.h"
#include "model/arch.h"
#include "model/config.h"

/* One decoder layer. Norm weights and biases are small: kept as f32 copies
 * (with gemma's 1 + w folded in); matrices are views into the mapping. */
typedef struct {
    float *attn_norm;     /* (hidden,) input_layernorm */
    float *post_attn_norm;/* (hidden,) gemma: post_attention_layernorm; NULL otherwise */
    float *ffn_norm;      /* (hidden,) llama: post_attention_layernorm; gemma: pre_feedforward_layernorm */
    float *post_ffn_norm; /* (hidden,) gemma: post_feedforward_layernorm */
    float *q_norm, *k_norm; /* (head_dim,) when ARCH_QK_NORM */
    float *bq, *bk, *bv, *bo; /* biases or NULL: (nh*hd,), (nkv*hd,), (nkv*hd,), (hidden,) */
    float *b_gate, *b_up, *b_down; /* mlp biases or NULL */
    wmat wq;    /* (nh*hd, hidden) */
    wmat wk;    /* (nkv*hd, hidden) */
    wmat wv;    /* (nkv*hd, hidden) */
    wmat wo;    /* (hidden, nh*hd) */
    wmat w_gate;/* (inter, hidden) */
    wmat w_up;  /* (inter, hidden) */
    wmat w_down;/* (hidden, inter) */
    int sliding;/* uses the sliding window and the local rope */
} layer_weights;

struct ffai_model {
    char *dir;
    model_config cfg;
    const arch_info *arch;
    st_set st;
    wmat embed;       /* (vocab, hidden) */
    wmat lm_head;     /* (vocab, hidden): the embedding when tied */
    float *final_norm;/* (hidden,) */
    layer_weights *layers;
    size_t small_bytes; /* f32 copies of norms and biases */
    void *records;      /* the affine matrices as row records (records.c), or NULL */
    size_t records_len;
    float embed_scale;  /* 1, or sqrt(hidden) rounded like HF */
    kernel_ctx kc;
    size_t scratch_bytes, prep_bytes;
    size_t xbf_bytes, xq8_bytes, xd24_bytes;
    char quant_label[32];
    char dtype[8];
    int kv_f16;       /* contexts cache K and V as IEEE halves */
};

#define CTX_UBATCH 256 /* tokens per forward chunk (prefill) */
/* rows per lm-head call when every position's logits are wanted (wikitext2): a whole forward
 * chunk, so 4- and 8-bit heads take the prefill panels rather than matvec passes (16 rows did) */
#define LOGIT_ROWS CTX_UBATCH
#define ATTN_SPLITS 16 /* most parts one KV head's keys are split into for a decode step (forward.c) */

struct ffai_context {
    ffai_model *m;
    int n_ctx, pos;
    void **k_cache, **v_cache;  /* per layer: K per KV head in KBLK-key blocks (k_index), k_head_stride apart;
                                 * V per KV head (n_ctx, head_dim) row-major, v_head_stride apart; elements
                                 * are floats, or IEEE halves when m->kv_f16 */
    size_t k_head_stride;       /* elements per KV head in k_cache: n_ctx rounded up to KBLK, times head_dim */
    size_t v_head_stride;       /* elements per KV head in v_cache: n_ctx * head_dim */
    size_t kv_es;               /* bytes per cached element: 4, or 2 for halves */
    size_t kv_bytes;
    float *rope_cos, *rope_sin;   /* (n_ctx, hd/2) global layers */
    float *rope_lcos, *rope_lsin; /* local (sliding) layers, or aliases of the global ones */
    size_t rope_bytes;
    /* activations for up to CTX_UBATCH tokens */
    float *x, *xn, *q, *k, *v, *att, *tmp, *gate, *up, *hfin;
    float *scores; /* per thread: the attention work buffer, ATTN_WORK(_F16)(head_dim) floats (any context) */
    size_t scores_per_thread;
    float *att_part, *att_ml; /* split decode attention: per (KV head, part, query row) output (head_dim) and max/sum */
    size_t act_bytes;
    ffai_op_times times;
};

/* weights.c */
ffai_status weights_bind(ffai_model *m, ffai_error *err);
void weights_free(ffai_model *m);

/* records.c: copies the resident affine matrices into row records (codes, scales and biases of a
 * row side by side) and hands the source pages back; the file mapping's copies are gone after. */
ffai_status weights_to_records(ffai_model *m, ffai_error *err);
void weights_free_records(ffai_model *m);

/* rope.c: fills (n_ctx, hd/2) cos/sin tables for a rope config. */
void rope_tables(const rope_config *r, int head_dim, int max_pos, int n_ctx, float *cos_out, float *sin_out);

/* forward.c: runs n (<= CTX_UBATCH) tokens at c->pos; hidden states after the final norm land in c->hfin. */
void forward_batch(ffai_context *c, const int32_t *ids, int n);
/* lm head over rows of c->hfin into out (n, vocab) */
void forward_logits(ffai_context *c, int row0, int n, float *out);

#endif
