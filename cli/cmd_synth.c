/* cmd_synth.c — `ffai synth`: write a random-weight model shaped like a known one. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "ffai/quantize.h"

int cmd_synth(int argc, char **argv) {
    const char *like = NULL, *out = NULL, *dtype = "bf16", *tokenizer = NULL;
    long bits = 0, group = 64, seed = 0;
    bool config_only = false, force = false, list = false, bits_seen = false, group_seen = false;
    const arg_spec specs[] = {
        {"--like", ARG_STR, &like, "PRESET", "model to mimic (see --list; tiny-test* presets are test-only) (required)", NULL},
        {"--out", ARG_STR, &out, "DIR", "output directory, created if missing (required)", NULL},
        {"--dtype", ARG_STR, &dtype, "T", "weight dtype: bf16, f16 or f32 (default bf16)", NULL},
        {"--bits", ARG_INT, &bits, "B", "quantize as generated, MLX affine: 2, 3, 4, 5, 6 or 8 bits (default: not quantized)", &bits_seen},
        {"--group-size", ARG_INT, &group, "G", "quantization group size: 32, 64 or 128 (default 64; needs --bits)", &group_seen},
        {"--tokenizer", ARG_STR, &tokenizer, "DIR",
         "copy tokenizer.json/tokenizer_config.json from DIR (default: no tokenizer files are written; feed token ids)", NULL},
        {"--seed", ARG_INT, &seed, "S", "PRNG seed for the weights (default 0)", NULL},
        {"--config-only", ARG_FLAG, &config_only, NULL, "write config.json and generation_config.json only", NULL},
        {"--force", ARG_FLAG, &force, NULL, "replace a model already in --out", NULL},
        {"--list", ARG_FLAG, &list, NULL, "list the presets and exit", NULL},
    };
    const arg_parser p = {"ffai synth", "--like PRESET --out DIR [--dtype T] [--bits B --group-size G] [--tokenizer DIR] [--seed S]", specs,
                          (int)(sizeof specs / sizeof specs[0]), NULL, NULL};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc == 1) return 0;
    if (rc) return rc;
    if (list) {
        bool test_only;
        const char *name;
        for (int i = 0; (name = ffai_synth_preset_name(i, &test_only)); i++) printf("%s%s\n", name, test_only ? "  (test-only)" : "");
        return 0;
    }
    if (!like || !out) {
        fprintf(stderr, "ffai synth: %s is required (see ffai synth --help)\n", !like ? "--like" : "--out");
        return 2;
    }
    if (bits_seen && !(bits == 2 || bits == 3 || bits == 4 || bits == 5 || bits == 6 || bits == 8)) {
        fprintf(stderr, "ffai synth: --bits %ld is not supported (choose 2, 3, 4, 5, 6 or 8)\n", bits);
        return 2;
    }
    if (group_seen && !bits_seen) {
        fprintf(stderr, "ffai synth: --group-size needs --bits\n");
        return 2;
    }
    if (!(group == 32 || group == 64 || group == 128)) {
        fprintf(stderr, "ffai synth: --group-size %ld is not supported (choose 32, 64 or 128)\n", group);
        return 2;
    }
    if (strcmp(dtype, "bf16") && strcmp(dtype, "f16") && strcmp(dtype, "f32")) {
        fprintf(stderr, "ffai synth: --dtype %s is not supported (choose bf16, f16 or f32)\n", dtype);
        return 2;
    }
    ffai_synth_options opt = {.like = like, .dtype = dtype, .bits = (int)bits, .group_size = (int)group, .tokenizer_dir = tokenizer,
                              .seed = (uint64_t)seed, .config_only = config_only, .overwrite = force};
    ffai_error err;
    if (ffai_model_synth(out, &opt, &err)) {
        fprintf(stderr, "ffai synth: %s\n", err.msg);
        return 1;
    }
    printf("wrote %s: random %s weights shaped like %s%s%s\n", out, bits ? "quantized" : dtype, like, config_only ? " (config only)" : "",
           tokenizer ? "" : "; no tokenizer files (pass --tokenizer DIR to copy some)");
    return 0;
}
