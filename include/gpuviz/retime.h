/* retime.h: repairs the times of a log whose stdout was block-buffered through a pipe: printed
 * lines then arrive in bursts that share one prefix time (the flush) followed by a jump. A burst
 * is a run of at least GV_BURST_MIN_STEPS step lines of one training phase with the same time
 * whose dt add up to more than GV_BURST_MIN_SPAN_S; its lines are placed back by the steps' own
 * clock (the last at the flush time, each earlier one the later one's printed duration before it:
 * a step line its dt, an event its tasks' times or printed duration), printed events in the burst
 * (validation, evaluation) laid back among them by line. Logging lines
 * (their own ,mmm time) are never moved. Owns nothing; the timeline records what it changed. */
#ifndef GPUVIZ_RETIME_H
#define GPUVIZ_RETIME_H

#include "gpuviz/timeline.h"

#define GV_BURST_MIN_STEPS 3
#define GV_BURST_MIN_SPAN_S 1.5

/* Call after parsing the log, before events are shifted, filtered or sorted. */
void gv_retime_bursts(gv_timeline *tl);

#endif
