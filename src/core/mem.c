/* mem.c — tracked allocations and the engine's current/peak byte counters. */
#include "core/mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ffai/model.h"

static _Atomic long long g_current, g_peak;

void mem_account(long long delta) {
    long long now = atomic_fetch_add(&g_current, delta) + delta;
    long long p = atomic_load(&g_peak);
    while (now > p && !atomic_compare_exchange_weak(&g_peak, &p, now)) {
    }
}

void *mem_alloc(size_t n) {
    if (n == 0) n = 1;
    size_t rounded = (n + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, rounded);
    if (!p) return NULL;
    memset(p, 0, rounded);
    mem_account((long long)n);
    return p;
}

void mem_free(void *p, size_t n) {
    if (!p) return;
    free(p);
    mem_account(-(long long)n);
}

void mem_drop_pages(const void *p, size_t n) {
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), a = ((uintptr_t)p + pg - 1) / pg * pg, e = ((uintptr_t)p + n) / pg * pg;
    if (e > a) madvise((void *)a, e - a, MADV_DONTNEED);
}

void ffai_mem_usage(size_t *current, size_t *peak) {
    if (current) *current = (size_t)atomic_load(&g_current);
    if (peak) *peak = (size_t)atomic_load(&g_peak);
}

void ffai_mem_reset_peak(void) { atomic_store(&g_peak, atomic_load(&g_current)); }
