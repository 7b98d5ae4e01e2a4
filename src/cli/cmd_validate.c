/* attune validate: run the default population, compare it with T1..T5 and judge whether it
 * reached a steady state. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attune/validation.h"
#include "cli/cli.h"

/* 100 years: everyone aged 25-45 at the end (T2) and every adult of T3 grew up in the run,
 * and the default population has reached its steady state (at 50 years it still drifts;
 * docs/validation.md, "The steady state"). */
#define VALIDATE_WEEKS      5218
#define VALIDATE_REPLICATES 5
#define VALIDATE_FIRST_SEED 1000

static const char validate_usage[] =
    "Usage: attune validate [SCENARIO] [--replicates N] [--json] [--size N] [--weeks N]\n"
    "                       [--set KEY=VALUE]... [--seed N] [--only T1,T4.session8,...]\n"
    "                       [--threads N] [--quiet]\n"
    "Runs the built-in default population (or SCENARIO) for 100 years (5,218 weeks) with N\n"
    "replicates (default 5; seeds 1000, 1001, ...) and prints, for every part of the\n"
    "published targets T1-T5 (docs/validation.md), the target, the simulated value (the mean\n"
    "over replicates) with its 95% confidence interval, the tolerance and pass or FAIL. A part\n"
    "passes when the mean lies within the tolerance of the target; a part without data (T4\n"
    "and T5 in a run without therapy) fails, with a note. The targets describe a steady\n"
    "state, so it also prints how far six indicators (population size, distress, well-being,\n"
    "coping, adult security, avoidance) still drift a decade over the last 20 complete years\n"
    "(of 52 weeks) of the runs, or the last half of their complete years if that is fewer, and\n"
    "whether each is steady: the 95% interval of its mean drift within the tolerance. Runs of\n"
    "fewer than 10 complete years are not judged, and so not steady.\n"
    "\n"
    "  --replicates N   replicates, at least 2 (default 5)\n"
    "  --json           print {\"passed\",\"steady_state\":{\"steady\",\"indicators\":[...]},\n"
    "                   \"targets\":[{\"id\",\"passed\",\"simulated\",\"target\",\"ci\",...}]}\n"
    "  --size N         same as --set population.size=N\n"
    "  --weeks N        weeks of each run (default 5218, whatever the scenario's run.weeks);\n"
    "                   infants and therapy courses count in the second half, adults at the end\n"
    "  --set KEY=VALUE  set a parameter, as for attune run (repeatable)\n"
    "  --seed N         seed of the first replicate (default 1000; replicate r has N + r)\n"
    "  --only LIST      print and judge only these targets (T1..T5) or parts (T4.session8);\n"
    "                   every part is still measured, so a run costs the same; the steady\n"
    "                   state is always judged\n"
    "  --threads N      OpenMP threads per run (default: all cores); results do not depend on it\n"
    "  --quiet          no progress bar\n"
    "\n"
    "Exit codes: 0 every part passed and the runs reached a steady state, 6 a part did not\n"
    "pass or an indicator is not steady (it drifts, or the runs were too short to judge),\n"
    "2 bad arguments, 3 invalid scenario or --set, 5 not enough memory, 130 interrupted\n"
    "(nothing is printed).\n";

typedef struct validate_progress {
    progress bar;
    int32_t weeks;
} validate_progress;

static int on_week(int replicate, int replicates, int32_t week, int32_t weeks, void *user)
{
    validate_progress *v = user;
    (void)replicates;
    snprintf(v->bar.note, sizeof v->bar.note, " (replicate %d)", replicate + 1);
    progress_update(&v->bar, replicate * weeks + week);
    return *stop_flag() != 0;
}

/* What is printed and judged: the parts selected by --only (all by default), the run's shape. */
typedef struct validate_view {
    bool shown[ATTUNE_TARGET_PART_COUNT];
    int replicates;
    int32_t weeks;
    double size;
    unsigned long long first_seed;
} validate_view;

static bool all_shown_passed(const attune_target_result *r, const validate_view *v)
{
    bool all = true;
    for (size_t k = 0; k < ATTUNE_TARGET_PART_COUNT; k++)
        all &= !v->shown[k] || r[k].passed;
    return all;
}

static bool all_steady(const attune_drift_result *d)
{
    bool all = true;
    for (size_t k = 0; k < ATTUNE_DRIFT_COUNT; k++)
        all &= d[k].steady;
    return all;
}

/* The window of the steady state: the longest over indicators (0: the runs were too short). */
static int drift_window(const attune_drift_result *d)
{
    int years = 0;
    for (size_t k = 0; k < ATTUNE_DRIFT_COUNT; k++)
        years = d[k].years > years ? d[k].years : years;
    return years;
}

static void print_json_steady(const attune_drift_result *d)
{
    printf("\"steady_state\":{\"steady\":%s,\"window_years\":%d,\"indicators\":[",
           all_steady(d) ? "true" : "false", drift_window(d));
    for (size_t k = 0; k < ATTUNE_DRIFT_COUNT; k++) {
        printf("%s\n {\"id\":", k ? "," : "");
        json_print_string(d[k].info->id);
        printf(",\"steady\":%s,\"drift_per_decade\":", d[k].steady ? "true" : "false");
        json_print_number(d[k].drift);
        printf(",\"ci\":[");
        json_print_number(d[k].ci_low);
        printf(",");
        json_print_number(d[k].ci_high);
        printf("],\"tolerance\":");
        json_print_number(d[k].info->tolerance);
        printf(",\"relative\":%s,\"level\":", d[k].info->relative ? "true" : "false");
        json_print_number(d[k].level);
        printf(",\"replicates\":%d,\"measure\":", d[k].replicates);
        json_print_string(d[k].info->measure);
        printf(",\"note\":");
        json_print_string(d[k].note);
        printf("}");
    }
    printf("\n]},");
}

static void print_json(const attune_target_result *r, const attune_drift_result *d,
                       const validate_view *v)
{
    printf("{\"passed\":%s,\"replicates\":%d,\"weeks\":%ld,\"population\":%.0f,"
           "\"first_seed\":%llu,",
           all_shown_passed(r, v) && all_steady(d) ? "true" : "false", v->replicates,
           (long)v->weeks, v->size, v->first_seed);
    print_json_steady(d);
    printf("\"targets\":[");
    int printed = 0;
    for (size_t k = 0; k < ATTUNE_TARGET_PART_COUNT; k++) {
        const attune_target_result *q = &r[k];
        if (!v->shown[k])
            continue;
        printf("%s\n {\"id\":", printed++ ? "," : "");
        json_print_string(q->info->id);
        printf(",\"target_id\":");
        json_print_string(q->info->target);
        printf(",\"passed\":%s,\"simulated\":", q->passed ? "true" : "false");
        json_print_number(q->simulated);
        printf(",\"ci\":[");
        json_print_number(q->ci_low);
        printf(",");
        json_print_number(q->ci_high);
        printf("],\"target\":");
        json_print_number(q->info->value);
        double low, high;
        attune_target_band(q->info, &low, &high);
        printf(",\"tolerance\":");
        json_print_number(q->info->tolerance);
        printf(",\"scale\":\"%s\",\"low\":", q->info->geometric ? "log" : "linear");
        json_print_number(low);
        printf(",\"high\":");
        json_print_number(high);
        printf(",\"distance\":");
        json_print_number(q->distance);
        printf(",\"n\":");
        json_print_number(q->n);
        printf(",\"replicates\":%d,\"pattern\":", q->replicates);
        json_print_string(q->info->pattern);
        printf(",\"note\":");
        json_print_string(q->note);
        printf("}");
    }
    printf("\n]}\n");
}

static void print_table_steady(const attune_drift_result *d)
{
    int window = drift_window(d);
    if (window > 0)
        printf("\nSteady state: drift a decade of the yearly means over the last %d complete\n"
               "years (a straight line fitted); an indicator is steady when the 95%% interval\n"
               "of the mean drift over replicates lies within the tolerance.\n\n",
               window);
    else
        printf("\nSteady state: %s.\n\n", d[0].note);
    printf("%-20s %10s %12s  %-20s %9s  %s\n", "indicator", "level", "drift/decade", "95% CI",
           "tolerance", "result");
    size_t steady = 0;
    for (size_t k = 0; k < ATTUNE_DRIFT_COUNT; k++) {
        const attune_drift_result *q = &d[k];
        char ci[64], tolerance[32], drift[32], level[32];
        const char *unit = q->info->relative ? "%" : "";
        double scale = q->info->relative ? 100.0 : 1.0;
        int digits = q->info->relative ? 1 : 3;
        snprintf(tolerance, sizeof tolerance, "+-%.*g%s", 3, scale * q->info->tolerance, unit);
        if (q->replicates > 0) {
            snprintf(level, sizeof level, "%.*f", q->info->relative ? 0 : 3, q->level);
            snprintf(drift, sizeof drift, "%+.*f%s", digits, scale * q->drift, unit);
        } else {
            snprintf(level, sizeof level, "-");
            snprintf(drift, sizeof drift, "-");
        }
        if (q->replicates > 1)
            snprintf(ci, sizeof ci, "[%+.*f%s, %+.*f%s]", digits, scale * q->ci_low, unit, digits,
                     scale * q->ci_high, unit);
        else
            snprintf(ci, sizeof ci, "-");
        printf("%-20s %10s %12s  %-20s %9s  %s\n", q->info->id, level, drift, ci, tolerance,
               q->steady      ? "steady"
               : q->years > 0 ? "DRIFTS"
                              : "not judged");
        if (q->note[0] && window > 0)
            printf("%-20s note: %s\n", "", q->note);
        steady += q->steady;
    }
    printf("\n%zu of %d indicators steady%s\n", steady, ATTUNE_DRIFT_COUNT,
           steady == ATTUNE_DRIFT_COUNT ? ""
           : window > 0 ? ": the runs did not reach a steady state (a longer --weeks may)"
                        : ": the runs were too short to judge a steady state");
}

static void print_table(const attune_target_result *r, const attune_drift_result *d,
                        const validate_view *v)
{
    printf("Validation: %.0f people, %ld weeks, %d replicates (seeds %llu-%llu); a part passes\n"
           "when the mean over replicates lies within the tolerance of the target.\n\n",
           v->size, (long)v->weeks, v->replicates, v->first_seed,
           v->first_seed + (unsigned long long)v->replicates - 1);
    printf("%-16s %8s %14s %10s  %-20s %9s  %s\n", "part", "target", "tolerance", "simulated",
           "95% CI", "n", "result");
    const char *last = "";
    size_t passed = 0, shown = 0;
    for (size_t k = 0; k < ATTUNE_TARGET_PART_COUNT; k++) {
        const attune_target_result *q = &r[k];
        if (!v->shown[k])
            continue;
        shown++;
        if (strcmp(q->info->target, last) != 0) {
            const char *colon = strchr(q->info->pattern, ':');
            int len = colon ? (int)(colon - q->info->pattern) : (int)strlen(q->info->pattern);
            printf("\n%s  %.*s (%s)\n", q->info->target, len, q->info->pattern, q->info->source);
            last = q->info->target;
        }
        char ci[64], tolerance[48];
        snprintf(ci, sizeof ci, "[%.3f, %.3f]", q->ci_low, q->ci_high);
        target_band_text(q->info, tolerance, sizeof tolerance);
        printf("%-16s %8.3f %14s %10.3f  %-20s %9.0f  %s\n", q->info->id, q->info->value, tolerance,
               q->simulated, ci, q->n, q->passed ? "pass" : "FAIL");
        if (q->note[0])
            printf("%-16s note: %s\n", "", q->note);
        passed += q->passed;
    }
    printf("\n%zu of %zu parts passed\n", passed, shown);
    print_table_steady(d);
}

void target_band_text(const attune_target_info *t, char *out, size_t size)
{
    double low, high;
    attune_target_band(t, &low, &high);
    if (t->geometric)
        snprintf(out, size, "%.3g to %.3g", low, high);
    else
        snprintf(out, size, "+-%.3g", t->tolerance);
}

static int parse_long(const char *text, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = text ? strtol(text, &end, 10) : 0;
    if (text == NULL || end == text || *end != '\0' || errno != 0 || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Marks the parts named by --only: a comma-separated list of targets ("T2", all its parts) and
 * parts ("T4.session8"). Returns -1, having said why, on an empty or unknown name. */
static int select_parts(const char *list, bool *shown)
{
    for (size_t k = 0; k < ATTUNE_TARGET_PART_COUNT; k++)
        shown[k] = false;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), p);
        int found = 0;
        for (size_t k = 0; k < ATTUNE_TARGET_PART_COUNT; k++) {
            const attune_target_info *t = attune_target_at(k);
            if (len > 0 && (strcmp(name, t->id) == 0 || strcmp(name, t->target) == 0)) {
                shown[k] = true;
                found = 1;
            }
        }
        if (!found) {
            fprintf(stderr,
                    "attune validate: --only names '%s'; expected targets T1 to T5 or parts "
                    "such as T1.secure or T4.session8 (attune validate --json lists them)\n",
                    name);
            return -1;
        }
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

int cmd_validate(int argc, char **argv)
{
    attune_validate_options o = {VALIDATE_REPLICATES, 0,    VALIDATE_WEEKS,
                                 VALIDATE_FIRST_SEED, NULL, NULL};
    int json = 0, quiet = 0;
    validate_view view = {{0}, 0, 0, 0, 0};
    for (size_t k = 0; k < ATTUNE_TARGET_PART_COUNT; k++)
        view.shown[k] = true;
    const char *scenario_path = NULL;
    attune_scenario *s = NULL;
    attune_error err = {0};
    if (attune_scenario_create(&s) != ATTUNE_OK) {
        fprintf(stderr, "attune validate: out of memory\n");
        return EXIT_MEMORY;
    }
    /* The scenario file first, so that --set and --size apply over it. */
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            printf("%s", validate_usage);
            attune_scenario_free(s);
            return EXIT_OK;
        }
        if (strncmp(argv[a], "--", 2) == 0) {
            a += strcmp(argv[a], "--json") != 0 && strcmp(argv[a], "--quiet") != 0;
            continue;
        }
        if (scenario_path != NULL) {
            fprintf(stderr, "attune validate: more than one scenario given ('%s' and '%s')\n%s",
                    scenario_path, argv[a], validate_usage);
            attune_scenario_free(s);
            return EXIT_USAGE;
        }
        scenario_path = argv[a];
    }
    if (scenario_path != NULL) {
        int rc = attune_scenario_load(s, scenario_path, &err);
        if (rc != ATTUNE_OK) {
            report_error(&err);
            attune_scenario_free(s);
            return rc == ATTUNE_ERR_IO ? EXIT_SCENARIO : exit_code_for(rc);
        }
    }
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        const char *value = a + 1 < argc ? argv[a + 1] : NULL;
        long v = 0;
        int rc = ATTUNE_OK;
        if (strncmp(arg, "--", 2) != 0)
            continue;
        if (strcmp(arg, "--json") == 0) {
            json = 1;
            continue;
        }
        if (strcmp(arg, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        a++;
        if (strcmp(arg, "--replicates") == 0 && parse_long(value, 2, 1000, &v) == 0) {
            o.replicates = (int)v;
        } else if (strcmp(arg, "--threads") == 0 && parse_long(value, 1, 1024, &v) == 0) {
            o.threads = (int)v;
        } else if (strcmp(arg, "--weeks") == 0 && parse_long(value, 1, 52000, &v) == 0) {
            o.weeks = (int32_t)v;
        } else if (strcmp(arg, "--seed") == 0 && parse_long(value, 0, 2147483647L, &v) == 0) {
            o.first_seed = (uint64_t)v;
        } else if (strcmp(arg, "--only") == 0 && value != NULL) {
            if (select_parts(value, view.shown) != 0) {
                attune_scenario_free(s);
                return EXIT_USAGE;
            }
        } else if (strcmp(arg, "--size") == 0 && value != NULL) {
            rc = attune_scenario_set(s, "population.size", value, &err);
        } else if (strcmp(arg, "--set") == 0 && value != NULL && strchr(value, '=') != NULL &&
                   value[0] != '=') {
            rc = attune_scenario_set_each(s, &value, 1, &err);
        } else {
            static const char *const known[] = {"--replicates", "--threads", "--weeks",
                                                "--size",       "--set",     "--seed"};
            int is_known = 0;
            for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                is_known |= strcmp(arg, known[k]) == 0;
            if (is_known)
                fprintf(stderr, "attune validate: %s is '%s'; expected %s\n", arg,
                        value ? value : "(missing)",
                        strcmp(arg, "--set") == 0          ? "KEY=VALUE"
                        : strcmp(arg, "--replicates") == 0 ? "an integer in [2, 1000]"
                        : strcmp(arg, "--threads") == 0    ? "an integer in [1, 1024]"
                        : strcmp(arg, "--weeks") == 0      ? "an integer in [1, 52000]"
                        : strcmp(arg, "--seed") == 0       ? "an integer in [0, 2147483647]"
                                                           : "a number of people");
            else
                fprintf(stderr, "attune validate: unknown option '%s'\n%s", arg, validate_usage);
            attune_scenario_free(s);
            return EXIT_USAGE;
        }
        if (rc != ATTUNE_OK) {
            report_error(&err);
            attune_scenario_free(s);
            return exit_code_for(rc);
        }
    }
    int rc = attune_scenario_validate(s, &err);
    if (rc != ATTUNE_OK) {
        report_error(&err);
        attune_scenario_free(s);
        return exit_code_for(rc);
    }
    double size = 0;
    attune_scenario_get(s, "population.size", &size);
    /* Memory: one run at a time, of o.weeks weeks (the runs' own length, whatever the
     * scenario's); refuse before the first rather than fail within it. */
    char weeks_text[32];
    snprintf(weeks_text, sizeof weeks_text, "%ld", (long)o.weeks);
    attune_scenario_set(s, "run.weeks", weeks_text, NULL);
    uint64_t need = attune_model_memory_estimate(s), limit = cli_available_memory();
    char n1[32], n2[32];
    if (!cli_memory_fits(need, limit, n1, n2)) {
        fprintf(stderr,
                "attune validate: each run needs about %s for %.0f people over %ld weeks, more "
                "than the %s available; lower --size\n",
                n1, size, (long)o.weeks, n2);
        attune_scenario_free(s);
        return EXIT_MEMORY;
    }
    validate_progress vp = {{0}, o.weeks};
    progress_start_units(&vp.bar, o.replicates * o.weeks, !quiet && isatty(STDERR_FILENO), "week");
    o.progress = on_week;
    o.user = &vp;
    catch_stop_signals();
    attune_target_result *results = NULL;
    attune_drift_result *drift = NULL;
    rc = attune_validate(s, &o, &results, &drift, &err);
    progress_finish(&vp.bar);
    attune_scenario_free(s);
    if (rc != ATTUNE_OK) {
        if (*stop_flag()) {
            fprintf(stderr, "attune validate: interrupted; nothing was measured\n");
            return EXIT_INTERRUPTED;
        }
        report_error(&err);
        return exit_code_for(rc);
    }
    view.replicates = o.replicates;
    view.weeks = o.weeks;
    view.size = size;
    view.first_seed = (unsigned long long)o.first_seed;
    if (json)
        print_json(results, drift, &view);
    else
        print_table(results, drift, &view);
    bool all = all_shown_passed(results, &view) && all_steady(drift);
    free(results);
    free(drift);
    return all ? EXIT_OK : EXIT_TARGET_FAILED;
}
