/* The tie store (see ties.h for the layout and its contract). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attune/attune.h"
#include "engine/bulk_memory.h"
#include "engine/ties.h"

uint64_t ties_bytes_per_slot(void)
{
    const tie_store *t = NULL;
    uint64_t total = 0;
#define SIZE(f) total += sizeof *t->f;
    TIE_SLOT_ARRAYS(SIZE)
#undef SIZE
    (void)t;
    return total;
}

static int grow_slots(tie_store *t, uint64_t need)
{
    if (need <= t->capacity)
        return ATTUNE_OK;
    if (need >= UINT32_MAX)
        return ATTUNE_ERR_TOO_LARGE;
    uint64_t cap = t->capacity ? t->capacity : 1024;
    while (cap < need)
        cap += cap / 2;
    if (cap >= UINT32_MAX)
        cap = UINT32_MAX - 1;
        /* The room beyond the slots handed out is not written (nor made resident) until
         * zero_slots hands it out. */
#define GROW(f)                                                                                    \
    {                                                                                              \
        void *nf =                                                                                 \
            bulk_memory_resize(t->f, (size_t)t->size * sizeof *t->f, (size_t)cap * sizeof *t->f);  \
        if (nf == NULL)                                                                            \
            return ATTUNE_ERR_NOMEM;                                                               \
        t->f = nf;                                                                                 \
    }
    TIE_SLOT_ARRAYS(GROW)
#undef GROW
    t->capacity = (uint32_t)cap;
    return ATTUNE_OK;
}

/* Zeroes slots from .. to-1 of every slot array: slots are zero when handed out. */
static void zero_slots(tie_store *t, uint32_t from, uint32_t to)
{
    if (to <= from)
        return;
#define ZERO(f) memset(t->f + from, 0, (size_t)(to - from) * sizeof *t->f);
    TIE_SLOT_ARRAYS(ZERO)
#undef ZERO
}

static int grow_people_arrays(tie_store *t, uint32_t people)
{
    uint32_t *s = realloc(t->start, (size_t)(people ? people : 1) * sizeof *s);
    if (s == NULL)
        return ATTUNE_ERR_NOMEM;
    t->start = s;
    bulk_memory_advise(s, (size_t)people * sizeof *s);
    uint32_t *c = realloc(t->count, (size_t)(people ? people : 1) * sizeof *c);
    if (c == NULL)
        return ATTUNE_ERR_NOMEM;
    t->count = c;
    bulk_memory_advise(c, (size_t)people * sizeof *c);
    uint32_t *k = realloc(t->cap, (size_t)(people ? people : 1) * sizeof *k);
    if (k == NULL)
        return ATTUNE_ERR_NOMEM;
    t->cap = k;
    bulk_memory_advise(k, (size_t)people * sizeof *k);
    return ATTUNE_OK;
}

int ties_reserve_slots(tie_store *t, uint32_t slots)
{
    int rc = grow_slots(t, slots ? slots : 1);
    if (rc == ATTUNE_OK)
        zero_slots(t, t->size, slots);
    return rc;
}

void ties_free(tie_store *t)
{
#define FREE(f) free(t->f);
    TIE_SLOT_ARRAYS(FREE)
#undef FREE
    free(t->start);
    free(t->count);
    free(t->cap);
    memset(t, 0, sizeof *t);
}

static void write_half(tie_store *t, uint32_t slot, uint32_t other, uint8_t kind, float contact,
                       float trust, int32_t since)
{
    t->other[slot] = other;
    t->kind[slot] = kind;
    t->rupture[slot] = 0;
    t->contact[slot] = contact;
    t->trust[slot] = trust;
    t->harm[slot] = 0.0f;
    t->reciprocity[slot] = 0.0f;
    t->engagement[slot] = 1.0f;
    t->grievance[slot] = 0;
    t->since[slot] = since;
}

/* ties_build, and ties_build_owned when `owned` is the edges' pointer (freed once they are
 * placed). The slot arrays the edges fill are written first and the rest (written with
 * constants) after, so that without the edges the whole arena is never resident together
 * with the edge list. */
static int build(tie_store *t, uint32_t people, const tie_edge *edges, size_t n, uint32_t slack,
                 tie_edge **owned)
{
    memset(t, 0, sizeof *t);
    int rc = grow_people_arrays(t, people);
    if (rc != ATTUNE_OK)
        goto out;
    t->people = people;
    memset(t->count, 0, (size_t)people * sizeof *t->count);
    for (size_t e = 0; e < n; e++) {
        t->count[edges[e].a]++;
        t->count[edges[e].b]++;
    }
    uint64_t total = 0;
    for (uint32_t i = 0; i < people; i++) {
        t->start[i] = (uint32_t)total;
        t->cap[i] = t->count[i] + slack;
        total += t->cap[i];
        if (total >= UINT32_MAX) {
            rc = ATTUNE_ERR_TOO_LARGE;
            goto out;
        }
        t->count[i] = 0;
    }
    rc = grow_slots(t, total ? total : 1);
    if (rc != ATTUNE_OK)
        goto out;
    t->size = (uint32_t)total;
    /* First the arrays write_half fills from an edge, then, the edges freed, those it fills
     * with constants; all eleven slot arrays are zeroed. */
#define PLUS_ONE(f) +1
    _Static_assert(0 TIE_SLOT_ARRAYS(PLUS_ONE) == 11, "build() zeroes the eleven slot arrays");
#undef PLUS_ONE
#define ZERO(f) memset(t->f, 0, (size_t)t->size * sizeof *t->f);
    ZERO(other)
    ZERO(twin)
    ZERO(kind)
    ZERO(contact)
    ZERO(trust)
    ZERO(since)
    for (size_t e = 0; e < n; e++) {
        const tie_edge *edge = &edges[e];
        uint32_t sa = t->start[edge->a] + t->count[edge->a]++;
        uint32_t sb = t->start[edge->b] + t->count[edge->b]++;
        t->other[sa] = edge->b;
        t->other[sb] = edge->a;
        t->kind[sa] = edge->kind_at_a;
        t->kind[sb] = edge->kind_at_b;
        t->contact[sa] = t->contact[sb] = edge->contact;
        t->trust[sa] = t->trust[sb] = edge->trust;
        t->since[sa] = t->since[sb] = edge->since;
        t->twin[sa] = sb;
        t->twin[sb] = sa;
    }
    if (owned != NULL) {
        free(*owned);
        *owned = NULL;
    }
    ZERO(rupture)
    ZERO(harm)
    ZERO(reciprocity)
    ZERO(engagement)
    ZERO(grievance)
#undef ZERO
    for (uint32_t i = 0; i < people; i++)
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            t->engagement[h] = 1.0f;
    t->active = 2 * (uint64_t)n;
out:
    if (owned != NULL) {
        free(*owned);
        *owned = NULL;
    }
    if (rc != ATTUNE_OK)
        ties_free(t);
    return rc;
}

int ties_build(tie_store *t, uint32_t people, const tie_edge *edges, size_t n, uint32_t slack)
{
    return build(t, people, edges, n, slack, NULL);
}

int ties_build_owned(tie_store *t, uint32_t people, tie_edge **edges, size_t n, uint32_t slack)
{
    return build(t, people, *edges, n, slack, edges);
}

int ties_grow_people(tie_store *t, uint32_t new_people, uint32_t slack)
{
    if (new_people <= t->people)
        return ATTUNE_OK;
    int rc = grow_people_arrays(t, new_people);
    if (rc != ATTUNE_OK)
        return rc;
    uint64_t need = (uint64_t)t->size + (uint64_t)(new_people - t->people) * slack;
    rc = grow_slots(t, need);
    if (rc != ATTUNE_OK)
        return rc;
    zero_slots(t, t->size, (uint32_t)need);
    for (uint32_t i = t->people; i < new_people; i++) {
        t->start[i] = t->size;
        t->count[i] = 0;
        t->cap[i] = slack;
        t->size += slack;
    }
    t->people = new_people;
    return ATTUNE_OK;
}

/* Moves half `from` to slot `to` (which must be free) and points its twin at the new place. */
static void move_half(tie_store *t, uint32_t from, uint32_t to)
{
#define COPY(f) t->f[to] = t->f[from];
    TIE_SLOT_ARRAYS(COPY)
#undef COPY
    t->twin[t->twin[to]] = to;
}

/* Gives person i at least one free slot, relocating its block to the arena end if needed. */
static int ensure_room(tie_store *t, uint32_t i)
{
    if (t->count[i] < t->cap[i])
        return ATTUNE_OK;
    uint32_t new_cap = t->cap[i] ? 2 * t->cap[i] : 4;
    int rc = grow_slots(t, (uint64_t)t->size + new_cap);
    if (rc != ATTUNE_OK)
        return rc;
    uint32_t old = t->start[i], fresh = t->size;
    zero_slots(t, fresh + t->count[i], fresh + new_cap);
    for (uint32_t k = 0; k < t->count[i]; k++)
        move_half(t, old + k, fresh + k);
    t->start[i] = fresh;
    t->cap[i] = new_cap;
    t->size += new_cap;
    return ATTUNE_OK;
}

int ties_add(tie_store *t, const tie_edge *e, uint32_t *slot_a)
{
    if (e->a >= t->people || e->b >= t->people || e->a == e->b)
        return ATTUNE_ERR_ARGUMENT;
    int rc = ensure_room(t, e->a);
    if (rc == ATTUNE_OK)
        rc = ensure_room(t, e->b);
    if (rc != ATTUNE_OK)
        return rc;
    uint32_t sa = t->start[e->a] + t->count[e->a]++;
    uint32_t sb = t->start[e->b] + t->count[e->b]++;
    write_half(t, sa, e->b, e->kind_at_a, e->contact, e->trust, e->since);
    write_half(t, sb, e->a, e->kind_at_b, e->contact, e->trust, e->since);
    t->twin[sa] = sb;
    t->twin[sb] = sa;
    t->active += 2;
    if (slot_a != NULL)
        *slot_a = sa;
    return ATTUNE_OK;
}

/* Removes the half at `slot` owned by `owner` by moving the owner's last half into it. */
static void remove_half(tie_store *t, uint32_t owner, uint32_t slot)
{
    uint32_t last = t->start[owner] + t->count[owner] - 1;
    if (slot != last)
        move_half(t, last, slot);
    t->count[owner]--;
}

int ties_remove(tie_store *t, uint32_t slot)
{
    if (slot >= t->size)
        return ATTUNE_ERR_ARGUMENT;
    uint32_t j = t->other[slot];
    uint32_t twin = t->twin[slot];
    uint32_t i = t->other[twin];
    /* Remove the twin first: moving j's last half never touches i's slots. */
    remove_half(t, j, twin);
    remove_half(t, i, slot);
    t->active -= 2;
    return ATTUNE_OK;
}

uint32_t ties_find(const tie_store *t, uint32_t i, uint32_t j)
{
    uint32_t s = t->start[i], e = s + t->count[i];
    for (uint32_t h = s; h < e; h++)
        if (t->other[h] == j)
            return h;
    return TIE_NONE;
}

/* A copy of one slot array (elements of `size` bytes) laid out by `start`: each person's
 * half-ties in their order, the slots after them zero. NULL when out of memory. */
static void *compacted_array(const tie_store *t, const void *old, size_t size,
                             const uint32_t *start, uint64_t total)
{
    char *fresh = bulk_memory_zeroed(total ? total : 1, size);
    if (fresh == NULL)
        return NULL;
    for (uint32_t i = 0; i < t->people; i++)
        memcpy(fresh + (size_t)start[i] * size, (const char *)old + (size_t)t->start[i] * size,
               (size_t)t->count[i] * size);
    return fresh;
}

int ties_compact(tie_store *t, uint32_t slack)
{
    int rc = ATTUNE_OK;
    uint32_t *start = malloc((size_t)(t->people ? t->people : 1) * sizeof *start);
    if (start == NULL)
        return ATTUNE_ERR_NOMEM;
    uint64_t total = 0;
    for (uint32_t i = 0; i < t->people; i++) {
        start[i] = (uint32_t)total;
        total += (uint64_t)t->count[i] + slack;
        if (total >= UINT32_MAX) {
            free(start);
            return ATTUNE_ERR_TOO_LARGE;
        }
    }
    /* Twins first, while the old layout is known: the twin keeps its place within its
     * owner's block. */
    for (uint32_t i = 0; i < t->people; i++) {
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            uint32_t j = t->other[h];
            t->twin[h] = start[j] + (t->twin[h] - t->start[j]);
        }
    }
    /* One array at a time, so that the arena is never resident twice: the peak is the arena
     * and one new array. A failure part way leaves arrays of both layouts; the store is then
     * freed (the caller's model has failed). */
#define COMPACT(f)                                                                                 \
    {                                                                                              \
        void *fresh = compacted_array(t, t->f, sizeof *t->f, start, total);                        \
        if (fresh == NULL) {                                                                       \
            rc = ATTUNE_ERR_NOMEM;                                                                 \
            goto out;                                                                              \
        }                                                                                          \
        free(t->f);                                                                                \
        t->f = fresh;                                                                              \
    }
    TIE_SLOT_ARRAYS(COMPACT)
#undef COMPACT
    for (uint32_t i = 0; i < t->people; i++)
        t->cap[i] = t->count[i] + slack;
    memcpy(t->start, start, (size_t)t->people * sizeof *start);
    t->size = (uint32_t)total;
    t->capacity = (uint32_t)(total ? total : 1);
out:
    free(start);
    if (rc != ATTUNE_OK)
        ties_free(t);
    return rc;
}

int ties_compact_due(const tie_store *t, uint32_t slack)
{
    uint64_t needed = t->active + (uint64_t)t->people * slack;
    return t->size > needed && t->size - needed > t->size / TIE_COMPACT_WASTE_DIVISOR;
}

int ties_check(const tie_store *t, char *why, size_t why_size)
{
    uint64_t active = 0;
    for (uint32_t i = 0; i < t->people; i++) {
        if (t->count[i] > t->cap[i]) {
            snprintf(why, why_size, "person %u has %u half-ties in %u slots", i, t->count[i],
                     t->cap[i]);
            return ATTUNE_ERR_INVARIANT;
        }
        if ((uint64_t)t->start[i] + t->cap[i] > t->size) {
            snprintf(why, why_size, "person %u's slots run past the arena end", i);
            return ATTUNE_ERR_INVARIANT;
        }
        active += t->count[i];
        for (uint32_t k = 0; k < t->count[i]; k++) {
            uint32_t h = t->start[i] + k;
            uint32_t j = t->other[h], tw = t->twin[h];
            if (j >= t->people || j == i) {
                snprintf(why, why_size, "half %u of person %u points at person %u", h, i, j);
                return ATTUNE_ERR_INVARIANT;
            }
            if (tw < t->start[j] || tw >= t->start[j] + t->count[j]) {
                snprintf(why, why_size, "twin %u of half %u (%u-%u) is not among %u's half-ties",
                         tw, h, i, j, j);
                return ATTUNE_ERR_INVARIANT;
            }
            if (t->twin[tw] != h || t->other[tw] != i) {
                snprintf(why, why_size, "halves %u and %u of tie %u-%u do not point at each other",
                         h, tw, i, j);
                return ATTUNE_ERR_INVARIANT;
            }
            if (t->contact[h] != t->contact[tw]) {
                snprintf(why, why_size, "tie %u-%u has different contact rates at its ends", i, j);
                return ATTUNE_ERR_INVARIANT;
            }
            if ((t->rupture[h] & ~(TIE_RUPTURED | TIE_REPAIRED)) != 0 ||
                (t->rupture[h] & TIE_RUPTURED) != (t->rupture[tw] & TIE_RUPTURED)) {
                snprintf(why, why_size, "tie %u-%u has rupture states %u and %u at its ends", i, j,
                         t->rupture[h], t->rupture[tw]);
                return ATTUNE_ERR_INVARIANT;
            }
            for (uint32_t k2 = k + 1; k2 < t->count[i]; k2++) {
                if (t->other[t->start[i] + k2] == j) {
                    snprintf(why, why_size, "tie %u-%u is stored twice", i, j);
                    return ATTUNE_ERR_INVARIANT;
                }
            }
        }
    }
    /* Blocks must not overlap: sort-free check by marking owners. */
    uint32_t *owner = malloc((size_t)(t->size ? t->size : 1) * sizeof *owner);
    if (owner == NULL) {
        snprintf(why, why_size, "out of memory");
        return ATTUNE_ERR_NOMEM;
    }
    for (uint32_t s = 0; s < t->size; s++)
        owner[s] = TIE_NONE;
    int rc = ATTUNE_OK;
    for (uint32_t i = 0; i < t->people && rc == ATTUNE_OK; i++) {
        for (uint32_t k = 0; k < t->cap[i]; k++) {
            uint32_t s = t->start[i] + k;
            if (owner[s] != TIE_NONE) {
                snprintf(why, why_size, "slot %u belongs to both person %u and person %u", s,
                         owner[s], i);
                rc = ATTUNE_ERR_INVARIANT;
                break;
            }
            owner[s] = i;
        }
    }
    free(owner);
    if (rc == ATTUNE_OK && active != t->active) {
        snprintf(why, why_size, "active half-tie count %llu differs from the sum of degrees %llu",
                 (unsigned long long)t->active, (unsigned long long)active);
        rc = ATTUNE_ERR_INVARIANT;
    }
    return rc;
}
