/*
 * The yearly panel (panel.csv) and the ego networks of network-sample.graphml: who is in them.
 *
 * Membership is a fixed draw per person (seed, STREAM_OUTPUT_SAMPLE, person id), so the panel
 * follows the same people year after year, newborns join it at the same rate, and the choice
 * does not depend on the thread count or on when the run was resumed.
 */
#ifndef ATTUNE_PANEL_H
#define ATTUNE_PANEL_H

#include <stdint.h>
#include <stdio.h>

#include "engine/model_internal.h"

/* Panel rows are written at week 0 and every PANEL_WEEKS weeks after it. */
#define PANEL_WEEKS 52

/** Whether person i belongs to the panel (output.panel_fraction of everyone). O(1). */
int panel_member(const attune_model *m, uint32_t i);

/** Rank of person i among candidate egos of the network sample, uniform in (0,1). O(1). */
double panel_ego_rank(const attune_model *m, uint32_t i);

/** Writes the header line of panel.csv. Returns ATTUNE_OK or ATTUNE_ERR_IO. */
int panel_write_header(FILE *f);

/** Appends a row for every living panel member if m->week is a panel week (else nothing).
 * Serial, in person order. O(people + ties of the members). */
int panel_write_week(FILE *f, const attune_model *m);

#endif
