/* cmd_chat_template.c — `ffai chat-template` (placeholder until its issue lands: fails fast). */
#include <stdio.h>

#include "commands.h"

int cmd_chat_template(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "ffai chat-template: not implemented yet\n");
    return 1;
}
