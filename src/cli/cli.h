/* The attune command: subcommands and their shared conventions. */
#ifndef ATTUNE_CLI_H
#define ATTUNE_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "attune/attune.h"

/* Exit codes, documented in `attune --help` and README.md. */
enum exit_code {
    EXIT_OK = 0,
    EXIT_INTERNAL = 1,     /* a bug: an invariant failed or a library reported an internal error */
    EXIT_USAGE = 2,        /* bad command-line arguments */
    EXIT_SCENARIO = 3,     /* the scenario or a --set value is invalid, or the file is unreadable */
    EXIT_OUTPUT = 4,       /* the output folder exists, cannot be written, or the disk is full */
    EXIT_MEMORY = 5,       /* the run does not fit in memory */
    EXIT_CLAIM_FAILED = 6, /* attune claims: a claim experiment did not pass */
    EXIT_TARGET_FAILED = 6, /* attune validate: a target part did not pass; attune calibrate:
                               no point could be scored */
    EXIT_RUNS_FAILED = 7,   /* attune sweep: finished, but some runs failed (see runs.error) */
    EXIT_INTERRUPTED = 130, /* SIGINT or SIGTERM: checkpoint and outputs written; resumable */
};

/** Maps a library status to the command's exit code. */
int exit_code_for(int status);

/** From now on SIGINT and SIGTERM raise the stop flag instead of ending the process. */
void catch_stop_signals(void);

/** The stop flag: non-zero once SIGINT or SIGTERM has arrived. */
const volatile sig_atomic_t *stop_flag(void);

/** JSON on stdout (cmd_claims.c): a string with quotes and escapes; a number, or null when
 * it is not finite. */
void json_print_string(const char *s);
void json_print_number(double v);

/** Prints "attune: <file:line: message>" to stderr. */
void report_error(const attune_error *err);

/** Bytes the kernel says can be allocated without swapping (MemAvailable), or 0 if unknown. */
uint64_t cli_available_memory(void);

/** Formats a byte count as "12.3 MiB" into buf. */
void cli_human_bytes(uint64_t bytes, char *buf, size_t size);

/** Whether `need` bytes fit within `limit` (0: unknown, taken to fit); when they do not,
 * writes both as text ("1.2 GiB") into need_text and limit_text for the refusal. */
bool cli_memory_fits(uint64_t need, uint64_t limit, char need_text[32], char limit_text[32]);

/** Reads option `name`'s value as a whole number in [lo, hi] into *out; on failure prints
 * "attune COMMAND: NAME needs a whole number from LO to HI" and returns -1. */
int cli_int_option(const char *command, const char *name, const char *value, int lo, int hi,
                   int *out);

int cmd_run(int argc, char **argv);
int cmd_params(int argc, char **argv);
int cmd_claims(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_sensitivity(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

struct attune_target_info;
/** The tolerance of a target part as printed (cmd_validate.c): "+-0.05", or "4 to 12" for an
 * odds ratio. */
void target_band_text(const struct attune_target_info *target, char *out, size_t size);

struct report_options;
enum { REPORT_PRINT_NONE = 0, REPORT_PRINT_PATH = 1, REPORT_PRINT_ALL = 2 };
/** Writes a report (cmd_report.c) and prints what `print` asks for (errors and warnings go to
 * stderr in every case); returns the exit code. */
int report_and_print(const struct report_options *opt, int print);

/** Progress bar on stderr: weeks (or runs) done, rate and time left. */
typedef struct progress {
    int enabled;
    const char *unit; /* "week", "run" */
    char note[64];    /* shown after the count, e.g. " (2 failed)" */
    int32_t total;
    double started;
    double last_draw;
} progress;

double now_seconds(void);
void progress_start(progress *p, int32_t total_weeks, int enabled);
void progress_start_units(progress *p, int32_t total, int enabled, const char *unit);
void progress_update(progress *p, int32_t week);
void progress_finish(progress *p);

#endif
