/*
 * The parameter table and scenarios.
 *
 * Every model parameter is one row of a single table (name, type, default, range, unit,
 * section, doc). The table drives scenario parsing, range checks, `attune params`, the
 * generated docs/parameters.md and the run manifest. Repeated structured entries of a
 * scenario (e.g. cultures) have their own field tables of the same shape.
 */
#ifndef ATTUNE_PARAMS_H
#define ATTUNE_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct attune_error;

/** Value types of parameters and entry fields. */
typedef enum attune_param_type {
    ATTUNE_TYPE_INT = 0,    /**< integer; stored as int64_t, range at most +-2^53 */
    ATTUNE_TYPE_REAL = 1,   /**< finite double */
    ATTUNE_TYPE_BOOL = 2,   /**< true/false, yes/no, on/off, 1/0 */
    ATTUNE_TYPE_CHOICE = 3, /**< one of the names in `choices`; stored as its index */
} attune_param_type;

/** One row of a parameter or entry-field table. */
typedef struct attune_param_info {
    const char *section; /**< e.g. "population" (the entry kind for entry fields) */
    const char *name;    /**< e.g. "size" */
    const char *key;     /**< "section.name" */
    attune_param_type type;
    double default_value; /**< for ATTUNE_TYPE_CHOICE, the index of the default choice */
    double min;
    double max;
    const char *unit;    /**< e.g. "people", "weeks", "1" for dimensionless */
    const char *doc;     /**< one line */
    const char *choices; /**< ATTUNE_TYPE_CHOICE: the names, separated by '|'; else NULL */
} attune_param_info;

/** Name of a type ("int", "real", "bool", "choice"). */
const char *attune_param_type_name(attune_param_type type);

/** Number of model parameters. */
size_t attune_param_count(void);

/** Row i of the parameter table (NULL if out of range). O(1). */
const attune_param_info *attune_param_at(size_t i);

/** Row for "section.name", or NULL. O(parameters). */
const attune_param_info *attune_param_find(const char *key);

/** A kind of repeated scenario entry, e.g. `[culture warm]`. */
typedef struct attune_entry_kind_info {
    const char *kind; /**< section word, e.g. "culture" */
    const char *doc;
    const attune_param_info *fields;
    size_t field_count;
    size_t max_entries;
} attune_entry_kind_info;

/** Number of entry kinds. */
size_t attune_entry_kind_count(void);

/** Entry kind i, or NULL. */
const attune_entry_kind_info *attune_entry_kind_at(size_t i);

/* ----------------------------------------------------------------------------------------
 * Scenarios: a full set of parameter values plus entries.
 * -------------------------------------------------------------------------------------- */

typedef struct attune_scenario attune_scenario;

/** Creates the built-in default scenario. */
int attune_scenario_create(attune_scenario **out);

/** Deep copy. */
int attune_scenario_copy(const attune_scenario *src, attune_scenario **out);

/** Frees a scenario; NULL allowed. */
void attune_scenario_free(attune_scenario *scenario);

/**
 * Reads an INI scenario file over the current values. Keys not in the file keep their values.
 * Errors name the file and line in `err`: syntax, unknown section or key (with the nearest
 * valid key), wrong type, out of range (with the range), duplicate key, unreadable file.
 * On error the scenario is left unchanged.
 */
int attune_scenario_load(attune_scenario *scenario, const char *path, struct attune_error *err);

/** Same as attune_scenario_load, from a string; `name` is used in messages as the file. */
int attune_scenario_load_string(attune_scenario *scenario, const char *text, const char *name,
                                struct attune_error *err);

/** Same as attune_scenario_load_string, from `size` bytes that need not end in NUL. */
int attune_scenario_load_buffer(attune_scenario *scenario, const char *text, size_t size,
                                const char *name, struct attune_error *err);

/**
 * Sets one parameter from text: "population.size", "20000"; or an entry field:
 * "culture.warm.share", "0.5". Checks type and range.
 */
int attune_scenario_set(attune_scenario *scenario, const char *key, const char *value,
                        struct attune_error *err);

/**
 * Sets parameters from "key=value" texts (as given to --set), in order, stopping at the first
 * that is malformed or fails attune_scenario_set.
 */
int attune_scenario_set_each(attune_scenario *scenario, const char *const *settings, size_t count,
                             struct attune_error *err);

/** Reads a numeric parameter (ints and bools as doubles). */
int attune_scenario_get(const attune_scenario *scenario, const char *key, double *value);

/** Checks constraints that involve several parameters or entries (an intervention that names no
 * kind, or whose fields together can target nobody). */
int attune_scenario_validate(const attune_scenario *scenario, struct attune_error *err);

/** Number of entries of a kind, e.g. "culture". */
size_t attune_scenario_entry_count(const attune_scenario *scenario, const char *kind);

/** Name of entry i of a kind, or NULL. */
const char *attune_scenario_entry_name(const attune_scenario *scenario, const char *kind, size_t i);

/** Reads a numeric field of entry i of a kind. */
int attune_scenario_entry_get(const attune_scenario *scenario, const char *kind, size_t i,
                              const char *field, double *value);

/**
 * Writes the scenario as INI text (every parameter, every entry) into a malloc'd string
 * that the caller frees. Loading it back gives the same scenario.
 */
int attune_scenario_to_ini(const attune_scenario *scenario, char **text);

/**
 * Writes the scenario as a JSON object {"parameters":{...},"entries":{...}} into a malloc'd
 * string that the caller frees.
 */
int attune_scenario_to_json(const attune_scenario *scenario, char **text);

/** Writes the parameter reference (docs/parameters.md) as Markdown into a malloc'd string. */
int attune_params_markdown(char **text);

#ifdef __cplusplus
}
#endif

#endif
