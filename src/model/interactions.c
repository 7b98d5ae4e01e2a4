/*
 * Interactions (ODD 7.1; claims C3, C6, C9, C11; caregiving for C1 and C2).
 *
 * Snapshot: at the start of a week each person's capacity to attune and propensity to hostile
 * responses are computed from its own inner state (C9: inner state sets how well one gives
 * care), with a week-to-week swing that grows with attachment anxiety (inconsistency).
 * Neighbours read only this snapshot, never state being written this week. The snapshot also
 * holds each half-tie's grievance (C7, C8, C11; negative reciprocity): an open rift, a ruptured
 * tie between equals whose harm exceeds its benefit, adds hostility toward the other that feeds
 * the other's (grievances_update).
 *
 * Spells of withdrawal (C9; stress generation, Hammen 1991; social withdrawal in low mood):
 * a person not in a spell starts one with weekly probability
 *   withdrawal.rate x max(0, 1 - w / withdrawal.reference)
 * (w: last week's well-being) and a spell ends with weekly probability withdrawal.end, so a
 * spell lasts 1 / withdrawal.end weeks on average whatever the well-being. Only adults have
 * spells. During a spell the capacity to attune is multiplied by 1 - withdrawal.depth in
 * meetings with adults on ties between equals (partner, sibling, family, friend, community);
 * care in roles (toward one's child or caregiver, teaching, therapy) goes on. Well-being sets
 * how often one withdraws, chance when: the care one gives (and, through reciprocity, mutuality
 * and unrepaired ruptures, the care one takes in) falls for weeks to months after a low point.
 * The spell is drawn from the person's own stream (STREAM_WITHDRAWAL) and written by the
 * person's own thread in the snapshot pass, before the exchange reads it at both ends; it is
 * not coping by withdrawal (coping.c), which follows unmet need and habit and holds back
 * engagement.
 *
 * Availability (C9; off by default: availability.sd and availability.wellbeing_gain 0): how much of
 * one's capacity to attune an adult has for the adults of its ties between equals this week. It
 * follows circumstances (time, energy, other demands: a first-order autoregression with
 * persistence phi and stationary standard deviation sd) around a centre set by how one feels:
 *   a[t] = c + phi (a[t-1] - c) + sqrt(1 - phi^2) sd z,   c = wellbeing_gain (w - reference)
 * (w: last week's well-being, z a normal deviate from the person's mood block). Capacity toward
 * adults on ties between equals is multiplied by max(0, 1 + a); minors hold a = 0, and an adult
 * starts from 0 at 18. Well-being sets where availability tends, chance where it is: the care one
 * gives, and so the quality of one's ties, follows well-being with weeks of delay and noise that
 * well-being itself does not hold.
 *
 * Exchange (pull): for each active half-tie of person i, both ends draw the same pair-keyed
 * number to decide whether they meet this week (probability: the tie's contact). When they
 * meet, j gives i three channels of care (attunement, mirroring, validation) scaled by how much
 * j engages in the tie, and possibly a hostile response. A caregiver's response to its own
 * child on a caregiver tie (a minor, or a grown child who has not left home) follows the
 * caregiving norm of its culture. i perceives what it receives through
 * its working model (C3) and takes in less from ties it does not reciprocate (C6); a surplus of
 * care given costs the giver (C6). i accumulates what the later processes of the week need.
 *
 * Both ends work a meeting out alike, from the same draws, so the lower id, which comes first,
 * leaves a note of it for the higher id's half (if the thread's notes still hold it when the
 * higher id comes, the higher id reads it instead of working it out again; the numbers are the
 * same either way).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/processes.h"

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* A spell of withdrawal of adult i starts with probability withdrawal.rate x shortfall, where
 * shortfall = max(0, 1 - w / withdrawal.reference) with last week's well-being w, and ends with
 * probability withdrawal.end (one draw a person a week; none when withdrawal.rate is 0). Writes
 * only i's own state. */
static void withdrawal_update(attune_model *m, int32_t week, uint32_t i)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t r[4];
    if (p->withdrawal_rate <= 0 || person_age_years(m, i) < 18) {
        pp->withdrawn[i] = 0;
        return;
    }
    rng_draw4(m->key, (uint32_t)week, STREAM_WITHDRAWAL, i, 0, r);
    if (pp->withdrawn[i]) {
        if (rng_u01(r[0]) < p->withdrawal_end)
            pp->withdrawn[i] = 0;
        return;
    }
    double shortfall = 1.0 - (double)pp->wellbeing[i] / p->withdrawal_reference;
    if (shortfall > 0 && rng_u01(r[0]) < p->withdrawal_rate * shortfall)
        pp->withdrawn[i] = 1;
}

/* Whether availability is on (else everyone's stays 0). */
static int availability_on(const attune_params *p)
{
    return p->availability_sd > 0 || p->availability_wellbeing_gain > 0;
}

/* Availability of adult i for this week from last week's and its well-being; `bits` two words of
 * i's mood block (normal deviate). Writes only i's own state. */
static void availability_update(attune_model *m, uint32_t i, uint32_t bits_a, uint32_t bits_b)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    if (person_age_years(m, i) < 18) {
        pp->availability[i] = 0;
        return;
    }
    double phi = p->availability_persistence;
    double centre =
        p->availability_wellbeing_gain * ((double)pp->wellbeing[i] - p->availability_reference);
    double departure = phi * ((double)pp->availability[i] - centre) +
                       sqrt(1.0 - phi * phi) * p->availability_sd * rng_normal(bits_a, bits_b);
    pp->availability[i] = (float)(centre + departure);
}

/* Share of i's capacity it gives an adult on a tie between equals: held back by a spell of
 * withdrawal and scaled by availability, never below 0. */
static inline double share_for_equals(const people *pp, uint32_t i, double withdrawn_keep)
{
    double share = 1.0 + (double)pp->availability[i];
    if (share < 0)
        share = 0;
    return pp->withdrawn[i] ? share * withdrawn_keep : share;
}

/* The grievances of person i, from its half-ties as they stand at the start of the week: an
 * open rift (a ruptured tie between equals whose harm to i exceeds its benefit by e > 0) adds
 *   harm.grievance_gain x e^2 / (e^2 + harm.grievance_scale^2)
 * to i's probability of a hostile response toward the other, stored in 1/255. Writes only i's
 * halves; the exchange reads both ends' grievances. */
static void grievances_update(attune_model *m, uint32_t i)
{
    const attune_params *p = m->p;
    tie_store *t = &m->ties;
    const double gain = p->harm_grievance_gain,
                 scale2 = p->harm_grievance_scale * p->harm_grievance_scale;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        double excess = (t->rupture[h] & TIE_RUPTURED) && !tie_kind_asymmetric(t->kind[h])
                            ? tie_toxic_excess(m, h)
                            : 0.0;
        if (excess <= 0) { /* most halves: no rift, no grievance (and no rounding call) */
            t->grievance[h] = 0;
            continue;
        }
        double grievance = gain * excess * excess / (excess * excess + scale2);
        t->grievance[h] = (uint8_t)lround(255.0 * (grievance < 1 ? grievance : 1));
    }
}

void interactions_snapshot(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
    const int grievances = p->harm_grievance_gain > 0; /* else every grievance stays 0 */
    const int available = availability_on(p);
#pragma omp parallel for schedule(static) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        double security = person_security(m, i);
        double mood = 0.5 * ((double)pp->affect[i] + 1.0);
        double inner = p->interaction_inner_self_worth * pp->self_worth[i] +
                       p->interaction_inner_mood * mood + p->interaction_inner_security * security;
        double capacity = p->interaction_capacity_base + p->interaction_capacity_gain * inner +
                          pp->disposition[i] + p->insight_capacity_gain * pp->integration[i];
        if (week > 0) {
            uint32_t r[4];
            rng_draw4(m->key, (uint32_t)week, STREAM_MOOD, i, 0, r);
            double swing = p->caregiving_inconsistency_gain * pp->anxiety[i];
            capacity *= 1.0 + swing * (2.0 * rng_u01(r[0]) - 1.0);
            if (available)
                availability_update(m, i, r[1], r[2]);
        }
        capacity *= 1.0 - p->coping_capacity_cost * pp->coping[i];
        if (week > 0)
            withdrawal_update(m, week, i);
        pp->give_capacity[i] = (float)clamp01(capacity);
        double bad_affect = pp->affect[i] < 0 ? -(double)pp->affect[i] : 0.0;
        double strain = p->interaction_strain_disorganization * pp->disorganization[i] +
                        p->interaction_strain_self_worth * (1.0 - pp->self_worth[i]) +
                        p->interaction_strain_affect * bad_affect - pp->disposition[i];
        double hostility = p->interaction_hostility_base + p->interaction_hostility_gain * strain;
        if (pp->coping_form[i] == COPING_SUBSTANCE)
            hostility += p->coping_strain * pp->coping[i];
        pp->hostility[i] = (float)clamp01(hostility);
        if (grievances)
            grievances_update(m, i);
    }
}

/* Multiplicative noise with mean 1 and standard deviation sd (uniform), never negative; scale
 * is sd x sqrt(3). */
static inline double noise_factor(double scale, uint32_t bits)
{
    double f = 1.0 + scale * (2.0 * rng_u01(bits) - 1.0);
    return f > 0 ? f : 0;
}

static inline double capacity_of(const attune_model *m, uint32_t giver, int kind_at_giver)
{
    double cap = m->people.give_capacity[giver];
    if (kind_at_giver == ATTUNE_TIE_CLIENT)
        return therapist_skill(m, giver); /* a therapist attunes at its skill */
    if (kind_at_giver == ATTUNE_TIE_CHILD) {
        const culture_norms *c = &m->cultures[m->people.culture[giver]];
        cap +=
            m->p->caregiving_sensitivity_shift + m->p->caregiving_culture_gain * (c->warmth - 0.5);
        cap = clamp01(cap);
        if (m->parenting != NULL)
            cap += m->parenting[giver] * (1.0 - cap);
    }
    return clamp01(cap);
}

double capacity_toward(const attune_model *m, uint32_t giver, int kind_at_giver)
{
    return capacity_of(m, giver, kind_at_giver);
}

/* Probability that `giver` responds with hostility in a meeting on its half-tie of kind
 * `kind_at_giver`: toward one's own child scaled by caregiving.frightening_gain, less after a
 * parenting programme. */
static inline double hostility_toward(const attune_model *m, uint32_t giver, int kind_at_giver)
{
    double hostility = m->people.hostility[giver];
    if (kind_at_giver == ATTUNE_TIE_CLIENT)
        return 0.0; /* a therapist is not hostile toward a client */
    if (kind_at_giver != ATTUNE_TIE_CHILD)
        return hostility;
    hostility = clamp01(hostility * m->p->caregiving_frightening_gain);
    if (m->parenting != NULL)
        hostility *= 1.0 - m->parenting[giver];
    return hostility;
}

/* Factors of the giver's culture on the social channels (mirroring, validation). */
typedef struct channel_factors {
    double mirroring, validation;
} channel_factors;

/* A culture's factors on the social channels (ODD 7.1): expressiveness scales mirroring and
 * warmth validation, each 1 at 0.5 and 0.7 to 1.3 over [0, 1]. */
static channel_factors channel_factors_of(const culture_norms *c)
{
    channel_factors f = {0.7 + 0.6 * (c->expressiveness - 0.5), 0.7 + 0.6 * (c->warmth - 0.5)};
    return f;
}

expected_meeting interactions_expected_meeting(const attune_model *m, uint32_t h)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    const tie_store *t = &m->ties;
    uint32_t tw = t->twin[h], i = t->other[tw], j = t->other[h];
    int kind_at_j = t->kind[tw];
    /* What j gives (the channels' noise at its mean of 1) ... */
    channel_factors f = channel_factors_of(&m->cultures[pp->culture[j]]);
    double channels = (1.0 + f.mirroring + f.validation) / 3.0;
    double care = clamp01(capacity_of(m, j, kind_at_j) * t->engagement[tw] * channels);
    if (m->care_factor != NULL)
        care *= m->care_factor[i];
    double hostile = clamp01(hostility_toward(m, j, kind_at_j) + t->grievance[tw] / 255.0);
    /* ... as i takes it in, through its working model */
    double loosen = 1.0 - p->insight_loosening * pp->integration[i];
    double perceived = care * (1.0 - p->interaction_avoidance_discount * pp->avoidance[i] * loosen);
    double harm = p->interaction_hostility_severity *
                  (1.0 + p->interaction_anxiety_negativity_bias * pp->anxiety[i] * loosen);
    expected_meeting e;
    e.care = perceived;
    e.hostile = hostile;
    e.quality = perceived - hostile * harm;
    e.trust_target = (1.0 - hostile) * clamp01(perceived) + hostile * clamp01(perceived - harm);
    return e;
}

typedef struct care {
    double total;  /* mean of the three channels, [0,1] */
    double mirror; /* mean of mirroring and validation */
    double raw;    /* total as given, before any intervention's factor on the receiver */
} care;

/* Care a giver of capacity cap toward the receiver gives in one meeting, before the receiver's
 * perception; noise_scale as in noise_factor. */
static inline care care_given(double cap, double engagement, double noise_scale, channel_factors f,
                              uint32_t bits_a, uint32_t bits_b)
{
    double base = cap * engagement;
    double attunement = base * noise_factor(noise_scale, bits_a);
    double social = base * noise_factor(noise_scale, bits_b);
    double mirroring = social * f.mirroring;
    double validation = social * f.validation;
    care out = {clamp01((attunement + mirroring + validation) / 3.0),
                clamp01((mirroring + validation) / 2.0), 0.0};
    out.raw = out.total;
    return out;
}

/* Cultures are indexed by a byte. */
#define CULTURE_INDEX_LIMIT 256

/* Half-ties ahead of the current one whose other end the exchange prefetches. */
#define PREFETCH_AHEAD 3

/* Asks for what person `self` will read in the exchange for its half-tie h: the lower id's note
 * on the meeting if self is the higher id, else the other end's half, its snapshot and the note
 * self will leave. (A macro: gcc drops a function's prefetches with the call, as the call has no
 * effect.) */
#define PREFETCH_OTHER_END(t, pp, notes, self, h)                                                  \
    do {                                                                                           \
        uint32_t tw_ = (t)->twin[h], j_ = (t)->other[h];                                           \
        __builtin_prefetch(&(pp)->alive[j_]);                                                      \
        if (j_ < (self) && (notes) != NULL) {                                                      \
            __builtin_prefetch(&(notes)[(h) & (MEETING_NOTES - 1)]);                               \
        } else {                                                                                   \
            __builtin_prefetch(&(t)->engagement[tw_]);                                             \
            __builtin_prefetch(&(t)->kind[tw_]);                                                   \
            __builtin_prefetch(&(t)->grievance[tw_]);                                              \
            __builtin_prefetch(&(pp)->give_capacity[j_]);                                          \
            __builtin_prefetch(&(pp)->hostility[j_]);                                              \
            __builtin_prefetch(&(pp)->culture[j_]);                                                \
            if ((notes) != NULL)                                                                   \
                __builtin_prefetch(&(notes)[tw_ & (MEETING_NOTES - 1)], 1);                        \
        }                                                                                          \
    } while (0)

/* What the lower id of a tie worked out of the week's meeting, for the higher id to read instead
 * of working it out again: the pair's draws and, if they met, the care and hostility that pass
 * each way, as the higher id receives and gives them (care before the receiver's factor). */
struct meeting_note {
    double received, received_mirror, given;
    uint32_t meet[4];
    uint32_t slot; /* the higher id's half-tie + 1; 0 when empty (a week's notes start empty) */
    uint8_t met, hostile, hostile_back;
};
typedef struct meeting_note meeting_note;

/* Notes a thread keeps, by the slot of the half-tie they are for (a power of two). A note
 * overwritten before it is read, or written by another thread, is worked out again: the
 * numbers are the same either way. */
#define MEETING_NOTES 16384u

void interactions_exchange(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t n = pp->count;
    const double severity = p->interaction_hostility_severity;
    const double ref = p->interaction_reference_quality;
    const double adaptation = p->affect_adaptation_share;
    const float retention = (float)p->reciprocity_retention;
    const double distress_line = p->ace_distress_wellbeing;
    const float harm_retention = (float)p->harm_retention;
    const double noise_scale = p->interaction_noise * 1.7320508075688772;
    const double allowance = p->reciprocity_allowance;
    const double mutuality_scale = p->reciprocity_mutuality_scale;
    const double depletion_gain = p->reciprocity_depletion_gain;
    const double imbalance_gain = p->harm_imbalance_gain;
    const double trust_rate = p->interaction_trust_rate;
    const double repair_bond = p->rupture_repair_bond;
    const double coping_active = p->coping_active_level;
    const double rupture_chance = p->rupture_probability;
    const double repair_care = p->rupture_repair_care;
    const double repair_chance = p->rupture_repair_probability;
    const double withdrawn_keep = 1.0 - p->withdrawal_depth;
    /* else no one is withdrawn, and everyone's availability is 0 */
    const int for_equals = p->withdrawal_rate > 0 || availability_on(p);
    const uint8_t *alive = pp->alive;
    const uint8_t *isolated = m->isolated;
    channel_factors factors[CULTURE_INDEX_LIMIT];
    for (uint32_t c = 0; c < m->culture_count && c < CULTURE_INDEX_LIMIT; c++)
        factors[c] = channel_factors_of(&m->cultures[c]);
    /* The note tables are allocated once and emptied every week; without room for them, both
     * ends work out every meeting. Chunks of 4,096 people: both ends of most ties fall to the
     * same thread, whose notes the higher id reads. */
    size_t note_count = (size_t)(m->threads > 0 ? m->threads : 1) * MEETING_NOTES;
    if (m->meeting_notes == NULL)
        m->meeting_notes = malloc(note_count * sizeof *m->meeting_notes);
    meeting_note *all_notes = m->meeting_notes;
    if (all_notes != NULL)
        memset(all_notes, 0, note_count * sizeof *all_notes);
#pragma omp parallel for schedule(dynamic, 4096) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        meeting_note *notes =
            all_notes ? all_notes + (size_t)omp_get_thread_num() * MEETING_NOTES : NULL;
        /* Relational input is the deviation of quality from the level one has adapted to. */
        const double ref_i = ref + adaptation * pp->quality_shift[i];
        double quality_sum = 0, input = 0, lw = 0, lcare = 0, lfright = 0;
        double mirror = 0, exchange = 0, cg_care = 0, weight_sum = 0;
        uint32_t meetings = 0, hostile_meetings = 0, cg_meetings = 0, cg_hostile = 0;
        uint32_t cg_distress = 0, cg_coping = 0;
        uint32_t begin = t->start[i], end = begin + t->count[i];
        if (i + 1 < n) {
            uint32_t next = t->start[i + 1], stop = next + t->count[i + 1];
            for (uint32_t h = next; h < stop && h < next + PREFETCH_AHEAD; h++)
                PREFETCH_OTHER_END(t, pp, notes, i + 1, h);
        }
        if (alive[i] && end > begin) {
            /* Integration loosens the working model's distortions of perception. */
            double loosen = 1.0 - p->insight_loosening * pp->integration[i];
            double take_in = 1.0 - p->interaction_avoidance_discount * pp->avoidance[i] * loosen;
            double negativity =
                1.0 + p->interaction_anxiety_negativity_bias * pp->anxiety[i] * loosen;
            double factor = m->care_factor ? m->care_factor[i] : 1.0;
            int alone = isolated != NULL && isolated[i];
            /* i's capacity and hostility toward anyone but its own child or client. */
            const double cap_i_other = capacity_of(m, i, ATTUNE_TIE_FRIEND);
            const double cap_i_child = capacity_of(m, i, ATTUNE_TIE_CHILD);
            const double host_i_other = hostility_toward(m, i, ATTUNE_TIE_FRIEND);
            const double host_i_child = hostility_toward(m, i, ATTUNE_TIE_CHILD);
            const channel_factors factors_i = factors[pp->culture[i]];
            const int i_adult = for_equals && person_age_years(m, i) >= 18;
            for (uint32_t h = begin; h < end; h++) {
                /* The other end's half-tie and snapshot lie anywhere in memory: ask for them a
                 * few half-ties ahead, so that the misses overlap this meeting's arithmetic. */
                if (h + PREFETCH_AHEAD < end)
                    PREFETCH_OTHER_END(t, pp, notes, i, h + PREFETCH_AHEAD);
                uint32_t j = t->other[h];
                int kind = t->kind[h];
                int symmetric = !tie_kind_asymmetric(kind);
                t->reciprocity[h] *= retention;
                t->harm[h] *= harm_retention;
                uint32_t lo = i < j ? i : j, hi = i < j ? j : i;
                /* The lower id's note on this meeting, if i is the higher id and has it. */
                const meeting_note *note = NULL;
                if (notes != NULL && j < i) {
                    const meeting_note *c = &notes[h & (MEETING_NOTES - 1)];
                    if (c->slot == h + 1)
                        note = c;
                }
                /* The note i leaves for j's half, if i is the lower id. */
                meeting_note *leave = NULL;
                if (notes != NULL && j > i && alive[j]) {
                    uint32_t tw = t->twin[h];
                    leave = &notes[tw & (MEETING_NOTES - 1)];
                    leave->slot = tw + 1;
                    leave->met = 0;
                }
                uint32_t meet[4];
                if (note != NULL) {
                    for (int w = 0; w < 4; w++)
                        meet[w] = note->meet[w];
                } else {
                    rng_draw4(m->key, (uint32_t)week, STREAM_MEET, lo, hi, meet);
                }
                if (leave != NULL) {
                    for (int w = 0; w < 4; w++)
                        leave->meet[w] = meet[w];
                }
                if (rng_u01(meet[0]) >= tie_meeting_chance(m, h) || !alive[j] || alone ||
                    (isolated != NULL && isolated[j]))
                    continue;
                care received, given;
                int hostile, hostile_back;
                if (note != NULL && note->met) {
                    received.total = received.raw = note->received;
                    received.mirror = note->received_mirror;
                    given.total = given.raw = note->given;
                    given.mirror = 0.0; /* not used */
                    hostile = note->hostile;
                    hostile_back = note->hostile_back;
                } else {
                    uint32_t ch[4];
                    rng_draw4(m->key, (uint32_t)week, STREAM_CHANNELS, lo, hi, ch);
                    /* Draws of the direction lo->hi use words 0,1 (and meet[1]); hi->lo 2,3,
                     * meet[2]. */
                    int j_is_lo = j == lo;
                    uint32_t tw = t->twin[h];
                    int kind_at_j = t->kind[tw];
                    double cap_j = capacity_of(m, j, kind_at_j);
                    double cap_i = kind == ATTUNE_TIE_CHILD    ? cap_i_child
                                   : kind == ATTUNE_TIE_CLIENT ? capacity_of(m, i, kind)
                                                               : cap_i_other;
                    /* A spell of withdrawal and availability (only adults have them) scale
                     * care toward adults on ties between equals. */
                    if (for_equals && symmetric) {
                        if (i_adult)
                            cap_j *= share_for_equals(pp, j, withdrawn_keep);
                        if (person_age_years(m, j) >= 18)
                            cap_i *= share_for_equals(pp, i, withdrawn_keep);
                    }
                    received =
                        care_given(cap_j, t->engagement[tw], noise_scale, factors[pp->culture[j]],
                                   ch[j_is_lo ? 0 : 2], ch[j_is_lo ? 1 : 3]);
                    given = care_given(cap_i, t->engagement[h], noise_scale, factors_i,
                                       ch[j_is_lo ? 2 : 0], ch[j_is_lo ? 3 : 1]);
                    /* Hostility each way, a grievance toward the other included. */
                    hostile = rng_u01(meet[j_is_lo ? 1 : 2]) <
                              hostility_toward(m, j, kind_at_j) + t->grievance[tw] / 255.0;
                    /* The other direction, as j sees it: both ends know what passed between
                     * them. */
                    double host_i = kind == ATTUNE_TIE_CHILD    ? host_i_child
                                    : kind == ATTUNE_TIE_CLIENT ? 0.0
                                                                : host_i_other;
                    hostile_back =
                        rng_u01(meet[j_is_lo ? 2 : 1]) < host_i + t->grievance[h] / 255.0;
                }
                if (leave != NULL) {
                    /* What i gives is what j receives, and the other way round. */
                    leave->received = given.total;
                    leave->received_mirror = given.mirror;
                    leave->given = received.total;
                    leave->hostile = (uint8_t)hostile_back;
                    leave->hostile_back = (uint8_t)hostile;
                    leave->met = 1;
                }
                received.total *= factor;
                received.mirror *= factor;
                /* A tie one takes from without giving back is taken in only in part. */
                double mutuality = 1.0;
                if (symmetric && t->reciprocity[h] < -allowance)
                    mutuality = 1.0 / (1.0 + (-t->reciprocity[h] - allowance) / mutuality_scale);
                double perceived = received.total * take_in;
                double harm = hostile ? severity * negativity : 0.0;
                /* Without mutuality a meeting moves one less: its deviation from the
                 * reference is damped toward zero. */
                double quality = ref + mutuality * (perceived - harm - ref);
                /* and the care it brings answers fewer of one's bids. */
                perceived *= mutuality;
                double w = m->kind_weight[kind];
                double closeness = w * (0.5 + 0.5 * t->trust[h]);
                quality_sum += quality;
                input += w * (quality - ref_i);
                weight_sum += w;
                /* Giving far more than one gets back depletes the giver. */
                if (symmetric && t->reciprocity[h] > allowance)
                    input -= w * depletion_gain * (t->reciprocity[h] - allowance);
                lw += closeness;
                lcare += closeness * perceived;
                lfright += closeness * hostile;
                mirror += closeness * received.mirror * take_in * mutuality;
                exchange += 0.5 * (given.total + received.total) - (hostile ? severity : 0.0);
                meetings++;
                hostile_meetings += (uint32_t)hostile;
                if (kind == ATTUNE_TIE_CAREGIVER) {
                    cg_meetings++;
                    cg_care += received.total;
                    cg_hostile += (uint32_t)hostile;
                    cg_distress += pp->wellbeing[j] < distress_line;
                    cg_coping += pp->coping[j] >= coping_active;
                }
                t->reciprocity[h] += (float)(given.total - received.total);
                /* Harm accumulates from hostility received and from giving far more than one
                 * gets back. */
                double surplus = symmetric ? t->reciprocity[h] - allowance : 0.0;
                t->harm[h] += (float)(harm + (surplus > 0 ? imbalance_gain * surplus : 0.0));
                double target = perceived - harm;
                /* Trust earned by repairing a rupture lasts (C8: repair builds trust; off at the
                 * default bond 0, which skips the test). */
                if (repair_bond > 0 && (t->rupture[h] & TIE_REPAIRED) &&
                    tie_toxic_excess(m, h) <= 0)
                    target += repair_bond;
                target = clamp01(target);
                if ((t->rupture[h] & TIE_RUPTURED) && target > t->trust[h])
                    target = t->trust[h]; /* trust does not grow across a rupture */
                t->trust[h] += (float)(trust_rate * (target - t->trust[h]));
                /* Rupture and repair, decided alike at both ends from what both gave and a
                 * shared draw (meet[3]). A therapy tie's ruptures are its sessions' (therapy.c),
                 * not these. */
                double chance = rng_u01(meet[3]);
                if (!(t->rupture[h] & TIE_RUPTURED) && (hostile || hostile_back) &&
                    chance < rupture_chance && kind != ATTUNE_TIE_THERAPIST &&
                    kind != ATTUNE_TIE_CLIENT) {
                    t->rupture[h] |= TIE_RUPTURED;
                    if (i == lo)
                        events_emit(&m->events, omp_get_thread_num(), PHASE_INTERACTIONS, week,
                                    "tie_ruptured", lo, hi, kind, attune_tie_kind_name(kind));
                } else if ((t->rupture[h] & TIE_RUPTURED) && !hostile && !hostile_back &&
                           received.raw >= repair_care && given.raw >= repair_care &&
                           chance < repair_chance) {
                    tie_repair(m, h);
                    if (i == lo)
                        events_emit(&m->events, omp_get_thread_num(), PHASE_INTERACTIONS, week,
                                    "tie_repaired", lo, hi, kind, attune_tie_kind_name(kind));
                }
            }
        }
        pp->received_quality_sum[i] = (float)quality_sum;
        /* The weighted mean deviation from the reference, shrunk when there is little contact. */
        pp->received_input[i] = (float)(input / (weight_sum + 1.0));
        pp->learn_weight[i] = (float)lw;
        pp->learn_care[i] = (float)lcare;
        pp->learn_fright[i] = (float)lfright;
        pp->mirror_sum[i] = (float)mirror;
        pp->exchange_sum[i] = (float)exchange;
        pp->caregiver_care[i] = (float)cg_care;
        pp->meetings[i] = (uint16_t)(meetings < UINT16_MAX ? meetings : UINT16_MAX);
        pp->hostile_meetings[i] =
            (uint16_t)(hostile_meetings < UINT16_MAX ? hostile_meetings : UINT16_MAX);
        pp->caregiver_meetings[i] = (uint16_t)cg_meetings;
        pp->caregiver_hostile[i] = (uint16_t)cg_hostile;
        pp->caregiver_distressed[i] = (uint16_t)cg_distress;
        pp->caregiver_coping_meetings[i] = (uint16_t)cg_coping;
    }
}
