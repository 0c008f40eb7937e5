/* cmd_synth.c — `ffai synth` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_synth(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai synth: not implemented yet\n");
    return 1;
}
