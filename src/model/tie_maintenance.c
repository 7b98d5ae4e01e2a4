/*
 * Tie maintenance (ODD 7.4): how much each end engages in a tie, and separation of
 * partners.
 *
 * Engagement (the share of one's capacity one puts into a tie) moves at ties.engagement_rate a
 * week toward 1 - ties.engagement_avoidance x avoidance: avoidant people hold back; people who
 * cope by withdrawal hold back more (coping.strain x coping). Coping is a signal: toward a
 * person who copes, secure people (security >= 0.6) raise their engagement by coping.signal x
 * coping and insecure ones lower it by as much (C4). A therapist's half-tie to a client stays at
 * engagement 1 (ODD 7.7: a therapist attunes at its skill whatever its own state). An active
 * intervention may hold it (a one-sided tie).
 *
 * Separation: a couple separates with weekly hazard
 *   demography.separation_rate x exp(demography.separation_trust_gain (0.5 - mean trust));
 * the partner with the higher id moves out (the other one if the higher id raises more minors at
 * home on its own than the other does), the tie ends, and the minors the couple raises count the
 * separation as an adverse childhood experience. Minors only the one who leaves raises move with
 * it; the others stay in the household, and the parent who left keeps the caregiver tie at
 * adult-family contact.
 *
 * Release (claim C7): a tie is toxic to i when its accumulated harm (interactions.c) exceeds
 * its benefit, harm.benefit_scale x trust. A person with a toxic tie it may end (not a tie to
 * one's caregiver or own child before 18, nor a teacher's or therapist's tie; friend and
 * community ties from release.min_age, others from 18) ends the most harmful one with weekly
 * probability release.rate x agency, agency = self-worth x (1 - anxiety) x (1/2 + s/2), s =
 * min(1, supportive ties / release.support_ties) where supportive ties are trusted (>= 1/2)
 * and not toxic; in therapy, agency is multiplied by 1 + therapy.release_support x alliance.
 * Ending costs grief (release.grief added to stress), stops the harm, and frees
 * room for new ties (formation fills friendships and community ties below one's wish). An
 * adult who ends its tie to a caregiver it lives with, or whose caregiver ends it, leaves home.
 */
#include <math.h>

#include "model/processes.h"

void tie_engagement_update(attune_model *m)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t n = pp->count;
    const float rate = (float)p->ties_engagement_rate;
#pragma omp parallel for schedule(dynamic, 1024) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        double open = 1.0 - p->ties_engagement_avoidance * pp->avoidance[i];
        if (pp->coping_form[i] == COPING_WITHDRAWAL)
            open *= 1.0 - p->coping_strain * pp->coping[i];
        /* Coping is a signal: secure people reach out to one who copes, insecure ones pull
         * back. */
        double reach = person_security(m, i) >= 0.6 ? p->coping_signal : -p->coping_signal;
        const int therapist = pp->role[i] == ATTUNE_ROLE_THERAPIST; /* only they hold client ties */
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            if (therapist && t->kind[h] == ATTUNE_TIE_CLIENT)
                continue; /* begun at 1 (ties_add) and kept there */
            double target = open + reach * pp->coping[t->other[h]];
            target = target < 0 ? 0 : target > 1 ? 1 : target;
            t->engagement[h] += rate * ((float)target - t->engagement[h]);
        }
    }
}

static void propose(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    const tie_store *t = &m->ties;
    uint32_t n = pp->count;
#pragma omp parallel for schedule(dynamic, 1024) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
            uint32_t j = t->other[h];
            if (t->kind[h] != ATTUNE_TIE_PARTNER || j < i)
                continue;
            double trust = 0.5 * ((double)t->trust[h] + t->trust[t->twin[h]]);
            double hazard = p->demography_separation_rate *
                            exp(p->demography_separation_trust_gain * (0.5 - trust));
            uint32_t r[4];
            rng_draw4(m->key, (uint32_t)week, STREAM_SEPARATION, i, j, r);
            if (rng_u01(r[0]) < hazard)
                proposals_push(m, omp_get_thread_num(), i, j, 0, (float)trust);
        }
    }
}

/* Whether c is a minor living in household `home`. */
static int minor_at(const attune_model *m, uint32_t c, uint32_t home)
{
    return m->people.household[c] == home && person_age_years(m, c) < 18;
}

/* Whether q raises c: a child tie at q's end. */
static int raises(const attune_model *m, uint32_t q, uint32_t c)
{
    uint32_t h = ties_find(&m->ties, q, c);
    return h != TIE_NONE && m->ties.kind[h] == ATTUNE_TIE_CHILD;
}

/* Minors at home that q raises and its partner `other` does not. */
static uint32_t raised_alone(const attune_model *m, uint32_t q, uint32_t other, uint32_t home)
{
    const tie_store *t = &m->ties;
    uint32_t n = 0;
    for (uint32_t s = t->start[q]; s < t->start[q] + t->count[q]; s++)
        n += t->kind[s] == ATTUNE_TIE_CHILD && minor_at(m, t->other[s], home) &&
             !raises(m, other, t->other[s]);
    return n;
}

/* Ends the partner tie of a and b; its events (separation, the children's adverse experience)
 * are logged in the given phase of the weekly step: tie maintenance, or the interventions
 * phase when an intervention ends the tie. One partner moves to a new household: b, unless b
 * raises more minors at home that a does not raise than a raises that b does not (so that a
 * parent is not moved away from the children only it raises). The children at home (minors,
 * and grown children who have not left home) only the one who leaves raises move with it, a
 * grown child with the minors it raises; a grown child with a partner at home leaves home
 * instead, with the partner (demography_leave_home: a couple is never split). The others stay,
 * and the one who left keeps its caregiver ties to them at family contact. Sibling ties are
 * then at household contact only between siblings who live together. One who leaves a
 * household where it still lived with its own caregivers leaves home. */
static int separate(attune_model *m, uint32_t a, uint32_t b, int32_t week, uint32_t phase)
{
    people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t h = ties_find(t, a, b);
    if (h == TIE_NONE || !pp->alive[a] || !pp->alive[b])
        return ATTUNE_OK;
    uint32_t home = pp->household[a];
    uint32_t leaver = b, stayer = a;
    if (raised_alone(m, b, a, home) > raised_alone(m, a, b, home)) {
        leaver = a;
        stayer = b;
    }
    int rc = ties_remove(t, h);
    if (rc != ATTUNE_OK)
        return rc;
    uint32_t new_home = m->next_household++;
    uint32_t parents[2] = {stayer, leaver};
    for (int k = 0; k < 2; k++) {
        uint32_t q = parents[k];
        for (uint32_t s = t->start[q]; s < t->start[q] + t->count[q]; s++) {
            uint32_t child = t->other[s];
            if (t->kind[s] != ATTUNE_TIE_CHILD || pp->household[child] != home)
                continue;
            if (minor_at(m, child, home))
                ace_record(m, 0, phase, child, ACE_SEPARATION);
            if (q != leaver)
                continue;
            if (raises(m, stayer, child)) {
                t->contact[s] = t->contact[t->twin[s]] = (float)m->p->contact_family;
            } else if (minor_at(m, child, home)) {
                pp->household[child] = new_home;
            } else if (demography_partner_at_home(m, child) != TIE_NONE) {
                demography_leave_home(m, child, week, phase); /* retags slot s in place */
            } else {
                demography_take_minors_along(m, child, home, new_home, week);
                pp->household[child] = new_home;
            }
        }
    }
    /* The leaver's children (those who moved, and those left behind) and everyone the leaver's
     * moves touched: their siblings now live together or apart. */
    for (uint32_t s = t->start[leaver]; s < t->start[leaver] + t->count[leaver]; s++)
        if (t->kind[s] == ATTUNE_TIE_CHILD)
            demography_settle_sibling_contacts(m, t->other[s]);
    events_emit(&m->events, 0, phase, week, "separation", a, b, 0, "");
    demography_move_away_from_caregivers(m, leaver, new_home, week, phase);
    return ATTUNE_OK;
}

int tie_separation_update(attune_model *m, int32_t week)
{
    proposal *list;
    size_t count;
    int rc = proposals_collect(m, week, propose, &list, &count);
    for (size_t k = 0; k < count && rc == ATTUNE_OK; k++)
        rc = separate(m, list[k].person, list[k].other, week, PHASE_TIE_MAINTENANCE);
    return rc;
}

int tie_is_toxic(const attune_model *m, uint32_t h)
{
    return tie_toxic_excess(m, h) > 0;
}

int tie_is_supportive(const attune_model *m, uint32_t h)
{
    const tie_store *t = &m->ties;
    return t->trust[h] >= 0.5 && tie_kind_supports(t->kind[h]) && tie_toxic_excess(m, h) <= 0;
}

uint32_t tie_worst_toxic(const attune_model *m, uint32_t i, double *excess, double *supportive)
{
    const tie_store *t = &m->ties;
    uint32_t worst = TIE_NONE;
    double worst_excess = 0, trusted = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        double e = tie_toxic_excess(m, h);
        if (e > 0) {
            if (e > worst_excess && tie_is_endable(m, i, h)) {
                worst = h;
                worst_excess = e;
            }
        } else if (tie_is_supportive(m, h)) {
            trusted += 1;
        }
    }
    if (excess != NULL)
        *excess = worst_excess;
    if (supportive != NULL)
        *supportive = trusted;
    return worst;
}

void tie_repair(attune_model *m, uint32_t h)
{
    tie_store *t = &m->ties;
    double trust = t->trust[h] + m->p->rupture_repair_trust_gain;
    /* A rift mended in a tie that does not harm more than it gives leaves trust for good; in a
     * toxic one, reconciliation does not last. */
    if (tie_toxic_excess(m, h) <= 0)
        t->rupture[h] = TIE_REPAIRED;
    else
        t->rupture[h] &= (uint8_t)~TIE_RUPTURED;
    t->trust[h] = (float)(trust > 1 ? 1 : trust);
    t->harm[h] *= (float)(1.0 - m->p->rupture_repair_harm_relief);
}

int tie_is_endable(const attune_model *m, uint32_t i, uint32_t h)
{
    const tie_store *t = &m->ties;
    double age = person_age_years(m, i);
    switch (t->kind[h]) {
    case ATTUNE_TIE_FRIEND:
    case ATTUNE_TIE_COMMUNITY: return age >= m->p->release_min_age;
    case ATTUNE_TIE_CAREGIVER:
    case ATTUNE_TIE_PARTNER:
    case ATTUNE_TIE_SIBLING:
    case ATTUNE_TIE_FAMILY: return age >= 18;
    case ATTUNE_TIE_CHILD: return age >= 18 && person_age_years(m, t->other[h]) >= 18;
    default: return 0;
    }
}

/* Details of tie_ended events: the kind, and what ended the tie (enum tie_end_cause). */
#define ENDED_DETAIL(kind)                                                                         \
    {                                                                                              \
        kind, kind " (intervention)", kind " (placement)"                                          \
    }
static const char *const ended_detail[ATTUNE_TIE_KIND_COUNT][3] = {
    ENDED_DETAIL("caregiver"), ENDED_DETAIL("child"),   ENDED_DETAIL("partner"),
    ENDED_DETAIL("sibling"),   ENDED_DETAIL("family"),  ENDED_DETAIL("friend"),
    ENDED_DETAIL("teacher"),   ENDED_DETAIL("student"), ENDED_DETAIL("community"),
    ENDED_DETAIL("therapist"), ENDED_DETAIL("client"),
};
#undef ENDED_DETAIL

const char *tie_ended_detail(int kind, int cause)
{
    return ended_detail[kind][cause];
}

int tie_end(attune_model *m, uint32_t i, uint32_t j, int32_t week, uint32_t phase,
            int by_intervention)
{
    tie_store *t = &m->ties;
    uint32_t h = ties_find(t, i, j);
    if (h == TIE_NONE || !m->people.alive[i] || !m->people.alive[j])
        return ATTUNE_OK;
    int kind = t->kind[h];
    double harm = t->harm[h];
    /* Ending the tie between an adult and a caregiver it lives with is its leaving home (else,
     * with no caregiver tie left, it would never leave). */
    uint32_t grown_child = kind == ATTUNE_TIE_CAREGIVER ? i
                           : kind == ATTUNE_TIE_CHILD   ? j
                                                        : TIE_NONE;
    if (grown_child != TIE_NONE && m->people.household[i] == m->people.household[j] &&
        person_age_years(m, grown_child) >= 18)
        demography_leave_home(m, grown_child, week, phase); /* retags h in place: a family tie */
    int rc = kind == ATTUNE_TIE_PARTNER ? separate(m, i, j, week, phase) : ties_remove(t, h);
    if (rc != ATTUNE_OK)
        return rc;
    m->people.grief_pending[i] += (float)m->p->release_grief;
    events_emit(
        &m->events, 0, phase, week, "tie_ended", i, j, harm,
        tie_ended_detail(kind, by_intervention ? TIE_ENDED_BY_INTERVENTION : TIE_ENDED_BY_PERSON));
    return ATTUNE_OK;
}

static void propose_release(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    const tie_store *t = &m->ties;
    uint32_t n = pp->count;
    /* Nobody younger than this may end any tie (friend and community ties from
     * release.min_age, the others from 18: tie_is_endable). */
    const double youngest = p->release_min_age < 18 ? p->release_min_age : 18;
#pragma omp parallel for schedule(dynamic, 1024) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i] || person_age_years(m, i) < youngest ||
            interventions_bar(m, i, BARRED_RELEASE))
            continue;
        double worst_excess, supportive;
        uint32_t worst = tie_worst_toxic(m, i, &worst_excess, &supportive);
        if (worst == TIE_NONE)
            continue;
        double support = supportive / p->release_support_ties;
        double agency =
            pp->self_worth[i] * (1.0 - pp->anxiety[i]) * (0.5 + 0.5 * (support < 1 ? support : 1));
        /* A therapist's support to end what harms (therapy.c). */
        agency *= 1.0 + p->therapy_release_support * pp->alliance[i];
        uint32_t r[4];
        rng_draw4(m->key, (uint32_t)week, STREAM_RELEASE, i, 0, r);
        if (rng_u01(r[0]) < p->release_rate * agency)
            proposals_push(m, omp_get_thread_num(), i, t->other[worst], 0, (float)worst_excess);
    }
}

int tie_release_update(attune_model *m, int32_t week)
{
    proposal *list;
    size_t count;
    int rc = proposals_collect(m, week, propose_release, &list, &count);
    for (size_t k = 0; k < count && rc == ATTUNE_OK; k++)
        rc = tie_end(m, list[k].person, list[k].other, week, PHASE_TIE_MAINTENANCE, 0);
    return rc;
}
