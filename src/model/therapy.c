/*
 * Therapy as a reparative relationship (ODD 7.7; claims C10, C11).
 *
 * Therapists are people with the role ATTUNE_ROLE_THERAPIST: therapy.therapists_per_1000 per
 * 1,000 people alive, recruited among adults of 30 to 60 at the start and topped up at the
 * start of every year (selection sampling over eligible people in id order, keyed draws), after
 * those of 67 or more retire (their courses end, "therapist_retired").
 * A therapist's skill is drawn once from its id: normal(skill_mean, skill_sd) clamped to
 * [0.05, 1]. Each therapist sees up to therapy.caseload clients, one session a week; a session
 * is a tie of kind therapist/client with contact 1, so it is an interaction like any other
 * (interactions.c): the therapist attunes at its skill and is never hostile toward a client.
 *
 * Help-seeking (where there is any therapist): a person of therapy.min_age or more in a
 * distress episode, not in therapy and not waiting (nor in the week its last course ended),
 * joins the waitlist with weekly probability
 *   seek_rate x (1 - w) x (1 - seek_avoidance x avoidance) x (1 - culture's stigma).
 * The waitlist is first come, first served: ordered by the week one joined, then by id. One who
 * has recovered before a place is free leaves it. Free places are filled at the end of the
 * week, each waiting client going to the next therapist (in id order, round robin) with room.
 *
 * A course begins at the alliance client and therapist find at the first meeting:
 *   a = alliance_initial k (1 - alliance_insecurity u)      (u, k as below)
 * A session (every week after the first of a course), for client i with insecurity
 * u = 1 - security and a therapist of skill k, alliance a:
 *   a += alliance_rate k (1 - alliance_insecurity u) (1 - a)
 *   a rupture happens with probability rupture_rate u (1 - a) (if none is open): a -= rupture_cost
 *   an open rupture is repaired with probability repair_rate k: a += repair_gain, and the
 *     working model's insecurity shrinks by the share `corrective` (a corrective experience);
 *     self-worth and the relationship with oneself gain the share `corrective_self` of what
 *     they lack (a critical session: well-being steps up and stays, a sudden gain)
 *   then, gated by the alliance: anxiety, avoidance and disorganization shrink by the share
 *   plasticity x a (earned security, at a plasticity adults otherwise lack); insight grows by
 *   insight_gain x a x (1 - insight) (it integrates in insight.c, with the therapist's care as
 *   support); coping habit shrinks by habit_relief x a; the relationship with oneself grows
 *   by self_relation_gain x a x (1 - self_relation).
 * Remoralization (Howard et al. 1993's first phase; Frank's demoralization hypothesis): hope of
 * help lifts the client's affect at each session, whatever the alliance, most at the first:
 *   affect += remoralization x e x exp(-s / remoralization_sessions) x (1 - affect),
 * s the sessions before this one, e the client's expectancy of help in this course (uniform on
 * [0,1], drawn once per course). The lift fades as sessions go on; what lasts is what the
 * alliance and repaired ruptures change.
 * While in therapy the agency to end a toxic tie is multiplied by 1 + release_support x a
 * (tie_maintenance.c) and openness to new ties reopens by engage_support x a (tie_formation.c).
 *
 * A client or therapist who meets nobody this week (an isolation intervention) has no session.
 * A course ends: "recovered" when the distress episode has ended (after the week's session, or
 * in a week without one); "max_sessions" after
 * therapy.max_sessions sessions; "dropout" with probability
 *   dropout_rate (1 - a) (1 + dropout_rupture [rupture open])
 * after a session; "therapist_left" or "died" when the tie is gone. Events: therapy_referral
 * (joining the waitlist; value: well-being), therapy_start (other: the therapist; value:
 * well-being), therapy_session (value: well-being; detail: alliance=A;rupture=0|1;repaired=0|1),
 * therapy_end (value: sessions; detail: the reason).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/processes.h"

#define THERAPY_CONTACT 1.0f
#define THERAPY_TRUST   0.3f

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

double therapist_skill(const attune_model *m, uint32_t therapist)
{
    uint32_t r[4];
    rng_draw4(m->key, RNG_WEEK_INIT, STREAM_THERAPY_SKILL, therapist, 0, r);
    double skill = m->p->therapy_skill_mean + m->p->therapy_skill_sd * rng_normal(r[0], r[1]);
    return skill < 0.05 ? 0.05 : skill > 1 ? 1 : skill;
}

/* Whether living person i can be recruited as a therapist: a person (not a teacher) of 30 to 60
 * who is neither in therapy nor waiting for it. */
static int recruitable(const attune_model *m, uint32_t i, int32_t week)
{
    const people *pp = &m->people;
    double age = person_age_at(m, i, week);
    return pp->role[i] == ATTUNE_ROLE_PERSON && pp->therapy_status[i] == THERAPY_NONE &&
           age >= 30 && age < 60;
}

/* Tops the number of living therapists up to therapists_per_1000 per 1,000 people alive. */
static void recruit(attune_model *m, int32_t week)
{
    people *pp = &m->people;
    uint32_t n = pp->count;
    uint64_t alive = 0, therapists = 0, eligible = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        alive++;
        if (pp->role[i] == ATTUNE_ROLE_THERAPIST) {
            therapists++;
            continue;
        }
        eligible += recruitable(m, i, week) ? 1u : 0u;
    }
    double target = floor(m->p->therapy_therapists_per_1000 * (double)alive / 1000.0 + 0.5);
    if ((double)therapists >= target || eligible == 0)
        return;
    uint64_t wanted = (uint64_t)target - therapists;
    for (uint32_t i = 0; i < n && wanted > 0; i++) {
        if (!pp->alive[i] || !recruitable(m, i, week))
            continue;
        uint32_t r[4];
        rng_draw4(m->key, (uint32_t)week, STREAM_THERAPY_RECRUIT, i, 0, r);
        /* Selection sampling: exactly `wanted` of the `eligible` left, each equally likely. */
        if (rng_u01(r[0]) * (double)eligible < (double)wanted) {
            pp->role[i] = ATTUNE_ROLE_THERAPIST;
            wanted--;
        }
        eligible--;
    }
}

/* The half-tie at client i to its therapist, or TIE_NONE. */
static uint32_t therapy_tie(const attune_model *m, uint32_t i)
{
    const tie_store *t = &m->ties;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
        if (t->kind[h] == ATTUNE_TIE_THERAPIST)
            return h;
    return TIE_NONE;
}

static int end_course(attune_model *m, uint32_t i, int32_t week, const char *reason)
{
    people *pp = &m->people;
    uint32_t h = therapy_tie(m, i);
    if (h != TIE_NONE) {
        int rc = ties_remove(&m->ties, h);
        if (rc != ATTUNE_OK)
            return rc;
    }
    events_emit(&m->events, 0, PHASE_THERAPY, week, "therapy_end", i, UINT32_MAX,
                pp->therapy_sessions[i], reason);
    pp->therapy_status[i] = THERAPY_NONE;
    pp->therapy_since[i] = week; /* not to seek help again in the week a course ended */
    pp->therapy_rupture[i] = 0;
    pp->alliance[i] = 0;
    return ATTUNE_OK;
}

/* Therapists retire at this age, as teachers do (demography.c), at the yearly top-up. */
#define THERAPIST_RETIREMENT_AGE 67.0

/* Therapists of THERAPIST_RETIREMENT_AGE or more stop: their courses end ("therapist_retired")
 * and they are people again (never recruited again: recruits are under 60). */
static int retire(attune_model *m, int32_t week)
{
    people *pp = &m->people;
    const tie_store *t = &m->ties;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (!pp->alive[i] || pp->role[i] != ATTUNE_ROLE_THERAPIST ||
            person_age_at(m, i, week) < THERAPIST_RETIREMENT_AGE)
            continue;
        /* Backwards: a course's end removes i's half-tie k - 1, which leaves those before it. */
        for (uint32_t k = t->count[i]; k > 0; k--) {
            uint32_t h = t->start[i] + k - 1;
            if (t->kind[h] != ATTUNE_TIE_CLIENT)
                continue;
            int rc = end_course(m, t->other[h], week, "therapist_retired");
            if (rc != ATTUNE_OK)
                return rc;
        }
        pp->role[i] = ATTUNE_ROLE_PERSON;
    }
    return ATTUNE_OK;
}

/* Shrinks the working model's insecurity by `share`. */
static void toward_security(people *pp, uint32_t i, double share)
{
    pp->anxiety[i] = (float)(pp->anxiety[i] * (1.0 - share));
    pp->avoidance[i] = (float)(pp->avoidance[i] * (1.0 - share));
    pp->disorganization[i] = (float)(pp->disorganization[i] * (1.0 - share));
}

/* Client i's expectancy of help in the current course, uniform on [0,1]: drawn from the week the
 * course began, so each course brings its own hope. */
static double course_expectancy(const attune_model *m, uint32_t i)
{
    uint32_t r[4];
    rng_draw4(m->key, (uint32_t)m->people.therapy_since[i], STREAM_EXPECTANCY, i, 0, r);
    return rng_u01(r[0]);
}

/* Client i's readiness for an alliance, at the first meeting and at each session:
 * 1 - alliance_insecurity x insecurity (the therapist's skill multiplies it). */
static double alliance_readiness(const attune_model *m, uint32_t i)
{
    return 1.0 - m->p->therapy_alliance_insecurity * (1.0 - person_security(m, i));
}

/* One session of client i with therapist j; returns whether it ends the course by dropout. */
static int session(attune_model *m, uint32_t i, uint32_t j, int32_t week)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    double skill = therapist_skill(m, j);
    double insecurity = 1.0 - person_security(m, i);
    double a = pp->alliance[i];
    uint32_t r[4];
    rng_draw4(m->key, (uint32_t)week, STREAM_THERAPY, i, 0, r);
    a += p->therapy_alliance_rate * skill * alliance_readiness(m, i) * (1.0 - a);
    int ruptured = 0, repaired = 0;
    if (!pp->therapy_rupture[i] &&
        rng_u01(r[0]) < p->therapy_rupture_rate * insecurity * (1.0 - a)) {
        pp->therapy_rupture[i] = 1;
        ruptured = 1;
        a -= p->therapy_rupture_cost;
    } else if (pp->therapy_rupture[i] && rng_u01(r[1]) < p->therapy_repair_rate * skill) {
        pp->therapy_rupture[i] = 0;
        repaired = 1;
        a += p->therapy_repair_gain;
        toward_security(pp, i, p->therapy_corrective);
        double c = p->therapy_corrective_self;
        pp->self_worth[i] = (float)(pp->self_worth[i] + c * (1.0 - pp->self_worth[i]));
        pp->self_relation[i] = (float)(pp->self_relation[i] + c * (1.0 - pp->self_relation[i]));
    }
    a = clamp01(a);
    pp->alliance[i] = (float)a;
    /* Remoralization: hope lifts affect from the first sessions, whatever the alliance. */
    double lift = p->therapy_remoralization * course_expectancy(m, i) *
                  exp(-(double)pp->therapy_sessions[i] / p->therapy_remoralization_sessions);
    pp->affect[i] = (float)(pp->affect[i] + lift * (1.0 - pp->affect[i]));
    toward_security(pp, i, p->therapy_plasticity * a);
    pp->insight[i] = (float)(pp->insight[i] + p->therapy_insight_gain * a * (1.0 - pp->insight[i]));
    pp->coping_habit[i] = (float)(pp->coping_habit[i] * (1.0 - p->therapy_habit_relief * a));
    pp->self_relation[i] = (float)(pp->self_relation[i] + p->therapy_self_relation_gain * a *
                                                              (1.0 - pp->self_relation[i]));
    pp->therapy_sessions[i]++;
    char detail[64];
    snprintf(detail, sizeof detail, "alliance=%.4f;rupture=%d;repaired=%d", a, ruptured, repaired);
    events_emit_text(&m->events, 0, PHASE_THERAPY, week, "therapy_session", i, j, pp->wellbeing[i],
                     detail);
    double dropout = p->therapy_dropout_rate * (1.0 - a) *
                     (1.0 + (pp->therapy_rupture[i] ? p->therapy_dropout_rupture : 0.0));
    return rng_u01(r[2]) < dropout;
}

int therapy_start_course(attune_model *m, uint32_t client, uint32_t therapist, int32_t week,
                         uint32_t phase)
{
    people *pp = &m->people;
    tie_edge e = {
        client,        therapist, ATTUNE_TIE_THERAPIST, ATTUNE_TIE_CLIENT, THERAPY_CONTACT,
        THERAPY_TRUST, week};
    int rc = ties_add(&m->ties, &e, NULL);
    if (rc != ATTUNE_OK)
        return rc;
    pp->therapy_status[client] = THERAPY_ACTIVE;
    pp->therapy_since[client] = week;
    pp->therapy_sessions[client] = 0;
    pp->therapy_rupture[client] = 0;
    pp->alliance[client] =
        (float)clamp01(m->p->therapy_alliance_initial * therapist_skill(m, therapist) *
                       alliance_readiness(m, client));
    events_emit(&m->events, 0, phase, week, "therapy_start", client, therapist,
                pp->wellbeing[client], "");
    return ATTUNE_OK;
}

/* Whether person i meets nobody this week (an isolation intervention): then it has no session,
 * as a client or as a therapist. */
static int isolated(const attune_model *m, uint32_t i)
{
    return m->isolated != NULL && m->isolated[i];
}

/* Sessions and endings of the courses under way. */
static int run_sessions(attune_model *m, int32_t week)
{
    people *pp = &m->people;
    const tie_store *t = &m->ties;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (pp->therapy_status[i] != THERAPY_ACTIVE)
            continue;
        int rc = ATTUNE_OK;
        uint32_t h = therapy_tie(m, i);
        if (!pp->alive[i])
            rc = end_course(m, i, week, "died");
        else if (h == TIE_NONE)
            rc = end_course(m, i, week, "therapist_left");
        else if (pp->therapy_since[i] < week && !isolated(m, i) && !isolated(m, t->other[h])) {
            int dropout = session(m, i, t->other[h], week);
            if (!pp->in_episode[i])
                rc = end_course(m, i, week, "recovered");
            else if (pp->therapy_sessions[i] >= m->p->therapy_max_sessions)
                rc = end_course(m, i, week, "max_sessions");
            else if (dropout)
                rc = end_course(m, i, week, "dropout");
        } else if (pp->therapy_since[i] < week && !pp->in_episode[i]) {
            rc = end_course(m, i, week, "recovered"); /* in a week without a session */
        }
        if (rc != ATTUNE_OK)
            return rc;
    }
    return ATTUNE_OK;
}

static int barred(const attune_model *m, uint32_t i)
{
    return interventions_bar(m, i, BARRED_THERAPY);
}

static int seeks_help(const attune_model *m, uint32_t i, int32_t week)
{
    const people *pp = &m->people;
    if (!pp->in_episode[i] || pp->role[i] == ATTUNE_ROLE_THERAPIST ||
        pp->therapy_since[i] == week || person_age_at(m, i, week) < (double)m->p->therapy_min_age ||
        barred(m, i))
        return 0;
    const attune_params *p = m->p;
    double stigma = m->cultures[pp->culture[i]].help_seeking_stigma;
    double chance = p->therapy_seek_rate * (1.0 - pp->wellbeing[i]) *
                    (1.0 - p->therapy_seek_avoidance * pp->avoidance[i]) * (1.0 - stigma);
    uint32_t r[4];
    rng_draw4(m->key, (uint32_t)week, STREAM_THERAPY, i, 1, r);
    return rng_u01(r[0]) < chance;
}

typedef struct waiting {
    int32_t since;
    uint32_t person;
} waiting;

static int by_arrival(const void *a, const void *b)
{
    const waiting *x = a, *y = b;
    if (x->since != y->since)
        return x->since < y->since ? -1 : 1;
    return x->person < y->person ? -1 : x->person > y->person;
}

/* Fills free places from the waitlist, first come first served. */
static int assign(attune_model *m, int32_t week)
{
    people *pp = &m->people;
    const tie_store *t = &m->ties;
    size_t waiting_count = 0, therapist_count = 0;
    for (uint32_t i = 0; i < pp->count; i++) {
        waiting_count += pp->alive[i] && pp->therapy_status[i] == THERAPY_WAITING;
        therapist_count += pp->alive[i] && pp->role[i] == ATTUNE_ROLE_THERAPIST;
    }
    if (waiting_count == 0 || therapist_count == 0)
        return ATTUNE_OK;
    waiting *queue = malloc(waiting_count * sizeof *queue);
    uint32_t *therapists = malloc(therapist_count * sizeof *therapists);
    uint32_t *room = malloc(therapist_count * sizeof *room);
    if (queue == NULL || therapists == NULL || room == NULL) {
        free(queue);
        free(therapists);
        free(room);
        return ATTUNE_ERR_NOMEM;
    }
    size_t q = 0, k = 0;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (!pp->alive[i])
            continue;
        if (pp->therapy_status[i] == THERAPY_WAITING && !barred(m, i))
            queue[q++] = (waiting){pp->therapy_since[i], i};
        if (pp->role[i] == ATTUNE_ROLE_THERAPIST) {
            uint32_t clients = 0;
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
                clients += t->kind[h] == ATTUNE_TIE_CLIENT;
            uint32_t cap = (uint32_t)m->p->therapy_caseload;
            therapists[k] = i;
            room[k++] = clients < cap ? cap - clients : 0;
        }
    }
    waiting_count = q;
    qsort(queue, waiting_count, sizeof *queue, by_arrival);
    int rc = ATTUNE_OK;
    size_t next = 0;
    size_t places = 0;
    for (size_t c = 0; c < therapist_count; c++)
        places += room[c];
    /* First come, first served: each client in order of arrival goes to the next therapist
     * (round robin) with room who is neither the client nor already tied to the client; a
     * client for whom there is no such place waits, and the next in line is served. */
    for (size_t w = 0; w < waiting_count && places > 0 && rc == ATTUNE_OK; w++) {
        uint32_t i = queue[w].person;
        size_t c = next, tried = 0;
        while (tried < therapist_count &&
               (room[c] == 0 || therapists[c] == i || ties_find(t, i, therapists[c]) != TIE_NONE)) {
            c = (c + 1) % therapist_count;
            tried++;
        }
        if (tried == therapist_count)
            continue; /* every place left is one's own or a known therapist's */
        rc = therapy_start_course(m, i, therapists[c], week, PHASE_THERAPY);
        room[c]--;
        places--;
        next = (c + 1) % therapist_count;
    }
    free(queue);
    free(therapists);
    free(room);
    return rc;
}

int therapy_update(attune_model *m, int32_t week)
{
    people *pp = &m->people;
    int rc = ATTUNE_OK;
    if (week % 52 == 1) { /* the first week of every year */
        rc = retire(m, week);
        if (rc != ATTUNE_OK)
            return rc;
        recruit(m, week);
    }
    rc = run_sessions(m, week);
    if (rc != ATTUNE_OK)
        return rc;
    int any_therapist = 0;
    for (uint32_t i = 0; i < pp->count && !any_therapist; i++)
        any_therapist = pp->alive[i] && pp->role[i] == ATTUNE_ROLE_THERAPIST;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (pp->therapy_status[i] == THERAPY_WAITING && (!pp->alive[i] || !pp->in_episode[i])) {
            pp->therapy_status[i] = THERAPY_NONE; /* recovered (or died) while waiting */
            pp->therapy_since[i] = week;
        } else if (any_therapist && pp->alive[i] && pp->therapy_status[i] == THERAPY_NONE &&
                   seeks_help(m, i, week)) {
            pp->therapy_status[i] = THERAPY_WAITING;
            pp->therapy_since[i] = week;
            events_emit(&m->events, 0, PHASE_THERAPY, week, "therapy_referral", i, UINT32_MAX,
                        pp->wellbeing[i], "");
        }
    }
    return assign(m, week);
}
