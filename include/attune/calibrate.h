/*
 * Calibration: fitting varied parameters to target parts of T1..T5 by rejection approximate
 * Bayesian computation over a sweep design (docs/validation.md). A calibration file is a sweep
 * file with a [calibrate] section instead of [sweep]; loaded, it is an attune_sweep whose runs
 * also measure the validation statistics, so the sweep functions run it (resumably, over
 * threads or MPI ranks) into its database. The analysis then scores every design point by its
 * distance to the targets and accepts the nearest.
 *
 * Lifecycle:
 *     attune_calibration_load -> attune_sweep_db_open / _pending / attune_sweep_run /
 *     attune_sweep_db_record (as for sweeps) -> attune_calibration_analyse ->
 *     attune_calibration_write_csv -> attune_calibration_result_free, attune_sweep_free
 */
#ifndef ATTUNE_CALIBRATE_H
#define ATTUNE_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attune/sweep.h"
#include "attune/validation.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Reads a calibration file (INI: [calibrate], [set], [vary KEY]; docs/validation.md).
 * `replicates` > 0 overrides the file's. Errors name the file, line and key, with the nearest
 * valid key or target. The result is a sweep (free it with attune_sweep_free).
 */
int attune_calibration_load(const char *path, int replicates, attune_sweep **out,
                            attune_error *err);

/** Same from `size` bytes; `name` names the file and gives the folder of its base scenario. */
int attune_calibration_load_buffer(const char *text, size_t size, const char *name, int replicates,
                                   attune_sweep **out, attune_error *err);

/** True for a sweep read from a calibration file. */
bool attune_sweep_is_calibration(const attune_sweep *sweep);

/** The scored design points of a calibration. Arrays are indexed by point id. */
typedef struct attune_calibration_result {
    size_t factor_count;                 /**< varied parameters (attune_sweep_factor_name) */
    size_t part_count;                   /**< target parts in the distance */
    int parts[ATTUNE_TARGET_PART_COUNT]; /**< their indices (attune_target_at) */
    double accept, epsilon;              /**< what was accepted: a share, or a distance */
    size_t point_count;
    double *values;    /**< point_count x factor_count: the parameter values of each point */
    int *replicates;   /**< runs of each point done */
    double *simulated; /**< point_count x part_count: mean over its replicates, or NaN */
    double *distance;  /**< root mean square of the parts' (simulated - target) / tolerance,
                            NaN when a part has no value (the point is unscored) */
    uint32_t *rank;    /**< 1 for the nearest point, 2, ...; 0 when unscored */
    bool *accepted;    /**< among the accepted parameter sets */
    size_t scored;     /**< points with a distance */
    size_t accepted_count;
    double threshold;  /**< distance of the farthest accepted point (NaN: none) */
    size_t best;       /**< the point of rank 1, or SIZE_MAX when none is scored */
    double *posterior; /**< factor_count x 4: mean, SD, 2.5% and 97.5% quantiles of the
                            accepted values */
} attune_calibration_result;

/**
 * Scores the design points of calibration `calibration` from the target statistics of its
 * runs in the database at `db_path` (the runs done so far), accepts the nearest points (the
 * file's `accept` share of the scored points, at least one, or every point within `epsilon`)
 * and records the scores in the database's tables calibration, fit and fit_parts (replacing
 * an earlier analysis). O(runs x parts + points log points).
 */
int attune_calibration_analyse(const attune_sweep *calibration, const char *db_path,
                               attune_calibration_result **out, attune_error *err);

/**
 * Writes the accepted parameter sets as CSV, nearest first, atomically: rank, point_id,
 * distance, replicates, one column per varied parameter, then the simulated value of each
 * target part. O(accepted x (factors + parts)).
 */
int attune_calibration_write_csv(const attune_sweep *calibration,
                                 const attune_calibration_result *result, const char *path,
                                 attune_error *err);

void attune_calibration_result_free(attune_calibration_result *result);

#ifdef __cplusplus
}
#endif

#endif
