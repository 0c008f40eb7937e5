/* report_doc.h — the report document (sidecar JSON): FFAI's row keys, decoding and validation, creation. */
#ifndef FFAI_BENCH_REPORT_DOC_H
#define FFAI_BENCH_REPORT_DOC_H

#include <jansson.h>
#include <stdbool.h>

#include "ffai/status.h"

typedef enum { RDOC_INT, RDOC_DOUBLE, RDOC_STRING } rdoc_type;

/* One of FFAI's row keys: its JSON name, type and whether FFAI's decoder requires it. */
typedef struct {
    const char *key;
    rdoc_type type;
    bool required;
} rdoc_field;

extern const rdoc_field rdoc_fields[];
extern const int rdoc_n_fields;

/* True when key is one of FFAI's standard row keys. */
bool rdoc_is_standard_key(const char *key);

/* Checks that row is an object FFAI's decoder accepts: required keys present, every standard key with
 * its type (ints: JSON integers or integral reals; doubles: any number). Unknown keys are allowed.
 * The message names the key, prefixed by `where` (e.g. "rows[2]"). */
ffai_status rdoc_check_row(const json_t *row, const char *where, ffai_error *err);

/* Parses sidecar text and validates it as a report (object with chip, createdAt, osVersion: strings;
 * systemRAMBytes: integer; rows: array of valid rows). Unknown keys are kept. On failure err holds the
 * reason only (the caller adds the path). *out is a new reference. */
ffai_status rdoc_parse(const char *text, size_t len, json_t **out, ffai_error *err);

/* A new empty report for chip: createdAt = now (UTC), osVersion, systemRAMBytes of this machine. */
ffai_status rdoc_new(const char *chip, json_t **out, ffai_error *err);

/* Now (UTC) as "YYYY-MM-DDTHH:MM:SSZ" (date_only: "YYYY-MM-DD") into out (≥ 32 bytes). */
void rdoc_utc_now(char *out, size_t n, bool date_only);

/* Integer value of a validated int field (integral reals converted). */
long long rdoc_int(const json_t *obj, const char *key);

#endif
