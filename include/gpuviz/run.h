/* run.h: one run of the pipeline as a library: options in, results out, the stages explicit and
 * in order:
 *   gv_run_new      the options (copied; the strings they point to are borrowed)
 *   gv_run_read     1. the log rules (a file, a built-in set, or the set that reads the log
 *                      best); 2. the log, read whole (events, steps, its clock placed and
 *                      anchored) on the calling thread while the GPU file's parser threads start;
 *                   3. one pass over the GPU samples, which feeds every consumer (correlate.h)
 *   gv_run_analyse  4. the pass's results and the anomalies
 *   gv_run_timeline the results, read as const by the emitters (page, exports, summary)
 * Several runs may live side by side (compare). Owns: its timeline, rules and correlator; frees
 * them in gv_run_free. Messages cite an option as {opt:NAME} (status.h), never a flag. */
#ifndef GPUVIZ_RUN_H
#define GPUVIZ_RUN_H

#include "gpuviz/activity.h"
#include "gpuviz/anomalies.h"
#include "gpuviz/correlate.h"
#include "gpuviz/gpu_file.h"
#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stdbool.h>
#include <stddef.h>

/* Where --align-log auto put the log: the GPU file's periods of activity, and the one its
 * training start went to: the first that lasts at least GV_ALIGN_FIT of the log's training (its
 * training start to its last step), else the first. */
#define GV_ALIGN_FIT 0.8
typedef struct {
    gv_activity_period periods[GV_ACTIVITY_PERIODS];
    size_t len;            /* sustained periods in all (the first GV_ACTIVITY_PERIODS kept) */
    size_t chosen;
    double train_s;        /* the log's training, start to last step */
} gv_align_result;

typedef struct {
    /* inputs: one GPU file (gpu_path), or several (gpu_files, gpu_files_len > 0; gpu_path the first) */
    const char *gpu_path;
    const gv_gpu_input *gpu_files;
    size_t gpu_files_len;
    const char *log_path;      /* NULL: no log */
    const char *rules_path;    /* a rules file, or NULL */
    long rules_builtin;        /* a built-in set; -1: the one that reads the log's start best */
    gv_read_opts read;         /* how the GPU files are read (its prepare is the run's own) */
    /* the log's clock */
    gv_time_us log_start;      /* GV_TIME_NONE: not given */
    bool align_auto;           /* anchor a log without times of day at the GPUs' activity */
    double log_offset_s;       /* added to every log time */
    double power_threshold_w;  /* (align_auto: what counts as activity) */
    /* events kept: only_types (comma-separated names; NULL: all) less the built-in types off */
    const char *only_types;
    bool no_builtin[GV_EV_BUILTIN_COUNT];
    /* the analysed range: absolute ends (GV_TIME_NONE: open; relative ends are in correlate),
     * or the time of training steps step_range[0..1] */
    bool range_set;
    gv_time_us range_abs[2];
    bool step_range_set;
    long step_range[2];
    gv_correlate_opts correlate;
    gv_anomaly_opts anomalies;
    /* hooks (may be NULL): the log's progress, the next file read, a step of the run done */
    void (*progress)(void *ctx, unsigned long long done, unsigned long long total);
    void (*next_file)(void *ctx, const char *path);
    void *progress_ctx;
    void (*timing)(void *ctx, const char *step);
    void *timing_ctx;
} gv_run_opts;

typedef struct gv_run gv_run;

/* A run with the options o. Caller frees with gv_run_free. */
gv_run *gv_run_new(const gv_run_opts *o);
void gv_run_free(gv_run *r);

/* Stages 1-3: rules, log, the pass over the samples. Warnings go to diag. */
gv_status gv_run_read(gv_run *r, const gv_diag *diag, gv_error *err);
/* Stage 4: the pass's results (idle cutoff, windows, phases) and the anomalies. */
gv_status gv_run_analyse(gv_run *r, const gv_diag *diag, gv_error *err);

const gv_timeline *gv_run_timeline(const gv_run *r);
long gv_run_log_lines(const gv_run *r);              /* lines of the log (0: none read) */
const gv_align_result *gv_run_align(const gv_run *r); /* len 0 without align_auto */
long gv_run_rules_builtin(const gv_run *r);          /* the built-in set used, -1: none */
bool gv_run_rules_guessed(const gv_run *r);          /* chosen by the log's content */

#endif
