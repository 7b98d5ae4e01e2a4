/*
 * attune: an agent-based simulation of relational development, wounding and healing.
 *
 * Public API of libattune. Lifecycle of a simulation:
 *
 *     attune_scenario_create -> attune_scenario_load / attune_scenario_set ...
 *     attune_model_create    -> attune_model_init -> attune_model_step / attune_model_run
 *     attune_model_free, attune_scenario_free
 *
 * Conventions (as in igraph and msprime):
 *   - every fallible function returns an attune_status: ATTUNE_OK (0) or a negative code;
 *     attune_strerror() names the code, and an optional attune_error receives a message
 *     with the file, line and key where they apply;
 *   - outputs are the last arguments; callers own what they allocate and free it with the
 *     matching _free function;
 *   - the library has no global state and never exits the process; two models can live in
 *     one process, each driven from one thread at a time.
 */
#ifndef ATTUNE_ATTUNE_H
#define ATTUNE_ATTUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attune/params.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes. Negative values are errors; their names come from attune_strerror(). */
typedef enum attune_status {
    ATTUNE_OK = 0,
    ATTUNE_ERR_NOMEM = -1,       /**< an allocation failed */
    ATTUNE_ERR_ARGUMENT = -2,    /**< a bad argument to an API function */
    ATTUNE_ERR_STATE = -3,       /**< the call is not allowed in the model's current state */
    ATTUNE_ERR_UNKNOWN_KEY = -4, /**< a parameter or section that does not exist */
    ATTUNE_ERR_TYPE = -5,        /**< a value of the wrong type */
    ATTUNE_ERR_RANGE = -6,       /**< a value outside its documented range */
    ATTUNE_ERR_DUPLICATE = -7,   /**< a key given twice in one scenario file */
    ATTUNE_ERR_SYNTAX = -8,      /**< a scenario file that is not valid INI */
    ATTUNE_ERR_IO = -9,          /**< a file could not be read or written */
    ATTUNE_ERR_EXISTS = -10,     /**< an output folder exists already */
    ATTUNE_ERR_TOO_LARGE = -11,  /**< the scenario does not fit in memory or in the indices */
    ATTUNE_ERR_GRAPH = -12,      /**< igraph reported an error */
    ATTUNE_ERR_INVARIANT = -13,  /**< an internal consistency check failed (a bug) */
    ATTUNE_ERR_CORRUPT = -14,    /**< a checkpoint is damaged, truncated or of another version */
} attune_status;

/** Where and why a call failed. Every field is filled by the failing call, empty otherwise. */
typedef struct attune_error {
    int status;         /**< the attune_status returned */
    char file[512];     /**< file concerned, or "" */
    int line;           /**< 1-based line in file, or 0 */
    char key[128];      /**< parameter key concerned (e.g. "population.size"), or "" */
    char message[1024]; /**< one human-readable sentence, without file and line */
} attune_error;

/** Name of a status code, e.g. "unknown key". Never NULL. O(1). */
const char *attune_strerror(int status);

/** Writes "file:line: message" (or just the message) into buf. Returns buf. */
char *attune_error_format(const attune_error *err, char *buf, size_t size);

/** Library version, e.g. "0.1.0". */
const char *attune_version(void);

/** Git commit the library was built from, or "unknown" (read when the build was configured). */
const char *attune_git_commit(void);

/**
 * Identity of the build: 16 hex digits hashing the library's sources and headers, as compiled,
 * and the compiler. Two binaries with the same identity run the same model; any change to the
 * sources (committed or not) gives another. A sweep database records it. O(1).
 */
const char *attune_build_id(void);

/* ----------------------------------------------------------------------------------------
 * Model
 * -------------------------------------------------------------------------------------- */

typedef struct attune_model attune_model;

/** Kinds of half-tie: the kind at person i names what j is to i. */
typedef enum attune_tie_kind {
    ATTUNE_TIE_CAREGIVER = 0, /**< j raises i (i is a minor in j's household) */
    ATTUNE_TIE_CHILD,         /**< i raises j */
    ATTUNE_TIE_PARTNER,
    ATTUNE_TIE_SIBLING,
    ATTUNE_TIE_FAMILY, /**< adult family: a former caregiver tie after leaving home */
    ATTUNE_TIE_FRIEND,
    ATTUNE_TIE_TEACHER,   /**< j teaches i */
    ATTUNE_TIE_STUDENT,   /**< i teaches j */
    ATTUNE_TIE_COMMUNITY, /**< a member of the same community or congregation */
    ATTUNE_TIE_THERAPIST, /**< j is i's therapist */
    ATTUNE_TIE_CLIENT,    /**< i is j's therapist */
    ATTUNE_TIE_KIND_COUNT
} attune_tie_kind;

/** Name of a tie kind ("caregiver", ...), or "?" when out of range. */
const char *attune_tie_kind_name(int kind);

/** Roles a person can hold. */
typedef enum attune_role {
    ATTUNE_ROLE_PERSON = 0,
    ATTUNE_ROLE_TEACHER = 1,
    ATTUNE_ROLE_THERAPIST = 2,
} attune_role;

/** One person's state at the end of the last completed week. Units in comments. */
typedef struct attune_person {
    uint32_t id;
    bool alive;
    double age_years;            /**< years */
    uint32_t household;          /**< household index */
    uint32_t community;          /**< community index */
    uint32_t culture;            /**< index of the culture entry */
    int role;                    /**< attune_role */
    double anxiety;              /**< attachment anxiety of the working model, [0,1] */
    double avoidance;            /**< attachment avoidance, [0,1] */
    double disorganization;      /**< disorganization, [0,1] */
    double self_worth;           /**< [0,1] */
    double affect;               /**< current affect, [-1,1] */
    double affect_baseline;      /**< temperament set point of affect, [-1,1] */
    double give_capacity;        /**< capacity to attune to others this week, [0,1] */
    double hostility;            /**< propensity to hostile responses this week, [0,1] */
    double received_quality;     /**< mean perceived quality of last week's meetings, [-2,1] */
    uint32_t meetings;           /**< meetings in the last week */
    uint32_t degree;             /**< active ties */
    uint32_t ace_count;          /**< adverse childhood experiences counted so far */
    double expected_care;        /**< learned mean of care from close others, [0,1] */
    double self_relation;        /**< the relationship with oneself, [0,1] */
    double wellbeing;            /**< [0,1] */
    double relationship_quality; /**< recent care exchanged on one's ties, [-1,1] */
    const char *adult_class;     /**< secure, dismissing, preoccupied or unresolved */
    const char *infant_class;    /**< class assessed at 18 months, or "unassessed" */
} attune_person;

/** One half-tie: person's view of the tie to `other`. */
typedef struct attune_tie {
    uint32_t other;
    int kind;           /**< attune_tie_kind */
    double contact;     /**< probability of meeting in a week, [0,1] */
    double trust;       /**< [0,1] */
    double harm;        /**< accumulated harm, >= 0 */
    double reciprocity; /**< running balance of care given minus received, care units */
    int rupture;        /**< 0 none, 1 ruptured */
    int32_t since_week; /**< week the tie formed (negative: before the run) */
    double engagement;  /**< share of the person's capacity put into this tie, [0,1] */
    int repaired;       /**< 1 once a rupture was repaired while this end was not harmed more
                             than it gained (trust kept for good: rupture.repair_bond), else 0 */
} attune_tie;

/** Population metrics of the last completed week (one row of metrics.csv). */
typedef struct attune_metrics {
    int32_t week;
    uint64_t people;       /**< alive people */
    uint64_t ties;         /**< active ties, each counted once */
    uint64_t meetings;     /**< ties whose two ends met this week, each counted once */
    double mean_degree;    /**< active ties per person */
    double isolated_share; /**< share of people who met nobody this week */
    double affect_mean;
    double affect_sd;
    double self_worth_mean;
    double anxiety_mean;
    double avoidance_mean;
    double disorganization_mean;
    double received_quality_mean; /**< mean perceived quality per meeting received */
    double hostile_share;         /**< share of received interactions that carried hostility */
    double wellbeing_mean;
    double unmet_need_mean;
    double coping_share;          /**< share of people coping (intensity >= coping.active_level) */
    double distress_share;        /**< share of people in a distress episode */
    double adult_secure_share;    /**< share of people of 18 or more classed secure */
    double adult_partnered_share; /**< share of people of 18 or more who have a partner */
    uint64_t births;              /**< births this week */
    uint64_t deaths;              /**< deaths this week */
    uint64_t therapy_waitlist;    /**< people waiting for a therapist */
    uint64_t in_therapy;          /**< people in a course of therapy */
} attune_metrics;

/** Number of columns of attune_metrics (the columns of metrics.csv, `week` first). */
size_t attune_metric_count(void);

/** Name of metric column i ("week", "people", ...), or NULL when out of range. O(1). */
const char *attune_metric_name(size_t i);

/** True if column i is an integer (week or a count), false if it is real-valued. */
bool attune_metric_is_integer(size_t i);

/** Value of column i of `m` (integers exactly, as doubles); NaN when out of range. O(1). */
double attune_metric_value(const attune_metrics *m, size_t i);

/** Model lifecycle states. */
typedef enum attune_model_state {
    ATTUNE_STATE_CREATED = 0,
    ATTUNE_STATE_READY = 1, /**< initialised, can step */
    ATTUNE_STATE_FAILED = 2,
} attune_model_state;

/**
 * Creates a model from a scenario (copied; the caller keeps ownership of `scenario`).
 * `threads` is the number of OpenMP threads (0: the OpenMP default); results do not depend
 * on it. Validates cross-parameter constraints. O(number of parameters).
 */
int attune_model_create(const attune_scenario *scenario, int threads, attune_model **out,
                        attune_error *err);

/**
 * Estimated peak memory of the model in bytes, from the scenario alone. O(1).
 * A caller compares it with what the machine has before attune_model_init.
 */
uint64_t attune_model_memory_estimate(const attune_scenario *scenario);

/**
 * Generates the initial population and network (week 0). O(people + ties).
 * Errors: ATTUNE_ERR_STATE if already initialised, ATTUNE_ERR_NOMEM, ATTUNE_ERR_TOO_LARGE.
 */
int attune_model_init(attune_model *model, attune_error *err);

/** Advances one week through every process of the weekly step. O(people + ties). */
int attune_model_step(attune_model *model, attune_error *err);

/**
 * Called after every week by attune_model_run; return non-zero to stop early (the run then
 * returns ATTUNE_OK with the model at the week it reached).
 */
typedef int (*attune_week_callback)(const attune_model *model, void *user);

/**
 * Steps until the model's week equals `until_week`, calling `callback` (may be NULL) after
 * every week. O((until_week - week) * (people + ties)).
 */
int attune_model_run(attune_model *model, int32_t until_week, attune_week_callback callback,
                     void *user, attune_error *err);

/** Number of completed weeks. */
int32_t attune_model_week(const attune_model *model);

/** The scenario the model runs (owned by the model). */
const attune_scenario *attune_model_scenario(const attune_model *model);

/** Threads the model uses. */
int attune_model_threads(const attune_model *model);

/** Number of people ever created (ids are 0 .. count-1). */
uint32_t attune_model_people_count(const attune_model *model);

/** Metrics of the last completed week (week 0: the initial state). O(1). */
int attune_model_metrics(const attune_model *model, attune_metrics *out);

/** State of person `id`. O(1). */
int attune_model_person(const attune_model *model, uint32_t id, attune_person *out);

/**
 * Active ties of person `id`: writes at most `capacity` into `ties` (may be NULL when
 * capacity is 0) and the number of active ties into `*count`. O(degree).
 */
int attune_model_person_ties(const attune_model *model, uint32_t id, attune_tie *ties,
                             size_t capacity, size_t *count);

/** One entry of the event log. */
typedef struct attune_event {
    int32_t week;
    const char *type; /**< static string, e.g. "birth" */
    uint32_t person;
    uint32_t other;     /**< UINT32_MAX when there is none */
    double value;       /**< meaning depends on the type; see docs/outputs.md */
    const char *detail; /**< static string, may be "" */
} attune_event;

/**
 * Events of the last completed week, in deterministic order (by person, then sequence).
 * The array is owned by the model and valid until the next step. O(1).
 */
int attune_model_events(const attune_model *model, const attune_event **events, size_t *count);

/**
 * Checks every internal invariant (tie twins, degrees, ranges, finiteness, each living person
 * listed once in its community's members).
 * Returns ATTUNE_ERR_INVARIANT with a message on the first violation. O(people + ties).
 */
int attune_model_check(const attune_model *model, attune_error *err);

/** Frees the model and everything it owns. NULL is allowed. */
void attune_model_free(attune_model *model);

/* ----------------------------------------------------------------------------------------
 * Outputs of a run
 * -------------------------------------------------------------------------------------- */

typedef struct attune_output attune_output;

/** Output options. */
typedef struct attune_output_options {
    bool force;                  /**< replace an existing run folder */
    bool graphml;                /**< write network.graphml at the end */
    const char *scenario_source; /**< where the scenario came from, for the manifest; or NULL */
    const char *command_line;    /**< the command that started the run, for the manifest */
    bool keep_checkpoints;       /**< keep the checkpoints of a finished run */
} attune_output_options;

/**
 * Opens the outputs of a run in folder `dir` (created; its parent must exist or be
 * creatable). Fails with ATTUNE_ERR_EXISTS if `dir` holds a run and `force` is off.
 * Files are written under temporary names and renamed by attune_output_close. With
 * output.graphml_every > 0, writes the network snapshot of week 0 (in DIR/networks.partial/,
 * which attune_output_close renames to DIR/networks/).
 */
int attune_output_open(const attune_model *model, const char *dir,
                       const attune_output_options *options, attune_output **out,
                       attune_error *err);

/** Appends the last completed week (metrics row and events; every output.graphml_every weeks
 * the network snapshot, O(people + ties)). O(events). */
int attune_output_write_week(attune_output *output, const attune_model *model, attune_error *err);

/**
 * Finishes the outputs: writes manifest.json (with `wall_seconds`) and, on request,
 * network.graphml, then renames every file to its final name (and the snapshots' folder to
 * networks/). If `commit` is false (a failed run), removes what was written instead, but for
 * what a checkpoint in the folder needs to resume. Frees `output` in every case.
 */
int attune_output_close(attune_output *output, const attune_model *model, bool commit,
                        double wall_seconds, attune_error *err);

/**
 * Writes a checkpoint of the run: the model's state and how far the output files have got
 * (they are flushed to disk first) to DIR/checkpoints/week-NNNNNN.ckpt, atomically, keeping
 * the two newest checkpoints. O(people + ties).
 */
int attune_output_checkpoint(attune_output *output, const attune_model *model, attune_error *err);

/** Called by attune_resume for each checkpoint it had to skip, with the reason. */
typedef void (*attune_resume_warning)(const char *message, void *user);

/**
 * Resumes the run in folder `dir` from its newest good checkpoint: a model ready to continue
 * from the checkpoint's week, and its outputs reopened with everything after that week cut
 * off, network snapshots included (files of an interrupted run that were already renamed into
 * place are taken back).
 * Damaged checkpoints are reported through `warn` and skipped for the one before.
 */
int attune_resume(const char *dir, int threads, const attune_output_options *options,
                  attune_resume_warning warn, void *user, attune_model **model,
                  attune_output **output, attune_error *err);

/**
 * Estimated peak memory in bytes of resuming the run in folder `dir` and running it on: over
 * its checkpoints, the larger of the model each holds (from its size; the file is mapped, not
 * copied) and attune_model_memory_estimate of the scenario it was written with; 0 if the
 * folder has no checkpoint. O(checkpoints).
 */
uint64_t attune_resume_memory_estimate(const char *dir);

/** Writes the network of the model as GraphML (via igraph) to `path`, atomically. */
int attune_write_graphml(const attune_model *model, const char *path, attune_error *err);

/**
 * Writes a small sample of the network as GraphML to `path`, atomically: the ego networks of
 * output.network_egos adults (half of them with a toxic tie when there are enough), i.e. the
 * egos, the people they are tied to and every active tie among those. Egos are chosen by a
 * fixed draw per person, so the sample is the same for any thread count.
 * O(people x egos + ties of the sample).
 */
int attune_write_network_sample(const attune_model *model, const char *path, attune_error *err);

#ifdef __cplusplus
}
#endif

#endif
