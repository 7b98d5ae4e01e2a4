/*
 * Files that appear whole or not at all: written under "<path>.partial", flushed and synced,
 * then renamed over <path>.
 */
#ifndef ATTUNE_ATOMIC_FILE_H
#define ATTUNE_ATOMIC_FILE_H

#include <stdio.h>

#include "attune/attune.h"

typedef struct atomic_file {
    FILE *f;
    char path[4096];
    char temp[4096 + 16];
} atomic_file;

/** Opens "<path>.partial" for writing. */
int atomic_open(atomic_file *af, const char *path, attune_error *err);

/** Flushes, syncs and renames the file into place, then syncs its folder (so that the rename
 * survives a power loss); closes the file in every case. */
int atomic_commit(atomic_file *af, attune_error *err);

/**
 * The first half of atomic_commit: flushes, syncs and closes the file, leaving it under its
 * temporary name, also when this fails (the caller decides whether what reached the disk is
 * kept). Publish it with rename(af->temp, af->path).
 */
int atomic_finish(atomic_file *af, attune_error *err);

/** Closes and removes the temporary file. Safe on a file that was never opened. */
void atomic_abort(atomic_file *af);

/** Checks the stream for write errors so far (e.g. a full disk). */
int atomic_check(atomic_file *af, attune_error *err);

/** Syncs the folder that holds `path` (after renames into it). */
int atomic_sync_dir(const char *path, attune_error *err);

/** Writes a whole string to path atomically. */
int atomic_write_string(const char *path, const char *text, attune_error *err);

#endif
