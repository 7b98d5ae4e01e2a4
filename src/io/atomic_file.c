/* Atomic file writes (see atomic_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/scenario_internal.h"
#include "io/atomic_file.h"

int atomic_open(atomic_file *af, const char *path, attune_error *err)
{
    memset(af, 0, sizeof *af);
    if (strlen(path) >= sizeof af->path)
        return attune_fail(err, ATTUNE_ERR_ARGUMENT, path, 0, NULL, "path is too long");
    snprintf(af->path, sizeof af->path, "%s", path);
    snprintf(af->temp, sizeof af->temp, "%s.partial", path);
    af->f = fopen(af->temp, "wb");
    if (af->f == NULL)
        return attune_fail(err, ATTUNE_ERR_IO, af->temp, 0, NULL, "cannot create file: %s",
                           strerror(errno));
    return ATTUNE_OK;
}

int atomic_check(atomic_file *af, attune_error *err)
{
    if (af->f != NULL && ferror(af->f))
        return attune_fail(err, ATTUNE_ERR_IO, af->temp, 0, NULL,
                           "write failed (is the disk full?): %s", strerror(errno ? errno : EIO));
    return ATTUNE_OK;
}

int atomic_commit(atomic_file *af, attune_error *err)
{
    int rc = atomic_finish(af, err);
    if (rc != ATTUNE_OK) {
        unlink(af->temp);
        return rc;
    }
    if (rename(af->temp, af->path) != 0) {
        int saved = errno;
        unlink(af->temp);
        return attune_fail(err, ATTUNE_ERR_IO, af->path, 0, NULL, "cannot rename into place: %s",
                           strerror(saved));
    }
    return atomic_sync_dir(af->path, err);
}

int atomic_sync_dir(const char *path, attune_error *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return attune_fail(err, ATTUNE_ERR_IO, dir, 0, NULL,
                           "cannot open the folder to sync it: %s", strerror(errno));
    /* A file system that cannot sync a folder (EINVAL) keeps its renames as it does. */
    int failed = fsync(fd) != 0 && errno != EINVAL;
    int saved = errno;
    close(fd);
    if (failed)
        return attune_fail(err, ATTUNE_ERR_IO, dir, 0, NULL, "cannot sync the folder: %s",
                           strerror(saved));
    return ATTUNE_OK;
}

int atomic_finish(atomic_file *af, attune_error *err)
{
    if (af->f == NULL)
        return attune_fail(err, ATTUNE_ERR_STATE, af->path, 0, NULL, "file is not open");
    int failed = ferror(af->f) || fflush(af->f) != 0 || fsync(fileno(af->f)) != 0;
    int saved = errno;
    if (fclose(af->f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    af->f = NULL;
    if (failed)
        return attune_fail(err, ATTUNE_ERR_IO, af->path, 0, NULL,
                           "write failed (is the disk full?): %s", strerror(saved ? saved : EIO));
    return ATTUNE_OK;
}

void atomic_abort(atomic_file *af)
{
    if (af->f != NULL) {
        fclose(af->f);
        af->f = NULL;
        unlink(af->temp);
    }
}

int atomic_write_string(const char *path, const char *text, attune_error *err)
{
    atomic_file af;
    int rc = atomic_open(&af, path, err);
    if (rc != ATTUNE_OK)
        return rc;
    size_t len = strlen(text);
    if (fwrite(text, 1, len, af.f) != len) {
        int saved = errno;
        atomic_abort(&af);
        return attune_fail(err, ATTUNE_ERR_IO, path, 0, NULL,
                           "write failed (is the disk full?): %s", strerror(saved ? saved : EIO));
    }
    return atomic_commit(&af, err);
}
