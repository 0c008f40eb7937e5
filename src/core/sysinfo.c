/* sysinfo.c — CPU description, features, RAM and a read-bandwidth probe. */
#include "ffai/sysinfo.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/mem.h"
#include "kernels/kernels.h"

#define BW_BYTES ((size_t)1 << 30)

typedef struct {
    const uint64_t *buf;
    size_t n; /* uint64 words */
    uint64_t sink[64];
} bw_job;

#define BW_CHUNK 32768 /* floats per dot operand: 2 x 128 KiB per chunk */

/* The engine's own widest dot kernel, so the probe reads the way the matvec kernels do. */
static void bw_chunk(void *p, int chunk, int tid) {
    bw_job *j = p;
    const float *f = (const float *)j->buf + (size_t)chunk * 2 * BW_CHUNK;
    float acc = kernels_best()->dot(f, f + BW_CHUNK, BW_CHUNK);
    j->sink[tid & 63] += (uint64_t)(acc != 0.0f);
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
    uint64_t *buf = aligned_alloc(64, BW_BYTES);
    if (!tp || !buf) {
        tp_free(tp);
        free(buf);
        return ffai_fail(err, FFAI_ERR_NOMEM, "cannot allocate the 1 GiB bandwidth buffer");
    }
    for (size_t i = 0; i < BW_BYTES / 8; i++) buf[i] = 0x3f8000003f800000ull; /* 1.0f pairs: finite for the dot kernel */
    bw_job j = {.buf = buf, .n = BW_BYTES / 8};
    double best = 0;
    for (int pass = 0; pass < 8; pass++) {
        double t0 = clock_now();
        tp_run(tp, (int)(BW_BYTES / sizeof(float) / (2 * BW_CHUNK)), bw_chunk, &j);
        double dt = clock_now() - t0;
        double gbps = (double)BW_BYTES / dt / 1e9;
        if (gbps > best) best = gbps;
    }
    info->read_gbps = best;
    info->threads = tp_size(tp);
    tp_free(tp);
    free(buf);
    return FFAI_OK;
}
