/* attune: the command-line front end of libattune. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "attune %s: agent-based simulation of relational development, wounding and healing\n"
    "\n"
    "Usage:\n"
    "  attune run [SCENARIO] [options]   simulate; without SCENARIO, the built-in default\n"
    "  attune params [--markdown|--ini]  list every parameter (--markdown: the reference in\n"
    "                                    docs/parameters.md; --ini: scenarios/default.ini)\n"
    "  attune claims [--only C1,..] [--replicates N] [--json] [--set K=V]\n"
    "                                    run the claim experiments (attune claims --help)\n"
    "  attune validate [--replicates N] [--json]\n"
    "                                    compare the default population with the published\n"
    "                                    targets T1-T5 and judge its steady state\n"
    "                                    (attune validate --help)\n"
    "  attune sweep SPEC [--jobs N]      run a sweep (grid, lhs, sobol, morris; replicates)\n"
    "                                    into one SQLite database (attune sweep --help;\n"
    "                                    across machines: mpirun -np K attune sweep SPEC)\n"
    "  attune sensitivity DB --metric M  Morris or Sobol indices of a sweep's database, with\n"
    "                                    bootstrap intervals (attune sensitivity --help)\n"
    "  attune calibrate SPEC [--jobs N]  fit parameters to targets (rejection ABC over a\n"
    "                                    sweep design; attune calibrate --help)\n"
    "  attune report RUN_DIR [--out FILE] [--no-figures]\n"
    "                                    one self-contained HTML file of a run, with charts\n"
    "                                    and a network drawing, and SVG figures (gnuplot)\n"
    "                                    for papers (attune report --help)\n"
    "  attune bench [--only NAME,..] [--json]\n"
    "                                    speed, memory and thread scaling of the reference\n"
    "                                    scenarios (attune bench --help)\n"
    "  attune --help | --version\n"
    "\n"
    "Run options:\n"
    "  --set KEY=VALUE   set a parameter, e.g. --set population.size=50000 (repeatable);\n"
    "                    entry fields as KIND.NAME.FIELD, e.g. --set culture.harsh.share=0\n"
    "  --seed N          same as --set run.seed=N\n"
    "  --weeks N         same as --set run.weeks=N\n"
    "  --threads N       OpenMP threads (default: all cores); results do not depend on it\n"
    "  --out DIR         output folder (default: runs/DATE-TIME-seedN)\n"
    "  --force           replace an existing, non-empty output folder\n"
    "  --graphml         also write network.graphml (same as --set output.graphml=true);\n"
    "                    --set output.graphml_every=N also writes the whole network every N\n"
    "                    weeks (and at week 0) to DIR/networks/week-NNNNNN.graphml\n"
    "  --report          when the run ends, write DIR/report.html and DIR/figures/ (as\n"
    "                    attune report DIR) and print the report's path\n"
    "  --max-memory SIZE refuse runs estimated to need more, e.g. 4G; at least 1M (default:\n"
    "                    what is free)\n"
    "  --quiet           no progress bar or summary; print only the output folder\n"
    "  --checkpoint-every WEEKS  write a checkpoint every WEEKS weeks (DIR/checkpoints/)\n"
    "  --keep-checkpoints  keep the two newest checkpoints when the run finishes\n"
    "  --resume DIR      continue the run in DIR from its newest good checkpoint\n"
    "\n"
    "Scenario files are INI: [section] headers, key = value lines, comments after ; or #.\n"
    "Later settings win: the default, then the file, then --set/--seed/--weeks in order.\n"
    "\n";

/* Split from usage: ISO C limits a string literal to 4095 characters. */
static const char exit_codes[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  internal error (a bug: please report it with the command and scenario)\n"
    "  2  bad command-line arguments\n"
    "  3  invalid input: unreadable scenario, syntax, unknown key, wrong type, out of range,\n"
    "     duplicate key (the message names file, line and key); no good checkpoint to resume;\n"
    "     attune report: a missing or incomplete run folder (the message names the file)\n"
    "  4  output problem: folder exists (use --force), not writable, or disk full\n"
    "  5  not enough memory for the run\n"
    "  6  attune claims: a claim experiment did not pass; attune validate: a target did not\n"
    "     pass or the runs did not reach a steady state; attune calibrate: no point could be\n"
    "     scored\n"
    "  7  attune sweep: finished, but some runs failed (see the runs table's error column)\n"
    "  130 interrupted by SIGINT or SIGTERM: the current week finished, a checkpoint and the\n"
    "     outputs so far were written; continue with attune run --resume DIR\n";

int exit_code_for(int status)
{
    switch (status) {
    case ATTUNE_OK: return EXIT_OK;
    case ATTUNE_ERR_UNKNOWN_KEY:
    case ATTUNE_ERR_TYPE:
    case ATTUNE_ERR_RANGE:
    case ATTUNE_ERR_DUPLICATE:
    case ATTUNE_ERR_SYNTAX:
    case ATTUNE_ERR_CORRUPT: return EXIT_SCENARIO;
    case ATTUNE_ERR_IO:
    case ATTUNE_ERR_EXISTS: return EXIT_OUTPUT;
    case ATTUNE_ERR_NOMEM:
    case ATTUNE_ERR_TOO_LARGE: return EXIT_MEMORY;
    default: return EXIT_INTERNAL;
    }
}

/* Raised by SIGINT and SIGTERM: the command finishes or stops cleanly. */
static volatile sig_atomic_t stop_signalled = 0;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_signalled = 1;
}

void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

const volatile sig_atomic_t *stop_flag(void)
{
    return &stop_signalled;
}

/* Bytes the kernel says can be allocated without swapping, or 0 if unknown. */
uint64_t cli_available_memory(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f == NULL)
        return 0;
    char line[256];
    uint64_t kb = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long long v;
        if (sscanf(line, "MemAvailable: %llu kB", &v) == 1) {
            kb = v;
            break;
        }
    }
    fclose(f);
    return kb * 1024;
}

void cli_human_bytes(uint64_t bytes, char *buf, size_t size)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(buf, size, "%.1f %s", v, units[u]);
}

bool cli_memory_fits(uint64_t need, uint64_t limit, char need_text[32], char limit_text[32])
{
    if (limit == 0 || need <= limit)
        return true;
    cli_human_bytes(need, need_text, 32);
    cli_human_bytes(limit, limit_text, 32);
    return false;
}

int cli_int_option(const char *command, const char *name, const char *value, int lo, int hi,
                   int *out)
{
    char *end;
    long v = value ? strtol(value, &end, 10) : 0;
    if (value == NULL || *value == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "attune %s: %s needs a whole number from %d to %d\n", command, name, lo,
                hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

void report_error(const attune_error *err)
{
    char buf[2048];
    fprintf(stderr, "attune: %s\n", attune_error_format(err, buf, sizeof buf));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, usage, attune_version());
        fputs(exit_codes, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        printf(usage, attune_version());
        fputs(exit_codes, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("attune %s (commit %s)\n", attune_version(), attune_git_commit());
        return EXIT_OK;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "claims") == 0)
        return cmd_claims(argc - 1, argv + 1);
    if (strcmp(cmd, "sweep") == 0)
        return cmd_sweep(argc - 1, argv + 1);
    if (strcmp(cmd, "bench") == 0)
        return cmd_bench(argc - 1, argv + 1);
    if (strcmp(cmd, "sensitivity") == 0)
        return cmd_sensitivity(argc - 1, argv + 1);
    if (strcmp(cmd, "params") == 0)
        return cmd_params(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "validate") == 0)
        return cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "calibrate") == 0)
        return cmd_calibrate(argc - 1, argv + 1);
    fprintf(stderr, "attune: unknown command '%s'; see attune --help\n", cmd);
    return EXIT_USAGE;
}
