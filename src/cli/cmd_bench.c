/*
 * attune bench: speed and memory of the full model on reference scenarios, against the
 * machine's own limit (a neighbour-gather probe over the same data layout).
 *
 * Every measurement runs in a child process of its own, so that its peak memory (the child's
 * maximum resident set, taken by the child itself after the last week and before the probe,
 * whose arrays are not the scenario's; from wait4 if that fails) is its own and no OpenMP team
 * outlives it.
 */
/* wait4 (the peak memory of one child) is a BSD/Linux call. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attune/bench.h"
#include "cli/cli.h"

static const char bench_usage[] =
    "Usage: attune bench [--json] [--only NAME,...] [--repeats N] [--threads N] [--quick]\n"
    "Runs the reference scenarios of the full model (built-in default parameters) and prints,\n"
    "for each: people, ties, weeks, wall seconds of the weekly steps (median of N runs, default\n"
    "3), relationship-updates a second (active ties x weeks / wall), person-weeks a second,\n"
    "start-up time (population and network), peak memory and bytes per person (ties\n"
    "included), and the speed-up from 1 thread to --threads (default: all cores) over the\n"
    "first 13 weeks. A neighbour-gather probe over the same data layout measures this\n"
    "machine's limit (local and random order), and a draw of keyed Philox4x32-10 blocks its\n"
    "limit for random numbers (the model draws at least one per tie a week); each scenario's\n"
    "rate is also given as a fraction of them. Scenarios: bench-1m (1,000,000 people, 520\n"
    "weeks), scale-100k (100,000, 52 weeks), scale-1m (1,000,000, 13 weeks), scale-10m\n"
    "(10,000,000, 4 weeks). --quick runs small stand-ins (for tests). --json prints one JSON\n"
    "object.\n";

typedef struct bench_scenario {
    const char *name;
    uint64_t people;
    int weeks;
} bench_scenario;

static const bench_scenario full_set[] = {
    {"bench-1m", 1000000, 520},
    {"scale-100k", 100000, 52},
    {"scale-1m", 1000000, 13},
    {"scale-10m", 10000000, 4},
};
static const bench_scenario quick_set[] = {
    {"quick-20k", 20000, 26},
    {"quick-50k", 50000, 8},
};

#define SPEEDUP_WEEKS 13

/* What a child reports through its pipe. */
typedef struct child_report {
    int status;
    char error[256];
    double startup_s, steps_s, first_weeks_s;
    uint64_t people, ties;
    int weeks;
    attune_gather_probe probe;
    uint64_t peak_before_probe_bytes; /* the child's own peak before the probe, 0 if unknown */
} child_report;

typedef struct measurement {
    child_report r;
    uint64_t peak_rss_bytes;
} measurement;

/* In the child: build and run one scenario (and the probe if asked). */
static void child_run(const bench_scenario *b, int threads, int weeks, int probe, int fd)
{
    child_report r;
    memset(&r, 0, sizeof r);
    attune_scenario *s = NULL;
    attune_model *m = NULL;
    attune_error err = {0};
    char size[32];
    snprintf(size, sizeof size, "%llu", (unsigned long long)b->people);
    int rc = attune_scenario_create(&s);
    if (rc == ATTUNE_OK)
        rc = attune_scenario_set(s, "population.size", size, &err);
    double t0 = now_seconds();
    if (rc == ATTUNE_OK)
        rc = attune_model_create(s, threads, &m, &err);
    if (rc == ATTUNE_OK)
        rc = attune_model_init(m, &err);
    double t1 = now_seconds();
    r.startup_s = t1 - t0;
    for (int w = 0; rc == ATTUNE_OK && w < weeks; w++) {
        rc = attune_model_step(m, &err);
        if (w + 1 == SPEEDUP_WEEKS || (w + 1 == weeks && weeks < SPEEDUP_WEEKS))
            r.first_weeks_s = now_seconds() - t1;
    }
    r.steps_s = now_seconds() - t1;
    r.weeks = weeks;
    if (rc == ATTUNE_OK) {
        attune_metrics mx;
        attune_model_metrics(m, &mx);
        r.people = mx.people;
        r.ties = mx.ties;
        /* The probe's arrays are not the scenario's memory: the scenario's peak is taken
         * before it runs. */
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0)
            r.peak_before_probe_bytes = (uint64_t)ru.ru_maxrss * 1024u;
        if (probe)
            rc = attune_bench_gather_probe(m, threads, 2.0, &r.probe, &err);
    }
    r.status = rc;
    if (rc != ATTUNE_OK) {
        char buf[2048];
        snprintf(r.error, sizeof r.error, "%.250s", attune_error_format(&err, buf, sizeof buf));
    }
    attune_model_free(m);
    attune_scenario_free(s);
    ssize_t written = write(fd, &r, sizeof r);
    _exit(written == (ssize_t)sizeof r ? 0 : 1);
}

/* Runs one measurement in a child; returns 0 on success. */
static int measure(const bench_scenario *b, int threads, int weeks, int probe, measurement *out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child_run(b, threads, weeks, probe, fds[1]);
    }
    close(fds[1]);
    memset(out, 0, sizeof *out);
    size_t got = 0;
    while (got < sizeof out->r) {
        ssize_t n = read(fds[0], (char *)&out->r + got, sizeof out->r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fds[0]);
    int wstatus = 0;
    struct rusage ru;
    while (wait4(pid, &wstatus, 0, &ru) < 0 && errno == EINTR)
        ;
    out->peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024u;
    if (got == sizeof out->r && out->r.peak_before_probe_bytes > 0)
        out->peak_rss_bytes = out->r.peak_before_probe_bytes;
    if (got != sizeof out->r || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        fprintf(stderr, "attune bench: %s: the measurement process failed\n", b->name);
        return -1;
    }
    if (out->r.status != ATTUNE_OK) {
        fprintf(stderr, "attune bench: %s: %s\n", b->name, out->r.error);
        return -1;
    }
    return 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct bench_result {
    const bench_scenario *b;
    uint64_t people, ties, peak_rss_bytes;
    int weeks;
    double wall_s, startup_s, updates_per_s, person_weeks_per_s, speedup;
} bench_result;

static void cpu_model(char *out, size_t size)
{
    snprintf(out, size, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *colon = strchr(line, ':');
            if (colon) {
                snprintf(out, size, "%s", colon + 2);
                out[strcspn(out, "\n")] = '\0';
            }
            break;
        }
    }
    fclose(f);
}

static int selected(const char *only, const char *name)
{
    if (only == NULL)
        return 1;
    size_t len = strlen(name);
    for (const char *p = only; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, name, n) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

static void print_json(const bench_result *res, size_t n, const attune_gather_probe *probe,
                       int threads, const char *cpu)
{
    printf("{\"machine\":{\"cpus\":%ld,\"cpu\":\"", sysconf(_SC_NPROCESSORS_ONLN));
    for (const char *p = cpu; *p; p++)
        if (*p != '"' && *p != '\\')
            putchar(*p);
    printf("\",\"threads\":%d},\n \"scenarios\":[", threads);
    for (size_t k = 0; k < n; k++) {
        const bench_result *r = &res[k];
        printf("%s\n  {\"name\":\"%s\",\"people\":%llu,\"ties\":%llu,\"weeks\":%d,"
               "\"wall_s\":%.3f,\"startup_s\":%.3f,\"relationship_updates_per_s\":%.4g,"
               "\"person_weeks_per_s\":%.4g,\"peak_rss_bytes\":%llu,\"bytes_per_person\":%.1f,"
               "\"speedup_1_to_%d_threads\":%.3f,\"fraction_of_probe_local\":%.4f,"
               "\"fraction_of_probe_random\":%.4f,\"fraction_of_philox\":%.4g}",
               k ? "," : "", r->b->name, (unsigned long long)r->people, (unsigned long long)r->ties,
               r->weeks, r->wall_s, r->startup_s, r->updates_per_s, r->person_weeks_per_s,
               (unsigned long long)r->peak_rss_bytes, (double)r->peak_rss_bytes / (double)r->people,
               threads, r->speedup, 2 * r->updates_per_s / probe->local_gathers_per_s,
               2 * r->updates_per_s / probe->random_gathers_per_s,
               r->updates_per_s / probe->philox_blocks_per_s);
    }
    printf("\n ],\n \"probe\":{\"half_ties\":%llu,\"threads\":%d,\"local_gathers_per_s\":%.4g,"
           "\"random_gathers_per_s\":%.4g,\"philox_blocks_per_s\":%.4g}}\n",
           (unsigned long long)probe->half_ties, probe->threads, probe->local_gathers_per_s,
           probe->random_gathers_per_s, probe->philox_blocks_per_s);
}

static void print_table(const bench_result *res, size_t n, const attune_gather_probe *probe,
                        int threads, const char *cpu)
{
    printf("machine: %s, %ld cpus; %d threads\n", cpu, sysconf(_SC_NPROCESSORS_ONLN), threads);
    printf("probe (neighbour gathers over %llu half-ties): %.3g/s local order, %.3g/s random "
           "order\n",
           (unsigned long long)probe->half_ties, probe->local_gathers_per_s,
           probe->random_gathers_per_s);
    printf("probe (keyed Philox4x32-10 blocks, at least one per tie a week): %.3g/s\n\n",
           probe->philox_blocks_per_s);
    printf("%-11s %10s %10s %5s %9s %8s %11s %10s %9s %9s %8s %11s\n", "scenario", "people", "ties",
           "weeks", "wall s", "start s", "rel-upd/s", "pers-wk/s", "peak MB", "B/person",
           "speed-up", "of probe");
    for (size_t k = 0; k < n; k++) {
        const bench_result *r = &res[k];
        printf("%-11s %10llu %10llu %5d %9.2f %8.2f %11.3g %10.3g %9.0f %9.0f %8.2f %10.1f%%\n",
               r->b->name, (unsigned long long)r->people, (unsigned long long)r->ties, r->weeks,
               r->wall_s, r->startup_s, r->updates_per_s, r->person_weeks_per_s,
               (double)r->peak_rss_bytes / 1048576.0, (double)r->peak_rss_bytes / (double)r->people,
               r->speedup, 100.0 * 2 * r->updates_per_s / probe->local_gathers_per_s);
    }
    printf("\nwall: the weekly steps (median of the runs); rel-upd/s: active ties x weeks / wall;\n"
           "speed-up: 1 thread to %d over the first %d weeks; of probe: 2 x rel-upd/s as a share "
           "of local gathers/s\n",
           threads, SPEEDUP_WEEKS);
}

int cmd_bench(int argc, char **argv)
{
    int json = 0, quick = 0, repeats = 3, threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    const char *only = NULL;
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        const char *value = a + 1 < argc ? argv[a + 1] : NULL;
        char *end = NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            printf("%s", bench_usage);
            return EXIT_OK;
        } else if (strcmp(arg, "--json") == 0) {
            json = 1;
        } else if (strcmp(arg, "--quick") == 0) {
            quick = 1;
        } else if (strcmp(arg, "--only") == 0 && value) {
            only = value;
            a++;
        } else if ((strcmp(arg, "--repeats") == 0 || strcmp(arg, "--threads") == 0) && value) {
            long v = strtol(value, &end, 10);
            if (*value == '\0' || *end != '\0' || v < 1 || v > 1024) {
                fprintf(stderr, "attune bench: %s needs a whole number from 1 to 1024\n", arg);
                return EXIT_USAGE;
            }
            *(arg[2] == 'r' ? &repeats : &threads) = (int)v;
            a++;
        } else {
            fprintf(stderr, "attune bench: unexpected argument '%s'\n%s", arg, bench_usage);
            return EXIT_USAGE;
        }
    }
    const bench_scenario *set = quick ? quick_set : full_set;
    size_t count =
        quick ? sizeof quick_set / sizeof quick_set[0] : sizeof full_set / sizeof full_set[0];
    bench_result res[8];
    size_t n = 0;
    attune_gather_probe probe = {0};
    for (size_t k = 0; k < count; k++) {
        const bench_scenario *b = &set[k];
        if (!selected(only, b->name))
            continue;
        double walls[64], starts[64];
        measurement m = {0};
        uint64_t peak = 0;
        double first_weeks = 0;
        for (int rep = 0; rep < repeats && rep < 64; rep++) {
            if (!json)
                fprintf(stderr, "attune bench: %s, run %d of %d\n", b->name, rep + 1, repeats);
            int want_probe = probe.half_ties == 0 && rep == 0;
            if (measure(b, threads, b->weeks, want_probe, &m) != 0)
                return EXIT_INTERNAL;
            if (want_probe)
                probe = m.r.probe;
            walls[rep] = m.r.steps_s;
            starts[rep] = m.r.startup_s;
            first_weeks += m.r.first_weeks_s / repeats;
            peak = m.peak_rss_bytes > peak ? m.peak_rss_bytes : peak;
        }
        measurement one;
        int short_weeks = b->weeks < SPEEDUP_WEEKS ? b->weeks : SPEEDUP_WEEKS;
        if (!json)
            fprintf(stderr, "attune bench: %s, 1 thread\n", b->name);
        if (measure(b, 1, short_weeks, 0, &one) != 0)
            return EXIT_INTERNAL;
        bench_result *r = &res[n++];
        r->b = b;
        r->people = m.r.people;
        r->ties = m.r.ties;
        r->weeks = b->weeks;
        r->wall_s = median(walls, repeats);
        r->startup_s = median(starts, repeats);
        r->updates_per_s = (double)m.r.ties * b->weeks / r->wall_s;
        r->person_weeks_per_s = (double)b->people * b->weeks / r->wall_s;
        r->peak_rss_bytes = peak;
        r->speedup = first_weeks > 0 ? one.r.first_weeks_s / first_weeks : NAN;
    }
    if (n == 0) {
        fprintf(stderr, "attune bench: no scenario matches --only %s\n", only);
        return EXIT_USAGE;
    }
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    if (json)
        print_json(res, n, &probe, threads, cpu);
    else
        print_table(res, n, &probe, threads, cpu);
    return EXIT_OK;
}
