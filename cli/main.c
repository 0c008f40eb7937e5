/* main.c — the `ffai` executable: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "ffai/status.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} command;

static const command COMMANDS[] = {
    {"bench", cmd_bench, "run a benchmark method and append the row to the day's report"},
    {"generate", cmd_generate, "generate text from a prompt, streaming it"},
    {"chat", cmd_chat, "interactive multi-turn chat through the model's chat template"},
    {"logits", cmd_logits, "write float32 logits for a prompt to a file"},
    {"tokenize", cmd_tokenize, "print the token ids of a text as a JSON array"},
    {"detokenize", cmd_detokenize, "print the text of token ids"},
    {"chat-template", cmd_chat_template, "render a chat template for a conversation"},
    {"quantize", cmd_quantize, "write an MLX affine-quantized copy of a model"},
    {"synth", cmd_synth, "write a random-weight model with the shapes of a known model"},
    {"sysinfo", cmd_sysinfo, "print CPU, features, cores, RAM and measured read bandwidth"},
    {"report", cmd_report, "re-render the markdown reports of a report dir from their sidecars"},
};
#define N_COMMANDS ((int)(sizeof COMMANDS / sizeof COMMANDS[0]))

static void usage(FILE *f) {
    fprintf(f, "ffai %s — LLM inference engine and benchmark harness\n\n", ffai_version());
    fprintf(f, "Usage: ffai <command> [options]   (ffai <command> --help for its options)\n\nCommands:\n");
    for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-14s %s\n", COMMANDS[i].name, COMMANDS[i].help);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("ffai %s\n", ffai_version());
        return 0;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (strcmp(cmd, COMMANDS[i].name) == 0) return COMMANDS[i].run(argc, argv);
    const char *names[N_COMMANDS];
    for (int i = 0; i < N_COMMANDS; i++) names[i] = COMMANDS[i].name;
    const char *close = args_closest(cmd, names, N_COMMANDS);
    if (close)
        fprintf(stderr, "ffai: unknown command '%s' (did you mean '%s'?)\n", cmd, close);
    else
        fprintf(stderr, "ffai: unknown command '%s' (see ffai --help)\n", cmd);
    return 2;
}
