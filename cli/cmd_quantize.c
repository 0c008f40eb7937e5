/* cmd_quantize.c — `ffai quantize` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_quantize(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai quantize: not implemented yet\n");
    return 1;
}
