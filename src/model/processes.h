/*
 * The processes of the model, one file each, in the order of the weekly step
 * (docs/ODD.md, "Process overview and scheduling").
 *
 * Contract of every weekly process: it reads the state left by the previous process (and
 * neighbours only through the week's snapshot), writes only the state of the person it is
 * handling and that person's half-ties, draws random numbers only through rng.h keyed by
 * (seed, week, stream, ids), and so gives the same result for any thread count.
 */
#ifndef ATTUNE_PROCESSES_H
#define ATTUNE_PROCESSES_H

#include "engine/model_internal.h"

/* Phases, in weekly order; also the order of events in the log. */
enum phase {
    PHASE_INTERACTIONS = 1,
    PHASE_AFFECT = 2,
};

/** population_generator.c: households, communities, cultures, friendships, teachers (week 0). */
int population_generate(struct attune_model *m, attune_error *err);

/** interactions.c: each person's capacity and hostility from its own state (the snapshot). */
void interactions_snapshot(struct attune_model *m);

/** interactions.c: who meets on every active tie and what each receives (pull). */
void interactions_exchange(struct attune_model *m, int32_t week);

/** affect.c: affect moves with the relational input received, relaxing to its baseline. */
void affect_update(struct attune_model *m);

#endif
