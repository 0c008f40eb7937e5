/* commands.h — the ffai subcommands; each lives in cli/cmd_<name>.c.
 * Every command gets the full argv (argv[1] is its name) and returns the
 * process exit code: 0 success, 1 failure, 2 usage error. */
#ifndef FFAI_CLI_COMMANDS_H
#define FFAI_CLI_COMMANDS_H

int cmd_bench(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_logits(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_detokenize(int argc, char **argv);
int cmd_chat_template(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_sysinfo(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
