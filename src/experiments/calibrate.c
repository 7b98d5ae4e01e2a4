/*
 * Calibration by rejection approximate Bayesian computation (Pritchard et al. 1999; Beaumont
 * et al. 2002) over a sweep design (docs/validation.md). The runs of a calibration are those of
 * a sweep whose runs also measure the target statistics (sweep_run.c; table run_targets). The
 * analysis averages each part over a point's replicates, scores the point by the root mean
 * square of its parts' distances in units of their tolerances, and accepts the nearest share
 * of the scored points, or every point within epsilon: the accepted parameter sets are a
 * sample of the approximate posterior under the design's (uniform or log-uniform) prior. An
 * odds ratio's distance is measured on the log scale (attune_target_distance).
 */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attune/calibrate.h"
#include "engine/scenario_internal.h"
#include "experiments/calibrate_internal.h"
#include "experiments/sweep_internal.h"
#include "io/atomic_file.h"

bool attune_sweep_is_calibration(const attune_sweep *sweep)
{
    return sweep != NULL && sweep->calibration;
}

/* ---------------------------------------------------------------------------------------- */
/* Rejection ABC                                                                             */

double abc_distance(const double *simulated, const int *parts, size_t part_count)
{
    if (part_count == 0)
        return NAN;
    double sum = 0;
    for (size_t k = 0; k < part_count; k++) {
        double d = attune_target_distance(attune_target_at((size_t)parts[k]), simulated[k]);
        if (!isfinite(d))
            return NAN;
        sum += d * d;
    }
    return sqrt(sum / (double)part_count);
}

typedef struct scored_point {
    double distance;
    size_t index;
} scored_point;

static int by_distance(const void *a, const void *b)
{
    const scored_point *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

size_t abc_accept(const double *distance, size_t n, double accept, double epsilon, uint32_t *rank,
                  bool *accepted, double *threshold, size_t *best)
{
    *threshold = NAN;
    *best = SIZE_MAX;
    scored_point *s = malloc((n ? n : 1) * sizeof *s);
    size_t scored = 0;
    for (size_t i = 0; i < n; i++) {
        rank[i] = 0;
        accepted[i] = false;
        if (s != NULL && isfinite(distance[i]))
            s[scored++] = (scored_point){distance[i], i};
    }
    if (s == NULL)
        return 0;
    qsort(s, scored, sizeof *s, by_distance);
    size_t keep = 0;
    if (epsilon > 0) {
        while (keep < scored && s[keep].distance <= epsilon)
            keep++;
    } else if (scored > 0) {
        keep = (size_t)ceil(accept * (double)scored - 1e-9);
        keep = keep < 1 ? 1 : keep > scored ? scored : keep;
    }
    for (size_t k = 0; k < scored; k++) {
        rank[s[k].index] = (uint32_t)(k + 1);
        accepted[s[k].index] = k < keep;
    }
    if (scored > 0)
        *best = s[0].index;
    if (keep > 0)
        *threshold = s[keep - 1].distance;
    free(s);
    return keep;
}

/* ---------------------------------------------------------------------------------------- */
/* The analysis                                                                              */

void attune_calibration_result_free(attune_calibration_result *r)
{
    if (r == NULL)
        return;
    free(r->values);
    free(r->replicates);
    free(r->simulated);
    free(r->distance);
    free(r->rank);
    free(r->accepted);
    free(r->posterior);
    free(r);
}

static int db_error(attune_error *err, sqlite3 *db, const char *path, const char *what)
{
    return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "%s: %s", what,
                       db ? sqlite3_errmsg(db) : "cannot open");
}

/* The plan stored in the database must be this calibration's. */
static int check_plan(sqlite3 *db, const attune_sweep *sw, const char *path, attune_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT value FROM sweep WHERE key = 'plan'", -1, &st, NULL) !=
        SQLITE_OK)
        return attune_fail(err, ATTUNE_ERR_EXISTS, path, 0, NULL,
                           "is not the database of a calibration");
    int same = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL &&
               strcmp((const char *)sqlite3_column_text(st, 0), sw->plan) == 0;
    sqlite3_finalize(st);
    return same ? ATTUNE_OK
                : attune_fail(err, ATTUNE_ERR_EXISTS, path, 0, NULL,
                              "holds another calibration (its runs, base scenario or replicates "
                              "differ)");
}

/* Every done run's value of every part: vals[(point x parts + part) x R + replicate]. */
static int read_runs(sqlite3 *db, const attune_sweep *sw, double *vals, int *done, const char *path,
                     attune_error *err)
{
    size_t R = (size_t)sw->replicates, P = ATTUNE_TARGET_PART_COUNT;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT r.point_id, r.replicate, t.part, t.value FROM run_targets t "
                           "JOIN runs r USING(run_id) WHERE r.status = 'done'",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(err, db, path, "cannot read the runs' targets");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 point = sqlite3_column_int64(st, 0), rep = sqlite3_column_int64(st, 1);
        int part = attune_target_find((const char *)sqlite3_column_text(st, 2));
        if (point < 0 || (size_t)point >= sw->point_count || rep < 0 || (size_t)rep >= R ||
            part < 0)
            continue;
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            vals[((size_t)point * P + (size_t)part) * R + (size_t)rep] =
                sqlite3_column_double(st, 3);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return db_error(err, db, path, "cannot read the runs' targets");
    if (sqlite3_prepare_v2(db,
                           "SELECT point_id, count(*) FROM runs WHERE status = 'done' GROUP BY "
                           "point_id",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(err, db, path, "cannot read the runs");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 point = sqlite3_column_int64(st, 0);
        if (point >= 0 && (size_t)point < sw->point_count)
            done[point] = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? ATTUNE_OK : db_error(err, db, path, "cannot read the runs");
}

static void posterior(const attune_sweep *sw, attune_calibration_result *r)
{
    double *x = malloc((r->accepted_count ? r->accepted_count : 1) * sizeof *x);
    for (size_t f = 0; f < r->factor_count; f++) {
        double *q = &r->posterior[f * 4];
        q[0] = q[1] = q[2] = q[3] = NAN;
        if (x == NULL || r->accepted_count == 0)
            continue;
        size_t n = 0;
        for (size_t p = 0; p < r->point_count; p++)
            if (r->accepted[p])
                x[n++] = sw->values[p * sw->factor_count + f];
        gsl_sort(x, 1, n);
        q[0] = gsl_stats_mean(x, 1, n);
        q[1] = n > 1 ? gsl_stats_sd(x, 1, n) : NAN;
        q[2] = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.025);
        q[3] = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.975);
    }
    free(x);
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int put(sqlite3 *db, const char *key, const char *value)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO calibration VALUES(?, ?)", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    int bad = sqlite3_step(st) != SQLITE_DONE;
    sqlite3_finalize(st);
    return bad ? -1 : 0;
}

/* The analysis in the tables calibration, fit and fit_parts (and the view accepted). */
static int store(sqlite3 *db, const attune_sweep *sw, const attune_calibration_result *r)
{
    if (exec(db, "BEGIN IMMEDIATE; DROP VIEW IF EXISTS accepted; DROP TABLE IF EXISTS "
                 "calibration; DROP TABLE IF EXISTS fit; DROP TABLE IF EXISTS fit_parts;"
                 "CREATE TABLE calibration(key TEXT PRIMARY KEY, value TEXT);"
                 "CREATE TABLE fit(point_id INTEGER PRIMARY KEY REFERENCES points, replicates "
                 "INTEGER, distance REAL, rank INTEGER, accepted INTEGER);"
                 "CREATE TABLE fit_parts(point_id INTEGER NOT NULL REFERENCES points, part TEXT "
                 "NOT NULL, simulated REAL, target REAL, tolerance REAL, distance REAL, PRIMARY "
                 "KEY(point_id, part)) WITHOUT ROWID;"
                 "CREATE VIEW accepted AS SELECT f.rank, f.distance, f.replicates, p.* FROM fit "
                 "f JOIN points p USING(point_id) WHERE f.accepted = 1 ORDER BY f.rank;") != 0)
        return -1;
    char buf[1024] = "", when[32];
    for (size_t k = 0; k < r->part_count; k++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", k ? "," : "",
                 attune_target_at((size_t)r->parts[k])->id);
    int bad = put(db, "targets", buf);
    snprintf(buf, sizeof buf, "%.17g", r->accept);
    bad |= put(db, "accept", r->epsilon > 0 ? "" : buf);
    snprintf(buf, sizeof buf, "%.17g", r->epsilon);
    bad |= put(db, "epsilon", r->epsilon > 0 ? buf : "");
    snprintf(buf, sizeof buf, "%zu", r->scored);
    bad |= put(db, "scored", buf);
    snprintf(buf, sizeof buf, "%zu", r->accepted_count);
    bad |= put(db, "accepted", buf);
    snprintf(buf, sizeof buf, "%.17g", r->threshold);
    bad |= put(db, "threshold", isfinite(r->threshold) ? buf : "");
    snprintf(buf, sizeof buf, "%zu", r->best);
    bad |= put(db, "best_point", r->best != SIZE_MAX ? buf : "");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    bad |= put(db, "analysed_at", when);
    sqlite3_stmt *fit = NULL, *part = NULL;
    bad |= sqlite3_prepare_v2(db, "INSERT INTO fit VALUES(?, ?, ?, ?, ?)", -1, &fit, NULL) !=
           SQLITE_OK;
    bad |= sqlite3_prepare_v2(db, "INSERT INTO fit_parts VALUES(?, ?, ?, ?, ?, ?)", -1, &part,
                              NULL) != SQLITE_OK;
    for (size_t p = 0; p < r->point_count && !bad; p++) {
        sqlite3_bind_int64(fit, 1, (sqlite3_int64)p);
        sqlite3_bind_int(fit, 2, r->replicates[p]);
        sweep_bind_real(fit, 3, r->distance[p]);
        if (r->rank[p])
            sqlite3_bind_int64(fit, 4, r->rank[p]);
        else
            sqlite3_bind_null(fit, 4);
        sqlite3_bind_int(fit, 5, r->accepted[p]);
        bad |= sqlite3_step(fit) != SQLITE_DONE;
        sqlite3_reset(fit);
        for (size_t k = 0; k < r->part_count && !bad; k++) {
            const attune_target_info *t = attune_target_at((size_t)r->parts[k]);
            double sim = r->simulated[p * r->part_count + k];
            sqlite3_bind_int64(part, 1, (sqlite3_int64)p);
            sqlite3_bind_text(part, 2, t->id, -1, SQLITE_STATIC);
            sweep_bind_real(part, 3, sim);
            sqlite3_bind_double(part, 4, t->value);
            sqlite3_bind_double(part, 5, t->tolerance);
            sweep_bind_real(part, 6, attune_target_distance(t, sim));
            bad |= sqlite3_step(part) != SQLITE_DONE;
            sqlite3_reset(part);
        }
    }
    sqlite3_finalize(fit);
    sqlite3_finalize(part);
    (void)sw;
    if (bad || exec(db, "COMMIT") != 0) {
        exec(db, "ROLLBACK");
        return -1;
    }
    return 0;
}

static attune_calibration_result *result_new(const attune_sweep *sw)
{
    attune_calibration_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    size_t n = sw->point_count ? sw->point_count : 1, k = sw->calib.part_count;
    r->factor_count = sw->factor_count;
    r->part_count = k;
    memcpy(r->parts, sw->calib.parts, sizeof r->parts);
    r->accept = sw->calib.accept;
    r->epsilon = sw->calib.epsilon;
    r->point_count = sw->point_count;
    r->values = malloc(n * (sw->factor_count ? sw->factor_count : 1) * sizeof *r->values);
    r->replicates = calloc(n, sizeof *r->replicates);
    r->simulated = malloc(n * (k ? k : 1) * sizeof *r->simulated);
    r->distance = malloc(n * sizeof *r->distance);
    r->rank = calloc(n, sizeof *r->rank);
    r->accepted = calloc(n, sizeof *r->accepted);
    r->posterior = malloc((sw->factor_count ? sw->factor_count : 1) * 4 * sizeof *r->posterior);
    if (!r->values || !r->replicates || !r->simulated || !r->distance || !r->rank || !r->accepted ||
        !r->posterior) {
        attune_calibration_result_free(r);
        return NULL;
    }
    if (sw->factor_count)
        memcpy(r->values, sw->values, sw->point_count * sw->factor_count * sizeof *r->values);
    return r;
}

int attune_calibration_analyse(const attune_sweep *sw, const char *db_path,
                               attune_calibration_result **out, attune_error *err)
{
    if (sw == NULL || db_path == NULL || out == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, db_path, 0, NULL, "missing argument");
    *out = NULL;
    if (!sw->calibration)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, sw->path, 0, NULL,
                           "a sweep file, not a calibration file");
    size_t R = (size_t)sw->replicates, P = ATTUNE_TARGET_PART_COUNT;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        int rc = db_error(err, db, db_path, "cannot open the calibration's database");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    attune_calibration_result *r = result_new(sw);
    double *vals = malloc((sw->point_count * P * R + 1) * sizeof *vals);
    int rc = r && vals ? ATTUNE_OK
                       : attune_fail(err, ATTUNE_ERR_NOMEM, db_path, 0, NULL, "out of memory");
    if (rc == ATTUNE_OK)
        rc = check_plan(db, sw, db_path, err);
    if (rc == ATTUNE_OK) {
        for (size_t i = 0; i < sw->point_count * P * R; i++)
            vals[i] = NAN;
        rc = read_runs(db, sw, vals, r->replicates, db_path, err);
    }
    for (size_t p = 0; rc == ATTUNE_OK && p < sw->point_count; p++) {
        for (size_t k = 0; k < r->part_count; k++) {
            size_t part = (size_t)r->parts[k];
            attune_target_result t;
            rc = attune_target_combine(part, &vals[(p * P + part) * R], NULL, NULL, R, &t);
            r->simulated[p * r->part_count + k] = t.simulated;
        }
        r->distance[p] = abc_distance(&r->simulated[p * r->part_count], r->parts, r->part_count);
    }
    if (rc == ATTUNE_OK) {
        r->accepted_count = abc_accept(r->distance, r->point_count, r->accept, r->epsilon, r->rank,
                                       r->accepted, &r->threshold, &r->best);
        for (size_t p = 0; p < r->point_count; p++)
            r->scored += r->rank[p] > 0;
        posterior(sw, r);
        if (store(db, sw, r) != 0)
            rc = db_error(err, db, db_path, "cannot store the analysis");
    }
    free(vals);
    sqlite3_close(db);
    if (rc != ATTUNE_OK) {
        attune_calibration_result_free(r);
        return rc;
    }
    *out = r;
    return ATTUNE_OK;
}

/* A CSV field: quoted when it holds a comma or a quote. */
static void csv_text(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int attune_calibration_write_csv(const attune_sweep *sw, const attune_calibration_result *r,
                                 const char *path, attune_error *err)
{
    if (sw == NULL || r == NULL || path == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, path, 0, NULL, "missing argument");
    atomic_file af;
    int rc = atomic_open(&af, path, err);
    if (rc != ATTUNE_OK)
        return rc;
    fputs("rank,point_id,distance,replicates", af.f);
    for (size_t f = 0; f < r->factor_count; f++) {
        fputc(',', af.f);
        csv_text(af.f, sw->factors[f].key);
    }
    for (size_t k = 0; k < r->part_count; k++)
        fprintf(af.f, ",%s", attune_target_at((size_t)r->parts[k])->id);
    fputc('\n', af.f);
    size_t *order = malloc((r->accepted_count ? r->accepted_count : 1) * sizeof *order);
    if (order == NULL) {
        atomic_abort(&af);
        return attune_fail(err, ATTUNE_ERR_NOMEM, path, 0, NULL, "out of memory");
    }
    for (size_t p = 0; p < r->point_count; p++)
        if (r->accepted[p] && r->rank[p] >= 1 && r->rank[p] <= r->accepted_count)
            order[r->rank[p] - 1] = p;
    for (size_t k = 0; k < r->accepted_count; k++) {
        size_t p = order[k];
        fprintf(af.f, "%zu,%zu,%.9g,%d", k + 1, p, r->distance[p], r->replicates[p]);
        for (size_t f = 0; f < r->factor_count; f++)
            fprintf(af.f, ",%.9g", r->values[p * r->factor_count + f]);
        for (size_t j = 0; j < r->part_count; j++)
            fprintf(af.f, ",%.9g", r->simulated[p * r->part_count + j]);
        fputc('\n', af.f);
    }
    free(order);
    rc = atomic_check(&af, err);
    if (rc != ATTUNE_OK) {
        atomic_abort(&af);
        return rc;
    }
    return atomic_commit(&af, err);
}
