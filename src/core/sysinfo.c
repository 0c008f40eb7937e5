/* sysinfo.c — CPU description, features, RAM and a read-bandwidth probe. */
#include "ffai/sysinfo.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/mem.h"
#include "kernels/kernels.h"

#define BW_BYTES ((size_t)1 << 30)

typedef struct {
    const uint8_t *buf;
    uint64_t sink[64];
} bw_job;

#define BW_CHUNK ((size_t)64 << 20) /* bytes per task: four streams of 16 MiB */

/* Each task reads its 64 MiB as four long streams side by side, the pattern that
 * reads fastest on the machines measured (docs/performance.md): the probe is meant to
 * find the most the cores can read, which is what the bandwidth bound divides. */
static void bw_chunk(void *p, int chunk, int tid) {
    bw_job *j = p;
    const uint8_t *b = j->buf + (size_t)chunk * BW_CHUNK;
    j->sink[tid & 63] += kernels_best()->read4(b, BW_CHUNK / 4, BW_CHUNK / 4);
}

ffai_status ffai_sysinfo_get(ffai_sysinfo *info, int measure, int threads, ffai_error *err) {
    memset(info, 0, sizeof *info);
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ' || *c == '\t') c++;
                c[strcspn(c, "\n")] = '\0';
                snprintf(info->cpu, sizeof info->cpu, "%s", c);
                break;
            }
        }
    }
    if (f) fclose(f);
    if (!info->cpu[0]) snprintf(info->cpu, sizeof info->cpu, "unknown");
    const cpu_features *cf = cpu_detect();
    struct {
        bool on;
        const char *name;
    } feats[] = {{cf->avx2, "avx2"},         {cf->fma, "fma"},           {cf->f16c, "f16c"},
                 {cf->avx512f, "avx512f"},   {cf->avx512bw, "avx512bw"}, {cf->avx512vl, "avx512vl"},
                 {cf->avx512bf16, "avx512bf16"}, {cf->avx512vnni, "avx512vnni"}, {cf->avx512vbmi, "avx512vbmi"}, {cf->neon, "neon"}};
    size_t l = 0;
    for (size_t i = 0; i < sizeof feats / sizeof feats[0]; i++)
        if (feats[i].on && l + strlen(feats[i].name) + 2 < sizeof info->features)
            l += (size_t)snprintf(info->features + l, sizeof info->features - l, "%s%s", l ? " " : "", feats[i].name);
    info->kernels = kernels_best()->name;
    info->cores = tp_cpu_count();
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGE_SIZE);
    info->ram_bytes = pages > 0 && psz > 0 ? (long long)pages * psz : 0;
    if (!measure) return FFAI_OK;
    tpool *tp = tp_create(threads);
    /* huge pages where the kernel gives them, as the loaded weights have (st_make_resident) */
    void *map = mmap(NULL, BW_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *buf = map == MAP_FAILED ? NULL : map;
    if (!tp || !buf) {
        tp_free(tp);
        if (buf) munmap(buf, BW_BYTES);
        return ffai_fail(err, FFAI_ERR_NOMEM, "cannot allocate the 1 GiB bandwidth buffer");
    }
#ifdef MADV_HUGEPAGE
    madvise(buf, BW_BYTES, MADV_HUGEPAGE);
#endif
    memset(buf, 1, BW_BYTES);
    bw_job j = {.buf = buf};
    double best = 0;
    for (int pass = 0; pass < 8; pass++) {
        double t0 = clock_now();
        tp_run(tp, (int)(BW_BYTES / BW_CHUNK), bw_chunk, &j);
        double dt = clock_now() - t0;
        double gbps = (double)BW_BYTES / dt / 1e9;
        if (gbps > best) best = gbps;
    }
    info->read_gbps = best;
    info->threads = tp_size(tp);
    tp_free(tp);
    munmap(buf, BW_BYTES);
    return FFAI_OK;
}
