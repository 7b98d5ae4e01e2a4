/* attune sweep: run a sweep file's design into a SQLite database, resumably, over MPI ranks. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attune/sweep.h"
#include "cli/cli.h"
#include "cli/sweep_pool.h"

static const char sweep_usage[] =
    "Usage: attune sweep SPEC [--out DB] [--replicates N] [--jobs N] [--threads N]\n"
    "                   [--force] [--allow-other-build] [--quiet]\n"
    "       mpirun -np K attune sweep SPEC ...\n"
    "Runs every run of the sweep file SPEC (docs/sweeps.md: a base scenario, the parameters to\n"
    "vary and a design: grid, lhs, sobol or morris) and stores the results in the SQLite\n"
    "database DB (default: SPEC's name with .sqlite, in the current folder; schema in\n"
    "docs/sweep-database.md). If DB holds this sweep already, the runs it has are skipped:\n"
    "an interrupted sweep resumes by running the same command again, with the same build of\n"
    "attune (DB records it: another build's runs would mix two versions of the model).\n"
    "\n"
    "  --out DB         the results database\n"
    "  --replicates N   seeds per design point (overrides the file's replicates)\n"
    "  --jobs N         runs at once in each process (default 1)\n"
    "  --threads N      OpenMP threads per run (default: the cores of the machine shared\n"
    "                   among the runs at once); results do not depend on it\n"
    "  --force          replace DB if it holds another sweep\n"
    "  --allow-other-build  resume DB even though another build of attune made it\n"
    "  --quiet          no progress line or summary\n"
    "\n"
    "Under mpirun, rank 0 writes the database and hands out runs; every rank (rank 0 too)\n"
    "runs --jobs runs at once. The database's contents are the same, run for run, for any\n"
    "number of ranks, jobs and threads (only timing and host columns differ).\n"
    "Exit codes: 0 every run done, 7 finished but some runs failed (runs.error says why),\n"
    "130 interrupted (run the command again to resume), 5 its runs would not fit in memory\n"
    "(the largest run times --jobs), 4 DB cannot be written or holds another sweep or\n"
    "another build's runs; others as for attune run.\n";

typedef struct sweep_options {
    const char *spec, *out;
    int replicates, jobs, threads, force, quiet, allow_other_build;
} sweep_options;

static int parse_options(int argc, char **argv, sweep_options *o)
{
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        const char *value = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            printf("%s", sweep_usage);
            return 1;
        } else if (strcmp(arg, "--out") == 0 && value) {
            o->out = value;
            a++;
        } else if (strcmp(arg, "--replicates") == 0) {
            if (cli_int_option("sweep", arg, value, 1, 1000, &o->replicates))
                return -1;
            a++;
        } else if (strcmp(arg, "--jobs") == 0) {
            if (cli_int_option("sweep", arg, value, 1, 1024, &o->jobs))
                return -1;
            a++;
        } else if (strcmp(arg, "--threads") == 0) {
            if (cli_int_option("sweep", arg, value, 1, 1024, &o->threads))
                return -1;
            a++;
        } else if (strcmp(arg, "--force") == 0) {
            o->force = 1;
        } else if (strcmp(arg, "--allow-other-build") == 0) {
            o->allow_other_build = 1;
        } else if (strcmp(arg, "--quiet") == 0) {
            o->quiet = 1;
        } else if (arg[0] == '-' || o->spec != NULL) {
            fprintf(stderr, "attune sweep: unexpected argument '%s'\n%s", arg, sweep_usage);
            return -1;
        } else {
            o->spec = arg;
        }
    }
    if (o->spec == NULL) {
        fprintf(stderr, "attune sweep: missing the sweep file\n%s", sweep_usage);
        return -1;
    }
    return 0;
}

/* Default database: the sweep file's name without folder and extension, plus .sqlite. */
static void default_out(const char *spec, char *out, size_t size)
{
    const char *base = strrchr(spec, '/');
    base = base ? base + 1 : spec;
    const char *dot = strrchr(base, '.');
    int n = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    snprintf(out, size, "%.*s.sqlite", n, base);
}

/* OpenMP threads per run when not given: the machine's cores shared among the runs at once
 * on this node (MPI ranks on one node included). */
int sweep_default_threads(int jobs)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    long ranks_here = local ? strtol(local, NULL, 10) : 1;
    if (ranks_here < 1)
        ranks_here = 1;
    long t = cores / ((long)jobs * ranks_here);
    return t >= 1 ? (int)t : 1;
}

typedef struct coordinator {
    const char *command; /* "sweep" or "calibrate" */
    const attune_sweep *sweep;
    uint64_t fingerprint; /* attune_sweep_fingerprint(sweep): what every rank must have loaded */
    attune_sweep_db *db;
    sweep_pool *pool;
    uint32_t *pending;
    size_t pending_count, next; /* runs pending[next..] not yet handed out */
    size_t in_flight;
    size_t done, failed, total;
    int ranks;
    int *slots;      /* per rank: runs it can take now */
    int *said_ready; /* per rank: its TAG_READY has been read */
    char host[256];
    progress bar;
} coordinator;

static int cli_fail(attune_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cli_fail(attune_error *err, int status, const char *fmt, ...)
{
    memset(err, 0, sizeof *err);
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

static int record(coordinator *c, attune_sweep_result *r, int rank, attune_error *err)
{
    /* A run that did not finish while the sweep was being stopped (SIGINT, SIGTERM) was cut
     * short, not failed: it is left to run on resume, unrecorded. */
    if (*stop_flag() && r->status != ATTUNE_OK) {
        c->in_flight--;
        attune_sweep_result_free(r);
        return ATTUNE_OK;
    }
    int rc = attune_sweep_db_record(c->db, r, c->host, rank, err);
    if (rc == ATTUNE_OK) {
        if (r->status == ATTUNE_OK)
            c->done++;
        else
            c->failed++;
    }
    c->in_flight--;
    attune_sweep_result_free(r);
    if (c->failed)
        snprintf(c->bar.note, sizeof c->bar.note, " (%zu failed)", c->failed);
    progress_update(&c->bar, (int32_t)(c->done + c->failed));
    return rc;
}

static int next_run(coordinator *c, uint32_t *run_id)
{
    if (c->next >= c->pending_count || *stop_flag())
        return 0;
    *run_id = c->pending[c->next++];
    c->in_flight++;
    return 1;
}

/* Hands out runs and records results until every run is done or a stop is requested. */
static int coordinate(coordinator *c, attune_error *err)
{
    int *slots = c->slots;
    int rc = ATTUNE_OK;
    uint32_t run_id;
    while (rc == ATTUNE_OK && !*stop_flag() && (c->next < c->pending_count || c->in_flight)) {
        for (int k = sweep_pool_free_slots(c->pool); k > 0 && next_run(c, &run_id); k--) {
            if (sweep_pool_submit(c->pool, run_id) != ATTUNE_OK) {
                c->in_flight--; /* not started: it stays pending */
                return cli_fail(err, ATTUNE_ERR_NOMEM, "out of memory: cannot start run %u",
                                run_id);
            }
        }
        int from = 0, ready;
        enum sweep_poll got;
        attune_sweep_result *remote;
        while (rc == ATTUNE_OK &&
               (got = sweep_mpi_poll(&from, &remote, &ready, c->fingerprint)) != SWEEP_POLL_NONE) {
            if (got == SWEEP_POLL_OTHER_SWEEP) {
                c->said_ready[from] = 1; /* its message is read: nothing is left to wait for */
                rc = cli_fail(err, ATTUNE_ERR_RANGE, /* bad input: exit 3 */
                              "rank %d loaded another sweep than rank 0 (a different sweep file "
                              "or base scenario at the same path, or another attune build): "
                              "every rank needs the same files and binary",
                              from);
                break;
            }
            if (got == SWEEP_POLL_NO_MEMORY) {
                rc = cli_fail(err, ATTUNE_ERR_NOMEM, /* exit 5 */
                              "out of memory reading a message from rank %d", from);
                break;
            }
            if (got == SWEEP_POLL_UNREADABLE) {
                rc = cli_fail(err, ATTUNE_ERR_IO, "a message from rank %d could not be read", from);
                break;
            }
            if (remote != NULL) {
                rc = record(c, remote, from, err);
                slots[from]++;
            } else {
                slots[from] += ready;
                c->said_ready[from] = 1;
            }
            while (slots[from] > 0 && next_run(c, &run_id)) {
                if (sweep_mpi_assign(from, run_id) != ATTUNE_OK)
                    rc =
                        cli_fail(err, ATTUNE_ERR_IO, "cannot send run %u to rank %d", run_id, from);
                slots[from]--;
            }
        }
        attune_sweep_result *local = sweep_pool_take(c->pool, c->ranks > 1 ? 0.002 : 0.2);
        if (local != NULL && rc == ATTUNE_OK)
            rc = record(c, local, 0, err);
        else
            attune_sweep_result_free(local);
    }
    return rc;
}

/* Rank 0, at the end: every worker rank is told to stop once it has said it is ready (so no
 * message is left unread). */
static void stop_workers(coordinator *c)
{
    int *said_ready = c->said_ready;
    for (int rank = 1; rank < c->ranks; rank++) {
        while (!said_ready[rank]) {
            int from, ready;
            attune_sweep_result *r;
            if (sweep_mpi_poll(&from, &r, &ready, c->fingerprint) != SWEEP_POLL_NONE) {
                said_ready[from] = 1;
                attune_sweep_result_free(r);
            } else {
                struct timespec pause = {0, 1000000};
                nanosleep(&pause, NULL);
            }
        }
        sweep_mpi_assign(rank, UINT32_MAX);
    }
}

static void print_plan(const coordinator *c, const char *db_path, int jobs, int threads)
{
    const attune_sweep *sw = c->sweep;
    size_t points = attune_sweep_point_count(sw), runs = attune_sweep_run_count(sw);
    size_t replicates = points ? runs / points : 0;
    fprintf(stderr,
            "attune %s: %s design, %zu factor%s, %zu point%s x %zu replicate%s = %zu runs; "
            "%zu done, %zu to run\n",
            c->command, attune_sweep_design(sw), attune_sweep_factor_count(sw),
            attune_sweep_factor_count(sw) == 1 ? "" : "s", points, points == 1 ? "" : "s",
            replicates, replicates == 1 ? "" : "s", runs, runs - c->pending_count,
            c->pending_count);
    fprintf(stderr, "attune %s: %d process%s x %d job%s, %d thread%s per run; database %s\n",
            c->command, c->ranks, c->ranks == 1 ? "" : "es", jobs, jobs == 1 ? "" : "s", threads,
            threads == 1 ? "" : "s", db_path);
}

int sweep_execute(const attune_sweep *sw, const sweep_exec *o, int ranks)
{
    const char *db_path = o->db_path;
    int threads = o->threads;
    coordinator c = {0};
    c.command = o->command;
    c.sweep = sw;
    c.fingerprint = attune_sweep_fingerprint(sw);
    c.ranks = ranks;
    c.total = attune_sweep_run_count(sw);
    if (gethostname(c.host, sizeof c.host) != 0)
        snprintf(c.host, sizeof c.host, "unknown");
    c.host[sizeof c.host - 1] = '\0';
    c.slots = calloc((size_t)ranks, sizeof *c.slots);
    c.said_ready = calloc((size_t)ranks, sizeof *c.said_ready);
    attune_error err = {0};
    size_t done_before = 0;
    int rc =
        c.slots && c.said_ready ? ATTUNE_OK : cli_fail(&err, ATTUNE_ERR_NOMEM, "out of memory");
    /* Memory: refuse before the first run rather than be killed in the middle of the sweep. */
    uint64_t run_need = attune_sweep_memory_estimate(sw), limit = cli_available_memory();
    uint64_t at_once = (uint64_t)o->jobs < c.total ? (uint64_t)o->jobs : (uint64_t)c.total;
    char n1[32], n2[32];
    if (rc == ATTUNE_OK && !cli_memory_fits(run_need * at_once, limit, n1, n2))
        rc = cli_fail(&err, ATTUNE_ERR_NOMEM,
                      "this sweep needs about %s (%llu run%s at once, the largest estimated), "
                      "more than the %s available; lower --jobs or the population of its scenario",
                      n1, (unsigned long long)at_once, at_once == 1 ? "" : "s", n2);
    if (rc == ATTUNE_OK)
        rc = attune_sweep_db_open(sw, db_path,
                                  (o->force ? ATTUNE_SWEEP_DB_FORCE : 0u) |
                                      (o->allow_other_build ? ATTUNE_SWEEP_DB_OTHER_BUILD : 0u),
                                  &c.db, &done_before, &err);
    if (rc == ATTUNE_OK)
        rc = attune_sweep_db_pending(c.db, &c.pending, &c.pending_count, &err);
    if (rc == ATTUNE_OK && sweep_pool_start(sw, o->jobs, threads, (const volatile int *)stop_flag(),
                                            (size_t)o->jobs, &c.pool) != ATTUNE_OK)
        rc = cli_fail(&err, ATTUNE_ERR_NOMEM, "cannot start %d run threads", o->jobs);
    double started = now_seconds();
    if (rc == ATTUNE_OK) {
        if (!o->quiet)
            print_plan(&c, db_path, o->jobs, threads);
        progress_start_units(&c.bar, (int32_t)c.pending_count, !o->quiet && isatty(2), "run");
        rc = coordinate(&c, &err);
        progress_finish(&c.bar);
    }
    sweep_pool_finish(c.pool);
    if (!*stop_flag() && ranks > 1)
        stop_workers(&c);
    attune_sweep_db_close(c.db);
    free(c.pending);
    free(c.slots);
    free(c.said_ready);
    if (rc != ATTUNE_OK) {
        report_error(&err);
        return exit_code_for(rc);
    }
    if (*stop_flag()) {
        fprintf(stderr,
                "attune %s: interrupted; %zu runs recorded this time, %zu of %zu in all. Run "
                "the same command again to resume.\n",
                o->command, c.done + c.failed, done_before + c.done, c.total);
        return EXIT_INTERRUPTED;
    }
    if (!o->quiet)
        fprintf(stderr,
                "attune %s: %zu runs in %.1f s: %zu done, %zu failed; %zu of %zu in "
                "all are done\n",
                o->command, c.done + c.failed, now_seconds() - started, c.done, c.failed,
                done_before + c.done, c.total);
    if (c.failed) {
        fprintf(stderr,
                "attune %s: %zu runs failed; see the error column of table runs in "
                "%s (they are run again on resume)\n",
                o->command, c.failed, db_path);
        return EXIT_RUNS_FAILED;
    }
    return EXIT_OK;
}

int sweep_run_ranks(const sweep_ranks *r)
{
    const sweep_exec *x = &r->exec;
    /* Every rank reads the file: the same file gives the same runs everywhere. */
    attune_sweep *sw = NULL;
    attune_error err = {0};
    int rc = r->load(r->spec, r->replicates, &sw, &err);
    int code, worker_failed = 0;
    if (rc != ATTUNE_OK) {
        /* One write for the whole line (report_error's, behind a worker's rank): mpirun
         * forwards a rank's output as it comes, and another rank's abort notice could otherwise
         * land between two parts of it. */
        char rank[64] = "", buf[2048];
        if (r->rank != 0)
            snprintf(rank, sizeof rank, "attune %s: rank %d: ", x->command, r->rank);
        fprintf(stderr, "%sattune: %s\n", rank, attune_error_format(&err, buf, sizeof buf));
        /* An unreadable file or base scenario is bad input, as for attune run. */
        code = rc == ATTUNE_ERR_IO ? EXIT_SCENARIO : exit_code_for(rc);
        worker_failed = r->rank != 0;
    } else if (r->rank != 0) {
        rc = sweep_mpi_worker(sw, x->jobs, x->threads, (const volatile int *)stop_flag());
        code = exit_code_for(rc);
        if (rc != ATTUNE_OK) {
            fprintf(stderr,
                    "attune %s: rank %d: %s: a run could not be started or its result sent to "
                    "rank 0\n",
                    x->command, r->rank, attune_strerror(rc));
            worker_failed = 1;
        }
    } else {
        code = sweep_execute(sw, x, r->ranks);
        if (r->after != NULL)
            code = r->after(sw, x, code, r->user);
    }
    attune_sweep_free(sw);
    int settled = code == EXIT_OK || code == EXIT_RUNS_FAILED ||
                  (r->settled_code != 0 && code == r->settled_code);
    int abort_code = worker_failed || (r->rank == 0 && r->ranks > 1 && !settled) ? code : 0;
    sweep_mpi_finish(abort_code);
    return code;
}

/* Rank 0 of attune sweep, once every run is done: the database's path on stdout. */
static int print_database(const attune_sweep *sweep, const sweep_exec *x, int code, void *user)
{
    (void)sweep;
    (void)user;
    if (code == EXIT_OK)
        printf("%s\n", x->db_path);
    return code;
}

int cmd_sweep(int argc, char **argv)
{
    int rank = 0, ranks = 1;
    if (sweep_mpi_start(&argc, &argv, &rank, &ranks) != ATTUNE_OK) {
        fprintf(stderr, "attune sweep: MPI could not be initialised\n");
        return EXIT_INTERNAL;
    }
    sweep_options o = {0};
    o.jobs = 1;
    int parsed = parse_options(argc, argv, &o);
    if (parsed != 0) {
        sweep_mpi_finish(0);
        return parsed > 0 ? EXIT_OK : EXIT_USAGE;
    }
    catch_stop_signals();
    int threads = o.threads ? o.threads : sweep_default_threads(o.jobs);
    char db_path[1024];
    if (o.out)
        snprintf(db_path, sizeof db_path, "%s", o.out);
    else
        default_out(o.spec, db_path, sizeof db_path);

    sweep_ranks r = {.exec = {.command = "sweep",
                              .db_path = db_path,
                              .jobs = o.jobs,
                              .threads = threads,
                              .force = o.force,
                              .quiet = o.quiet,
                              .allow_other_build = o.allow_other_build},
                     .load = attune_sweep_load,
                     .spec = o.spec,
                     .replicates = o.replicates,
                     .rank = rank,
                     .ranks = ranks,
                     .after = print_database};
    return sweep_run_ranks(&r);
}
