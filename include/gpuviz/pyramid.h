/* pyramid.h: streaming min/max pyramid of every series, for a page that shows detail on zoom.
 * The finest level is a grid of time buckets whose width doubles (neighbours merge) whenever the
 * run outgrows its capacity, so memory is fixed by the capacity, never by the number of rows.
 * Each bucket keeps, per series, the minimum and the maximum and which came first, so that a
 * line drawn through them keeps every spike and dip. Coarser levels are made from it at output
 * time (gv_level_coarsen). Owns: its bucket arrays. */
#ifndef GPUVIZ_PYRAMID_H
#define GPUVIZ_PYRAMID_H

#include "gpuviz/timeparse.h"

#include <math.h>
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
/* One bucket's extremes of one series: mn NAN when empty; max_first when the max came first. */
typedef struct {
    float mn, mx;
    unsigned char max_first;
} gv_pyramid_cell;

/* Adds one finite sample to a cell (what gv_pyramid_add does to the bucket holding t). */
static inline void gv_pyramid_cell_add(gv_pyramid_cell *c, double v)
{
    float f = (float)v;
    if (isnan(c->mn)) { /* empty */
        *c = (gv_pyramid_cell){f, f, 0};
        return;
    }
    if (f < c->mn) {
        c->mn = f;
        c->max_first = 1; /* the max (older) now precedes the new min */
    }
    if (f > c->mx) {
        c->mx = f;
        c->max_first = 0;
    }
}

/* Places n rows at times t[0..n) (t[0] first if the pyramid is empty: it sets the origin): the
 * grid is grown or coarsened once to hold them all, then the rows are split into runs of
 * consecutive rows in one bucket: run r is rows [run_end[r-1], run_end[r]) (from 0) and its
 * cells, series_len of them, are run_cells[r]. Returns the number of runs (<= n). Adding each
 * row's finite values to its cells with gv_pyramid_cell_add, in row order per series, gives the
 * same pyramid as gv_pyramid_add_row row by row. The cells are valid until the next call. */
size_t gv_pyramid_place(gv_pyramid *p, size_t n, const gv_time_us *t, size_t *run_end,
                        gv_pyramid_cell **run_cells);

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

/* Buckets in the finest level (0 when no sample was added): the room gv_pyramid_finest needs. */
size_t gv_pyramid_finest_len(const gv_pyramid *p);
/* The finest level of series s, written into the caller's first/second (room for
 * gv_pyramid_finest_len(p) values each; out does not own them): p is only read, so threads may
 * each take levels of it at once. */
void gv_pyramid_finest(const gv_pyramid *p, size_t s, gv_level *out, float *first, float *second);
/* Merges bucket pairs of in (twice the width) into out, which owns its arrays. */
void gv_level_coarsen(const gv_level *in, gv_level *out);
/* The same into the caller's arrays first/second (room for in->n / 2 + 2 values each; out does
 * not own them). */
void gv_level_coarsen_to(const gv_level *in, gv_level *out, float *first, float *second);
void gv_level_cleanup(gv_level *l);
/* Number of non-empty buckets. */
size_t gv_level_filled(const gv_level *l);

#endif
