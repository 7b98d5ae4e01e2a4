/*
 * Life events (ODD 7.0): stressors that befall a person from outside its
 * relationships (illness, job loss, money, moving), grief, and the chronic strain of toxic
 * ties (below), which weighs whether or not the two meet.
 *
 * Each week a person meets a stressor with probability life_events.stressor_rate / 52.18; its
 * severity is exponential with mean life_events.stressor_severity. Stress accumulates
 * (capped at 1) and recovers by the factor exp(-1 / life_events.recovery_weeks) a week;
 * affect.c subtracts stress_impact x stress from affect every week, and through affect stress
 * lowers the capacity to attune. Bereavement adds life_events.grief to the stress of those who
 * lose a partner, a caregiver or a child (demography.c records it; it counts from the next
 * week, so that every change of stress happens in this process).
 *
 * The chronic strain of a toxic tie: every toxic tie between equals (tie_kind_asymmetric false)
 * adds harm.chronic_stress x e^2 / (e^2 + harm.chronic_scale^2) to its owner's stress each
 * week, e = harm - benefit (tie_toxic_excess > 0); read from the ties as the week starts.
 */
#include <math.h>

#include "model/processes.h"

/* The chronic load of i's toxic ties between equals: the sum over them of e^2 / (e^2 + scale2), e
 * the harm beyond the tie's benefit. */
static double toxic_load(const attune_model *m, uint32_t i, double scale2)
{
    const tie_store *t = &m->ties;
    double load = 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        if (tie_kind_asymmetric(t->kind[h]))
            continue;
        double e = tie_toxic_excess(m, h);
        if (e > 0)
            load += e * e / (e * e + scale2);
    }
    return load;
}

void life_events_update(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
    const double recovery = exp(-1.0 / p->life_events_recovery_weeks);
    const double chance = p->life_events_stressor_rate / WEEKS_PER_YEAR;
    const double chronic = p->harm_chronic_stress,
                 scale2 = p->harm_chronic_scale * p->harm_chronic_scale;
#pragma omp parallel for schedule(static) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        double stress = pp->stress[i] * recovery + pp->grief_pending[i];
        pp->grief_pending[i] = 0;
        uint32_t r[4];
        rng_draw4(m->key, (uint32_t)week, STREAM_LIFE_EVENTS, i, 0, r);
        if (chronic > 0)
            stress += chronic * toxic_load(m, i, scale2);
        if (rng_u01(r[0]) < chance) {
            double severity = -p->life_events_stressor_severity * log(rng_u01(r[1]));
            stress += severity;
            events_emit(&m->events, omp_get_thread_num(), PHASE_LIFE_EVENTS, week, "stressor", i,
                        UINT32_MAX, severity, "");
        }
        pp->stress[i] = (float)(stress > 1 ? 1 : stress);
    }
}

void life_events_grief(attune_model *m, uint32_t i)
{
    m->people.grief_pending[i] += (float)m->p->life_events_grief;
}
