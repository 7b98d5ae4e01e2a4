/* Checkpoints of a model (see checkpoint.c for the format). */
#ifndef ATTUNE_CHECKPOINT_H
#define ATTUNE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "attune/attune.h"

/** What a checkpoint records besides the model: how far the run's output files had got. */
typedef struct checkpoint_info {
    uint64_t metrics_bytes, events_bytes, events_written;
    uint64_t panel_bytes; /* 0 when the run writes no panel */
} checkpoint_info;

/** Writes the model's state (and `info`, may be NULL) to `path` atomically. */
int checkpoint_write(const struct attune_model *m, const checkpoint_info *info, const char *path,
                     attune_error *err);

/** Reads a checkpoint into a new model ready to step (ATTUNE_ERR_CORRUPT if damaged). */
int checkpoint_read(const char *path, int threads, struct attune_model **out, checkpoint_info *info,
                    attune_error *err);

/**
 * The scenario a checkpoint was written with, read from the file's head without checking the
 * rest (for estimates before the checkpoint is read). The caller frees *out.
 */
int checkpoint_read_scenario(const char *path, attune_scenario **out);

/** Same, from memory (used by the fuzzer). */
int checkpoint_read_buffer(const void *data, size_t size, const char *name, int threads,
                           struct attune_model **out, checkpoint_info *info, attune_error *err);

#endif
