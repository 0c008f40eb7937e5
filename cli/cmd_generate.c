/* cmd_generate.c — `ffai generate` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_generate(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai generate: not implemented yet\n");
    return 1;
}
