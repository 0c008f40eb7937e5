/* ffai/status.h — status codes and the caller-owned error buffer. */
#ifndef FFAI_STATUS_H
#define FFAI_STATUS_H

#include <stddef.h>

/* Stable values: never renumber, only append. */
typedef enum {
    FFAI_OK = 0,
    FFAI_ERR_INVALID_ARG = 1, /* a caller-supplied value is out of range or malformed */
    FFAI_ERR_IO = 2,          /* open/read/write/mmap failed */
    FFAI_ERR_FORMAT = 3,      /* a file's content is malformed (JSON, safetensors, template) */
    FFAI_ERR_UNSUPPORTED = 4, /* valid input we do not handle (architecture, dtype, tokenizer type) */
    FFAI_ERR_NOMEM = 5,       /* allocation failed */
    FFAI_ERR_NOT_FOUND = 6,   /* a model, file, tensor or key is missing */
    FFAI_ERR_RANGE = 7,       /* a size exceeds a limit (context length, token id) */
    FFAI_ERR_TEMPLATE = 8,    /* template rendering raised (raise_exception or runtime error) */
    FFAI_ERR_INTERNAL = 9,    /* a bug: an invariant did not hold */
    FFAI_ERR_BUSY = 10,       /* a lock could not be taken */
} ffai_status;

/* Detail of the last failure, filled by the library when passed non-NULL. */
typedef struct ffai_error {
    ffai_status status;
    char msg[1024];
} ffai_error;

/* A short static name for a status ("format error", ...). Never NULL. */
const char *ffai_status_str(ffai_status s);

/* Clears `err` (status FFAI_OK, empty message). Accepts NULL. */
void ffai_error_clear(ffai_error *err);

/* Library version string, e.g. "0.1.0". Static storage. */
const char *ffai_version(void);

#endif
