/*
 * Population metrics of a week. Sums run over fixed blocks of REDUCTION_BLOCK people, each
 * block summed in id order, then the block sums in block order: floating-point results are
 * identical for any number of threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model_internal.h"

enum {
    SUM_ALIVE,
    SUM_ISOLATED,
    SUM_DEGREE,
    SUM_AFFECT,
    SUM_AFFECT2,
    SUM_SELF_WORTH,
    SUM_ANXIETY,
    SUM_AVOIDANCE,
    SUM_DISORGANIZATION,
    SUM_QUALITY,
    SUM_MEETINGS,
    SUM_HOSTILE,
    SUM_WELLBEING,
    SUM_NEED,
    SUM_COPING,
    SUM_EPISODE,
    SUM_ADULTS,
    SUM_ADULT_SECURE,
    SUM_ADULT_PARTNERED,
    SUM_WAITING,
    SUM_THERAPY,
    SUM_COUNT
};

int metrics_compute(attune_model *m)
{
    const people *p = &m->people;
    uint32_t n = p->count;
    size_t blocks = (n + REDUCTION_BLOCK - 1) / REDUCTION_BLOCK;
    if (blocks > m->metric_partial_blocks) {
        /* Grown ahead of births; every block written below is written whole. */
        size_t room = blocks + blocks / 4 + 1;
        double *grown = realloc(m->metric_partial, room * SUM_COUNT * sizeof *grown);
        if (grown == NULL)
            return ATTUNE_ERR_NOMEM;
        m->metric_partial = grown;
        m->metric_partial_blocks = room;
    }
    double *partial = m->metric_partial;
#pragma omp parallel for schedule(static) num_threads(m->threads)
    for (size_t b = 0; b < blocks; b++) {
        double s[SUM_COUNT] = {0};
        uint32_t lo = (uint32_t)(b * REDUCTION_BLOCK);
        uint32_t hi = lo + REDUCTION_BLOCK < n ? lo + REDUCTION_BLOCK : n;
        for (uint32_t i = lo; i < hi; i++) {
            if (!p->alive[i])
                continue;
            s[SUM_ALIVE] += 1;
            s[SUM_ISOLATED] += p->meetings[i] == 0;
            s[SUM_DEGREE] += m->ties.count[i];
            s[SUM_AFFECT] += p->affect[i];
            s[SUM_AFFECT2] += (double)p->affect[i] * p->affect[i];
            s[SUM_SELF_WORTH] += p->self_worth[i];
            s[SUM_ANXIETY] += p->anxiety[i];
            s[SUM_AVOIDANCE] += p->avoidance[i];
            s[SUM_DISORGANIZATION] += p->disorganization[i];
            s[SUM_QUALITY] += p->received_quality_sum[i];
            s[SUM_MEETINGS] += p->meetings[i];
            s[SUM_HOSTILE] += p->hostile_meetings[i];
            s[SUM_WELLBEING] += p->wellbeing[i];
            s[SUM_NEED] += p->unmet_need[i];
            s[SUM_COPING] += p->coping[i] >= m->p->coping_active_level;
            s[SUM_EPISODE] += p->in_episode[i];
            s[SUM_WAITING] += p->therapy_status[i] == THERAPY_WAITING;
            s[SUM_THERAPY] += p->therapy_status[i] == THERAPY_ACTIVE;
            if (m->week - p->birth_week[i] >= 18 * WEEKS_PER_YEAR) {
                s[SUM_ADULTS] += 1;
                s[SUM_ADULT_SECURE] += attachment_adult_class(m, i) == ADULT_SECURE;
                s[SUM_ADULT_PARTNERED] += person_has_tie_kind(m, i, ATTUNE_TIE_PARTNER);
            }
        }
        memcpy(partial + b * SUM_COUNT, s, sizeof s);
    }
    double t[SUM_COUNT] = {0};
    for (size_t b = 0; b < blocks; b++)
        for (size_t k = 0; k < SUM_COUNT; k++)
            t[k] += partial[b * SUM_COUNT + k];

    attune_metrics *out = &m->metrics;
    memset(out, 0, sizeof *out);
    double alive = t[SUM_ALIVE] > 0 ? t[SUM_ALIVE] : 1;
    out->week = m->week;
    out->people = (uint64_t)t[SUM_ALIVE];
    out->ties = m->ties.active / 2;
    /* Each meeting is received at both ends. */
    out->meetings = (uint64_t)(t[SUM_MEETINGS] / 2);
    out->mean_degree = t[SUM_DEGREE] / alive;
    out->isolated_share = m->week > 0 ? t[SUM_ISOLATED] / alive : 0.0;
    out->affect_mean = t[SUM_AFFECT] / alive;
    double var = t[SUM_AFFECT2] / alive - out->affect_mean * out->affect_mean;
    out->affect_sd = var > 0 ? sqrt(var) : 0.0;
    out->self_worth_mean = t[SUM_SELF_WORTH] / alive;
    out->anxiety_mean = t[SUM_ANXIETY] / alive;
    out->avoidance_mean = t[SUM_AVOIDANCE] / alive;
    out->disorganization_mean = t[SUM_DISORGANIZATION] / alive;
    out->received_quality_mean = t[SUM_MEETINGS] > 0 ? t[SUM_QUALITY] / t[SUM_MEETINGS] : 0.0;
    out->hostile_share = t[SUM_MEETINGS] > 0 ? t[SUM_HOSTILE] / t[SUM_MEETINGS] : 0.0;
    out->wellbeing_mean = t[SUM_WELLBEING] / alive;
    out->unmet_need_mean = t[SUM_NEED] / alive;
    out->coping_share = t[SUM_COPING] / alive;
    out->distress_share = t[SUM_EPISODE] / alive;
    out->adult_secure_share = t[SUM_ADULTS] > 0 ? t[SUM_ADULT_SECURE] / t[SUM_ADULTS] : 0.0;
    out->adult_partnered_share = t[SUM_ADULTS] > 0 ? t[SUM_ADULT_PARTNERED] / t[SUM_ADULTS] : 0.0;
    out->births = m->births;
    out->deaths = m->deaths;
    out->therapy_waitlist = (uint64_t)t[SUM_WAITING];
    out->in_therapy = (uint64_t)t[SUM_THERAPY];
    return ATTUNE_OK;
}

static const struct {
    const char *name;
    bool integer;
} metric_columns[] = {
#define METRIC_INTEGER_WEEK        true
#define METRIC_INTEGER_COUNT       true
#define METRIC_INTEGER_REAL        false
#define ATTUNE_METRIC(field, kind) {#field, METRIC_INTEGER_##kind},
#include "engine/metric_columns.def"
#undef ATTUNE_METRIC
};

#define METRIC_COLUMN_COUNT (sizeof metric_columns / sizeof metric_columns[0])

size_t attune_metric_count(void)
{
    return METRIC_COLUMN_COUNT;
}

const char *attune_metric_name(size_t i)
{
    return i < METRIC_COLUMN_COUNT ? metric_columns[i].name : NULL;
}

bool attune_metric_is_integer(size_t i)
{
    return i < METRIC_COLUMN_COUNT && metric_columns[i].integer;
}

double attune_metric_value(const attune_metrics *m, size_t i)
{
    size_t column = 0;
#define ATTUNE_METRIC(field, kind)                                                                 \
    if (i == column++)                                                                             \
        return (double)m->field;
#include "engine/metric_columns.def"
#undef ATTUNE_METRIC
    return NAN;
}
