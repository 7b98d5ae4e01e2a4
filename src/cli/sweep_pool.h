/* Runs of a sweep executed by threads of this process, and runs sent to other MPI ranks. */
#ifndef ATTUNE_SWEEP_POOL_H
#define ATTUNE_SWEEP_POOL_H

#include "attune/sweep.h"

typedef struct sweep_pool sweep_pool;

/* Starts `jobs` threads, each running one run at a time with `threads` OpenMP threads.
 * `capacity` bounds the runs queued at once. `stop` ends the runs in progress early. */
int sweep_pool_start(const attune_sweep *sweep, int jobs, int threads, const volatile int *stop,
                     size_t capacity, sweep_pool **out);

/* Threads neither running nor about to run a queued run. */
int sweep_pool_free_slots(sweep_pool *pool);

/* Runs queued, running or finished but not yet taken. */
int sweep_pool_busy(sweep_pool *pool);

/* Queues run `run_id`. Everything the run needs to come back is allocated here: once queued,
 * a run always gives a result (a failed one if even its result cannot be made). Returns
 * ATTUNE_ERR_NOMEM when out of memory (the run is not queued) and ATTUNE_ERR_STATE when more
 * runs are queued than free slots. */
int sweep_pool_submit(sweep_pool *pool, uint32_t run_id);

/* A finished run (the caller frees it), waiting at most `timeout_seconds`; NULL if none. A run
 * that failed may have no values (rows 0). */
attune_sweep_result *sweep_pool_take(sweep_pool *pool, double timeout_seconds);

/* Drops queued runs, waits for the running ones (stop them first to be quick), frees. */
void sweep_pool_finish(sweep_pool *pool);

/* ---- Running a whole sweep (cmd_sweep.c; attune sweep and attune calibrate) ---- */

typedef struct sweep_exec {
    const char *command; /* "sweep" or "calibrate": messages begin "attune COMMAND:" */
    const char *db_path;
    int jobs, threads, force, quiet;
    int allow_other_build; /* resume a database made by another build of attune */
} sweep_exec;

/* Rank 0: opens (or resumes) the database and runs every pending run, here and on the other
 * MPI ranks, with a progress line. Returns the exit code: EXIT_OK when every run is done,
 * EXIT_RUNS_FAILED, EXIT_INTERRUPTED or the code of an error (reported on stderr). */
int sweep_execute(const attune_sweep *sweep, const sweep_exec *exec, int ranks);

/* What attune sweep and attune calibrate do on every rank once their options are read. */
typedef struct sweep_ranks {
    sweep_exec exec; /* rank 0 runs it; worker ranks use its command, jobs and threads */
    int (*load)(const char *path, int replicates, attune_sweep **out, attune_error *err);
    const char *spec;
    int replicates;  /* overrides the file's when > 0 */
    int rank, ranks; /* from sweep_mpi_start */
    /* Rank 0, after sweep_execute returned `code`: what follows (the calibration's analysis);
     * returns the exit code. NULL: `code` is it. */
    int (*after)(const attune_sweep *sweep, const sweep_exec *exec, int code, void *user);
    void *user;
    /* An exit code of rank 0, besides EXIT_OK and EXIT_RUNS_FAILED, that comes once the other
     * ranks have been told to stop (attune calibrate: EXIT_TARGET_FAILED), or 0. */
    int settled_code;
} sweep_ranks;

/* Every rank loads SPEC with `load`. A worker rank that cannot, or that fails while taking runs,
 * says so (naming its rank) and ends every rank: rank 0 would wait for it for ever. The other
 * worker ranks run what rank 0 gives them; rank 0 runs the sweep (sweep_execute, then `after`).
 * Then MPI is finished: rank 0 interrupted or failed ends every rank, since busy ranks cannot
 * be waited for. Returns the process's exit code. */
int sweep_run_ranks(const sweep_ranks *r);

/* OpenMP threads per run when not given: the machine's cores shared among the runs at once on
 * this node (MPI ranks on one node included). */
int sweep_default_threads(int jobs);

/* ---- MPI (sweep_mpi.c; without MPI, a sweep has one process) ---- */

/* Initialises MPI when the process was started by mpirun (or another MPI launcher); else
 * leaves it alone and reports rank 0 of 1. */
int sweep_mpi_start(int *argc, char ***argv, int *rank, int *size);

/* Finalises MPI if it was started. `abort_code` != 0 aborts every rank with that code. */
void sweep_mpi_finish(int abort_code);

/* What sweep_mpi_poll found: NONE, no message had arrived; HANDLED, one was read and handled;
 * UNREADABLE, one could not be read (the sweep cannot go on: its run is lost); OTHER_SWEEP, the
 * rank is ready for another sweep than `fingerprint` (attune_sweep_fingerprint: it read a
 * different file or runs another build); NO_MEMORY, there was no memory to read it. */
enum sweep_poll {
    SWEEP_POLL_NONE = 0,
    SWEEP_POLL_HANDLED = 1,
    SWEEP_POLL_UNREADABLE = -1,
    SWEEP_POLL_OTHER_SWEEP = -2,
    SWEEP_POLL_NO_MEMORY = -3,
};

/* Rank 0: a message from a worker rank, if one has arrived: a finished run (*result) or the
 * number of runs the rank can take (*ready). */
enum sweep_poll sweep_mpi_poll(int *from_rank, attune_sweep_result **result, int *ready,
                               uint64_t fingerprint);

/* Rank 0: gives run `run_id` to `rank`, or (run_id = UINT32_MAX) tells it to stop. */
int sweep_mpi_assign(int rank, uint32_t run_id);

/* Ranks other than 0: take runs from rank 0 until told to stop. Returns an error when a run
 * could not be queued or its result not sent (out of memory): rank 0 would wait for it, so the
 * caller must then end every rank (sweep_mpi_finish with an abort code). */
int sweep_mpi_worker(const attune_sweep *sweep, int jobs, int threads, const volatile int *stop);

#endif
