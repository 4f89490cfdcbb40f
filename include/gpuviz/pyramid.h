/* pyramid.h: streaming min/max pyramid of every series, for a page that shows detail on zoom.
 * The finest level is a grid of time buckets whose width doubles (neighbours merge) whenever the
 * run outgrows its capacity, so memory is fixed by the capacity, never by the number of rows.
 * Each bucket keeps, per series, the minimum and the maximum and which came first, so that a
 * line drawn through them keeps every spike and dip. Coarser levels are made from it at output
 * time (gv_level_coarsen). Owns: its bucket arrays. */
#ifndef GPUVIZ_PYRAMID_H
#define GPUVIZ_PYRAMID_H

#include "gpuviz/timeparse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gv_pyramid gv_pyramid;

/* series_len series, at most cap (>= 4, rounded down to even) buckets at the finest level,
 * starting at base_width_us per bucket. Caller frees with _free. */
gv_pyramid *gv_pyramid_new(size_t series_len, size_t cap, gv_time_us base_width_us);
void gv_pyramid_free(gv_pyramid *p);

/* Adds one finite sample of one series. */
void gv_pyramid_add(gv_pyramid *p, size_t series, gv_time_us t, double v);
/* Adds one row: values[s] for every series (NAN = no sample), finding the bucket once. */
void gv_pyramid_add_row(gv_pyramid *p, gv_time_us t, const double *values);
/* Adds n rows (values n x stride, row-major): the same as n calls of gv_pyramid_add_row, with the
 * rows that share a bucket added a series at a time. */
void gv_pyramid_add_rows(gv_pyramid *p, size_t n, const gv_time_us *t, const double *values,
                         size_t stride);

/* One level of one series: bucket k (lo <= k < lo + n) covers
 * [origin + k * width, origin + (k + 1) * width). first/second are the bucket's extremes in time
 * order (equal when it holds one sample); empty buckets have first = NAN. */
typedef struct {
    gv_time_us origin, width;
    int64_t lo;
    size_t n;
    float *first, *second;
    bool owned; /* arrays malloc'd by gv_level_coarsen (free with gv_level_cleanup) */
} gv_level;

/* The finest level of series s, as a view into p (valid until the next add or free).
 * n is 0 when no sample was added. */
void gv_pyramid_finest(const gv_pyramid *p, size_t s, gv_level *out);
/* Merges bucket pairs of in (twice the width) into out, which owns its arrays. */
void gv_level_coarsen(const gv_level *in, gv_level *out);
void gv_level_cleanup(gv_level *l);
/* Number of non-empty buckets. */
size_t gv_level_filled(const gv_level *l);

#endif
