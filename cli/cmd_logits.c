/* cmd_logits.c — `ffai logits` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_logits(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai logits: not implemented yet\n");
    return 1;
}
