/* error.c — status names and the error buffer helpers. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef FFAI_VERSION
#define FFAI_VERSION "0.0.0"
#endif

const char *ffai_version(void) { return FFAI_VERSION; }

const char *ffai_status_str(ffai_status s) {
    switch (s) {
    case FFAI_OK: return "ok";
    case FFAI_ERR_INVALID_ARG: return "invalid argument";
    case FFAI_ERR_IO: return "i/o error";
    case FFAI_ERR_FORMAT: return "format error";
    case FFAI_ERR_UNSUPPORTED: return "unsupported";
    case FFAI_ERR_NOMEM: return "out of memory";
    case FFAI_ERR_NOT_FOUND: return "not found";
    case FFAI_ERR_RANGE: return "out of range";
    case FFAI_ERR_TEMPLATE: return "template error";
    case FFAI_ERR_INTERNAL: return "internal error";
    case FFAI_ERR_BUSY: return "busy";
    }
    return "unknown status";
}

void ffai_error_clear(ffai_error *err) {
    if (!err) return;
    err->status = FFAI_OK;
    err->msg[0] = '\0';
}

ffai_status ffai_fail(ffai_error *err, ffai_status st, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = st;
    }
    return st;
}

void ffai_error_prefix(ffai_error *err, const char *fmt, ...) {
    if (!err) return;
    char prefix[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
}
