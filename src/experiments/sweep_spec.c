/*
 * Sweep files (docs/sweeps.md): INI with a [sweep] section (base scenario, design, samples,
 * replicates, seed), a [set] section of fixed parameter values, and one [vary KEY] section per
 * varied parameter. Calibration files (docs/validation.md) are the same with a [calibrate]
 * section instead of [sweep], which also names the targets and what is accepted. Every error
 * names the file, the line and the key.
 */
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/scenario_internal.h"
#include "experiments/sweep_internal.h"
#include "attune/calibrate.h"
#include "io/ini_lines.h"

#define SWEEP_FILE_MAX_BYTES (1u << 20)

const char *const sweep_design_names[4] = {"grid", "lhs", "sobol", "morris"};
static const char *const model_names[2] = {"simulation", "ishigami"};
static const char *const sweep_keys[] = {"scenario",   "design", "samples", "levels",
                                         "replicates", "seed",   "model",   "weekly"};
static const char *const calibrate_keys[] = {"scenario", "design", "samples", "replicates",
                                             "seed",     "weekly", "size",    "weeks",
                                             "targets",  "accept", "epsilon"};
static const char *const vary_keys[] = {"values", "min", "max", "levels", "scale"};
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Where each setting came from: 0 when absent. */
typedef struct sweep_lines {
    int scenario, design, samples, levels, replicates, seed, model, weekly;
    int size, weeks, targets, accept, epsilon; /* [calibrate] only */
    int section;                               /* line of the [sweep] or [calibrate] header */
} sweep_lines;

typedef struct factor_lines {
    int values, min, max, levels, scale;
    int levels_value;
} factor_lines;

typedef struct set_line {
    char key[128];
    char value[1024];
    int line;
    const char *origin; /* how messages name where it was set: "[set]", "size in [calibrate]:" */
} set_line;

typedef struct spec_state {
    ini_lines src; /* must stay first: inih's reader gets the spec_state */
    const char *name;
    attune_sweep *sw;
    ini_first_error first;
    int keys;
    char scenario_path[1024];
    sweep_lines at;
    set_line *sets;
    size_t set_count, set_cap;
    factor_lines *factor_at; /* parallel to sw->factors */
    size_t factor_cap;
    int calibration; /* the caller reads a calibration file ([calibrate]), not a sweep file */
    char size_value[64], weeks_value[64];
} spec_state;

static void fail_at(spec_state *st, int status, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void fail_at(spec_state *st, int status, int line, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ini_vfail(&st->first, st->name, status, line, key, fmt, ap);
    va_end(ap);
}

static void syntax_error(void *owner, int line, const char *message)
{
    fail_at(owner, ATTUNE_ERR_SYNTAX, line, NULL, "%s", message);
}

/* Parses a whole finite number; returns 0 on success. */
static int parse_real(const char *text, double *out)
{
    char *end;
    while (*text == ' ' || *text == '\t')
        text++;
    if (*text == '\0')
        return -1;
    double v = strtod(text, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* A whole number in [lo, hi], written as digits (no exponent, no fraction). */
static int parse_count(spec_state *st, const char *key, const char *text, double lo, double hi,
                       double *out)
{
    double v;
    const char *p = text;
    if (*p == '+' || *p == '-')
        p++;
    if (*p == '\0' || strspn(p, "0123456789") != strlen(p) || parse_real(text, &v) != 0) {
        fail_at(st, ATTUNE_ERR_TYPE, st->src.line, key, "%s is '%s', expected a whole number", key,
                text);
        return -1;
    }
    if (v < lo || v > hi) {
        fail_at(st, ATTUNE_ERR_RANGE, st->src.line, key, "%s is %s, outside its range [%.0f, %.0f]",
                key, text, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* Index of `text` in `names`, or -1 after reporting the choices. */
static int parse_choice(spec_state *st, const char *key, const char *text, const char *const *names,
                        size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(text, names[i]) == 0)
            return (int)i;
    char list[256] = "";
    for (size_t i = 0; i < count; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
    const char *near = attune_nearest_word(text, names, count);
    fail_at(st, ATTUNE_ERR_TYPE, st->src.line, key, "%s is '%s', not one of: %s%s%s%s", key, text,
            list, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    return -1;
}

static void unknown_key(spec_state *st, const char *section, const char *name,
                        const char *const *keys, size_t count)
{
    const char *near = attune_nearest_word(name, keys, count);
    char list[256] = "";
    for (size_t i = 0; i < count; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", keys[i]);
    if (near != NULL)
        fail_at(st, ATTUNE_ERR_UNKNOWN_KEY, st->src.line, name,
                "unknown key '%s' in [%s]; did you mean '%s'?", name, section, near);
    else
        fail_at(st, ATTUNE_ERR_UNKNOWN_KEY, st->src.line, name,
                "unknown key '%s' in [%s]; the keys are: %s", name, section, list);
}

/* Records the line of a key; reports a duplicate. Returns 0 if the key is new. */
static int first_time(spec_state *st, int *line_slot, const char *section, const char *name)
{
    if (*line_slot != 0) {
        fail_at(st, ATTUNE_ERR_DUPLICATE, st->src.line, name,
                "duplicate key '%s' in [%s] (first set on line %d)", name, section, *line_slot);
        return -1;
    }
    *line_slot = st->src.line;
    return 0;
}

/* The targets of a calibration: T1 .. T5 (every part of each) or parts ("T3.none"). */
static void parse_targets(spec_state *st, const char *name, const char *value)
{
    sweep_calibration *cal = &st->sw->calib;
    const char *ids[ATTUNE_TARGET_PART_COUNT + 5];
    size_t n_ids = 0;
    for (size_t i = 0; i < ATTUNE_TARGET_PART_COUNT; i++) {
        const attune_target_info *t = attune_target_at(i);
        if (n_ids == 0 || strcmp(ids[n_ids - 1], t->target) != 0)
            ids[n_ids++] = t->target;
    }
    for (size_t i = 0; i < ATTUNE_TARGET_PART_COUNT; i++)
        ids[n_ids++] = attune_target_at(i)->id;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", value);
    int any = 0;
    for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        size_t len = strlen(tok);
        while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
            tok[--len] = '\0';
        if (len == 0)
            continue;
        any = 1;
        size_t matched = 0;
        for (size_t i = 0; i < ATTUNE_TARGET_PART_COUNT; i++) {
            const attune_target_info *t = attune_target_at(i);
            if (strcmp(tok, t->id) != 0 && strcmp(tok, t->target) != 0)
                continue;
            matched++;
            for (size_t k = 0; k < cal->part_count; k++) {
                if (cal->parts[k] == (int)i) {
                    fail_at(st, ATTUNE_ERR_DUPLICATE, st->src.line, name,
                            "targets names %s twice (%s)", t->id, tok);
                    return;
                }
            }
            cal->parts[cal->part_count++] = (int)i;
        }
        if (matched == 0) {
            const char *near = attune_nearest_word(tok, ids, n_ids);
            fail_at(st, ATTUNE_ERR_UNKNOWN_KEY, st->src.line, name,
                    "unknown target '%s'; the targets are T1 to T5 and their parts (T1.secure, "
                    "T3.coping_or, ...: attune validate lists them)%s%s%s",
                    tok, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
            return;
        }
    }
    if (!any)
        fail_at(st, ATTUNE_ERR_SYNTAX, st->src.line, name,
                "targets is empty; expected T1 to T5 or parts, separated by commas");
}

/* A real number in (lo, hi] for accept and epsilon. */
static int parse_positive(spec_state *st, const char *name, const char *value, double hi,
                          double *out)
{
    double v;
    if (parse_real(value, &v) != 0) {
        fail_at(st, ATTUNE_ERR_TYPE, st->src.line, name, "%s is '%s', expected a number", name,
                value);
        return -1;
    }
    if (!(v > 0) || v > hi) {
        fail_at(st, ATTUNE_ERR_RANGE, st->src.line, name, "%s is %s, outside its range (0, %g]",
                name, value, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* Keys of [calibrate] that [sweep] does not have. Returns 1 if `name` is one. */
static int calibrate_only_key(spec_state *st, const char *name, const char *value)
{
    sweep_lines *at = &st->at;
    double v;
    if (strcmp(name, "size") == 0) {
        if (first_time(st, &at->size, "calibrate", name) == 0 &&
            parse_count(st, name, value, 1, 1e15, &v) == 0)
            snprintf(st->size_value, sizeof st->size_value, "%.0f", v);
    } else if (strcmp(name, "weeks") == 0) {
        if (first_time(st, &at->weeks, "calibrate", name) == 0 &&
            parse_count(st, name, value, 1, 1e15, &v) == 0)
            snprintf(st->weeks_value, sizeof st->weeks_value, "%.0f", v);
    } else if (strcmp(name, "targets") == 0) {
        if (first_time(st, &at->targets, "calibrate", name) == 0)
            parse_targets(st, name, value);
    } else if (strcmp(name, "accept") == 0) {
        if (first_time(st, &at->accept, "calibrate", name) == 0)
            parse_positive(st, name, value, 1.0, &st->sw->calib.accept);
    } else if (strcmp(name, "epsilon") == 0) {
        if (first_time(st, &at->epsilon, "calibrate", name) == 0)
            parse_positive(st, name, value, 1e300, &st->sw->calib.epsilon);
    } else {
        return 0;
    }
    return 1;
}

/* A key of [sweep] or, for a calibration, [calibrate]. */
static int sweep_key(spec_state *st, const char *name, const char *value)
{
    attune_sweep *sw = st->sw;
    sweep_lines *at = &st->at;
    const char *section = st->calibration ? "calibrate" : "sweep";
    double v;
    int c;
    if (st->calibration && calibrate_only_key(st, name, value))
        return 1;
    if (st->calibration && (strcmp(name, "model") == 0 || strcmp(name, "levels") == 0)) {
        unknown_key(st, section, name, calibrate_keys, COUNT_OF(calibrate_keys));
        return 1;
    }
    if (strcmp(name, "scenario") == 0) {
        if (first_time(st, &at->scenario, section, name) == 0)
            snprintf(st->scenario_path, sizeof st->scenario_path, "%s", value);
    } else if (strcmp(name, "design") == 0) {
        if (first_time(st, &at->design, section, name) == 0 &&
            (c = parse_choice(st, name, value, sweep_design_names, 4)) >= 0)
            sw->design = c;
    } else if (strcmp(name, "model") == 0) {
        if (first_time(st, &at->model, section, name) == 0 &&
            (c = parse_choice(st, name, value, model_names, 2)) >= 0)
            sw->model = c;
    } else if (strcmp(name, "samples") == 0) {
        if (first_time(st, &at->samples, section, name) == 0 &&
            parse_count(st, name, value, 2, SWEEP_MAX_POINTS, &v) == 0)
            sw->samples = (size_t)v;
    } else if (strcmp(name, "levels") == 0) {
        if (first_time(st, &at->levels, section, name) == 0 &&
            parse_count(st, name, value, 2, 100, &v) == 0)
            sw->levels = (int)v;
    } else if (strcmp(name, "replicates") == 0) {
        if (first_time(st, &at->replicates, section, name) == 0 &&
            parse_count(st, name, value, 1, 1000, &v) == 0)
            sw->replicates = (int)v;
    } else if (strcmp(name, "seed") == 0) {
        if (first_time(st, &at->seed, section, name) == 0 &&
            parse_count(st, name, value, 0, 9007199254740991.0, &v) == 0)
            sw->seed = (uint64_t)v;
    } else if (strcmp(name, "weekly") == 0) {
        static const char *const bools[] = {"false", "true"};
        if (first_time(st, &at->weekly, section, name) == 0 &&
            (c = parse_choice(st, name, value, bools, 2)) >= 0)
            sw->weekly = c == 1;
    } else {
        if (st->calibration)
            unknown_key(st, section, name, calibrate_keys, COUNT_OF(calibrate_keys));
        else
            unknown_key(st, section, name, sweep_keys, COUNT_OF(sweep_keys));
    }
    return 1;
}

static int set_key(spec_state *st, const char *name, const char *value)
{
    for (size_t i = 0; i < st->set_count; i++) {
        if (strcmp(st->sets[i].key, name) == 0) {
            fail_at(st, ATTUNE_ERR_DUPLICATE, st->src.line, name,
                    "duplicate key '%s' in [set] (first set on line %d)", name, st->sets[i].line);
            return 1;
        }
    }
    if (st->set_count == st->set_cap) {
        size_t cap = st->set_cap ? 2 * st->set_cap : 16;
        set_line *n = realloc(st->sets, cap * sizeof *n);
        if (n == NULL) {
            fail_at(st, ATTUNE_ERR_NOMEM, st->src.line, name, "out of memory");
            return 0;
        }
        st->sets = n;
        st->set_cap = cap;
    }
    set_line *s = &st->sets[st->set_count++];
    snprintf(s->key, sizeof s->key, "%s", name);
    snprintf(s->value, sizeof s->value, "%s", value);
    s->line = st->src.line;
    s->origin = "[set]";
    return 1;
}

/* The factor of section [vary KEY], appended when first seen. */
static sweep_factor *factor_for(spec_state *st, const char *key, factor_lines **lines)
{
    attune_sweep *sw = st->sw;
    for (size_t i = 0; i < sw->factor_count; i++) {
        if (strcmp(sw->factors[i].key, key) == 0) {
            if (sw->factors[i].line != st->src.section_line) {
                fail_at(st, ATTUNE_ERR_DUPLICATE, st->src.section_line, key,
                        "[vary %s] appears twice (first on line %d)", key, sw->factors[i].line);
                return NULL;
            }
            *lines = &st->factor_at[i];
            return &sw->factors[i];
        }
    }
    if (sw->factor_count == SWEEP_MAX_FACTORS) {
        fail_at(st, ATTUNE_ERR_RANGE, st->src.section_line, key, "more than %d varied parameters",
                SWEEP_MAX_FACTORS);
        return NULL;
    }
    if (sw->factor_count == st->factor_cap) {
        size_t cap = st->factor_cap ? 2 * st->factor_cap : 4;
        sweep_factor *f = realloc(sw->factors, cap * sizeof *f);
        if (f != NULL)
            sw->factors = f;
        factor_lines *l = realloc(st->factor_at, cap * sizeof *l);
        if (l != NULL)
            st->factor_at = l;
        if (f == NULL || l == NULL) {
            fail_at(st, ATTUNE_ERR_NOMEM, st->src.line, key, "out of memory");
            return NULL;
        }
        st->factor_cap = cap;
    }
    sweep_factor *f = &sw->factors[sw->factor_count];
    memset(f, 0, sizeof *f);
    memset(&st->factor_at[sw->factor_count], 0, sizeof st->factor_at[0]);
    snprintf(f->key, sizeof f->key, "%s", key);
    f->line = st->src.section_line;
    *lines = &st->factor_at[sw->factor_count];
    sw->factor_count++;
    return f;
}

static int parse_values(spec_state *st, sweep_factor *f, const char *value)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", value);
    size_t n = 0;
    for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ","))
        n++;
    if (n == 0) {
        fail_at(st, ATTUNE_ERR_SYNTAX, st->src.line, f->key,
                "values is empty; expected numbers separated by commas");
        return -1;
    }
    if (n > SWEEP_MAX_VALUES) {
        fail_at(st, ATTUNE_ERR_TOO_LARGE, st->src.line, f->key, "more than %d values",
                SWEEP_MAX_VALUES);
        return -1;
    }
    f->values = malloc(n * sizeof *f->values);
    if (f->values == NULL) {
        fail_at(st, ATTUNE_ERR_NOMEM, st->src.line, f->key, "out of memory");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", value);
    for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        double v;
        if (parse_real(tok, &v) != 0) {
            fail_at(st, ATTUNE_ERR_TYPE, st->src.line, f->key,
                    "values holds '%s', which is not a finite number", tok);
            return -1;
        }
        for (size_t i = 0; i < f->value_count; i++) {
            if (f->values[i] == v) {
                fail_at(st, ATTUNE_ERR_DUPLICATE, st->src.line, f->key, "values holds %s twice",
                        tok);
                return -1;
            }
        }
        f->values[f->value_count++] = v;
    }
    return 0;
}

static int vary_key(spec_state *st, const char *key, const char *name, const char *value)
{
    factor_lines *at;
    sweep_factor *f = factor_for(st, key, &at);
    if (f == NULL)
        return 1;
    char section[160];
    snprintf(section, sizeof section, "vary %s", key);
    double v;
    if (strcmp(name, "values") == 0) {
        if (first_time(st, &at->values, section, name) == 0)
            parse_values(st, f, value);
    } else if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0) {
        int is_min = name[1] == 'i';
        if (first_time(st, is_min ? &at->min : &at->max, section, name) != 0)
            return 1;
        if (parse_real(value, &v) != 0)
            fail_at(st, ATTUNE_ERR_TYPE, st->src.line, key, "%s is '%s', expected a number", name,
                    value);
        else if (is_min)
            f->min = v;
        else
            f->max = v;
    } else if (strcmp(name, "levels") == 0) {
        if (first_time(st, &at->levels, section, name) == 0 &&
            parse_count(st, name, value, 2, SWEEP_MAX_VALUES, &v) == 0)
            at->levels_value = (int)v;
    } else if (strcmp(name, "scale") == 0) {
        static const char *const scales[] = {"linear", "log"};
        int c;
        if (first_time(st, &at->scale, section, name) == 0 &&
            (c = parse_choice(st, name, value, scales, 2)) >= 0)
            f->log_scale = c == 1;
    } else {
        unknown_key(st, section, name, vary_keys, COUNT_OF(vary_keys));
    }
    return 1;
}

static int handler(void *user, const char *inih_section, const char *name, const char *raw_value)
{
    spec_state *st = user;
    (void)inih_section; /* cut at 49 bytes: the reader keeps the whole name */
    const char *section = st->src.section;
    st->keys++;
    char value[1024];
    snprintf(value, sizeof value, "%s", raw_value);
    ini_strip_hash_comment(value);
    if (section[0] == '\0') {
        fail_at(st, ATTUNE_ERR_SYNTAX, st->src.line, name,
                "'%s' appears before any [section]; put it under [%s]", name,
                st->calibration ? "calibrate" : "sweep");
        return 1;
    }
    if (strcmp(section, "sweep") == 0 || strcmp(section, "calibrate") == 0) {
        int is_calibrate = section[0] == 'c';
        if (is_calibrate != st->calibration) {
            fail_at(st, ATTUNE_ERR_SYNTAX, st->src.section_line, NULL,
                    is_calibrate ? "[calibrate] makes this a calibration file: run it with "
                                   "attune calibrate (a sweep file has [sweep])"
                                 : "[sweep] makes this a sweep file: run it with attune sweep "
                                   "(a calibration file has [calibrate])");
            return 1;
        }
        if (st->at.section == 0)
            st->at.section = st->src.section_line;
        return sweep_key(st, name, value);
    }
    if (strcmp(section, "set") == 0)
        return set_key(st, name, value);
    char word[16], key[128], extra[8];
    if (sscanf(section, "%15s %127s %7s", word, key, extra) == 2 && strcmp(word, "vary") == 0)
        return vary_key(st, key, name, value);
    if (strcmp(section, "vary") == 0) {
        fail_at(st, ATTUNE_ERR_SYNTAX, st->src.section_line, NULL,
                "[vary] needs the parameter: write [vary SECTION.NAME]");
        return 1;
    }
    static const char *const sections[] = {"sweep", "set", "vary", "calibrate"};
    const char *near = attune_nearest_word(section, sections, 4);
    fail_at(st, ATTUNE_ERR_UNKNOWN_KEY, st->src.section_line, NULL,
            "unknown section [%s]; a %s file has [%s], [set] and [vary KEY]%s%s%s", section,
            st->calibration ? "calibration" : "sweep", st->calibration ? "calibrate" : "sweep",
            near ? "; did you mean [" : "", near ? near : "", near ? "]?" : "");
    return 1;
}

/* The row describing `key`: a parameter or an entry field (KIND.NAME.FIELD), or NULL. */
static const attune_param_info *key_info(const char *key)
{
    const attune_param_info *info = attune_param_find(key);
    if (info != NULL)
        return info;
    const char *dot = strchr(key, '.');
    const char *last = strrchr(key, '.');
    if (dot == NULL || last == dot)
        return NULL;
    for (size_t k = 0; k < attune_entry_kind_count(); k++) {
        const attune_entry_kind_info *kind = attune_entry_kind_at(k);
        if (strlen(kind->kind) != (size_t)(dot - key) ||
            strncmp(kind->kind, key, (size_t)(dot - key)))
            continue;
        for (size_t i = 0; i < kind->field_count; i++)
            if (strcmp(kind->fields[i].name, last + 1) == 0)
                return &kind->fields[i];
    }
    return NULL;
}

/* Sets `key` = `v` in `scenario` the way a run will, reporting at `line` of the sweep file. */
static int try_value(spec_state *st, attune_scenario *scenario, const sweep_factor *f, double v,
                     const char *what, int line)
{
    char text[64];
    if (f->integer)
        snprintf(text, sizeof text, "%lld", (long long)llround(v));
    else
        snprintf(text, sizeof text, "%.17g", v);
    attune_error e;
    if (attune_scenario_set(scenario, f->key, text, &e) == ATTUNE_OK)
        return 0;
    fail_at(st, e.status, line, f->key, "%s of [vary %s]: %s", what, f->key, e.message);
    return -1;
}

/* An integer parameter's range is the whole numbers in [min, max]: its ends are made whole
 * (sweep_design.c gives each number an equal share), and it must hold two or more. */
static int integer_range(spec_state *st, sweep_factor *f, const factor_lines *at)
{
    double lo = ceil(f->min), hi = floor(f->max);
    if (lo < hi) {
        f->min = lo;
        f->max = hi;
        return 0;
    }
    if (lo == hi)
        fail_at(st, ATTUNE_ERR_RANGE, at->max, f->key,
                "[vary %s] holds one whole number (%.0f) between min (%g) and max (%g); %s is an "
                "integer parameter: give a range with two or more",
                f->key, lo, f->min, f->max, f->key);
    else
        fail_at(st, ATTUNE_ERR_RANGE, at->max, f->key,
                "[vary %s] holds no whole number between min (%g) and max (%g); %s is an integer "
                "parameter: give a range with two or more",
                f->key, f->min, f->max, f->key);
    return -1;
}

/* A grid of an integer parameter: its values rounded as the runs use them. Values that round
 * to the same number would make the same design point twice: refused, naming the factor. */
static int round_grid_values(spec_state *st, sweep_factor *f, const factor_lines *at)
{
    for (size_t i = 0; i < f->value_count; i++) {
        double v = (double)llround(f->values[i]);
        for (size_t j = 0; j < i; j++) {
            if (f->values[j] != v)
                continue;
            if (at->values)
                fail_at(st, ATTUNE_ERR_DUPLICATE, at->values, f->key,
                        "values of [vary %s] give %.0f twice: %s is an integer parameter, so "
                        "its values are rounded; give each whole number once",
                        f->key, v, f->key);
            else if (f->log_scale)
                fail_at(st, ATTUNE_ERR_DUPLICATE, at->levels, f->key,
                        "levels = %zu of [vary %s] give %.0f twice: %s is an integer parameter "
                        "and its lowest levels on the log scale lie less than 1 apart; give "
                        "fewer levels, or values = ...",
                        f->value_count, f->key, v, f->key);
            else
                fail_at(st, ATTUNE_ERR_DUPLICATE, at->levels, f->key,
                        "levels = %zu of [vary %s] give %.0f twice: %s is an integer parameter "
                        "and [%.0f, %.0f] holds %.0f whole numbers; give at most that many "
                        "levels, or values = ...",
                        f->value_count, f->key, v, f->key, f->min, f->max, f->max - f->min + 1);
            return -1;
        }
        f->values[i] = v;
    }
    return 0;
}

static int check_factor(spec_state *st, attune_scenario *scratch, size_t index)
{
    attune_sweep *sw = st->sw;
    sweep_factor *f = &sw->factors[index];
    const factor_lines *at = &st->factor_at[index];
    if (sw->model == MODEL_SIMULATION) {
        const attune_param_info *info = key_info(f->key);
        if (strcmp(f->key, "run.seed") == 0) {
            fail_at(st, ATTUNE_ERR_RANGE, f->line, f->key,
                    "run.seed is set for each replicate from the sweep's seed: vary replicates "
                    "(and seed = in [sweep]) instead");
            return -1;
        }
        if (info != NULL && (info->type == ATTUNE_TYPE_CHOICE || info->type == ATTUNE_TYPE_BOOL) &&
            sw->design != DESIGN_GRID) {
            fail_at(st, ATTUNE_ERR_TYPE, f->line, f->key,
                    "%s is a %s parameter: vary it only in a grid design (values = ...)", f->key,
                    attune_param_type_name(info->type));
            return -1;
        }
        if (info != NULL && info->type == ATTUNE_TYPE_CHOICE) {
            fail_at(st, ATTUNE_ERR_TYPE, f->line, f->key,
                    "%s is a choice: sweep it with one sweep per choice", f->key);
            return -1;
        }
        f->integer = info != NULL && info->type != ATTUNE_TYPE_REAL;
        for (size_t i = 0; i < st->set_count; i++) {
            if (strcmp(st->sets[i].key, f->key) == 0) {
                fail_at(st, ATTUNE_ERR_DUPLICATE, f->line, f->key,
                        "%s is varied here and fixed in [set] on line %d", f->key,
                        st->sets[i].line);
                return -1;
            }
        }
    }
    int ranged = at->min || at->max;
    if (at->values && (ranged || at->levels)) {
        fail_at(st, ATTUNE_ERR_SYNTAX, at->values, f->key,
                "[vary %s] gives values and a range; give one of them", f->key);
        return -1;
    }
    if (!at->values && !(at->min && at->max)) {
        fail_at(st, ATTUNE_ERR_SYNTAX, f->line, f->key, "[vary %s] needs %s", f->key,
                sw->design == DESIGN_GRID ? "values = A, B, ... or min, max and levels"
                                          : "min and max");
        return -1;
    }
    if (at->values && sw->design != DESIGN_GRID) {
        fail_at(st, ATTUNE_ERR_SYNTAX, at->values, f->key,
                "values is for grid designs; a %s design samples between min and max",
                sweep_design_names[sw->design]);
        return -1;
    }
    if (at->levels && sw->design != DESIGN_GRID) {
        fail_at(st, ATTUNE_ERR_SYNTAX, at->levels, f->key,
                "levels of a factor is for grid designs (morris levels go in [sweep])");
        return -1;
    }
    if (ranged) {
        if (!(f->min < f->max)) {
            fail_at(st, ATTUNE_ERR_RANGE, at->max, f->key,
                    "max (%g) of [vary %s] must be greater than min (%g)", f->max, f->key, f->min);
            return -1;
        }
        if (f->log_scale && f->min <= 0) {
            fail_at(st, ATTUNE_ERR_RANGE, at->min, f->key, "scale = log needs min > 0 (min is %g)",
                    f->min);
            return -1;
        }
        if (sw->design == DESIGN_GRID && !at->levels) {
            fail_at(st, ATTUNE_ERR_SYNTAX, f->line, f->key,
                    "[vary %s] in a grid needs levels (evenly spaced values from min to max)",
                    f->key);
            return -1;
        }
    } else if (f->log_scale) {
        fail_at(st, ATTUNE_ERR_SYNTAX, at->scale, f->key, "scale applies to min and max only");
        return -1;
    }
    if (ranged && f->integer && integer_range(st, f, at) != 0)
        return -1;
    /* A test function's inputs are not parameters: nothing to check them against. */
    if (sw->model == MODEL_SIMULATION) {
        if (at->values) {
            for (size_t i = 0; i < f->value_count; i++)
                if (try_value(st, scratch, f, f->values[i], "a value", at->values) != 0)
                    return -1;
        } else if (try_value(st, scratch, f, f->min, "min", at->min) != 0 ||
                   try_value(st, scratch, f, f->max, "max", at->max) != 0) {
            return -1;
        }
    }
    if (sw->design == DESIGN_GRID && !at->values) {
        /* Evenly spaced levels (geometrically on a log scale), the ends included. */
        size_t n = (size_t)at->levels_value;
        f->values = malloc(n * sizeof *f->values);
        if (f->values == NULL) {
            fail_at(st, ATTUNE_ERR_NOMEM, f->line, f->key, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            double u = (double)i / (double)(n - 1);
            f->values[i] = f->log_scale ? exp(log(f->min) + u * (log(f->max) - log(f->min)))
                                        : f->min + u * (f->max - f->min);
        }
        f->value_count = n;
    }
    return f->integer ? round_grid_values(st, f, at) : 0;
}

/* Whole-file checks once every line is read; `err` gets the first problem. */
/* Whole-file checks of a calibration file, before those of a sweep file. */
static int check_calibration(spec_state *st)
{
    attune_sweep *sw = st->sw;
    const sweep_lines *at = &st->at;
    if (!at->section) {
        fail_at(st, ATTUNE_ERR_SYNTAX, 0, NULL,
                "a calibration file needs a [calibrate] section (targets, samples, ...)");
        return -1;
    }
    if (!at->design)
        sw->design = DESIGN_LHS;
    if (sw->design == DESIGN_MORRIS) {
        fail_at(st, ATTUNE_ERR_TYPE, at->design, "design",
                "design is 'morris'; a calibration samples with grid, lhs or sobol");
        return -1;
    }
    if (!at->targets) {
        fail_at(st, ATTUNE_ERR_SYNTAX, at->section, "targets",
                "[calibrate] needs targets = T1, T2, ... (targets or parts such as T3.none)");
        return -1;
    }
    if (at->accept && at->epsilon) {
        fail_at(st, ATTUNE_ERR_SYNTAX, at->epsilon > at->accept ? at->epsilon : at->accept,
                "epsilon", "give accept (a share of the points) or epsilon (a distance), not both");
        return -1;
    }
    if (!at->accept && !at->epsilon)
        sw->calib.accept = 0.1;
    /* size and weeks are [set] population.size and run.weeks, given once. */
    const char *keys[2] = {"population.size", "run.weeks"};
    const char *values[2] = {st->size_value, st->weeks_value};
    const int lines[2] = {at->size, at->weeks};
    static const char *const origins[2] = {"size in [calibrate]:", "weeks in [calibrate]:"};
    for (int k = 0; k < 2; k++) {
        if (!lines[k])
            continue;
        for (size_t i = 0; i < st->set_count; i++) {
            if (strcmp(st->sets[i].key, keys[k]) == 0) {
                fail_at(st, ATTUNE_ERR_DUPLICATE, st->sets[i].line, keys[k],
                        "%s in [set] and %s in [calibrate] (line %d) set the same parameter; "
                        "keep one",
                        keys[k], k == 0 ? "size" : "weeks", lines[k]);
                return -1;
            }
        }
        if (set_key(st, keys[k], values[k]) != 1 || st->first.failed)
            return -1;
        st->sets[st->set_count - 1].line = lines[k];
        st->sets[st->set_count - 1].origin = origins[k];
    }
    return 0;
}

static int check_sweep(spec_state *st)
{
    attune_sweep *sw = st->sw;
    const sweep_lines *at = &st->at;
    if (st->calibration && check_calibration(st) != 0)
        return -1;
    if (!at->design && !st->calibration) {
        fail_at(st, ATTUNE_ERR_SYNTAX, 0, "design",
                "[sweep] needs design = grid, lhs, sobol or morris");
        return -1;
    }
    if (sw->model == MODEL_ISHIGAMI) {
        if (at->scenario || st->set_count) {
            fail_at(st, ATTUNE_ERR_SYNTAX, at->scenario ? at->scenario : st->sets[0].line, NULL,
                    "model = ishigami evaluates a test function: it takes no scenario or [set]");
            return -1;
        }
        if (sw->factor_count != 3) {
            fail_at(st, ATTUNE_ERR_SYNTAX, at->model, "model",
                    "model = ishigami has three inputs: vary exactly three factors (x1, x2, x3)");
            return -1;
        }
    }
    if (sw->factor_count == 0) {
        fail_at(st, ATTUNE_ERR_SYNTAX, 0, NULL,
                "nothing is varied: add a [vary SECTION.NAME] section");
        return -1;
    }
    if (sw->design != DESIGN_GRID && !at->samples) {
        fail_at(st, ATTUNE_ERR_SYNTAX, at->design, "samples", "design = %s needs samples = N (%s)",
                sweep_design_names[sw->design],
                sw->design == DESIGN_LHS     ? "points"
                : sw->design == DESIGN_SOBOL ? "base samples; runs N x (factors + 2)"
                                             : "trajectories; runs N x (factors + 1)");
        return -1;
    }
    if (sw->design == DESIGN_GRID && at->samples) {
        fail_at(st, ATTUNE_ERR_SYNTAX, at->samples, "samples",
                "samples is not used by a grid design (its points are every combination)");
        return -1;
    }
    if (at->levels && sw->design != DESIGN_MORRIS) {
        fail_at(
            st, ATTUNE_ERR_SYNTAX, at->levels, "levels",
            "levels in [sweep] is for morris designs (a grid factor's levels go in its [vary])");
        return -1;
    }
    if (sw->design == DESIGN_MORRIS && sw->levels % 2 != 0) {
        fail_at(st, ATTUNE_ERR_RANGE, at->levels, "levels",
                "levels is %d; Morris designs need an even number of levels", sw->levels);
        return -1;
    }
    return 0;
}

/* The folder of `path` joined with `relative` (absolute paths unchanged). */
static void resolve_path(const char *path, const char *relative, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (relative[0] == '/' || slash == NULL)
        snprintf(out, size, "%s", relative);
    else
        snprintf(out, size, "%.*s/%s", (int)(slash - path), path, relative);
}

static int build_base(spec_state *st, attune_error *err)
{
    attune_sweep *sw = st->sw;
    int rc = attune_scenario_create(&sw->base);
    if (rc != ATTUNE_OK)
        return attune_fail(err, rc, st->name, 0, NULL, "out of memory");
    if (sw->model != MODEL_SIMULATION)
        return ATTUNE_OK;
    if (st->scenario_path[0]) {
        char path[2048];
        resolve_path(st->name, st->scenario_path, path, sizeof path);
        rc = attune_scenario_load(sw->base, path, err);
        if (rc == ATTUNE_ERR_IO) {
            char why[1024];
            snprintf(why, sizeof why, "%s", err != NULL ? err->message : "");
            return attune_fail(err, rc, st->name, st->at.scenario, "scenario",
                               "cannot read the base scenario %s: %s", path, why);
        }
        if (rc != ATTUNE_OK)
            return rc;
    }
    for (size_t i = 0; i < st->set_count; i++) {
        if (strcmp(st->sets[i].key, "run.seed") == 0)
            return attune_fail(err, ATTUNE_ERR_RANGE, st->name, st->sets[i].line, "run.seed",
                               "[set] run.seed would be replaced: each replicate's seed comes "
                               "from the sweep's seed (seed = in [sweep])");
        attune_error e;
        rc = attune_scenario_set_from_file(sw->base, st->sets[i].key, st->sets[i].value, st->name,
                                           st->sets[i].line, st->sets[i].line, &e);
        if (rc != ATTUNE_OK)
            return attune_fail(err, rc, st->name, st->sets[i].line, st->sets[i].key, "%s %s",
                               st->sets[i].origin, e.message);
    }
    return attune_scenario_validate(sw->base, err);
}

/* What the runs of a calibration depend on, in words: not its targets nor what it accepts,
 * so that a calibration analysed again with other ones keeps its runs. */
static void calibration_runs(const attune_sweep *sw, char *out, size_t size)
{
    size_t used =
        (size_t)snprintf(out, size, "design = %s\nsamples = %zu\nseed = %llu\nweekly = %s\n",
                         sweep_design_names[sw->design], sw->samples, (unsigned long long)sw->seed,
                         sw->weekly ? "true" : "false");
    for (size_t f = 0; f < sw->factor_count && used < size; f++) {
        const sweep_factor *x = &sw->factors[f];
        used += (size_t)snprintf(out + used, size - used, "[vary %s] %.17g %.17g %s", x->key,
                                 x->min, x->max, x->log_scale ? "log" : "linear");
        for (size_t i = 0; i < x->value_count && used < size; i++)
            used += (size_t)snprintf(out + used, size - used, "%s%.17g", i ? "," : " values ",
                                     x->values[i]);
        if (used < size)
            used += (size_t)snprintf(out + used, size - used, "\n");
    }
}

/* Everything the runs depend on, as text: the sweep file, the base scenario, the replicates. */
static int build_plan(attune_sweep *sw, const char *text, size_t size, attune_error *err)
{
    char *base_ini = NULL;
    int rc = attune_scenario_to_ini(sw->base, &base_ini);
    if (rc != ATTUNE_OK)
        return attune_fail(err, rc, sw->path, 0, NULL, "out of memory");
    if (sw->calibration) {
        char runs[65536];
        calibration_runs(sw, runs, sizeof runs);
        size_t n = strlen(runs) + strlen(base_ini) + 256;
        sw->plan = malloc(n);
        if (sw->plan != NULL)
            snprintf(sw->plan, n,
                     "attune calibration plan 1\nreplicates = %d\n--- runs\n%s"
                     "--- base scenario\n%s",
                     sw->replicates, runs, base_ini);
        free(base_ini);
        return sw->plan ? ATTUNE_OK
                        : attune_fail(err, ATTUNE_ERR_NOMEM, sw->path, 0, NULL, "out of memory");
    }
    size_t n = size + strlen(base_ini) + 256;
    sw->plan = malloc(n);
    if (sw->plan == NULL) {
        free(base_ini);
        return attune_fail(err, ATTUNE_ERR_NOMEM, sw->path, 0, NULL, "out of memory");
    }
    snprintf(sw->plan, n,
             "attune sweep plan 1\nreplicates = %d\n--- sweep file\n%.*s\n"
             "--- base scenario\n%s",
             sw->replicates, (int)size, text,
             sw->model == MODEL_SIMULATION ? base_ini : "(none: test function)\n");
    free(base_ini);
    return ATTUNE_OK;
}

static int load_buffer(const char *text, size_t size, const char *name, int replicates,
                       int calibration, attune_sweep **out, attune_error *err)
{
    if (text == NULL || out == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, name, 0, NULL, "missing text or output");
    *out = NULL;
    if (name == NULL)
        name = "<sweep>";
    if (replicates < 0 || replicates > 1000)
        return attune_fail(err, ATTUNE_ERR_RANGE, name, 0, "replicates",
                           "replicates is %d, outside its range [1, 1000]", replicates);
    int rc = ini_refuse_binary(text, size, name, err);
    if (rc != ATTUNE_OK)
        return rc;
    attune_sweep *sw = calloc(1, sizeof *sw);
    if (sw == NULL)
        return attune_fail(err, ATTUNE_ERR_NOMEM, name, 0, NULL, "out of memory");
    snprintf(sw->path, sizeof sw->path, "%s", name);
    sw->replicates = 1;
    sw->levels = 4;
    sw->seed = 1;
    sw->weekly = !calibration;
    sw->calibration = calibration != 0;
    spec_state st = {0};
    st.name = name;
    st.sw = sw;
    st.calibration = calibration;
    ini_lines_init(&st.src, text, size, syntax_error, &st);
    int syntax_line = ini_parse_stream(ini_lines_read, &st, handler, &st);
    if (syntax_line > 0 && (!st.first.failed || syntax_line < st.first.error.line)) {
        char shown[64];
        ini_line_excerpt(text, size, syntax_line, shown, sizeof shown);
        fail_at(&st, ATTUNE_ERR_SYNTAX, syntax_line, NULL,
                "cannot read '%s': expected 'key = value', '[section]' or a comment (; or #)",
                shown);
    } else if (syntax_line < 0 && !st.first.failed) {
        fail_at(&st, ATTUNE_ERR_NOMEM, 0, NULL, "out of memory while parsing");
    }
    if (!st.first.failed && st.keys == 0)
        fail_at(&st, ATTUNE_ERR_SYNTAX, 0, NULL, "the %s file holds no settings",
                calibration ? "calibration" : "sweep");
    if (replicates > 0)
        sw->replicates = replicates;
    if (!st.first.failed)
        check_sweep(&st);
    rc = st.first.failed ? st.first.error.status : ATTUNE_OK;
    if (rc != ATTUNE_OK && err != NULL)
        *err = st.first.error;
    if (rc == ATTUNE_OK)
        rc = build_base(&st, err);
    attune_scenario *scratch = NULL;
    if (rc == ATTUNE_OK && (rc = attune_scenario_copy(sw->base, &scratch)) != ATTUNE_OK)
        attune_fail(err, rc, name, 0, NULL, "out of memory");
    for (size_t i = 0; rc == ATTUNE_OK && i < sw->factor_count; i++) {
        if (check_factor(&st, scratch, i) != 0) {
            rc = st.first.error.status;
            if (err != NULL)
                *err = st.first.error;
        }
    }
    attune_scenario_free(scratch);
    if (rc == ATTUNE_OK)
        rc = sweep_design_build(sw, err);
    if (rc == ATTUNE_OK)
        rc = build_plan(sw, text, size, err);
    free(st.sets);
    free(st.factor_at);
    if (rc != ATTUNE_OK) {
        attune_sweep_free(sw);
        return rc;
    }
    *out = sw;
    return ATTUNE_OK;
}

int attune_sweep_load_buffer(const char *text, size_t size, const char *name, int replicates,
                             attune_sweep **out, attune_error *err)
{
    return load_buffer(text, size, name, replicates, 0, out, err);
}

int attune_calibration_load_buffer(const char *text, size_t size, const char *name, int replicates,
                                   attune_sweep **out, attune_error *err)
{
    return load_buffer(text, size, name, replicates, 1, out, err);
}

static int load_file(const char *path, int replicates, int calibration, attune_sweep **out,
                     attune_error *err)
{
    if (path == NULL || out == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, path, 0, NULL, "missing path or output");
    char *text;
    size_t size;
    int rc = ini_read_file(path, SWEEP_FILE_MAX_BYTES,
                           calibration ? "calibration file" : "sweep file", &text, &size, err);
    if (rc == ATTUNE_OK)
        rc = load_buffer(text, size, path, replicates, calibration, out, err);
    free(text);
    return rc;
}

int attune_sweep_load(const char *path, int replicates, attune_sweep **out, attune_error *err)
{
    return load_file(path, replicates, 0, out, err);
}

int attune_calibration_load(const char *path, int replicates, attune_sweep **out, attune_error *err)
{
    return load_file(path, replicates, 1, out, err);
}

void attune_sweep_free(attune_sweep *sweep)
{
    if (sweep == NULL)
        return;
    for (size_t i = 0; i < sweep->factor_count; i++)
        free(sweep->factors[i].values);
    free(sweep->factors);
    free(sweep->points);
    free(sweep->values);
    free(sweep->plan);
    attune_scenario_free(sweep->base);
    free(sweep);
}

const char *attune_sweep_design(const attune_sweep *sweep)
{
    return sweep_design_names[sweep->design];
}

size_t attune_sweep_point_count(const attune_sweep *sweep)
{
    return sweep->point_count;
}

size_t attune_sweep_run_count(const attune_sweep *sweep)
{
    return sweep->point_count * (size_t)sweep->replicates;
}

size_t attune_sweep_factor_count(const attune_sweep *sweep)
{
    return sweep->factor_count;
}

const char *attune_sweep_factor_name(const attune_sweep *sweep, size_t factor)
{
    return factor < sweep->factor_count ? sweep->factors[factor].key : NULL;
}
