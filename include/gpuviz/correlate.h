/* correlate.h: the one pass over the GPU samples that feeds every consumer: per-series statistics
 * and energy, idle detection, display downsampling, and the GPU state at and around each event.
 * Owns: its per-series and per-event accumulators; memory depends on the
 * series and event counts, never on the number of rows. As rows come it writes the timeline's
 * series statistics, phase totals and display pyramid; at _finish the idle cutoff, the events'
 * GPU state (out-of-range events removed) and the sample anomalies. The timeline's events must
 * be parsed, shifted and sorted before the pass begins.
 *
 * Definitions (docs/formats.md, "What gpuviz computes"):
 * - energy: trapezoid rule over consecutive valid samples of a GPU's energy series (instant power
 *   when present, else power_w, else power_avg_w); intervals longer than GV_MAX_GAP_S and than
 *   GV_GAP_FACTOR typical intervals (the median of the first GV_GAP_LEARN; sample_watch.h), or going
 *   backwards, are not integrated.
 * - event window [start, end]: mean and max of the samples inside it; energy integrates the
 *   linearly interpolated power over exactly the window.
 * - nearest sample: the row whose time is closest to the event's time (earlier row on a tie).
 * - phases: each interval between consecutive rows is split at the planned segments
 *   (phases.h); time goes to the segment's phase, or to idle (no GPU at/above the threshold at
 *   either row) or other; energy likewise, per GPU, over its integrable intervals.
 * - rows outside [tl->pass.range_start, tl->pass.range_end] are counted and otherwise ignored. */
#ifndef GPUVIZ_CORRELATE_H
#define GPUVIZ_CORRELATE_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stdbool.h>

#define GV_MAX_GAP_S 5.0 /* intervals longer than this and than GV_GAP_FACTOR typical ones are gaps */

typedef struct {
    double power_threshold_w; /* idle cutoff: a sample is active when any GPU is at/above this */
    double buffer_min;        /* minutes kept after the last active sample */
    bool idle_cutoff;         /* false: keep every sample on display */
    size_t display_bytes;     /* page budget for display data: sizes the finest pyramid level */
    double temp_limit_c;      /* over-temperature anomaly above this */
    double imbalance_ratio;   /* gpu_imbalance: a GPU below this share of the others' median (0: 0.75) */
    bool relative_range;      /* range_hours give the analysed range in hours since the first
                                 row (a NAN end stays open); else gv_correlator_set_range's */
    double range_hours[2];
} gv_correlate_opts;

typedef struct gv_correlator gv_correlator;

/* tl must outlive the correlator. Caller frees with _free. */
gv_correlator *gv_correlator_new(gv_timeline *tl, const gv_correlate_opts *opts);
/* The analysed range in wall-clock time (GV_TIME_NONE: that end open; both open by default), known
 * only once the log is read (a step range): call before the first row. The pass records it in
 * tl->pass.range_start/end. */
void gv_correlator_set_range(gv_correlator *c, gv_time_us start, gv_time_us end);
/* The sink to hand to the CSV reader. */
gv_sample_sink gv_correlator_sink(gv_correlator *c);
/* Writes statistics, display points, idle cutoff and event correlations into the timeline, and
 * removes events outside the monitored range (warning through diag with both ranges). */
void gv_correlator_finish(gv_correlator *c, const gv_diag *diag, const char *log_name);
void gv_correlator_free(gv_correlator *c);

#endif
