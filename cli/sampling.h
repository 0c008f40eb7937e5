/* sampling.h — the sampling flags shared by `ffai generate` and `ffai chat`. */
#ifndef FFAI_CLI_SAMPLING_H
#define FFAI_CLI_SAMPLING_H

#include "args.h"
#include "ffai.h"

typedef struct {
    double temperature, top_p, min_p, repeat_penalty;
    long top_k, repeat_last_n, seed;
} cli_sampling;

/* Defaults: greedy, every filter off, penalty window 64, seed 0. */
void cli_sampling_default(cli_sampling *s);

/* Writes the sampling flag specs (bound to s) into out; returns how many (at most CLI_SAMPLING_SPECS). */
#define CLI_SAMPLING_SPECS 7
int cli_sampling_specs(cli_sampling *s, arg_spec *out);

/* Copies the flags into p (other fields untouched). */
void cli_sampling_apply(const cli_sampling *s, ffai_gen_params *p);

#endif
