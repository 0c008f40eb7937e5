/* ffai/tokenizer.h — public API: tokenizer. */
#ifndef FFAI_TOKENIZER_H
#define FFAI_TOKENIZER_H

#include "ffai/status.h"

#endif
