/* Transparent huge pages for the large arrays (see bulk_memory.h). */
#define _DEFAULT_SOURCE
#include "engine/bulk_memory.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void bulk_memory_advise(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (p == NULL || bytes < BULK_MEMORY_MIN_BYTES)
        return;
    long page_size = sysconf(_SC_PAGESIZE);
    if (page_size <= 0)
        return;
    uintptr_t page = (uintptr_t)page_size;
    uintptr_t first = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)p + bytes) & ~(page - 1);
    if (end > first)
        (void)madvise((void *)first, end - first, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

void *bulk_memory_resize(void *p, size_t keep_bytes, size_t new_bytes)
{
    if (new_bytes < BULK_MEMORY_MIN_BYTES)
        return realloc(p, new_bytes ? new_bytes : 1);
    void *fresh = malloc(new_bytes);
    if (fresh == NULL)
        return NULL;
    bulk_memory_advise(fresh, new_bytes);
    if (p != NULL) {
        memcpy(fresh, p, keep_bytes < new_bytes ? keep_bytes : new_bytes);
        free(p);
    }
    return fresh;
}

void *bulk_memory_zeroed(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    size_t bytes = count * size;
    if (bytes < BULK_MEMORY_MIN_BYTES)
        return calloc(count ? count : 1, size ? size : 1);
    void *fresh = malloc(bytes);
    if (fresh == NULL)
        return NULL;
    bulk_memory_advise(fresh, bytes);
    memset(fresh, 0, bytes);
    return fresh;
}
