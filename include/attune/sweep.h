/*
 * Sweeps: many runs of one base scenario with some parameters varied by a design (full grid,
 * Latin hypercube, Sobol/Saltelli sample, Morris trajectories), each design point run for a
 * number of replicate seeds; results in one SQLite database; sensitivity indices from it.
 * See docs/sweeps.md for the sweep file and docs/sweep-database.md for the schema.
 *
 * Lifecycle:
 *     attune_sweep_load -> attune_sweep_db_open -> attune_sweep_db_pending
 *     for each pending run: attune_sweep_run -> attune_sweep_db_record
 *     attune_sweep_db_close, attune_sweep_free
 * attune_sweep_run is pure: a run's result depends only on the sweep and the run's index, so
 * runs can be spread over threads, processes or machines in any order (the CLI uses MPI).
 */
#ifndef ATTUNE_SWEEP_H
#define ATTUNE_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attune/attune.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct attune_sweep attune_sweep;

/**
 * Reads a sweep file (INI; see docs/sweeps.md). `replicates` > 0 overrides the file's
 * `replicates`. The base scenario is read relative to the sweep file's folder. Errors name
 * the file, line and key, as for scenarios: unknown key (with the nearest), a varied parameter
 * that does not exist, a range outside the parameter's own, a design that needs other keys.
 */
int attune_sweep_load(const char *path, int replicates, attune_sweep **out, attune_error *err);

/** Same as attune_sweep_load from `size` bytes; `name` names the file in messages and gives
 * the folder against which the base scenario's path is resolved. */
int attune_sweep_load_buffer(const char *text, size_t size, const char *name, int replicates,
                             attune_sweep **out, attune_error *err);

void attune_sweep_free(attune_sweep *sweep);

/** "grid", "lhs", "sobol" or "morris". */
const char *attune_sweep_design(const attune_sweep *sweep);

/** Design points, runs (points x replicates), varied factors. O(1). */
size_t attune_sweep_point_count(const attune_sweep *sweep);
size_t attune_sweep_run_count(const attune_sweep *sweep);
size_t attune_sweep_factor_count(const attune_sweep *sweep);
const char *attune_sweep_factor_name(const attune_sweep *sweep, size_t factor);

/**
 * Memory the largest run of the sweep is estimated to need (attune_model_memory_estimate of
 * each point's scenario), in bytes; 0 for a sweep of a test function. O(points).
 */
uint64_t attune_sweep_memory_estimate(const attune_sweep *sweep);

/** A 64-bit fingerprint (FNV-1a) of everything the runs depend on (the plan: sweep file, base
 * scenario, replicates) and of the build (attune_build_id): processes that would run different
 * runs (MPI ranks given different files or binaries) have different fingerprints. */
uint64_t attune_sweep_fingerprint(const attune_sweep *sweep);

/** Seed of a replicate: derived from the master seed alone (the same for every point). */
uint64_t attune_sweep_replicate_seed(const attune_sweep *sweep, int replicate);

/** The result of one run: its weekly metrics (or the test function's value) and timing. */
typedef struct attune_sweep_result {
    uint32_t run_id;
    int status;          /**< ATTUNE_OK, or the error code of a failed run */
    char error[512];     /**< why it failed, or "" */
    char started_at[32]; /**< UTC, ISO 8601 */
    double wall_seconds; /**< time the run took */
    size_t columns;      /**< values per row: attune_metric_count(), or 1 (test function) */
    size_t rows;         /**< weeks + 1 (week 0 first), or 1 (test function) */
    int32_t weeks;       /**< weeks simulated: rows - 1 for a run done, those before it
                              stopped for a failed one (0 if it failed before its first week);
                              -1 when unknown and for a test function */
    double *values;      /**< rows x columns, row-major */
    size_t stat_count;   /**< calibrations: 2 x ATTUNE_TARGET_PART_COUNT; 0 otherwise */
    double *stats;       /**< the run's target statistics (attune/validation.h): every part's
                              value, then every part's n; NaN where it has none */
} attune_sweep_result;

/**
 * Runs run `run_id` (0 .. run_count-1) with `threads` OpenMP threads (0: the default) and
 * writes a malloc'd result (free with attune_sweep_result_free). A run that fails gives a
 * result with its status and message; the return value is an error only when no result
 * could be made. If `stop` becomes non-zero the run ends early with ATTUNE_ERR_STATE.
 */
int attune_sweep_run(const attune_sweep *sweep, uint32_t run_id, int threads,
                     const volatile int *stop, attune_sweep_result **out, attune_error *err);

void attune_sweep_result_free(attune_sweep_result *result);

/** Serialises a result into a malloc'd buffer (to send it to another process). */
int attune_sweep_result_pack(const attune_sweep_result *result, unsigned char **buf, size_t *size);

/** Reads a buffer made by attune_sweep_result_pack; checks its length and shape. */
int attune_sweep_result_unpack(const unsigned char *buf, size_t size, attune_sweep_result **out);

/* ----------------------------------------------------------------------------------------
 * The results database (SQLite)
 * -------------------------------------------------------------------------------------- */

typedef struct attune_sweep_db attune_sweep_db;

/** Flags of attune_sweep_db_open, or-ed together. */
enum attune_sweep_db_flags {
    ATTUNE_SWEEP_DB_FORCE = 1,       /**< replace a database that holds another sweep */
    ATTUNE_SWEEP_DB_OTHER_BUILD = 2, /**< resume a database made by another build */
};

/**
 * Opens the database of `sweep` at `path`. A new database is built under a temporary name
 * with the plan (sweep, factors, points, runs all 'pending') and the build that made it
 * (attune_build_id), and renamed into place. An existing database of the same sweep made by
 * this build is resumed: `*done` receives the runs already done. One of another sweep is
 * refused (ATTUNE_ERR_EXISTS) unless `flags` has ATTUNE_SWEEP_DB_FORCE, which replaces it. One
 * made by another build (or by one that did not record its build) is refused
 * (ATTUNE_ERR_EXISTS): its runs and this build's would mix two versions of the model; with
 * ATTUNE_SWEEP_DB_OTHER_BUILD it is resumed and this build is added to its key other_builds.
 */
int attune_sweep_db_open(const attune_sweep *sweep, const char *path, unsigned flags,
                         attune_sweep_db **out, size_t *done, attune_error *err);

/** The runs not yet done, ascending, in a malloc'd array. */
int attune_sweep_db_pending(attune_sweep_db *db, uint32_t **runs, size_t *count, attune_error *err);

/**
 * Stores one result in one transaction: the run's status and timing, its weekly series and
 * summaries (final value and mean over the last 52 weeks of every metric). `host` and `rank`
 * say where it ran. A run recorded twice keeps the first record.
 */
int attune_sweep_db_record(attune_sweep_db *db, const attune_sweep_result *result, const char *host,
                           int rank, attune_error *err);

void attune_sweep_db_close(attune_sweep_db *db);

/* ----------------------------------------------------------------------------------------
 * Sensitivity analysis
 * -------------------------------------------------------------------------------------- */

/** Indices of one factor. Morris fields are NaN for a Sobol design and the reverse. */
typedef struct attune_sensitivity_row {
    char factor[128];
    double mu_star, mu_star_low, mu_star_high; /**< Morris: mean |elementary effect|, 95% CI */
    double mu, sigma;                          /**< Morris: mean and SD of elementary effects */
    double first, first_low, first_high;       /**< Sobol first-order index S1, 95% CI */
    double total, total_low, total_high;       /**< Sobol total index ST, 95% CI */
} attune_sensitivity_row;

typedef struct attune_sensitivity_result {
    char design[16]; /**< "morris" or "sobol" */
    char metric[64];
    char statistic[32];
    size_t samples;    /**< complete trajectories (Morris) or base samples (Sobol) used */
    size_t incomplete; /**< trajectories or samples left out for a missing run */
    double variance;   /**< variance of the output over the A and B samples (Sobol) */
    int bootstrap;     /**< resamples behind the confidence intervals */
    size_t factor_count;
    attune_sensitivity_row *rows;
} attune_sensitivity_result;

/**
 * Computes Morris mu*, mu and sigma, or Sobol first-order (Saltelli 2010) and total (Jansen)
 * indices, of summary `metric` with `statistic` "mean_last_year" or "final", averaged over
 * replicates, from the sweep database at `db_path`. Confidence intervals are bootstrap
 * percentile intervals over trajectories or base samples (`bootstrap` resamples, seed
 * `seed`).
 */
int attune_sensitivity(const char *db_path, const char *metric, const char *statistic,
                       int bootstrap, uint64_t seed, attune_sensitivity_result **out,
                       attune_error *err);

void attune_sensitivity_free(attune_sensitivity_result *result);

#ifdef __cplusplus
}
#endif

#endif
