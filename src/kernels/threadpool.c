/* threadpool.c — persistent workers claiming chunks from a shared cursor.
 *
 * A job publishes (fn, ctx, n) and then the cursor = (job id << 32 | 0).
 * Every thread claims the next chunk with a compare-and-swap that also checks
 * the job id, so a worker waking late can never run a chunk of a finished job;
 * the caller waits for the count of completed chunks, not for the workers. */
#define _GNU_SOURCE
#include "kernels/threadpool.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SPIN_ITERS 20000

struct tpool {
    int n;
    pthread_t *threads;
    _Atomic unsigned gen;        /* bumped once per job: wakes the workers */
    _Atomic int sleepers;        /* workers blocked in futex_wait on gen */
    _Atomic int stop;
    _Atomic uint64_t cursor;     /* job id << 32 | next chunk */
    _Atomic unsigned done;       /* chunks finished in the current job */
    _Atomic int caller_waits;    /* the caller sleeps on `done` */
    unsigned job;
    int n_chunks;
    tp_fn fn;
    void *ctx;
};

typedef struct {
    tpool *tp;
    int tid;
} worker_arg;

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static void futex_wait(_Atomic unsigned *addr, unsigned val) {
    syscall(SYS_futex, (unsigned *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic unsigned *addr) {
    syscall(SYS_futex, (unsigned *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Claims and runs chunks of job `job` until none are left. */
static void run_chunks(tpool *tp, unsigned job, int tid) {
    for (;;) {
        uint64_t s = atomic_load_explicit(&tp->cursor, memory_order_acquire);
        if ((unsigned)(s >> 32) != job) return;
        int n = tp->n_chunks;
        unsigned i = (unsigned)s;
        if (i >= (unsigned)n) return;
        if (!atomic_compare_exchange_weak_explicit(&tp->cursor, &s, s + 1, memory_order_acq_rel, memory_order_acquire)) continue;
        tp->fn(tp->ctx, (int)i, tid); /* stable: the job cannot end before this chunk is done */
        if (atomic_fetch_add_explicit(&tp->done, 1, memory_order_acq_rel) + 1 == (unsigned)n && atomic_load(&tp->caller_waits))
            futex_wake_all(&tp->done);
    }
}

static void *worker_main(void *p) {
    worker_arg *a = p;
    tpool *tp = a->tp;
    int tid = a->tid;
    free(a);
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&tp->gen, memory_order_acquire)) == seen) {
            if (++spins < SPIN_ITERS) {
                cpu_relax();
                continue;
            }
            atomic_fetch_add(&tp->sleepers, 1);
            futex_wait(&tp->gen, seen);
            atomic_fetch_sub(&tp->sleepers, 1);
        }
        seen = g;
        if (atomic_load(&tp->stop)) break;
        uint64_t s = atomic_load_explicit(&tp->cursor, memory_order_acquire);
        run_chunks(tp, (unsigned)(s >> 32), tid);
    }
    return NULL;
}

int tp_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

tpool *tp_create(int n) {
    if (n <= 0) n = tp_cpu_count();
    if (n > 256) n = 256;
    tpool *tp = calloc(1, sizeof *tp);
    if (!tp) return NULL;
    tp->n = n;
    tp->threads = calloc((size_t)n, sizeof *tp->threads);
    if (!tp->threads) {
        free(tp);
        return NULL;
    }
    for (int i = 1; i < n; i++) {
        worker_arg *a = malloc(sizeof *a);
        if (!a || pthread_create(&tp->threads[i], NULL, worker_main, (a->tp = tp, a->tid = i, a)) != 0) {
            free(a);
            tp->n = i; /* shut down the ones started */
            tp_free(tp);
            return NULL;
        }
    }
    return tp;
}

void tp_free(tpool *tp) {
    if (!tp) return;
    atomic_store(&tp->stop, 1);
    atomic_fetch_add_explicit(&tp->gen, 1, memory_order_release);
    futex_wake_all(&tp->gen);
    for (int i = 1; i < tp->n; i++) pthread_join(tp->threads[i], NULL);
    free(tp->threads);
    free(tp);
}

int tp_size(const tpool *tp) { return tp ? tp->n : 1; }

void tp_run(tpool *tp, int n, tp_fn fn, void *ctx) {
    if (n <= 0) return;
    if (!tp || tp->n == 1 || n == 1) {
        for (int i = 0; i < n; i++) fn(ctx, i, 0);
        return;
    }
    unsigned job = ++tp->job;
    tp->fn = fn;
    tp->ctx = ctx;
    tp->n_chunks = n;
    atomic_store_explicit(&tp->done, 0, memory_order_relaxed);
    atomic_store_explicit(&tp->cursor, (uint64_t)job << 32, memory_order_release);
    atomic_fetch_add_explicit(&tp->gen, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&tp->sleepers, memory_order_seq_cst) > 0) futex_wake_all(&tp->gen);
    run_chunks(tp, job, 0);
    /* spin briefly, then sleep: with more runnable threads than cores a
     * spinning caller would keep the last worker off the CPU */
    int spins = 0;
    unsigned d;
    while ((d = atomic_load_explicit(&tp->done, memory_order_acquire)) < (unsigned)n) {
        if (++spins < SPIN_ITERS) {
            cpu_relax();
            continue;
        }
        atomic_store(&tp->caller_waits, 1);
        d = atomic_load_explicit(&tp->done, memory_order_acquire);
        if (d < (unsigned)n) futex_wait(&tp->done, d);
        atomic_store(&tp->caller_waits, 0);
    }
}

void tp_split(int n, int align, int part, int nparts, int *begin, int *end) {
    if (align < 1) align = 1;
    int units = (n + align - 1) / align;
    int per = units / nparts, extra = units % nparts;
    int ub = part * per + (part < extra ? part : extra);
    int ue = ub + per + (part < extra ? 1 : 0);
    *begin = ub * align < n ? ub * align : n;
    *end = ue * align < n ? ue * align : n;
}
