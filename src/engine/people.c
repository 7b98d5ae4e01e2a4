/* Allocation and growth of the person arrays. */
#include <stdlib.h>
#include <string.h>

#include "attune/attune.h"
#include "engine/bulk_memory.h"
#include "engine/people.h"

int people_init(people *p, uint32_t capacity)
{
    memset(p, 0, sizeof *p);
    int rc = people_reserve(p, capacity ? capacity : 1);
    if (rc != ATTUNE_OK)
        return rc;
#define ZERO(type, name) memset(p->name, 0, (size_t)p->capacity * sizeof(type));
    PEOPLE_ALL(ZERO)
#undef ZERO
    return ATTUNE_OK;
}

void people_clear(people *p, uint32_t i)
{
#define ZERO(type, name) p->name[i] = 0;
    PEOPLE_ALL(ZERO)
#undef ZERO
}

int people_reserve(people *p, uint32_t capacity)
{
    if (capacity <= p->capacity)
        return ATTUNE_OK;
#define GROW(type, name)                                                                           \
    {                                                                                              \
        type *grown = bulk_memory_resize(p->name, (size_t)p->capacity * sizeof(type),              \
                                         (size_t)capacity * sizeof(type));                         \
        if (grown == NULL)                                                                         \
            return ATTUNE_ERR_NOMEM;                                                               \
        p->name = grown;                                                                           \
    }
    PEOPLE_ALL(GROW)
#undef GROW
    p->capacity = capacity;
    return ATTUNE_OK;
}

void people_free(people *p)
{
#define FREE(type, name)                                                                           \
    free(p->name);                                                                                 \
    p->name = NULL;
    PEOPLE_ALL(FREE)
#undef FREE
    p->count = p->capacity = 0;
}

uint64_t people_bytes_per_person(void)
{
    uint64_t total = 0;
#define SIZE(type, name) total += sizeof(type);
    PEOPLE_ALL(SIZE)
#undef SIZE
    return total;
}
