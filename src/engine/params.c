/* The parameter table (from params.def), entry kinds, value parsing and key suggestions. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/scenario_internal.h"

#define TYPE_INT    ATTUNE_TYPE_INT
#define TYPE_REAL   ATTUNE_TYPE_REAL
#define TYPE_BOOL   ATTUNE_TYPE_BOOL
#define TYPE_CHOICE ATTUNE_TYPE_CHOICE

static const attune_param_info param_table[] = {
#define ATTUNE_PARAM(sec, nm, type, def, lo, hi, unit, doc)                                        \
    {#sec,         #nm,          #sec "." #nm, TYPE_##type, (double)(def),                         \
     (double)(lo), (double)(hi), unit,         doc,         NULL},
#include "engine/params.def"
#undef ATTUNE_PARAM
};

static const size_t param_offsets[] = {
#define ATTUNE_PARAM(sec, nm, type, def, lo, hi, unit, doc) offsetof(attune_params, sec##_##nm),
#include "engine/params.def"
#undef ATTUNE_PARAM
};

#define PARAM_COUNT (sizeof param_table / sizeof param_table[0])

static const attune_param_info culture_fields[] = {
#define ATTUNE_ENTRY_FIELD(nm, type, def, lo, hi, unit, doc)                                       \
    {"culture",    #nm,          "culture." #nm, TYPE_##type, (double)(def),                       \
     (double)(lo), (double)(hi), unit,           doc,         NULL},
#include "engine/culture_fields.def"
#undef ATTUNE_ENTRY_FIELD
};

static const attune_param_info intervention_fields[] = {
#define ATTUNE_ENTRY_FIELD(nm, type, def, lo, hi, unit, doc)                                       \
    {"intervention",       #nm,           "intervention." #nm,                                     \
     TYPE_##type,          (double)(def), (double)(lo),                                            \
     (double)(hi),         unit,          doc,                                                     \
     CHOICES_OF_##type(nm)},
#define CHOICES_OF_CHOICE(nm) INTERVENTION_CHOICES_##nm
#define CHOICES_OF_INT(nm)    NULL
#define CHOICES_OF_REAL(nm)   NULL
#define CHOICES_OF_BOOL(nm)   NULL
#include "engine/intervention_fields.def"
#undef ATTUNE_ENTRY_FIELD
};

static const attune_entry_kind_info entry_kinds[ENTRY_KIND_COUNT] = {
    {"culture",
     "A culture: norms shared by the communities assigned to it. Written [culture NAME]; "
     "a name already defined is updated, a new name adds a culture.",
     culture_fields, sizeof culture_fields / sizeof culture_fields[0], ATTUNE_MAX_CULTURES},
    {"intervention",
     "An intervention: something done to targeted people for a time. Written "
     "[intervention NAME]; every intervention names its `kind` (an entry without one is "
     "refused); the default scenario has none.",
     intervention_fields, sizeof intervention_fields / sizeof intervention_fields[0],
     ATTUNE_MAX_INTERVENTIONS},
};

const char *attune_param_type_name(attune_param_type type)
{
    switch (type) {
    case ATTUNE_TYPE_INT: return "int";
    case ATTUNE_TYPE_REAL: return "real";
    case ATTUNE_TYPE_BOOL: return "bool";
    case ATTUNE_TYPE_CHOICE: return "choice";
    }
    return "?";
}

size_t attune_param_count(void)
{
    return PARAM_COUNT;
}

const attune_param_info *attune_param_at(size_t i)
{
    return i < PARAM_COUNT ? &param_table[i] : NULL;
}

const attune_param_info *attune_param_find(const char *key)
{
    for (size_t i = 0; i < PARAM_COUNT; i++)
        if (strcmp(param_table[i].key, key) == 0)
            return &param_table[i];
    return NULL;
}

size_t attune_param_offset(size_t index)
{
    return param_offsets[index];
}

size_t attune_entry_kind_count(void)
{
    return ENTRY_KIND_COUNT;
}

const attune_entry_kind_info *attune_entry_kind_at(size_t i)
{
    return i < ENTRY_KIND_COUNT ? &entry_kinds[i] : NULL;
}

int attune_entry_kind_index(const char *kind)
{
    for (int i = 0; i < ENTRY_KIND_COUNT; i++)
        if (strcmp(entry_kinds[i].kind, kind) == 0)
            return i;
    return -1;
}

void attune_param_store(attune_params *params, size_t index, double value)
{
    char *field = (char *)params + param_offsets[index];
    switch (param_table[index].type) {
    case ATTUNE_TYPE_INT: {
        int64_t v = (int64_t)value;
        memcpy(field, &v, sizeof v);
        break;
    }
    case ATTUNE_TYPE_BOOL: {
        bool v = value != 0.0;
        memcpy(field, &v, sizeof v);
        break;
    }
    default: memcpy(field, &value, sizeof value); break;
    }
}

double attune_param_load(const attune_params *params, size_t index)
{
    const char *field = (const char *)params + param_offsets[index];
    switch (param_table[index].type) {
    case ATTUNE_TYPE_INT: {
        int64_t v;
        memcpy(&v, field, sizeof v);
        return (double)v;
    }
    case ATTUNE_TYPE_BOOL: {
        bool v;
        memcpy(&v, field, sizeof v);
        return v ? 1.0 : 0.0;
    }
    default: {
        double v;
        memcpy(&v, field, sizeof v);
        return v;
    }
    }
}

void attune_param_format(const attune_param_info *info, double value, char *buf, size_t size)
{
    switch (info->type) {
    case ATTUNE_TYPE_INT: snprintf(buf, size, "%.0f", value); break;
    case ATTUNE_TYPE_BOOL: snprintf(buf, size, "%s", value != 0.0 ? "true" : "false"); break;
    case ATTUNE_TYPE_CHOICE: {
        const char *c = info->choices;
        for (int k = 0; c != NULL && k < (int)value; k++) {
            c = strchr(c, '|');
            c = c ? c + 1 : NULL;
        }
        size_t len = c ? strcspn(c, "|") : 1;
        snprintf(buf, size, "%.*s", (int)len, c ? c : "?");
        break;
    }
    default: snprintf(buf, size, "%.17g", value); break;
    }
    if (info->type == ATTUNE_TYPE_REAL) {
        /* The text of the fewest significant digits that reads back to the same double and
         * has no exponent, if %g can write one (10, not 1e+01; 1e16 as 10000000000000000);
         * else the fewest digits with one (1e-05, 1e+17). */
        char shortest[64] = "";
        for (int prec = 1; prec <= 17; prec++) {
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%.*g", prec, value);
            if (strtod(tmp, NULL) != value)
                continue;
            if (shortest[0] == '\0')
                snprintf(shortest, sizeof shortest, "%s", tmp);
            if (strchr(tmp, 'e') == NULL) {
                snprintf(shortest, sizeof shortest, "%s", tmp);
                break;
            }
        }
        if (shortest[0] != '\0')
            snprintf(buf, size, "%s", shortest);
    }
}

static size_t edit_distance(const char *a, const char *b);
static int close_enough(size_t distance, const char *word);

void attune_param_choices_text(const attune_param_info *info, char *buf, size_t size)
{
    const char *c = info->choices;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (int k = 0; c != NULL && *c; k++) {
        size_t len = strcspn(c, "|"), used = strlen(buf);
        snprintf(buf + used, size - used, "%s%.*s", k ? ", " : "", (int)len, c);
        c += len;
        if (*c == '|')
            c++;
    }
}

void attune_param_range_text(const attune_param_info *info, char *buf, size_t size)
{
    char lo[64], hi[64];
    attune_param_format(info, info->min, lo, sizeof lo);
    attune_param_format(info, info->max, hi, sizeof hi);
    snprintf(buf, size, "[%s, %s]", lo, hi);
}

/* Whether decimal `text` (already read by strtod, white space around) writes an integer: every
 * digit that the exponent leaves after the decimal point is 0. Decided on the text, since a
 * double may round a fraction away (9007199254740991.4 reads as 9007199254740991). */
static int integral_text(const char *text)
{
    const char *p = text;
    while (isspace((unsigned char)*p) || *p == '+' || *p == '-')
        p++;
    char digits[512];
    size_t n = 0, before_point = 0;
    int seen_point = 0;
    for (; isdigit((unsigned char)*p) || *p == '.'; p++) {
        if (*p == '.')
            seen_point = 1;
        else if (n < sizeof digits)
            digits[n++] = *p;
        else
            return 0; /* absurdly long: not an integer we would take */
        if (!seen_point)
            before_point = n;
    }
    long exponent = 0;
    if (*p == 'e' || *p == 'E') {
        errno = 0;
        exponent = strtol(p + 1, NULL, 10);
        if (errno != 0)
            exponent = exponent < 0 ? -100000 : 100000;
    }
    /* Digits from position before_point + exponent on are after the point. */
    long first_fraction = (long)before_point + exponent;
    for (size_t i = first_fraction < 0 ? 0 : (size_t)first_fraction; i < n; i++)
        if (digits[i] != '0')
            return 0;
    return 1;
}

int attune_param_parse_value(const attune_param_info *info, const char *text, double *value,
                             char *why, size_t why_size)
{
    while (isspace((unsigned char)*text))
        text++;
    if (*text == '\0') {
        if (info->type == ATTUNE_TYPE_BOOL) {
            snprintf(why, why_size, "has no value; expected true or false");
        } else {
            char r[160];
            attune_param_range_text(info, r, sizeof r);
            snprintf(why, why_size, "has no value; expected %s in %s",
                     info->type == ATTUNE_TYPE_INT ? "an integer" : "a number", r);
        }
        return ATTUNE_ERR_TYPE;
    }
    if (info->type == ATTUNE_TYPE_CHOICE) {
        const char *c = info->choices;
        for (int k = 0; c != NULL && *c; k++) {
            size_t len = strcspn(c, "|");
            if (strlen(text) == len && strncmp(text, c, len) == 0) {
                *value = k;
                return ATTUNE_OK;
            }
            c += len;
            if (*c == '|')
                c++;
        }
        char list[512];
        attune_param_choices_text(info, list, sizeof list);
        /* Suggest the nearest choice. */
        char best[64] = "";
        size_t best_d = (size_t)-1;
        c = info->choices;
        while (c != NULL && *c) {
            size_t len = strcspn(c, "|");
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)len, c);
            size_t d = edit_distance(text, name);
            if (d < best_d) {
                best_d = d;
                snprintf(best, sizeof best, "%s", name);
            }
            c += len;
            if (*c == '|')
                c++;
        }
        if (best[0] != '\0' && close_enough(best_d, text))
            snprintf(why, why_size, "is '%s', not one of: %s; did you mean '%s'?", text, list,
                     best);
        else
            snprintf(why, why_size, "is '%s', not one of: %s", text, list);
        return ATTUNE_ERR_TYPE;
    }
    if (info->type == ATTUNE_TYPE_BOOL) {
        static const char *yes[] = {"true", "yes", "on", "1"};
        static const char *no[] = {"false", "no", "off", "0"};
        for (size_t i = 0; i < 4; i++) {
            if (strcasecmp(text, yes[i]) == 0) {
                *value = 1.0;
                return ATTUNE_OK;
            }
            if (strcasecmp(text, no[i]) == 0) {
                *value = 0.0;
                return ATTUNE_OK;
            }
        }
        snprintf(why, why_size, "is '%s', not a boolean; expected true or false", text);
        return ATTUNE_ERR_TYPE;
    }
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    while (end != NULL && isspace((unsigned char)*end))
        end++;
    const char *what = info->type == ATTUNE_TYPE_INT ? "an integer" : "a number";
    char r[160];
    attune_param_range_text(info, r, sizeof r);
    /* Decimal notation only: no hexadecimal, no "infinity" spelled out. */
    int decimal = strspn(text, "0123456789+-.eE \t") == strlen(text);
    if (end == text || *end != '\0' || (!decimal && isfinite(v))) {
        snprintf(why, why_size, "is '%s', not %s; expected %s in %s", text, what, what, r);
        return ATTUNE_ERR_TYPE;
    }
    if (!isfinite(v)) {
        snprintf(why, why_size, "is '%s', not a finite number; expected %s in %s", text, what, r);
        return ATTUNE_ERR_TYPE;
    }
    if (v < info->min || v > info->max) {
        snprintf(why, why_size, "is %s, out of range; expected %s in %s", text, what, r);
        return ATTUNE_ERR_RANGE;
    }
    if (info->type == ATTUNE_TYPE_INT && !integral_text(text)) {
        snprintf(why, why_size, "is '%s', not an integer; expected an integer in %s", text, r);
        return ATTUNE_ERR_TYPE;
    }
    *value = v;
    return ATTUNE_OK;
}

/* Edit distance with a cap; inputs are short keys. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 127 || lb > 127)
        return (size_t)-1;
    size_t prev[128], cur[128];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost =
                tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

/* Accept a suggestion when it differs in at most a third of the word (and at least 2 edits). */
static int close_enough(size_t distance, const char *word)
{
    size_t allowed = strlen(word) / 3;
    if (allowed < 2)
        allowed = 2;
    return distance <= allowed;
}

const char *attune_nearest_key(const char *word, const char *section)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    int kind = section != NULL ? attune_entry_kind_index(section) : -1;
    for (size_t i = 0; kind < 0 && i < PARAM_COUNT; i++) {
        size_t d;
        if (section != NULL && strcmp(param_table[i].section, section) == 0)
            d = edit_distance(word, param_table[i].name);
        else {
            /* Compare full keys when the word may name another section's key. */
            d = edit_distance(word, param_table[i].key);
            size_t dn = edit_distance(word, param_table[i].name);
            if (dn + 1 < d)
                d = dn + 1;
        }
        if (d < best_d) {
            best_d = d;
            best = param_table[i].key;
        }
    }
    /* An entry's fields are only its kind's own: a parameter's name means nothing there. */
    for (size_t f = 0; kind >= 0 && f < entry_kinds[kind].field_count; f++) {
        size_t d = edit_distance(word, entry_kinds[kind].fields[f].name);
        if (d < best_d) {
            best_d = d;
            best = entry_kinds[kind].fields[f].key;
        }
    }
    return best != NULL && close_enough(best_d, word) ? best : NULL;
}

const char *attune_nearest_word(const char *word, const char *const *words, size_t count)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < count; i++) {
        size_t d = edit_distance(word, words[i]);
        if (d < best_d) {
            best_d = d;
            best = words[i];
        }
    }
    return best != NULL && close_enough(best_d, word) ? best : NULL;
}

const char *attune_nearest_section(const char *word)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    const char *prev = "";
    for (size_t i = 0; i < PARAM_COUNT; i++) {
        if (strcmp(param_table[i].section, prev) == 0)
            continue;
        prev = param_table[i].section;
        size_t d = edit_distance(word, prev);
        if (d < best_d) {
            best_d = d;
            best = prev;
        }
    }
    for (size_t k = 0; k < ENTRY_KIND_COUNT; k++) {
        size_t d = edit_distance(word, entry_kinds[k].kind);
        if (d < best_d) {
            best_d = d;
            best = entry_kinds[k].kind;
        }
    }
    return best != NULL && close_enough(best_d, word) ? best : NULL;
}
