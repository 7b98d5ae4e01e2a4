/*
 * Affect, self-worth, the relationship with oneself and well-being (ODD 7.2;
 * claims C1, C3, C6, C9).
 *
 * Affect (C3):
 *   A[t+1] = b + inertia (A[t] - b) + social_gain tanh(I[t])
 *          - stress_impact x stress + coping.relief x coping
 * with b the temperament set point, I the week's relational input from interactions.c and
 * stress the load of recent life events (life_events.c); A is clamped to [-1, 1]. An isolated
 * person (I = 0) without stress or coping relaxes to b without any noise.
 *
 * Self-worth ("self-love" nurtured by mirroring and validation; no I without we, C1):
 *   mirrored = M / (W + isolation_weight) / mirror_reference          (clamped to [0,1])
 *   target   = (1 - relation_share) mirrored + relation_share self_relation
 *   S[t+1]   = S + rate(age) (target - S)
 * where M is the closeness-weighted mirroring and validation taken in and W the closeness
 * weight of the week's meetings. With no one to mirror it, self-worth decays toward what the
 * relationship with oneself alone supports.
 *
 * Hedonic adaptation: quality_shift, the quality of meetings one is used to minus
 * interaction.reference_quality, follows the week's mean quality of meetings at
 * affect.adaptation_rate (in weeks with a meeting); interactions.c measures relational input
 * against reference + affect.adaptation_share x quality_shift (share 0: the fixed reference).
 *
 * The relationship with oneself internalises the care received: it moves toward the week's
 * mean perceived care at relation_rate when there is any, and holds when there is none.
 *
 * Well-being is a weighted mean of (A + 1)/2, S, the relationship with oneself, 1 - unmet need
 * and 1 - coping (the weights wellbeing.*, ODD 7.2).
 */
#include <math.h>

#include "model/processes.h"

static float clampf(double x, double lo, double hi)
{
    return (float)(x < lo ? lo : x > hi ? hi : x);
}

/* Learning rate that falls from `young` at birth toward `old` with age: decay is
 * exp(-age / e-folding years) (age_decay). */
static double age_rate(double young, double old, double decay)
{
    return old + (young - old) * decay;
}

double wellbeing_of(const attune_model *m, uint32_t i)
{
    const attune_params *p = m->p;
    const people *pp = &m->people;
    double wsum = p->wellbeing_weight_affect + p->wellbeing_weight_self_worth +
                  p->wellbeing_weight_self_relation + p->wellbeing_weight_unmet_need +
                  p->wellbeing_weight_coping;
    double w = p->wellbeing_weight_affect * 0.5 * ((double)pp->affect[i] + 1.0) +
               p->wellbeing_weight_self_worth * pp->self_worth[i] +
               p->wellbeing_weight_self_relation * pp->self_relation[i] +
               p->wellbeing_weight_unmet_need * (1.0 - pp->unmet_need[i]) +
               p->wellbeing_weight_coping * (1.0 - pp->coping[i]);
    w /= wsum;
    return w < 0 ? 0 : w > 1 ? 1 : w;
}

void affect_update(attune_model *m)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
    const double inertia = p->affect_inertia, gain = p->affect_social_gain;
#pragma omp parallel for schedule(static) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        if (!pp->alive[i])
            continue;
        double b = pp->affect_baseline[i];
        double a = b + inertia * ((double)pp->affect[i] - b) + gain * tanh(pp->received_input[i]) -
                   p->life_events_stress_impact * pp->stress[i] + p->coping_relief * pp->coping[i];
        pp->affect[i] = clampf(a, -1, 1);

        double weight = pp->learn_weight[i];
        double mirrored =
            pp->mirror_sum[i] / (weight + p->self_isolation_weight) / p->self_mirror_reference;
        if (mirrored > 1)
            mirrored = 1;
        double target =
            (1 - p->self_relation_share) * mirrored + p->self_relation_share * pp->self_relation[i];
        double rate = age_rate(p->self_worth_rate_child, p->self_worth_rate_adult,
                               age_decay(m, m->age_week - pp->birth_week[i]));
        pp->self_worth[i] = clampf(pp->self_worth[i] + rate * (target - pp->self_worth[i]), 0, 1);

        if (weight > 0) {
            double care = pp->learn_care[i] / weight;
            pp->self_relation[i] = clampf(
                pp->self_relation[i] + p->self_relation_rate * (care - pp->self_relation[i]), 0, 1);
        }
        /* Unmet need is a stock: it fills every week (more when bids meet hostility or coping
         * replaces them) and drains with the care taken in. */
        double inflow = 1.0 + p->coping_need_gain * pp->coping[i];
        if (weight > 0)
            inflow += p->need_hostility_gain * pp->learn_fright[i] / weight;
        double outflow = p->need_satiation * pp->learn_care[i];
        double need = pp->unmet_need[i];
        pp->unmet_need[i] =
            clampf(need + p->need_rate * ((1.0 - need) * inflow - need * outflow), 0, 1);
        pp->wellbeing[i] = (float)wellbeing_of(m, i);
        if (pp->meetings[i] > 0) {
            double shift =
                pp->received_quality_sum[i] / pp->meetings[i] - p->interaction_reference_quality;
            pp->quality_shift[i] =
                (float)(pp->quality_shift[i] +
                        p->affect_adaptation_rate * (shift - pp->quality_shift[i]));
            double q = pp->exchange_sum[i] / pp->meetings[i];
            pp->relationship_quality[i] =
                clampf((1.0 - p->affect_quality_rate) * pp->relationship_quality[i] +
                           p->affect_quality_rate * q,
                       -1, 1);
        }
    }
}
