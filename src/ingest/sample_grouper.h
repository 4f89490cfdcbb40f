/* sample_grouper.h: turns "one row per GPU" inputs (nvidia-smi's long layout, dcgmi dmon) into
 * one sample per query (private to src/ingest; the readers share it, they never include each
 * other). A query ends where the GPU id stops increasing; the GPUs are those of the first query,
 * and the series are created when it is complete: "gpuN <metric>" for every GPU and metric.
 * Owns: the first query's rows, the current sample and the metric names. */
#ifndef GPUVIZ_SAMPLE_GROUPER_H
#define GPUVIZ_SAMPLE_GROUPER_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#define GV_GROUPER_MAX_GPU 1024 /* ids at or above are the caller's to reject */

typedef struct gv_sample_grouper gv_sample_grouper;

/* The time of sample k whose first row had time t (nvidia-smi: t; dcgmi: start + k x interval). */
typedef gv_time_us (*gv_sample_time_fn)(void *ctx, long k, gv_time_us t);
/* The series kind of a metric name (others are generic series with the metric's unit). */
typedef gv_series_kind (*gv_metric_kind_fn)(const char *name);

/* names/units: metrics_len strings each, copied. time_of NULL: a sample takes its first row's
 * time. Caller frees with _free. */
gv_sample_grouper *gv_grouper_new(gv_timeline *tl, const char *file, gv_sample_sink sink,
                                  const gv_diag *diag, size_t metrics_len, char *const *names,
                                  char *const *units, gv_metric_kind_fn kind_of,
                                  gv_sample_time_fn time_of, void *time_ctx);
/* One GPU's row: id in [0, GV_GROUPER_MAX_GPU), its time, line (for warnings), metrics_len values
 * (NAN = missing). Returns the sink's begin status (non-GV_OK stops the read). */
gv_status gv_grouper_row(gv_sample_grouper *g, long id, gv_time_us t, long line, const double *m,
                         gv_error *err);
/* Rows in any order within GV_REORDER_ROWS of their place in time (a DCGM API dump: each GPU's
 * batch of rows, then the next GPU's; a long table whose fields come in batches): from now on the
 * rows pass through a bounded buffer that hands them on in time order, the GPUs are all those seen
 * in it when the first row leaves it, and a sample gathers rows until one would set a value the
 * sample already has (that GPU's metric again): GPUs sampled at their own times make one sample per
 * round, a long table's fields of one GPU one sample. A row older than one already handed on is
 * skipped and counted (with a warning for the first). Call before the first row. */
#define GV_REORDER_ROWS 65536
void gv_grouper_unsorted(gv_sample_grouper *g);
/* Ends the input: the first query alone, or the last sample, is delivered. */
gv_status gv_grouper_finish(gv_sample_grouper *g, gv_error *err);
void gv_grouper_free(gv_sample_grouper *g);

#endif
