/* Allocation of the person arrays. */
#include <stdlib.h>
#include <string.h>

#include "attune/attune.h"
#include "engine/people.h"

// clang-format off
#define PEOPLE_ARRAYS(X) \
    X(birth_week) \
    X(household) \
    X(community) \
    X(culture) \
    X(role) \
    X(alive) \
    X(ace_count) \
    X(anxiety) \
    X(avoidance) \
    X(disorganization) \
    X(self_worth) \
    X(affect) \
    X(affect_baseline) \
    X(give_capacity) \
    X(hostility) \
    X(received_quality_sum) \
    X(received_input) \
    X(meetings) \
    X(hostile_meetings)
// clang-format on

int people_init(people *p, uint32_t capacity)
{
    memset(p, 0, sizeof *p);
    p->capacity = capacity;
    size_t n = capacity ? capacity : 1;
#define ALLOC(field)                                                                               \
    p->field = calloc(n, sizeof *p->field);                                                        \
    if (p->field == NULL) {                                                                        \
        people_free(p);                                                                            \
        return ATTUNE_ERR_NOMEM;                                                                   \
    }
    PEOPLE_ARRAYS(ALLOC)
#undef ALLOC
    return ATTUNE_OK;
}

void people_free(people *p)
{
#define FREE(field)                                                                                \
    free(p->field);                                                                                \
    p->field = NULL;
    PEOPLE_ARRAYS(FREE)
#undef FREE
    p->count = p->capacity = 0;
}

uint64_t people_bytes_per_person(void)
{
    const people *p = NULL;
    uint64_t total = 0;
#define SIZE(field) total += sizeof *p->field;
    PEOPLE_ARRAYS(SIZE)
#undef SIZE
    (void)p;
    return total;
}
