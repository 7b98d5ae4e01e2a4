/* The parameter table: well-formed rows, value parsing, and docs/parameters.md in sync. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/scenario_internal.h"

static void check_rows(const attune_param_info *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const attune_param_info *r = &rows[i];
        assert_non_null(r->doc);
        assert_true(strlen(r->doc) > 10);
        assert_true(strlen(r->unit) > 0);
        assert_true(r->min <= r->max);
        assert_true(r->default_value >= r->min && r->default_value <= r->max);
        if (r->type == ATTUNE_TYPE_INT || r->type == ATTUNE_TYPE_BOOL)
            assert_true(r->default_value == floor(r->default_value));
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(r->key, rows[j].key);
    }
}

static void table_rows_are_well_formed(void **state)
{
    (void)state;
    assert_true(attune_param_count() > 20);
    check_rows(attune_param_at(0), attune_param_count());
    for (size_t k = 0; k < attune_entry_kind_count(); k++) {
        const attune_entry_kind_info *kind = attune_entry_kind_at(k);
        check_rows(kind->fields, kind->field_count);
    }
    /* Keys are "section.name". */
    for (size_t i = 0; i < attune_param_count(); i++) {
        const attune_param_info *r = attune_param_at(i);
        char key[256];
        snprintf(key, sizeof key, "%s.%s", r->section, r->name);
        assert_string_equal(key, r->key);
        assert_ptr_equal(attune_param_find(r->key), r);
    }
    assert_null(attune_param_find("population.sizes"));
}

static void defaults_come_from_the_table(void **state)
{
    (void)state;
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    for (size_t i = 0; i < attune_param_count(); i++) {
        double v;
        assert_int_equal(attune_scenario_get(s, attune_param_at(i)->key, &v), ATTUNE_OK);
        assert_true(v == attune_param_at(i)->default_value);
    }
    assert_true(attune_scenario_entry_count(s, "culture") >= 2);
    assert_int_equal(attune_scenario_validate(s, NULL), ATTUNE_OK);
    attune_scenario_free(s);
}

static void values_parse_by_type(void **state)
{
    (void)state;
    const attune_param_info *size = attune_param_find("population.size");
    const attune_param_info *noise = attune_param_find("interaction.noise");
    const attune_param_info *flag = attune_param_find("output.graphml");
    char why[512];
    double v;
    assert_int_equal(attune_param_parse_value(size, "5000", &v, why, sizeof why), ATTUNE_OK);
    assert_true(v == 5000);
    assert_int_equal(attune_param_parse_value(size, "1e6", &v, why, sizeof why), ATTUNE_OK);
    assert_true(v == 1e6);
    assert_int_equal(attune_param_parse_value(size, "1500.5", &v, why, sizeof why),
                     ATTUNE_ERR_TYPE);
    assert_int_equal(attune_param_parse_value(size, "lots", &v, why, sizeof why), ATTUNE_ERR_TYPE);
    assert_non_null(strstr(why, "not an integer"));
    assert_int_equal(attune_param_parse_value(size, "10", &v, why, sizeof why), ATTUNE_ERR_RANGE);
    assert_non_null(strstr(why, "[1000, 200000000]"));
    assert_int_equal(attune_param_parse_value(noise, "0.25", &v, why, sizeof why), ATTUNE_OK);
    assert_int_equal(attune_param_parse_value(noise, "nan", &v, why, sizeof why), ATTUNE_ERR_TYPE);
    assert_non_null(strstr(why, "finite"));
    assert_int_equal(attune_param_parse_value(noise, "inf", &v, why, sizeof why), ATTUNE_ERR_TYPE);
    assert_int_equal(attune_param_parse_value(noise, "", &v, why, sizeof why), ATTUNE_ERR_TYPE);
    assert_int_equal(attune_param_parse_value(noise, "1.5", &v, why, sizeof why), ATTUNE_ERR_RANGE);
    assert_int_equal(attune_param_parse_value(flag, "yes", &v, why, sizeof why), ATTUNE_OK);
    assert_true(v == 1);
    assert_int_equal(attune_param_parse_value(flag, "Off", &v, why, sizeof why), ATTUNE_OK);
    assert_true(v == 0);
    assert_int_equal(attune_param_parse_value(flag, "maybe", &v, why, sizeof why), ATTUNE_ERR_TYPE);
}

static void suggestions_find_the_nearest_key(void **state)
{
    (void)state;
    assert_string_equal(attune_nearest_key("sise", "population"), "population.size");
    assert_string_equal(attune_nearest_key("frends_mean", "network"), "network.friends_mean");
    assert_string_equal(attune_nearest_key("population.sze", NULL), "population.size");
    assert_null(attune_nearest_key("completely_unrelated_words", "population"));
    assert_string_equal(attune_nearest_section("netwrk"), "network");
    assert_string_equal(attune_nearest_section("cultur"), "culture");
}

static void settings_apply_in_order_and_stop_at_the_first_bad_one(void **state)
{
    (void)state;
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    attune_error err = {0};
    const char *good[] = {"population.size=1234", "affect.inertia=0.5", "population.size=4321"};
    assert_int_equal(attune_scenario_set_each(s, good, 3, &err), ATTUNE_OK);
    double v = 0;
    assert_int_equal(attune_scenario_get(s, "population.size", &v), ATTUNE_OK);
    assert_true(v == 4321); /* the later setting wins */
    assert_int_equal(attune_scenario_get(s, "affect.inertia", &v), ATTUNE_OK);
    assert_true(v == 0.5);
    const char *bad[] = {"affect.inertia=0.25", "population.sze=10", "affect.inertia=0.75"};
    assert_int_equal(attune_scenario_set_each(s, bad, 3, &err), ATTUNE_ERR_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "population.size"));
    assert_int_equal(attune_scenario_get(s, "affect.inertia", &v), ATTUNE_OK);
    assert_true(v == 0.25); /* applied up to the bad one, not after it */
    const char *malformed[] = {"affect.inertia"};
    assert_int_equal(attune_scenario_set_each(s, malformed, 1, &err), ATTUNE_ERR_SYNTAX);
    assert_int_equal(attune_scenario_set_each(s, NULL, 0, &err), ATTUNE_OK);
    attune_scenario_free(s);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static void parameter_reference_matches_table(void **state)
{
    (void)state;
    char *text = NULL;
    assert_int_equal(attune_params_markdown(&text), ATTUNE_OK);
    char *doc = read_file(ATTUNE_SOURCE_DIR "/docs/parameters.md");
    assert_non_null(doc);
    if (strcmp(text, doc) != 0)
        fail_msg("docs/parameters.md is out of date: run "
                 "`./build/attune params --markdown > docs/parameters.md`");
    free(text);
    free(doc);
}

static void default_scenario_file_matches_built_in_default(void **state)
{
    (void)state;
    attune_scenario *s = NULL;
    assert_int_equal(attune_scenario_create(&s), ATTUNE_OK);
    char *text = NULL;
    assert_int_equal(attune_scenario_to_ini(s, &text), ATTUNE_OK);
    char *file = read_file(ATTUNE_SOURCE_DIR "/scenarios/default.ini");
    assert_non_null(file);
    if (strcmp(text, file) != 0)
        fail_msg("scenarios/default.ini is out of date: run "
                 "`./build/attune params --ini > scenarios/default.ini`");
    free(text);
    free(file);
    attune_scenario_free(s);
}

/* attune_param_format writes a real as the fewest significant digits that read back to the
 * same double, without an exponent wherever %g can write the number without one. */
static void reals_are_written_to_read_back_exactly_without_needless_exponents(void **state)
{
    (void)state;
    const attune_param_info *real = NULL;
    for (size_t i = 0; i < attune_param_count() && real == NULL; i++)
        if (attune_param_at(i)->type == ATTUNE_TYPE_REAL)
            real = attune_param_at(i);
    assert_non_null(real);
    static const struct {
        double value;
        const char *text;
    } cases[] = {{0, "0"},           {10, "10"},       {-10, "-10"},
                 {120, "120"},       {52000, "52000"}, {0.05, "0.05"},
                 {0.0005, "0.0005"}, {2e-05, "2e-05"}, {1e15, "1000000000000000"},
                 {1e17, "1e+17"},    {0.3, "0.3"},     {0.1 + 0.2, "0.30000000000000004"},
                 {1.5e-9, "1.5e-09"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char buf[64];
        attune_param_format(real, cases[k].value, buf, sizeof buf);
        if (strcmp(buf, cases[k].text) != 0)
            fail_msg("%.17g written as '%s', expected '%s'", cases[k].value, buf, cases[k].text);
    }
    /* Round trip over a spread of magnitudes and digits. */
    for (int e = -12; e <= 20; e++) {
        for (int d = 1; d < 1000; d += 37) {
            double v = d * pow(10.0, e) / 7.0;
            char buf[64];
            attune_param_format(real, v, buf, sizeof buf);
            assert_true(strtod(buf, NULL) == v);
            attune_param_format(real, -v, buf, sizeof buf);
            assert_true(strtod(buf, NULL) == -v);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_rows_are_well_formed),
        cmocka_unit_test(defaults_come_from_the_table),
        cmocka_unit_test(values_parse_by_type),
        cmocka_unit_test(suggestions_find_the_nearest_key),
        cmocka_unit_test(settings_apply_in_order_and_stop_at_the_first_bad_one),
        cmocka_unit_test(parameter_reference_matches_table),
        cmocka_unit_test(default_scenario_file_matches_built_in_default),
        cmocka_unit_test(reals_are_written_to_read_back_exactly_without_needless_exponents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
