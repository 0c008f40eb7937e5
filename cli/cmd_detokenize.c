/* cmd_detokenize.c — `ffai detokenize` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_detokenize(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai detokenize: not implemented yet\n");
    return 1;
}
