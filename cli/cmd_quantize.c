/* cmd_quantize.c — `ffai quantize`: write an MLX affine-quantized copy of a model. */
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "ffai/quantize.h"

int cmd_quantize(int argc, char **argv) {
    const char *model = NULL, *out = NULL;
    long bits = 4, group = 64;
    bool force = false;
    const arg_spec specs[] = {
        {"--model", ARG_STR, &model, "DIR|ORG/NAME", "source model: an HF-layout directory or a hub id in the local HF cache (required)", NULL},
        {"--out", ARG_STR, &out, "DIR", "output directory, created if missing (required)", NULL},
        {"--bits", ARG_INT, &bits, "B", "bits per weight: 2, 3, 4, 5, 6 or 8 (default 4)", NULL},
        {"--group-size", ARG_INT, &group, "G", "weights sharing one scale and bias: 32, 64 or 128 (default 64)", NULL},
        {"--force", ARG_FLAG, &force, NULL, "replace a model already in --out", NULL},
    };
    const arg_parser p = {"ffai quantize", "--model SRC --out DST [--bits B] [--group-size G]", specs, (int)(sizeof specs / sizeof specs[0]),
                          NULL, NULL};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc == 1) return 0;
    if (rc) return rc;
    if (!model || !out) {
        fprintf(stderr, "ffai quantize: %s is required (see ffai quantize --help)\n", !model ? "--model" : "--out");
        return 2;
    }
    if (!(bits == 2 || bits == 3 || bits == 4 || bits == 5 || bits == 6 || bits == 8)) {
        fprintf(stderr, "ffai quantize: --bits %ld is not supported (choose 2, 3, 4, 5, 6 or 8)\n", bits);
        return 2;
    }
    if (!(group == 32 || group == 64 || group == 128)) {
        fprintf(stderr, "ffai quantize: --group-size %ld is not supported (choose 32, 64 or 128)\n", group);
        return 2;
    }
    ffai_quantize_options opt = {.bits = (int)bits, .group_size = (int)group, .overwrite = force};
    ffai_quantize_stats stats;
    ffai_error err;
    ffai_status st = ffai_model_quantize(model, out, &opt, &stats, &err);
    if (st) {
        fprintf(stderr, "ffai quantize: %s\n", err.msg);
        return 1;
    }
    printf("wrote %s: %d tensors quantized to %ld-bit group %ld, %d kept; %.1f MB -> %.1f MB\n", out, stats.n_quantized, bits, group,
           stats.n_kept, stats.bytes_in / 1e6, stats.bytes_out / 1e6);
    return 0;
}
