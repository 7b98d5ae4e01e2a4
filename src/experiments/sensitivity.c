/*
 * Sensitivity indices from a sweep database.
 *
 * The output of a design point is the mean over its completed replicates of one summary
 * (`final` or `mean_last_year`) of one metric.
 *
 * Morris (Morris 1991; Campolongo et al. 2007): each step of a trajectory moves one factor
 * by +-delta in unit space; its elementary effect is (y_after - y_before) / (+-delta).
 * mu* = mean |EE|, mu = mean EE, sigma = SD of EE (n - 1), over complete trajectories.
 *
 * Sobol (Saltelli et al. 2010, Table 2): with f_A, f_B, f_ABi over N base samples and V the
 * variance of f_A and f_B together: S1_i = mean(f_B (f_ABi - f_A)) / V (Saltelli 2010) and
 * ST_i = mean((f_A - f_ABi)^2) / (2 V) (Jansen 1999).
 *
 * Confidence intervals: percentile bootstrap over trajectories or base samples, resamples
 * drawn from Philox with the given seed (deterministic).
 */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rng.h"
#include "engine/scenario_internal.h"
#include "experiments/sweep_internal.h"

#define STREAM_BOOTSTRAP 202

typedef struct point_row {
    int block;
    int sample, step, factor, sign;
    double y;
    int present;
} point_row;

typedef struct sweep_data {
    int design;
    size_t factor_count;
    char (*factors)[128];
    double delta;
    size_t point_count;
    point_row *points;
    size_t samples; /* largest sample index + 1 */
} sweep_data;

static int block_index(const char *name)
{
    static const char *const names[] = {"grid", "A", "B", "AB", "morris"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

static int query_meta(sqlite3 *db, const char *key, char *out, size_t size)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT value FROM sweep WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

/* Checks that `metric` is a summary of the database; suggests the nearest if not. */
static int check_metric(sqlite3 *db, const char *path, const char *metric, attune_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT metric FROM summary ORDER BY metric", -1, &st,
                           NULL) != SQLITE_OK)
        return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL, "database: %s", sqlite3_errmsg(db));
    char names[64][64];
    const char *list[64];
    size_t n = 0;
    int found = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < 64) {
        snprintf(names[n], sizeof names[n], "%s", (const char *)sqlite3_column_text(st, 0));
        list[n] = names[n];
        found |= strcmp(names[n], metric) == 0;
        n++;
    }
    sqlite3_finalize(st);
    if (found)
        return ATTUNE_OK;
    if (n == 0)
        return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL,
                           "no run of this sweep is done yet: run or resume the sweep first");
    const char *near = attune_nearest_word(metric, list, n);
    char all[2048] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? ", " : "", list[i]);
    return attune_fail(err, ATTUNE_ERR_UNKNOWN_KEY, path, 0, metric,
                       "unknown metric '%s'%s%s%s; the metrics are: %s", metric,
                       near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "", all);
}

static int load_data(sqlite3 *db, const char *path, const char *metric, const char *statistic,
                     sweep_data *d, attune_error *err)
{
    char value[64];
    if (query_meta(db, "design", value, sizeof value) != 0)
        return attune_fail(err, ATTUNE_ERR_CORRUPT, path, 0, NULL, "is not a sweep database");
    d->design = strcmp(value, "sobol") == 0    ? DESIGN_SOBOL
                : strcmp(value, "morris") == 0 ? DESIGN_MORRIS
                                               : -1;
    if (d->design < 0)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, path, 0, NULL,
                           "the sweep's design is %s: sensitivity indices need a sobol or morris "
                           "design",
                           value);
    if (query_meta(db, "morris_delta", value, sizeof value) == 0)
        d->delta = strtod(value, NULL);
    /* A point counts only with every replicate done: the differences between points rest on
     * their sharing the replicates' seeds (common random numbers). */
    long replicates = 1;
    if (query_meta(db, "replicates", value, sizeof value) == 0)
        replicates = strtol(value, NULL, 10);
    if (replicates < 1)
        return attune_fail(err, ATTUNE_ERR_CORRUPT, path, 0, NULL,
                           "the sweep's replicates are not a positive count");
    int rc = check_metric(db, path, metric, err);
    if (rc != ATTUNE_OK)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT name FROM factors ORDER BY factor_id", -1, &st, NULL) !=
        SQLITE_OK)
        return attune_fail(err, ATTUNE_ERR_CORRUPT, path, 0, NULL, "database: %s",
                           sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW && d->factor_count < SWEEP_MAX_FACTORS) {
        char(*f)[128] = realloc(d->factors, (d->factor_count + 1) * sizeof *f);
        if (f == NULL) {
            sqlite3_finalize(st);
            return attune_fail(err, ATTUNE_ERR_NOMEM, path, 0, NULL, "out of memory");
        }
        d->factors = f;
        snprintf(f[d->factor_count++], 128, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT p.point_id, p.block, p.sample, p.step, p.factor_id, p.sign, avg(s.%s), "
             "count(s.%s) FROM points p LEFT JOIN runs r ON r.point_id = p.point_id AND "
             "r.status = 'done' LEFT JOIN summary s ON s.run_id = r.run_id AND s.metric = ? "
             "GROUP BY p.point_id ORDER BY p.point_id",
             statistic, statistic);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return attune_fail(err, ATTUNE_ERR_CORRUPT, path, 0, NULL, "database: %s",
                           sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, metric, -1, SQLITE_STATIC);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (d->point_count == cap) {
            cap = cap ? 2 * cap : 1024;
            point_row *p = realloc(d->points, cap * sizeof *p);
            if (p == NULL) {
                sqlite3_finalize(st);
                return attune_fail(err, ATTUNE_ERR_NOMEM, path, 0, NULL, "out of memory");
            }
            d->points = p;
        }
        point_row *p = &d->points[d->point_count++];
        p->block = block_index((const char *)sqlite3_column_text(st, 1));
        p->sample = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2);
        p->step = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 3);
        p->factor = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 4);
        p->sign = sqlite3_column_type(st, 5) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 5);
        p->present =
            sqlite3_column_int(st, 7) == replicates && sqlite3_column_type(st, 6) != SQLITE_NULL;
        p->y = p->present ? sqlite3_column_double(st, 6) : NAN;
        if (p->sample >= 0 && (size_t)p->sample + 1 > d->samples)
            d->samples = (size_t)p->sample + 1;
        if (p->factor >= (int)d->factor_count || (p->block == BLOCK_AB && p->factor < 0) ||
            (p->block == BLOCK_MORRIS && p->step > 0 && (p->factor < 0 || p->sign == 0))) {
            sqlite3_finalize(st);
            return attune_fail(err, ATTUNE_ERR_CORRUPT, path, 0, NULL,
                               "point %zu of the design is inconsistent", d->point_count - 1);
        }
    }
    sqlite3_finalize(st);
    return ATTUNE_OK;
}

/* 2.5% and 97.5% percentiles of the finite values of `x` (reordered in place): a resample
 * without variance has no index and is left out; none finite gives NaN. */
static void percentile_ci(double *x, size_t n, double *lo, double *hi)
{
    size_t finite = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            x[finite++] = x[i];
    n = finite;
    if (n == 0) {
        *lo = *hi = NAN;
        return;
    }
    gsl_sort(x, 1, n);
    *lo = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.025);
    *hi = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.975);
}

static uint32_t draw_index(rng_key key, int resample, size_t i, size_t n)
{
    uint32_t w[4];
    rng_draw4(key, RNG_WEEK_INIT, STREAM_BOOTSTRAP, (uint32_t)resample, (uint32_t)i, w);
    return rng_below(w[0], (uint32_t)n);
}

/* ---- Morris ---- */

/* ee[t * k + f]: elementary effect of factor f in complete trajectory t. */
static void morris_stats(const double *ee, const uint32_t *pick, size_t n, size_t k, size_t f,
                         double *mu_star, double *mu, double *sigma)
{
    double s = 0, sa = 0, s2 = 0;
    for (size_t t = 0; t < n; t++) {
        double e = ee[(pick ? pick[t] : t) * k + f];
        s += e;
        sa += fabs(e);
    }
    *mu = s / (double)n;
    *mu_star = sa / (double)n;
    for (size_t t = 0; t < n; t++) {
        double e = ee[(pick ? pick[t] : t) * k + f] - *mu;
        s2 += e * e;
    }
    *sigma = n > 1 ? sqrt(s2 / (double)(n - 1)) : NAN;
}

static int morris(const sweep_data *d, attune_sensitivity_result *r, rng_key key)
{
    size_t k = d->factor_count, n = 0;
    double *ee = malloc((d->samples ? d->samples : 1) * k * sizeof *ee);
    uint32_t *pick = malloc((d->samples ? d->samples : 1) * sizeof *pick);
    double *boot = malloc((size_t)(r->bootstrap ? r->bootstrap : 1) * sizeof *boot);
    if (ee == NULL || pick == NULL || boot == NULL) {
        free(ee);
        free(pick);
        free(boot);
        return ATTUNE_ERR_NOMEM;
    }
    /* Trajectory t holds points t (k + 1) .. t (k + 1) + k, in step order. */
    for (size_t t = 0; t < d->samples; t++) {
        const point_row *p = &d->points[t * (k + 1)];
        int complete = (t + 1) * (k + 1) <= d->point_count;
        for (size_t s = 0; complete && s <= k; s++)
            complete = p[s].present && p[s].sample == (int)t && p[s].step == (int)s;
        if (!complete) {
            r->incomplete++;
            continue;
        }
        for (size_t s = 1; s <= k; s++)
            ee[n * k + (size_t)p[s].factor] = (p[s].y - p[s - 1].y) / (p[s].sign * d->delta);
        n++;
    }
    r->samples = n;
    for (size_t f = 0; f < k; f++) {
        attune_sensitivity_row *row = &r->rows[f];
        if (n < 2) {
            row->mu_star = row->mu = row->sigma = row->mu_star_low = row->mu_star_high = NAN;
            continue;
        }
        morris_stats(ee, NULL, n, k, f, &row->mu_star, &row->mu, &row->sigma);
        for (int b = 0; b < r->bootstrap; b++) {
            for (size_t t = 0; t < n; t++)
                pick[t] = draw_index(key, b, t, n);
            double mu, sigma;
            morris_stats(ee, pick, n, k, f, &boot[b], &mu, &sigma);
        }
        percentile_ci(boot, (size_t)r->bootstrap, &row->mu_star_low, &row->mu_star_high);
    }
    free(ee);
    free(pick);
    free(boot);
    return ATTUNE_OK;
}

/* ---- Sobol ---- */

typedef struct sobol_columns {
    size_t n, k;
    double *a, *b, *ab; /* ab[i * n + j] */
} sobol_columns;

/* S1 and ST of every factor from the samples `pick` (or all). */
static void sobol_indices(const sobol_columns *c, const uint32_t *pick, double *first,
                          double *total, double *variance)
{
    size_t n = c->n;
    double mean = 0, var = 0;
    for (size_t t = 0; t < n; t++) {
        size_t j = pick ? pick[t] : t;
        mean += c->a[j] + c->b[j];
    }
    mean /= 2.0 * (double)n;
    for (size_t t = 0; t < n; t++) {
        size_t j = pick ? pick[t] : t;
        var += (c->a[j] - mean) * (c->a[j] - mean) + (c->b[j] - mean) * (c->b[j] - mean);
    }
    var /= 2.0 * (double)n - 1.0;
    if (variance != NULL)
        *variance = var;
    for (size_t i = 0; i < c->k; i++) {
        double s1 = 0, st = 0;
        for (size_t t = 0; t < n; t++) {
            size_t j = pick ? pick[t] : t;
            double fa = c->a[j], fb = c->b[j], fab = c->ab[i * c->n + j];
            s1 += (fb - mean) * (fab - fa); /* centred: a constant added to y changes nothing */
            st += (fa - fab) * (fa - fab);
        }
        first[i] = var > 0 ? s1 / (double)n / var : NAN;
        total[i] = var > 0 ? st / (2.0 * (double)n) / var : NAN;
    }
}

static int sobol(const sweep_data *d, attune_sensitivity_result *r, rng_key key)
{
    size_t k = d->factor_count, rows = k + 2;
    sobol_columns c = {0, k, NULL, NULL, NULL};
    size_t cap = d->samples ? d->samples : 1;
    c.a = malloc(cap * sizeof *c.a);
    c.b = malloc(cap * sizeof *c.b);
    c.ab = malloc(cap * k * sizeof *c.ab);
    uint32_t *pick = malloc(cap * sizeof *pick);
    double *boot_first = malloc((size_t)r->bootstrap * k * sizeof(double) + sizeof(double));
    double *boot_total = malloc((size_t)r->bootstrap * k * sizeof(double) + sizeof(double));
    double first[SWEEP_MAX_FACTORS], total[SWEEP_MAX_FACTORS];
    int rc = ATTUNE_OK;
    if (!c.a || !c.b || !c.ab || !pick || !boot_first || !boot_total) {
        rc = ATTUNE_ERR_NOMEM;
        goto done;
    }
    /* Sample j holds points j (k + 2) .. : A, B, AB_0 .. AB_{k-1}. Compact complete ones. */
    size_t n = 0;
    for (size_t j = 0; j < d->samples; j++) {
        const point_row *p = &d->points[j * rows];
        int complete = (j + 1) * rows <= d->point_count;
        for (size_t s = 0; complete && s < rows; s++)
            complete = p[s].present && p[s].sample == (int)j;
        if (!complete || p[0].block != BLOCK_A || p[1].block != BLOCK_B) {
            r->incomplete++;
            continue;
        }
        c.a[n] = p[0].y;
        c.b[n] = p[1].y;
        n++;
    }
    c.n = n;
    n = 0;
    for (size_t j = 0; j < d->samples; j++) {
        const point_row *p = &d->points[j * rows];
        int complete = (j + 1) * rows <= d->point_count;
        for (size_t s = 0; complete && s < rows; s++)
            complete = p[s].present && p[s].sample == (int)j;
        if (!complete || p[0].block != BLOCK_A || p[1].block != BLOCK_B)
            continue;
        for (size_t s = 2; s < rows; s++)
            c.ab[(size_t)p[s].factor * c.n + n] = p[s].y;
        n++;
    }
    r->samples = c.n;
    if (c.n < 2) {
        for (size_t i = 0; i < k; i++) {
            attune_sensitivity_row *row = &r->rows[i];
            row->first = row->first_low = row->first_high = NAN;
            row->total = row->total_low = row->total_high = NAN;
        }
        r->variance = NAN;
        goto done;
    }
    sobol_indices(&c, NULL, first, total, &r->variance);
    for (int b = 0; b < r->bootstrap; b++) {
        for (size_t t = 0; t < c.n; t++)
            pick[t] = draw_index(key, b, t, c.n);
        double f1[SWEEP_MAX_FACTORS], ft[SWEEP_MAX_FACTORS];
        sobol_indices(&c, pick, f1, ft, NULL);
        for (size_t i = 0; i < k; i++) {
            boot_first[i * (size_t)r->bootstrap + (size_t)b] = f1[i];
            boot_total[i * (size_t)r->bootstrap + (size_t)b] = ft[i];
        }
    }
    for (size_t i = 0; i < k; i++) {
        attune_sensitivity_row *row = &r->rows[i];
        row->first = first[i];
        row->total = total[i];
        percentile_ci(boot_first + i * (size_t)r->bootstrap, (size_t)r->bootstrap, &row->first_low,
                      &row->first_high);
        percentile_ci(boot_total + i * (size_t)r->bootstrap, (size_t)r->bootstrap, &row->total_low,
                      &row->total_high);
    }
done:
    free(c.a);
    free(c.b);
    free(c.ab);
    free(pick);
    free(boot_first);
    free(boot_total);
    return rc;
}

int attune_sensitivity(const char *db_path, const char *metric, const char *statistic,
                       int bootstrap, uint64_t seed, attune_sensitivity_result **out,
                       attune_error *err)
{
    if (db_path == NULL || metric == NULL || out == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, db_path, 0, NULL, "missing argument");
    *out = NULL;
    if (statistic == NULL)
        statistic = "mean_last_year";
    if (strcmp(statistic, "mean_last_year") != 0 && strcmp(statistic, "final") != 0)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, db_path, 0, NULL,
                           "statistic is '%s'; expected mean_last_year or final", statistic);
    if (bootstrap < 100 || bootstrap > 100000)
        return attune_fail(err, ATTUNE_ERR_RANGE, db_path, 0, NULL,
                           "bootstrap is %d, outside its range [100, 100000]", bootstrap);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        int rc = attune_fail(err, ATTUNE_ERR_IO, db_path, 0, NULL, "cannot open: %s",
                             db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    sweep_data d = {0};
    int rc = load_data(db, db_path, metric, statistic, &d, err);
    sqlite3_close(db);
    attune_sensitivity_result *r = NULL;
    if (rc == ATTUNE_OK) {
        r = calloc(1, sizeof *r);
        if (r != NULL)
            r->rows = calloc(d.factor_count ? d.factor_count : 1, sizeof *r->rows);
        if (r == NULL || r->rows == NULL)
            rc = attune_fail(err, ATTUNE_ERR_NOMEM, db_path, 0, NULL, "out of memory");
    }
    if (rc == ATTUNE_OK) {
        snprintf(r->design, sizeof r->design, "%s", d.design == DESIGN_SOBOL ? "sobol" : "morris");
        snprintf(r->metric, sizeof r->metric, "%s", metric);
        snprintf(r->statistic, sizeof r->statistic, "%s", statistic);
        r->bootstrap = bootstrap;
        r->factor_count = d.factor_count;
        r->variance = NAN;
        for (size_t f = 0; f < d.factor_count; f++) {
            attune_sensitivity_row *row = &r->rows[f];
            snprintf(row->factor, sizeof row->factor, "%s", d.factors[f]);
            row->mu_star = row->mu_star_low = row->mu_star_high = row->mu = row->sigma = NAN;
            row->first = row->first_low = row->first_high = NAN;
            row->total = row->total_low = row->total_high = NAN;
        }
        rng_key key = rng_key_from_seed(seed);
        rc = d.design == DESIGN_SOBOL ? sobol(&d, r, key) : morris(&d, r, key);
        if (rc != ATTUNE_OK)
            attune_fail(err, rc, db_path, 0, NULL, "out of memory");
    }
    free(d.factors);
    free(d.points);
    if (rc != ATTUNE_OK) {
        attune_sensitivity_free(r);
        return rc;
    }
    *out = r;
    return ATTUNE_OK;
}

void attune_sensitivity_free(attune_sensitivity_result *result)
{
    if (result == NULL)
        return;
    free(result->rows);
    free(result);
}
