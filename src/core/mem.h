/* mem.h — engine memory accounting: bytes the engine holds (weights resident,
 * KV cache, scratch) with a high-water mark, for the bench memory columns. */
#ifndef FFAI_CORE_MEM_H
#define FFAI_CORE_MEM_H

#include <stddef.h>

/* Tracked allocations (zeroed, 64-byte aligned). NULL on failure. */
void *mem_alloc(size_t n);
void mem_free(void *p, size_t n);
/* Accounts bytes held outside mem_alloc (e.g. mapped weights). */
void mem_account(long long delta);
/* Hands the whole pages inside [p, p + n) of a private mapping back to the kernel (they read
 * as zeros, or the file's bytes again, afterwards): memory already copied elsewhere. */
void mem_drop_pages(const void *p, size_t n);

#endif
