/* The model handle: everything one simulation owns. Internal to the library. */
#ifndef ATTUNE_MODEL_INTERNAL_H
#define ATTUNE_MODEL_INTERNAL_H

#include <stdint.h>

#include "attune/attune.h"
#include "engine/events.h"
#include "engine/people.h"
#include "engine/rng.h"
#include "engine/scenario_internal.h"
#include "engine/ties.h"

/* People per block of the deterministic reductions: results never depend on thread count. */
#define REDUCTION_BLOCK 4096u

typedef struct culture_norms {
    double warmth, expressiveness, help_seeking_stigma, community_density;
} culture_norms;

struct attune_model {
    attune_scenario *scenario;
    const attune_params *p; /* = &scenario->params */
    int threads;
    attune_model_state state;
    int32_t week; /* completed weeks */
    rng_key key;

    people people;
    tie_store ties;

    uint32_t culture_count;
    culture_norms *cultures;
    uint32_t community_count;
    uint32_t *community_culture;

    /* precomputed per tie kind: weight of a meeting for the receiver */
    float kind_weight[ATTUNE_TIE_KIND_COUNT];

    attune_metrics metrics;
    event_log events;
};

/** Age in years of person i at the model's current week. */
static inline double person_age_years(const struct attune_model *m, uint32_t i)
{
    return (double)(m->week - m->people.birth_week[i]) / 52.1775;
}

/** Recomputes m->metrics from the current state (deterministic for any thread count). */
int metrics_compute(struct attune_model *m);

#endif
