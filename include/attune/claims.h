/*
 * Claim experiments: each claim of the essay as an experiment with arms (scenario files),
 * replicates and 95% confidence intervals. See docs/claims.md.
 */
#ifndef ATTUNE_CLAIMS_H
#define ATTUNE_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>

#include "attune/attune.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One tested quantity of a claim. */
typedef struct attune_claim_part {
    char id[24];            /**< e.g. "C1.caregivers.self_worth" */
    char measure[160];      /**< what is estimated, in words */
    double estimate;        /**< mean over replicates */
    double ci_low, ci_high; /**< 95% confidence interval of the mean over replicates */
    char criterion[96];     /**< e.g. "d >= 0.8 (CI above)" */
    bool passed;            /**< the whole CI lies on the passing side */
} attune_claim_part;

#define ATTUNE_CLAIM_MAX_PARTS 8

/** The result of one claim experiment. */
typedef struct attune_claim_result {
    char id[8];           /**< "C1" ... */
    const char *sentence; /**< the essay's words the claim rests on */
    const char *mechanism;
    bool passed; /**< every part passed */
    int replicates;
    size_t part_count;
    attune_claim_part parts[ATTUNE_CLAIM_MAX_PARTS];
} attune_claim_result;

/** Number of claims the runner knows, and the id of claim i ("C1", ...). */
size_t attune_claim_count(void);
const char *attune_claim_id(size_t i);

/** Called as runs finish: claim id, arm, replicate (0-based), runs done and total. */
typedef void (*attune_claims_progress)(const char *claim, const char *arm, int replicate, int done,
                                       int total, void *user);

/**
 * Runs the claims listed in `only` (comma-separated ids; NULL or "" for all) with `replicates`
 * replicates each (seeds 1000, 1001, ...), reading the arms from `scenario_dir` (the folder
 * holding C1.base.ini, C1.ARM.ini, ...). `settings` (NULL when `setting_count` is 0) are
 * "key=value" strings that change the defaults every arm starts from: they are applied before
 * the claim's own files, so a key the claim's files set keeps the claim's value (its design
 * and arms). Writes a malloc'd array of results that the caller frees. A failing claim is a
 * result, not an error.
 */
int attune_claims_run(const char *scenario_dir, const char *only, int replicates, int threads,
                      const char *const *settings, size_t setting_count,
                      attune_claims_progress progress, void *user, attune_claim_result **results,
                      size_t *count, attune_error *err);

/**
 * Estimated peak memory in bytes of attune_claims_run with the same `scenario_dir`, `only`
 * and `settings`: for each selected claim, its largest arm (attune_model_memory_estimate of
 * the claim's base file, the arm's file and the settings) times the models it holds at once;
 * the largest over the claims. 0 if no arm could be read (the run itself
 * then reports why). O(claims x arms).
 */
uint64_t attune_claims_memory_estimate(const char *scenario_dir, const char *only,
                                       const char *const *settings, size_t setting_count);

#ifdef __cplusplus
}
#endif

#endif
