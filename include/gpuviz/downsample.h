/* downsample.h: streaming min/max bucketing for display, with memory fixed by the bucket cap.
 * One grid of time buckets is shared by all series of a pass; each bucket keeps, per series, the
 * minimum and maximum value and the times they occurred, so extremes are never lost (unlike
 * every-Nth sampling). When the time span outgrows the grid, the bucket width doubles and
 * neighbouring buckets merge, so the grid always holds between cap/2 and cap buckets once the span
 * is wide enough. Owns: its bucket arrays. */
#ifndef GPUVIZ_DOWNSAMPLE_H
#define GPUVIZ_DOWNSAMPLE_H

#include "gpuviz/timeparse.h"

#include <stddef.h>

typedef struct gv_downsampler gv_downsampler;

/* series_len series; at most bucket_cap (>= 4) buckets. Caller frees with _free. */
gv_downsampler *gv_downsampler_new(size_t series_len, size_t bucket_cap);
void gv_downsampler_free(gv_downsampler *d);

/* Adds one sample of one series at time t (values must be finite). */
void gv_downsampler_add(gv_downsampler *d, size_t series, gv_time_us t, double v);

/* Writes the display points of one series, time-ordered, leaving out points after t_max
 * (GV_TIME_NONE: keep all): per bucket the min and the max at their own times (one point when they
 * coincide). *t and *v are malloc'd (caller frees); returns the point count. */
size_t gv_downsampler_points(const gv_downsampler *d, size_t series, gv_time_us t_max,
                             gv_time_us **t, float **v);

/* Current bucket width in microseconds. */
gv_time_us gv_downsampler_width(const gv_downsampler *d);

#endif
