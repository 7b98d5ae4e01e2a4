/*
 * Interactions (MODEL.md process 2; claims C3, C6, C9).
 *
 * Snapshot: at the start of a week each person's capacity to attune and propensity to hostile
 * responses are computed from its own inner state (C9: inner state sets how well one gives
 * care). Neighbours read only this snapshot, never state being written this week.
 *
 * Exchange (pull): for each active half-tie of person i, both ends draw the same pair-keyed
 * number to decide whether they meet this week (probability: the tie's contact). When they
 * meet, j gives i three channels of care (attunement, mirroring, validation), each its capacity
 * times week-to-week noise, and possibly a hostile response. i perceives them through its
 * working model: avoidance discounts care taken in, anxiety magnifies negative cues (C3).
 * i accumulates what it received; its half-tie keeps the running balance of care given minus
 * care received (C6).
 */
#include <math.h>

#include "model/processes.h"

/* Weekly forgetting of the reciprocity balance (a half-life of about 13 weeks). */
#define RECIPROCITY_RETENTION 0.95f

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

void interactions_snapshot(attune_model *m)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    uint32_t n = pp->count;
#pragma omp parallel for schedule(static) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        double security = clamp01(1.0 - 0.5 * ((double)pp->anxiety[i] + pp->avoidance[i]) -
                                  0.5 * pp->disorganization[i]);
        double mood = 0.5 * ((double)pp->affect[i] + 1.0);
        double inner = 0.35 * pp->self_worth[i] + 0.35 * mood + 0.3 * security;
        pp->give_capacity[i] =
            (float)clamp01(p->interaction_capacity_base + p->interaction_capacity_gain * inner);
        double bad_affect = pp->affect[i] < 0 ? -(double)pp->affect[i] : 0.0;
        double strain =
            0.4 * pp->disorganization[i] + 0.3 * (1.0 - pp->self_worth[i]) + 0.3 * bad_affect;
        pp->hostility[i] =
            (float)clamp01(p->interaction_hostility_base + p->interaction_hostility_gain * strain);
    }
}

/* Multiplicative noise with mean 1 and standard deviation `sd` (uniform), never negative. */
static double noise_factor(double sd, uint32_t bits)
{
    double f = 1.0 + sd * 1.7320508075688772 * (2.0 * rng_u01(bits) - 1.0);
    return f > 0 ? f : 0;
}

/* Care that `giver` gives in one meeting, before the receiver's perception: mean of channels. */
static double care_given(const attune_model *m, uint32_t giver, uint32_t bits_a, uint32_t bits_b)
{
    const people *pp = &m->people;
    const culture_norms *c = &m->cultures[pp->culture[giver]];
    double cap = pp->give_capacity[giver];
    double sd = m->p->interaction_noise;
    double attunement = cap * noise_factor(sd, bits_a);
    double social = noise_factor(sd, bits_b);
    double mirroring = cap * (0.7 + 0.6 * (c->expressiveness - 0.5)) * social;
    double validation = cap * (0.7 + 0.6 * (c->warmth - 0.5)) * social;
    return clamp01((attunement + mirroring + validation) / 3.0);
}

void interactions_exchange(attune_model *m, int32_t week)
{
    const attune_params *p = m->p;
    people *pp = &m->people;
    tie_store *t = &m->ties;
    uint32_t n = pp->count;
    const double severity = p->interaction_hostility_severity;
    const double ref = p->interaction_reference_quality;
#pragma omp parallel for schedule(dynamic, 1024) num_threads(m->threads)
    for (uint32_t i = 0; i < n; i++) {
        double quality_sum = 0, input = 0;
        uint32_t meetings = 0, hostile_meetings = 0;
        if (pp->alive[i]) {
            double take_in = 1.0 - p->interaction_avoidance_discount * pp->avoidance[i];
            double negativity = 1.0 + p->interaction_anxiety_negativity_bias * pp->anxiety[i];
            uint32_t end = t->start[i] + t->count[i];
            for (uint32_t h = t->start[i]; h < end; h++) {
                uint32_t j = t->other[h];
                uint32_t lo = i < j ? i : j, hi = i < j ? j : i;
                uint32_t meet[4], ch[4];
                rng_draw4(m->key, (uint32_t)week, STREAM_MEET, lo, hi, meet);
                t->reciprocity[h] *= RECIPROCITY_RETENTION;
                if (rng_u01(meet[0]) >= t->contact[h] || !pp->alive[j])
                    continue;
                rng_draw4(m->key, (uint32_t)week, STREAM_CHANNELS, lo, hi, ch);
                /* Draws of the direction lo->hi use words 0,1 (and meet[1]); hi->lo 2,3, meet[2].
                 */
                int j_is_lo = j == lo;
                double received = care_given(m, j, ch[j_is_lo ? 0 : 2], ch[j_is_lo ? 1 : 3]);
                double given = care_given(m, i, ch[j_is_lo ? 2 : 0], ch[j_is_lo ? 3 : 1]);
                int hostile = rng_u01(meet[j_is_lo ? 1 : 2]) < pp->hostility[j];
                double quality = received * take_in - (hostile ? severity * negativity : 0.0);
                quality_sum += quality;
                input += m->kind_weight[t->kind[h]] * (quality - ref);
                meetings++;
                hostile_meetings += (uint32_t)hostile;
                t->reciprocity[h] += (float)(given - received);
            }
        }
        pp->received_quality_sum[i] = (float)quality_sum;
        pp->received_input[i] = (float)input;
        pp->meetings[i] = (uint16_t)(meetings < UINT16_MAX ? meetings : UINT16_MAX);
        pp->hostile_meetings[i] =
            (uint16_t)(hostile_meetings < UINT16_MAX ? hostile_meetings : UINT16_MAX);
    }
}
