/* ffai.h — public API of libffai: an LLM inference engine with a benchmark harness.
 *
 * Conventions (see the README's "Library" section):
 * - Every fallible function returns an ffai_status and, when `err` is non-NULL,
 *   writes a one-line human-readable detail into it. The library never prints
 *   and never exits.
 * - Handles are opaque. Every *_load / *_create has a *_free that accepts NULL.
 *   The caller owns what it creates; functions say so when they return memory
 *   the caller must free.
 */
#ifndef FFAI_H
#define FFAI_H

#include "ffai/status.h"
#include "ffai/model.h"
#include "ffai/tokenizer.h"
#include "ffai/chat.h"
#include "ffai/generate.h"
#include "ffai/session.h"
#include "ffai/bench.h"
#include "ffai/prompt.h"
#include "ffai/report.h"
#include "ffai/sysinfo.h"
#include "ffai/toolcall.h"
#include "ffai/quantize.h"

#endif
