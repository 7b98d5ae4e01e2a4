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
#define WEEKS_PER_YEAR  52.1775

typedef struct culture_norms {
    double warmth, expressiveness, help_seeking_stigma, community_density;
    double community_wish_mean; /* network.community_ties_mean x community_density */
    double community_wish_p0;   /* exp(-community_wish_mean): Poisson probability of none */
} culture_norms;

/* A growable list of person ids. */
typedef struct id_list {
    uint32_t *ids;
    uint32_t count, capacity;
} id_list;

int id_list_push(id_list *l, uint32_t id);

/* An intervention of the scenario, with the people it targets once it has started. */
typedef struct intervention {
    int kind;                     /* enum intervention_kind */
    int32_t start_week, end_week; /* acts in weeks start_week .. end_week - 1 */
    double age_min, age_max, share, magnitude;
    int reciprocal;
    int cohort;
    int culture, community; /* targeted culture / community index, or -1 for any */
    int target_state;       /* enum intervention_state */
    double state_min, state_max;
    int started;
    id_list targets;
    id_list partners; /* attuned_tie: the partner of each target (or TIE_NONE) */
} intervention;

/* A proposed change of the network, applied serially in (person, order) order. */
typedef struct proposal {
    uint32_t person, other;
    uint32_t kind; /* what is proposed; meaning set by the proposing process */
    float value;
} proposal;

typedef struct proposal_list {
    proposal *items;
    size_t count, capacity;
    int failed;
} proposal_list;

/* Attachment classes. Infant: secure, avoidant, resistant, disorganized; adult: secure,
 * dismissing, preoccupied, unresolved. */
enum { CLASS_SECURE = 0, CLASS_AVOIDANT = 1, CLASS_RESISTANT = 2, CLASS_DISORGANIZED = 3 };
enum { ADULT_SECURE = 0, ADULT_DISMISSING = 1, ADULT_PREOCCUPIED = 2, ADULT_UNRESOLVED = 3 };
#define CLASS_UNASSESSED 255

/* Adverse childhood experiences, each counted once per childhood. */
enum ace_kind {
    ACE_ABUSE = 0,              /* frequent hostile (frightening) responses of a caregiver */
    ACE_NEGLECT = 1,            /* care from caregivers persistently below need */
    ACE_CAREGIVER_DISTRESS = 2, /* a caregiver in distress much of the time */
    ACE_CAREGIVER_COPING = 3,   /* a caregiver's maladaptive coping, much of the time */
    ACE_LOSS = 4,               /* death of a caregiver */
    ACE_SEPARATION = 5,         /* caregivers separate */
    ACE_KIND_COUNT
};

struct attune_model {
    attune_scenario *scenario;
    const attune_params *p; /* = &scenario->params */
    int threads;
    attune_model_state state;
    int32_t week; /* completed weeks */
    /* The week that ages are read at (person_age_years): during a step the week being
     * simulated, m->week + 1; between steps m->week. */
    int32_t age_week;
    rng_key key;

    people people;
    tie_store ties;
    uint32_t next_household;

    uint32_t culture_count;
    culture_norms *cultures;
    uint32_t community_count;
    uint32_t *community_culture;
    id_list *community_members; /* everyone ever living in each community, dead included */

    intervention *interventions;
    size_t intervention_count;
    double *metric_partial;             /* metrics.c: block sums, kept between weeks */
    size_t metric_partial_blocks;       /* blocks metric_partial has room for */
    struct meeting_note *meeting_notes; /* interactions.c: per-thread note tables, kept between
                                           weeks (emptied each week; NULL: none yet) */
    float *care_factor;   /* per person, this week: factor on care received (NULL: all 1) */
    float *parenting;     /* per person, this week: share of the gap to full warmth toward one's
                             children closed by a parenting programme (NULL: all 0) */
    uint8_t *isolated;    /* per person, this week: meets nobody (NULL: none) */
    float *self_help;     /* per person, this week: self-help magnitude (NULL: none) */
    uint8_t *barred;      /* per person, this week: BARRED_* bits (NULL: nobody barred) */
    uint32_t barred_size; /* people `barred` covers (those born later are not barred) */

    /* per tie kind: weight of a meeting for the receiver */
    float kind_weight[ATTUNE_TIE_KIND_COUNT];

    /* Functions of age tabulated by age in whole weeks d = week - birth_week, 0 <= d <
     * age_table_size: each entry is the same expression as its direct computation (see
     * age_decay and death_chance below), so using the table changes no result. */
    uint32_t age_table_size;
    double *age_decay_table;    /* exp(-age / working_model.plasticity_decay_years) */
    double *death_chance_table; /* weekly probability of death at that age */
    double friends_wish_p0;     /* exp(-network.friends_mean) */

    /* per-thread proposal buffers of the network-changing processes */
    proposal_list *proposals;

    /* births and deaths of the last week */
    uint32_t births, deaths;

    attune_metrics metrics;
    event_log events;
};

/** Opens week m->week + 1 for the weekly processes (ages are read in it) and returns it. */
static inline int32_t model_open_week(struct attune_model *m)
{
    m->age_week = m->week + 1;
    return m->age_week;
}

/** Closes the week opened by model_open_week: `week` is completed (done = 1) or not (0). */
static inline void model_close_week(struct attune_model *m, int32_t week, int done)
{
    if (done)
        m->week = week;
    m->age_week = m->week;
}

/** Age in years of person i in the week being simulated (between steps: the last one). */
static inline double person_age_years(const struct attune_model *m, uint32_t i)
{
    return (double)(m->age_week - m->people.birth_week[i]) / WEEKS_PER_YEAR;
}

/** Age in years of person i at week `week`. */
static inline double person_age_at(const struct attune_model *m, uint32_t i, int32_t week)
{
    return (double)(week - m->people.birth_week[i]) / WEEKS_PER_YEAR;
}

/** exp(-age / working_model.plasticity_decay_years) at an age of d whole weeks. */
static inline double age_decay_direct(const attune_params *p, int32_t d)
{
    double age = (double)d / WEEKS_PER_YEAR;
    return exp(-age / p->working_model_plasticity_decay_years);
}

/** Weekly probability of death at an age of d whole weeks: the Gompertz hazard
 * demography.mortality_a exp(mortality_b age) a year, as a weekly chance. */
static inline double death_chance_direct(const attune_params *p, int32_t d)
{
    double age = (double)d / WEEKS_PER_YEAR;
    double hazard = p->demography_mortality_a * exp(p->demography_mortality_b * age);
    return 1.0 - exp(-hazard / WEEKS_PER_YEAR);
}

/** age_decay_direct(p, d), from the table where it reaches. */
static inline double age_decay(const struct attune_model *m, int32_t d)
{
    return d >= 0 && (uint32_t)d < m->age_table_size ? m->age_decay_table[d]
                                                     : age_decay_direct(m->p, d);
}

/** death_chance_direct(p, d), from the table where it reaches. */
static inline double death_chance(const struct attune_model *m, int32_t d)
{
    return d >= 0 && (uint32_t)d < m->age_table_size ? m->death_chance_table[d]
                                                     : death_chance_direct(m->p, d);
}

/* Where a person stands with therapy (people.therapy_status; model/therapy.c). */
enum therapy_status { THERAPY_NONE = 0, THERAPY_WAITING = 1, THERAPY_ACTIVE = 2 };

/** Security score of a working model, [0,1]: 1 - (anxiety + avoidance)/2 - disorg./2. */
static inline double person_security(const struct attune_model *m, uint32_t i)
{
    double s = 1.0 - 0.5 * ((double)m->people.anxiety[i] + m->people.avoidance[i]) -
               0.5 * m->people.disorganization[i];
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

/** Whether person i holds a tie of the given kind (attune_tie_kind, at i's end). */
static inline int person_has_tie_kind(const struct attune_model *m, uint32_t i, int kind)
{
    const tie_store *t = &m->ties;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        if (t->kind[h] == kind)
            return 1;
    return 0;
}

/* Ties across communities reach the CROSS_COMMUNITY_REACH nearest communities on either side
 * (communities are numbered by place). */
#define CROSS_COMMUNITY_REACH 8

/** A community near c, from 32 random bits (never c itself when count > 1). */
static inline uint32_t nearby_community(uint32_t c, uint32_t count, uint32_t bits)
{
    uint32_t reach = count - 1 < CROSS_COMMUNITY_REACH ? count - 1 : CROSS_COMMUNITY_REACH;
    uint32_t step = 1 + rng_below(bits, 2 * reach);
    uint32_t forward = step <= reach ? step : count - (step - reach);
    return (uint32_t)(((uint64_t)c + forward) % count);
}

/** Adult attachment class of person i (ADULT_*). */
int attachment_adult_class(const struct attune_model *m, uint32_t i);

/** Infant attachment class of person i's current working model (CLASS_*). */
int attachment_infant_class(const struct attune_model *m, uint32_t i);

/** Names of the classes. */
const char *attachment_adult_class_name(int c);
const char *attachment_infant_class_name(int c);

/** Recomputes m->metrics from the current state (deterministic for any thread count). */
int metrics_compute(struct attune_model *m);

/** Adds a new person (appended id) with zeroed state; returns its id in *id. */
int model_add_person(struct attune_model *m, uint32_t *id);

/** Appends a proposal from thread `thread` (omp_get_thread_num()) during a propose pass. */
void proposals_push(struct attune_model *m, int thread, uint32_t person, uint32_t other,
                    uint32_t kind, float value);

/** Runs `propose` (which pushes proposals in parallel) on empty buffers and returns every
 * proposal sorted by (kind, person, other, value): the order in which to apply them. */
typedef void (*propose_fn)(struct attune_model *m, int32_t week);
int proposals_collect(struct attune_model *m, int32_t week, propose_fn propose, proposal **out,
                      size_t *count);

/** Records an adverse childhood experience of kind k for person i (once per kind). Serial
 * callers pass thread 0; parallel callers their thread and only for the person they own. */
void ace_record(struct attune_model *m, int thread, uint32_t phase, uint32_t i, int k);

#endif
