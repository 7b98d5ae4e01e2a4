/* Internal layout of scenarios: parameter values as a struct generated from params.def. */
#ifndef ATTUNE_SCENARIO_INTERNAL_H
#define ATTUNE_SCENARIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "attune/attune.h"

#define ATTUNE_FIELD_INT(field)    int64_t field;
#define ATTUNE_FIELD_REAL(field)   double field;
#define ATTUNE_FIELD_BOOL(field)   bool field;
#define ATTUNE_FIELD_CHOICE(field) double field;

/** Every parameter value; field `section_name` for row (section, name) of params.def. */
typedef struct attune_params {
#define ATTUNE_PARAM(sec, nm, type, def, lo, hi, unit, doc) ATTUNE_FIELD_##type(sec##_##nm)
#include "engine/params.def"
#undef ATTUNE_PARAM
} attune_params;

/** Field indices of a culture entry. */
enum culture_field {
#define ATTUNE_ENTRY_FIELD(nm, type, def, lo, hi, unit, doc) CULTURE_##nm,
#include "engine/culture_fields.def"
#undef ATTUNE_ENTRY_FIELD
    CULTURE_FIELD_COUNT
};

/** Field indices of an intervention entry. */
enum intervention_field {
#define ATTUNE_ENTRY_FIELD(nm, type, def, lo, hi, unit, doc) INTERVENTION_##nm,
#include "engine/intervention_fields.def"
#undef ATTUNE_ENTRY_FIELD
    INTERVENTION_FIELD_COUNT
};

/** Kinds of intervention, in the order of the `kind` field's choices. */
enum intervention_kind {
    INTERVENTION_CARE_CHANGE = 0,
    INTERVENTION_ATTUNED_TIE = 1,
    INTERVENTION_ISOLATION = 2,
    INTERVENTION_SELF_HELP = 3,
    INTERVENTION_PARENTING = 4,
    INTERVENTION_COMMUNITY_PROGRAMME = 5,
    INTERVENTION_LEAVE_TOXIC_TIE = 6,
    INTERVENTION_REPAIR_RUPTURE = 7,
    INTERVENTION_LEAVE_RUPTURED_TIE = 8,
    INTERVENTION_THERAPY = 9,
    INTERVENTION_THERAPY_WAITLIST = 10,
    INTERVENTION_KEEP_TIES = 11,
};
#define INTERVENTION_CHOICES_kind                                                                  \
    "care_change|attuned_tie|isolation|self_help|parenting|community_programme|leave_toxic_tie|"   \
    "repair_rupture|leave_ruptured_tie|therapy|therapy_waitlist|keep_ties"

/** State variables an intervention can target, in the order of the `target_state` choices. */
enum intervention_state {
    TARGET_ANY = 0,
    TARGET_WELLBEING,
    TARGET_SELF_WORTH,
    TARGET_ANXIETY,
    TARGET_AVOIDANCE,
    TARGET_DISORGANIZATION,
    TARGET_UNMET_NEED,
    TARGET_COPING,
    TARGET_INTEGRATION,
    TARGET_IN_DISTRESS,
    TARGET_TOXIC_TIES,
    TARGET_RUPTURED_TIES,
    TARGET_ENDABLE_TOXIC_TIES,
    TARGET_ENDABLE_RUPTURED_TIES,
};
#define INTERVENTION_CHOICES_target_state                                                          \
    "any|wellbeing|self_worth|anxiety|avoidance|disorganization|unmet_need|coping|integration|"    \
    "in_distress|toxic_ties|ruptured_ties|endable_toxic_ties|endable_ruptured_ties"

#define ATTUNE_NAME_MAX          64
#define ATTUNE_ENTRY_FIELDS_MAX  16
#define ATTUNE_MAX_CULTURES      64
#define ATTUNE_MAX_INTERVENTIONS 256

/** Where a value was read, for messages: line `line` of file `file` - 1 of the scenario's
 * `files`; {0, 0} when it was not read from a file (the API, --set, a default). */
typedef struct attune_origin {
    uint32_t file;
    int32_t line;
} attune_origin;

/** One repeated entry, e.g. [culture warm]; values indexed by the kind's field table. */
typedef struct attune_entry {
    char name[ATTUNE_NAME_MAX];
    double values[ATTUNE_ENTRY_FIELDS_MAX];
    uint32_t given; /* bit f: field f was set by attune_scenario_set (a file or the API); the
                     * built-in cultures' values are not counted as given */
    /* Where a file set it, for messages: the first [kind NAME] header read from a file, and the
     * line of each field's value as last set ({0, 0} if that was not by a file). */
    attune_origin header;
    attune_origin origin[ATTUNE_ENTRY_FIELDS_MAX];
} attune_entry;
_Static_assert(ATTUNE_ENTRY_FIELDS_MAX <= 32, "attune_entry.given holds a bit per field");

typedef struct attune_entry_list {
    attune_entry *items;
    size_t count;
    size_t capacity;
} attune_entry_list;

enum { ENTRY_KIND_CULTURE = 0, ENTRY_KIND_INTERVENTION = 1, ENTRY_KIND_COUNT };

struct attune_scenario {
    attune_params params;
    attune_entry_list entries[ENTRY_KIND_COUNT];
    char **files; /* names of the files read into it, which attune_origin.file counts from 1 */
    size_t file_count;
    uint8_t *param_given; /* [attune_param_count()]: 1 once the parameter was set (file or API) */
};

/** Offset of each parameter's field in attune_params, in table order. */
size_t attune_param_offset(size_t index);

/** Parses `text` as a value of row `info`; on success writes it to *value. */
int attune_param_parse_value(const attune_param_info *info, const char *text, double *value,
                             char *why, size_t why_size);

/** Stores a checked value into the field of row `index`. */
void attune_param_store(attune_params *params, size_t index, double value);

/** Reads the field of row `index` as a double. */
double attune_param_load(const attune_params *params, size_t index);

/** Formats a value of a row the way a scenario file would write it. */
void attune_param_format(const attune_param_info *info, double value, char *buf, size_t size);

/** Writes the names of a CHOICE row's values as "a, b, c". */
void attune_param_choices_text(const attune_param_info *info, char *buf, size_t size);

/** Writes "[min, max]" of a row as a scenario file would write the values. */
void attune_param_range_text(const attune_param_info *info, char *buf, size_t size);

/** Index of the entry kind named `kind`, or -1. */
int attune_entry_kind_index(const char *kind);

/** Same as attune_scenario_set, for a setting read at line `line` of file `file` under a header at
 * `header_line`: an entry field records where it was read (attune_scenario_set forgets it). */
int attune_scenario_set_from_file(attune_scenario *scenario, const char *key, const char *value,
                                  const char *file, int header_line, int line, attune_error *err);

/** The key of the first parameter (in table order) that nothing set in `scenario` (neither a
 * file nor attune_scenario_set: it holds its default), or NULL when every one was set. */
const char *attune_scenario_first_unset(const attune_scenario *scenario);

/** Fails with ATTUNE_ERR_RANGE about entry `e` of `scenario`, at the place a scenario file gave
 * it: the line of the latest of the fields in the mask `blamed` (bit f: field f) read from a
 * file; if none of them was given, the line of the entry's header; no place if they were set
 * otherwise (the API, --set). `key` names the setting; the message is formatted from `fmt`. */
int attune_entry_fail(const attune_scenario *scenario, const attune_entry *e, uint32_t blamed,
                      const char *key, attune_error *err, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/** Finds or appends entry `name` of kind `kind_index` (new entries take field defaults). */
int attune_scenario_entry_upsert(attune_scenario *scenario, int kind_index, const char *name,
                                 attune_entry **out);

/** The key closest to `word` by edit distance, or NULL if nothing is close: of the parameter
 * table (`section`'s own names first, or NULL), or, when `section` is an entry kind, of that
 * kind's fields only ("culture.share"). */
const char *attune_nearest_key(const char *word, const char *section);

/** The one of `words` closest to `word` by edit distance, or NULL if none is close. */
const char *attune_nearest_word(const char *word, const char *const *words, size_t count);

/** The section or entry kind closest to `word`, or NULL. */
const char *attune_nearest_section(const char *word);

/** Fills err (if not NULL) and returns status. printf-style message. */
int attune_fail(struct attune_error *err, int status, const char *file, int line, const char *key,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
