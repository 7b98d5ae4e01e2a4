/*
 * The demographic history that builds the starting population (ODD 5): the interface between
 * population_generator.c and population_history.c.
 */
#ifndef ATTUNE_POPULATION_HISTORY_H
#define ATTUNE_POPULATION_HISTORY_H

#include "engine/model_internal.h"

/* Most members of a household drawn directly: two adults and six children. */
#define DRAWN_HOUSEHOLD_MAX 8

/* Draws one household as the generator draws households directly (ODD 5): the ages in years of
 * its members, the adults first (one, or two: a couple), then the children from oldest to
 * youngest. Returns the number of members and sets *adults to 1 or 2. O(members). */
int population_draw_household(const attune_params *p, rng_seq *s, double ages[DRAWN_HOUSEHOLD_MAX],
                              int *adults);

/* The people of one community living at the end of its demographic history, in the order of
 * their ids (household by household), and the ties among them. */
typedef struct start_community {
    uint32_t count;
    double *age;         /* years, at the start of the run */
    uint32_t *household; /* 0, 1, ... along the order */
    tie_edge *edges;     /* a and b are positions in the order; kinds, contact, trust, week */
    size_t edge_count;
    uint32_t seed_count; /* people the history began with */
    uint32_t forced_out; /* grown children moved out at the end whose own age of leaving home,
                            drawn by the run from their id, lies beyond their age (ODD 5) */
} start_community;

/* A community's demographic history (population_history.c). */
typedef struct history history;

/* Runs demographic history number `index` (its draws are keyed by it: one per community, and
 * one more for what a short last community leaves) for initial.history_years years from a seed
 * of about `seed_size` people drawn as households, in *out (a new history if *out is NULL, else
 * one run before, whose room is used again). Histories are independent: any number may run at
 * once. The caller frees *out with population_history_free, also on failure. Errors:
 * ATTUNE_ERR_NOMEM. O(history_years x people). */
int population_history_simulate(const attune_model *m, uint32_t index, uint32_t seed_size,
                                history **out);

/* The people living at the end of the history. O(1). */
uint32_t population_history_living(const history *h);

/* The living at the end of the history in *out, numbered from id `base` (the run draws a
 * person's age of leaving home from its id: a grown child at home may leave now). The caller
 * frees *out with start_community_free, also on failure. Errors: ATTUNE_ERR_NOMEM. O(people
 * log people). */
int population_history_assemble(history *h, uint32_t base, start_community *out);

void population_history_free(history *h);

void start_community_free(start_community *c);

#endif
