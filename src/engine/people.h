/*
 * People as a struct of arrays: one array per state variable, float where it suffices.
 * Person ids are indices, never reused; households and communities occupy contiguous id
 * ranges at start, and people born later are appended.
 */
#ifndef ATTUNE_PEOPLE_H
#define ATTUNE_PEOPLE_H

#include <stdint.h>

/* X(type, name): every per-person array, in one list so that allocation and growth see all. */
// clang-format off
#define PEOPLE_FIELDS(X)                                                                           \
    /* identity and place */                                                                       \
    X(int32_t, birth_week)       /* week of birth (negative: before the run) */                    \
    X(uint32_t, household)                                                                         \
    X(uint32_t, community)                                                                         \
    X(uint8_t, culture)                                                                            \
    X(uint8_t, role)             /* attune_role */                                                 \
    X(uint8_t, alive)                                                                              \
    X(uint8_t, ace_count)        /* distinct adverse childhood experiences so far */               \
    X(uint16_t, ace_mask)        /* which ones (bit per enum ace_kind) */                          \
    X(uint8_t, infant_class)     /* class assessed at 18 months, or CLASS_UNASSESSED */            \
    /* inner state */                                                                              \
    X(float, anxiety)            /* working model, [0,1] */                                        \
    X(float, avoidance)          /* working model, [0,1] */                                        \
    X(float, disorganization)    /* working model, [0,1] */                                        \
    X(float, expected_care)      /* learned mean of care received from close others, [0,1] */      \
    X(float, self_worth)         /* [0,1] */                                                       \
    X(float, self_relation)      /* the relationship with oneself, [0,1] */                        \
    X(float, affect)             /* [-1,1] */                                                      \
    X(float, affect_baseline)    /* temperament set point, [-1,1] */                               \
    X(float, disposition)        /* stable relational disposition: added to capacity, [-0.5,0.5] */ \
    X(float, stress)             /* load of recent life events, [0,1] */                           \
    X(float, unmet_need)         /* relational need not met by care, [0,1] */                      \
    X(float, insight)            /* understanding not yet integrated, [0,1] */                     \
    X(float, integration)        /* insight absorbed in relationships, [0,1] */                    \
    X(float, coping)             /* intensity of maladaptive coping, [0,1] */                      \
    X(float, coping_habit)       /* habit of coping, [0,1] */                                      \
    X(uint8_t, coping_form)      /* COPING_NONE, or the form chosen at onset */                    \
    X(uint8_t, coping_calm_run)  /* consecutive weeks of urge below the stop threshold */          \
    X(uint8_t, distress_run)     /* consecutive weeks below the distress threshold */              \
    X(uint8_t, in_episode)       /* 1 during a distress episode */                                 \
    X(uint8_t, withdrawn)        /* 1 during a spell of withdrawal (interactions.c) */             \
    X(float, availability)       /* capacity toward adults on ties between equals x (1 + this) */ \
    X(uint16_t, recovery_run)    /* consecutive weeks recovered, during an episode */              \
    X(int32_t, episode_start)    /* week the current (or last) episode started */                  \
    X(uint8_t, therapy_status)   /* THERAPY_NONE, THERAPY_WAITING or THERAPY_ACTIVE */           \
    X(uint8_t, therapy_rupture)  /* 1 while a rupture with one's therapist is unrepaired */       \
    X(uint16_t, therapy_sessions) /* sessions of the current (or last) course of therapy */       \
    X(int32_t, therapy_since)    /* week one joined the waitlist, began or ended a course */      \
    X(float, alliance)           /* working alliance with one's therapist, [0,1] */               \
    X(float, caregiver_coping_share) /* running share of caregiver meetings coping, [0,1] */     \
    X(float, grief_pending)      /* grief recorded this week, added to stress next week */         \
    X(float, wellbeing)          /* [0,1], from affect, self-worth, self-relation (ODD 7.4) */     \
    X(float, relationship_quality) /* recent care exchanged on one's ties, [-1,1] */               \
    X(float, quality_shift)      /* quality one is used to minus the reference (affect.c) */     \
    X(float, childhood_care)     /* running mean of care from caregivers (neglect), [0,1] */       \
    X(float, childhood_hostility) /* running share of hostile caregiver meetings (abuse), [0,1] */ \
    X(float, caregiver_distress) /* running share of weeks a caregiver was in distress, [0,1] */   \
    /* snapshot of the week's start: what neighbours read (the double buffer) */                   \
    X(float, give_capacity)      /* this week's capacity to attune, [0,1] */                       \
    X(float, hostility)          /* this week's probability of a hostile response, [0,1] */        \
    /* delivered by the interaction phase, written by the receiving person */                      \
    X(float, received_quality_sum) /* sum over meetings of perceived quality */                    \
    X(float, received_input)     /* weighted relational input to affect */                         \
    X(float, learn_weight)       /* sum of closeness weights of meetings */                        \
    X(float, learn_care)         /* closeness-weighted perceived care */                           \
    X(float, learn_fright)       /* closeness-weighted hostile responses */                        \
    X(float, mirror_sum)         /* closeness-weighted perceived mirroring and validation */       \
    X(float, exchange_sum)       /* sum over meetings of care exchanged minus hostility */         \
    X(float, caregiver_care)     /* care received from caregivers this week (sum) */               \
    X(uint16_t, meetings)                                                                          \
    X(uint16_t, hostile_meetings)                                                                  \
    X(uint16_t, caregiver_meetings)                                                                \
    X(uint16_t, caregiver_hostile)                                                                 \
    X(uint16_t, caregiver_distressed) /* meetings with a caregiver whose well-being was low */ \
    X(uint16_t, caregiver_coping_meetings) /* meetings with a caregiver who was coping */

/* X(type, name): per-person values derived from the seed and traits fixed for life, kept to
 * save drawing them again every week: 0 until first needed, then the value + 1 (values too
 * large for the type are not kept). Not state: not in checkpoints nor in the panel. */
#define PEOPLE_DERIVED(X)                                                                          \
    X(uint8_t, friends_wish)     /* friends wished (tie_formation.c) */                            \
    X(uint8_t, community_wish)   /* community ties wished (tie_formation.c) */

#define PEOPLE_ALL(X) PEOPLE_FIELDS(X) PEOPLE_DERIVED(X)
// clang-format on

typedef struct people {
    uint32_t count;    /* people ever created; ids 0 .. count-1 */
    uint32_t capacity; /* allocated slots */
#define PEOPLE_DECLARE(type, name) type *name;
    PEOPLE_ALL(PEOPLE_DECLARE)
#undef PEOPLE_DECLARE
} people;

/** Allocates room for `capacity` people (all zero). Returns an attune_status. */
int people_init(people *p, uint32_t capacity);

/** Grows the arrays to hold at least `capacity` people. The new slots are not written (so the
 * memory they take is not touched before it is used): people_clear each before use. */
int people_reserve(people *p, uint32_t capacity);

/** Sets every field of person slot i to zero. */
void people_clear(people *p, uint32_t i);

/** Frees every array. */
void people_free(people *p);

/** Bytes per person of the arrays above (state and derived). */
uint64_t people_bytes_per_person(void);

#endif
