/*
 * The tie store: half-ties in CSR with slack and twin indices.
 *
 * Each person's half-ties occupy slots start[i] .. start[i]+count[i]-1 of the half-tie arrays,
 * with cap[i] - count[i] spare slots after them. The half at i of the tie {i, j} is i's view of
 * j; twin[h] is the index of the other half (at j). A person whose slots run out is moved to the
 * end of the arena with double the capacity; ties_compact() rebuilds the arena in id order, and
 * the model does so at the end of a week when ties_compact_due() finds enough slots wasted.
 * Nothing computed from the store depends on its layout, only on each person's half-ties in
 * order.
 * Only the owner of a half writes it during the parallel phases; adding and removing ties is
 * serial (two-phase changes, applied in a fixed order).
 */
#ifndef ATTUNE_TIES_H
#define ATTUNE_TIES_H

#include <stddef.h>
#include <stdint.h>

#define TIE_NONE UINT32_MAX

typedef struct tie_store {
    uint32_t people;   /* person slots */
    uint32_t *start;   /* first slot of each person */
    uint32_t *count;   /* half-ties in use */
    uint32_t *cap;     /* slots reserved */
    uint32_t size;     /* slots handed out (arena end) */
    uint32_t capacity; /* slots allocated */
    uint64_t active;   /* half-ties in use, over all people */
    /* half-tie arrays, indexed by slot */
    uint32_t *other;
    uint32_t *twin;
    uint8_t *kind;      /* attune_tie_kind at this end */
    uint8_t *rupture;   /* bits: TIE_RUPTURED (an open rupture), TIE_REPAIRED (one was repaired) */
    float *contact;     /* weekly meeting probability; equal at both ends */
    float *trust;       /* [0,1] */
    float *harm;        /* >= 0 */
    float *reciprocity; /* care given minus care received, running */
    float *engagement;  /* share of one's capacity one puts into this tie, [0,1] */
    uint8_t *grievance; /* hostility this end adds toward the other, in 1/255; derived from
                           rupture, harm and trust in each week's snapshot (interactions.c) */
    int32_t *since;     /* week formed */
} tie_store;

/* Bits of tie_store.rupture. TIE_RUPTURED is equal at both ends; TIE_REPAIRED is set at an end
 * when a rupture is repaired while the tie is not toxic to that end (rupture.repair_bond). */
#define TIE_RUPTURED 1u /* a rupture is open */
#define TIE_REPAIRED 2u /* a rupture was repaired once, and trust kept for good */

/* Every per-slot array, for code that must see them all (copying, checkpoints). */
// clang-format off
#define TIE_SLOT_ARRAYS(X) \
    X(other) \
    X(twin) \
    X(kind) \
    X(rupture) \
    X(contact) \
    X(trust) \
    X(harm) \
    X(reciprocity) \
    X(engagement) \
    X(grievance) \
    X(since)
// clang-format on

/** Makes room for at least `slots` slots (new slots zero). */
int ties_reserve_slots(tie_store *t, uint32_t slots);

/** An edge for ties_build: a tie {a, b} with the kind seen from each end. */
typedef struct tie_edge {
    uint32_t a, b;
    uint8_t kind_at_a, kind_at_b;
    float contact;
    float trust;
    int32_t since;
} tie_edge;

/** Builds the store for `people` persons from `n` edges, with `slack` spare slots each. */
int ties_build(tie_store *t, uint32_t people, const tie_edge *edges, size_t n, uint32_t slack);

/** ties_build from a malloc'd edge list, which it frees (and sets to NULL) once the edges are
 * placed, before it writes the rest of the arena: the peak memory of the build is then the
 * arena's, not the arena's and the edge list's. */
int ties_build_owned(tie_store *t, uint32_t people, tie_edge **edges, size_t n, uint32_t slack);

/** Frees every array. */
void ties_free(tie_store *t);

/** Makes room for person ids up to new_people-1 (with no ties). */
int ties_grow_people(tie_store *t, uint32_t new_people, uint32_t slack);

/** Adds the tie {e->a, e->b}; the slot at a is returned in *slot_a (may be NULL). */
int ties_add(tie_store *t, const tie_edge *e, uint32_t *slot_a);

/** Removes the tie of which `slot` is one half (both halves go). */
int ties_remove(tie_store *t, uint32_t slot);

/** Slot of the half at i of tie {i, j}, or TIE_NONE. O(degree of i). */
uint32_t ties_find(const tie_store *t, uint32_t i, uint32_t j);

/** Rebuilds the arena in person order with `slack` spare slots each (after much churn), one
 * slot array at a time (peak memory: the arena and one new array). Each person's half-ties keep
 * their order, so nothing computed from the store changes; slot indices held by callers become
 * invalid. Without memory for the new layout's index, or when it would not fit 32-bit slots,
 * the store is left as it was; a failure while copying the arrays frees the store. */
int ties_compact(tie_store *t, uint32_t slack);

/* ties_compact_due: compaction is due when the slots beyond every person's half-ties plus
 * `slack` (dead blocks left by relocation, room freed by removals) exceed this share (1/N) of
 * the arena. */
#define TIE_COMPACT_WASTE_DIVISOR 8u

/** Whether the arena wastes enough slots to compact (see TIE_COMPACT_WASTE_DIVISOR). O(1). */
int ties_compact_due(const tie_store *t, uint32_t slack);

/** Checks twins, owners, counts and capacities; writes the first violation into why. */
int ties_check(const tie_store *t, char *why, size_t why_size);

/** Bytes per allocated half-tie slot. */
uint64_t ties_bytes_per_slot(void);

#endif
