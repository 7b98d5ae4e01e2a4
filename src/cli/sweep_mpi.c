/*
 * A sweep over MPI ranks. Rank 0 coordinates: it alone reads and writes the database, hands
 * out runs one at a time as ranks ask for them, and runs some itself. Other ranks run what
 * they are given and send each result back. Messages:
 *   worker -> 0  TAG_READY   int: runs the rank can take at once (sent once, at the start)
 *   worker -> 0  TAG_RESULT  a packed attune_sweep_result (frees one of the rank's slots)
 *   0 -> worker  TAG_ASSIGN  uint32 run id; UINT32_MAX: no more runs, stop
 * Polling with MPI_Iprobe and short sleeps keeps rank 0 from spinning a core in MPI_Recv.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/sweep_pool.h"

enum { TAG_READY = 1, TAG_RESULT = 2, TAG_ASSIGN = 3 };

static int mpi_started = 0;

/* True when a launcher started this process (Open MPI, MPICH/Hydra or PMIx). */
static int launched_by_mpi(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMI_SIZE") != NULL ||
           getenv("PMIX_RANK") != NULL;
}

int sweep_mpi_start(int *argc, char ***argv, int *rank, int *size)
{
    *rank = 0;
    *size = 1;
    if (!launched_by_mpi())
        return ATTUNE_OK;
    int provided;
    /* Only the main thread calls MPI; the run threads never do. */
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return ATTUNE_ERR_IO;
    mpi_started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return ATTUNE_OK;
}

void sweep_mpi_finish(int abort_code)
{
    if (!mpi_started)
        return;
    mpi_started = 0;
    if (abort_code != 0)
        MPI_Abort(MPI_COMM_WORLD, abort_code);
    else
        MPI_Finalize();
}

/* What a worker rank says when it is ready: how many runs it takes at once, and the
 * fingerprint of the sweep it loaded. */
typedef struct ready_note {
    int jobs;
    uint64_t fingerprint;
} ready_note;

enum sweep_poll sweep_mpi_poll(int *from_rank, attune_sweep_result **result, int *ready,
                               uint64_t fingerprint)
{
    *result = NULL;
    *ready = 0;
    if (!mpi_started)
        return SWEEP_POLL_NONE;
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    if (!flag)
        return SWEEP_POLL_NONE;
    *from_rank = status.MPI_SOURCE;
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    unsigned char *buf = malloc(count > 0 ? (size_t)count : 1);
    if (buf == NULL)
        return SWEEP_POLL_NO_MEMORY;
    MPI_Recv(buf, count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    enum sweep_poll got = SWEEP_POLL_HANDLED;
    if (status.MPI_TAG == TAG_READY && count == (int)sizeof(ready_note)) {
        ready_note note;
        memcpy(&note, buf, sizeof note);
        if (note.fingerprint != fingerprint) {
            free(buf);
            return SWEEP_POLL_OTHER_SWEEP;
        }
        *ready = note.jobs;
    } else if (status.MPI_TAG == TAG_RESULT) {
        int rc = attune_sweep_result_unpack(buf, (size_t)count, result);
        got = rc == ATTUNE_OK          ? SWEEP_POLL_HANDLED
              : rc == ATTUNE_ERR_NOMEM ? SWEEP_POLL_NO_MEMORY
                                       : SWEEP_POLL_UNREADABLE;
    } else {
        got = SWEEP_POLL_UNREADABLE;
    }
    free(buf);
    return got;
}

int sweep_mpi_assign(int rank, uint32_t run_id)
{
    return MPI_Send(&run_id, 1, MPI_UINT32_T, rank, TAG_ASSIGN, MPI_COMM_WORLD) == MPI_SUCCESS
               ? ATTUNE_OK
               : ATTUNE_ERR_IO;
}

/* Sends a finished run to rank 0. A result too big to pack in the memory left is sent as a
 * failed run without its values: rank 0 must hear of every run it handed out. */
static int send_result(attune_sweep_result *r)
{
    unsigned char *buf = NULL;
    size_t size = 0;
    if (attune_sweep_result_pack(r, &buf, &size) != ATTUNE_OK) {
        free(r->values);
        r->values = NULL;
        r->rows = 0;
        r->columns = 0;
        r->stat_count = 0;
        r->status = ATTUNE_ERR_NOMEM;
        snprintf(r->error, sizeof r->error,
                 "out of memory: the run's result could not be sent to rank 0");
        if (attune_sweep_result_pack(r, &buf, &size) != ATTUNE_OK)
            return ATTUNE_ERR_NOMEM;
    }
    int rc = MPI_Send(buf, (int)size, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD) == MPI_SUCCESS
                 ? ATTUNE_OK
                 : ATTUNE_ERR_IO;
    free(buf);
    return rc;
}

int sweep_mpi_worker(const attune_sweep *sweep, int jobs, int threads, const volatile int *stop)
{
    sweep_pool *pool = NULL;
    int rc = sweep_pool_start(sweep, jobs, threads, stop, (size_t)jobs, &pool);
    if (rc != ATTUNE_OK)
        return rc;
    ready_note note;
    memset(&note, 0, sizeof note);
    note.jobs = jobs;
    note.fingerprint = attune_sweep_fingerprint(sweep);
    MPI_Send(&note, (int)sizeof note, MPI_BYTE, 0, TAG_READY, MPI_COMM_WORLD);
    /* A run given by rank 0 that cannot be queued, or whose result cannot be sent, would leave
     * rank 0 waiting for ever: the worker fails instead, and its caller ends every rank. */
    int stopping = 0;
    rc = ATTUNE_OK;
    while (rc == ATTUNE_OK && (!stopping || sweep_pool_busy(pool) > 0)) {
        int flag = 0;
        MPI_Status status;
        MPI_Iprobe(0, TAG_ASSIGN, MPI_COMM_WORLD, &flag, &status);
        if (flag) {
            uint32_t run_id;
            MPI_Recv(&run_id, 1, MPI_UINT32_T, 0, TAG_ASSIGN, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (run_id == UINT32_MAX)
                stopping = 1;
            else
                rc = sweep_pool_submit(pool, run_id);
            continue;
        }
        attune_sweep_result *r = sweep_pool_take(pool, 0.002);
        if (r != NULL)
            rc = send_result(r);
        attune_sweep_result_free(r);
    }
    sweep_pool_finish(pool);
    return rc;
}
