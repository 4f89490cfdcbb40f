/* sample_watch.h: anomaly detectors that run inside the sample pass (private to src/analyze).
 * Owns: per-GPU episode state and one 10-second window of per-GPU sums; memory does not depend
 * on the number of rows. Findings go into the timeline as anomalies:
 * - sample_gap: consecutive samples more than GV_SAMPLE_GAP_S and more than GV_GAP_FACTOR times
 *   the file's typical interval apart (the median of its first GV_GAP_LEARN intervals: a 1 Hz or
 *   15 s sampler is not a run of gaps); gaps seen before that is known wait in a buffer of as many;
 * - time_backwards: a sample earlier than the one before it;
 * - over_temperature: a GPU above the limit (episode: start, duration above, max);
 * - gpu_imbalance: during training, a GPU's 10-s mean power below imbalance_ratio times the
 *   median of the other GPUs' means while those are at/above the power threshold;
 * - power_drop: during training, every GPU's 10-s mean below the power threshold.
 * Imbalance and power-drop episodes shorter than GV_EPISODE_MIN_S are not reported. */
#ifndef GPUVIZ_SAMPLE_WATCH_H
#define GPUVIZ_SAMPLE_WATCH_H

#include "gpuviz/phases.h"
#include "gpuviz/timeline.h"

#define GV_SAMPLE_GAP_S 1.0
#define GV_GAP_FACTOR 5.0
#define GV_GAP_LEARN 64
#define GV_WATCH_WINDOW_S 10.0
#define GV_IMBALANCE_RATIO 0.75 /* the default of imbalance_ratio */
#define GV_EPISODE_MIN_S 20.0

typedef struct gv_sample_watch gv_sample_watch;

/* gpu_power/gpu_temp: per GPU, series index or -1 (copied). segs borrowed for the watch's life. */
gv_sample_watch *gv_sample_watch_new(gv_timeline *tl, const int *gpu_power, const int *gpu_temp,
                                     double threshold_w, double temp_limit_c, double imbalance_ratio,
                                     const gv_segment *segs, size_t segs_len);
/* One row at t; p is the previous row's time (GV_TIME_NONE for the first row). */
void gv_sample_watch_row(gv_sample_watch *w, gv_time_us p, gv_time_us t, const double *values);
/* n rows in time order (values n x stride): the same as n calls of gv_sample_watch_row, p the
 * time of the row before the first (GV_TIME_NONE for none). */
void gv_sample_watch_rows(gv_sample_watch *w, gv_time_us p, size_t n, const gv_time_us *t,
                          const double *values, size_t stride);
/* Closes open episodes at the last row. */
void gv_sample_watch_finish(gv_sample_watch *w);
void gv_sample_watch_free(gv_sample_watch *w);

#endif
