/* ffai/bench.h — public API: bench. */
#ifndef FFAI_BENCH_H
#define FFAI_BENCH_H

#include "ffai/status.h"

#endif
