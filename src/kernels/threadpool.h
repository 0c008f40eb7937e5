/* threadpool.h — a persistent pool of worker threads with a low-latency
 * barrier: the caller takes part as thread 0, workers spin briefly before
 * sleeping, so back-to-back decode ops do not pay a wake-up each. */
#ifndef FFAI_KERNELS_THREADPOOL_H
#define FFAI_KERNELS_THREADPOOL_H

typedef struct tpool tpool;

/* fn(ctx, tid, nthreads) runs once on every thread (tid 0 is the caller). */
typedef void (*tp_fn)(void *ctx, int tid, int nthreads);

/* Creates a pool of n threads in all (n-1 workers). n <= 0 means all cores. NULL on failure. */
tpool *tp_create(int n);
void tp_free(tpool *tp);
int tp_size(const tpool *tp);

/* Runs fn on all threads and returns when every one has finished. */
void tp_run(tpool *tp, tp_fn fn, void *ctx);

/* Splits [0, n) into nthreads contiguous chunks aligned to `align`; returns chunk tid. */
void tp_split(int n, int align, int tid, int nthreads, int *begin, int *end);

/* Number of online CPUs. */
int tp_cpu_count(void);

#endif
