/* Scenario files: INI read with inih through ini_lines (line numbers for every message). */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/scenario_internal.h"
#include "io/ini_lines.h"

#define SCENARIO_MAX_BYTES (16u << 20)

/* The reader must take every entry section attune_scenario_to_ini writes (checkpoints keep the
 * scenario as INI): "intervention" is the longest kind. */
_Static_assert(sizeof "intervention " - 1 + ATTUNE_NAME_MAX - 1 <= INI_SECTION_NAME_MAX,
               "INI_SECTION_NAME_MAX is too small for the longest entry name");

typedef struct parse_state {
    ini_lines src;         /* must stay first: inih's reader gets the parse_state */
    const char *name;      /* file name for messages */
    attune_scenario *work; /* scenario being changed; copied back on success */
    ini_first_error first; /* first error found */
    int keys;              /* key = value lines seen */
    char (*seen)[160];     /* "section\nkey" pairs seen, for duplicate detection */
    int *seen_line;
    size_t seen_count, seen_cap;
} parse_state;

static void fail_at(parse_state *st, int status, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void fail_at(parse_state *st, int status, int line, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ini_vfail(&st->first, st->name, status, line, key, fmt, ap);
    va_end(ap);
}

static int remember_key(parse_state *st, const char *section, const char *name, int *first_line)
{
    char pair[160];
    snprintf(pair, sizeof pair, "%s\n%s", section, name);
    for (size_t i = 0; i < st->seen_count; i++) {
        if (strcmp(st->seen[i], pair) == 0) {
            *first_line = st->seen_line[i];
            return 1;
        }
    }
    if (st->seen_count == st->seen_cap) {
        size_t cap = st->seen_cap ? st->seen_cap * 2 : 64;
        char(*seen)[160] = realloc(st->seen, cap * sizeof *seen);
        int *lines = realloc(st->seen_line, cap * sizeof *lines);
        if (seen != NULL)
            st->seen = seen;
        if (lines != NULL)
            st->seen_line = lines;
        if (seen == NULL || lines == NULL)
            return -1;
        st->seen_cap = cap;
    }
    memcpy(st->seen[st->seen_count], pair, sizeof pair);
    st->seen_line[st->seen_count++] = st->src.line;
    return 0;
}

static int is_param_section(const char *section)
{
    for (size_t i = 0; i < attune_param_count(); i++)
        if (strcmp(attune_param_at(i)->section, section) == 0)
            return 1;
    return 0;
}

static int handler(void *user, const char *inih_section, const char *name, const char *raw_value)
{
    parse_state *st = user;
    (void)inih_section; /* cut at 49 bytes: the reader keeps the whole name */
    const char *section = st->src.section;
    int line = st->src.line;
    st->keys++;
    if (section[0] == '\0') {
        fail_at(st, ATTUNE_ERR_SYNTAX, line, name,
                "'%s' appears before any [section]; put it under its section, e.g. [run]", name);
        return 1;
    }
    int first_line = 0;
    int dup = remember_key(st, section, name, &first_line);
    if (dup < 0) {
        fail_at(st, ATTUNE_ERR_NOMEM, line, name, "out of memory");
        return 0;
    }
    char value[1024];
    snprintf(value, sizeof value, "%s", raw_value);
    ini_strip_hash_comment(value);

    /* "[kind name]" sections hold entries. */
    char kind_word[128] = "", entry_name[128] = "";
    int words = sscanf(section, "%127s %127s", kind_word, entry_name);
    char extra[8];
    int more = sscanf(section, "%*s %*s %7s", extra);
    if (words == 2) {
        int k = attune_entry_kind_index(kind_word);
        if (k < 0 || more == 1) {
            const char *near = attune_nearest_section(kind_word);
            fail_at(st, ATTUNE_ERR_UNKNOWN_KEY, st->src.section_line, NULL,
                    "unknown section [%s]%s%s%s", section, near ? "; did you mean [" : "",
                    near ? near : "", near ? " NAME]?" : "");
            return 1;
        }
        char key[512];
        snprintf(key, sizeof key, "%s.%s.%s", kind_word, entry_name, name);
        if (dup) {
            fail_at(st, ATTUNE_ERR_DUPLICATE, line, key,
                    "duplicate key '%s' in [%s] (first set on line %d)", name, section, first_line);
            return 1;
        }
        attune_error e;
        int rc = attune_scenario_set_from_file(st->work, key, value, st->name, st->src.section_line,
                                               line, &e);
        if (rc != ATTUNE_OK) {
            if (rc == ATTUNE_ERR_UNKNOWN_KEY || rc == ATTUNE_ERR_SYNTAX) {
                fail_at(st, rc, line, key, "%s", e.message);
            } else if (strncmp(e.message, key, strlen(key)) == 0) {
                /* Say it the way the file says it: "share is ..." rather than the full key. */
                const char *why = e.message + strlen(key);
                fail_at(st, rc, line, key, "%s%s (in [%s])", name, why, section);
            } else {
                fail_at(st, rc, line, key, "%s (in [%s])", e.message, section);
            }
        }
        return 1;
    }
    if (!is_param_section(section)) {
        if (attune_entry_kind_index(section) >= 0) {
            fail_at(st, ATTUNE_ERR_SYNTAX, st->src.section_line, NULL,
                    "[%s] needs a name: write [%s NAME]", section, section);
            return 1;
        }
        const char *near = attune_nearest_section(section);
        int entry = near != NULL && attune_entry_kind_index(near) >= 0;
        fail_at(st, ATTUNE_ERR_UNKNOWN_KEY, st->src.section_line, NULL,
                "unknown section [%s]%s%s%s", section, near ? "; did you mean [" : "",
                near ? near : "", near ? (entry ? " NAME]?" : "]?") : "");
        return 1;
    }
    char key[512];
    snprintf(key, sizeof key, "%s.%s", section, name);
    const attune_param_info *info = attune_param_find(key);
    if (info == NULL) {
        const char *near = attune_nearest_key(name, section);
        if (near != NULL && strncmp(near, section, strlen(section)) == 0 &&
            near[strlen(section)] == '.')
            fail_at(st, ATTUNE_ERR_UNKNOWN_KEY, line, key,
                    "unknown key '%s' in [%s]; did you mean '%s'?", name, section,
                    near + strlen(section) + 1);
        else if (near != NULL)
            fail_at(st, ATTUNE_ERR_UNKNOWN_KEY, line, key,
                    "unknown key '%s' in [%s]; did you mean '%s' (in its own section)?", name,
                    section, near);
        else
            fail_at(st, ATTUNE_ERR_UNKNOWN_KEY, line, key,
                    "unknown key '%s' in [%s]; `attune params` lists the valid keys", name,
                    section);
        return 1;
    }
    if (dup) {
        fail_at(st, ATTUNE_ERR_DUPLICATE, line, key,
                "duplicate key '%s' in [%s] (first set on line %d)", name, section, first_line);
        return 1;
    }
    char why[512];
    double v;
    int rc = attune_param_parse_value(info, value, &v, why, sizeof why);
    if (rc != ATTUNE_OK) {
        fail_at(st, rc, line, key, "%s %s", name, why);
        return 1;
    }
    size_t index = (size_t)(info - attune_param_at(0));
    attune_param_store(&st->work->params, index, v);
    st->work->param_given[index] = 1;
    return 1;
}

int attune_scenario_load_string(attune_scenario *scenario, const char *text, const char *name,
                                attune_error *err)
{
    if (scenario == NULL || text == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, name, 0, NULL, "missing scenario or text");
    return attune_scenario_load_buffer(scenario, text, strlen(text), name, err);
}

static void syntax_error(void *owner, int line, const char *message)
{
    fail_at(owner, ATTUNE_ERR_SYNTAX, line, NULL, "%s", message);
}

int attune_scenario_load_buffer(attune_scenario *scenario, const char *text, size_t size,
                                const char *name, attune_error *err)
{
    if (name == NULL)
        name = "<scenario>";
    int rc = ini_refuse_binary(text, size, name, err);
    if (rc != ATTUNE_OK)
        return rc;
    parse_state st = {0};
    st.name = name;
    ini_lines_init(&st.src, text, size, syntax_error, &st);
    rc = attune_scenario_copy(scenario, &st.work);
    if (rc != ATTUNE_OK)
        return attune_fail(err, rc, name, 0, NULL, "out of memory");
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
        fail_at(&st, ATTUNE_ERR_SYNTAX, 0, NULL,
                "the scenario holds no settings (an empty file is most likely a mistake)");
    if (!st.first.failed) {
        /* Commit: the scenario takes the parsed values. */
        attune_scenario tmp = *scenario;
        *scenario = *st.work;
        *st.work = tmp;
    } else if (err != NULL) {
        *err = st.first.error;
    }
    attune_scenario_free(st.work);
    free(st.seen);
    free(st.seen_line);
    return st.first.failed ? st.first.error.status : ATTUNE_OK;
}

int attune_scenario_load(attune_scenario *scenario, const char *path, attune_error *err)
{
    if (scenario == NULL || path == NULL)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, path, 0, NULL, "missing scenario or path");
    char *text;
    size_t size;
    int rc = ini_read_file(path, SCENARIO_MAX_BYTES, "scenario file", &text, &size, err);
    if (rc == ATTUNE_OK)
        rc = attune_scenario_load_buffer(scenario, text, size, path, err);
    free(text);
    return rc;
}
