/* cmd_report.c — `ffai report`: re-render the markdown reports of a report dir from their JSON sidecars. */
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "ffai/report.h"

static void print_rendered(const char *md_path, int n_rows, void *user) {
    (void)user;
    printf("rendered %s (%d row%s)\n", md_path, n_rows, n_rows == 1 ? "" : "s");
}

int cmd_report(int argc, char **argv) {
    const char *dir = "./benchmarks";
    const arg_spec specs[] = {
        {"--report-dir", ARG_STR, &dir, "PATH", "dir holding .<chip>-<date>.state.json sidecars (default ./benchmarks)",
         NULL},
    };
    const arg_parser p = {"ffai report", "[--report-dir PATH]", specs, (int)(sizeof specs / sizeof specs[0]), NULL, NULL};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc) return rc == 1 ? 0 : 2;

    ffai_error err;
    ffai_error_clear(&err);
    int n = 0;
    if (ffai_report_render_dir(dir, print_rendered, NULL, &n, &err) != FFAI_OK) {
        fprintf(stderr, "ffai report: %s\n", err.msg);
        return 1;
    }
    if (n == 0) printf("no reports in %s (no .<chip>-<date>.state.json files)\n", dir);
    return 0;
}
