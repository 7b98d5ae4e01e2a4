/*
 * Design points of a sweep. Every design works in the unit cube and maps each coordinate u
 * to a factor's value: min + u (max - min), or geometrically on a log scale; an integer
 * parameter's whole numbers min .. max each take an equal share of [0, 1]. Random choices (Latin
 * hypercube strata, Morris starts and orders) come from Philox keyed by the master seed, so a sweep
 * file always gives the same points.
 *
 *   grid:   every combination of the factors' values, the last factor varying fastest.
 *   lhs:    N points; each factor's range cut into N strata, one point in each (McKay 1979).
 *   sobol:  Saltelli's scheme: matrices A and B from the first and second halves of a
 *           2k-dimensional Sobol sequence (GSL, first point skipped), then for each factor i
 *           the matrix AB_i = A with column i from B: N (k + 2) points (Saltelli et al. 2010).
 *   morris: r trajectories of k + 1 points on a p-level grid; each step moves one factor, in
 *           random order, by delta = p / (2 (p - 1)) (Morris 1991).
 */
#include <gsl/gsl_qrng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rng.h"
#include "engine/scenario_internal.h"
#include "experiments/sweep_internal.h"

/* Philox stream of the design's random choices (far from the model's streams). */
#define STREAM_SWEEP_DESIGN 200
#define STREAM_SWEEP_SEEDS  201

/* Relative slack against rounding when a coordinate falls on a boundary between two whole
 * numbers (a Morris level of 2/3 times 3 may come out just below 2). */
#define INTEGER_SLACK 1e-12

static double unit_to_value(const sweep_factor *f, double u)
{
    double v;
    if (f->integer) {
        /* The whole numbers min .. max (sweep_spec.c makes the ends whole) cut [0, 1] into
         * equal cells, so each is equally likely: rounding min + u (max - min) would give the
         * two ends half the weight of the others. On a log scale the number k has the share
         * of [k, k + 1) in the log range [min, max + 1). */
        double count = f->max - f->min + 1;
        v = f->log_scale ? floor(exp(log(f->min) + u * (log(f->max + 1) - log(f->min))) *
                                 (1 + INTEGER_SLACK))
                         : f->min + floor(u * count * (1 + INTEGER_SLACK) + INTEGER_SLACK);
    } else {
        v = f->log_scale ? exp(log(f->min) + u * (log(f->max) - log(f->min)))
                         : f->min + u * (f->max - f->min);
    }
    if (v < f->min)
        v = f->min;
    if (v > f->max)
        v = f->max;
    return v;
}

static int allocate(attune_sweep *sw, size_t points, attune_error *err)
{
    if (points == 0 || points > SWEEP_MAX_POINTS ||
        points * (size_t)sw->replicates > SWEEP_MAX_RUNS)
        return attune_fail(err, ATTUNE_ERR_RANGE, sw->path, 0, NULL,
                           "the design has %zu points x %d replicates; at most %d points and %d "
                           "runs are allowed",
                           points, sw->replicates, SWEEP_MAX_POINTS, SWEEP_MAX_RUNS);
    sw->points = calloc(points, sizeof *sw->points);
    sw->values = calloc(points * sw->factor_count, sizeof *sw->values);
    if (sw->points == NULL || sw->values == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, sw->path, 0, NULL, "out of memory");
    sw->point_count = points;
    for (size_t p = 0; p < points; p++) {
        sw->points[p].sample = -1;
        sw->points[p].step = -1;
        sw->points[p].factor = -1;
    }
    return ATTUNE_OK;
}

static int build_grid(attune_sweep *sw, attune_error *err)
{
    size_t points = 1;
    for (size_t f = 0; f < sw->factor_count; f++) {
        points *= sw->factors[f].value_count;
        if (points > SWEEP_MAX_POINTS)
            break;
    }
    int rc = allocate(sw, points, err);
    if (rc != ATTUNE_OK)
        return rc;
    for (size_t p = 0; p < points; p++) {
        size_t rest = p;
        for (size_t f = sw->factor_count; f-- > 0;) {
            const sweep_factor *x = &sw->factors[f];
            sw->values[p * sw->factor_count + f] = x->values[rest % x->value_count];
            rest /= x->value_count;
        }
    }
    return ATTUNE_OK;
}

static int build_lhs(attune_sweep *sw, attune_error *err)
{
    size_t n = sw->samples, k = sw->factor_count;
    int rc = allocate(sw, n, err);
    if (rc != ATTUNE_OK)
        return rc;
    uint32_t *strata = malloc(n * sizeof *strata);
    if (strata == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, sw->path, 0, NULL, "out of memory");
    rng_key key = rng_key_from_seed(sw->seed);
    for (size_t f = 0; f < k; f++) {
        rng_seq seq = rng_seq_start(key, RNG_WEEK_INIT, STREAM_SWEEP_DESIGN, (uint32_t)f);
        for (size_t i = 0; i < n; i++)
            strata[i] = (uint32_t)i;
        for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
            size_t j = rng_below(rng_seq_next(&seq), (uint32_t)(i + 1));
            uint32_t t = strata[i];
            strata[i] = strata[j];
            strata[j] = t;
        }
        for (size_t p = 0; p < n; p++) {
            double u = ((double)strata[p] + rng_seq_u01(&seq)) / (double)n;
            sw->values[p * k + f] = unit_to_value(&sw->factors[f], u);
        }
    }
    free(strata);
    return ATTUNE_OK;
}

static int build_sobol(attune_sweep *sw, attune_error *err)
{
    size_t n = sw->samples, k = sw->factor_count;
    int rc = allocate(sw, n * (k + 2), err);
    if (rc != ATTUNE_OK)
        return rc;
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * k));
    if (q == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, sw->path, 0, NULL, "out of memory");
    double u[2 * SWEEP_MAX_FACTORS];
    gsl_qrng_get(q, u); /* the first point is the origin: skipped */
    for (size_t j = 0; j < n; j++) {
        gsl_qrng_get(q, u);
        /* Rows of sample j: A, B, AB_0 .. AB_{k-1}, together so a lost run costs one sample. */
        size_t base = j * (k + 2);
        for (size_t r = 0; r < k + 2; r++) {
            sweep_point *pt = &sw->points[base + r];
            pt->sample = (int32_t)j;
            pt->block = r == 0 ? BLOCK_A : r == 1 ? BLOCK_B : BLOCK_AB;
            pt->factor = r >= 2 ? (int32_t)(r - 2) : -1;
            for (size_t f = 0; f < k; f++) {
                double a = u[f], b = u[k + f];
                double x = r == 1 ? b : (r >= 2 && f == r - 2) ? b : a;
                sw->values[(base + r) * k + f] = unit_to_value(&sw->factors[f], x);
            }
        }
    }
    gsl_qrng_free(q);
    return ATTUNE_OK;
}

static int build_morris(attune_sweep *sw, attune_error *err)
{
    size_t r = sw->samples, k = sw->factor_count;
    int p = sw->levels;
    sw->morris_delta = (double)p / (2.0 * (double)(p - 1));
    int rc = allocate(sw, r * (k + 1), err);
    if (rc != ATTUNE_OK)
        return rc;
    rng_key key = rng_key_from_seed(sw->seed);
    double x[SWEEP_MAX_FACTORS];
    int8_t sign[SWEEP_MAX_FACTORS];
    uint32_t order[SWEEP_MAX_FACTORS];
    for (size_t t = 0; t < r; t++) {
        rng_seq seq = rng_seq_start(key, RNG_WEEK_INIT, STREAM_SWEEP_DESIGN, (uint32_t)(1000 + t));
        /* A start on the grid {0, 1/(p-1), ..., 1} from which every move stays in [0, 1]:
         * levels 0 .. p/2 - 1 moving up, or p/2 .. p - 1 moving down. */
        for (size_t f = 0; f < k; f++) {
            sign[f] = rng_seq_u01(&seq) < 0.5 ? 1 : -1;
            uint32_t level = rng_below(rng_seq_next(&seq), (uint32_t)(p / 2));
            if (sign[f] < 0)
                level += (uint32_t)(p / 2);
            x[f] = (double)level / (double)(p - 1);
            order[f] = (uint32_t)f;
        }
        for (size_t i = k - 1; i > 0; i--) {
            size_t j = rng_below(rng_seq_next(&seq), (uint32_t)(i + 1));
            uint32_t tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (size_t s = 0; s <= k; s++) {
            size_t point = t * (k + 1) + s;
            sweep_point *pt = &sw->points[point];
            pt->block = BLOCK_MORRIS;
            pt->sample = (int32_t)t;
            pt->step = (int32_t)s;
            if (s > 0) {
                uint32_t f = order[s - 1];
                x[f] += sign[f] * sw->morris_delta;
                if (x[f] < 0) /* rounding only */
                    x[f] = 0;
                if (x[f] > 1)
                    x[f] = 1;
                pt->factor = (int32_t)f;
                pt->sign = sign[f];
            }
            for (size_t f = 0; f < k; f++)
                sw->values[point * k + f] = unit_to_value(&sw->factors[f], x[f]);
        }
    }
    return ATTUNE_OK;
}

int sweep_design_build(attune_sweep *sw, attune_error *err)
{
    switch (sw->design) {
    case DESIGN_GRID: return build_grid(sw, err);
    case DESIGN_LHS: return build_lhs(sw, err);
    case DESIGN_SOBOL: return build_sobol(sw, err);
    case DESIGN_MORRIS: return build_morris(sw, err);
    default: return attune_fail(err, ATTUNE_ERR_INVARIANT, sw->path, 0, NULL, "unknown design");
    }
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; s != NULL && *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

uint64_t attune_sweep_fingerprint(const attune_sweep *sweep)
{
    uint64_t h = fnv1a(UINT64_C(14695981039346656037), sweep->plan);
    return fnv1a(h, attune_build_id());
}

uint64_t attune_sweep_replicate_seed(const attune_sweep *sweep, int replicate)
{
    uint32_t w[4];
    rng_draw4(rng_key_from_seed(sweep->seed), RNG_WEEK_INIT, STREAM_SWEEP_SEEDS,
              (uint32_t)replicate, 0, w);
    /* 53 bits: run.seed's range. */
    return (((uint64_t)w[0] << 32) | w[1]) & ((UINT64_C(1) << 53) - 1);
}
