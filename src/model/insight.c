/*
 * Insight and integration (ODD 7.3c; claim C5): insight alone is not enough; ideas
 * heal when absorbed and integrated in a relationship.
 *
 * Insight comes from self-help (an intervention: magnitude x self_help_rate a week), from
 * reflection on one's own in distress (reflection_rate x distress) and from teaching
 * (teaching_rate x teaching(), the teachers' weekly meeting probabilities times their capacity
 * to attune: a teacher who attunes teaches); what is not integrated fades at `decay`. It
 * becomes integration only in proportion to relational support:
 *
 *   support      = C / (C + support_half_care) + self_support x self_relation   (<= 1)
 *   integration  = (1 - integration_decay) integration
 *                  + integration_rate x insight x support x (1 - integration)
 *   insight     -= the same (what is integrated is no longer loose insight)
 *
 * with C the week's closeness-weighted care taken in (attuned ties support; mere contact does
 * not). Integration fades at integration_decay a week (at 0 it lasts). Integration
 * loosens the working model's distortions (working_model.c, interactions.c), raises the
 * capacity to attune (interactions.c) and lowers the urge to cope (coping.c). Writes only i's
 * own state; reads i's half-ties and its teachers' snapshot of the week.
 */
#include "model/processes.h"

/* What i's teachers teach it a week: the sum over i's ties to a teacher of the weekly meeting
 * probability (times rupture.contact_factor while ruptured) times the teacher's capacity to
 * attune in this week's snapshot, in [0, number of teachers]; an isolated teacher (an isolation
 * intervention: it meets nobody) teaches nothing, and an isolated pupil is taught nothing. */
static double teaching(const attune_model *m, uint32_t i)
{
    const tie_store *t = &m->ties;
    double taught = 0.0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        if (t->kind[h] != ATTUNE_TIE_TEACHER || (m->isolated != NULL && m->isolated[t->other[h]]))
            continue;
        taught += tie_meeting_chance(m, h) * m->people.give_capacity[t->other[h]];
    }
    return taught;
}

void insight_update(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
#pragma omp parallel for schedule(static) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        double insight = pp->insight[i];
        double gain = m->self_help != NULL ? p->insight_self_help_rate * m->self_help[i] : 0.0;
        double distress = 1.0 - pp->wellbeing[i];
        gain += p->insight_reflection_rate * distress;
        /* Only pupils hold ties to a teacher (from 5 until the week after their 18th
         * birthday, when demography ends them; ODD 7.5): nobody of 19 or more is looked at. */
        if (p->insight_teaching_rate > 0 && !(m->isolated != NULL && m->isolated[i]) &&
            person_age_at(m, i, week) < 19.0)
            gain += p->insight_teaching_rate * teaching(m, i);
        insight += gain * (1.0 - insight) - p->insight_decay * insight;
        double care = pp->learn_care[i];
        double support = care / (care + p->insight_support_half_care) +
                         p->insight_self_support * pp->self_relation[i];
        support = support > 1 ? 1 : support;
        double absorbed =
            p->insight_integration_rate * insight * support * (1.0 - pp->integration[i]);
        pp->integration[i] =
            (float)((1.0 - p->insight_integration_decay) * pp->integration[i] + absorbed);
        insight -= absorbed;
        pp->insight[i] = (float)(insight < 0 ? 0 : insight > 1 ? 1 : insight);
        if (pp->integration[i] > 1)
            pp->integration[i] = 1;
    }
}
