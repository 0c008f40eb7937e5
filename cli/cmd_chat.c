/* cmd_chat.c — `ffai chat` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_chat(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai chat: not implemented yet\n");
    return 1;
}
