/* attune claims: run the claim experiments and print their table (or JSON). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attune/claims.h"
#include "cli/cli.h"

static const char claims_usage[] =
    "Usage: attune claims [--only C1,C2,...] [--replicates N] [--json] [--threads N]\n"
    "                     [--scenarios DIR] [--set KEY=VALUE]... [--quiet]\n"
    "Runs the claim experiments (arms in DIR, default: the source tree's scenarios/claims) with\n"
    "N replicates (default 10) and prints, for each claim, the essay's sentence and each tested\n"
    "quantity with its estimate, 95% confidence interval, criterion and result. A quantity\n"
    "passes only if its whole interval lies on the passing side.\n"
    "\n"
    "  --set KEY=VALUE  change a default parameter for every arm of every claim (repeatable),\n"
    "                   e.g. to test a calibration against the claims; the claims' own files\n"
    "                   are read after it, so a key they set (their design and arms) keeps\n"
    "                   their value\n"
    "\n"
    "Exit code 0 if every claim passed, 6 if one failed, 3 for a bad --set, 5 if the runs of\n"
    "a claim would not fit in memory (other codes as for attune run).\n";

static void on_progress(const char *claim, const char *arm, int replicate, int done, int total,
                        void *user)
{
    (void)user;
    fprintf(stderr, "\r%s %-12s replicate %d  (%d/%d runs)      ", claim, arm, replicate + 1, done,
            total);
    fflush(stderr);
}

void json_print_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

void json_print_number(double v)
{
    if (isfinite(v))
        printf("%.6g", v);
    else
        printf("null");
}

/* "ESTIMATE,\"ci\":[LO,HI],\"criterion\":\"...\"" (after an "estimate": key). */
static void json_estimate(const attune_claim_part *q)
{
    json_print_number(q->estimate);
    printf(",\"ci\":[");
    json_print_number(q->ci_low);
    printf(",");
    json_print_number(q->ci_high);
    printf("],\"criterion\":");
    json_print_string(q->criterion);
}

static void print_json(const attune_claim_result *r, size_t n, const char *const *settings,
                       size_t setting_count)
{
    printf("{\"settings\":[");
    for (size_t k = 0; k < setting_count; k++) {
        printf("%s", k ? "," : "");
        json_print_string(settings[k]);
    }
    printf("],\"claims\":[");
    for (size_t k = 0; k < n; k++) {
        const attune_claim_part *head = &r[k].parts[0];
        for (size_t p = 0; p < r[k].part_count; p++)
            if (!r[k].parts[p].passed) {
                head = &r[k].parts[p];
                break;
            }
        printf("%s\n {\"id\":\"%s\",\"passed\":%s,\"estimate\":", k ? "," : "", r[k].id,
               r[k].passed ? "true" : "false");
        json_estimate(head);
        printf(",\"replicates\":%d,\"sentence\":", r[k].replicates);
        json_print_string(r[k].sentence);
        printf(",\"parts\":[");
        for (size_t p = 0; p < r[k].part_count; p++) {
            const attune_claim_part *q = &r[k].parts[p];
            printf("%s\n  {\"id\":", p ? "," : "");
            json_print_string(q->id);
            printf(",\"passed\":%s,\"estimate\":", q->passed ? "true" : "false");
            json_estimate(q);
            printf(",\"measure\":");
            json_print_string(q->measure);
            printf("}");
        }
        printf("]}");
    }
    printf("\n]}\n");
}

static void print_table(const attune_claim_result *r, size_t n, const char *const *settings,
                        size_t setting_count)
{
    printf("%-5s %-28s %10s  %-22s %-18s %s\n", "claim", "quantity", "estimate", "95% CI",
           "criterion", "result");
    for (size_t k = 0; k < n; k++) {
        printf("\n%-5s \"%s\"\n", r[k].id, r[k].sentence);
        for (size_t p = 0; p < r[k].part_count; p++) {
            const attune_claim_part *q = &r[k].parts[p];
            char ci[64];
            snprintf(ci, sizeof ci, "[%.3g, %.3g]", q->ci_low, q->ci_high);
            printf("%-5s %-28s %10.3g  %-22s %-18s %s\n", "", q->id, q->estimate, ci, q->criterion,
                   q->passed ? "pass" : "FAIL");
        }
    }
    size_t passed = 0;
    for (size_t k = 0; k < n; k++)
        passed += r[k].passed;
    printf("\n%zu of %zu claims passed (replicates: %d)\n", passed, n, n ? r[0].replicates : 0);
    if (setting_count > 0) {
        printf("with defaults changed by --set:");
        for (size_t k = 0; k < setting_count; k++)
            printf(" %s", settings[k]);
        printf("\n");
    }
}

/* `settings` has room for every --set value of argv (pointers into argv, in order). */
static int claims_with(int argc, char **argv, const char **settings)
{
    const char *only = NULL, *dir = ATTUNE_SCENARIO_DIR "/claims";
    int replicates = 10, threads = 0, json = 0, quiet = 0;
    size_t setting_count = 0;
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        const char *value = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            printf("%s", claims_usage);
            return EXIT_OK;
        } else if (strcmp(arg, "--json") == 0) {
            json = 1;
        } else if (strcmp(arg, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(arg, "--only") == 0 && value) {
            only = value;
            a++;
        } else if (strcmp(arg, "--scenarios") == 0 && value) {
            dir = value;
            a++;
        } else if (strcmp(arg, "--set") == 0 && value) {
            settings[setting_count++] = value;
            a++;
        } else if ((strcmp(arg, "--replicates") == 0 || strcmp(arg, "--threads") == 0) && value) {
            char *end;
            long v = strtol(value, &end, 10);
            int is_rep = strcmp(arg, "--replicates") == 0;
            if (*end != '\0' || v < (is_rep ? 2 : 1) || v > 1000) {
                fprintf(stderr, "attune claims: %s is '%s'; expected an integer in [%d, 1000]\n",
                        arg, value, is_rep ? 2 : 1);
                return EXIT_USAGE;
            }
            if (is_rep)
                replicates = (int)v;
            else
                threads = (int)v;
            a++;
        } else {
            fprintf(stderr, "attune claims: unknown option or missing value '%s'\n%s", arg,
                    claims_usage);
            return EXIT_USAGE;
        }
    }
    attune_claim_result *results = NULL;
    size_t count = 0;
    attune_error err = {0};
    /* Memory: refuse before the first run (claim files of large populations, --scenarios). */
    uint64_t need = attune_claims_memory_estimate(dir, only, settings, setting_count);
    char n1[32], n2[32];
    if (!cli_memory_fits(need, cli_available_memory(), n1, n2)) {
        fprintf(stderr,
                "attune claims: the arms of one claim need about %s at once, more than the %s "
                "available; lower population.size in the claims' scenario files\n",
                n1, n2);
        return EXIT_MEMORY;
    }
    int show = !quiet && isatty(STDERR_FILENO);
    int rc = attune_claims_run(dir, only, replicates, threads, settings, setting_count,
                               show ? on_progress : NULL, NULL, &results, &count, &err);
    if (show)
        fprintf(stderr, "\r%70s\r", "");
    if (rc != ATTUNE_OK) {
        report_error(&err);
        /* An unknown claim id names no file and no key; a bad --set names its key (exit 3,
         * reported by the library before any run). */
        if (rc == ATTUNE_ERR_UNKNOWN_KEY && err.file[0] == '\0' && err.key[0] == '\0')
            return EXIT_USAGE;
        return rc == ATTUNE_ERR_IO ? EXIT_SCENARIO : exit_code_for(rc);
    }
    if (json)
        print_json(results, count, settings, setting_count);
    else
        print_table(results, count, settings, setting_count);
    int all = 1;
    for (size_t k = 0; k < count; k++)
        all &= results[k].passed;
    free(results);
    return all ? EXIT_OK : EXIT_CLAIM_FAILED;
}

int cmd_claims(int argc, char **argv)
{
    const char **settings = calloc((size_t)argc + 1, sizeof *settings);
    if (settings == NULL) {
        fprintf(stderr, "attune claims: out of memory\n");
        return EXIT_MEMORY;
    }
    int code = claims_with(argc, argv, settings);
    free(settings);
    return code;
}
