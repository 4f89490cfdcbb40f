/* phases.h: which phase every moment belongs to, planned from the log before the sample pass.
 * Owns nothing past the call: the segment array it returns is the caller's (free()).
 *
 * Activity comes from the log: event windows (checkpoint > evaluation > validation, in that
 * priority where they overlap) and training spans (step lines of one training phase, each line
 * covering back to the previous one when the gap is at most GV_TRAIN_BRIDGE_DT_FACTOR times its
 * dt or GV_TRAIN_BRIDGE_MIN_S (a line without a dt: GV_TRAIN_BRIDGE_GAP_FACTOR times the median
 * gap between its phase's step lines when that is longer: sparse loss lines, MLPerf's every few
 * minutes), the first line covering its own dt). Time no segment covers is idle
 * when every GPU is below the power threshold, else other (setup, gaps); the correlator decides
 * that per sample interval. */
#ifndef GPUVIZ_PHASES_H
#define GPUVIZ_PHASES_H

#include "gpuviz/timeline.h"

#define GV_TRAIN_BRIDGE_DT_FACTOR 20
#define GV_TRAIN_BRIDGE_MIN_S 300.0
#define GV_TRAIN_BRIDGE_GAP_FACTOR 2

typedef struct {
    gv_time_us start, end; /* [start, end) */
    gv_phase phase;        /* never IDLE or OTHER */
    int train;             /* training phase index for GV_PHASE_TRAINING, else -1 */
} gv_segment;

/* Builds sorted, non-overlapping segments from tl's events and steps (only steps inside
 * [tl->pass.range_start, tl->pass.range_end] count), and fills tl->pass.train_phases (labels, spans, step and
 * token counts; seconds and energy are left for the pass). Returns the segment count; *segs is
 * malloc'd (caller frees). */
size_t gv_phases_plan(gv_timeline *tl, gv_segment **segs);

/* Index of the first segment whose end is after t (n when none): the segment containing t if
 * segs[i].start <= t. */
size_t gv_segment_find(const gv_segment *segs, size_t n, gv_time_us t);

#endif
