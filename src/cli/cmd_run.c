/* attune run: build the scenario, check it fits, simulate, write the run folder. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/report.h"

typedef struct run_options {
    const char *scenario_path;
    const char *out_dir;
    int threads;
    int quiet;
    int force;
    int graphml;
    uint64_t max_memory; /* 0: what the machine has available */
    int32_t checkpoint_every;
    const char *resume_dir;
    int keep_checkpoints;
    int report; /* write DIR/report.html when the run ends */
} run_options;

#define MIN_MEMORY_LIMIT (1u << 20) /* bytes: the smallest --max-memory taken */

/* Parses a size such as 512M, 4G or 1073741824 (bytes) into *out (bytes). Returns 0, -1 for text
 * that is not a finite size above 0, or -2 for a size below MIN_MEMORY_LIMIT (0.5 would have
 * become 0, which means "what is free"). */
static int parse_size(const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    /* Decimal only: strtod also takes nan, inf and hexadecimal. */
    if (end == text || errno != 0 || !isfinite(v) || v <= 0 ||
        strspn(text, "0123456789.eE+-") < (size_t)(end - text))
        return -1;
    double mult = 1;
    switch (*end) {
    case '\0': break;
    case 'k':
    case 'K':
        mult = 1024.0;
        end++;
        break;
    case 'm':
    case 'M':
        mult = 1024.0 * 1024;
        end++;
        break;
    case 'g':
    case 'G':
        mult = 1024.0 * 1024 * 1024;
        end++;
        break;
    case 't':
    case 'T':
        mult = 1024.0 * 1024 * 1024 * 1024;
        end++;
        break;
    default: return -1;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0' || v * mult > 1.8e19)
        return -1;
    if (v * mult < MIN_MEMORY_LIMIT)
        return -2;
    *out = (uint64_t)(v * mult);
    return 0;
}

static int parse_int(const char *text, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static void default_out_dir(int64_t seed, char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, size, "runs/%s-seed%lld", stamp, (long long)seed);
    struct stat st;
    for (int k = 2; stat(buf, &st) == 0 && k < 1000; k++)
        snprintf(buf, size, "runs/%s-seed%lld-%d", stamp, (long long)seed, k);
}

static const char run_usage[] =
    "Usage: attune run [SCENARIO] [--set KEY=VALUE]... [--seed N] [--weeks N] [--threads N]\n"
    "                  [--out DIR] [--force] [--graphml] [--max-memory SIZE] [--quiet]\n"
    "                  [--checkpoint-every WEEKS] [--keep-checkpoints] [--report]\n"
    "       attune run --resume DIR [--threads N] [--checkpoint-every WEEKS] [--quiet]\n"
    "                  [--keep-checkpoints] [--max-memory SIZE] [--force] [--report]\n"
    "See attune --help for the options and exit codes.\n";

typedef struct week_context {
    attune_output *output;
    progress *bar;
    attune_error *err;
    int32_t checkpoint_every;
    int32_t last_week;
    int failed;
    int interrupted;
} week_context;

static int after_week(const attune_model *model, void *user)
{
    week_context *ctx = user;
    int32_t week = attune_model_week(model);
    if (attune_output_write_week(ctx->output, model, ctx->err) != ATTUNE_OK) {
        ctx->failed = 1;
        return 1;
    }
    if (ctx->checkpoint_every > 0 && week % ctx->checkpoint_every == 0 && week < ctx->last_week &&
        attune_output_checkpoint(ctx->output, model, ctx->err) != ATTUNE_OK) {
        ctx->failed = 1;
        return 1;
    }
    progress_update(ctx->bar, week);
    if (*stop_flag() && week < ctx->last_week) {
        ctx->interrupted = 1;
        return 1;
    }
    return 0;
}

static void warn_resume(const char *message, void *user)
{
    (void)user;
    fprintf(stderr, "attune: warning: %s\n", message);
}

int cmd_run(int argc, char **argv)
{
    run_options opt = {0};
    attune_error err = {0};
    attune_scenario *scenario = NULL;
    attune_model *model = NULL;
    attune_output *output = NULL;
    int code = EXIT_OK;
    char command[4096] = "attune";
    for (int a = 0; a < argc; a++) {
        size_t len = strlen(command);
        snprintf(command + len, sizeof command - len, " %s", argv[a]);
    }
    if (attune_scenario_create(&scenario) != ATTUNE_OK) {
        fprintf(stderr, "attune: out of memory\n");
        return EXIT_MEMORY;
    }
    /* First pass: the scenario file, so that command-line settings apply over it. */
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            printf("%s", run_usage);
            attune_scenario_free(scenario);
            return EXIT_OK;
        }
        if (arg[0] == '-' && arg[1] == '-') {
            /* Options that take a value skip it (unless given as --opt=value). A value that
             * starts with "--" is the next option: the value is missing (negative numbers, as in
             * --seed -5, still pass). */
            static const char *with_value[] = {
                "--set", "--seed",       "--weeks",  "--threads",
                "--out", "--max-memory", "--resume", "--checkpoint-every"};
            for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
                if (strcmp(arg, with_value[k]) != 0)
                    continue;
                if (a + 1 < argc && strncmp(argv[a + 1], "--", 2) == 0) {
                    fprintf(stderr, "attune run: %s needs a value (got the option '%s')\n%s", arg,
                            argv[a + 1], run_usage);
                    attune_scenario_free(scenario);
                    return EXIT_USAGE;
                }
                a++;
            }
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            /* Every option is long (--NAME) but -h: "-x" is no scenario file. */
            fprintf(stderr, "attune run: unknown option '%s'\n%s", arg, run_usage);
            attune_scenario_free(scenario);
            return EXIT_USAGE;
        }
        if (opt.scenario_path != NULL) {
            fprintf(stderr, "attune run: more than one scenario given ('%s' and '%s')\n%s",
                    opt.scenario_path, arg, run_usage);
            attune_scenario_free(scenario);
            return EXIT_USAGE;
        }
        opt.scenario_path = arg;
    }
    if (opt.scenario_path != NULL) {
        int rc = attune_scenario_load(scenario, opt.scenario_path, &err);
        if (rc != ATTUNE_OK) {
            report_error(&err);
            attune_scenario_free(scenario);
            return rc == ATTUNE_ERR_IO ? EXIT_SCENARIO : exit_code_for(rc);
        }
    }
    /* Second pass: options, in order. */
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (!(arg[0] == '-' && arg[1] == '-'))
            continue;
        char name[64];
        const char *value = NULL;
        const char *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (nlen >= sizeof name) {
            fprintf(stderr, "attune run: unknown option '%s'\n%s", arg, run_usage);
            code = EXIT_USAGE;
            goto out;
        }
        memcpy(name, arg, nlen);
        name[nlen] = '\0';
        int flag = strcmp(name, "--quiet") == 0 || strcmp(name, "--force") == 0 ||
                   strcmp(name, "--graphml") == 0 || strcmp(name, "--keep-checkpoints") == 0 ||
                   strcmp(name, "--report") == 0;
        if (flag) {
            if (eq != NULL) {
                fprintf(stderr, "attune run: %s takes no value\n", name);
                code = EXIT_USAGE;
                goto out;
            }
            if (strcmp(name, "--quiet") == 0)
                opt.quiet = 1;
            else if (strcmp(name, "--force") == 0)
                opt.force = 1;
            else if (strcmp(name, "--keep-checkpoints") == 0)
                opt.keep_checkpoints = 1;
            else if (strcmp(name, "--report") == 0)
                opt.report = 1;
            else
                opt.graphml = 1;
            continue;
        }
        if (strcmp(name, "--set") != 0 && strcmp(name, "--seed") != 0 &&
            strcmp(name, "--weeks") != 0 && strcmp(name, "--threads") != 0 &&
            strcmp(name, "--out") != 0 && strcmp(name, "--max-memory") != 0 &&
            strcmp(name, "--checkpoint-every") != 0 && strcmp(name, "--resume") != 0) {
            fprintf(stderr, "attune run: unknown option '%s'\n%s", arg, run_usage);
            code = EXIT_USAGE;
            goto out;
        }
        if (eq != NULL)
            value = eq + 1;
        else if (a + 1 < argc)
            value = argv[++a];
        else {
            fprintf(stderr, "attune run: %s needs a value\n%s", name, run_usage);
            code = EXIT_USAGE;
            goto out;
        }
        int rc = ATTUNE_OK;
        if (strcmp(name, "--set") == 0) {
            const char *veq = strchr(value, '=');
            if (veq == NULL || veq == value) {
                fprintf(stderr, "attune run: --set needs KEY=VALUE, got '%s'\n", value);
                code = EXIT_USAGE;
                goto out;
            }
            char key[256];
            size_t klen = (size_t)(veq - value);
            if (klen >= sizeof key)
                klen = sizeof key - 1;
            memcpy(key, value, klen);
            key[klen] = '\0';
            rc = attune_scenario_set(scenario, key, veq + 1, &err);
        } else if (strcmp(name, "--seed") == 0) {
            rc = attune_scenario_set(scenario, "run.seed", value, &err);
        } else if (strcmp(name, "--weeks") == 0) {
            rc = attune_scenario_set(scenario, "run.weeks", value, &err);
        } else if (strcmp(name, "--threads") == 0) {
            long t;
            if (parse_int(value, 1, 1024, &t) != 0) {
                fprintf(stderr, "attune run: --threads is '%s'; expected an integer in [1, 1024]\n",
                        value);
                code = EXIT_USAGE;
                goto out;
            }
            opt.threads = (int)t;
        } else if (strcmp(name, "--checkpoint-every") == 0) {
            long w;
            if (parse_int(value, 1, 52000, &w) != 0) {
                fprintf(stderr,
                        "attune run: --checkpoint-every is '%s'; expected weeks in [1, 52000]\n",
                        value);
                code = EXIT_USAGE;
                goto out;
            }
            opt.checkpoint_every = (int32_t)w;
        } else if (strcmp(name, "--resume") == 0) {
            opt.resume_dir = value;
        } else if (strcmp(name, "--out") == 0) {
            if (value[0] == '\0') {
                fprintf(stderr, "attune run: --out needs a folder name\n");
                code = EXIT_USAGE;
                goto out;
            }
            opt.out_dir = value;
        } else {
            int size_rc = parse_size(value, &opt.max_memory);
            if (size_rc == -2) {
                fprintf(stderr,
                        "attune run: --max-memory is '%s', less than 1M; expected a size such "
                        "as 512M or 4G\n",
                        value);
                code = EXIT_USAGE;
                goto out;
            }
            if (size_rc != 0) {
                fprintf(stderr,
                        "attune run: --max-memory is '%s'; expected a size such as 512M or 4G\n",
                        value);
                code = EXIT_USAGE;
                goto out;
            }
        }
        if (rc != ATTUNE_OK) {
            fprintf(stderr, "attune: %s %s: %s\n", name, value, err.message);
            code = exit_code_for(rc);
            goto out;
        }
    }
    int rc = ATTUNE_OK;
    catch_stop_signals();
    double t0 = now_seconds();
    char out_dir[3072];
    double weeks_d;
    attune_output_options oo = {0};
    oo.command_line = command;
    oo.keep_checkpoints = opt.keep_checkpoints != 0;
    if (opt.resume_dir != NULL) {
        /* Everything comes from the checkpoint: a different scenario would not be a resume. */
        for (int a = 1; a < argc; a++) {
            if (argv[a][0] != '-' || strncmp(argv[a], "--set", 5) == 0 ||
                strncmp(argv[a], "--seed", 6) == 0 || strncmp(argv[a], "--weeks", 7) == 0 ||
                strncmp(argv[a], "--out", 5) == 0 || strncmp(argv[a], "--graphml", 9) == 0) {
                if (argv[a][0] == '-' || (a > 1 && strcmp(argv[a - 1], "--resume") != 0 &&
                                          strcmp(argv[a - 1], "--threads") != 0 &&
                                          strcmp(argv[a - 1], "--checkpoint-every") != 0 &&
                                          strcmp(argv[a - 1], "--max-memory") != 0)) {
                    fprintf(stderr,
                            "attune run: --resume takes the scenario, seed, weeks and folder "
                            "from the checkpoint; only --threads, --max-memory, --quiet, "
                            "--report, --checkpoint-every, --keep-checkpoints and --force may "
                            "be given with it\n");
                    code = EXIT_USAGE;
                    goto out;
                }
            }
        }
        snprintf(out_dir, sizeof out_dir, "%s", opt.resume_dir);
        /* Memory: checked before any checkpoint is read (attune_resume_memory_estimate). */
        uint64_t need = attune_resume_memory_estimate(opt.resume_dir);
        uint64_t limit = opt.max_memory ? opt.max_memory : cli_available_memory();
        char n1[32], n2[32];
        if (!cli_memory_fits(need, limit, n1, n2)) {
            fprintf(stderr,
                    "attune: resuming %s needs about %s (the model its checkpoints hold, as it "
                    "grows to the run's end), more than %s %s\n",
                    opt.resume_dir, n1, n2,
                    opt.max_memory ? "allowed by --max-memory" : "available");
            code = EXIT_MEMORY;
            goto out;
        }
        rc = attune_resume(opt.resume_dir, opt.threads, &oo, warn_resume, NULL, &model, &output,
                           &err);
        if (rc != ATTUNE_OK) {
            report_error(&err);
            code =
                rc == ATTUNE_ERR_IO || rc == ATTUNE_ERR_CORRUPT ? EXIT_SCENARIO : exit_code_for(rc);
            goto out;
        }
        attune_scenario_get(attune_model_scenario(model), "run.weeks", &weeks_d);
        double g;
        attune_scenario_get(attune_model_scenario(model), "output.graphml", &g);
        oo.graphml = g != 0;
        if (!opt.quiet)
            fprintf(stderr, "attune: resuming %s at week %d of %.0f\n", out_dir,
                    attune_model_week(model), weeks_d);
        goto run;
    }
    if (opt.graphml)
        attune_scenario_set(scenario, "output.graphml", "true", NULL);
    rc = attune_scenario_validate(scenario, &err);
    if (rc != ATTUNE_OK) {
        if (opt.scenario_path != NULL && err.file[0] == '\0')
            snprintf(err.file, sizeof err.file, "%s", opt.scenario_path);
        report_error(&err);
        code = exit_code_for(rc);
        goto out;
    }

    /* Memory: refuse before starting rather than fail after hours. */
    uint64_t need = attune_model_memory_estimate(scenario);
    uint64_t limit = opt.max_memory ? opt.max_memory : cli_available_memory();
    char n1[32], n2[32];
    if (!cli_memory_fits(need, limit, n1, n2)) {
        double people;
        attune_scenario_get(scenario, "population.size", &people);
        fprintf(stderr,
                "attune: this run needs about %s for %.0f people, more than %s %s; reduce "
                "population.size or raise --max-memory\n",
                n1, people, n2, opt.max_memory ? "allowed by --max-memory" : "available");
        code = EXIT_MEMORY;
        goto out;
    }

    double seed_d, graphml_d;
    attune_scenario_get(scenario, "run.seed", &seed_d);
    attune_scenario_get(scenario, "run.weeks", &weeks_d);
    attune_scenario_get(scenario, "output.graphml", &graphml_d);
    if (opt.out_dir != NULL)
        snprintf(out_dir, sizeof out_dir, "%s", opt.out_dir);
    else
        default_out_dir((int64_t)seed_d, out_dir, sizeof out_dir);

    rc = attune_model_create(scenario, opt.threads, &model, &err);
    if (rc == ATTUNE_OK)
        rc = attune_model_init(model, &err);
    if (rc != ATTUNE_OK) {
        report_error(&err);
        code = exit_code_for(rc);
        goto out;
    }
    oo.force = opt.force != 0;
    oo.graphml = graphml_d != 0;
    oo.scenario_source = opt.scenario_path;
    rc = attune_output_open(model, out_dir, &oo, &output, &err);
    if (rc != ATTUNE_OK) {
        report_error(&err);
        code = exit_code_for(rc);
        goto out;
    }
run:;
    double t_init = now_seconds() - t0;
    progress bar;
    progress_start(&bar, (int32_t)weeks_d, !opt.quiet && isatty(STDERR_FILENO));
    week_context ctx = {output, &bar, &err, opt.checkpoint_every, (int32_t)weeks_d, 0, 0};
    rc = attune_model_run(model, (int32_t)weeks_d, after_week, &ctx, &err);
    progress_finish(&bar);
    if (rc == ATTUNE_OK && ctx.interrupted) {
        /* Keep everything: a checkpoint to resume from, and the outputs so far in place. */
        rc = attune_output_checkpoint(output, model, &err);
        double wall_i = now_seconds() - t0;
        if (rc == ATTUNE_OK)
            rc = attune_output_close(output, model, true, wall_i, &err);
        else
            attune_output_close(output, model, false, wall_i, NULL);
        output = NULL;
        if (rc != ATTUNE_OK) {
            report_error(&err);
            code = exit_code_for(rc);
            goto out;
        }
        fprintf(stderr,
                "attune: interrupted after week %d; outputs so far are in %s/; continue with: "
                "attune run --resume %s\n",
                attune_model_week(model), out_dir, out_dir);
        code = EXIT_INTERRUPTED;
        goto out;
    }
    if (rc == ATTUNE_OK && ctx.failed)
        rc = err.status ? err.status : ATTUNE_ERR_IO;
    double wall = now_seconds() - t0;
    if (rc != ATTUNE_OK) {
        report_error(&err);
        attune_output_close(output, model, false, wall, NULL);
        output = NULL;
        code = exit_code_for(rc);
        goto out;
    }
    rc = attune_output_close(output, model, true, wall, &err);
    output = NULL;
    if (rc != ATTUNE_OK) {
        report_error(&err);
        code = exit_code_for(rc);
        goto out;
    }
    if (!opt.quiet) {
        attune_metrics mx;
        attune_model_metrics(model, &mx);
        printf("attune: %d weeks of %llu people and %llu ties in %.2f s (start-up %.2f s, %d "
               "threads)\n",
               attune_model_week(model), (unsigned long long)mx.people, (unsigned long long)mx.ties,
               wall, t_init, attune_model_threads(model));
        double panel = 0, egos = 0, snapshots = 0;
        attune_scenario_get(attune_model_scenario(model), "output.panel_fraction", &panel);
        attune_scenario_get(attune_model_scenario(model), "output.network_egos", &egos);
        attune_scenario_get(attune_model_scenario(model), "output.graphml_every", &snapshots);
        printf("outputs: %s/ (metrics.csv, events.csv, manifest.json%s%s%s%s)\n", out_dir,
               panel > 0 ? ", panel.csv" : "", egos > 0 ? ", network-sample.graphml" : "",
               oo.graphml ? ", network.graphml" : "", snapshots > 0 ? ", networks/" : "");
    } else {
        printf("%s\n", out_dir);
    }
    if (opt.report) {
        report_options ro = {out_dir, NULL, 1};
        code = report_and_print(&ro, opt.quiet ? REPORT_PRINT_NONE : REPORT_PRINT_ALL);
    } else {
        report_remove(out_dir); /* a replaced run must not keep the report of the one before */
    }
out:
    if (output != NULL)
        attune_output_close(output, model, false, 0, NULL);
    attune_model_free(model);
    attune_scenario_free(scenario);
    return code;
}
