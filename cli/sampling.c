/* sampling.c — the sampling flags shared by `ffai generate` and `ffai chat`. */
#include "sampling.h"

void cli_sampling_default(cli_sampling *s) {
    *s = (cli_sampling){.temperature = 0.0, .top_p = 1.0, .min_p = 0.0, .repeat_penalty = 1.0, .top_k = 0, .repeat_last_n = 64, .seed = 0};
}

int cli_sampling_specs(cli_sampling *s, arg_spec *out) {
    const arg_spec specs[CLI_SAMPLING_SPECS] = {
        {"--temperature", ARG_DOUBLE, &s->temperature, "T", "sampling temperature; 0 = greedy (default 0)", NULL},
        {"--top-k", ARG_INT, &s->top_k, "K", "keep the K most likely tokens; 0 = off (default 0)", NULL},
        {"--top-p", ARG_DOUBLE, &s->top_p, "P", "nucleus sampling mass; 1 = off (default 1)", NULL},
        {"--min-p", ARG_DOUBLE, &s->min_p, "P", "drop tokens below P x the top probability; 0 = off (default 0)", NULL},
        {"--repeat-penalty", ARG_DOUBLE, &s->repeat_penalty, "R", "repetition penalty; 1 = off (default 1)", NULL},
        {"--repeat-last-n", ARG_INT, &s->repeat_last_n, "N", "tokens the penalty looks back over (default 64)", NULL},
        {"--seed", ARG_INT, &s->seed, "S", "sampling seed (default 0)", NULL},
    };
    for (int i = 0; i < CLI_SAMPLING_SPECS; i++) out[i] = specs[i];
    return CLI_SAMPLING_SPECS;
}

void cli_sampling_apply(const cli_sampling *s, ffai_gen_params *p) {
    p->temperature = (float)s->temperature;
    p->top_k = (int)s->top_k;
    p->top_p = (float)s->top_p;
    p->min_p = (float)s->min_p;
    p->repeat_penalty = (float)s->repeat_penalty;
    p->repeat_last_n = (int)s->repeat_last_n;
    p->seed = (uint64_t)s->seed;
}
