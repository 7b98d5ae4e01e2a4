/*
 * Tie formation (ODD 7.4): friendships, community ties and partnerships form as
 * people grow up, move and lose ties.
 *
 * Everyone wishes for a number of friends (Poisson with mean network.friends_mean, drawn once)
 * and of community ties (Poisson with mean network.community_ties_mean times the
 * culture's density). A person of FRIEND_MIN_AGE (5) or more with fewer friends than wished seeks
 * one with weekly probability formation.friend_rate x openness, openness = (1 -
 * formation.openness_avoidance x avoidance) (1 - formation.openness_wellbeing (1 - w)), reopened in
 * therapy by therapy.engage_support x alliance of what is closed: among friends of friends
 * (probability network.friends_of_friends), else among people of similar age in the own community
 * (probability network.friends_within_community) or a neighbouring one. The other accepts if it has
 * room (fewer than its wish + 2), and the seeker still has room when the proposal is applied.
 * Community ties form the same way within the community at formation.community_rate.
 *
 * Partnership: with weekly probability demography.partnering_rate a single adult of 20-60 picks
 * one of its ties at random; if it is a friend or community tie to a single adult of 20-60 whose
 * age differs by at most 10 years, who raises no minors and lives in another household, the two
 * partner and the partner moves in, leaving its caregivers if it still lived with them (ODD 7.5);
 * its sibling ties are then at household contact exactly to the siblings it lives with.
 *
 * Proposals are drawn in parallel and applied serially, sorted by kind (partners first, then
 * friends, then community ties), person and other.
 */
#include <math.h>

#include "model/processes.h"

enum formation_change { FORM_PARTNER = 0, FORM_FRIEND = 1, FORM_COMMUNITY = 2 };

/* Poisson with the given mean and p0 = exp(-mean), drawn once per person. */
static uint32_t wished(const attune_model *m, uint32_t i, uint32_t which, double mean, double p0)
{
    uint32_t r[4];
    rng_draw4(m->key, RNG_WEEK_INIT, STREAM_FRIEND_TARGET, i, which, r);
    return rng_poisson_p0(mean, p0, r[0]);
}

/* A wish from its slot in a PEOPLE_DERIVED array (kept there once drawn). Only the thread that
 * handles person i may call it for i during a parallel pass. */
static uint32_t kept_wish(attune_model *m, uint8_t *kept, uint32_t i, uint32_t which, double mean,
                          double p0)
{
    if (kept[i] != 0)
        return kept[i] - 1u;
    uint32_t w = wished(m, i, which, mean, p0);
    if (w < UINT8_MAX - 1)
        kept[i] = (uint8_t)(w + 1);
    return w;
}

static uint32_t friends_wished(attune_model *m, uint32_t i)
{
    return kept_wish(m, m->people.friends_wish, i, 0, m->p->network_friends_mean,
                     m->friends_wish_p0);
}

static uint32_t community_wished(attune_model *m, uint32_t i)
{
    const culture_norms *c = &m->cultures[m->people.culture[i]];
    return kept_wish(m, m->people.community_wish, i, 1, c->community_wish_mean,
                     c->community_wish_p0);
}

static void count_kinds(const attune_model *m, uint32_t i, uint32_t *friends, uint32_t *community,
                        int *partnered, int *raising)
{
    const tie_store *t = &m->ties;
    *friends = *community = 0;
    *partnered = *raising = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        switch (t->kind[h]) {
        case ATTUNE_TIE_FRIEND: (*friends)++; break;
        case ATTUNE_TIE_COMMUNITY: (*community)++; break;
        case ATTUNE_TIE_PARTNER: *partnered = 1; break;
        case ATTUNE_TIE_CHILD:
            if (person_age_years(m, t->other[h]) < 18)
                *raising = 1;
            break;
        default: break;
        }
    }
}

/* Friend and community ties of i, and whether i has a partner (count_kinds without raising). */
static void count_own(const attune_model *m, uint32_t i, uint32_t *friends, uint32_t *community,
                      int *partnered)
{
    const tie_store *t = &m->ties;
    uint32_t f = 0, c = 0;
    int partner = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        uint8_t kind = t->kind[h];
        f += (uint32_t)(kind == ATTUNE_TIE_FRIEND);
        c += (uint32_t)(kind == ATTUNE_TIE_COMMUNITY);
        partner |= kind == ATTUNE_TIE_PARTNER;
    }
    *friends = f;
    *community = c;
    *partnered = partner;
}

/* A random living member of community c aged within [lo, hi), or TIE_NONE (the list holds
 * everyone who ever lived there: those who moved away are passed over). */
static uint32_t pick_member(const attune_model *m, uint32_t c, double lo, double hi, uint32_t self,
                            rng_seq *s)
{
    const id_list *members = &m->community_members[c];
    if (members->count == 0)
        return TIE_NONE;
    for (int tries = 0; tries < 8; tries++) {
        uint32_t j = members->ids[rng_below(rng_seq_next(s), members->count)];
        double age = person_age_years(m, j);
        if (j != self && m->people.alive[j] && m->people.community[j] == c && age >= lo && age < hi)
            return j;
    }
    return TIE_NONE;
}

/* The ages [lo, hi) of a friend of similar age for a seeker aged a: the seeker's span, never
 * under FRIEND_MIN_AGE, and cut where friend_ages_fit would refuse a minor (an adult of 20 or
 * more seeks among adults only). */
static void similar_ages(double a, double *lo, double *hi)
{
    double span = a < 18 ? MINOR_FRIEND_SPAN : ADULT_FRIEND_SPAN;
    *lo = a - span;
    *hi = a + span;
    if (a >= 18 && *lo < 18)
        *lo = a - MINOR_FRIEND_SPAN < 18 ? a - MINOR_FRIEND_SPAN : 18;
    if (*lo < FRIEND_MIN_AGE)
        *lo = FRIEND_MIN_AGE;
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
        double age = person_age_years(m, i);
        if (age < FRIEND_MIN_AGE) /* = COMMUNITY_MIN_AGE: a young child seeks neither */
            continue;
        int thread = omp_get_thread_num();
        rng_seq s = rng_seq_start(m->key, (uint32_t)week, STREAM_FORMATION, i);
        uint32_t friends, community;
        int partnered;
        count_own(m, i, &friends, &community, &partnered);
        double openness = (1.0 - p->formation_openness_avoidance * pp->avoidance[i]) *
                          (1.0 - p->formation_openness_wellbeing * (1.0 - pp->wellbeing[i]));
        /* A therapist's support to form healthier ties (therapy.c). */
        openness += p->therapy_engage_support * pp->alliance[i] * (1.0 - openness);
        uint32_t c = pp->community[i];
        if (friends < friends_wished(m, i) &&
            rng_seq_u01(&s) < p->formation_friend_rate * openness) {
            uint32_t j = TIE_NONE;
            if (friends > 0 && rng_seq_u01(&s) < p->network_friends_of_friends) {
                /* A friend of a friend. */
                uint32_t f = TIE_NONE, k = rng_below(rng_seq_next(&s), friends);
                for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
                    if (t->kind[h] == ATTUNE_TIE_FRIEND && k-- == 0) {
                        f = t->other[h];
                        break;
                    }
                if (f != TIE_NONE && t->count[f] > 0) {
                    uint32_t h = t->start[f] + rng_below(rng_seq_next(&s), t->count[f]);
                    if (t->kind[h] == ATTUNE_TIE_FRIEND && t->other[h] != i &&
                        friend_ages_fit(age, person_age_years(m, t->other[h])))
                        j = t->other[h];
                }
            } else {
                uint32_t cc = c;
                if (m->community_count > 1 &&
                    rng_seq_u01(&s) >= p->network_friends_within_community) {
                    cc = nearby_community(c, m->community_count, rng_seq_next(&s));
                }
                double lo, hi;
                similar_ages(age, &lo, &hi);
                j = pick_member(m, cc, lo, hi, i, &s);
            }
            if (j != TIE_NONE)
                proposals_push(m, thread, i, j, FORM_FRIEND, 0);
        }
        if (community < community_wished(m, i) &&
            rng_seq_u01(&s) < p->formation_community_rate * openness) {
            uint32_t j = pick_member(m, c, COMMUNITY_MIN_AGE, INFINITY, i, &s);
            if (j != TIE_NONE)
                proposals_push(m, thread, i, j, FORM_COMMUNITY, 0);
        }
        if (!partnered && age >= 20 && age < 60 && t->count[i] > 0 &&
            rng_seq_u01(&s) < p->demography_partnering_rate) {
            uint32_t h = t->start[i] + rng_below(rng_seq_next(&s), t->count[i]);
            if (t->kind[h] == ATTUNE_TIE_FRIEND || t->kind[h] == ATTUNE_TIE_COMMUNITY)
                proposals_push(m, thread, i, t->other[h], FORM_PARTNER, 0);
        }
    }
}

/* Whether person q has room for another tie of `kind` (friend or community): fewer than its
 * wish + 2. */
static int has_room(attune_model *m, uint32_t q, int kind)
{
    uint32_t friends, community;
    int partnered;
    count_own(m, q, &friends, &community, &partnered);
    return kind == ATTUNE_TIE_FRIEND ? friends < friends_wished(m, q) + 2
                                     : community < community_wished(m, q) + 2;
}

void tie_start_engagement(attune_model *m, uint32_t h)
{
    tie_store *t = &m->ties;
    uint32_t owner = t->other[t->twin[h]], other = t->other[h];
    const float holding_back = (float)m->p->ties_engagement_avoidance;
    t->engagement[h] = 1.0f - holding_back * m->people.avoidance[owner];
    t->engagement[t->twin[h]] = 1.0f - holding_back * m->people.avoidance[other];
}

static int form(attune_model *m, uint32_t i, uint32_t j, int kind, int32_t week)
{
    people *pp = &m->people;
    if (!pp->alive[j] || ties_find(&m->ties, i, j) != TIE_NONE)
        return ATTUNE_OK;
    /* Both ends need room (fewer than their wish + 2): the seeker too, since others may have
     * tied to it earlier in this serial pass. */
    if (!has_room(m, j, kind) || !has_room(m, i, kind))
        return ATTUNE_OK;
    double contact = kind == ATTUNE_TIE_FRIEND ? m->p->contact_friend : m->p->contact_community;
    tie_edge e = {i, j, (uint8_t)kind, (uint8_t)kind, (float)contact, 0.5f, week};
    uint32_t slot;
    int rc = ties_add(&m->ties, &e, &slot);
    if (rc != ATTUNE_OK)
        return rc;
    tie_start_engagement(m, slot);
    events_emit(&m->events, 0, PHASE_TIE_FORMATION, week, "tie_formed", i, j, kind,
                attune_tie_kind_name(kind));
    return ATTUNE_OK;
}

static int partner(attune_model *m, uint32_t i, uint32_t j, int32_t week)
{
    people *pp = &m->people;
    tie_store *t = &m->ties;
    if (!pp->alive[j])
        return ATTUNE_OK;
    uint32_t h = ties_find(t, i, j);
    if (h == TIE_NONE)
        return ATTUNE_OK;
    uint32_t f;
    int pi, pj, ri, rj;
    count_kinds(m, i, &f, &f, &pi, &ri);
    count_kinds(m, j, &f, &f, &pj, &rj);
    double ai = person_age_years(m, i), aj = person_age_years(m, j);
    /* Nor does one partner someone of one's own household (a grown step-sibling): moving in
     * would move nobody and leave a caregiver tie at home as a family tie. */
    if (pi || pj || rj || aj < 20 || aj >= 60 || fabs(ai - aj) > 10 ||
        pp->household[i] == pp->household[j])
        return ATTUNE_OK;
    t->kind[h] = t->kind[t->twin[h]] = ATTUNE_TIE_PARTNER;
    t->contact[h] = t->contact[t->twin[h]] = (float)m->p->contact_household;
    events_emit(&m->events, 0, PHASE_TIE_FORMATION, week, "partnered", i, j, 0, "");
    /* Moving in with a partner is leaving home: a partner who still lived with its caregivers
     * no longer does (else its caregiver ties would later take the couple away from i's
     * household, and any minors i raises, when it reaches its age of leaving home). */
    uint32_t old_home = pp->household[j];
    demography_move_away_from_caregivers(m, j, pp->household[i], week, PHASE_TIE_FORMATION);
    /* j raises no minors; a grown child of j's who still lived with it leaves home then, with
     * its own partner at home and the minors either raises (demography_leave_home: the slot of
     * j's tie to it is retagged in place, so the loop goes on). */
    for (uint32_t s = t->start[j]; s < t->start[j] + t->count[j]; s++)
        if (t->kind[s] == ATTUNE_TIE_CHILD && pp->household[t->other[s]] == old_home)
            demography_leave_home(m, t->other[s], week, PHASE_TIE_FORMATION);
    /* and into i's community, where the household is (friends reach nearby communities). */
    return demography_move_to_community(m, j, pp->community[i]);
}

int tie_formation_update(attune_model *m, int32_t week)
{
    proposal *list;
    size_t count;
    int rc = proposals_collect(m, week, propose, &list, &count);
    for (size_t k = 0; k < count && rc == ATTUNE_OK; k++) {
        uint32_t i = list[k].person, j = list[k].other;
        if (!m->people.alive[i])
            continue;
        switch (list[k].kind) {
        case FORM_PARTNER: rc = partner(m, i, j, week); break;
        case FORM_FRIEND: rc = form(m, i, j, ATTUNE_TIE_FRIEND, week); break;
        case FORM_COMMUNITY: rc = form(m, i, j, ATTUNE_TIE_COMMUNITY, week); break;
        default: break;
        }
    }
    return rc;
}
