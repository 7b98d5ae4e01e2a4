/* attune calibrate: run a calibration file's design like a sweep, then accept the parameter
 * sets nearest the targets (rejection ABC) and print the best fit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attune/calibrate.h"
#include "cli/cli.h"
#include "cli/sweep_pool.h"

static const char calibrate_usage[] =
    "Usage: attune calibrate SPEC [--out DB] [--csv FILE] [--replicates N] [--jobs N]\n"
    "                       [--threads N] [--force] [--allow-other-build] [--quiet]\n"
    "       mpirun -np K attune calibrate SPEC ...\n"
    "Fits the parameters varied in the calibration file SPEC to the targets it names (parts of\n"
    "T1-T5; docs/validation.md) by rejection approximate Bayesian computation: every point of\n"
    "its design (lhs, sobol or grid) is run with its replicates into the SQLite database DB\n"
    "(default: SPEC's name with .sqlite; resumable and spread over --jobs and MPI ranks as for\n"
    "attune sweep), each point is scored by its distance to the targets (the root mean square\n"
    "of the parts' distances in tolerances), and the nearest are accepted (the\n"
    "file's accept share, or those within epsilon). Prints the best fit with its distance to\n"
    "each part and the accepted parameter sets' mean, SD and 95% interval; writes the accepted\n"
    "sets to FILE (default: DB's name with -accepted.csv) and to DB (tables calibration, fit,\n"
    "fit_parts; view accepted). Changing only targets, accept or epsilon keeps the runs.\n"
    "\n"
    "  --out DB         the database (runs, target statistics, fit)\n"
    "  --csv FILE       the accepted parameter sets, nearest first\n"
    "  --replicates N   runs per point (overrides the file's replicates)\n"
    "  --jobs N         runs at once in each process (default 1)\n"
    "  --threads N      OpenMP threads per run (default: the cores shared among the runs)\n"
    "  --force          replace DB if it holds another calibration or sweep\n"
    "  --allow-other-build  resume DB even though another build of attune made it (its runs\n"
    "                   and this build's would mix two versions of the model)\n"
    "  --quiet          no progress line nor run counts (the fit, its table and the CSV\n"
    "                   path are printed)\n"
    "\n"
    "Exit codes: 0 done, 6 no point could be scored (a target part has no value in any run,\n"
    "e.g. T4 in runs without therapy), 7 some runs failed (the others are analysed; they run\n"
    "again on resume), 130 interrupted (run the command again to resume), 2 bad arguments,\n"
    "3 invalid calibration file, 4 database or CSV problem (DB holds another calibration or\n"
    "another build's runs), 5 its runs would not fit in memory.\n";

typedef struct calibrate_options {
    const char *spec, *out, *csv;
    int replicates, jobs, threads, force, quiet, allow_other_build;
} calibrate_options;

static int parse_options(int argc, char **argv, calibrate_options *o)
{
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        const char *value = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            printf("%s", calibrate_usage);
            return 1;
        } else if ((strcmp(arg, "--out") == 0 || strcmp(arg, "--csv") == 0) && value) {
            *(arg[2] == 'o' ? &o->out : &o->csv) = value;
            a++;
        } else if (strcmp(arg, "--replicates") == 0 || strcmp(arg, "--jobs") == 0 ||
                   strcmp(arg, "--threads") == 0) {
            int *slot = arg[2] == 'r' ? &o->replicates : arg[2] == 'j' ? &o->jobs : &o->threads;
            if (cli_int_option("calibrate", arg, value, 1, arg[2] == 'r' ? 1000 : 1024, slot))
                return -1;
            a++;
        } else if (strcmp(arg, "--force") == 0) {
            o->force = 1;
        } else if (strcmp(arg, "--allow-other-build") == 0) {
            o->allow_other_build = 1;
        } else if (strcmp(arg, "--quiet") == 0) {
            o->quiet = 1;
        } else if (arg[0] == '-' || o->spec != NULL) {
            fprintf(stderr, "attune calibrate: unexpected argument '%s'\n%s", arg, calibrate_usage);
            return -1;
        } else {
            o->spec = arg;
        }
    }
    if (o->spec == NULL) {
        fprintf(stderr, "attune calibrate: missing the calibration file\n%s", calibrate_usage);
        return -1;
    }
    return 0;
}

/* PATH's file name without folder and extension, plus `suffix`, in `folder` (or "."). */
static void derived_path(const char *path, const char *suffix, int keep_folder, char *out,
                         size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    int n = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    if (keep_folder)
        snprintf(out, size, "%.*s%.*s%s", (int)(base - path), path, n, base, suffix);
    else
        snprintf(out, size, "%.*s%s", n, base, suffix);
}

static void print_fit(const attune_sweep *sw, const attune_calibration_result *r, const char *csv)
{
    size_t width = 10;
    for (size_t f = 0; f < r->factor_count; f++)
        if (strlen(attune_sweep_factor_name(sw, f)) > width)
            width = strlen(attune_sweep_factor_name(sw, f));
    char rule[96];
    if (r->epsilon > 0)
        snprintf(rule, sizeof rule, "epsilon = %g", r->epsilon);
    else
        snprintf(rule, sizeof rule, "accept = %g", r->accept);
    if (r->accepted_count > 0)
        printf("%zu of %zu points scored; %zu accepted (%s; distance <= %.4g)\n", r->scored,
               r->point_count, r->accepted_count, rule, r->threshold);
    else if (r->best != SIZE_MAX)
        printf("%zu of %zu points scored; 0 accepted (%s: none is within it; the nearest is at "
               "distance %.4g)\n",
               r->scored, r->point_count, rule, r->distance[r->best]);
    else
        printf("%zu of %zu points scored; 0 accepted (%s)\n", r->scored, r->point_count, rule);
    if (r->best == SIZE_MAX)
        return;
    size_t b = r->best;
    printf("\nbest fit: point %zu, distance %.4g (%d replicate%s)\n", b, r->distance[b],
           r->replicates[b], r->replicates[b] == 1 ? "" : "s");
    for (size_t f = 0; f < r->factor_count; f++)
        printf("  %-*s = %.6g\n", (int)width, attune_sweep_factor_name(sw, f),
               r->values[b * r->factor_count + f]);
    printf("\n  %-16s %8s %14s %10s %9s\n", "part", "target", "tolerance", "simulated", "distance");
    for (size_t k = 0; k < r->part_count; k++) {
        const attune_target_info *t = attune_target_at((size_t)r->parts[k]);
        double sim = r->simulated[b * r->part_count + k];
        char band[48];
        target_band_text(t, band, sizeof band);
        printf("  %-16s %8.3f %14s %10.3f %9.2f\n", t->id, t->value, band, sim,
               attune_target_distance(t, sim));
    }
    if (r->accepted_count > 0) {
        printf("\naccepted parameter sets (%zu): mean, SD and 95%% interval\n", r->accepted_count);
        for (size_t f = 0; f < r->factor_count; f++) {
            const double *q = &r->posterior[f * 4];
            printf("  %-*s  %10.4g  %10.4g  [%.4g, %.4g]\n", (int)width,
                   attune_sweep_factor_name(sw, f), q[0], q[1], q[2], q[3]);
        }
    }
    if (csv != NULL)
        printf("\naccepted sets: %s\n", csv);
}

/* Rank 0 after the runs: the analysis, the CSV and the printout. */
static int analyse(const attune_sweep *sw, const char *db_path, const char *csv_path)
{
    attune_calibration_result *r = NULL;
    attune_error err = {0};
    int rc = attune_calibration_analyse(sw, db_path, &r, &err);
    if (rc != ATTUNE_OK) {
        report_error(&err);
        return exit_code_for(rc);
    }
    int code = EXIT_OK;
    if (r->scored == 0) {
        /* Say which part had no value anywhere. */
        for (size_t k = 0; k < r->part_count; k++) {
            int any = 0;
            for (size_t p = 0; p < r->point_count; p++)
                any |= isfinite(r->simulated[p * r->part_count + k]);
            if (!any) {
                const char *id = attune_target_at((size_t)r->parts[k])->id;
                fprintf(stderr,
                        "attune calibrate: no point could be scored: %s has no value in any "
                        "run%s\n",
                        id,
                        id[1] == '4' || id[1] == '5'
                            ? " (T4 and T5 need therapy sessions in the measured weeks)"
                            : " (see docs/validation.md for what each part needs)");
                break;
            }
        }
        code = EXIT_TARGET_FAILED;
    } else if ((rc = attune_calibration_write_csv(sw, r, csv_path, &err)) != ATTUNE_OK) {
        report_error(&err);
        code = exit_code_for(rc);
    }
    print_fit(sw, r, code == EXIT_OK ? csv_path : NULL);
    attune_calibration_result_free(r);
    return code;
}

/* Rank 0 once the runs are done (some may have failed): the analysis. `user` is the CSV path. */
static int analyse_runs(const attune_sweep *sweep, const sweep_exec *x, int code, void *user)
{
    if (code != EXIT_OK && code != EXIT_RUNS_FAILED)
        return code;
    int analysed = analyse(sweep, x->db_path, user);
    return analysed != EXIT_OK ? analysed : code;
}

int cmd_calibrate(int argc, char **argv)
{
    int rank = 0, ranks = 1;
    if (sweep_mpi_start(&argc, &argv, &rank, &ranks) != ATTUNE_OK) {
        fprintf(stderr, "attune calibrate: MPI could not be initialised\n");
        return EXIT_INTERNAL;
    }
    calibrate_options o = {0};
    o.jobs = 1;
    int parsed = parse_options(argc, argv, &o);
    if (parsed != 0) {
        sweep_mpi_finish(0);
        return parsed > 0 ? EXIT_OK : EXIT_USAGE;
    }
    catch_stop_signals();
    int threads = o.threads ? o.threads : sweep_default_threads(o.jobs);
    char db_path[1024], csv_path[1100];
    if (o.out)
        snprintf(db_path, sizeof db_path, "%s", o.out);
    else
        derived_path(o.spec, ".sqlite", 0, db_path, sizeof db_path);
    if (o.csv)
        snprintf(csv_path, sizeof csv_path, "%s", o.csv);
    else
        derived_path(db_path, "-accepted.csv", 1, csv_path, sizeof csv_path);

    sweep_ranks r = {.exec = {.command = "calibrate",
                              .db_path = db_path,
                              .jobs = o.jobs,
                              .threads = threads,
                              .force = o.force,
                              .quiet = o.quiet,
                              .allow_other_build = o.allow_other_build},
                     .load = attune_calibration_load,
                     .spec = o.spec,
                     .replicates = o.replicates,
                     .rank = rank,
                     .ranks = ranks,
                     .after = analyse_runs,
                     .user = csv_path,
                     .settled_code = EXIT_TARGET_FAILED};
    return sweep_run_ranks(&r);
}
