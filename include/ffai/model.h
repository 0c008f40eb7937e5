/* ffai/model.h — public API: model. */
#ifndef FFAI_MODEL_H
#define FFAI_MODEL_H

#include "ffai/status.h"

#endif
