/* threadpool.h — a persistent pool of worker threads. Work is a list of
 * chunks that threads claim one at a time (the caller takes part), so a thread
 * the host has descheduled holds back at most the chunk it is running, never
 * a fixed share; workers spin briefly before sleeping, so back-to-back decode
 * ops do not pay a wake-up each. */
#ifndef FFAI_KERNELS_THREADPOOL_H
#define FFAI_KERNELS_THREADPOOL_H

typedef struct tpool tpool;

/* fn(ctx, chunk, tid): runs chunk `chunk` on thread `tid` (0 = the caller;
 * use tid only to pick per-thread scratch). */
typedef void (*tp_fn)(void *ctx, int chunk, int tid);

/* Creates a pool of n threads in all (n-1 workers). n <= 0 means all cores. NULL on failure. */
tpool *tp_create(int n);
void tp_free(tpool *tp);
int tp_size(const tpool *tp);

/* Runs fn on chunks 0..n-1, each exactly once, and returns when all are done. */
void tp_run(tpool *tp, int n, tp_fn fn, void *ctx);

/* Splits [0, n) into nparts contiguous ranges aligned to `align`; returns range `part`. */
void tp_split(int n, int align, int part, int nparts, int *begin, int *end);

/* Number of online CPUs. */
int tp_cpu_count(void);

#endif
