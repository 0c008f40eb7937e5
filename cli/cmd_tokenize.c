/* cmd_tokenize.c — `ffai tokenize` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_tokenize(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai tokenize: not implemented yet\n");
    return 1;
}
