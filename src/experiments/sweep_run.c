/*
 * One run of a sweep: the base scenario with the point's values and the replicate's seed,
 * simulated week by week (or the Ishigami test function evaluated), and the result packed
 * for another process.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/clock.h"
#include "engine/scenario_internal.h"
#include "experiments/sweep_internal.h"

static attune_sweep_result *result_new(uint32_t run_id, size_t columns, size_t rows,
                                       size_t stat_count)
{
    attune_sweep_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->run_id = run_id;
    r->columns = columns;
    r->rows = rows;
    r->weeks = -1;
    size_t n = rows * columns;
    r->values = calloc(n > 0 ? n : 1, sizeof *r->values);
    r->stat_count = stat_count;
    r->stats = stat_count ? malloc(stat_count * sizeof *r->stats) : NULL;
    if (r->values == NULL || (stat_count && r->stats == NULL)) {
        free(r->values);
        free(r->stats);
        free(r);
        return NULL;
    }
    for (size_t k = 0; k < stat_count; k++)
        r->stats[k] = NAN;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->started_at, sizeof r->started_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return r;
}

/* Ishigami & Homma (1990) with a = 7, b = 0.1: S1 = 0.3139, S2 = 0.4424, S3 = 0,
 * ST1 = 0.5576, ST2 = 0.4424, ST3 = 0.2437 for inputs uniform on [-pi, pi]. */
static double ishigami(const double *x)
{
    double s2 = sin(x[1]);
    return sin(x[0]) + 7.0 * s2 * s2 + 0.1 * pow(x[2], 4) * sin(x[0]);
}

typedef struct run_progress {
    attune_sweep_result *result;
    const volatile int *stop;
    attune_validation_observer *observer; /* calibrations: the target statistics */
    int failed;                           /* the observer ran out of memory */
} run_progress;

static int after_week(const attune_model *model, void *user)
{
    run_progress *rp = user;
    if (rp->observer != NULL && attune_validation_observe(rp->observer, model) != ATTUNE_OK) {
        rp->failed = 1;
        return 1;
    }
    attune_metrics m;
    attune_model_metrics(model, &m);
    size_t row = (size_t)attune_model_week(model);
    if (row < rp->result->rows)
        for (size_t c = 0; c < rp->result->columns; c++)
            rp->result->values[row * rp->result->columns + c] = attune_metric_value(&m, c);
    return rp->stop != NULL && *rp->stop;
}

/* The scenario of a run: the base with the point's values and the replicate's seed, validated.
 * The caller frees *out (also set, or NULL, when this fails). */
static int point_scenario(const attune_sweep *sw, size_t point, int replicate,
                          attune_scenario **out, attune_error *err)
{
    attune_scenario *s = NULL;
    int rc = attune_scenario_copy(sw->base, &s);
    *out = s;
    if (rc != ATTUNE_OK)
        return attune_fail(err, rc, NULL, 0, NULL, "out of memory");
    char text[64];
    for (size_t f = 0; rc == ATTUNE_OK && f < sw->factor_count; f++) {
        double v = sw->values[point * sw->factor_count + f];
        if (sw->factors[f].integer)
            snprintf(text, sizeof text, "%lld", (long long)llround(v));
        else
            snprintf(text, sizeof text, "%.17g", v);
        rc = attune_scenario_set(s, sw->factors[f].key, text, err);
    }
    if (rc == ATTUNE_OK) {
        snprintf(text, sizeof text, "%llu",
                 (unsigned long long)attune_sweep_replicate_seed(sw, replicate));
        rc = attune_scenario_set(s, "run.seed", text, err);
    }
    if (rc == ATTUNE_OK)
        rc = attune_scenario_validate(s, err);
    return rc;
}

uint64_t attune_sweep_memory_estimate(const attune_sweep *sweep)
{
    if (sweep == NULL || sweep->model != MODEL_SIMULATION)
        return 0;
    uint64_t most = 0;
    for (size_t point = 0; point < sweep->point_count; point++) {
        attune_scenario *s = NULL;
        if (point_scenario(sweep, point, 0, &s, NULL) == ATTUNE_OK) {
            uint64_t need = attune_model_memory_estimate(s);
            most = need > most ? need : most;
        }
        attune_scenario_free(s);
    }
    return most;
}

/* Builds the run's scenario and simulates it, filling `r`; returns the run's status. */
static int simulate(const attune_sweep *sw, size_t point, int replicate, int threads,
                    const volatile int *stop, attune_sweep_result *r, attune_error *err)
{
    attune_scenario *s = NULL;
    attune_model *model = NULL;
    r->weeks = 0; /* until the model has simulated some */
    int rc = point_scenario(sw, point, replicate, &s, err);
    if (rc == ATTUNE_OK)
        rc = attune_model_create(s, threads, &model, err);
    if (rc == ATTUNE_OK)
        rc = attune_model_init(model, err);
    run_progress rp = {r, stop, NULL, 0};
    if (rc == ATTUNE_OK && sw->calibration &&
        (rc = attune_validation_observer_create(-1, &rp.observer)) != ATTUNE_OK)
        attune_fail(err, rc, NULL, 0, NULL,
                    rc == ATTUNE_ERR_NOMEM ? "out of memory" : "no validation observer");
    if (rc == ATTUNE_OK) {
        after_week(model, &rp);
        rc = attune_model_run(model, (int32_t)(r->rows - 1), after_week, &rp, err);
        r->weeks = attune_model_week(model); /* also where a failed run stopped */
        if (rc == ATTUNE_OK && rp.failed)
            rc = attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
        if (rc == ATTUNE_OK && attune_model_week(model) != (int32_t)(r->rows - 1))
            rc = attune_fail(err, ATTUNE_ERR_STATE, NULL, 0, NULL, "stopped before the end");
    }
    if (rc == ATTUNE_OK && rp.observer != NULL) {
        attune_validation_stats st;
        rc = attune_validation_finish(rp.observer, model, &st);
        if (rc != ATTUNE_OK)
            attune_fail(err, rc, NULL, 0, NULL, "out of memory");
        for (size_t k = 0; rc == ATTUNE_OK && k < ATTUNE_TARGET_PART_COUNT; k++) {
            r->stats[k] = st.value[k];
            r->stats[ATTUNE_TARGET_PART_COUNT + k] = st.n[k];
        }
    }
    attune_validation_observer_free(rp.observer);
    attune_model_free(model);
    attune_scenario_free(s);
    return rc;
}

int attune_sweep_run(const attune_sweep *sweep, uint32_t run_id, int threads,
                     const volatile int *stop, attune_sweep_result **out, attune_error *err)
{
    if (sweep == NULL || out == NULL || run_id >= attune_sweep_run_count(sweep))
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL,
                           "run %u is not a run of this sweep", run_id);
    size_t point = run_id / (uint32_t)sweep->replicates;
    int replicate = (int)(run_id % (uint32_t)sweep->replicates);
    size_t columns = 1, rows = 1;
    if (sweep->model == MODEL_SIMULATION) {
        double weeks = 0;
        attune_scenario_get(sweep->base, "run.weeks", &weeks);
        for (size_t f = 0; f < sweep->factor_count; f++)
            if (strcmp(sweep->factors[f].key, "run.weeks") == 0)
                weeks = sweep->values[point * sweep->factor_count + f];
        columns = attune_metric_count();
        rows = (size_t)weeks + 1;
    }
    attune_sweep_result *r =
        result_new(run_id, columns, rows, sweep->calibration ? 2 * ATTUNE_TARGET_PART_COUNT : 0);
    if (r == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    double t0 = monotonic_seconds();
    if (sweep->model == MODEL_ISHIGAMI) {
        r->values[0] = ishigami(&sweep->values[point * sweep->factor_count]);
    } else {
        attune_error e = {0};
        r->status = simulate(sweep, point, replicate, threads, stop, r, &e);
        if (r->status != ATTUNE_OK) {
            char msg[2048];
            snprintf(r->error, sizeof r->error, "%s", attune_error_format(&e, msg, sizeof msg));
        }
    }
    r->wall_seconds = monotonic_seconds() - t0;
    *out = r;
    return ATTUNE_OK;
}

void attune_sweep_result_free(attune_sweep_result *result)
{
    if (result == NULL)
        return;
    free(result->values);
    free(result->stats);
    free(result);
}

/* Packed layout (native byte order; ranks of one sweep share an architecture):
 * magic, run_id, status, weeks, error, started_at, wall_seconds, columns, rows, stat_count,
 * values, stats. */
#define PACK_MAGIC 0x52535441u /* "ATSR" */

typedef struct pack_header {
    uint32_t magic;
    uint32_t run_id;
    int32_t status;
    int32_t weeks;
    char error[512];
    char started_at[32];
    double wall_seconds;
    uint64_t columns, rows, stat_count;
} pack_header;

int attune_sweep_result_pack(const attune_sweep_result *result, unsigned char **buf, size_t *size)
{
    size_t values = result->rows * result->columns;
    size_t n = sizeof(pack_header) + (values + result->stat_count) * sizeof(double);
    unsigned char *b = malloc(n);
    if (b == NULL)
        return ATTUNE_ERR_NOMEM;
    pack_header h = {
        PACK_MAGIC, result->run_id,       result->status,  result->weeks, {0},
        {0},        result->wall_seconds, result->columns, result->rows,  result->stat_count};
    memcpy(h.error, result->error, sizeof h.error);
    memcpy(h.started_at, result->started_at, sizeof h.started_at);
    memcpy(b, &h, sizeof h);
    if (values > 0) /* a failed run may have none */
        memcpy(b + sizeof h, result->values, values * sizeof(double));
    if (result->stat_count)
        memcpy(b + sizeof h + values * sizeof(double), result->stats,
               result->stat_count * sizeof(double));
    *buf = b;
    *size = n;
    return ATTUNE_OK;
}

int attune_sweep_result_unpack(const unsigned char *buf, size_t size, attune_sweep_result **out)
{
    pack_header h;
    if (size < sizeof h)
        return ATTUNE_ERR_CORRUPT;
    memcpy(&h, buf, sizeof h);
    /* A failed run may have no values (no columns nor rows) when its result could not be made. */
    int empty = h.columns == 0 && h.rows == 0 && h.status != ATTUNE_OK;
    if (h.magic != PACK_MAGIC || (h.columns == 0 && !empty) || h.columns > 1024 ||
        h.stat_count > 1024 ||
        (!empty && h.rows > (size - sizeof h) / sizeof(double) / h.columns) ||
        sizeof h + (h.rows * h.columns + h.stat_count) * sizeof(double) != size)
        return ATTUNE_ERR_CORRUPT;
    attune_sweep_result *r =
        result_new(h.run_id, (size_t)h.columns, (size_t)h.rows, (size_t)h.stat_count);
    if (r == NULL)
        return ATTUNE_ERR_NOMEM;
    r->status = h.status;
    r->weeks = h.weeks;
    r->wall_seconds = h.wall_seconds;
    memcpy(r->error, h.error, sizeof r->error);
    r->error[sizeof r->error - 1] = '\0';
    memcpy(r->started_at, h.started_at, sizeof r->started_at);
    r->started_at[sizeof r->started_at - 1] = '\0';
    if (r->rows * r->columns > 0)
        memcpy(r->values, buf + sizeof h, r->rows * r->columns * sizeof(double));
    if (r->stat_count)
        memcpy(r->stats, buf + sizeof h + r->rows * r->columns * sizeof(double),
               r->stat_count * sizeof(double));
    *out = r;
    return ATTUNE_OK;
}
