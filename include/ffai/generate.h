/* ffai/generate.h — public API: generate. */
#ifndef FFAI_GENERATE_H
#define FFAI_GENERATE_H

#include "ffai/status.h"

#endif
