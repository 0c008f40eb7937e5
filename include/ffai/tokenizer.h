/* ffai/tokenizer.h — public API: HuggingFace tokenizer.json tokenizers (BPE, byte-level and
 * SentencePiece-style), encode / decode / streaming decode, matching HF `tokenizers` exactly.
 *
 * Supported tokenizer.json content (anything else fails to load with FFAI_ERR_UNSUPPORTED
 * naming the type — never silently wrong ids):
 *   model:          BPE (vocab, merges as "a b" or ["a","b"], byte_fallback, unk_token, fuse_unk,
 *                   ignore_merges, continuing_subword_prefix, end_of_word_suffix; no dropout)
 *   normalizer:     NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip, Sequence
 *   pre_tokenizer:  Split (string or regex, all behaviours, invert), ByteLevel, Metaspace, Sequence
 *   post_processor: TemplateProcessing, ByteLevel, Sequence
 *   decoder:        ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace, Sequence
 *   added_tokens:   with special / lstrip / rstrip / normalized / single_word
 * Regexes run on PCRE2 (UTF + UCP, JIT).
 *
 * Input text must be valid UTF-8: encode rejects anything else with FFAI_ERR_INVALID_ARG (HF
 * takes Rust strings, which are always valid). A loaded tokenizer is immutable: encode, decode
 * and the lookups may run concurrently from several threads; a detok stream is not shared. */
#ifndef FFAI_TOKENIZER_H
#define FFAI_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ffai/status.h"

typedef struct ffai_tokenizer ffai_tokenizer;

/* Loads dir/tokenizer.json (required) and dir/tokenizer_config.json (optional: bos_token and
 * eos_token, each a string or {"content": ...}). *out is owned by the caller: ffai_tokenizer_free. */
ffai_status ffai_tokenizer_load(const char *dir, ffai_tokenizer **out, ffai_error *err);
/* Loads from a tokenizer.json path and an optional tokenizer_config.json path (NULL: none). */
ffai_status ffai_tokenizer_load_files(const char *tokenizer_json, const char *config_json, ffai_tokenizer **out,
                                      ffai_error *err);
/* Frees a tokenizer. Accepts NULL. */
void ffai_tokenizer_free(ffai_tokenizer *tok);

/* Encodes text[0..len) (valid UTF-8; may contain NUL bytes). add_special = HF
 * add_special_tokens: the post-processor's BOS/EOS are added. *ids is malloc'd (caller frees;
 * non-NULL even when *n_ids == 0). Errors: FFAI_ERR_INVALID_ARG for invalid UTF-8 (the message
 * gives the byte offset), FFAI_ERR_NOMEM. */
ffai_status ffai_tokenizer_encode(const ffai_tokenizer *tok, const char *text, size_t len, bool add_special,
                                  int32_t **ids, size_t *n_ids, ffai_error *err);

/* Decodes ids into UTF-8 text (HF decode: tokens through the decoder chain, no cleanup of
 * tokenization spaces). skip_special drops added tokens marked special. *text is malloc'd and
 * NUL-terminated (caller frees); *len excludes the NUL. An id outside [0, vocab_size) fails
 * with FFAI_ERR_RANGE; ids inside the range with no token are skipped, as HF does. */
ffai_status ffai_tokenizer_decode(const ffai_tokenizer *tok, const int32_t *ids, size_t n, bool skip_special,
                                  char **text, size_t *len, ffai_error *err);

/* Max id + 1, counting added tokens. */
size_t ffai_tokenizer_vocab_size(const ffai_tokenizer *tok);
/* Id of a raw piece (vocab string such as "Ġthe", or added token such as "<|im_end|>"), -1 if absent. */
int32_t ffai_tokenizer_token_id(const ffai_tokenizer *tok, const char *piece);
/* Raw vocab / added-token string of id (owned by tok), or NULL if there is none. */
const char *ffai_tokenizer_token_piece(const ffai_tokenizer *tok, int32_t id);
/* True when id is an added token marked special. */
bool ffai_tokenizer_is_special(const ffai_tokenizer *tok, int32_t id);
/* Ids of tokenizer_config.json's bos_token / eos_token, -1 if none. */
int32_t ffai_tokenizer_bos_id(const ffai_tokenizer *tok);
int32_t ffai_tokenizer_eos_id(const ffai_tokenizer *tok);
/* Their strings (for chat templates; owned by tok), NULL if none. */
const char *ffai_tokenizer_bos_token(const ffai_tokenizer *tok);
const char *ffai_tokenizer_eos_token(const ffai_tokenizer *tok);

/* Streaming decoder for generation: feed ids one at a time, get back only complete UTF-8.
 * The concatenation of everything push and flush return equals ffai_tokenizer_decode of all
 * the ids pushed (including the SentencePiece leading-space rules). */
typedef struct ffai_detok_stream ffai_detok_stream;
/* The stream borrows tok, which must outlive it. Free with ffai_detok_stream_free. */
ffai_status ffai_detok_stream_create(const ffai_tokenizer *tok, bool skip_special, ffai_detok_stream **out,
                                     ffai_error *err);
/* Pushes one id; *text / *len receive the newly completed text (possibly empty), valid until the
 * next call on the stream. Fails with FFAI_ERR_RANGE for an id outside the vocabulary. */
ffai_status ffai_detok_stream_push(ffai_detok_stream *s, int32_t id, const char **text, size_t *len);
/* Returns whatever is still held back (incomplete bytes appear as U+FFFD) and resets the
 * stream to empty. Same lifetime rule as push. */
ffai_status ffai_detok_stream_flush(ffai_detok_stream *s, const char **text, size_t *len);
/* Frees a stream. Accepts NULL. */
void ffai_detok_stream_free(ffai_detok_stream *s);

#endif
