/* json_write.h — JSON text in the layout Python's json.dumps(indent=N) gives
 * (what HF writes for config.json): shortest round-trip floats ("1e-06",
 * "500000.0"), one value per line, optional sorted keys. */
#ifndef FFAI_IO_JSON_WRITE_H
#define FFAI_IO_JSON_WRITE_H

#include <jansson.h>
#include <stdbool.h>

/* Formats v; malloc'd string (caller frees), NULL when out of memory or v is
 * not representable (NaN/inf). No trailing newline, like json.dump. */
char *jw_dump(const json_t *v, int indent, bool sort_keys);

/* Writes the shortest decimal that reads back as x, Python repr style. */
void jw_format_double(double x, char *buf, size_t n);

#endif
