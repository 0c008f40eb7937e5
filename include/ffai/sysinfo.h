/* ffai/sysinfo.h — what machine this is: CPU, features the kernels use,
 * cores, RAM, and a measured memory read bandwidth. */
#ifndef FFAI_SYSINFO_H
#define FFAI_SYSINFO_H

#include "ffai/status.h"

typedef struct {
    char cpu[160];        /* /proc/cpuinfo model name */
    char features[160];   /* ISA features detected, e.g. "avx2 fma f16c avx512f avx512bw avx512vl avx512bf16 avx512vnni" */
    const char *kernels;  /* kernel set the engine uses: "avx512", "avx2", "generic" */
    int cores;            /* online CPUs */
    long long ram_bytes;  /* physical RAM */
    double read_gbps;     /* measured read bandwidth (GB/s, 1e9), 0 when not measured */
    int threads;          /* threads used for the measurement */
} ffai_sysinfo;

/* Fills info; with measure != 0, streams a 1 GiB buffer with `threads` threads
 * (0 = all cores) with the engine's dot kernel and reports the best of 8 passes. */
ffai_status ffai_sysinfo_get(ffai_sysinfo *info, int measure, int threads, ffai_error *err);

#endif
