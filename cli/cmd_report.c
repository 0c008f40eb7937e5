/* cmd_report.c — `ffai report` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_report(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai report: not implemented yet\n");
    return 1;
}
