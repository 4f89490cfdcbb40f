/* log_clock.h: gives a time to the log lines that carry none of their own. The commonest real
 * log (`bash speedrun.sh 2>&1 | tee speedrun.log`) has times only on its Python logging lines,
 * minutes to hours apart; its step, validation and evaluation lines have none. A line without a
 * time happened after the last stamped line before it and before the next stamped line after it
 * (the span around it, gv_log_span, recorded by the log parser); it is never placed outside them.
 *
 * Inside a span the items (steps, events) are laid out in line order by the durations the log
 * prints: a step line ends its step's `dt`, an evaluation session's line ends its tasks' `time:`,
 * a `duration` group ends its line. What no line says (how long a validation pass, the start-up
 * after the stamp or the wind-down before the next one took) is a "slot"; the span's slack (its
 * length less the printed durations) is shared equally by its slots. An item's uncertainty is the
 * larger distance from its placed time to the earliest and latest times the printed durations and
 * the two stamps allow. When the printed durations add up to more than the span (clocks differ,
 * overheads), they are scaled down to fit it. A span with one end only (before the first or after
 * the last stamped line) is laid out from that end by the printed durations alone (unbounded
 * uncertainty); --log-start (tl->clock.start) gives the lines before the first stamp a start.
 *
 * Owns nothing; writes the times of the steps and events in spans, each event's time basis and
 * uncertainty, and the tl->log_* counters. docs/formats.md ("How a log is timed") says the same. */
#ifndef GPUVIZ_LOG_CLOCK_H
#define GPUVIZ_LOG_CLOCK_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stdbool.h>

/* When the log began (GV_TIME_NONE: not known; GV_LOG_ORIGIN: a log without any time, on its own
 * clock): tl->clock.start, for the calls below. Call after parsing the log. */
void gv_log_clock_set_start(gv_timeline *tl, gv_time_us start);

/* True when the log has steps or events but no line with a time and no tl->clock.start: nothing
 * can place it on the GPU clock (the caller reports it). */
bool gv_log_clock_untimed(const gv_timeline *tl);

/* Places the items of every span. Call after parsing the log and before gv_retime_bursts,
 * shifting, filtering or sorting events. diag receives a warning for a log start after the
 * first stamp (then ignored). */
void gv_log_clock_place(gv_timeline *tl, const char *file, const gv_diag *diag);

/* A log on its own clock (elapsed times: tl->log.relative; or one without any time, placed from
 * tl->clock.start = GV_LOG_ORIGIN) put on the wall clock: every time moves by zero - GV_LOG_ORIGIN
 * (zero: the wall-clock time of the log's zero), every event's uncertainty grows by
 * uncertainty_s (how well zero is known), and tl->clock.anchor* record it. Call after placing. */
void gv_log_clock_anchor(gv_timeline *tl, gv_time_us zero, gv_anchor_kind by, double uncertainty_s);

/* Where training began on the log's own clock: its zero for elapsed times (the progress bar's
 * start), else the first step's start (its time less its dt), else the first event's start. */
gv_time_us gv_log_clock_training_start(const gv_timeline *tl);

#endif
