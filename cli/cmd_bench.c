/* cmd_bench.c — `ffai bench` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_bench(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai bench: not implemented yet\n");
    return 1;
}
