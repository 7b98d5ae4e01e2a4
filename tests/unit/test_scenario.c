/* Scenario files: every kind of bad input gives its status, line, key and a useful message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "engine/scenario_internal.h"
#include "io/checkpoint.h"

typedef struct bad_case {
    const char *text;
    int status;
    int line;
    const char *message_part; /* must appear in the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"[population]\nsise = 5000\n", ATTUNE_ERR_UNKNOWN_KEY, 2, "did you mean 'size'"},
    {"[population]\nsize = 5000\n\n[network]\nfrends_mean = 3\n", ATTUNE_ERR_UNKNOWN_KEY, 5,
     "did you mean 'friends_mean'"},
    {"[population]\nfriends_mean = 3\n", ATTUNE_ERR_UNKNOWN_KEY, 2,
     "did you mean 'network.friends_mean'"},
    {"[netwrk]\nfriends_mean = 3\n", ATTUNE_ERR_UNKNOWN_KEY, 1, "did you mean [network]"},
    {"[population]\nsize = many\n", ATTUNE_ERR_TYPE, 2, "not an integer"},
    {"[population]\nsize = 1500.5\n", ATTUNE_ERR_TYPE, 2, "not an integer"},
    {"[interaction]\nnoise = abc\n", ATTUNE_ERR_TYPE, 2, "not a number"},
    {"[interaction]\nnoise = nan\n", ATTUNE_ERR_TYPE, 2, "finite"},
    {"[interaction]\nnoise = -inf\n", ATTUNE_ERR_TYPE, 2, "finite"},
    {"[interaction]\nnoise =\n", ATTUNE_ERR_TYPE, 2, "has no value"},
    {"[output]\ngraphml = perhaps\n", ATTUNE_ERR_TYPE, 2, "true or false"},
    {"[population]\nsize = 10\n", ATTUNE_ERR_RANGE, 2, "[1000, 200000000]"},
    {"[population]\nsize = 1e12\n", ATTUNE_ERR_RANGE, 2, "out of range"},
    {"[interaction]\nnoise = 2\n", ATTUNE_ERR_RANGE, 2, "[0, 1]"},
    {"[run]\nseed = -1\n", ATTUNE_ERR_RANGE, 2, "out of range"},
    {"[run]\nseed = 1\nweeks = 10\nseed = 2\n", ATTUNE_ERR_DUPLICATE, 4, "first set on line 2"},
    {"[run]\nseed = 1\n[run]\nseed = 2\n", ATTUNE_ERR_DUPLICATE, 4, "duplicate key 'seed'"},
    {"[run\nseed = 1\n", ATTUNE_ERR_SYNTAX, 1, "expected"},
    {"[run]\nthis line has no equals sign\n", ATTUNE_ERR_SYNTAX, 2, "expected 'key = value'"},
    {"seed = 1\n", ATTUNE_ERR_SYNTAX, 1, "before any [section]"},
    {"", ATTUNE_ERR_SYNTAX, 0, "holds no settings"},
    {"; only a comment\n\n# and another\n", ATTUNE_ERR_SYNTAX, 0, "holds no settings"},
    {"[culture]\nshare = 1\n", ATTUNE_ERR_SYNTAX, 1, "needs a name"},
    {"[culture warm]\nwarmht = 0.5\n", ATTUNE_ERR_UNKNOWN_KEY, 2, "did you mean 'warmth'"},
    {"[culture warm]\nwarmth = 1.5\n", ATTUNE_ERR_RANGE, 2, "[0, 1]"},
    {"[culture warm]\nshare = 0.5\nshare = 0.6\n", ATTUNE_ERR_DUPLICATE, 3, "first set on line 2"},
    {"[culture w@rm]\nshare = 0.5\n", ATTUNE_ERR_SYNTAX, 2, "not a valid culture name"},
    {"[cultre warm]\nshare = 0.5\n", ATTUNE_ERR_UNKNOWN_KEY, 1, "did you mean [culture NAME]"},
    {"[culture a b]\nshare = 0.5\n", ATTUNE_ERR_UNKNOWN_KEY, 1, "unknown section"},
    {"[run]\nseed = 1\n[population]\nsize = 2000\nsize = 3000\n[network]\nbad = 1\n",
     ATTUNE_ERR_DUPLICATE, 5, "duplicate"},
    {"[run] junk\nweeks = 5\n", ATTUNE_ERR_SYNTAX, 1, "text after the section header [run]"},
    {"[run]x]\nweeks = 5\n", ATTUNE_ERR_SYNTAX, 1, "text after the section header [run]"},
    {"[run]\nweeks : 5\n", ATTUNE_ERR_SYNTAX, 2, "'weeks' is followed by ':'; write weeks = VALUE"},
    {"[culture warm]\n  share: 0.5\n", ATTUNE_ERR_SYNTAX, 2, "'share' is followed by ':'"},
    {"[run]\nseed = 9007199254740991.4\n", ATTUNE_ERR_TYPE, 2,
     "seed is '9007199254740991.4', not an integer"},
    {"[run]\nweeks = 12345e-3\n", ATTUNE_ERR_TYPE, 2, "weeks is '12345e-3', not an integer"},
    {"[intervention x]\ncohort = 2.5\n", ATTUNE_ERR_TYPE, 2, "cohort is '2.5', not an integer"},
};

static void each_bad_case_reports_file_line_and_reason(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof bad_cases / sizeof bad_cases[0]; k++) {
        const bad_case *c = &bad_cases[k];
        attune_scenario *s = NULL;
        assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
        attune_error err;
        int rc = attune_scenario_load_string(s, c->text, "case.ini", &err);
        if (rc != c->status || err.line != c->line || strstr(err.message, c->message_part) == NULL)
            fail_msg("case %zu (%s): got status %d line %d message '%s'", k, c->text, rc, err.line,
                     err.message);
        assert_string_equal(err.file, "case.ini");
        /* The scenario is unchanged after an error. */
        double v;
        attune_scenario_get(s, "population.size", &v);
        assert_true(v == attune_param_find("population.size")->default_value);
        attune_scenario_free(s);
    }
}

static void binary_input_is_refused(void **state)
{
    (void)state;
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    const char bin[] = "[run]\nseed = 1\n\x7f\x45\x4c\x46\x02\x01\x00\x00garbage";
    attune_error err;
    assert_int_equal(attune_scenario_load_buffer(s, bin, sizeof bin - 1, "bin.ini", &err),
                     ATTUNE_ERR_SYNTAX);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "binary"));
    /* High bytes without NUL are still reported, as a syntax error. */
    const char junk[] = "\xff\xfe\xfd\n\x80\x81\n";
    assert_int_equal(attune_scenario_load_buffer(s, junk, sizeof junk - 1, "junk.ini", &err),
                     ATTUNE_ERR_SYNTAX);
    assert_int_equal(err.line, 1);
    attune_scenario_free(s);
}

/* An entry beyond the most a scenario holds is refused at its line with the whole message (the
 * loader shortens messages that begin with the key to the field's name; this one does not). */
static void too_many_entries_are_refused_at_their_line(void **state)
{
    (void)state;
    char *text = malloc(64 * 300);
    assert_non_null(text);
    size_t n = 0;
    for (int i = 0; i <= ATTUNE_MAX_INTERVENTIONS; i++)
        n += (size_t)sprintf(text + n, "[intervention i%d]\nkind = self_help\n", i);
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    attune_error err;
    assert_true(attune_scenario_load_buffer(s, text, n, "many.ini", &err) != ATTUNE_OK);
    assert_int_equal(err.line, 2 * ATTUNE_MAX_INTERVENTIONS + 2);
    assert_string_equal(err.message,
                        "too many intervention entries (at most 256) (in [intervention i256])");
    attune_scenario_free(s);
    free(text);
}

static void overlong_line_is_reported(void **state)
{
    (void)state;
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    char text[5000] = "[run]\nseed = ";
    size_t n = strlen(text);
    memset(text + n, '1', 4000);
    text[n + 4000] = '\0';
    attune_error err;
    assert_int_not_equal(attune_scenario_load_string(s, text, "long.ini", &err), ATTUNE_OK);
    assert_int_equal(err.line, 2);
    attune_scenario_free(s);
}

static void missing_file_is_named(void **state)
{
    (void)state;
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    attune_error err;
    assert_int_equal(attune_scenario_load(s, "/nonexistent/dir/x.ini", &err), ATTUNE_ERR_IO);
    assert_string_equal(err.file, "/nonexistent/dir/x.ini");
    assert_non_null(strstr(err.message, "No such file"));
    if (geteuid() != 0) { /* root reads anything: only check unreadable files as a user */
        char path[] = "/tmp/attune-unreadable-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        chmod(path, 0);
        assert_int_equal(attune_scenario_load(s, path, &err), ATTUNE_ERR_IO);
        unlink(path);
    }
    attune_scenario_free(s);
}

/* A new scenario read from `text` (as file `name`); fails the test with the reader's message. */
static attune_scenario *scenario_from(const char *text, const char *name)
{
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    attune_error err;
    if (attune_scenario_load_string(s, text, name, &err) != ATTUNE_OK)
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    return s;
}

static void good_file_sets_values_and_entries(void **state)
{
    (void)state;
    const char *text = "; a comment\n"
                       "# another comment\n"
                       "[run]\n"
                       "seed = 42      ; inline comment\n"
                       "weeks = 104    # inline comment\n"
                       "[population]\n"
                       "size = 5e3\n"
                       "[culture harsh]\n"
                       "share = 0\n"
                       "[culture island]\n"
                       "share = 0.2\n"
                       "warmth = 0.9\n"
                       "[output]\n"
                       "graphml = yes\n";
    attune_scenario *s = scenario_from(text, "good.ini");
    double v;
    attune_scenario_get(s, "run.seed", &v);
    assert_true(v == 42);
    attune_scenario_get(s, "run.weeks", &v);
    assert_true(v == 104);
    attune_scenario_get(s, "population.size", &v);
    assert_true(v == 5000);
    attune_scenario_get(s, "output.graphml", &v);
    assert_true(v == 1);
    size_t n = attune_scenario_entry_count(s, "culture");
    assert_int_equal(n, 4); /* three built-in, one added */
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = attune_scenario_entry_name(s, "culture", i);
        if (strcmp(name, "island") == 0) {
            found = 1;
            attune_scenario_entry_get(s, "culture", i, "warmth", &v);
            assert_true(v == 0.9);
            attune_scenario_entry_get(s, "culture", i, "expressiveness", &v);
            assert_true(v == 0.5); /* field default */
        }
        if (strcmp(name, "harsh") == 0) {
            attune_scenario_entry_get(s, "culture", i, "share", &v);
            assert_true(v == 0);
        }
    }
    assert_true(found);
    attune_scenario_free(s);
}

/* Writes `a` as INI, reads that into `b` and checks that `b` writes the same text. */
static void assert_ini_round_trip(const attune_scenario *a, attune_scenario *b, const char *name)
{
    char *text = NULL;
    assert_int_equal(attune_scenario_to_ini(a, &text), ATTUNE_OK);
    attune_error err;
    int rc = attune_scenario_load_string(b, text, name, &err);
    if (rc != ATTUNE_OK)
        fail_msg("%d: %s", err.line, err.message);
    char *text2 = NULL;
    assert_int_equal(attune_scenario_to_ini(b, &text2), ATTUNE_OK);
    assert_string_equal(text, text2);
    free(text);
    free(text2);
}

static void ini_round_trip_is_exact(void **state)
{
    (void)state;
    attune_scenario *a = NULL, *b = NULL;
    assert_int_equal(attune_scenario_create(&a), ATTUNE_OK);
    assert_int_equal(attune_scenario_set(a, "interaction.noise", "0.123456789012345", NULL),
                     ATTUNE_OK);
    assert_int_equal(attune_scenario_set(a, "culture.new.warmth", "0.31", NULL), ATTUNE_OK);
    assert_int_equal(attune_scenario_create(&b), ATTUNE_OK);
    assert_ini_round_trip(a, b, "roundtrip.ini");
    attune_scenario_free(a);
    attune_scenario_free(b);
}

static void set_reports_unknown_and_bad_values(void **state)
{
    (void)state;
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    attune_error err;
    assert_int_equal(attune_scenario_set(s, "population.sise", "10", &err), ATTUNE_ERR_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "did you mean 'population.size'"));
    assert_int_equal(attune_scenario_set(s, "population.size", "x", &err), ATTUNE_ERR_TYPE);
    assert_int_equal(attune_scenario_set(s, "culture.harsh.warmht", "0.1", &err),
                     ATTUNE_ERR_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "warmth"));
    assert_int_equal(attune_scenario_set(s, "culture.harsh.share", "0", &err), ATTUNE_OK);
    assert_int_equal(attune_scenario_set(s, "culture.expressive.share", "0", &err), ATTUNE_OK);
    assert_int_equal(attune_scenario_set(s, "culture.reserved.share", "0", &err), ATTUNE_OK);
    assert_int_equal(attune_scenario_validate(s, &err), ATTUNE_ERR_RANGE);
    assert_non_null(strstr(err.message, "shares sum to 0"));
    attune_scenario_free(s);
    /* Well-being is a weighted mean: its weights may not all be 0. */
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    static const char *const weights[] = {"affect", "self_worth", "self_relation", "unmet_need",
                                          "coping"};
    for (int k = 0; k < 5; k++) {
        char key[64];
        snprintf(key, sizeof key, "wellbeing.weight_%s", weights[k]);
        assert_int_equal(attune_scenario_validate(s, &err), ATTUNE_OK);
        assert_int_equal(attune_scenario_set(s, key, "0", &err), ATTUNE_OK);
    }
    assert_int_equal(attune_scenario_validate(s, &err), ATTUNE_ERR_RANGE);
    assert_non_null(strstr(err.message, "wellbeing.weight_* sum to 0"));
    attune_scenario_free(s);
}

/* An entry name of `n` copies of `c` (n < 100). */
static const char *long_name(char c, size_t n)
{
    static char name[2][100];
    static int which;
    which = !which;
    memset(name[which], c, n);
    name[which][n] = '\0';
    return name[which];
}

static void longest_entry_names_round_trip(void **state)
{
    (void)state;
    attune_scenario *a = NULL, *b = NULL;
    assert_int_equal(attune_scenario_create(&a), ATTUNE_OK);
    char key[256];
    snprintf(key, sizeof key, "culture.%s.share", long_name('c', ATTUNE_NAME_MAX - 1));
    assert_int_equal(attune_scenario_set(a, key, "0.5", NULL), ATTUNE_OK);
    snprintf(key, sizeof key, "intervention.%s.kind", long_name('i', ATTUNE_NAME_MAX - 1));
    assert_int_equal(attune_scenario_set(a, key, "self_help", NULL), ATTUNE_OK);
    assert_int_equal(attune_scenario_create(&b), ATTUNE_OK);
    assert_ini_round_trip(a, b, "long.ini");
    attune_error err;
    /* One character more is refused, by --set and in a file, naming the limit. */
    snprintf(key, sizeof key, "culture.%s.share", long_name('c', ATTUNE_NAME_MAX));
    assert_int_equal(attune_scenario_set(a, key, "0.5", &err), ATTUNE_ERR_SYNTAX);
    assert_non_null(strstr(err.message, "at most 63 characters"));
    char file[256];
    snprintf(file, sizeof file, "[culture %s]\nshare = 1\n", long_name('c', ATTUNE_NAME_MAX));
    assert_int_equal(attune_scenario_load_string(b, file, "long.ini", &err), ATTUNE_ERR_SYNTAX);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "at most 63 characters"));
    attune_scenario_free(a);
    attune_scenario_free(b);
}

/* A model of 1,000 people with `culture` and `intervention` entries, initialised. */
static attune_model *model_with_entries(const char *culture, const char *intervention)
{
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    char key[256];
    assert_int_equal(attune_scenario_set(s, "population.size", "1000", NULL), ATTUNE_OK);
    assert_int_equal(attune_scenario_set(s, "population.community_size", "250", NULL), ATTUNE_OK);
    snprintf(key, sizeof key, "culture.%s.share", culture);
    assert_int_equal(attune_scenario_set(s, key, "0.5", NULL), ATTUNE_OK);
    snprintf(key, sizeof key, "intervention.%s.kind", intervention);
    assert_int_equal(attune_scenario_set(s, key, "self_help", NULL), ATTUNE_OK);
    attune_model *m = NULL;
    attune_error err;
    assert_int_equal(attune_model_create(s, 1, &m, &err), ATTUNE_OK);
    attune_scenario_free(s);
    assert_int_equal(attune_model_init(m, &err), ATTUNE_OK);
    return m;
}

/* Reads the whole of `path` into a malloc'd buffer. */
static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)n);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return data;
}

static void checkpoint_keeps_longest_entry_names(void **state)
{
    (void)state;
    const char *culture = long_name('c', ATTUNE_NAME_MAX - 1);
    const char *intervention = long_name('i', ATTUNE_NAME_MAX - 1);
    attune_model *m = model_with_entries(culture, intervention);
    char dir[] = "/tmp/attune-ckpt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/week.ckpt", dir);
    attune_error err;
    assert_int_equal(checkpoint_write(m, NULL, path, &err), ATTUNE_OK);
    attune_model *back = NULL;
    int rc = checkpoint_read(path, 1, &back, NULL, &err);
    if (rc != ATTUNE_OK)
        fail_msg("%s", err.message);
    const attune_scenario *s = attune_model_scenario(back);
    size_t n = attune_scenario_entry_count(s, "culture");
    assert_string_equal(attune_scenario_entry_name(s, "culture", n - 1), culture);
    assert_string_equal(attune_scenario_entry_name(s, "intervention", 0), intervention);
    attune_model_free(back);
    attune_model_free(m);
    unlink(path);
    rmdir(dir);
}

/* The bytes of a checkpoint of m (which it frees), written to and read back from a temporary
 * file. */
static unsigned char *checkpoint_bytes(attune_model *m, size_t *size)
{
    char dir[] = "/tmp/attune-ckpt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/week.ckpt", dir);
    attune_error err;
    assert_int_equal(checkpoint_write(m, NULL, path, &err), ATTUNE_OK);
    attune_model_free(m);
    unsigned char *data = read_all(path, size);
    unlink(path);
    rmdir(dir);
    return data;
}

/* Seals checkpoint bytes again after an edit: the CRC-32 of everything before it. */
static void reseal(unsigned char *data, size_t size)
{
    uint32_t crc = (uint32_t)crc32(0L, data, (uInt)(size - 4));
    memcpy(data + size - 4, &crc, 4);
}

static void invalid_checkpoint_scenario_names_the_cause(void **state)
{
    (void)state;
    attune_model *m = model_with_entries("warm", "books");
    attune_error err;
    size_t size;
    unsigned char *data = checkpoint_bytes(m, &size);
    /* Spoil the stored scenario's seed (a digit becomes a letter) and seal the file again. */
    const char *at = NULL;
    for (size_t i = 0; i + 7 < size && at == NULL; i++)
        if (memcmp(data + i, "\nseed = ", 8) == 0)
            at = (const char *)data + i + 8;
    assert_non_null(at);
    data[at - (const char *)data] = 'x';
    reseal(data, size);
    attune_model *back = NULL;
    assert_int_equal(checkpoint_read_buffer(data, size, "spoilt.ckpt", 1, &back, NULL, &err),
                     ATTUNE_ERR_CORRUPT);
    assert_null(back);
    assert_string_equal(err.file, "spoilt.ckpt");
    assert_non_null(strstr(err.message, "the checkpoint's scenario is invalid: line "));
    assert_non_null(strstr(err.message, "seed is 'x"));
    assert_non_null(strstr(err.message, "not an integer"));
    assert_null(strstr(strstr(err.message, "invalid") + 1, "invalid")); /* said once */
    free(data);
}

/* A checkpoint whose stored scenario lacks a parameter of this attune (written by an attune
 * before the parameter existed) is refused, naming the parameter, rather than resumed with
 * today's default for it. The parameter's line is turned into a comment (same length) and the
 * file sealed again. */
static void checkpoint_from_an_older_parameter_table_is_refused(void **state)
{
    (void)state;
    attune_model *m = model_with_entries("warm", "books");
    attune_error err;
    size_t size;
    unsigned char *data = checkpoint_bytes(m, &size);
    attune_model *back = NULL;
    assert_int_equal(checkpoint_read_buffer(data, size, "fine.ckpt", 1, &back, NULL, &err),
                     ATTUNE_OK);
    attune_model_free(back);
    back = NULL;
    size_t at = 0;
    for (size_t i = 0; i + 17 < size && at == 0; i++)
        if (memcmp(data + i, "\nteaching_rate = ", 17) == 0)
            at = i + 1;
    assert_true(at > 0);
    data[at] = ';';
    reseal(data, size);
    assert_int_equal(checkpoint_read_buffer(data, size, "old.ckpt", 1, &back, NULL, &err),
                     ATTUNE_ERR_CORRUPT);
    assert_null(back);
    assert_string_equal(err.file, "old.ckpt");
    assert_string_equal(err.key, "insight.teaching_rate");
    assert_non_null(strstr(err.message, "written by another version of attune"));
    assert_non_null(strstr(err.message, "does not set insight.teaching_rate"));
    free(data);
}

static void indentation_is_not_significant(void **state)
{
    (void)state;
    /* inih alone takes "    seed = 3" for the continuation of weeks' value. */
    const char *text = "[run]\n    weeks = 5\n    seed = 3\n  [culture harsh]\n\tshare = 0.5\n"
                       "   ; an indented comment\n\t\n";
    attune_scenario *s = scenario_from(text, "indent.ini");
    attune_error err;
    double v;
    attune_scenario_get(s, "run.weeks", &v);
    assert_true(v == 5);
    attune_scenario_get(s, "run.seed", &v);
    assert_true(v == 3);
    assert_int_equal(attune_scenario_entry_get(s, "culture", 2, "share", &v), ATTUNE_OK);
    assert_true(v == 0.5);
    /* An indented line that is not a setting is an error of its own line. */
    assert_int_equal(
        attune_scenario_load_string(s, "[run]\nweeks = 5\n    and more\n", "i.ini", &err),
        ATTUNE_ERR_SYNTAX);
    assert_int_equal(err.line, 3);
    /* The same key indented is still a duplicate, of the right line. */
    assert_int_equal(
        attune_scenario_load_string(s, "[run]\nweeks = 5\n  weeks = 6\n", "d.ini", &err),
        ATTUNE_ERR_DUPLICATE);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "first set on line 2"));
    attune_scenario_free(s);
}

static void entry_field_suggestions_come_from_the_kind(void **state)
{
    (void)state;
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    attune_error err;
    /* A parameter's name ("size" of population.size) is no field of a culture. */
    assert_int_equal(attune_scenario_set(s, "culture.harsh.size", "3", &err),
                     ATTUNE_ERR_UNKNOWN_KEY);
    assert_null(strstr(err.message, "did you mean"));
    assert_int_equal(attune_scenario_load_string(s, "[culture harsh]\nsize = 3\n", "c.ini", &err),
                     ATTUNE_ERR_UNKNOWN_KEY);
    assert_int_equal(err.line, 2);
    assert_null(strstr(err.message, "did you mean"));
    /* Near misses of the kind's own fields are suggested. */
    assert_int_equal(attune_scenario_set(s, "intervention.x.age_mn", "3", &err),
                     ATTUNE_ERR_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "did you mean 'age_min'?"));
    assert_int_equal(attune_scenario_set(s, "intervention.x.shar", "1", &err),
                     ATTUNE_ERR_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "did you mean 'share'?"));
    assert_int_equal(
        attune_scenario_load_string(s, "[intervention x]\nstart_wek = 3\n", "i.ini", &err),
        ATTUNE_ERR_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "did you mean 'start_week'?"));
    /* No parameter name given as a field is ever answered with itself. */
    for (size_t k = 0; k < attune_entry_kind_count(); k++) {
        const char *kind = attune_entry_kind_at(k)->kind;
        for (size_t i = 0; i < attune_param_count(); i++) {
            const char *name = attune_param_at(i)->name;
            char key[256], same[160];
            snprintf(key, sizeof key, "%s.x.%s", kind, name);
            snprintf(same, sizeof same, "did you mean '%s'?", name);
            if (attune_scenario_set(s, key, "1", &err) == ATTUNE_ERR_UNKNOWN_KEY &&
                strstr(err.message, same) != NULL)
                fail_msg("%s: %s", key, err.message);
        }
    }
    attune_scenario_free(s);
}

/* attune_scenario_validate of the default scenario with run.weeks = 100 and [intervention x]
 * changed by `settings` (field, value, ..., NULL). */
static int validate_intervention(const char *const *settings, attune_error *err)
{
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    assert_int_equal(attune_scenario_set(s, "run.weeks", "100", NULL), ATTUNE_OK);
    assert_int_equal(attune_scenario_set(s, "intervention.x.kind", "self_help", NULL), ATTUNE_OK);
    for (size_t k = 0; settings[k] != NULL; k += 2) {
        char key[128];
        snprintf(key, sizeof key, "intervention.x.%s", settings[k]);
        assert_int_equal(attune_scenario_set(s, key, settings[k + 1], NULL), ATTUNE_OK);
    }
    int rc = attune_scenario_validate(s, err);
    attune_scenario_free(s);
    return rc;
}

static void impossible_intervention_targets_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *settings[7];
        const char *key;
        const char *message_part;
    } bad[] = {
        {{"age_min", "30", "age_max", "20", NULL},
         "intervention.x.age_min",
         "[30, 20), which is empty"},
        {{"age_min", "30", "age_max", "30", NULL},
         "intervention.x.age_min",
         "age_min must be below age_max"},
        {{"target_state", "wellbeing", "state_min", "0.6", "state_max", "0.4", NULL},
         "intervention.x.state_min",
         "state_min 0.6 above state_max 0.4"},
        {{"culture", "3", NULL},
         "intervention.x.culture",
         "the scenario has 3 cultures; expected -1 (any) or the index of a [culture] entry in [0, "
         "2]"},
        {{"start_week", "101", NULL},
         "intervention.x.start_week",
         "start_week 101, after the last week of the run (run.weeks = 100)"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        attune_error err;
        int rc = validate_intervention(bad[k].settings, &err);
        if (rc != ATTUNE_ERR_RANGE || strcmp(err.key, bad[k].key) != 0 ||
            strstr(err.message, bad[k].message_part) == NULL ||
            strstr(err.message, "[intervention x]") == NULL || err.file[0] != '\0' || err.line != 0)
            fail_msg("case %zu: status %d key '%s' message '%s' at %s:%d", k, rc, err.key,
                     err.message, err.file, err.line);
    }
    /* The edges are possible: one state value, the last culture, the last week. A community is
     * not checked here (how many there are is drawn when the population is built: model.c). */
    static const char *const good[][7] = {
        {"target_state", "wellbeing", "state_min", "1", "state_max", "1", NULL},
        /* the range is not read when any state is targeted */
        {"state_min", "0.6", "state_max", "0.4", NULL},
        {"culture", "2", NULL},
        {"start_week", "100", NULL},
        {"age_min", "29.5", "age_max", "30", NULL},
        {"community", "100000000", NULL},
    };
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        attune_error err;
        if (validate_intervention(good[k], &err) != ATTUNE_OK)
            fail_msg("good case %zu: %s", k, err.message);
    }
}

/* 0 if `s` is refused by attune_scenario_validate with status ATTUNE_ERR_RANGE and a formatted
 * error that begins with `expected` ("FILE:LINE: message", or the message alone); else 1, after
 * printing what differs. */
static int expect_invalid(const attune_scenario *s, const char *expected, const char *what)
{
    attune_error err;
    char shown[2048];
    int rc = attune_scenario_validate(s, &err);
    attune_error_format(&err, shown, sizeof shown);
    if (rc == ATTUNE_ERR_RANGE && strncmp(shown, expected, strlen(expected)) == 0)
        return 0;
    print_error("%s: status %d, '%s'; expected '%s...'\n", what, rc, shown, expected);
    return 1;
}

/* An intervention of a scenario file whose fields together target nobody, or that names no
 * kind, is refused naming the file and the line: of the later of the fields to blame, or of its
 * [intervention NAME] header when none of them is set. */
static void impossible_intervention_targets_name_file_and_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *expected;
    } bad[] = {
        {"[run]\nweeks = 100\n\n[intervention x]\nstart_week = 3\n",
         "x.ini:4: [intervention x] names no kind; every intervention needs a line kind = "},
        {"[intervention x]\nkind = self_help\nage_min = 30\nage_max = 20\nshare = 1\n",
         "x.ini:4: [intervention x] targets ages [age_min, age_max) = [30, 20), which is empty"},
        {"[intervention x]\nage_max = 20\nkind = self_help\nage_min = 30\n",
         "x.ini:4: [intervention x] targets ages [age_min, age_max) = [30, 20)"},
        {"[intervention x]\nkind = self_help\nage_min = 120\n",
         "x.ini:3: [intervention x] targets ages [age_min, age_max) = [120, 120)"},
        {"[intervention x]\nkind = self_help\nstate_min = 0.6\nstate_max = 0.4\n"
         "target_state = wellbeing\n",
         "x.ini:4: [intervention x] has state_min 0.6 above state_max 0.4"},
        {"[intervention x]\nkind = self_help\ntarget_state = anxiety\nstate_max = -2\n",
         "x.ini:4: [intervention x] has state_min 0 above state_max -2"},
        {"[intervention x]\nkind = self_help\nculture = 3\nshare = 0.5\n",
         "x.ini:3: [intervention x] has culture 3, but the scenario has 3 cultures"},
        {"[run]\nweeks = 100\n[intervention x]\nkind = self_help\nstart_week = 101\nshare = 1\n",
         "x.ini:5: [intervention x] has start_week 101, after the last week of the run "
         "(run.weeks = 100)"},
        /* start_week keeps its default, 1: the header is named */
        {"[intervention x]\nkind = self_help\n[run]\nweeks = 0\n",
         "x.ini:1: [intervention x] has start_week 1, after the last week of the run"},
    };
    int failures = 0;
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        attune_scenario *s = scenario_from(bad[k].text, "x.ini");
        char what[32];
        snprintf(what, sizeof what, "case %zu", k);
        failures += expect_invalid(s, bad[k].expected, what);
        attune_scenario_free(s);
    }
    /* The same when the model is created, and from a copy (sweeps copy their base). */
    attune_scenario *s = scenario_from(bad[1].text, "x.ini"), *copy = NULL;
    attune_model *m = NULL;
    attune_error err;
    assert_int_equal(attune_model_create(s, 1, &m, &err), ATTUNE_ERR_RANGE);
    assert_null(m);
    assert_string_equal(err.key, "intervention.x.age_min");
    failures += strcmp(err.file, "x.ini") != 0 || err.line != 4;
    assert_int_equal(attune_scenario_copy(s, &copy), ATTUNE_OK);
    attune_scenario_free(s);
    failures += expect_invalid(copy, "x.ini:4: [intervention x] targets ages", "copy");
    attune_scenario_free(copy);
    assert_int_equal(failures, 0);
}

/* Where several files set an intervention (a claim's base and arm), the file and line named are
 * those that set the field to blame; a field set afterwards by attune_scenario_set (--set) has no
 * line, and an entry made by attune_scenario_set alone keeps the message without file and line. */
static void intervention_errors_follow_the_file_or_setting_that_set_the_field(void **state)
{
    (void)state;
    const char *base = "[run]\nweeks = 100\n[intervention x]\nkind = self_help\nage_min = 30\n"
                       "start_week = 3\n";
    attune_error err;
    int failures = 0;
    /* The arm's file sets what conflicts with the base. */
    attune_scenario *s = scenario_from(base, "base.ini");
    assert_int_equal(
        attune_scenario_load_string(s, "[intervention x]\nage_max = 20\n", "arm.ini", &err),
        ATTUNE_OK);
    failures += expect_invalid(
        s, "arm.ini:2: [intervention x] targets ages [age_min, age_max) = [30, 20)", "two files");
    attune_scenario_free(s);
    s = scenario_from(base, "base.ini");
    assert_int_equal(
        attune_scenario_load_string(
            s, "; the arm\n[intervention x]\nmagnitude = 2\nstart_week = 101\n", "arm.ini", &err),
        ATTUNE_OK);
    failures +=
        expect_invalid(s, "arm.ini:4: [intervention x] has start_week 101", "arm's start_week");
    /* --set after the files: start_week from the command line has no line. */
    assert_int_equal(attune_scenario_set(s, "intervention.x.start_week", "102", &err), ATTUNE_OK);
    failures +=
        expect_invalid(s, "[intervention x] has start_week 102, after the last week", "--set");
    /* ... and a field of the file that takes part in the conflict is named. */
    assert_int_equal(attune_scenario_set(s, "intervention.x.start_week", "3", &err), ATTUNE_OK);
    assert_int_equal(attune_scenario_set(s, "intervention.x.age_max", "20", &err), ATTUNE_OK);
    failures +=
        expect_invalid(s, "base.ini:5: [intervention x] targets ages [age_min, age_max) = [30, 20)",
                       "--set and file");
    /* An entry the API made alone. */
    assert_int_equal(attune_scenario_set(s, "intervention.x.age_max", "40", &err), ATTUNE_OK);
    assert_int_equal(attune_scenario_set(s, "intervention.y.start_week", "3", &err), ATTUNE_OK);
    failures += expect_invalid(s, "[intervention y] names no kind", "API");
    /* An entry the API made and a file completed: the file's header. */
    assert_int_equal(attune_scenario_load_string(
                         s, "[run]\nseed = 2\n[intervention y]\nshare = 1\n", "more.ini", &err),
                     ATTUNE_OK);
    failures += expect_invalid(s, "more.ini:3: [intervention y] names no kind", "API then file");
    attune_scenario_free(s);
    assert_int_equal(failures, 0);
}

static void comments_after_headers_and_integers_in_any_decimal_form_are_fine(void **state)
{
    (void)state;
    const char *text = "[run]   ; the run\n"
                       "seed = 9007199254740991.000\n"
                       "weeks = 12000e-3 ; a time: 12 weeks\n"
                       "[population]# people\n"
                       "size = 1.5e3\n";
    attune_scenario *s = scenario_from(text, "fine.ini");
    attune_error err;
    double v;
    attune_scenario_get(s, "run.seed", &v);
    assert_true(v == 9007199254740991.0);
    attune_scenario_get(s, "run.weeks", &v);
    assert_true(v == 12);
    attune_scenario_get(s, "population.size", &v);
    assert_true(v == 1500);
    /* The same integer check holds for --set. */
    assert_int_equal(attune_scenario_set(s, "run.seed", "9007199254740991.4", &err),
                     ATTUNE_ERR_TYPE);
    assert_non_null(strstr(err.message, "run.seed is '9007199254740991.4', not an integer"));
    assert_int_equal(attune_scenario_set(s, "run.seed", "1e-400", &err), ATTUNE_ERR_TYPE);
    attune_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_bad_case_reports_file_line_and_reason),
        cmocka_unit_test(binary_input_is_refused),
        cmocka_unit_test(overlong_line_is_reported),
        cmocka_unit_test(missing_file_is_named),
        cmocka_unit_test(good_file_sets_values_and_entries),
        cmocka_unit_test(ini_round_trip_is_exact),
        cmocka_unit_test(set_reports_unknown_and_bad_values),
        cmocka_unit_test(longest_entry_names_round_trip),
        cmocka_unit_test(checkpoint_keeps_longest_entry_names),
        cmocka_unit_test(invalid_checkpoint_scenario_names_the_cause),
        cmocka_unit_test(checkpoint_from_an_older_parameter_table_is_refused),
        cmocka_unit_test(indentation_is_not_significant),
        cmocka_unit_test(too_many_entries_are_refused_at_their_line),
        cmocka_unit_test(entry_field_suggestions_come_from_the_kind),
        cmocka_unit_test(impossible_intervention_targets_are_refused),
        cmocka_unit_test(impossible_intervention_targets_name_file_and_line),
        cmocka_unit_test(intervention_errors_follow_the_file_or_setting_that_set_the_field),
        cmocka_unit_test(comments_after_headers_and_integers_in_any_decimal_form_are_fine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
