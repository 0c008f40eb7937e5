/* error.h — internal helpers to fill an ffai_error and return its status. */
#ifndef FFAI_CORE_ERROR_H
#define FFAI_CORE_ERROR_H

#include "ffai/status.h"

/* Writes the formatted message into err (if non-NULL) and returns st. */
ffai_status ffai_fail(ffai_error *err, ffai_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes err->msg with "<prefix>: " (used to add file or tensor context). */
void ffai_error_prefix(ffai_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
