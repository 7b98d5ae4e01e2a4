/* attune sensitivity: Morris or Sobol indices of one metric from a sweep database. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attune/sweep.h"
#include "cli/cli.h"
#include "io/atomic_file.h"

static const char sensitivity_usage[] =
    "Usage: attune sensitivity DB --metric NAME [--statistic mean_last_year|final]\n"
    "                         [--bootstrap N] [--seed N] [--csv FILE]\n"
    "Reads the database of a sobol or morris sweep and prints, for each varied parameter,\n"
    "Morris mu* (with its 95% bootstrap interval), mu and sigma, or Sobol first-order and\n"
    "total indices with 95% bootstrap intervals, of the metric NAME (a column of metrics.csv,\n"
    "e.g. wellbeing_mean; y for the ishigami test function). The output of a design point\n"
    "is the statistic (default: mean_last_year, the mean over the run's last 52 weeks)\n"
    "averaged over its replicates. --csv also writes the table as CSV to FILE.\n"
    "  --bootstrap N   resamples for the intervals (default 1000)\n"
    "  --seed N        seed of the resampling (default 1)\n";

static void csv_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
}

static int write_csv(const attune_sensitivity_result *r, const char *path, attune_error *err)
{
    atomic_file out;
    int rc = atomic_open(&out, path, err);
    if (rc != ATTUNE_OK)
        return rc;
    int morris = strcmp(r->design, "morris") == 0;
    fprintf(out.f, morris ? "factor,mu_star,mu_star_low,mu_star_high,mu,sigma,trajectories\n"
                          : "factor,first,first_low,first_high,total,total_low,total_high,"
                            "samples\n");
    for (size_t i = 0; i < r->factor_count; i++) {
        const attune_sensitivity_row *x = &r->rows[i];
        double v[6] = {x->mu_star, x->mu_star_low, x->mu_star_high, x->mu, x->sigma, NAN};
        double s[6] = {x->first, x->first_low, x->first_high,
                       x->total, x->total_low, x->total_high};
        fprintf(out.f, "%s", x->factor);
        for (int k = 0; k < (morris ? 5 : 6); k++) {
            fputc(',', out.f);
            csv_number(out.f, morris ? v[k] : s[k]);
        }
        fprintf(out.f, ",%zu\n", r->samples);
    }
    rc = atomic_check(&out, err);
    if (rc != ATTUNE_OK) {
        atomic_abort(&out);
        return rc;
    }
    return atomic_commit(&out, err);
}

static void print_table(const attune_sensitivity_result *r)
{
    int morris = strcmp(r->design, "morris") == 0;
    printf("%s indices of %s (%s, mean over replicates): %zu %s used, %zu incomplete; %d "
           "bootstrap resamples\n",
           morris ? "Morris" : "Sobol", r->metric, r->statistic, r->samples,
           morris ? "trajectories" : "base samples", r->incomplete, r->bootstrap);
    if (!morris)
        printf("variance of the output: %.6g\n", r->variance);
    printf("\n%-40s", "factor");
    if (morris)
        printf(" %10s  %-24s %10s %10s\n", "mu*", "95% CI", "mu", "sigma");
    else
        printf(" %8s  %-20s %8s  %-20s\n", "S1", "95% CI", "ST", "95% CI");
    for (size_t i = 0; i < r->factor_count; i++) {
        const attune_sensitivity_row *x = &r->rows[i];
        char a[64], b[64];
        printf("%-40s", x->factor);
        if (morris) {
            snprintf(a, sizeof a, "[%.4g, %.4g]", x->mu_star_low, x->mu_star_high);
            printf(" %10.4g  %-24s %10.4g %10.4g\n", x->mu_star, a, x->mu, x->sigma);
        } else {
            snprintf(a, sizeof a, "[%.3f, %.3f]", x->first_low, x->first_high);
            snprintf(b, sizeof b, "[%.3f, %.3f]", x->total_low, x->total_high);
            printf(" %8.3f  %-20s %8.3f  %-20s\n", x->first, a, x->total, b);
        }
    }
}

int cmd_sensitivity(int argc, char **argv)
{
    const char *db = NULL, *metric = NULL, *statistic = "mean_last_year", *csv = NULL;
    long bootstrap = 1000;
    unsigned long long seed = 1;
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        const char *value = a + 1 < argc ? argv[a + 1] : NULL;
        char *end = NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            printf("%s", sensitivity_usage);
            return EXIT_OK;
        } else if (strcmp(arg, "--metric") == 0 && value) {
            metric = value;
            a++;
        } else if (strcmp(arg, "--statistic") == 0 && value) {
            statistic = value;
            a++;
        } else if (strcmp(arg, "--csv") == 0 && value) {
            csv = value;
            a++;
        } else if (strcmp(arg, "--bootstrap") == 0 && value) {
            bootstrap = strtol(value, &end, 10);
            if (*value == '\0' || *end != '\0' || bootstrap < 100 || bootstrap > 100000) {
                fprintf(stderr, "attune sensitivity: --bootstrap needs a number from 100 to "
                                "100000\n");
                return EXIT_USAGE;
            }
            a++;
        } else if (strcmp(arg, "--seed") == 0 && value) {
            seed = strtoull(value, &end, 10);
            if (*value == '\0' || *end != '\0' || value[0] == '-') {
                fprintf(stderr, "attune sensitivity: --seed needs a whole number\n");
                return EXIT_USAGE;
            }
            a++;
        } else if (arg[0] == '-' || db != NULL) {
            fprintf(stderr, "attune sensitivity: unexpected argument '%s'\n%s", arg,
                    sensitivity_usage);
            return EXIT_USAGE;
        } else {
            db = arg;
        }
    }
    if (db == NULL || metric == NULL) {
        fprintf(stderr, "attune sensitivity: %s\n%s",
                db == NULL ? "missing the database" : "missing --metric NAME", sensitivity_usage);
        return EXIT_USAGE;
    }
    attune_sensitivity_result *r = NULL;
    attune_error err = {0};
    int rc = attune_sensitivity(db, metric, statistic, (int)bootstrap, seed, &r, &err);
    if (rc == ATTUNE_OK) {
        print_table(r);
        if (csv != NULL)
            rc = write_csv(r, csv, &err);
    }
    attune_sensitivity_free(r);
    if (rc != ATTUNE_OK) {
        report_error(&err);
        return rc == ATTUNE_ERR_ARGUMENT ? EXIT_USAGE : exit_code_for(rc);
    }
    return EXIT_OK;
}
