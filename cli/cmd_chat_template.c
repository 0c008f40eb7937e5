/* cmd_chat_template.c — `ffai chat-template`: renders a model's (or a file's) chat template for a
 * conversation and prints the prompt exactly, without an added newline. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "ffai/chat.h"
#include "io/mapped_file.h"

static json_t *load_json(const char *path, const char *what) {
    json_error_t je;
    json_t *j = json_load_file(path, JSON_DECODE_ANY, &je);
    if (!j) fprintf(stderr, "ffai chat-template: %s %s: %s (line %d)\n", what, path, je.text, je.line);
    return j;
}

int cmd_chat_template(int argc, char **argv) {
    const char *model = NULL, *tmpl_path = NULL, *messages_path = NULL, *tools_path = NULL;
    bool add_gen = false;
    arg_multi vars = {0};
    const arg_spec specs[] = {
        {"--model", ARG_STR, &model, "DIR", "model directory (chat_template.jinja or tokenizer_config.json)", NULL},
        {"--template", ARG_STR, &tmpl_path, "FILE", "a Jinja template file instead of a model's", NULL},
        {"--messages", ARG_STR, &messages_path, "FILE", "JSON list of {role, content, ...} messages", NULL},
        {"--tools", ARG_STR, &tools_path, "FILE", "JSON list of tool schemas (default: none)", NULL},
        {"--add-generation-prompt", ARG_FLAG, &add_gen, NULL, "end with the assistant turn header", NULL},
        {"--var", ARG_MULTI, &vars, "KEY=VALUE", "extra template variable; VALUE is JSON when it parses, else a string (repeatable)", NULL},
    };
    const arg_parser p = {"ffai chat-template", "(--model DIR | --template FILE) --messages FILE [options]", specs,
                          (int)(sizeof specs / sizeof *specs), NULL, NULL};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc == 1) return 0;
    if (rc) return 2;
    if (!model == !tmpl_path || !messages_path) {
        fprintf(stderr, "ffai chat-template: give exactly one of --model or --template, and --messages\n");
        return 2;
    }

    int status = 1;
    char *src = NULL, *bos = NULL, *eos = NULL, *vj = NULL, *out = NULL;
    json_t *jv = json_object(), *msgs = NULL, *tools = NULL;
    ffai_template *t = NULL;
    ffai_error err;

    if (!(msgs = load_json(messages_path, "messages"))) goto done;
    if (json_is_object(msgs) && json_is_array(json_object_get(msgs, "messages"))) {
        json_t *inner = json_incref(json_object_get(msgs, "messages"));
        json_decref(msgs);
        msgs = inner;
    }
    if (!json_is_array(msgs)) {
        fprintf(stderr, "ffai chat-template: messages %s: expected a JSON list\n", messages_path);
        goto done;
    }
    if (tools_path && !(tools = load_json(tools_path, "tools"))) goto done;

    if (model) {
        if (ffai_chat_template_find(model, tools != NULL, &src, &bos, &eos, &err) != FFAI_OK) {
            fprintf(stderr, "ffai chat-template: %s\n", err.msg);
            goto done;
        }
    } else if (io_read_file(tmpl_path, &src, NULL, &err) != FFAI_OK) {
        fprintf(stderr, "ffai chat-template: cannot read template %s\n", err.msg);
        goto done;
    }

    json_object_set(jv, "messages", msgs);
    json_object_set_new(jv, "tools", tools ? json_incref(tools) : json_null());
    json_object_set_new(jv, "add_generation_prompt", json_boolean(add_gen));
    if (bos) json_object_set_new(jv, "bos_token", json_string(bos));
    if (eos) json_object_set_new(jv, "eos_token", json_string(eos));
    for (int i = 0; i < vars.n; i++) {
        const char *eq = strchr(vars.values[i], '=');
        if (!eq || eq == vars.values[i]) {
            fprintf(stderr, "ffai chat-template: --var expects KEY=VALUE, got '%s'\n", vars.values[i]);
            status = 2;
            goto done;
        }
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(eq - vars.values[i]), vars.values[i]);
        json_t *val = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
        json_object_set_new(jv, key, val ? val : json_string(eq + 1));
    }
    vj = json_dumps(jv, JSON_COMPACT);
    if (!vj) {
        fprintf(stderr, "ffai chat-template: cannot encode variables (invalid UTF-8 in --var?)\n");
        goto done;
    }
    if (ffai_template_parse(src, strlen(src), &t, &err) != FFAI_OK) {
        fprintf(stderr, "ffai chat-template: template syntax error: %s\n", err.msg);
        goto done;
    }
    size_t n = 0;
    if (ffai_template_render(t, vj, &out, &n, &err) != FFAI_OK) {
        fprintf(stderr, "ffai chat-template: %s\n", err.msg);
        goto done;
    }
    status = fwrite(out, 1, n, stdout) == n && fflush(stdout) == 0 ? 0 : 1;
done:
    ffai_template_free(t);
    free(out);
    free(vj);
    free(src);
    free(bos);
    free(eos);
    json_decref(msgs);
    json_decref(tools);
    json_decref(jv);
    return status;
}
