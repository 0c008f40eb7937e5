/* cmd_sysinfo.c — `ffai sysinfo` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_sysinfo(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai sysinfo: not implemented yet\n");
    return 1;
}
