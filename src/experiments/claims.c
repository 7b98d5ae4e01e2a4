/*
 * The claim experiments (docs/claims.md). Each claim of the essay is run as an experiment:
 * arms are scenario files (scenarios/claims/CLAIM.base.ini overlaid with CLAIM.ARM.ini), each
 * run for `replicates` seeds (1000, 1001, ...); arms of one replicate share the seed, so they
 * differ only in what the arm changes (common random numbers). Every tested quantity is
 * estimated once per replicate; its 95% confidence interval is the t interval of the mean over
 * replicates, and it passes only if the whole interval lies on the passing side of the
 * criterion. The code measures; it never adjusts the model.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attune/claims.h"
#include "engine/model_internal.h"
#include "experiments/stats.h"
#include "model/processes.h"

#define FIRST_SEED 1000

typedef struct claim_ctx {
    const char *dir;
    int replicates;
    int threads;
    const char *const *settings; /* "key=value": the defaults every arm starts from */
    size_t setting_count;
    attune_claims_progress progress;
    void *user;
    int done, total;
    attune_error *err;
} claim_ctx;

typedef void (*observer_fn)(const attune_model *m, void *user);

/* ---------------------------------------------------------------------------------------- */
/* Statistics                                                                                */

typedef struct series {
    double *x;
    size_t n, cap;
} series;

static int series_push(series *s, double v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        double *x = realloc(s->x, cap * sizeof *x);
        if (x == NULL)
            return ATTUNE_ERR_NOMEM;
        s->x = x;
        s->cap = cap;
    }
    s->x[s->n++] = v;
    return ATTUNE_OK;
}

static void series_free(series *s)
{
    free(s->x);
    memset(s, 0, sizeof *s);
}

static double series_mean(const series *s)
{
    double t = 0;
    for (size_t k = 0; k < s->n; k++)
        t += s->x[k];
    return s->n ? t / (double)s->n : NAN;
}

static double series_var(const series *s)
{
    double mu = series_mean(s), t = 0;
    for (size_t k = 0; k < s->n; k++)
        t += (s->x[k] - mu) * (s->x[k] - mu);
    return s->n > 1 ? t / (double)(s->n - 1) : NAN;
}

/* Cohen's d of a over b with the pooled standard deviation. */
static double cohen_d(const series *a, const series *b)
{
    double pooled = ((double)(a->n - 1) * series_var(a) + (double)(b->n - 1) * series_var(b)) /
                    (double)(a->n + b->n - 2);
    return (series_mean(a) - series_mean(b)) / sqrt(pooled);
}

/* Standardised coefficient of x2 in the regression of y on x1 and x2. */
static double partial_beta(const double *y, const double *x1, const double *x2, size_t n)
{
    double r_y1 = stats_pearson(y, x1, n), r_y2 = stats_pearson(y, x2, n),
           r_12 = stats_pearson(x1, x2, n);
    return (r_y2 - r_y1 * r_12) / (1.0 - r_12 * r_12);
}

/* ---------------------------------------------------------------------------------------- */
/* Running arms                                                                              */

/* An error unless each of the `n` arms (models of claim `claim`) has an intervention, whose
 * targets the claim reads: an edited arm file without one is refused, not read past its end. */
static int need_interventions(claim_ctx *c, const char *claim, attune_model *const *arm, int n)
{
    for (int a = 0; a < n; a++)
        if (arm[a]->intervention_count < 1)
            return attune_fail(c->err, ATTUNE_ERR_ARGUMENT, c->dir, 0, NULL,
                               "every arm of %s needs its intervention (the targets compared)",
                               claim);
    return ATTUNE_OK;
}

static int run_arm(claim_ctx *c, const char *claim, const char *arm, int replicate,
                   observer_fn observe, void *user, attune_model **out)
{
    char path[4096];
    attune_scenario *s = NULL;
    attune_model *m = NULL;
    int rc = attune_scenario_create(&s);
    if (rc != ATTUNE_OK)
        return attune_fail(c->err, rc, NULL, 0, NULL, "out of memory");
    rc = attune_scenario_set_each(s, c->settings, c->setting_count, c->err);
    snprintf(path, sizeof path, "%s/%s.base.ini", c->dir, claim);
    if (rc == ATTUNE_OK)
        rc = attune_scenario_load(s, path, c->err);
    if (rc == ATTUNE_OK && arm != NULL) {
        snprintf(path, sizeof path, "%s/%s.%s.ini", c->dir, claim, arm);
        rc = attune_scenario_load(s, path, c->err);
    }
    char seed[32];
    snprintf(seed, sizeof seed, "%d", FIRST_SEED + replicate);
    if (rc == ATTUNE_OK)
        rc = attune_scenario_set(s, "run.seed", seed, c->err);
    if (rc == ATTUNE_OK)
        rc = attune_model_create(s, c->threads, &m, c->err);
    if (rc == ATTUNE_OK)
        rc = attune_model_init(m, c->err);
    if (rc == ATTUNE_OK && observe != NULL)
        observe(m, user);
    while (rc == ATTUNE_OK && m->week < (int32_t)m->p->run_weeks) {
        rc = attune_model_step(m, c->err);
        if (rc == ATTUNE_OK && observe != NULL)
            observe(m, user);
    }
    attune_scenario_free(s);
    if (rc != ATTUNE_OK) {
        attune_model_free(m);
        return rc;
    }
    c->done++;
    if (c->progress != NULL)
        c->progress(claim, arm ? arm : "base", replicate, c->done, c->total, c->user);
    *out = m;
    return ATTUNE_OK;
}

static void set_part(attune_claim_part *part, const char *id, const char *measure,
                     const double *values, int n, const char *criterion, int at_least,
                     double threshold)
{
    snprintf(part->id, sizeof part->id, "%s", id);
    snprintf(part->measure, sizeof part->measure, "%s", measure);
    snprintf(part->criterion, sizeof part->criterion, "%s", criterion);
    stats_mean_ci(values, (size_t)n, &part->estimate, &part->ci_low, &part->ci_high);
    part->passed = at_least ? part->ci_low >= threshold : part->ci_high <= threshold;
    if (isnan(part->estimate))
        part->passed = false;
}

/* A ratio that must reach `threshold`, from its per-replicate logarithms: the estimate is the
 * geometric mean and the interval the t interval of the logs, transformed back. */
static void set_part_geometric(attune_claim_part *part, const char *id, const char *measure,
                               const double *logs, int n, const char *criterion, double threshold)
{
    set_part(part, id, measure, logs, n, criterion, 1, log(threshold));
    part->estimate = exp(part->estimate);
    part->ci_low = exp(part->ci_low);
    part->ci_high = exp(part->ci_high);
}

/* ---------------------------------------------------------------------------------------- */
/* C1: the self is constructed through interactions with caregivers, community and culture.  */

#define WEEKS_TO_18 939 /* round(18 x 52.1775) */

typedef struct at18 {
    series worth, security;
} at18;

static void observe_at_18(const attune_model *m, void *user)
{
    at18 *a = user;
    const people *pp = &m->people;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (pp->alive[i] && pp->birth_week[i] > 0 && m->week - pp->birth_week[i] == WEEKS_TO_18) {
            series_push(&a->worth, pp->self_worth[i]);
            series_push(&a->security, person_security(m, i));
        }
    }
}

static int claim_c1(claim_ctx *c, attune_claim_result *r)
{
    static const char *pairs[3][3] = {{"caregivers", "sensitive", "insensitive"},
                                      {"culture", "warm", "cold"},
                                      {"community", "embedded", "isolated"}};
    static const double thresholds[3] = {0.8, 0.3, 0.3};
    int R = c->replicates;
    double *d = calloc((size_t)R * 6, sizeof *d);
    if (d == NULL)
        return ATTUNE_ERR_NOMEM;
    int rc = ATTUNE_OK;
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        for (int p = 0; p < 3 && rc == ATTUNE_OK; p++) {
            at18 arm[2] = {{{0}, {0}}, {{0}, {0}}};
            for (int a = 0; a < 2 && rc == ATTUNE_OK; a++) {
                attune_model *m = NULL;
                rc = run_arm(c, "C1", pairs[p][1 + a], rep, observe_at_18, &arm[a], &m);
                attune_model_free(m);
            }
            if (rc == ATTUNE_OK) {
                d[(size_t)(2 * p) * (size_t)R + (size_t)rep] =
                    cohen_d(&arm[0].worth, &arm[1].worth);
                d[(size_t)(2 * p + 1) * (size_t)R + (size_t)rep] =
                    cohen_d(&arm[0].security, &arm[1].security);
            }
            for (int a = 0; a < 2; a++) {
                series_free(&arm[a].worth);
                series_free(&arm[a].security);
            }
        }
    }
    if (rc == ATTUNE_OK) {
        for (int p = 0; p < 3; p++) {
            for (int o = 0; o < 2; o++) {
                char id[24], measure[160], criterion[96];
                const char *outcome = o == 0 ? "self-worth" : "security";
                snprintf(id, sizeof id, "C1.%s.%s", pairs[p][0], o == 0 ? "worth" : "security");
                snprintf(measure, sizeof measure, "Cohen's d of %s at 18, %s vs %s %s", outcome,
                         pairs[p][1], pairs[p][2], pairs[p][0]);
                snprintf(criterion, sizeof criterion, "d >= %.1f", thresholds[p]);
                set_part(&r->parts[r->part_count++], id, measure,
                         d + (size_t)(2 * p + o) * (size_t)R, R, criterion, 1, thresholds[p]);
            }
        }
    }
    free(d);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* C2: the mind, especially in early development, is wired for attachment.                  */

typedef struct wm_snapshot {
    float *anxiety, *avoidance, *disorganization;
} wm_snapshot;

static int snapshot_targets(const attune_model *m, size_t index, wm_snapshot *s)
{
    const id_list *t = &m->interventions[index].targets;
    s->anxiety = malloc((t->count + 1) * sizeof(float));
    s->avoidance = malloc((t->count + 1) * sizeof(float));
    s->disorganization = malloc((t->count + 1) * sizeof(float));
    if (s->anxiety == NULL || s->avoidance == NULL || s->disorganization == NULL)
        return ATTUNE_ERR_NOMEM;
    for (uint32_t k = 0; k < t->count; k++) {
        uint32_t i = t->ids[k];
        s->anxiety[k] = m->people.anxiety[i];
        s->avoidance[k] = m->people.avoidance[i];
        s->disorganization[k] = m->people.disorganization[i];
    }
    return ATTUNE_OK;
}

static void snapshot_free(wm_snapshot *s)
{
    free(s->anxiety);
    free(s->avoidance);
    free(s->disorganization);
}

/* Mean distance moved by the targets of intervention `index` between two arms' snapshots. */
static double mean_shift(const attune_model *m, size_t index, const wm_snapshot *a,
                         const wm_snapshot *b)
{
    const id_list *t = &m->interventions[index].targets;
    double total = 0;
    uint32_t n = 0;
    for (uint32_t k = 0; k < t->count; k++) {
        if (!m->people.alive[t->ids[k]])
            continue;
        double da = a->anxiety[k] - b->anxiety[k], dv = a->avoidance[k] - b->avoidance[k];
        double dd = a->disorganization[k] - b->disorganization[k];
        total += sqrt(da * da + dv * dv + dd * dd);
        n++;
    }
    return n ? total / n : NAN;
}

static int claim_c2(claim_ctx *c, attune_claim_result *r)
{
    int R = c->replicates;
    double *ratio = calloc((size_t)R, sizeof *ratio);
    if (ratio == NULL)
        return ATTUNE_ERR_NOMEM;
    int rc = ATTUNE_OK;
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        attune_model *control = NULL, *changed = NULL;
        wm_snapshot s[2][2];
        memset(s, 0, sizeof s);
        rc = run_arm(c, "C2", "control", rep, NULL, NULL, &control);
        if (rc == ATTUNE_OK)
            rc = run_arm(c, "C2", "changed", rep, NULL, NULL, &changed);
        for (size_t k = 0; k < 2 && rc == ATTUNE_OK; k++) {
            if (control->intervention_count < 2 || changed->intervention_count < 2) {
                rc = attune_fail(c->err, ATTUNE_ERR_ARGUMENT, c->dir, 0, NULL,
                                 "C2 arms need two interventions (infants, adults of 30)");
                break;
            }
            rc = snapshot_targets(control, k, &s[0][k]);
            if (rc == ATTUNE_OK)
                rc = snapshot_targets(changed, k, &s[1][k]);
        }
        if (rc == ATTUNE_OK) {
            double infants = mean_shift(changed, 0, &s[1][0], &s[0][0]);
            double adults = mean_shift(changed, 1, &s[1][1], &s[0][1]);
            ratio[rep] = infants / adults;
        }
        for (int a = 0; a < 2; a++)
            for (int k = 0; k < 2; k++)
                snapshot_free(&s[a][k]);
        attune_model_free(control);
        attune_model_free(changed);
    }
    if (rc == ATTUNE_OK)
        set_part(&r->parts[r->part_count++], "C2.plasticity",
                 "working-model shift from the same change of care for 26 weeks, age 0-3 over "
                 "age 30",
                 ratio, R, "ratio >= 3", 1, 3.0);
    free(ratio);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* C3: emotions arise in response to interactions.                                           */

typedef struct c3_state {
    int32_t start, end;   /* isolation acts in weeks start .. end-1 */
    float *affect_before; /* everyone's affect at the end of the previous week */
    float *coping_before; /* and their coping, which acted on this week's affect */
    uint32_t size;
    double max_deviation; /* isolated: largest one-week departure from relaxation */
    double r_sum;
    int r_weeks;
} c3_state;

/*
 * Isolated people receive no relational input, so each week their affect must follow
 *   A[t] = b + inertia (A[t-1] - b) - stress_impact x stress[t] + relief x coping[t]
 * exactly (life events and coping still happen; nothing social does). Everyone else's weekly change
 * of affect is correlated with the mean quality they received.
 */
static void observe_c3(const attune_model *m, void *user)
{
    c3_state *s = user;
    const people *pp = &m->people;
    if (m->intervention_count == 0)
        return;
    const intervention *iv = &m->interventions[0];
    if (s->affect_before != NULL && s->coping_before != NULL && m->week >= s->start &&
        m->week < s->end && iv->started) {
        double inertia = m->p->affect_inertia, impact = m->p->life_events_stress_impact;
        for (uint32_t k = 0; k < iv->targets.count; k++) {
            uint32_t i = iv->targets.ids[k];
            if (!pp->alive[i] || i >= s->size)
                continue;
            double b = pp->affect_baseline[i];
            double expect = b + inertia * ((double)s->affect_before[i] - b) -
                            impact * pp->stress[i] + m->p->coping_relief * s->coping_before[i];
            expect = expect < -1 ? -1 : expect > 1 ? 1 : expect;
            double dev = fabs(pp->affect[i] - expect);
            if (dev > s->max_deviation)
                s->max_deviation = dev;
        }
        size_t n = 0;
        double *x = malloc((size_t)s->size * sizeof *x), *y = malloc((size_t)s->size * sizeof *y);
        for (uint32_t i = 0; x != NULL && y != NULL && i < s->size; i++) {
            if (!pp->alive[i] || pp->meetings[i] == 0 || (m->isolated && m->isolated[i]))
                continue;
            x[n] = pp->received_quality_sum[i] / pp->meetings[i];
            y[n] = pp->affect[i] - s->affect_before[i];
            n++;
        }
        if (n > 10) {
            s->r_sum += stats_pearson(x, y, n);
            s->r_weeks++;
        }
        free(x);
        free(y);
    }
    if (s->size != pp->count) {
        free(s->affect_before);
        free(s->coping_before);
        s->size = pp->count;
        s->affect_before = malloc((size_t)pp->count * sizeof(float) + 1);
        s->coping_before = malloc((size_t)pp->count * sizeof(float) + 1);
    }
    if (s->affect_before != NULL && s->coping_before != NULL)
        for (uint32_t i = 0; i < s->size; i++) {
            s->affect_before[i] = pp->affect[i];
            s->coping_before[i] = pp->coping[i];
        }
}

static int claim_c3(claim_ctx *c, attune_claim_result *r)
{
    int R = c->replicates;
    double *dev = calloc((size_t)R, sizeof *dev), *corr = calloc((size_t)R, sizeof *corr);
    int rc = dev && corr ? ATTUNE_OK : ATTUNE_ERR_NOMEM;
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        c3_state s = {0};
        /* The isolation's weeks come from the arm's intervention. */
        attune_model *m = NULL;
        s.start = 53;
        s.end = 79;
        rc = run_arm(c, "C3", "isolation", rep, observe_c3, &s, &m);
        if (rc == ATTUNE_OK && m->intervention_count > 0 &&
            (m->interventions[0].start_week != s.start || m->interventions[0].end_week != s.end))
            rc = attune_fail(c->err, ATTUNE_ERR_ARGUMENT, c->dir, 0, NULL,
                             "C3.isolation.ini must isolate in weeks 53-78");
        if (rc == ATTUNE_OK) {
            dev[rep] = s.max_deviation;
            corr[rep] = s.r_weeks ? s.r_sum / s.r_weeks : NAN;
        }
        free(s.affect_before);
        free(s.coping_before);
        attune_model_free(m);
    }
    if (rc == ATTUNE_OK) {
        set_part(&r->parts[r->part_count++], "C3.isolated",
                 "largest weekly departure of isolated people's affect from relaxation to baseline",
                 dev, R, "deviation <= 1e-5", 0, 1e-5);
        set_part(&r->parts[r->part_count++], "C3.connected",
                 "correlation of weekly affect change with mean quality received", corr, R,
                 "r >= 0.5", 1, 0.5);
    }
    free(dev);
    free(corr);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* C4: addiction and eating disorders as attachment wounds expressed through coping.         */

#define NEED_HISTORY 26
#define SIGNAL_WEEKS 8

typedef struct watch {
    uint32_t person, neighbour;
    int32_t until;
    float engagement; /* the neighbour's engagement toward the person at onset */
    int secure;
} watch;

typedef struct c4_state {
    uint32_t size;
    float *history; /* NEED_HISTORY weeks of unmet need per person, a ring */
    series onset_z; /* unmet need in the 26 weeks before onset, in SD above the mean */
    series secure_change, insecure_change;
    watch *watches;
    size_t watch_count, watch_cap;
} c4_state;

static void observe_c4(const attune_model *m, void *user)
{
    c4_state *s = user;
    const people *pp = &m->people;
    if (s->size != pp->count) {
        float *h = calloc((size_t)pp->count * NEED_HISTORY + 1, sizeof(float));
        if (h == NULL)
            return;
        if (s->history != NULL)
            memcpy(h, s->history, (size_t)s->size * NEED_HISTORY * sizeof(float));
        free(s->history);
        s->history = h;
        s->size = pp->count;
    }
    int slot = m->week % NEED_HISTORY;
    /* Coping that began this week: compare the need that preceded it with everyone's. */
    if (m->week > NEED_HISTORY) {
        double sum = 0, sum2 = 0, n = 0;
        for (uint32_t i = 0; i < pp->count; i++) {
            if (!pp->alive[i] || person_age_years(m, i) < 10)
                continue;
            sum += pp->unmet_need[i];
            sum2 += (double)pp->unmet_need[i] * pp->unmet_need[i];
            n++;
        }
        double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
        const attune_event *ev = m->events.week_events;
        for (size_t k = 0; k < m->events.week_count; k++) {
            if (strcmp(ev[k].type, "coping_onset") != 0)
                continue;
            uint32_t i = ev[k].person;
            double before = 0;
            for (int w = 0; w < NEED_HISTORY; w++)
                before += s->history[(size_t)i * NEED_HISTORY + (size_t)w];
            series_push(&s->onset_z, (before / NEED_HISTORY - mean) / sd);
            /* Watch how each neighbour's engagement toward the person changes. */
            const tie_store *t = &m->ties;
            for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
                if (s->watch_count == s->watch_cap) {
                    size_t cap = s->watch_cap ? 2 * s->watch_cap : 1024;
                    watch *wv = realloc(s->watches, cap * sizeof *wv);
                    if (wv == NULL)
                        return;
                    s->watches = wv;
                    s->watch_cap = cap;
                }
                uint32_t j = t->other[h];
                watch *wt = &s->watches[s->watch_count++];
                wt->person = i;
                wt->neighbour = j;
                wt->until = m->week + SIGNAL_WEEKS;
                wt->engagement = t->engagement[t->twin[h]];
                wt->secure = person_security(m, j) >= 0.6;
            }
        }
    }
    for (size_t k = 0; k < s->watch_count;) {
        watch *wt = &s->watches[k];
        if (wt->until != m->week) {
            k++;
            continue;
        }
        uint32_t h = ties_find(&m->ties, wt->neighbour, wt->person);
        if (h != TIE_NONE && pp->alive[wt->neighbour])
            series_push(wt->secure ? &s->secure_change : &s->insecure_change,
                        m->ties.engagement[h] - wt->engagement);
        s->watches[k] = s->watches[--s->watch_count];
    }
    for (uint32_t i = 0; i < pp->count; i++)
        s->history[(size_t)i * NEED_HISTORY + (size_t)slot] = pp->unmet_need[i];
}

static int claim_c4(claim_ctx *c, attune_claim_result *r)
{
    int R = c->replicates;
    double *v = calloc((size_t)R * 7, sizeof *v);
    if (v == NULL)
        return ATTUNE_ERR_NOMEM;
    int rc = ATTUNE_OK;
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        c4_state s = {0};
        attune_model *m = NULL;
        rc = run_arm(c, "C4", NULL, rep, observe_c4, &s, &m);
        if (rc == ATTUNE_OK) {
            /* Coping among adults born during the run (whose adversity was observed). */
            double n[5] = {0}, coping[5] = {0};
            for (uint32_t i = 0; i < m->people.count; i++) {
                if (!m->people.alive[i] || m->people.birth_week[i] < 0 ||
                    person_age_years(m, i) < 18)
                    continue;
                int k = m->people.ace_count[i] > 4 ? 4 : m->people.ace_count[i];
                n[k]++;
                coping[k] += m->people.coping[i] >= m->p->coping_active_level;
            }
            /* A step between counts one of which has nobody is no data (NaN), not a step
             * to or from 0. */
            for (int k = 0; k < 4; k++)
                v[k * R + rep] =
                    n[k] > 0 && n[k + 1] > 0 ? coping[k + 1] / n[k + 1] - coping[k] / n[k] : NAN;
            v[4 * R + rep] = series_mean(&s.onset_z);
            v[5 * R + rep] = series_mean(&s.secure_change);
            v[6 * R + rep] = series_mean(&s.insecure_change);
        }
        free(s.history);
        free(s.watches);
        series_free(&s.onset_z);
        series_free(&s.secure_change);
        series_free(&s.insecure_change);
        attune_model_free(m);
    }
    if (rc == ATTUNE_OK) {
        static const char *steps[4] = {"0 to 1", "1 to 2", "2 to 3", "3 to 4+"};
        for (int k = 0; k < 4; k++) {
            char id[24], measure[160];
            snprintf(id, sizeof id, "C4.gradient.%d", k + 1);
            snprintf(measure, sizeof measure,
                     "rise of adult coping prevalence from %s adverse childhood experiences",
                     steps[k]);
            set_part(&r->parts[r->part_count++], id, measure, v + k * R, R, "rise > 0", 1, 1e-9);
        }
        set_part(&r->parts[r->part_count++], "C4.need_before_onset",
                 "unmet need in the 26 weeks before coping starts, SDs above the mean", v + 4 * R,
                 R, "z >= 1", 1, 1.0);
        set_part(&r->parts[r->part_count++], "C4.secure_reach_out",
                 "change of secure neighbours' engagement in the 8 weeks after onset", v + 5 * R, R,
                 "change > 0", 1, 1e-9);
        set_part(&r->parts[r->part_count++], "C4.insecure_pull_back",
                 "change of insecure neighbours' engagement in the 8 weeks after onset", v + 6 * R,
                 R, "change < 0", 0, -1e-9);
    }
    free(v);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* C5: insight alone is not enough; ideas heal when absorbed in a relationship.              */

static int claim_c5(claim_ctx *c, attune_claim_result *r)
{
    int R = c->replicates;
    double *v = calloc((size_t)R * 2, sizeof *v);
    if (v == NULL)
        return ATTUNE_ERR_NOMEM;
    int rc = ATTUNE_OK;
    static const char *names[4] = {"neither", "selfhelp", "tie", "both"};
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        attune_model *arm[4] = {NULL, NULL, NULL, NULL};
        for (int a = 0; a < 4 && rc == ATTUNE_OK; a++)
            rc = run_arm(c, "C5", names[a], rep, NULL, NULL, &arm[a]);
        if (rc == ATTUNE_OK && (arm[0]->intervention_count < 1 || arm[3]->intervention_count < 2))
            rc = attune_fail(c->err, ATTUNE_ERR_ARGUMENT, c->dir, 0, NULL,
                             "C5 arms need two interventions of one cohort");
        if (rc == ATTUNE_OK) {
            const id_list *targets = &arm[3]->interventions[0].targets;
            double gain[4] = {0, 0, 0, 0};
            uint32_t n = 0;
            for (uint32_t k = 0; k < targets->count; k++) {
                uint32_t i = targets->ids[k];
                int alive = 1;
                for (int a = 0; a < 4; a++)
                    alive &= arm[a]->people.alive[i];
                if (!alive)
                    continue;
                for (int a = 1; a < 4; a++)
                    gain[a] += arm[a]->people.wellbeing[i] - arm[0]->people.wellbeing[i];
                n++;
            }
            for (int a = 1; a < 4; a++)
                gain[a] /= n ? n : 1;
            v[rep] = gain[3] - gain[1] - gain[2];
            v[R + rep] = gain[1] / gain[3];
        }
        for (int a = 0; a < 4; a++)
            attune_model_free(arm[a]);
    }
    if (rc == ATTUNE_OK) {
        set_part(&r->parts[r->part_count++], "C5.synergy",
                 "well-being gain at 1 year of self-help with a new attuned tie, minus the gains "
                 "of each alone",
                 v, R, "synergy > 0", 1, 1e-9);
        set_part(&r->parts[r->part_count++], "C5.insight_alone",
                 "gain of self-help alone as a share of the gain of both", v + R, R,
                 "share <= 0.25", 0, 0.25);
    }
    free(v);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* C6: joy and self-love are nurtured by healthy, reciprocal relationships.                  */

static int claim_c6(claim_ctx *c, attune_claim_result *r)
{
    int R = c->replicates;
    double *v = calloc((size_t)R * 5, sizeof *v);
    if (v == NULL)
        return ATTUNE_ERR_NOMEM;
    int rc = ATTUNE_OK;
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        attune_model *arm[3] = {NULL, NULL, NULL};
        static const char *names[3] = {"control", "reciprocal", "onesided"};
        for (int a = 0; a < 3 && rc == ATTUNE_OK; a++)
            rc = run_arm(c, "C6", names[a], rep, NULL, NULL, &arm[a]);
        if (rc == ATTUNE_OK)
            rc = need_interventions(c, "C6", arm + 1, 2);
        if (rc == ATTUNE_OK) {
            const intervention *iv = &arm[2]->interventions[0];
            const id_list *targets = &arm[1]->interventions[0].targets;
            double gain_w[2] = {0, 0}, gain_s[2] = {0, 0}, giver = 0;
            uint32_t n = 0, ng = 0;
            for (uint32_t k = 0; k < targets->count; k++) {
                uint32_t i = targets->ids[k];
                uint32_t j = iv->partners.ids[k];
                if (j == TIE_NONE || arm[1]->interventions[0].partners.ids[k] != j ||
                    !arm[0]->people.alive[i] || !arm[1]->people.alive[i] ||
                    !arm[2]->people.alive[i])
                    continue;
                for (int a = 0; a < 2; a++) {
                    gain_w[a] += arm[1 + a]->people.wellbeing[i] - arm[0]->people.wellbeing[i];
                    gain_s[a] += arm[1 + a]->people.self_worth[i] - arm[0]->people.self_worth[i];
                }
                n++;
                if (arm[0]->people.alive[j] && arm[2]->people.alive[j]) {
                    giver += arm[2]->people.wellbeing[j] - arm[0]->people.wellbeing[j];
                    ng++;
                }
            }
            v[0 * R + rep] = gain_s[0] / n;
            v[1 * R + rep] = gain_w[0] / n;
            v[2 * R + rep] = gain_s[1] / gain_s[0];
            v[3 * R + rep] = gain_w[1] / gain_w[0];
            v[4 * R + rep] = giver / ng;
        }
        for (int a = 0; a < 3; a++)
            attune_model_free(arm[a]);
    }
    if (rc == ATTUNE_OK) {
        set_part(&r->parts[r->part_count++], "C6.reciprocal.worth",
                 "gain in self-worth from a new reciprocal attuned tie (vs none)", v, R, "gain > 0",
                 1, 1e-9);
        set_part(&r->parts[r->part_count++], "C6.reciprocal.wellbeing",
                 "gain in well-being from a new reciprocal attuned tie (vs none)", v + R, R,
                 "gain > 0", 1, 1e-9);
        set_part(&r->parts[r->part_count++], "C6.onesided.worth",
                 "self-worth gain from an equally warm one-sided tie, share of the reciprocal gain",
                 v + 2 * R, R, "share < 0.5", 0, 0.5);
        set_part(&r->parts[r->part_count++], "C6.onesided.wellbeing",
                 "well-being gain from an equally warm one-sided tie, share of the reciprocal gain",
                 v + 3 * R, R, "share < 0.5", 0, 0.5);
        set_part(&r->parts[r->part_count++], "C6.giver",
                 "change of the one-sided tie's giver's well-being (vs no tie)", v + 4 * R, R,
                 "change < 0", 0, -1e-9);
    }
    free(v);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* C7: not every relationship heals; ending one can initiate healing.                        */

#define C7_START  105 /* week the toxic ties are ended (C7.leave.ini) */
#define C7_DIP    8   /* weeks after it over which the dip is measured */
#define C7_FOLLOW 104 /* weeks to the two-year outcome */

typedef struct leaving {
    uint32_t n;
    double *before;   /* well-being in the week before */
    double *dip;      /* mean well-being over the first C7_DIP weeks */
    int with_ties;    /* whether to remember everyone's ties in the week before (C7) */
    uint32_t *first;  /* others[first[i]] to others[first[i + 1] - 1]: i's ties the week before */
    uint32_t *others; /* the other ends of those ties */
} leaving;

/* The other ends of everyone's ties, as in the week before the ending. */
static void remember_ties(const attune_model *m, leaving *s)
{
    const tie_store *t = &m->ties;
    s->first = malloc(((size_t)s->n + 1) * sizeof *s->first);
    s->others = malloc(((size_t)t->active + 1) * sizeof *s->others);
    if (s->first == NULL || s->others == NULL)
        return;
    uint32_t k = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        s->first[i] = k;
        for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++)
            s->others[k++] = t->other[h];
    }
    s->first[s->n] = k;
}

static void observe_leaving(const attune_model *m, void *user)
{
    leaving *s = user;
    const people *pp = &m->people;
    if (m->week == C7_START - 1) {
        s->n = pp->count;
        s->before = calloc(s->n + 1, sizeof(double));
        s->dip = calloc(s->n + 1, sizeof(double));
        if (s->before != NULL)
            for (uint32_t i = 0; i < s->n; i++)
                s->before[i] = pp->wellbeing[i];
        if (s->with_ties)
            remember_ties(m, s);
    }
    if (s->dip != NULL && m->week >= C7_START && m->week < C7_START + C7_DIP)
        for (uint32_t i = 0; i < s->n; i++)
            s->dip[i] += pp->wellbeing[i] / C7_DIP;
}

/* Trusted ties that are not toxic (as release counts them). */
static double supportive_ties(const attune_model *m, uint32_t i)
{
    double supportive;
    tie_worst_toxic(m, i, NULL, &supportive);
    return supportive;
}

/* i's supportive ties (tie_is_supportive) of the kinds people form (friends, community ties,
 * partners: tie formation, ODD 7.4; not the children born nor the therapists found) to people it
 * had no tie to in the week before the ending: the supportive ties i formed since. */
static double supportive_ties_formed(const attune_model *m, const leaving *s, uint32_t i)
{
    const tie_store *t = &m->ties;
    double formed = 0;
    if (i >= s->n)
        return 0;
    for (uint32_t h = t->start[i]; h < t->start[i] + t->count[i]; h++) {
        int kind = t->kind[h];
        if ((kind != ATTUNE_TIE_FRIEND && kind != ATTUNE_TIE_COMMUNITY &&
             kind != ATTUNE_TIE_PARTNER) ||
            !tie_is_supportive(m, h))
            continue;
        int known = 0;
        for (uint32_t k = s->first[i]; k < s->first[i + 1] && !known; k++)
            known = s->others[k] == t->other[h];
        formed += !known;
    }
    return formed;
}

static int claim_c7(claim_ctx *c, attune_claim_result *r)
{
    int R = c->replicates;
    double *v = calloc((size_t)R * 3, sizeof *v);
    if (v == NULL)
        return ATTUNE_ERR_NOMEM;
    int rc = ATTUNE_OK;
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        attune_model *arm[2] = {NULL, NULL};
        leaving obs[2];
        memset(obs, 0, sizeof obs);
        obs[0].with_ties = obs[1].with_ties = 1;
        static const char *names[2] = {"stay", "leave"};
        for (int a = 0; a < 2 && rc == ATTUNE_OK; a++)
            rc = run_arm(c, "C7", names[a], rep, observe_leaving, &obs[a], &arm[a]);
        for (int a = 0; a < 2 && rc == ATTUNE_OK; a++)
            if (obs[a].dip == NULL || obs[a].before == NULL || obs[a].first == NULL ||
                obs[a].others == NULL)
                rc = ATTUNE_ERR_NOMEM;
        if (rc == ATTUNE_OK)
            rc = need_interventions(c, "C7", arm, 2);
        if (rc == ATTUNE_OK) {
            const id_list *targets = &arm[1]->interventions[0].targets;
            series w[2] = {{0}, {0}};
            double dip = 0, ties = 0;
            uint32_t n = 0;
            for (uint32_t k = 0; k < targets->count; k++) {
                uint32_t i = targets->ids[k];
                if (!arm[0]->people.alive[i] || !arm[1]->people.alive[i])
                    continue;
                dip += (obs[1].dip[i] - obs[1].before[i]) - (obs[0].dip[i] - obs[0].before[i]);
                ties += supportive_ties_formed(arm[1], &obs[1], i) -
                        supportive_ties_formed(arm[0], &obs[0], i);
                for (int a = 0; a < 2; a++)
                    series_push(&w[a], arm[a]->people.wellbeing[i]);
                n++;
            }
            v[rep] = n ? dip / n : NAN;
            v[R + rep] = n > 2 ? cohen_d(&w[1], &w[0]) : NAN;
            v[2 * R + rep] = n ? ties / n : NAN;
            series_free(&w[0]);
            series_free(&w[1]);
        }
        for (int a = 0; a < 2; a++) {
            free(obs[a].before);
            free(obs[a].dip);
            free(obs[a].first);
            free(obs[a].others);
            attune_model_free(arm[a]);
        }
    }
    if (rc == ATTUNE_OK) {
        set_part(&r->parts[r->part_count++], "C7.dip",
                 "change of well-being over the first 8 weeks, leavers minus stayers", v, R,
                 "change < 0", 0, -1e-9);
        set_part(&r->parts[r->part_count++], "C7.two_years",
                 "well-being of leavers over stayers two years on (Cohen's d)", v + R, R,
                 "d >= 0.5", 1, 0.5);
        set_part(&r->parts[r->part_count++], "C7.supportive_ties",
                 "supportive ties formed since, leavers minus stayers two years on", v + 2 * R, R,
                 "difference > 0", 1, 1e-9);
    }
    free(v);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* C8: not every rift must be mended to heal.                                                */

#define C8_HEALED 0.05 /* rise of well-being over two years that counts as healing */

/* Over the targets of arm b (the same people in arm a): the share who healed in b minus the
 * share in a, and the mean well-being at the end in b minus a. */
static void compare_arms(attune_model *a, attune_model *b, const leaving *obs_a,
                         const leaving *obs_b, double *healed_diff, double *wellbeing_diff)
{
    const id_list *targets = &b->interventions[0].targets;
    double healed = 0, diff = 0;
    uint32_t n = 0;
    for (uint32_t k = 0; k < targets->count; k++) {
        uint32_t i = targets->ids[k];
        if (!a->people.alive[i] || !b->people.alive[i])
            continue;
        healed += (b->people.wellbeing[i] - obs_b->before[i] >= C8_HEALED) -
                  (a->people.wellbeing[i] - obs_a->before[i] >= C8_HEALED);
        diff += b->people.wellbeing[i] - a->people.wellbeing[i];
        n++;
    }
    *healed_diff = n ? healed / n : NAN;
    *wellbeing_diff = n ? diff / n : NAN;
}

static int claim_c8(claim_ctx *c, attune_claim_result *r)
{
    int R = c->replicates;
    double *v = calloc((size_t)R * 3, sizeof *v);
    if (v == NULL)
        return ATTUNE_ERR_NOMEM;
    int rc = ATTUNE_OK;
    static const char *names[4] = {"toxic_stay", "toxic_leave", "rupture_leave", "rupture_repair"};
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        attune_model *arm[4] = {NULL, NULL, NULL, NULL};
        leaving obs[4];
        memset(obs, 0, sizeof obs);
        for (int a = 0; a < 4 && rc == ATTUNE_OK; a++) {
            rc = run_arm(c, "C8", names[a], rep, observe_leaving, &obs[a], &arm[a]);
            if (rc == ATTUNE_OK && obs[a].before == NULL)
                rc = ATTUNE_ERR_NOMEM;
        }
        if (rc == ATTUNE_OK)
            rc = need_interventions(c, "C8", arm, 4);
        if (rc == ATTUNE_OK) {
            double unused;
            compare_arms(arm[0], arm[1], &obs[0], &obs[1], &v[rep], &unused);
            compare_arms(arm[2], arm[3], &obs[2], &obs[3], &v[R + rep], &v[2 * R + rep]);
        }
        for (int a = 0; a < 4; a++) {
            free(obs[a].before);
            free(obs[a].dip);
            free(obs[a].first);
            free(obs[a].others);
            attune_model_free(arm[a]);
        }
    }
    if (rc == ATTUNE_OK) {
        set_part(&r->parts[r->part_count++], "C8.toxic_leave",
                 "share healed (well-being +0.05 in two years) leaving a toxic tie minus staying",
                 v, R, "difference >= -0.05", 1, -0.05);
        set_part(&r->parts[r->part_count++], "C8.rupture_healed",
                 "share healed repairing a healthy ruptured tie minus leaving it", v + R, R,
                 "difference > 0", 1, 1e-9);
        set_part(&r->parts[r->part_count++], "C8.rupture_wellbeing",
                 "well-being two years on, repairing a healthy ruptured tie minus leaving it",
                 v + 2 * R, R, "difference > 0", 1, 1e-9);
    }
    free(v);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* C9: a thriving inner life is interdependent with thriving relationships.                  */

typedef struct panel {
    int32_t t1, t2;
    uint32_t n;
    double *w1, *q1, *w2, *q2;
    uint8_t *in1;
    int failed; /* the first wave could not be stored (out of memory) */
} panel;

static void observe_panel(const attune_model *m, void *user)
{
    panel *s = user;
    const people *pp = &m->people;
    if (m->week == s->t1) {
        s->n = pp->count;
        s->w1 = calloc(s->n + 1, sizeof(double));
        s->q1 = calloc(s->n + 1, sizeof(double));
        s->w2 = calloc(s->n + 1, sizeof(double));
        s->q2 = calloc(s->n + 1, sizeof(double));
        s->in1 = calloc(s->n + 1, 1);
        if (!s->w1 || !s->q1 || !s->w2 || !s->q2 || !s->in1) {
            free(s->w1);
            free(s->q1);
            free(s->w2);
            free(s->q2);
            free(s->in1);
            s->w1 = s->q1 = s->w2 = s->q2 = NULL;
            s->in1 = NULL;
            s->failed = 1;
            return;
        }
        for (uint32_t i = 0; i < s->n; i++) {
            s->in1[i] = pp->alive[i] && person_age_years(m, i) >= 18;
            s->w1[i] = pp->wellbeing[i];
            s->q1[i] = pp->relationship_quality[i];
        }
    }
    if (m->week == s->t2 && s->in1 != NULL) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < s->n; i++) {
            if (!s->in1[i] || !pp->alive[i])
                continue;
            s->w1[k] = s->w1[i];
            s->q1[k] = s->q1[i];
            s->w2[k] = pp->wellbeing[i];
            s->q2[k] = pp->relationship_quality[i];
            k++;
        }
        s->n = k;
    }
}

static int claim_c9(claim_ctx *c, attune_claim_result *r)
{
    int R = c->replicates;
    double *b = calloc((size_t)R * 2, sizeof *b);
    if (b == NULL)
        return ATTUNE_ERR_NOMEM;
    int rc = ATTUNE_OK;
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        panel s = {0};
        attune_model *m = NULL;
        s.t1 = 104;
        s.t2 = 130;
        rc = run_arm(c, "C9", NULL, rep, observe_panel, &s, &m);
        if (rc == ATTUNE_OK && s.failed)
            rc = ATTUNE_ERR_NOMEM;
        if (rc == ATTUNE_OK && (s.in1 == NULL || m->week < s.t2))
            rc = attune_fail(c->err, ATTUNE_ERR_ARGUMENT, c->dir, 0, NULL,
                             "C9.base.ini must run at least 130 weeks");
        if (rc == ATTUNE_OK) {
            b[rep] = partial_beta(s.w2, s.w1, s.q1, s.n);
            b[R + rep] = partial_beta(s.q2, s.q1, s.w1, s.n);
        }
        free(s.w1);
        free(s.q1);
        free(s.w2);
        free(s.q2);
        free(s.in1);
        attune_model_free(m);
    }
    if (rc == ATTUNE_OK) {
        set_part(&r->parts[r->part_count++], "C9.quality_to_wellbeing",
                 "standardised cross-lagged path, relationship quality -> well-being, 26 weeks", b,
                 R, "beta > 0.1", 1, 0.1);
        set_part(&r->parts[r->part_count++], "C9.wellbeing_to_quality",
                 "standardised cross-lagged path, well-being -> relationship quality, 26 weeks",
                 b + R, R, "beta > 0.1", 1, 0.1);
    }
    free(b);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* C10: a skilled therapist offers a reparative, attuned relationship.                       */

#define C10_START 105 /* week the trial begins (C10.therapy.ini, C10.waitlist.ini) */
#define C10_END   131 /* end of treatment: 26 weeks on (therapy.max_sessions) */

/* One trial arm as seen from its participants: state at the start, what happened since. */
typedef struct trial {
    uint32_t n;
    uint8_t *eligible;  /* neither in therapy nor waiting when the trial began */
    uint8_t *secure;    /* adult class secure at the start */
    float *wellbeing;   /* well-being at the start */
    float *supportive;  /* supportive ties at the start */
    float *alliance;    /* alliance at the last session (0: no session) */
    uint16_t *released; /* toxic ties the person ended since the start */
    int failed;
} trial;

static double supportive_ties(const attune_model *m, uint32_t i);

static void observe_trial(const attune_model *m, void *user)
{
    trial *s = user;
    const people *pp = &m->people;
    if (s->failed)
        return;
    if (m->week == C10_START - 1) {
        s->n = pp->count;
        s->eligible = calloc(s->n + 1, 1);
        s->secure = calloc(s->n + 1, 1);
        s->wellbeing = calloc(s->n + 1, sizeof *s->wellbeing);
        s->supportive = calloc(s->n + 1, sizeof *s->supportive);
        s->alliance = calloc(s->n + 1, sizeof *s->alliance);
        s->released = calloc(s->n + 1, sizeof *s->released);
        if (!s->eligible || !s->secure || !s->wellbeing || !s->supportive || !s->alliance ||
            !s->released) {
            s->failed = 1;
            return;
        }
        for (uint32_t i = 0; i < s->n; i++) {
            if (!pp->alive[i])
                continue;
            s->eligible[i] = pp->therapy_status[i] == THERAPY_NONE;
            s->secure[i] = attachment_adult_class(m, i) == ADULT_SECURE;
            s->wellbeing[i] = pp->wellbeing[i];
            s->supportive[i] = (float)supportive_ties(m, i);
        }
    }
    if (m->week < C10_START || m->week > C10_END || s->eligible == NULL)
        return;
    const attune_event *ev;
    size_t count;
    attune_model_events(m, &ev, &count);
    for (size_t k = 0; k < count; k++) {
        uint32_t i = ev[k].person;
        if (i >= s->n)
            continue;
        double alliance;
        if (strcmp(ev[k].type, "therapy_session") == 0 &&
            sscanf(ev[k].detail, "alliance=%lf", &alliance) == 1)
            s->alliance[i] = (float)alliance;
        else if (strcmp(ev[k].type, "tie_ended") == 0 &&
                 strchr(ev[k].detail, '(') == NULL) /* ended by the person: no "(cause)" */
            s->released[i]++;
    }
}

static void trial_free(trial *s)
{
    free(s->eligible);
    free(s->secure);
    free(s->wellbeing);
    free(s->supportive);
    free(s->alliance);
    free(s->released);
}

static int claim_c10(claim_ctx *c, attune_claim_result *r)
{
    int R = c->replicates;
    enum { WELLBEING, EARNED, COPING, RELEASED, SUPPORTIVE, ALLIANCE, PARTS };
    double *v = calloc((size_t)R * PARTS, sizeof *v);
    if (v == NULL)
        return ATTUNE_ERR_NOMEM;
    int rc = ATTUNE_OK;
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        attune_model *arm[2] = {NULL, NULL};
        trial obs[2];
        memset(obs, 0, sizeof obs);
        static const char *names[2] = {"waitlist", "therapy"};
        for (int a = 0; a < 2 && rc == ATTUNE_OK; a++)
            rc = run_arm(c, "C10", names[a], rep, observe_trial, &obs[a], &arm[a]);
        if (rc == ATTUNE_OK &&
            (obs[0].failed || obs[1].failed || obs[0].eligible == NULL || obs[1].eligible == NULL))
            rc = ATTUNE_ERR_NOMEM;
        if (rc == ATTUNE_OK)
            rc = need_interventions(c, "C10", arm, 2);
        if (rc == ATTUNE_OK) {
            const id_list *targets = &arm[1]->interventions[0].targets;
            series w[2] = {{0}, {0}};
            double insecure = 0, earned[2] = {0}, coping = 0, released = 0, supportive = 0;
            double *alliance = calloc(targets->count + 1, sizeof *alliance);
            double *gain = calloc(targets->count + 1, sizeof *gain);
            size_t treated = 0;
            uint32_t n = 0;
            for (uint32_t k = 0; k < targets->count && alliance && gain; k++) {
                uint32_t i = targets->ids[k];
                if (!obs[0].eligible[i] || !arm[0]->people.alive[i] || !arm[1]->people.alive[i])
                    continue;
                n++;
                for (int a = 0; a < 2; a++) {
                    const attune_model *ma = arm[a];
                    series_push(&w[a], ma->people.wellbeing[i]);
                    if (!obs[a].secure[i])
                        earned[a] += attachment_adult_class(ma, i) == ADULT_SECURE;
                }
                insecure += !obs[0].secure[i];
                coping += arm[1]->people.coping[i] - arm[0]->people.coping[i];
                released += (double)obs[1].released[i] - obs[0].released[i];
                supportive += (supportive_ties(arm[1], i) - obs[1].supportive[i]) -
                              (supportive_ties(arm[0], i) - obs[0].supportive[i]);
                if (obs[1].alliance[i] > 0) {
                    alliance[treated] = obs[1].alliance[i];
                    gain[treated++] = arm[1]->people.wellbeing[i] - obs[1].wellbeing[i];
                }
            }
            if (alliance == NULL || gain == NULL)
                rc = ATTUNE_ERR_NOMEM;
            v[WELLBEING * R + rep] = n > 2 ? cohen_d(&w[1], &w[0]) : NAN;
            /* Rate of insecure-to-secure change, therapy over waitlist (one change added to
             * each so that a waitlist without any change still gives a finite ratio), kept as
             * its logarithm: ratios are averaged on the log scale. */
            v[EARNED * R + rep] = insecure > 0 ? log((earned[1] + 1) / (earned[0] + 1)) : NAN;
            v[COPING * R + rep] = n ? coping / n : NAN;
            v[RELEASED * R + rep] = n ? released / n : NAN;
            v[SUPPORTIVE * R + rep] = n ? supportive / n : NAN;
            v[ALLIANCE * R + rep] = treated > 2 ? stats_pearson(alliance, gain, treated) : NAN;
            free(alliance);
            free(gain);
            series_free(&w[0]);
            series_free(&w[1]);
        }
        for (int a = 0; a < 2; a++) {
            trial_free(&obs[a]);
            attune_model_free(arm[a]);
        }
    }
    if (rc == ATTUNE_OK) {
        set_part(&r->parts[r->part_count++], "C10.wellbeing",
                 "well-being at the end of treatment, therapy over waitlist (Cohen's d)",
                 v + WELLBEING * R, R, "d >= 0.5", 1, 0.5);
        set_part_geometric(&r->parts[r->part_count++], "C10.earned_security",
                           "rate of insecure-to-secure change, therapy over waitlist (geometric "
                           "mean over replicates)",
                           v + EARNED * R, R, "ratio >= 2", 2.0);
        set_part(&r->parts[r->part_count++], "C10.coping",
                 "coping at the end of treatment, therapy minus waitlist", v + COPING * R, R,
                 "difference < 0", 0, -1e-9);
        set_part(&r->parts[r->part_count++], "C10.toxic_ended",
                 "toxic ties ended during treatment, therapy minus waitlist", v + RELEASED * R, R,
                 "difference > 0", 1, 1e-9);
        set_part(&r->parts[r->part_count++], "C10.supportive_formed",
                 "change of supportive ties during treatment, therapy minus waitlist",
                 v + SUPPORTIVE * R, R, "difference > 0", 1, 1e-9);
        set_part(&r->parts[r->part_count++], "C10.alliance_outcome",
                 "correlation of the last session's alliance with the gain in well-being",
                 v + ALLIANCE * R, R, "r > 0", 1, 1e-9);
    }
    free(v);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* C11: healing is messy and nonlinear: engage, reflect, sometimes release.                  */

#define C11_FROM    104  /* week from which episodes are followed */
#define C11_SETBACK 0.05 /* fall of well-being from a recovery's high point that is a setback */
#define C11_GAIN    0.05 /* least session-to-session rise of well-being that is a sudden gain */
#define C11_WINDOW  6    /* sessions around a gain: three before, three after */

typedef struct healing {
    uint32_t cap;
    float *low, *high; /* lowest well-being of the episode so far, highest since */
    uint8_t *followed; /* the person's current episode is counted */
    uint8_t *setback;  /* it has had a setback */
    double episodes, recoveries, with_setback;
    float *sessions;      /* well-being after the last C11_WINDOW sessions of a course, a ring */
    uint16_t *session_n;  /* sessions of the current course */
    uint8_t *sudden_gain; /* the current course has had a sudden gain */
    double courses, with_gain; /* courses of C11_WINDOW sessions or more; with a sudden gain */
    int failed;
} healing;

static int healing_grow(healing *h, uint32_t n)
{
    if (n <= h->cap)
        return 0;
    uint32_t cap = n + n / 2 + 1024;
    float *low = realloc(h->low, cap * sizeof *low);
    if (low)
        h->low = low;
    float *high = realloc(h->high, cap * sizeof *high);
    if (high)
        h->high = high;
    uint8_t *f = realloc(h->followed, cap);
    if (f)
        h->followed = f;
    uint8_t *sb = realloc(h->setback, cap);
    if (sb)
        h->setback = sb;
    float *ses = realloc(h->sessions, (size_t)cap * C11_WINDOW * sizeof *ses);
    if (ses)
        h->sessions = ses;
    uint16_t *sn = realloc(h->session_n, cap * sizeof *sn);
    if (sn)
        h->session_n = sn;
    uint8_t *sg = realloc(h->sudden_gain, cap);
    if (sg)
        h->sudden_gain = sg;
    if (!low || !high || !f || !sb || !ses || !sn || !sg)
        return -1;
    memset(h->followed + h->cap, 0, cap - h->cap);
    memset(h->setback + h->cap, 0, cap - h->cap);
    memset(h->session_n + h->cap, 0, (cap - h->cap) * sizeof *sn);
    memset(h->sudden_gain + h->cap, 0, cap - h->cap);
    h->cap = cap;
    return 0;
}

static void follow(healing *h, const attune_model *m, uint32_t i)
{
    h->followed[i] = 1;
    h->setback[i] = 0;
    h->low[i] = h->high[i] = m->people.wellbeing[i];
    h->episodes++;
}

/* A session of client i ended with well-being w. A sudden gain (after Tang & DeRubeis 1999,
 * on well-being): from the third to the fourth of six consecutive sessions well-being rises by
 * at least C11_GAIN and by at least a quarter of its distance below the recovery threshold
 * (the symptom level left: Tang & DeRubeis's 25% of the pre-gain score), and the mean
 * of the three sessions after exceeds the mean of the three before by more than 2.776 standard
 * errors (their t-test at p < .05). */
static void therapy_session_seen(healing *h, uint32_t i, double w, double recovered)
{
    float *ring = h->sessions + (size_t)i * C11_WINDOW;
    ring[h->session_n[i] % C11_WINDOW] = (float)w;
    h->session_n[i]++;
    if (h->session_n[i] < C11_WINDOW || h->sudden_gain[i])
        return;
    double s[C11_WINDOW], pre = 0, post = 0, vpre = 0, vpost = 0;
    for (int k = 0; k < C11_WINDOW; k++)
        s[k] = ring[(h->session_n[i] + (unsigned)k) % C11_WINDOW];
    for (int k = 0; k < 3; k++) {
        pre += s[k] / 3;
        post += s[k + 3] / 3;
    }
    for (int k = 0; k < 3; k++) {
        vpre += (s[k] - pre) * (s[k] - pre) / 2;
        vpost += (s[k + 3] - post) * (s[k + 3] - post) / 2;
    }
    double gain = s[3] - s[2];
    if (gain >= C11_GAIN && gain >= 0.25 * (recovered - s[2]) &&
        post - pre > 2.776 * sqrt((vpre + vpost) / 3.0))
        h->sudden_gain[i] = 1;
}

static void therapy_course_ended(healing *h, uint32_t i)
{
    if (h->session_n[i] >= C11_WINDOW) {
        h->courses++;
        h->with_gain += h->sudden_gain[i];
    }
    h->session_n[i] = 0;
    h->sudden_gain[i] = 0;
}

static void observe_healing(const attune_model *m, void *user)
{
    healing *h = user;
    const people *pp = &m->people;
    if (h->failed || healing_grow(h, pp->count) != 0) {
        h->failed = 1;
        return;
    }
    if (m->week < C11_FROM)
        return;
    if (m->week == C11_FROM)
        for (uint32_t i = 0; i < pp->count; i++)
            if (pp->alive[i] && pp->in_episode[i])
                follow(h, m, i);
    const attune_event *ev;
    size_t count;
    attune_model_events(m, &ev, &count);
    for (size_t k = 0; k < count && m->week > C11_FROM; k++) {
        uint32_t i = ev[k].person;
        if (strcmp(ev[k].type, "therapy_session") == 0) {
            therapy_session_seen(h, i, ev[k].value, m->p->distress_recovery_threshold);
        } else if (strcmp(ev[k].type, "therapy_end") == 0) {
            therapy_course_ended(h, i);
        } else if (strcmp(ev[k].type, "distress_onset") == 0) {
            follow(h, m, i);
        } else if (strcmp(ev[k].type, "recovery") == 0 && h->followed[i]) {
            h->recoveries++;
            h->with_setback += h->setback[i];
            h->followed[i] = 0;
        }
    }
    for (uint32_t i = 0; i < pp->count; i++) {
        if (!h->followed[i] || !pp->in_episode[i])
            continue;
        if (stats_setback_step(&h->low[i], &h->high[i], pp->wellbeing[i], C11_SETBACK))
            h->setback[i] = 1;
    }
}

static int claim_c11(claim_ctx *c, attune_claim_result *r)
{
    int R = c->replicates;
    double *v = calloc((size_t)R * 6, sizeof *v);
    if (v == NULL)
        return ATTUNE_ERR_NOMEM;
    int rc = ATTUNE_OK;
    static const char *names[4] = {NULL, "no_forming", "no_insight", "no_ending"};
    for (int rep = 0; rep < R && rc == ATTUNE_OK; rep++) {
        double rate[4] = {0, 0, 0, 0};
        for (int a = 0; a < 4 && rc == ATTUNE_OK; a++) {
            healing h = {0};
            attune_model *m = NULL;
            rc = run_arm(c, "C11", names[a], rep, observe_healing, &h, &m);
            if (rc == ATTUNE_OK && h.failed)
                rc = ATTUNE_ERR_NOMEM;
            if (rc == ATTUNE_OK) {
                rate[a] = h.episodes > 0 ? h.recoveries / h.episodes : NAN;
                if (a == 0) {
                    v[rep] = h.recoveries > 0 ? h.with_setback / h.recoveries : NAN;
                    v[4 * R + rep] = rate[0];
                    v[5 * R + rep] = h.courses > 0 ? h.with_gain / h.courses : NAN;
                }
            }
            free(h.low);
            free(h.high);
            free(h.followed);
            free(h.setback);
            free(h.sessions);
            free(h.session_n);
            free(h.sudden_gain);
            attune_model_free(m);
        }
        for (int a = 1; a < 4; a++)
            v[a * R + rep] = rate[0] - rate[a];
    }
    if (rc == ATTUNE_OK) {
        set_part(&r->parts[r->part_count++], "C11.setbacks",
                 "share of recoveries with a setback (a fall of 0.05 from a rise) first", v, R,
                 "share >= 0.5", 1, 0.5);
        set_part(&r->parts[r->part_count++], "C11.sudden_gains",
                 "share of courses of therapy (6 sessions or more) with a sudden gain", v + 5 * R,
                 R, "share > 0", 1, 1e-9);
        set_part(&r->parts[r->part_count++], "C11.healing_rate",
                 "share of distress episodes that end in recovery within the ten years", v + 4 * R,
                 R, "rate > 0", 1, 1e-9);
        set_part(&r->parts[r->part_count++], "C11.no_forming",
                 "10-year healing rate lost without forming ties (engage)", v + R, R, "loss > 0", 1,
                 1e-9);
        set_part(&r->parts[r->part_count++], "C11.no_insight",
                 "10-year healing rate lost without insight (reflect)", v + 2 * R, R, "loss > 0", 1,
                 1e-9);
        set_part(&r->parts[r->part_count++], "C11.no_ending",
                 "10-year healing rate lost without ending ties (release)", v + 3 * R, R,
                 "loss > 0", 1, 1e-9);
    }
    free(v);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */

typedef struct claim_def {
    const char *id;
    const char *sentence;
    const char *mechanism;
    int runs;  /* runs per replicate */
    int alive; /* of them, models held at once (memory) */
    int (*run)(claim_ctx *, attune_claim_result *);
} claim_def;

static const claim_def claims[] = {
    {"C1",
     "Our sense of self is constructed through interactions with others: our caregivers, "
     "communities, and cultural surroundings.",
     "self-worth and the working model change only through relational input; isolation lets "
     "self-worth decay",
     6, 1, claim_c1},
    {"C2", "The mind, especially in early development, is wired for attachment.",
     "plasticity of the working model is highest in infancy and falls with age", 2, 2, claim_c2},
    {"C3",
     "Emotions are not purely internal experiences; they arise in response to our "
     "interactions.",
     "affect is driven by the quality of interactions received, filtered by the working model", 1,
     1, claim_c3},
    {"C4",
     "Many of the struggles people face, such as addiction or eating disorders, can be "
     "understood as manifestations of relational trauma, attachment wounds expressed through "
     "maladaptive coping mechanisms.",
     "unmet need accumulates when bids go unanswered; coping relieves, raises need, strains "
     "ties; secure ties reach out, insecure ties pull back",
     1, 1, claim_c4},
    {"C5",
     "It is not the isolated application of concepts that brings about healing. Rather, it is "
     "the relational context in which these ideas are absorbed and integrated that fosters "
     "change.",
     "insight (self-help, reflection, teaching) becomes integration only in proportion to "
     "relational support",
     4, 4, claim_c5},
    {"C6",
     "Joy, self-love, and inner fulfillment are nurtured by healthy, reciprocal relationships "
     "that provide mirroring, validation, and attunement.",
     "interactions carry attunement, mirroring and validation; reciprocity is tracked per tie; "
     "one-sided ties deplete the giver",
     3, 3, claim_c6},
    {"C7",
     "Ending a relationship, in some cases, can be the very act that initiates healing, as it "
     "allows for the possibility of new, more supportive relational dynamics to emerge.",
     "ties accumulate harm; people end a tie when harm outweighs benefit and they have the "
     "agency to; ending costs grief, stops the harm and frees room for new ties",
     2, 2, claim_c7},
    {"C8",
     "This is not to say that every relational rift must be mended in order for an individual "
     "to heal.",
     "ruptures can be repaired when both sides attune; repair builds trust; healing does not "
     "require repairing ended ties",
     4, 4, claim_c8},
    {"C9", "A thriving inner life is interdependent with thriving relationships.",
     "inner state sets how well one gives care; received care sets inner state", 1, 1, claim_c9},
    {"C10",
     "A skilled therapist can offer the space to process these relational dynamics, help "
     "disentangle maladaptive patterns, and guide the individual toward healthier, more "
     "fulfilling connections, both within and outside of themselves.",
     "therapists with skill and caseloads; help-seeking and a waitlist; an alliance that builds "
     "over sessions, with ruptures and repair; the alliance gates earned security, integration, "
     "less coping, ending toxic ties, forming supportive ones and the relation with oneself",
     2, 2, claim_c10},
    {"C11",
     "Healing in relationships is a profound journey, one that is often messy and nonlinear.",
     "stochastic life events, ruptures, thresholds and hysteresis; setbacks and recoveries "
     "emerge; engaging (forming ties), reflecting (insight) and releasing (ending ties) each "
     "help",
     4, 1, claim_c11},
};

#define CLAIM_COUNT (sizeof claims / sizeof claims[0])

size_t attune_claim_count(void)
{
    return CLAIM_COUNT;
}

const char *attune_claim_id(size_t i)
{
    return i < CLAIM_COUNT ? claims[i].id : NULL;
}

static int selected(const char *only, const char *id)
{
    if (only == NULL || only[0] == '\0')
        return 1;
    size_t len = strlen(id);
    for (const char *p = only; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, id, n) == 0)
            return 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* attune_model_memory_estimate of `settings`, then the claim's base file, then the arm's file
 * (NULL: the base alone); 0 if a file cannot be read. */
static uint64_t arm_memory_estimate(const char *dir, const char *claim, const char *arm_file,
                                    const char *const *settings, size_t setting_count)
{
    attune_scenario *s = NULL;
    if (attune_scenario_create(&s) != ATTUNE_OK)
        return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.base.ini", dir, claim);
    int rc = attune_scenario_set_each(s, settings, setting_count, NULL);
    if (rc == ATTUNE_OK)
        rc = attune_scenario_load(s, path, NULL);
    if (rc == ATTUNE_OK && arm_file != NULL) {
        snprintf(path, sizeof path, "%s/%s", dir, arm_file);
        rc = attune_scenario_load(s, path, NULL);
    }
    uint64_t need = rc == ATTUNE_OK ? attune_model_memory_estimate(s) : 0;
    attune_scenario_free(s);
    return need;
}

uint64_t attune_claims_memory_estimate(const char *scenario_dir, const char *only,
                                       const char *const *settings, size_t setting_count)
{
    if (scenario_dir == NULL)
        return 0;
    uint64_t most = 0;
    for (size_t k = 0; k < CLAIM_COUNT; k++) {
        if (!selected(only, claims[k].id))
            continue;
        uint64_t arm_most =
            arm_memory_estimate(scenario_dir, claims[k].id, NULL, settings, setting_count);
        char prefix[16];
        snprintf(prefix, sizeof prefix, "%s.", claims[k].id);
        DIR *d = opendir(scenario_dir);
        for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
            size_t len = strlen(e->d_name);
            if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || len < 4 ||
                strcmp(e->d_name + len - 4, ".ini") != 0 ||
                strcmp(e->d_name + strlen(prefix), "base.ini") == 0)
                continue;
            uint64_t need =
                arm_memory_estimate(scenario_dir, claims[k].id, e->d_name, settings, setting_count);
            arm_most = need > arm_most ? need : arm_most;
        }
        if (d != NULL)
            closedir(d);
        if (arm_most == 0)
            continue;
        /* attune_model_memory_estimate includes 64 MiB beside the model, counted once. */
        uint64_t fixed = 64u << 20, model = arm_most > fixed ? arm_most - fixed : 0;
        uint64_t need = model * (uint64_t)claims[k].alive + fixed;
        most = need > most ? need : most;
    }
    return most;
}

int attune_claims_run(const char *scenario_dir, const char *only, int replicates, int threads,
                      const char *const *settings, size_t setting_count,
                      attune_claims_progress progress, void *user, attune_claim_result **results,
                      size_t *count, attune_error *err)
{
    if (scenario_dir == NULL || results == NULL || count == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing argument");
    if (replicates < 2 || replicates > 1000)
        return attune_fail(err, ATTUNE_ERR_RANGE, NULL, 0, NULL,
                           "replicates is %d; expected 2 to 1000 (a CI needs at least 2)",
                           replicates);
    /* Unknown ids in `only` are an error, with the valid ones. */
    if (only != NULL) {
        for (const char *p = only; *p;) {
            size_t n = strcspn(p, ",");
            int known = 0;
            for (size_t k = 0; k < CLAIM_COUNT; k++)
                known |= strlen(claims[k].id) == n && strncmp(p, claims[k].id, n) == 0;
            if (!known && n > 0) {
                char valid[128] = "";
                for (size_t k = 0; k < CLAIM_COUNT; k++) {
                    size_t used = strlen(valid);
                    snprintf(valid + used, sizeof valid - used, "%s%s", k ? ", " : "",
                             claims[k].id);
                }
                return attune_fail(err, ATTUNE_ERR_UNKNOWN_KEY, NULL, 0, NULL,
                                   "unknown claim '%.*s'; the claims are %s", (int)n, p, valid);
            }
            p += n;
            if (*p == ',')
                p++;
        }
    }
    /* Bad settings are reported before any run. */
    attune_scenario *probe = NULL;
    int checked = attune_scenario_create(&probe);
    if (checked != ATTUNE_OK)
        return attune_fail(err, checked, NULL, 0, NULL, "out of memory");
    checked = attune_scenario_set_each(probe, settings, setting_count, err);
    attune_scenario_free(probe);
    if (checked != ATTUNE_OK)
        return checked;
    claim_ctx c = {scenario_dir, replicates, threads, settings, setting_count,
                   progress,     user,       0,       0,        err};
    size_t n = 0;
    for (size_t k = 0; k < CLAIM_COUNT; k++)
        if (selected(only, claims[k].id)) {
            n++;
            c.total += claims[k].runs * replicates;
        }
    attune_claim_result *out = calloc(n ? n : 1, sizeof *out);
    if (out == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    size_t k2 = 0;
    for (size_t k = 0; k < CLAIM_COUNT; k++) {
        if (!selected(only, claims[k].id))
            continue;
        attune_claim_result *r = &out[k2++];
        snprintf(r->id, sizeof r->id, "%s", claims[k].id);
        r->sentence = claims[k].sentence;
        r->mechanism = claims[k].mechanism;
        r->replicates = replicates;
        int rc = claims[k].run(&c, r);
        if (rc != ATTUNE_OK) {
            free(out);
            if (err != NULL && err->status == ATTUNE_OK)
                attune_fail(err, rc, NULL, 0, NULL, "claim %s: %s", claims[k].id,
                            attune_strerror(rc));
            return rc;
        }
        r->passed = r->part_count > 0;
        for (size_t p = 0; p < r->part_count; p++)
            r->passed = r->passed && r->parts[p].passed;
    }
    *results = out;
    *count = n;
    return ATTUNE_OK;
}
