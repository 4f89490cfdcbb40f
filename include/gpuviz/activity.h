/* activity.h: the periods in which the GPUs worked, from a quick pass over a GPU file of its own
 * (`--align-log auto` reads the file for it before the real pass). A sample is active when any
 * GPU's power is at or above the threshold (as for idle detection); a period of activity begins at
 * an active sample and ends at the last active one before an inactive sample more than
 * GV_ACTIVITY_QUIET_S later (or before no sample at all for GV_ACTIVITY_GAP_S); it is sustained
 * when it lasts GV_ACTIVITY_SUSTAIN_S or more. Owns: its small state; no samples. */
#ifndef GPUVIZ_ACTIVITY_H
#define GPUVIZ_ACTIVITY_H

#include "gpuviz/timeline.h"

#include <stddef.h>

#define GV_ACTIVITY_SUSTAIN_S 30.0
#define GV_ACTIVITY_QUIET_S 60.0
#define GV_ACTIVITY_GAP_S 600.0
#define GV_ACTIVITY_PERIODS 8 /* the first this many sustained periods are kept */

typedef struct {
    gv_time_us start, end; /* first and last active sample */
    gv_time_us before;     /* the sample before start (GV_TIME_NONE: start is the file's first):
                              the rise happened in (before, start] */
} gv_activity_period;

typedef struct gv_activity gv_activity;

/* tl: the timeline the scan's reader fills (its own, not the run's; must outlive the scan).
 * Caller frees with _free. */
gv_activity *gv_activity_new(const gv_timeline *tl, double threshold_w);
gv_sample_sink gv_activity_sink(gv_activity *a);
/* Ends the scan: the sustained periods, at most GV_ACTIVITY_PERIODS in out; returns how many
 * there were in all. */
size_t gv_activity_finish(gv_activity *a, gv_activity_period *out);
/* Whether the file had a power series at all (false: no GPU power to find activity in). */
bool gv_activity_has_power(const gv_activity *a);
void gv_activity_free(gv_activity *a);

#endif
