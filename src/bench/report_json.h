/* report_json.h — canonical JSON text in the exact format of Swift's JSONEncoder (FFAI's sidecar). */
#ifndef FFAI_BENCH_REPORT_JSON_H
#define FFAI_BENCH_REPORT_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ffai/status.h"

/* Swift's `Double.description` with a trailing ".0" removed, as JSONEncoder writes numbers: the shortest
 * digits that read back to exactly v (the closest such when several), plain decimal for 1e-4 ≤ |v| ≤ 2^53
 * ("14.75", "100", "0.0001"), otherwise exponential with a signed two-digit-minimum exponent ("1e-05",
 * "1.5e+16"). v must be finite. Writes at most 32 bytes including the NUL; returns the length. */
int rjson_format_double(double v, char buf[32]);

/* Serializes v with every object's keys sorted by bytes. pretty: JSONEncoder's .prettyPrinted layout
 * (two-space indent, `"key" : value`, empty containers as "[\n\n]" / "{\n\n}"); else compact (no
 * whitespace). Strings escape `"` `\` `/` and control characters as Swift does (\b \f \n \r \t, others
 * \u00xx); other bytes are copied. No trailing newline. *out is malloc'd (NUL-terminated), *len optional. */
ffai_status rjson_dump(const json_t *v, bool pretty, char **out, size_t *len, ffai_error *err);

#endif
