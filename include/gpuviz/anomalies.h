/* anomalies.h: the anomalies found from the log after the sample pass (the pass itself finds
 * gaps, backwards sample times, over-temperature, imbalance and power drops: sample_watch.h).
 * Owns nothing; results go into the timeline.
 * - bpb_regression: a validation value above the previous one of the same phase and metric;
 * - slow_evaluation: a session (or a task, against the same task in other sessions) longer than
 *   slow_factor times the median and GV_SLOW_MIN_EXCESS_S more, when there are at least 3 to take
 *   a median of; with 2, the
 *   slower one when it is GV_SLOW_PAIR_FACTOR times the other and GV_SLOW_PAIR_MIN_S longer;
 *   with fewer than 3 sessions during training (closed by a line that numbers its step), a task
 *   also against every task of them (GV_SLOW_PAIR_FACTOR times their median and GV_SLOW_PAIR_MIN_S
 *   longer; on real logs the slowest task is at most 10x that median); standalone evaluations
 *   after training are only compared with each other, never across tasks (37x on a clean log);
 * - throughput_drop: tok/s below GV_THROUGHPUT_DROP_RATIO of the running median of the previous
 *   GV_THROUGHPUT_WINDOW step lines (at least 10) for GV_THROUGHPUT_MIN_STEPS or more steps;
 * - time_backwards: a log timestamp more than a second earlier than the one before;
 * - incomplete_checkpoint: a checkpoint without its model, metadata or optimizer-state file. */
#ifndef GPUVIZ_ANOMALIES_H
#define GPUVIZ_ANOMALIES_H

#include "gpuviz/timeline.h"

#define GV_THROUGHPUT_DROP_RATIO 0.5
#define GV_THROUGHPUT_WINDOW 50
#define GV_THROUGHPUT_MIN_STEPS 3
#define GV_SLOW_MIN_EXCESS_S 10.0 /* a slow session or task is also this much longer than its reference */
#define GV_SLOW_PAIR_FACTOR 20.0
#define GV_SLOW_PAIR_MIN_S 30.0

typedef struct {
    double slow_factor; /* > 1 */
} gv_anomaly_opts;

/* Adds the log-derived anomalies to tl (events must be correlated and range-filtered) and sorts
 * all anomalies by time. */
void gv_anomalies_detect(gv_timeline *tl, const gv_anomaly_opts *o);

#endif
