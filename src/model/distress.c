/*
 * Distress episodes and recovery (ODD 7.3b; observed after demography, ODD 3). Defined
 * once and used everywhere: an episode starts when well-being stays below distress.threshold for
 * distress.onset_weeks weeks; it ends in recovery when well-being stays above
 * distress.recovery_threshold, with coping below coping.active_level, for
 * distress.recovery_weeks weeks. Both are logged as events, with whether the person was in
 * therapy ("therapy" or "no_therapy").
 */
#include "model/processes.h"

void distress_update(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
#pragma omp parallel for schedule(static) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        double w = pp->wellbeing[i];
        const char *in_therapy = pp->therapy_status[i] == THERAPY_ACTIVE ? "therapy" : "no_therapy";
        int thread = omp_get_thread_num();
        if (!pp->in_episode[i]) {
            pp->distress_run[i] =
                w < p->distress_threshold
                    ? (uint8_t)(pp->distress_run[i] < 255 ? pp->distress_run[i] + 1 : 255)
                    : 0;
            if (pp->distress_run[i] >= p->distress_onset_weeks) {
                pp->in_episode[i] = 1;
                pp->recovery_run[i] = 0;
                pp->episode_start[i] = week - (int32_t)p->distress_onset_weeks + 1;
                events_emit(&m->events, thread, PHASE_DISTRESS, week, "distress_onset", i,
                            UINT32_MAX, w, in_therapy);
            }
        } else {
            int well = w > p->distress_recovery_threshold && pp->coping[i] < p->coping_active_level;
            pp->recovery_run[i] = well ? (uint16_t)(pp->recovery_run[i] + 1) : 0;
            if (pp->recovery_run[i] >= p->distress_recovery_weeks) {
                pp->in_episode[i] = 0;
                pp->distress_run[i] = 0;
                events_emit(&m->events, thread, PHASE_DISTRESS, week, "recovery", i, UINT32_MAX,
                            week - pp->episode_start[i], in_therapy);
            }
        }
    }
}
