/*
 * Validation against published patterns (docs/validation.md): the targets
 * T1 to T5, each split into parts (one number each), the statistics of one run that estimate
 * them, and `attune_validate`, which runs replicates of a scenario and compares the mean of
 * each part over replicates, with its 95% t interval, with the target's tolerance.
 *
 * Lifecycle of the statistics of one run:
 *     attune_validation_observer_create -> attune_validation_observe (after init and after
 *     every week) -> attune_validation_finish (at the end) -> attune_validation_observer_free
 */
#ifndef ATTUNE_VALIDATION_H
#define ATTUNE_VALIDATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attune/attune.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Parts of the targets T1..T5 (T1: four infant classes, T2: three adult classes, T3: two
 * shares and an odds ratio, T4: two doses, T5: one correlation). */
#define ATTUNE_TARGET_PART_COUNT 13

/** One part of a target: a single number with its pass band. */
typedef struct attune_target_info {
    const char *id;      /**< e.g. "T1.secure" */
    const char *target;  /**< "T1" ... "T5" */
    const char *pattern; /**< the published pattern, in words */
    const char *measure; /**< what the simulation measures, in words */
    double value;        /**< the published value (an odds ratio: the band's geometric middle) */
    double tolerance;    /**< passes when |simulated - value| <= tolerance; for an odds ratio a
                              factor: value / tolerance <= simulated <= value x tolerance */
    bool geometric;      /**< an odds ratio: on the log scale (replicates, band, distance) */
    const char *source;  /**< the publication */
} attune_target_info;

/** Number of parts (ATTUNE_TARGET_PART_COUNT) and part i, in the order T1..T5. O(1). */
size_t attune_target_count(void);
const attune_target_info *attune_target_at(size_t i);

/** Index of the part with id `id` ("T3.coping_or"), or -1. O(parts). */
int attune_target_find(const char *id);

/** Distance of a simulated value from the target in units of its tolerance: (simulated -
 * value) / tolerance, or log(simulated / value) / log(tolerance) for an odds ratio; |distance|
 * <= 1 passes. NaN when `simulated` is not a (positive, for an odds ratio) number. O(1). */
double attune_target_distance(const attune_target_info *target, double simulated);

/** The pass band [low, high] of a part. O(1). */
void attune_target_band(const attune_target_info *target, double *low, double *high);

/** Reliability of well-being used by the reliable change index of T4 (docs/validation.md). */
#define ATTUNE_RCI_RELIABILITY 0.85

/*
 * The steady state. The targets describe a population in a steady state, so a validation also
 * judges whether its runs reached one: for each indicator (a column of metrics.csv) the yearly
 * means (blocks of 52 weeks: weeks 52k+1 to 52k+52 make year k) of the last
 * ATTUNE_DRIFT_WINDOW_YEARS complete years of a run, or of the last half of its complete years
 * if that is fewer, are fitted with a straight line; its slope a decade (10 such years; of the
 * logarithm for a relative indicator) is the run's drift. A run of fewer than
 * 2 x ATTUNE_DRIFT_MIN_YEARS complete years has no drift. Over replicates an indicator is
 * steady when the 95% interval of the mean drift lies within +-tolerance (an equivalence test:
 * replicates that drift apart are not steady) (docs/validation.md).
 */
#define ATTUNE_DRIFT_COUNT        6
#define ATTUNE_DRIFT_WINDOW_YEARS 20
#define ATTUNE_DRIFT_MIN_YEARS    5

/** One indicator of a steady state. */
typedef struct attune_drift_info {
    const char *id;      /**< its column of metrics.csv, e.g. "distress_share" */
    const char *measure; /**< what it is, in words */
    double tolerance;    /**< steady when the interval of the drift a decade lies within it */
    bool relative;       /**< drift of the logarithm: relative change a decade */
} attune_drift_info;

/** Number of indicators (ATTUNE_DRIFT_COUNT) and indicator i. O(1). */
size_t attune_drift_count(void);
const attune_drift_info *attune_drift_at(size_t i);

/**
 * Drift a decade of `years` yearly means y[0..years-1]: 10 x the least-squares slope of y (of
 * log y when `relative`) on the year. NaN when years < 2, or when `relative` and a mean is not
 * positive. O(years).
 */
double attune_drift_per_decade(const double *y, size_t years, bool relative);

/** The statistics of one run: one value per part, NaN when the run gives no data for it. */
typedef struct attune_validation_stats {
    double value[ATTUNE_TARGET_PART_COUNT];
    double n[ATTUNE_TARGET_PART_COUNT];         /**< infants, people or courses behind it */
    const char *note[ATTUNE_TARGET_PART_COUNT]; /**< why a value is NaN (static), or NULL */
    double drift[ATTUNE_DRIFT_COUNT]; /**< drift a decade of each indicator; NaN if too short */
    double level[ATTUNE_DRIFT_COUNT]; /**< mean of each indicator over the drift's window */
    int drift_years;                  /**< years of the window (0: the run is too short) */
} attune_validation_stats;

typedef struct attune_validation_observer attune_validation_observer;

/**
 * An observer of one run. Infant assessments and therapy courses count from week `from_week`
 * on (exclusive); a negative `from_week` means half of the model's run.weeks, read at the
 * first call of attune_validation_observe. Returns ATTUNE_ERR_NOMEM, or ATTUNE_ERR_STATE when
 * an indicator of the steady state is not a column of the metrics (a bug).
 */
int attune_validation_observer_create(int32_t from_week, attune_validation_observer **out);

/** Reads the events and metrics of the model's last completed week. Call it after
 * attune_model_init and after every week, from week 1 on (the steady state needs every week of
 * the years it reads; a week seen again is not counted twice). Returns ATTUNE_ERR_NOMEM when
 * its records cannot grow. O(events of the week). */
int attune_validation_observe(attune_validation_observer *observer, const attune_model *model);

/**
 * The statistics of the run: T1 from the infant assessments observed, T2 and T3 from the
 * people alive at the model's current week, T4 and T5 from the therapy events observed, and
 * each indicator's drift and level over the last complete years observed (NaN and
 * drift_years 0 when there are too few). Returns ATTUNE_ERR_NOMEM when a record could not grow
 * while observing. O(people + therapy sessions).
 */
int attune_validation_finish(const attune_validation_observer *observer, const attune_model *model,
                             attune_validation_stats *out);

void attune_validation_observer_free(attune_validation_observer *observer);

/** A part compared with its target over replicates. */
typedef struct attune_target_result {
    const attune_target_info *info;
    double simulated;       /**< mean over replicates (geometric mean for an odds ratio) */
    double ci_low, ci_high; /**< its 95% t interval */
    double distance;        /**< attune_target_distance: |distance| <= 1 passes */
    double n;               /**< mean over replicates of the sample behind each value */
    int replicates;         /**< replicates that gave a value */
    bool passed;
    char note[160]; /**< why it has no value, or which replicates lacked one; or "" */
} attune_target_result;

/**
 * Combines the values of part `part` over `count` replicates (NaN values are skipped; `notes`
 * may be NULL or hold each replicate's note) into `out`: mean and 95% t interval (on the log
 * scale for an odds ratio), distance and pass. O(count).
 */
int attune_target_combine(size_t part, const double *values, const double *n,
                          const char *const *notes, size_t count, attune_target_result *out);

/** An indicator of a steady state over replicates. */
typedef struct attune_drift_result {
    const attune_drift_info *info;
    double drift;           /**< mean over replicates of the drift a decade */
    double ci_low, ci_high; /**< its 95% t interval */
    double level;           /**< mean over replicates of the indicator over the window */
    int years;              /**< the window, in years (the shortest over replicates; 0: runs
                                 too short to judge) */
    int replicates;         /**< replicates that gave a drift */
    bool steady;            /**< -tolerance <= ci_low and ci_high <= tolerance */
    char note[160];         /**< why there is no drift (or no interval), or "" */
} attune_drift_result;

/** Combines one indicator's drifts and levels over `count` replicates (`years` holds each
 * replicate's window, 0 when too short; NaN drifts are skipped) into `out`: mean drift with its
 * 95% t interval, mean level, the shortest window, steady or not, and a note. Returns
 * ATTUNE_ERR_ARGUMENT for an unknown indicator or missing arrays, ATTUNE_ERR_NOMEM. O(count). */
int attune_drift_combine(size_t indicator, const double *drift, const double *level,
                         const int *years, size_t count, attune_drift_result *out);

/** Called after every week of every replicate; a non-zero return stops the validation. */
typedef int (*attune_validate_progress)(int replicate, int replicates, int32_t week, int32_t weeks,
                                        void *user);

typedef struct attune_validate_options {
    int replicates;      /**< at least 2 */
    int threads;         /**< OpenMP threads of each run (0: the default) */
    int32_t weeks;       /**< weeks of each run; 0: the scenario's run.weeks */
    uint64_t first_seed; /**< replicate r has run.seed = first_seed + r */
    attune_validate_progress progress;
    void *user;
} attune_validate_options;

/**
 * Runs `replicates` runs of `scenario` (NULL: the built-in default) and compares each part
 * with its target. Writes a malloc'd array of ATTUNE_TARGET_PART_COUNT results (the caller
 * frees it) and, if `drift` is not NULL, a malloc'd array of ATTUNE_DRIFT_COUNT indicators of
 * the steady state (the caller frees it). A part that fails, or a run that does not reach a
 * steady state, is a result, not an error. Stopped by `progress`: returns ATTUNE_ERR_STATE.
 * O(replicates x weeks x (people + ties)).
 */
int attune_validate(const attune_scenario *scenario, const attune_validate_options *options,
                    attune_target_result **results, attune_drift_result **drift, attune_error *err);

#ifdef __cplusplus
}
#endif

#endif
