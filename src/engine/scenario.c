/* Scenarios: parameter values and repeated entries, set from text and written back out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/scenario_internal.h"
#include "engine/strbuf.h"

/* The built-in cultures of the default scenario. */
static const struct {
    const char *name;
    double values[CULTURE_FIELD_COUNT];
} default_cultures[] = {
    /*               share  warmth expressive stigma density */
    {"expressive", {0.35, 0.72, 0.65, 0.20, 1.2}},
    {"reserved", {0.40, 0.58, 0.30, 0.45, 0.8}},
    {"harsh", {0.25, 0.40, 0.40, 0.55, 1.0}},
};

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= ATTUNE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int attune_scenario_entry_upsert(attune_scenario *scenario, int kind_index, const char *name,
                                 attune_entry **out)
{
    attune_entry_list *list = &scenario->entries[kind_index];
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->items[i].name, name) == 0) {
            *out = &list->items[i];
            return ATTUNE_OK;
        }
    }
    const attune_entry_kind_info *kind = attune_entry_kind_at((size_t)kind_index);
    if (list->count >= kind->max_entries)
        return ATTUNE_ERR_TOO_LARGE;
    if (list->count == list->capacity) {
        size_t cap = list->capacity ? list->capacity * 2 : 8;
        attune_entry *items = realloc(list->items, cap * sizeof *items);
        if (items == NULL)
            return ATTUNE_ERR_NOMEM;
        list->items = items;
        list->capacity = cap;
    }
    attune_entry *e = &list->items[list->count++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    for (size_t f = 0; f < kind->field_count; f++)
        e->values[f] = kind->fields[f].default_value;
    *out = e;
    return ATTUNE_OK;
}

int attune_scenario_create(attune_scenario **out)
{
    if (out == NULL)
        return ATTUNE_ERR_ARGUMENT;
    attune_scenario *s = calloc(1, sizeof *s);
    if (s == NULL)
        return ATTUNE_ERR_NOMEM;
    s->param_given = calloc(attune_param_count(), 1);
    if (s->param_given == NULL) {
        free(s);
        return ATTUNE_ERR_NOMEM;
    }
    for (size_t i = 0; i < attune_param_count(); i++)
        attune_param_store(&s->params, i, attune_param_at(i)->default_value);
    for (size_t c = 0; c < sizeof default_cultures / sizeof default_cultures[0]; c++) {
        attune_entry *e;
        int rc = attune_scenario_entry_upsert(s, ENTRY_KIND_CULTURE, default_cultures[c].name, &e);
        if (rc != ATTUNE_OK) {
            attune_scenario_free(s);
            return rc;
        }
        memcpy(e->values, default_cultures[c].values, sizeof default_cultures[c].values);
    }
    *out = s;
    return ATTUNE_OK;
}

int attune_scenario_copy(const attune_scenario *src, attune_scenario **out)
{
    if (src == NULL || out == NULL)
        return ATTUNE_ERR_ARGUMENT;
    attune_scenario *s = calloc(1, sizeof *s);
    if (s == NULL)
        return ATTUNE_ERR_NOMEM;
    s->param_given = malloc(attune_param_count());
    if (s->param_given == NULL) {
        free(s);
        return ATTUNE_ERR_NOMEM;
    }
    memcpy(s->param_given, src->param_given, attune_param_count());
    s->params = src->params;
    for (int k = 0; k < ENTRY_KIND_COUNT; k++) {
        const attune_entry_list *from = &src->entries[k];
        if (from->count == 0)
            continue;
        s->entries[k].items = malloc(from->count * sizeof(attune_entry));
        if (s->entries[k].items == NULL) {
            attune_scenario_free(s);
            return ATTUNE_ERR_NOMEM;
        }
        memcpy(s->entries[k].items, from->items, from->count * sizeof(attune_entry));
        s->entries[k].count = s->entries[k].capacity = from->count;
    }
    if (src->file_count > 0) {
        s->files = calloc(src->file_count, sizeof *s->files);
        if (s->files == NULL) {
            attune_scenario_free(s);
            return ATTUNE_ERR_NOMEM;
        }
        for (; s->file_count < src->file_count; s->file_count++) {
            s->files[s->file_count] = strdup(src->files[s->file_count]);
            if (s->files[s->file_count] == NULL) {
                attune_scenario_free(s);
                return ATTUNE_ERR_NOMEM;
            }
        }
    }
    *out = s;
    return ATTUNE_OK;
}

void attune_scenario_free(attune_scenario *scenario)
{
    if (scenario == NULL)
        return;
    for (int k = 0; k < ENTRY_KIND_COUNT; k++)
        free(scenario->entries[k].items);
    for (size_t f = 0; f < scenario->file_count; f++)
        free(scenario->files[f]);
    free(scenario->files);
    free(scenario->param_given);
    free(scenario);
}

static int field_index(const attune_entry_kind_info *kind, const char *field)
{
    for (size_t f = 0; f < kind->field_count; f++)
        if (strcmp(kind->fields[f].name, field) == 0)
            return (int)f;
    return -1;
}

/* attune_scenario_set; an entry field set records `at` as its origin, and `header` as its entry's
 * if the entry has none yet. */
static int set_value(attune_scenario *scenario, const char *key, const char *value,
                     attune_origin header, attune_origin at, attune_error *err)
{
    if (scenario == NULL || key == NULL || value == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, key, "missing key or value");
    char why[512];
    /* A parameter: section.name */
    for (size_t i = 0; i < attune_param_count(); i++) {
        const attune_param_info *info = attune_param_at(i);
        if (strcmp(info->key, key) != 0)
            continue;
        double v;
        int rc = attune_param_parse_value(info, value, &v, why, sizeof why);
        if (rc != ATTUNE_OK)
            return attune_fail(err, rc, NULL, 0, key, "%s %s", key, why);
        attune_param_store(&scenario->params, i, v);
        scenario->param_given[i] = 1;
        return ATTUNE_OK;
    }
    /* An entry field: kind.name.field */
    const char *dot1 = strchr(key, '.');
    const char *dot2 = dot1 ? strrchr(key, '.') : NULL;
    if (dot1 != NULL && dot2 != NULL && dot2 > dot1) {
        /* name: room beyond ATTUNE_NAME_MAX, so that too long a name is reported as such */
        char kind_name[64], name[256];
        size_t lk = (size_t)(dot1 - key), ln = (size_t)(dot2 - dot1 - 1);
        if (lk < sizeof kind_name && ln < sizeof name) {
            memcpy(kind_name, key, lk);
            kind_name[lk] = '\0';
            memcpy(name, dot1 + 1, ln);
            name[ln] = '\0';
            int k = attune_entry_kind_index(kind_name);
            if (k >= 0) {
                const attune_entry_kind_info *kind = attune_entry_kind_at((size_t)k);
                int f = field_index(kind, dot2 + 1);
                if (f < 0) {
                    /* The nearest of this kind's own fields, never the word itself. */
                    const char *near = attune_nearest_key(dot2 + 1, kind_name);
                    if (near != NULL)
                        near = strchr(near, '.') + 1;
                    if (near != NULL && strcmp(near, dot2 + 1) == 0)
                        near = NULL;
                    return attune_fail(err, ATTUNE_ERR_UNKNOWN_KEY, NULL, 0, key,
                                       "unknown field '%s' of [%s %s]%s%s%s", dot2 + 1, kind_name,
                                       name, near ? "; did you mean '" : "", near ? near : "",
                                       near ? "'?" : "");
                }
                if (!valid_name(name))
                    return attune_fail(err, ATTUNE_ERR_SYNTAX, NULL, 0, key,
                                       "'%s' is not a valid %s name (letters, digits, '_' and "
                                       "'-', at most %d characters)",
                                       name, kind_name, ATTUNE_NAME_MAX - 1);
                double v;
                int rc = attune_param_parse_value(&kind->fields[f], value, &v, why, sizeof why);
                if (rc != ATTUNE_OK)
                    return attune_fail(err, rc, NULL, 0, key, "%s %s", key, why);
                attune_entry *e;
                rc = attune_scenario_entry_upsert(scenario, k, name, &e);
                if (rc == ATTUNE_ERR_TOO_LARGE)
                    return attune_fail(err, rc, NULL, 0, key, "too many %s entries (at most %zu)",
                                       kind_name, kind->max_entries);
                if (rc != ATTUNE_OK)
                    return attune_fail(err, rc, NULL, 0, key, "%s", attune_strerror(rc));
                e->values[f] = v;
                e->given |= 1u << f;
                e->origin[f] = at;
                if (e->header.file == 0)
                    e->header = header;
                return ATTUNE_OK;
            }
        }
    }
    const char *near = attune_nearest_key(key, NULL);
    return attune_fail(err, ATTUNE_ERR_UNKNOWN_KEY, NULL, 0, key, "unknown parameter '%s'%s%s%s",
                       key, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
}

int attune_scenario_set(attune_scenario *scenario, const char *key, const char *value,
                        attune_error *err)
{
    attune_origin none = {0, 0};
    return set_value(scenario, key, value, none, none, err);
}

int attune_scenario_set_from_file(attune_scenario *scenario, const char *key, const char *value,
                                  const char *file, int header_line, int line, attune_error *err)
{
    if (scenario == NULL || file == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, key, "missing scenario or file");
    uint32_t index = 0;
    while (index < scenario->file_count && strcmp(scenario->files[index], file) != 0)
        index++;
    if (index == scenario->file_count) {
        char **files = realloc(scenario->files, (index + 1) * sizeof *files);
        if (files == NULL)
            return attune_fail(err, ATTUNE_ERR_NOMEM, file, line, key, "out of memory");
        scenario->files = files;
        if ((files[index] = strdup(file)) == NULL)
            return attune_fail(err, ATTUNE_ERR_NOMEM, file, line, key, "out of memory");
        scenario->file_count++;
    }
    attune_origin header = {index + 1, header_line}, at = {index + 1, line};
    return set_value(scenario, key, value, header, at, err);
}

int attune_scenario_set_each(attune_scenario *scenario, const char *const *settings, size_t count,
                             attune_error *err)
{
    if (count > 0 && settings == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, NULL, 0, NULL, "missing settings");
    for (size_t k = 0; k < count; k++) {
        const char *eq = strchr(settings[k], '=');
        if (eq == NULL || eq == settings[k])
            return attune_fail(err, ATTUNE_ERR_SYNTAX, NULL, 0, NULL,
                               "setting '%s' is not of the form key=value", settings[k]);
        char key[256];
        size_t len = (size_t)(eq - settings[k]);
        if (len >= sizeof key)
            return attune_fail(err, ATTUNE_ERR_UNKNOWN_KEY, NULL, 0, settings[k],
                               "setting '%.40s...': the key is too long", settings[k]);
        memcpy(key, settings[k], len);
        key[len] = '\0';
        int rc = attune_scenario_set(scenario, key, eq + 1, err);
        if (rc != ATTUNE_OK)
            return rc;
    }
    return ATTUNE_OK;
}

int attune_scenario_get(const attune_scenario *scenario, const char *key, double *value)
{
    if (scenario == NULL || key == NULL || value == NULL)
        return ATTUNE_ERR_ARGUMENT;
    for (size_t i = 0; i < attune_param_count(); i++) {
        if (strcmp(attune_param_at(i)->key, key) == 0) {
            *value = attune_param_load(&scenario->params, i);
            return ATTUNE_OK;
        }
    }
    return ATTUNE_ERR_UNKNOWN_KEY;
}

size_t attune_scenario_entry_count(const attune_scenario *scenario, const char *kind)
{
    int k = attune_entry_kind_index(kind);
    return k < 0 ? 0 : scenario->entries[k].count;
}

const char *attune_scenario_entry_name(const attune_scenario *scenario, const char *kind, size_t i)
{
    int k = attune_entry_kind_index(kind);
    if (k < 0 || i >= scenario->entries[k].count)
        return NULL;
    return scenario->entries[k].items[i].name;
}

int attune_scenario_entry_get(const attune_scenario *scenario, const char *kind, size_t i,
                              const char *field, double *value)
{
    int k = attune_entry_kind_index(kind);
    if (k < 0 || i >= scenario->entries[k].count || value == NULL)
        return ATTUNE_ERR_ARGUMENT;
    int f = field_index(attune_entry_kind_at((size_t)k), field);
    if (f < 0)
        return ATTUNE_ERR_UNKNOWN_KEY;
    *value = scenario->entries[k].items[i].values[f];
    return ATTUNE_OK;
}

const char *attune_scenario_first_unset(const attune_scenario *scenario)
{
    for (size_t i = 0; i < attune_param_count(); i++)
        if (!scenario->param_given[i])
            return attune_param_at(i)->key;
    return NULL;
}

int attune_entry_fail(const attune_scenario *scenario, const attune_entry *e, uint32_t blamed,
                      const char *key, attune_error *err, const char *fmt, ...)
{
    attune_origin at = {0, 0};
    for (int f = 0; f < ATTUNE_ENTRY_FIELDS_MAX; f++) {
        attune_origin o = e->origin[f];
        if ((blamed & (1u << f)) && o.file != 0 &&
            (o.file > at.file || (o.file == at.file && o.line > at.line)))
            at = o;
    }
    if (!(e->given & blamed))
        at = e->header;
    char message[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return attune_fail(err, ATTUNE_ERR_RANGE, at.file ? scenario->files[at.file - 1] : NULL,
                       at.line, key, "%s", message);
}

#define FIELD_BIT(field) (1u << INTERVENTION_##field)

/* Checks that an intervention names its kind and can target anyone: fields that are each in
 * range but together select nobody (an empty age or state range, a culture the scenario lacks, a
 * start after the last week) are errors naming the entry and the fields, and the file and line
 * that set them when a scenario file did. Communities are checked when the population is built
 * (attune_model_init), which draws their number. */
static int validate_intervention(const attune_scenario *scenario, const attune_entry *e,
                                 attune_error *err)
{
    const double *v = e->values;
    size_t cultures = scenario->entries[ENTRY_KIND_CULTURE].count;
    int64_t weeks = scenario->params.run_weeks;
    char key[ATTUNE_NAME_MAX + 32];
    if (!(e->given & FIELD_BIT(kind))) {
        char kinds[512];
        attune_param_choices_text(
            &attune_entry_kind_at(ENTRY_KIND_INTERVENTION)->fields[INTERVENTION_kind], kinds,
            sizeof kinds);
        snprintf(key, sizeof key, "intervention.%s.kind", e->name);
        return attune_entry_fail(scenario, e, FIELD_BIT(kind), key, err,
                                 "[intervention %s] names no kind; every intervention needs a line "
                                 "kind = one of %s",
                                 e->name, kinds);
    }
    if (v[INTERVENTION_age_min] >= v[INTERVENTION_age_max]) {
        snprintf(key, sizeof key, "intervention.%s.age_min", e->name);
        return attune_entry_fail(scenario, e, FIELD_BIT(age_min) | FIELD_BIT(age_max), key, err,
                                 "[intervention %s] targets ages [age_min, age_max) = [%g, %g), "
                                 "which is empty; age_min must be below age_max",
                                 e->name, v[INTERVENTION_age_min], v[INTERVENTION_age_max]);
    }
    if ((int)v[INTERVENTION_target_state] != TARGET_ANY &&
        v[INTERVENTION_state_min] > v[INTERVENTION_state_max]) {
        snprintf(key, sizeof key, "intervention.%s.state_min", e->name);
        return attune_entry_fail(scenario, e, FIELD_BIT(state_min) | FIELD_BIT(state_max), key, err,
                                 "[intervention %s] has state_min %g above state_max %g; "
                                 "state_min must be at most state_max",
                                 e->name, v[INTERVENTION_state_min], v[INTERVENTION_state_max]);
    }
    if (v[INTERVENTION_culture] >= (double)cultures) {
        snprintf(key, sizeof key, "intervention.%s.culture", e->name);
        return attune_entry_fail(scenario, e, FIELD_BIT(culture), key, err,
                                 "[intervention %s] has culture %g, but the scenario has %zu "
                                 "cultures; expected -1 (any) or the index of a [culture] entry in "
                                 "[0, %zu]",
                                 e->name, v[INTERVENTION_culture], cultures, cultures - 1);
    }
    if ((int)v[INTERVENTION_kind] == INTERVENTION_THERAPY && v[INTERVENTION_start_week] < 2) {
        snprintf(key, sizeof key, "intervention.%s.start_week", e->name);
        return attune_entry_fail(
            scenario, e, FIELD_BIT(start_week) | FIELD_BIT(kind), key, err,
            "[intervention %s] is a therapy trial starting in week %g, but therapists are first "
            "recruited in the therapy phase of week 1, after that week's interventions "
            "(docs/ODD.md 3, 7.7); a therapy intervention's start_week must be at least 2",
            e->name, v[INTERVENTION_start_week]);
    }
    if (v[INTERVENTION_start_week] > (double)weeks) {
        snprintf(key, sizeof key, "intervention.%s.start_week", e->name);
        return attune_entry_fail(
            scenario, e, FIELD_BIT(start_week), key, err,
            "[intervention %s] has start_week %g, after the last week of the run "
            "(run.weeks = %lld); start_week must be at most run.weeks",
            e->name, v[INTERVENTION_start_week], (long long)weeks);
    }
    return ATTUNE_OK;
}

#undef FIELD_BIT

/* An input error unless the threshold `key` (value v) is at least `bar_key` (value bar); `why`
 * says what the other order would do. */
static int threshold_at_least(attune_error *err, const char *key, double v, const char *bar_key,
                              double bar, const char *why)
{
    if (v >= bar)
        return ATTUNE_OK;
    return attune_fail(err, ATTUNE_ERR_RANGE, NULL, 0, key,
                       "%s (%g) is below %s (%g); %s: it must be at least %s (in [%g, 1])", key, v,
                       bar_key, bar, why, bar_key, bar);
}

int attune_scenario_validate(const attune_scenario *scenario, attune_error *err)
{
    const attune_entry_list *cultures = &scenario->entries[ENTRY_KIND_CULTURE];
    double total = 0;
    for (size_t i = 0; i < cultures->count; i++)
        total += cultures->items[i].values[CULTURE_share];
    if (total <= 0)
        return attune_fail(err, ATTUNE_ERR_RANGE, NULL, 0, "culture",
                           "the cultures' shares sum to 0; at least one [culture NAME] needs a "
                           "share above 0");
    const attune_params *p = &scenario->params;
    if (p->population_community_size > p->population_size)
        return attune_fail(err, ATTUNE_ERR_RANGE, NULL, 0, "population.community_size",
                           "population.community_size (%lld) exceeds population.size (%lld)",
                           (long long)p->population_community_size, (long long)p->population_size);
    if (p->wellbeing_weight_affect + p->wellbeing_weight_self_worth +
            p->wellbeing_weight_self_relation + p->wellbeing_weight_unmet_need +
            p->wellbeing_weight_coping <=
        0)
        return attune_fail(err, ATTUNE_ERR_RANGE, NULL, 0, "wellbeing",
                           "the five wellbeing.weight_* sum to 0; well-being is their weighted "
                           "mean, so at least one needs a weight above 0");
    /* The hysteresis of coping and of distress (ODD 7.3b): the other order is not a model but a
     * degenerate one. */
    int rc = threshold_at_least(err, "coping.onset_threshold", p->coping_onset_threshold,
                                "coping.stop_threshold", p->coping_stop_threshold,
                                "coping would start at intensity 0");
    if (rc == ATTUNE_OK)
        rc = threshold_at_least(err, "distress.recovery_threshold", p->distress_recovery_threshold,
                                "distress.threshold", p->distress_threshold,
                                "an episode would recover below the threshold that starts one");
    if (rc != ATTUNE_OK)
        return rc;
    const attune_entry_list *list = &scenario->entries[ENTRY_KIND_INTERVENTION];
    for (size_t i = 0; i < list->count && rc == ATTUNE_OK; i++)
        rc = validate_intervention(scenario, &list->items[i], err);
    return rc;
}

int attune_scenario_to_ini(const attune_scenario *scenario, char **text)
{
    if (scenario == NULL || text == NULL)
        return ATTUNE_ERR_ARGUMENT;
    strbuf sb = {0};
    const char *section = "";
    sb_printf(&sb, "; An attune scenario with every parameter. Comments start with ; or #.\n"
                   "; Keys: `attune params`; reference: docs/parameters.md.\n");
    for (size_t i = 0; i < attune_param_count(); i++) {
        const attune_param_info *info = attune_param_at(i);
        if (strcmp(info->section, section) != 0) {
            section = info->section;
            sb_printf(&sb, "\n[%s]\n", section);
        }
        char v[64];
        attune_param_format(info, attune_param_load(&scenario->params, i), v, sizeof v);
        sb_printf(&sb, "%s = %s\n", info->name, v);
    }
    for (size_t k = 0; k < ENTRY_KIND_COUNT; k++) {
        const attune_entry_kind_info *kind = attune_entry_kind_at(k);
        for (size_t e = 0; e < scenario->entries[k].count; e++) {
            const attune_entry *entry = &scenario->entries[k].items[e];
            sb_printf(&sb, "\n[%s %s]\n", kind->kind, entry->name);
            for (size_t f = 0; f < kind->field_count; f++) {
                char v[64];
                attune_param_format(&kind->fields[f], entry->values[f], v, sizeof v);
                sb_printf(&sb, "%s = %s\n", kind->fields[f].name, v);
            }
        }
    }
    return sb_finish(&sb, text);
}

static void json_number(strbuf *sb, const attune_param_info *info, double value)
{
    char v[64];
    attune_param_format(info, value, v, sizeof v);
    sb_printf(sb, "%s", v);
}

int attune_scenario_to_json(const attune_scenario *scenario, char **text)
{
    if (scenario == NULL || text == NULL)
        return ATTUNE_ERR_ARGUMENT;
    strbuf sb = {0};
    sb_printf(&sb, "{\"parameters\": {");
    for (size_t i = 0; i < attune_param_count(); i++) {
        const attune_param_info *info = attune_param_at(i);
        sb_printf(&sb, "%s\n    \"%s\": ", i ? "," : "", info->key);
        json_number(&sb, info, attune_param_load(&scenario->params, i));
    }
    sb_printf(&sb, "\n  },\n  \"entries\": {");
    for (size_t k = 0; k < ENTRY_KIND_COUNT; k++) {
        const attune_entry_kind_info *kind = attune_entry_kind_at(k);
        sb_printf(&sb, "%s\n    \"%s\": [", k ? "," : "", kind->kind);
        for (size_t e = 0; e < scenario->entries[k].count; e++) {
            const attune_entry *entry = &scenario->entries[k].items[e];
            sb_printf(&sb, "%s\n      {\"name\": \"%s\"", e ? "," : "", entry->name);
            for (size_t f = 0; f < kind->field_count; f++) {
                sb_printf(&sb, ", \"%s\": ", kind->fields[f].name);
                json_number(&sb, &kind->fields[f], entry->values[f]);
            }
            sb_printf(&sb, "}");
        }
        sb_printf(&sb, "\n    ]");
    }
    sb_printf(&sb, "\n  }\n}");
    return sb_finish(&sb, text);
}

/* A row of the reference; `required`: the field has no default (an entry must set it). */
static void markdown_row(strbuf *sb, const attune_param_info *info, const char *label, int required)
{
    char d[64], range[160];
    if (required)
        snprintf(d, sizeof d, "(required)");
    else
        attune_param_format(info, info->default_value, d, sizeof d);
    attune_param_range_text(info, range, sizeof range);
    sb_printf(sb, "| `%s` | %s | %s | %s | %s | %s |\n", label, attune_param_type_name(info->type),
              d, range, info->unit, info->doc);
}

int attune_params_markdown(char **text)
{
    if (text == NULL)
        return ATTUNE_ERR_ARGUMENT;
    strbuf sb = {0};
    sb_printf(&sb, "# Parameter reference\n\n"
                   "Generated from the parameter table (`src/engine/params.def`) by "
                   "`attune params --markdown`; a test checks that it matches. Do not edit by "
                   "hand.\n\n"
                   "A scenario file sets a parameter `section.name` as `name = value` under "
                   "`[section]`; the command line sets it with `--set section.name=value`.\n");
    const char *section = "";
    for (size_t i = 0; i < attune_param_count(); i++) {
        const attune_param_info *info = attune_param_at(i);
        if (strcmp(info->section, section) != 0) {
            section = info->section;
            sb_printf(&sb,
                      "\n## [%s]\n\n| key | type | default | range | unit | meaning |\n"
                      "|---|---|---|---|---|---|\n",
                      section);
        }
        markdown_row(&sb, info, info->key, 0);
    }
    for (size_t k = 0; k < ENTRY_KIND_COUNT; k++) {
        const attune_entry_kind_info *kind = attune_entry_kind_at(k);
        sb_printf(&sb,
                  "\n## Repeated entries: [%s NAME]\n\n%s\n\n"
                  "| field | type | default | range | unit | meaning |\n"
                  "|---|---|---|---|---|---|\n",
                  kind->kind, kind->doc);
        for (size_t f = 0; f < kind->field_count; f++) {
            const attune_param_info *info = &kind->fields[f];
            markdown_row(&sb, info, info->name,
                         k == ENTRY_KIND_INTERVENTION && f == INTERVENTION_kind);
        }
    }
    attune_scenario *defaults = NULL;
    if (attune_scenario_create(&defaults) == ATTUNE_OK) {
        const attune_entry_kind_info *kind = attune_entry_kind_at(ENTRY_KIND_CULTURE);
        sb_printf(&sb, "\nBuilt-in cultures of the default scenario:\n\n| culture |");
        for (size_t f = 0; f < kind->field_count; f++)
            sb_printf(&sb, " %s |", kind->fields[f].name);
        sb_printf(&sb, "\n|---|");
        for (size_t f = 0; f < kind->field_count; f++)
            sb_printf(&sb, "---|");
        sb_printf(&sb, "\n");
        const attune_entry_list *list = &defaults->entries[ENTRY_KIND_CULTURE];
        for (size_t e = 0; e < list->count; e++) {
            sb_printf(&sb, "| %s |", list->items[e].name);
            for (size_t f = 0; f < kind->field_count; f++)
                sb_printf(&sb, " %g |", list->items[e].values[f]);
            sb_printf(&sb, "\n");
        }
        attune_scenario_free(defaults);
    }
    return sb_finish(&sb, text);
}
