/* report_md.h — the markdown table of a report, rendered from its JSON document (BENCH.md §2.2). */
#ifndef FFAI_BENCH_REPORT_MD_H
#define FFAI_BENCH_REPORT_MD_H

#include <jansson.h>
#include <stddef.h>

#include "ffai/status.h"

/* Renders a validated report document (rdoc_parse / rdoc_new) as FFAI's markdown: title, System RAM,
 * OS, Created, the table header and one line per row, ending with a newline. *out is malloc'd. */
ffai_status rmd_render(const json_t *doc, char **out, size_t *len, ffai_error *err);

/* A byte count as the table shows it: "%.2f GB" (GiB) at ≥ 1024 MiB, else "%.1f MB" (MiB). */
void rmd_format_bytes(long long bytes, char *out, size_t n);

#endif
