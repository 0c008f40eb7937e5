/* cmd_sysinfo.c — `ffai sysinfo`: CPU, features, cores, RAM, read bandwidth. */
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "common.h"
#include "ffai/sysinfo.h"

int cmd_sysinfo(int argc, char **argv) {
    long threads = 0;
    bool json = false, no_bw = false;
    arg_spec specs[] = {
        {"--threads", ARG_INT, &threads, "N", "threads for the bandwidth probe (default: all cores)", NULL},
        {"--no-bandwidth", ARG_FLAG, &no_bw, NULL, "skip the 1 GiB read-bandwidth measurement", NULL},
        {"--json", ARG_FLAG, &json, NULL, "print one JSON object instead of text", NULL},
    };
    arg_parser p = {"ffai sysinfo", "[--threads N] [--no-bandwidth] [--json]", specs, (int)(sizeof specs / sizeof specs[0]), NULL, NULL};
    int rc = args_parse(&p, argc, argv, 2);
    if (rc) return rc == 1 ? 0 : 2;
    ffai_sysinfo si;
    ffai_error err;
    if (ffai_sysinfo_get(&si, !no_bw, (int)threads, &err)) {
        cli_error("sysinfo", &err);
        return 1;
    }
    if (json) {
        printf("{\"cpu\":\"%s\",\"features\":\"%s\",\"kernels\":\"%s\",\"cores\":%d,\"ramBytes\":%lld,\"readGBps\":%.2f,\"threads\":%d}\n", si.cpu,
               si.features, si.kernels, si.cores, si.ram_bytes, si.read_gbps, si.threads);
        return 0;
    }
    printf("cpu:       %s\nfeatures:  %s\nkernels:   %s\ncores:     %d\nram:       %.2f GiB\n", si.cpu, si.features, si.kernels, si.cores,
           si.ram_bytes / 1073741824.0);
    if (!no_bw) printf("read bw:   %.2f GB/s (%d threads, best of 8 passes over 1 GiB)\n", si.read_gbps, si.threads);
    return 0;
}
