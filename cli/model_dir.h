/* model_dir.h — which model directory a command uses: --model, else $FFAI_MODEL, else the
 * embedded default model (FFAI_DEFAULT_MODEL_DIR). */
#ifndef FFAI_CLI_MODEL_DIR_H
#define FFAI_CLI_MODEL_DIR_H

/* `flag` is the --model value (NULL or "" when not given). Never NULL. */
const char *cli_model_dir(const char *flag);

#endif
