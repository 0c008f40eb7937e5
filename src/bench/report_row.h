/* report_row.h — an ffai_bench_row as a JSON object with FFAI's keys. */
#ifndef FFAI_BENCH_REPORT_ROW_H
#define FFAI_BENCH_REPORT_ROW_H

#include <jansson.h>

#include "ffai/report.h"

/* The row as a new JSON object: FFAI's keys (optional ones omitted when absent) plus the extras.
 * FFAI_ERR_INVALID_ARG names the field when model/method is NULL, a required double is not finite, an
 * optional one is infinite, or a string is not valid UTF-8. */
ffai_status rrow_to_value(const ffai_bench_row *row, json_t **out, ffai_error *err);

#endif
