/* Large arrays (a value per person or per half-tie) and the kernel's huge pages. */
#ifndef ATTUNE_ENGINE_BULK_MEMORY_H
#define ATTUNE_ENGINE_BULK_MEMORY_H

#include <stddef.h>

/* Asks the kernel to back the whole pages of [p, p + bytes) with transparent huge pages
 * (2 MiB on x86-64) when they are first touched: a million people's arrays then take a few
 * hundred page faults instead of some hundred thousand, which is most of the start-up's
 * system time on a virtual machine. Only arrays of at least BULK_MEMORY_MIN_BYTES are
 * advised (a smaller one cannot hold a whole huge page). A hint: where the system has no
 * transparent huge pages, or refuses, nothing happens; it never changes a result. Call it
 * after each malloc, calloc or realloc of the array, before the new part is written. */
void bulk_memory_advise(void *p, size_t bytes);

/* realloc for a large array that is advised before any of it is written: a new block of
 * new_bytes, advised, takes the first min(keep_bytes, new_bytes) bytes of p (the rest is
 * unwritten), and p is freed. NULL when out of memory, p then left as it was. realloc itself
 * would copy into the new block before it could be advised. For arrays grown geometrically:
 * each call copies. */
void *bulk_memory_resize(void *p, size_t keep_bytes, size_t new_bytes);

/* calloc for a large array, advised before it is zeroed. */
void *bulk_memory_zeroed(size_t count, size_t size);

#define BULK_MEMORY_MIN_BYTES ((size_t)2 << 20)

#endif
