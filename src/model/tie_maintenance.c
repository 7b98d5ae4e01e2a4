/*
 * Tie maintenance (MODEL.md process 7): how much each end engages in a tie, and separation of
 * partners.
 *
 * Engagement (the share of one's capacity one puts into a tie) moves at ties.engagement_rate a
 * week toward 1 - ties.engagement_avoidance x avoidance: avoidant people hold back; people who
 * cope by withdrawal hold back more (coping.strain x coping). Coping is a signal: toward a
 * person who copes, secure people (security >= 0.6) raise their engagement by coping.signal x
 * coping and insecure ones lower it by as much (C4). An active intervention may hold it (a
 * one-sided tie).
 *
 * Separation: a couple separates with weekly hazard
 *   demography.separation_rate x exp(demography.separation_trust_gain (0.5 - mean trust));
 * the partner with the higher id moves out, the tie ends, and the minors the couple raises
 * count the separation as an adverse childhood experience. Children stay in the household;
 * the parent who left keeps the caregiver tie at adult-family contact.
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
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
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

static int separate(attune_model *m, uint32_t a, uint32_t b, int32_t week)
{
    people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t h = ties_find(t, a, b);
    if (h == TIE_NONE || !pp->alive[a] || !pp->alive[b])
        return ATTUNE_OK;
    uint32_t home = pp->household[a];
    int rc = ties_remove(t, h);
    if (rc != ATTUNE_OK)
        return rc;
    pp->household[b] = m->next_household++;
    uint32_t parents[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        uint32_t q = parents[k];
        for (uint32_t s = t->start[q]; s < t->start[q] + t->count[q]; s++) {
            uint32_t child = t->other[s];
            if (t->kind[s] != ATTUNE_TIE_CHILD || person_age_years(m, child) >= 18 ||
                pp->household[child] != home)
                continue;
            ace_record(m, 0, PHASE_TIE_MAINTENANCE, child, ACE_SEPARATION);
            if (q == b)
                t->contact[s] = t->contact[t->twin[s]] = (float)m->p->contact_family;
        }
    }
    events_emit(&m->events, 0, PHASE_TIE_MAINTENANCE, week, "separation", a, b, 0, "");
    return ATTUNE_OK;
}

int tie_separation_update(attune_model *m, int32_t week)
{
    proposal *list;
    size_t count;
    int rc = proposals_collect(m, week, propose, &list, &count);
    for (size_t k = 0; k < count && rc == ATTUNE_OK; k++)
        rc = separate(m, list[k].person, list[k].other, week);
    return rc;
}
