/*
 * The processes of the model, one file each, in the order of the weekly step
 * (docs/ODD.md, "Process overview and scheduling").
 *
 * Contract of every weekly process: it reads the state left by the previous process (and
 * neighbours only through the week's snapshot or state no process of the phase writes),
 * writes only the state of the person it is handling and that person's half-ties, draws
 * random numbers only through rng.h keyed by (seed, week, stream, ids), and so gives the same
 * result for any thread count. Processes that change the network propose changes in parallel
 * and apply them serially, sorted by (change, person, other).
 */
#ifndef ATTUNE_PROCESSES_H
#define ATTUNE_PROCESSES_H

#include <math.h>
#include <omp.h>

#include "engine/model_internal.h"

/* Phases, in weekly order; also the order of events in the log. */
enum phase {
    PHASE_LIFE_EVENTS = 0,
    PHASE_INTERVENTIONS = 1,
    PHASE_INTERACTIONS = 2,
    PHASE_AFFECT = 3,
    PHASE_WORKING_MODEL = 4,
    PHASE_COPING = 5,
    PHASE_INSIGHT = 6,
    PHASE_TIE_MAINTENANCE = 7,
    PHASE_TIE_FORMATION = 8,
    PHASE_DEMOGRAPHY = 9,
    PHASE_DISTRESS = 10,
    PHASE_THERAPY = 11,
};

/* Forms of maladaptive coping, chosen at onset. */
enum coping_form {
    COPING_NONE = 0,
    COPING_SUBSTANCE = 1,
    COPING_EATING = 2,
    COPING_WITHDRAWAL = 3
};

/** coping.c: name of a form ("substance", ...). */
const char *coping_form_name(int form);

/** population_generator.c: households, communities, cultures, friendships, teachers (week 0). */
int population_generate(struct attune_model *m, attune_error *err);

/** life_events.c: stressors; grief of person i (called by demography on a death). */
void life_events_update(struct attune_model *m, int32_t week);
void life_events_grief(struct attune_model *m, uint32_t i);

/** interventions.c: read the scenario's interventions; free them. */
int interventions_init(struct attune_model *m);
void interventions_free(struct attune_model *m);

/** interventions.c: start interventions due this week and apply the active ones. */
int interventions_begin_week(struct attune_model *m, int32_t week);

/** What an active intervention bars a person from this week (bits of attune_model.barred). */
enum barred_bits {
    BARRED_THERAPY = 1, /* may not seek or begin therapy (therapy_waitlist) */
    BARRED_RELEASE = 2, /* ends none of its ties by release (keep_ties) */
};

/** interventions.c: whether an active intervention bars person i from `what` (BARRED_*). */
int interventions_bar(const struct attune_model *m, uint32_t i, unsigned what);

/** interactions.c: each person's capacity and hostility from its own state (the snapshot). */
void interactions_snapshot(struct attune_model *m, int32_t week);

/** interactions.c: this week's capacity of `giver` toward the other end of a tie whose kind at
 * the giver is `kind_at_giver`: toward its own child, the caregiving norm of its culture and
 * caregiving.sensitivity_shift apply (its sensitivity as a caregiver). [0,1]. */
double capacity_toward(const struct attune_model *m, uint32_t giver, int kind_at_giver);

/** interactions.c: what the owner of half-tie h can expect of a meeting on it, at this week's
 * snapshot (interactions_snapshot), the tie intact and its balance even (no mutuality damping):
 * the other's capacity toward it and engagement in the tie, the channels' noise at its mean,
 * taken in through the owner's working model, and the other's chance of a hostile response.
 * care: the mean care taken in; hostile: the chance of a hostile response; quality: the mean
 * quality of the meeting (7.1); trust_target: the mean of what the meeting moves trust toward
 * (that quality clamped to [0,1] with and without hostility). */
typedef struct expected_meeting {
    double care, hostile, quality, trust_target;
} expected_meeting;
expected_meeting interactions_expected_meeting(const struct attune_model *m, uint32_t h);

/** interactions.c: who meets on every active tie and what each receives (pull). */
void interactions_exchange(struct attune_model *m, int32_t week);

/** affect.c: well-being of person i from its current state (weights normalised). */
double wellbeing_of(const struct attune_model *m, uint32_t i);

/** affect.c: affect, self-worth, the relationship with oneself, well-being. */
void affect_update(struct attune_model *m);

/** working_model.c: factor on person i's care taken in this week (learn_care) that gives the
 * care its working model learns from (working_model.defensive_exclusion); > 0. */
double learned_care_factor(const struct attune_model *m, uint32_t i);

/** working_model.c: learning of the working model; infant assessment; childhood adversity. */
void working_model_update(struct attune_model *m, int32_t week);

/** coping.c: onset, intensity, habit and end of maladaptive coping. */
void coping_update(struct attune_model *m, int32_t week);

/** insight.c: insight from self-help, reflection and teaching; integration in proportion to
 * support. */
void insight_update(struct attune_model *m, int32_t week);

/** distress.c: distress episodes and recovery (after the week's other processes). */
void distress_update(struct attune_model *m, int32_t week);

/** tie_maintenance.c: engagement in ties; separation of partners. */
void tie_engagement_update(struct attune_model *m);
int tie_separation_update(struct attune_model *m, int32_t week);

/* Ties whose care is not expected to be returned in kind (caregiving, teaching, therapy): no
 * mutuality, no depletion, no grievance and no chronic load; the others are ties between
 * equals. */
static inline int tie_kind_asymmetric(int kind)
{
    return kind == ATTUNE_TIE_CAREGIVER || kind == ATTUNE_TIE_CHILD || kind == ATTUNE_TIE_TEACHER ||
           kind == ATTUNE_TIE_STUDENT || kind == ATTUNE_TIE_THERAPIST || kind == ATTUNE_TIE_CLIENT;
}

/* Whether a half-tie of this kind is support its owner can count on (the coping buffer, 7.3b;
 * the supportive ties behind the agency to end a toxic tie, 7.4): every kind but the
 * professional's end of a professional tie (a teacher's student, a therapist's client). */
static inline int tie_kind_supports(int kind)
{
    return kind != ATTUNE_TIE_STUDENT && kind != ATTUNE_TIE_CLIENT;
}

/* Harm of half-tie h (at its owner) minus its benefit, harm.benefit_scale x trust; the tie is
 * toxic when this is positive. Inline: it is read for every half-tie every week. */
static inline double tie_toxic_excess(const struct attune_model *m, uint32_t h)
{
    return m->ties.harm[h] - m->p->harm_benefit_scale * m->ties.trust[h];
}

/* Friendship ages (ODD 5 and 7.4), in years: friends from FRIEND_MIN_AGE; a friend sought "of
 * similar age" within MINOR_FRIEND_SPAN of a minor and ADULT_FRIEND_SPAN of an adult; and a
 * minor's friends, however found, within MINOR_FRIEND_SPAN of it. */
#define FRIEND_MIN_AGE 5.0
/* Community ties are sought by and with people from the same age as friends (ODD 5, 7.4). */
#define COMMUNITY_MIN_AGE FRIEND_MIN_AGE
#define MINOR_FRIEND_SPAN 2.0
#define ADULT_FRIEND_SPAN 10.0

/* Whether people aged a and b may be friends: a minor's friends are within MINOR_FRIEND_SPAN of
 * it, whoever found whom (adults' friendships have no limit of their own here). */
static inline int friend_ages_fit(double a, double b)
{
    return (a >= 18 && b >= 18) || fabs(a - b) < MINOR_FRIEND_SPAN;
}

/* Weekly chance that the two ends of half-tie h meet: its contact, times rupture.contact_factor
 * while the tie is ruptured. */
static inline double tie_meeting_chance(const struct attune_model *m, uint32_t h)
{
    return m->ties.contact[h] *
           ((m->ties.rupture[h] & TIE_RUPTURED) ? m->p->rupture_contact_factor : 1.0);
}

/** tie_maintenance.c: whether half-tie h is toxic (tie_toxic_excess > 0). */
int tie_is_toxic(const struct attune_model *m, uint32_t h);

/** tie_maintenance.c: whether half-tie h is support its owner can count on: trusted (>= 1/2),
 * not toxic, and of a kind that supports (tie_kind_supports). */
int tie_is_supportive(const struct attune_model *m, uint32_t h);

/** tie_maintenance.c: i's most harmful toxic tie that i may end (TIE_NONE if none), its excess
 * in *excess, and in *supportive the number of i's supportive ties (tie_is_supportive) (either
 * pointer may be NULL).
 * O(degree). */
uint32_t tie_worst_toxic(const struct attune_model *m, uint32_t i, double *excess,
                         double *supportive);

/** tie_maintenance.c: the repair of a rupture on half-tie h (callers repair both halves):
 * rupture cleared, trust + rupture.repair_trust_gain, harm relieved. */
void tie_repair(struct attune_model *m, uint32_t h);

/** tie_maintenance.c: whether person i may end half-tie h (minors cannot end ties to their
 * caregivers; institutional ties are not ended this way). */
int tie_is_endable(const struct attune_model *m, uint32_t i, uint32_t h);

/** tie_maintenance.c: i ends its tie to j (serial phase): grief for i, the tie removed (a
 * partner moves out; an adult's tie to a caregiver it lives with, ended by either, is its
 * leaving home first: demography_leave_home), a tie_ended event (value: the tie's harm; detail: its
 * kind, marked when an intervention ended it). */
int tie_end(struct attune_model *m, uint32_t i, uint32_t j, int32_t week, uint32_t phase,
            int by_intervention);

/** What ended a tie, for the detail of its tie_ended event. */
enum tie_end_cause {
    TIE_ENDED_BY_PERSON = 0,       /* release: "friend" */
    TIE_ENDED_BY_INTERVENTION = 1, /* "friend (intervention)" */
    TIE_ENDED_BY_PLACEMENT = 2,    /* a caregiver tie replaces it: "friend (placement)" */
};

/** tie_maintenance.c: the (static) detail of a tie_ended event for a tie of `kind` (at the
 * event's person) ended by `cause` (enum tie_end_cause). */
const char *tie_ended_detail(int kind, int cause);

/** tie_maintenance.c: people end toxic ties when they have the agency to (claim C7). */
int tie_release_update(struct attune_model *m, int32_t week);

/** tie_formation.c: friendships, community ties, partnerships. */
int tie_formation_update(struct attune_model *m, int32_t week);

/** Person i moves to `household`, away from the caregivers it still lives with (leaving home,
 * or moving in with a partner): its caregiver ties become family ties and its sibling ties are
 * settled (demography_settle_sibling_contacts); emits leave_home (in `phase`) if i held a caregiver
 * tie. Serial phases only. */
void demography_move_away_from_caregivers(struct attune_model *m, uint32_t i, uint32_t household,
                                          int32_t week, uint32_t phase);

/** demography.c: person i now lives in community c (it moved into a household there) and joins
 * c's member list, once: the lists keep everyone who ever lived in a community, so one who moves
 * back is listed already. Serial phases only. */
int demography_move_to_community(struct attune_model *m, uint32_t i, uint32_t c);

/** demography.c: person i leaves home (its household) for a new one: its caregiver ties become
 * family ties (demography_move_away_from_caregivers); a partner living with it moves along and
 * leaves its own caregivers too, and the minors either of them raises in the household left
 * move with them. Events in `phase`. Serial phases only. */
void demography_leave_home(struct attune_model *m, uint32_t i, int32_t week, uint32_t phase);

/** demography.c: the age in years at which person i leaves home, drawn once from its id in
 * [demography.leave_home_min, demography.leave_home_max]. */
double demography_leave_home_age(const struct attune_model *m, uint32_t i);

/** demography.c: the living partner of person a who lives with it, or TIE_NONE. */
uint32_t demography_partner_at_home(const struct attune_model *m, uint32_t a);

/** demography.c: moves the minors q raises (child ties) who live in household `home` to
 * `household`; ages in `week`. Serial phases only. */
void demography_take_minors_along(struct attune_model *m, uint32_t q, uint32_t home,
                                  uint32_t household, int32_t week);

/** demography.c: after person i moved, its sibling ties are at household contact to the siblings
 * it lives with and at family contact to the others (contact.household is for siblings at
 * home). Serial phases only. */
void demography_settle_sibling_contacts(struct attune_model *m, uint32_t i);

/** demography.c: births a year to a couple whose younger partner is `younger_age` years old:
 * demography.fertility_rate at 20-39, a third of it at 18-19 and 40-44, else 0. Also the
 * demographic history's (population_history.c). */
double demography_fertility(const struct attune_params *p, double younger_age);

/** tie_formation.c: half-tie h (and its twin) was just made as a friend or community tie: each
 * end's engagement starts at 1 - ties.engagement_avoidance x its avoidance (ODD 7.4). */
void tie_start_engagement(struct attune_model *m, uint32_t h);

/** demography.c: deaths, births, leaving home, school. */
int demography_update(struct attune_model *m, int32_t week);

/** therapy.c: a therapist's skill, [0.05, 1], drawn once from its id. */
double therapist_skill(const struct attune_model *m, uint32_t therapist);

/** therapy.c: client begins a course of therapy with therapist this week (serial phase); its
 * therapy_start event is logged in `phase` (therapy, or interventions for a trial's places). */
int therapy_start_course(struct attune_model *m, uint32_t client, uint32_t therapist, int32_t week,
                         uint32_t phase);

/** therapy.c: recruitment, sessions and endings, help-seeking, the waitlist (serial). */
int therapy_update(struct attune_model *m, int32_t week);

#endif
