/*
 * Validation against published patterns (docs/validation.md). Each target T1..T5 (the table of
 * docs/validation.md) is split into parts, one number each. A run's statistics come from an
 * observer: infant assessments (T1) and therapy events (T4, T5) are read from the event buffer of
 * every week; adult classes (T2) and adverse childhood experiences (T3) from the people alive at
 * the end; the yearly means of the indicators of a steady state from every week's metrics.
 * Replicates are combined into a mean with a 95% t interval; a part passes when the mean lies
 * within the target's tolerance, an indicator is steady when its mean drift lies within its
 * tolerance. The code measures; it never adjusts the model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model_internal.h"
#include "experiments/stats.h"
#include "experiments/validation_internal.h"

/* Ages of the adult attachment target (T2), in years: 25 to 45 inclusive. */
#define T2_AGE_MIN 25.0
#define T2_AGE_END 46.0
/* A session is reliably improved when the reliable change index reaches this. */
#define RCI_CRITICAL 1.96

static const attune_target_info targets[ATTUNE_TARGET_PART_COUNT] = {
    {"T1.secure", "T1", "infant attachment at 12-24 months: 51.6% secure",
     "share of infants assessed secure (classes.assessment_age)", 0.516, 0.05, false,
     "Madigan et al. 2023, Psychological Bulletin"},
    {"T1.avoidant", "T1", "infant attachment at 12-24 months: 14.7% avoidant",
     "share of infants assessed avoidant", 0.147, 0.05, false,
     "Madigan et al. 2023, Psychological Bulletin"},
    {"T1.resistant", "T1", "infant attachment at 12-24 months: 10.2% resistant",
     "share of infants assessed resistant", 0.102, 0.05, false,
     "Madigan et al. 2023, Psychological Bulletin"},
    {"T1.disorganized", "T1", "infant attachment at 12-24 months: 23.5% disorganized",
     "share of infants assessed disorganized", 0.235, 0.05, false,
     "Madigan et al. 2023, Psychological Bulletin"},
    {"T2.secure", "T2", "adult attachment (ages 25-45): 58% secure",
     "share of people aged 25-45 secure (three-way: unresolved by their organised class)", 0.58,
     0.06, false, "Bakermans-Kranenburg & van IJzendoorn 2009"},
    {"T2.dismissing", "T2", "adult attachment (ages 25-45): 23% dismissing",
     "share of people aged 25-45 dismissing (three-way)", 0.23, 0.06, false,
     "Bakermans-Kranenburg & van IJzendoorn 2009"},
    {"T2.preoccupied", "T2", "adult attachment (ages 25-45): 19% preoccupied",
     "share of people aged 25-45 preoccupied (three-way)", 0.19, 0.06, false,
     "Bakermans-Kranenburg & van IJzendoorn 2009"},
    {"T3.none", "T3", "adverse childhood experiences: 36% with none",
     "share of adults born in the run with no adverse childhood experience", 0.36, 0.06, false,
     "Felitti et al. 1998; CDC-Kaiser ACE study"},
    {"T3.four_plus", "T3", "adverse childhood experiences: 12.5% with 4 or more",
     "share of adults born in the run with 4 or more", 0.125, 0.06, false,
     "Felitti et al. 1998; CDC-Kaiser ACE study"},
    /* The band [4, 12] on the log scale: its geometric middle sqrt(48), a factor sqrt(3). */
    {"T3.coping_or", "T3", "adult coping with 4+ vs 0 adverse experiences: odds ratio 4 to 12",
     "odds ratio of coping now, adults born in the run with 4+ vs 0 (geometric mean)",
     6.928203230275509, 1.7320508075688772, true, "Felitti et al. 1998; CDC-Kaiser ACE study"},
    {"T4.session8", "T4", "therapy dose-response: 50% reliably improved by session 8",
     "Kaplan-Meier share of courses reliably improved (RCI >= 1.96) by session 8", 0.50, 0.08,
     false, "Howard, Kopta, Krause & Orlinsky 1986"},
    {"T4.session26", "T4", "therapy dose-response: 75% reliably improved by session 26",
     "Kaplan-Meier share of courses reliably improved by session 26", 0.75, 0.08, false,
     "Howard, Kopta, Krause & Orlinsky 1986"},
    {"T5.alliance", "T5", "alliance-outcome correlation: r = 0.28",
     "Pearson r of a course's mean alliance and its change of well-being (ended courses)", 0.28,
     0.07, false, "Flueckiger et al. 2018; Horvath et al. 2011"},
};

size_t attune_target_count(void)
{
    return ATTUNE_TARGET_PART_COUNT;
}

const attune_target_info *attune_target_at(size_t i)
{
    return i < ATTUNE_TARGET_PART_COUNT ? &targets[i] : NULL;
}

int attune_target_find(const char *id)
{
    for (size_t i = 0; id != NULL && i < ATTUNE_TARGET_PART_COUNT; i++)
        if (strcmp(targets[i].id, id) == 0)
            return (int)i;
    return -1;
}

double attune_target_distance(const attune_target_info *t, double simulated)
{
    if (t == NULL || !isfinite(simulated))
        return NAN;
    if (t->geometric)
        return simulated > 0 ? log(simulated / t->value) / log(t->tolerance) : NAN;
    return (simulated - t->value) / t->tolerance;
}

void attune_target_band(const attune_target_info *t, double *low, double *high)
{
    *low = t->geometric ? t->value / t->tolerance : t->value - t->tolerance;
    *high = t->geometric ? t->value * t->tolerance : t->value + t->tolerance;
}

/* ---------------------------------------------------------------------------------------- */
/* The steady state                                                                          */

/* Tolerances a decade: a third of T2's tolerance (0.06) for the shares and means the targets
 * are read from, 0.01 for coping (a few percent of people), 5% for the population's size. */
static const attune_drift_info drifts[ATTUNE_DRIFT_COUNT] = {
    {"people", "people alive (relative change)", 0.05, true},
    {"distress_share", "share of people in a distress episode", 0.02, false},
    {"wellbeing_mean", "mean well-being", 0.02, false},
    {"coping_share", "share of people coping", 0.01, false},
    {"adult_secure_share", "share of adults (18 or more) secure", 0.02, false},
    {"avoidance_mean", "mean attachment avoidance", 0.02, false},
};

size_t attune_drift_count(void)
{
    return ATTUNE_DRIFT_COUNT;
}

const attune_drift_info *attune_drift_at(size_t i)
{
    return i < ATTUNE_DRIFT_COUNT ? &drifts[i] : NULL;
}

double attune_drift_per_decade(const double *y, size_t years, bool relative)
{
    if (y == NULL || years < 2)
        return NAN;
    double mean_t = 0.5 * (double)(years - 1), mean_y = 0;
    for (size_t k = 0; k < years; k++) {
        if (relative && !(y[k] > 0))
            return NAN;
        mean_y += relative ? log(y[k]) : y[k];
    }
    mean_y /= (double)years;
    double sty = 0, stt = 0;
    for (size_t k = 0; k < years; k++) {
        double dt = (double)k - mean_t;
        sty += dt * ((relative ? log(y[k]) : y[k]) - mean_y);
        stt += dt * dt;
    }
    return 10.0 * sty / stt;
}

/* ---------------------------------------------------------------------------------------- */
/* Statistics of single runs                                                                 */

double odds_ratio(double exposed_yes, double exposed_no, double unexposed_yes, double unexposed_no)
{
    if (exposed_yes + exposed_no <= 0 || unexposed_yes + unexposed_no <= 0)
        return NAN;
    if (exposed_yes == 0 || exposed_no == 0 || unexposed_yes == 0 || unexposed_no == 0) {
        exposed_yes += 0.5;
        exposed_no += 0.5;
        unexposed_yes += 0.5;
        unexposed_no += 0.5;
    }
    return exposed_yes * unexposed_no / (exposed_no * unexposed_yes);
}

int adult_class_three_way(double anxiety, double avoidance, double dismissing_above,
                          double preoccupied_above)
{
    /* The rule of attachment_adult_class (model/working_model.c) without its first line. */
    if (avoidance > dismissing_above && avoidance >= anxiety)
        return 1;
    if (anxiety > preoccupied_above)
        return 2;
    return 0;
}

double km_share_by(const uint32_t *time, const uint8_t *event, size_t n, uint32_t k)
{
    if (n == 0 || k == 0)
        return NAN;
    /* Follow-ups ending at each session up to k (later ones pooled at k + 1), and events. */
    size_t *ending = calloc((size_t)k + 2, sizeof *ending);
    size_t *events = calloc((size_t)k + 2, sizeof *events);
    if (ending == NULL || events == NULL) {
        free(ending);
        free(events);
        return NAN;
    }
    for (size_t c = 0; c < n; c++) {
        uint32_t t = time[c] > k ? k + 1 : time[c];
        ending[t]++;
        if (event[c] && time[c] <= k)
            events[t]++;
    }
    size_t at_risk = n - ending[0]; /* followed to session 1 at least */
    double survival = 1.0;
    int undefined = 0;
    for (uint32_t j = 1; j <= k; j++) {
        if (at_risk == 0) {
            undefined = survival > 0;
            break;
        }
        survival *= 1.0 - (double)events[j] / (double)at_risk;
        at_risk -= ending[j];
    }
    free(ending);
    free(events);
    return undefined ? NAN : 1.0 - survival;
}

void therapy_tracker_init(therapy_tracker *t)
{
    memset(t, 0, sizeof *t);
}

void therapy_tracker_free(therapy_tracker *t)
{
    for (size_t c = 0; c < t->count; c++)
        free(t->courses[c].wellbeing);
    free(t->courses);
    free(t->open);
    memset(t, 0, sizeof *t);
}

/* The open course of `person` (-1: none), growing the table to hold `person`. */
static int32_t *open_slot(therapy_tracker *t, uint32_t person)
{
    if (person >= t->open_capacity) {
        uint32_t cap = person + person / 2 + 1024;
        int32_t *o = realloc(t->open, (size_t)cap * sizeof *o);
        if (o == NULL)
            return NULL;
        for (uint32_t i = t->open_capacity; i < cap; i++)
            o[i] = -1;
        t->open = o;
        t->open_capacity = cap;
    }
    return &t->open[person];
}

/* The value after "alliance=" in a session's detail, or NaN. */
static double detail_alliance(const char *detail)
{
    const char *p = detail ? strstr(detail, "alliance=") : NULL;
    if (p == NULL)
        return NAN;
    char *end;
    double a = strtod(p + strlen("alliance="), &end);
    return end == p + strlen("alliance=") ? NAN : a;
}

int therapy_tracker_event(therapy_tracker *t, const attune_event *e)
{
    if (t->failed)
        return ATTUNE_ERR_NOMEM;
    if (strncmp(e->type, "therapy_", 8) != 0)
        return ATTUNE_OK;
    const char *kind = e->type + 8;
    int is_start = strcmp(kind, "start") == 0, is_session = strcmp(kind, "session") == 0;
    int is_end = strcmp(kind, "end") == 0;
    if (!is_start && !is_session && !is_end)
        return ATTUNE_OK;
    int32_t *open = open_slot(t, e->person);
    if (open == NULL) {
        t->failed = 1;
        return ATTUNE_ERR_NOMEM;
    }
    if (is_session)
        t->sessions_seen++;
    if (is_start) {
        if (t->count == t->capacity) {
            size_t cap = t->capacity ? 2 * t->capacity : 256;
            therapy_course *c = realloc(t->courses, cap * sizeof *c);
            if (c == NULL) {
                t->failed = 1;
                return ATTUNE_ERR_NOMEM;
            }
            t->courses = c;
            t->capacity = cap;
        }
        therapy_course *c = &t->courses[t->count];
        memset(c, 0, sizeof *c);
        c->client = e->person;
        c->start_week = e->week;
        c->baseline = e->value;
        *open = (int32_t)t->count++; /* an earlier course left open stays unended (censored) */
        return ATTUNE_OK;
    }
    if (*open < 0) {
        t->orphans += is_session ? 1u : 0u;
        return ATTUNE_OK;
    }
    therapy_course *c = &t->courses[*open];
    if (is_end) {
        c->ended = 1;
        *open = -1;
        return ATTUNE_OK;
    }
    if (c->sessions == c->capacity) {
        uint32_t cap = c->capacity ? 2 * c->capacity : 16;
        float *w = realloc(c->wellbeing, (size_t)cap * sizeof *w);
        if (w == NULL) {
            t->failed = 1;
            return ATTUNE_ERR_NOMEM;
        }
        c->wellbeing = w;
        c->capacity = cap;
    }
    c->wellbeing[c->sessions++] = (float)e->value;
    double a = detail_alliance(e->detail);
    if (isfinite(a)) {
        c->alliance_sum += a;
        c->alliance_count++;
    }
    return ATTUNE_OK;
}

void therapy_stats_compute(const therapy_tracker *t, int32_t from_week, double reliability,
                           therapy_stats *out)
{
    memset(out, 0, sizeof *out);
    out->improved8 = out->improved26 = out->alliance_r = NAN;
    if (t->failed) {
        out->note_dose = out->note_alliance = "out of memory while reading therapy events";
        return;
    }
    if (t->sessions_seen == 0) {
        out->note_dose = out->note_alliance = "no therapy sessions in the run";
        return;
    }
    size_t n = 0, ended = 0;
    for (size_t c = 0; c < t->count; c++) {
        const therapy_course *x = &t->courses[c];
        if (x->start_week > from_week && x->sessions > 0 && isfinite(x->baseline)) {
            n++;
            ended += x->ended && x->alliance_count > 0;
        }
    }
    out->courses = (double)n;
    out->ended = (double)ended;
    uint32_t *time = malloc((n ? n : 1) * sizeof *time);
    uint8_t *event = malloc(n ? n : 1);
    double *x = malloc((ended ? ended : 1) * sizeof *x),
           *y = malloc((ended ? ended : 1) * sizeof *y);
    if (time == NULL || event == NULL || x == NULL || y == NULL) {
        out->note_dose = out->note_alliance = "out of memory";
        goto out;
    }
    /* The spread of well-being at the start, for the reliable change index. */
    double mean = 0, ss = 0;
    size_t k = 0, e = 0;
    for (size_t c = 0; c < t->count; c++) {
        const therapy_course *q = &t->courses[c];
        if (q->start_week > from_week && q->sessions > 0 && isfinite(q->baseline))
            mean += q->baseline;
    }
    mean = n ? mean / (double)n : NAN;
    for (size_t c = 0; c < t->count; c++) {
        const therapy_course *q = &t->courses[c];
        if (q->start_week > from_week && q->sessions > 0 && isfinite(q->baseline))
            ss += (q->baseline - mean) * (q->baseline - mean);
    }
    double sd = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
    double threshold = RCI_CRITICAL * sqrt(2.0) * sd * sqrt(1.0 - reliability);
    for (size_t c = 0; c < t->count; c++) {
        const therapy_course *q = &t->courses[c];
        if (!(q->start_week > from_week && q->sessions > 0 && isfinite(q->baseline)))
            continue;
        time[k] = q->sessions;
        event[k] = 0;
        for (uint32_t s = 0; s < q->sessions; s++) {
            if (q->wellbeing[s] - q->baseline >= threshold) {
                time[k] = s + 1;
                event[k] = 1;
                break;
            }
        }
        k++;
        if (q->ended && q->alliance_count > 0) {
            x[e] = q->alliance_sum / q->alliance_count;
            y[e] = q->wellbeing[q->sessions - 1] - q->baseline;
            e++;
        }
    }
    if (n == 0) {
        out->note_dose = out->note_alliance = "no course of therapy began in the measured weeks";
        goto out;
    }
    if (!(sd > 0)) {
        out->note_dose = "fewer than two courses, or no spread of well-being at their start";
    } else {
        out->improved8 = km_share_by(time, event, n, 8);
        out->improved26 = km_share_by(time, event, n, 26);
        if (isnan(out->improved8) || isnan(out->improved26))
            out->note_dose = "no course was followed to the session (the estimate is undefined)";
    }
    out->alliance_r = stats_pearson(x, y, ended);
    if (isnan(out->alliance_r))
        out->note_alliance = "fewer than three ended courses with an alliance, or no spread";
out:
    free(time);
    free(event);
    free(x);
    free(y);
}

/* ---------------------------------------------------------------------------------------- */
/* The observer                                                                              */

struct attune_validation_observer {
    int32_t requested_from; /* as given: negative means half of run.weeks */
    int32_t from_week;
    int resolved;
    double infant[4]; /* assessments by class after from_week */
    therapy_tracker therapy;
    /* The steady state: sums of each indicator over the weeks of each year (weeks 52k+1 to
     * 52k+52 make year k), year-major; year_weeks[k] counts the weeks summed. */
    size_t metric[ATTUNE_DRIFT_COUNT]; /* the indicators' columns of attune_metrics */
    double *year_sum;
    int *year_weeks;
    size_t years, years_cap;
    int32_t last_week; /* the last week summed (a week observed again is not summed twice) */
    int failed;        /* out of memory for the yearly sums */
};

int attune_validation_observer_create(int32_t from_week, attune_validation_observer **out)
{
    if (out == NULL)
        return ATTUNE_ERR_ARGUMENT;
    attune_validation_observer *o = calloc(1, sizeof *o);
    if (o == NULL)
        return ATTUNE_ERR_NOMEM;
    o->requested_from = from_week;
    therapy_tracker_init(&o->therapy);
    for (size_t d = 0; d < ATTUNE_DRIFT_COUNT; d++) {
        size_t c = 0;
        while (c < attune_metric_count() && strcmp(attune_metric_name(c), drifts[d].id) != 0)
            c++;
        if (c == attune_metric_count()) { /* an indicator that is not a column: a bug */
            attune_validation_observer_free(o);
            return ATTUNE_ERR_STATE;
        }
        o->metric[d] = c;
    }
    *out = o;
    return ATTUNE_OK;
}

void attune_validation_observer_free(attune_validation_observer *observer)
{
    if (observer == NULL)
        return;
    therapy_tracker_free(&observer->therapy);
    free(observer->year_sum);
    free(observer->year_weeks);
    free(observer);
}

static void resolve(attune_validation_observer *o, const attune_model *m)
{
    if (o->resolved)
        return;
    o->from_week = o->requested_from >= 0 ? o->requested_from : (int32_t)(m->p->run_weeks / 2);
    o->resolved = 1;
}

/* Adds the indicators of the model's last completed week (>= 1, after last_week: the caller
 * skips a week seen again) to its year's sums. Returns ATTUNE_ERR_NOMEM when the sums cannot grow
 * (and every later call too). */
static int add_year_sums(attune_validation_observer *o, const attune_model *m)
{
    size_t year = (size_t)(m->week - 1) / 52;
    if (o->failed)
        return ATTUNE_ERR_NOMEM;
    if (year >= o->years_cap) {
        size_t cap = o->years_cap ? 2 * o->years_cap : 8;
        while (cap <= year)
            cap *= 2;
        double *sum = realloc(o->year_sum, cap * ATTUNE_DRIFT_COUNT * sizeof *sum);
        if (sum != NULL)
            o->year_sum = sum;
        int *weeks = sum != NULL ? realloc(o->year_weeks, cap * sizeof *weeks) : NULL;
        if (weeks == NULL) {
            o->failed = 1;
            return ATTUNE_ERR_NOMEM;
        }
        o->year_weeks = weeks;
        memset(o->year_sum + o->years_cap * ATTUNE_DRIFT_COUNT, 0,
               (cap - o->years_cap) * ATTUNE_DRIFT_COUNT * sizeof *sum);
        memset(o->year_weeks + o->years_cap, 0, (cap - o->years_cap) * sizeof *weeks);
        o->years_cap = cap;
    }
    attune_metrics row;
    if (attune_model_metrics(m, &row) != ATTUNE_OK)
        return ATTUNE_OK; /* not initialised: nothing to add */
    for (size_t d = 0; d < ATTUNE_DRIFT_COUNT; d++)
        o->year_sum[year * ATTUNE_DRIFT_COUNT + d] += attune_metric_value(&row, o->metric[d]);
    o->year_weeks[year]++;
    o->last_week = m->week;
    if (year + 1 > o->years)
        o->years = year + 1;
    return ATTUNE_OK;
}

/* The drift of each indicator over the last complete years of the run (years of which every
 * week was observed, counted back from the last one; a trailing partial year is left out):
 * ATTUNE_DRIFT_WINDOW_YEARS of them, or half of them if that is fewer, and its level there.
 * Without ATTUNE_DRIFT_MIN_YEARS years in the window there is no drift (drift_years 0). */
static void set_drifts(const attune_validation_observer *o, attune_validation_stats *out)
{
    size_t last = o->years;
    if (last > 0 && o->year_weeks[last - 1] < 52)
        last--;
    size_t complete = 0;
    while (complete < last && o->year_weeks[last - 1 - complete] == 52)
        complete++;
    /* window <= ATTUNE_DRIFT_WINDOW_YEARS, the size of y below */
    size_t window =
        complete / 2 < ATTUNE_DRIFT_WINDOW_YEARS ? complete / 2 : ATTUNE_DRIFT_WINDOW_YEARS;
    out->drift_years = window >= ATTUNE_DRIFT_MIN_YEARS ? (int)window : 0;
    for (size_t d = 0; d < ATTUNE_DRIFT_COUNT; d++) {
        out->drift[d] = out->level[d] = NAN;
        if (out->drift_years == 0)
            continue;
        double y[ATTUNE_DRIFT_WINDOW_YEARS], level = 0;
        for (size_t k = 0; k < window; k++) {
            y[k] = o->year_sum[(last - window + k) * ATTUNE_DRIFT_COUNT + d] / 52.0;
            level += y[k];
        }
        out->drift[d] = attune_drift_per_decade(y, window, drifts[d].relative);
        out->level[d] = level / (double)window;
    }
}

int attune_validation_observe(attune_validation_observer *o, const attune_model *m)
{
    if (o == NULL || m == NULL)
        return ATTUNE_ERR_ARGUMENT;
    resolve(o, m);
    if (m->week > 0 && m->week <= o->last_week)
        return ATTUNE_OK; /* seen already: its sums and events are counted */
    if (m->week > 0 && add_year_sums(o, m) != ATTUNE_OK)
        return ATTUNE_ERR_NOMEM;
    const attune_event *ev;
    size_t count = 0;
    int rc = attune_model_events(m, &ev, &count);
    for (size_t k = 0; rc == ATTUNE_OK && k < count; k++) {
        if (ev[k].week > o->from_week && strcmp(ev[k].type, "infant_assessment") == 0) {
            int c = (int)ev[k].value;
            if (c >= 0 && c < 4)
                o->infant[c]++;
        } else {
            rc = therapy_tracker_event(&o->therapy, &ev[k]);
        }
    }
    return rc;
}

static void set_part(attune_validation_stats *s, int part, double value, double n, const char *note)
{
    s->value[part] = value;
    s->n[part] = n;
    s->note[part] = isnan(value) ? (note ? note : "no data") : NULL;
}

int attune_validation_finish(const attune_validation_observer *o, const attune_model *m,
                             attune_validation_stats *out)
{
    if (o == NULL || m == NULL || out == NULL)
        return ATTUNE_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    int32_t from = o->resolved              ? o->from_week
                   : o->requested_from >= 0 ? o->requested_from
                                            : (int32_t)(m->p->run_weeks / 2);
    const people *pp = &m->people;
    const attune_params *p = m->p;

    /* T1: infants assessed in the measured weeks. */
    double infants = o->infant[0] + o->infant[1] + o->infant[2] + o->infant[3];
    for (int c = 0; c < 4; c++)
        set_part(out, PART_T1_SECURE + c, infants > 0 ? o->infant[c] / infants : NAN, infants,
                 "no infant was assessed in the measured weeks");

    /* T2: people aged 25-45 now; T3: adults born in the run. */
    double adults25 = 0, three[3] = {0, 0, 0};
    double born = 0, none = 0, four = 0, coping4 = 0, coping0 = 0;
    for (uint32_t i = 0; i < pp->count; i++) {
        if (!pp->alive[i])
            continue;
        double age = person_age_years(m, i);
        if (age >= T2_AGE_MIN && age < T2_AGE_END) {
            adults25++;
            three[adult_class_three_way(pp->anxiety[i], pp->avoidance[i],
                                        p->classes_adult_dismissing,
                                        p->classes_adult_preoccupied)]++;
        }
        if (pp->birth_week[i] >= 0 && age >= 18) {
            int coping = pp->coping[i] >= p->coping_active_level;
            born++;
            if (pp->ace_count[i] == 0) {
                none++;
                coping0 += coping;
            } else if (pp->ace_count[i] >= 4) {
                four++;
                coping4 += coping;
            }
        }
    }
    for (int c = 0; c < 3; c++)
        set_part(out, PART_T2_SECURE + c, adults25 > 0 ? three[c] / adults25 : NAN, adults25,
                 "nobody aged 25-45 is alive");
    const char *no_adults = "no adult born in the run (runs need more than 18 years)";
    set_part(out, PART_T3_NONE, born > 0 ? none / born : NAN, born, no_adults);
    set_part(out, PART_T3_FOUR_PLUS, born > 0 ? four / born : NAN, born, no_adults);
    set_part(out, PART_T3_COPING_OR, odds_ratio(coping4, four - coping4, coping0, none - coping0),
             four + none,
             born > 0 ? "no adult born in the run with 4+ (or with 0) adverse experiences"
                      : no_adults);

    /* T4, T5: courses of therapy that began in the measured weeks. */
    therapy_stats ts;
    therapy_stats_compute(&o->therapy, from, ATTUNE_RCI_RELIABILITY, &ts);
    set_part(out, PART_T4_SESSION8, ts.improved8, ts.courses, ts.note_dose);
    set_part(out, PART_T4_SESSION26, ts.improved26, ts.courses, ts.note_dose);
    set_part(out, PART_T5_ALLIANCE, ts.alliance_r, ts.ended, ts.note_alliance);
    set_drifts(o, out);
    return o->therapy.failed || o->failed ? ATTUNE_ERR_NOMEM : ATTUNE_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Replicates                                                                                */

int attune_target_combine(size_t part, const double *values, const double *n,
                          const char *const *notes, size_t count, attune_target_result *out)
{
    if (part >= ATTUNE_TARGET_PART_COUNT || out == NULL || (count > 0 && values == NULL))
        return ATTUNE_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    const attune_target_info *info = &targets[part];
    out->info = info;
    double *x = malloc((count ? count : 1) * sizeof *x);
    if (x == NULL)
        return ATTUNE_ERR_NOMEM;
    size_t k = 0;
    double n_sum = 0;
    const char *why = NULL;
    for (size_t r = 0; r < count; r++) {
        double v = values[r];
        if (isfinite(v) && (!info->geometric || v > 0)) {
            x[k++] = info->geometric ? log(v) : v;
            n_sum += n != NULL ? n[r] : 0;
        } else if (why == NULL) {
            why = notes != NULL && notes[r] != NULL ? notes[r] : "no data";
        }
    }
    stats_mean_ci(x, k, &out->simulated, &out->ci_low, &out->ci_high);
    if (info->geometric) {
        out->simulated = exp(out->simulated);
        out->ci_low = exp(out->ci_low);
        out->ci_high = exp(out->ci_high);
    }
    free(x);
    out->replicates = (int)k;
    out->n = k ? n_sum / (double)k : 0;
    out->distance = attune_target_distance(info, out->simulated);
    out->passed = isfinite(out->distance) && fabs(out->distance) <= 1.0 + 1e-12;
    if (k == 0)
        snprintf(out->note, sizeof out->note, "%s", why ? why : "no replicate");
    else if (k < count)
        snprintf(out->note, sizeof out->note, "%zu of %zu replicates had no value: %s", count - k,
                 count, why);
    return ATTUNE_OK;
}

int attune_drift_combine(size_t indicator, const double *drift, const double *level,
                         const int *years, size_t count, attune_drift_result *out)
{
    if (indicator >= ATTUNE_DRIFT_COUNT || out == NULL ||
        (count > 0 && (drift == NULL || level == NULL || years == NULL)))
        return ATTUNE_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    out->info = &drifts[indicator];
    double *x = calloc(count ? count : 1, sizeof *x);
    if (x == NULL)
        return ATTUNE_ERR_NOMEM;
    size_t k = 0, judged = 0;
    double level_sum = 0;
    int shortest = 0;
    for (size_t r = 0; r < count; r++) {
        if (years[r] > 0) {
            judged++;
            shortest = shortest == 0 || years[r] < shortest ? years[r] : shortest;
        }
        if (!isfinite(drift[r]))
            continue;
        x[k++] = drift[r];
        level_sum += level[r];
    }
    stats_mean_ci(x, k, &out->drift, &out->ci_low, &out->ci_high);
    free(x);
    out->replicates = (int)k;
    out->years = shortest;
    out->level = k ? level_sum / (double)k : NAN;
    double tolerance = out->info->tolerance + 1e-12;
    out->steady = k >= 2 && out->ci_low >= -tolerance && out->ci_high <= tolerance;
    const char *why =
        out->info->relative ? "a yearly mean not positive" : "a yearly mean not a number";
    if (judged == 0)
        snprintf(out->note, sizeof out->note,
                 "not judged: runs of fewer than %d complete years of 52 weeks have no drift",
                 2 * ATTUNE_DRIFT_MIN_YEARS);
    else if (k < 2)
        snprintf(out->note, sizeof out->note, "%zu of %zu replicates had a drift (%s): no interval",
                 k, count, why);
    else if (k < count)
        snprintf(out->note, sizeof out->note, "%zu of %zu replicates had no drift (%s)", count - k,
                 count, why);
    return ATTUNE_OK;
}

static int step_replicate(const attune_scenario *base, const attune_validate_options *o, int r,
                          attune_validation_stats *stats, attune_error *err)
{
    attune_scenario *s = NULL;
    attune_model *m = NULL;
    attune_validation_observer *obs = NULL;
    char text[64];
    int rc = attune_scenario_copy(base, &s);
    if (rc != ATTUNE_OK)
        return attune_fail(err, rc, NULL, 0, NULL, "out of memory");
    snprintf(text, sizeof text, "%llu", (unsigned long long)(o->first_seed + (uint64_t)r));
    rc = attune_scenario_set(s, "run.seed", text, err);
    if (rc == ATTUNE_OK && o->weeks > 0) {
        snprintf(text, sizeof text, "%ld", (long)o->weeks);
        rc = attune_scenario_set(s, "run.weeks", text, err);
    }
    if (rc == ATTUNE_OK)
        rc = attune_model_create(s, o->threads, &m, err);
    if (rc == ATTUNE_OK)
        rc = attune_model_init(m, err);
    if (rc == ATTUNE_OK && (rc = attune_validation_observer_create(-1, &obs)) != ATTUNE_OK)
        attune_fail(err, rc, NULL, 0, NULL,
                    rc == ATTUNE_ERR_NOMEM ? "out of memory" : "no validation observer");
    if (rc == ATTUNE_OK && (rc = attune_validation_observe(obs, m)) != ATTUNE_OK)
        attune_fail(err, rc, NULL, 0, NULL, "out of memory");
    int32_t weeks = rc == ATTUNE_OK ? (int32_t)m->p->run_weeks : 0;
    while (rc == ATTUNE_OK && m->week < weeks) {
        rc = attune_model_step(m, err);
        if (rc == ATTUNE_OK && (rc = attune_validation_observe(obs, m)) != ATTUNE_OK)
            attune_fail(err, rc, NULL, 0, NULL, "out of memory");
        if (rc == ATTUNE_OK && o->progress != NULL &&
            o->progress(r, o->replicates, m->week, weeks, o->user) != 0)
            rc = attune_fail(err, ATTUNE_ERR_STATE, NULL, 0, NULL,
                             "stopped in week %ld of replicate %d", (long)m->week, r + 1);
    }
    if (rc == ATTUNE_OK && (rc = attune_validation_finish(obs, m, stats)) != ATTUNE_OK)
        attune_fail(err, rc, NULL, 0, NULL, "out of memory");
    attune_validation_observer_free(obs);
    attune_model_free(m);
    attune_scenario_free(s);
    return rc;
}

int attune_validate(const attune_scenario *scenario, const attune_validate_options *options,
                    attune_target_result **results, attune_drift_result **drift, attune_error *err)
{
    if (options == NULL || results == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing argument");
    *results = NULL;
    if (drift != NULL)
        *drift = NULL;
    const attune_validate_options *o = options;
    if (o->replicates < 2 || o->replicates > 1000)
        return attune_fail(err, ATTUNE_ERR_RANGE, NULL, 0, NULL,
                           "replicates is %d; expected 2 to 1000 (an interval needs two)",
                           o->replicates);
    if (o->weeks < 0 || o->weeks > 52000)
        return attune_fail(err, ATTUNE_ERR_RANGE, NULL, 0, "run.weeks",
                           "weeks is %ld; expected 0 to 52000", (long)o->weeks);
    attune_scenario *def = NULL;
    if (scenario == NULL) {
        int rc = attune_scenario_create(&def);
        if (rc != ATTUNE_OK)
            return attune_fail(err, rc, NULL, 0, NULL, "out of memory");
        scenario = def;
    }
    size_t R = (size_t)o->replicates, P = ATTUNE_TARGET_PART_COUNT;
    attune_validation_stats *stats = calloc(R, sizeof *stats);
    double *values = malloc(R * 2 * sizeof *values);
    const char **notes = malloc(R * sizeof *notes);
    attune_target_result *out = calloc(P, sizeof *out);
    attune_drift_result *steady = calloc(ATTUNE_DRIFT_COUNT, sizeof *steady);
    int *years = malloc(R * sizeof *years);
    int rc = stats && values && notes && out && steady && years
                 ? ATTUNE_OK
                 : attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    for (int r = 0; rc == ATTUNE_OK && r < o->replicates; r++)
        rc = step_replicate(scenario, o, r, &stats[r], err);
    for (size_t part = 0; rc == ATTUNE_OK && part < P; part++) {
        for (size_t r = 0; r < R; r++) {
            values[r] = stats[r].value[part];
            values[R + r] = stats[r].n[part];
            notes[r] = stats[r].note[part];
        }
        rc = attune_target_combine(part, values, values + R, notes, R, &out[part]);
    }
    for (size_t d = 0; rc == ATTUNE_OK && d < ATTUNE_DRIFT_COUNT; d++) {
        for (size_t r = 0; r < R; r++) {
            values[r] = stats[r].drift[d];
            values[R + r] = stats[r].level[d];
            years[r] = stats[r].drift_years;
        }
        rc = attune_drift_combine(d, values, values + R, years, R, &steady[d]);
    }
    free(stats);
    free(values);
    free(notes);
    free(years);
    attune_scenario_free(def);
    if (rc != ATTUNE_OK) {
        free(out);
        free(steady);
        return rc;
    }
    *results = out;
    if (drift != NULL)
        *drift = steady;
    else
        free(steady);
    return ATTUNE_OK;
}
