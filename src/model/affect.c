/*
 * Affect (MODEL.md process 3; claim C3: emotions arise in response to interactions).
 *
 *   A[t+1] = b + inertia * (A[t] - b) + social_gain * tanh(I[t])
 *
 * with b the person's temperament set point and I the week's relational input: the sum over
 * meetings of (kind weight) x (perceived quality - reference quality), from interactions.c.
 * An isolated person (I = 0) relaxes to b without any noise; affect is kept in [-1, 1].
 */
#include <math.h>

#include "model/processes.h"

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
        double a = b + inertia * ((double)pp->affect[i] - b) + gain * tanh(pp->received_input[i]);
        pp->affect[i] = (float)(a < -1 ? -1 : a > 1 ? 1 : a);
    }
}
