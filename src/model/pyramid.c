/* pyramid.c: adaptive-width min/max buckets (the finest level) and pair merging (the coarser
 * ones). Depends on util only. Bucket k covers [origin + k*w, origin + (k+1)*w); k may be
 * negative (times before the first sample). Doubling w maps k to floor(k/2), which keeps every
 * bucket aligned to the origin at every level. */
#include "gpuviz/pyramid.h"

#include "gpuviz/buf.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef gv_pyramid_cell cell;

struct gv_pyramid {
    size_t series_len, cap;
    gv_time_us origin, w;
    int64_t lo;
    size_t n;
    bool started;
    cell *c;           /* cap * series_len, bucket-major */
    gv_time_us bt0, bt1; /* the last bucket found: its time range and cells */
    cell *bc;
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void clear(cell *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        c[i] = (cell){NAN, NAN, 0};
}

gv_pyramid *gv_pyramid_new(size_t series_len, size_t cap, gv_time_us base_width_us)
{
    gv_pyramid *p = gv_xcalloc(1, sizeof *p);
    p->series_len = series_len ? series_len : 1;
    p->cap = cap < 4 ? 4 : cap & ~(size_t)1;
    p->w = base_width_us > 0 ? base_width_us : 10000;
    /* cells past the live buckets are cleared as buckets are added: pages never used are never
     * touched */
    p->c = gv_xalloc_large(p->cap * p->series_len * sizeof *p->c);
    return p;
}

void gv_pyramid_free(gv_pyramid *p)
{
    if (!p)
        return;
    gv_free_large(p->c, p->cap * p->series_len * sizeof *p->c);
    free(p);
}

/* Merges src (later in time) into dst (earlier) or the reverse, keeping the order flag right. */
static cell merge(cell a, cell b) /* a earlier than b */
{
    if (isnan(a.mn))
        return b;
    if (isnan(b.mn))
        return a;
    cell r;
    bool min_from_a = a.mn <= b.mn, max_from_a = a.mx >= b.mx;
    r.mn = min_from_a ? a.mn : b.mn;
    r.mx = max_from_a ? a.mx : b.mx;
    if (min_from_a == max_from_a)
        r.max_first = min_from_a ? a.max_first : b.max_first;
    else
        r.max_first = max_from_a; /* the max came from the earlier bucket */
    return r;
}

/* Doubles the bucket width, merging bucket pairs within the same array (no allocation: fresh
 * pages cost more than the merge). New bucket j takes old buckets i >= j only, so going up in j
 * reads every old bucket before it is overwritten. */
static void coarsen_in_place(gv_pyramid *p)
{
    int64_t new_lo = floor_div(p->lo, 2);
    int64_t new_hi = floor_div(p->lo + (int64_t)p->n - 1, 2);
    size_t new_n = (size_t)(new_hi - new_lo + 1), ns = p->series_len;
    assert(new_n <= p->n && new_n <= p->cap); /* (merging in place reads ahead of its writes) */
    for (size_t j = 0; j < new_n; j++) {
        int64_t k0 = (new_lo + (int64_t)j) * 2; /* the even old bucket, then k0 + 1 */
        for (size_t s = 0; s < ns; s++) {
            cell a = {NAN, NAN, 0}, b = {NAN, NAN, 0};
            if (k0 >= p->lo && k0 < p->lo + (int64_t)p->n)
                a = p->c[(size_t)(k0 - p->lo) * ns + s];
            if (k0 + 1 >= p->lo && k0 + 1 < p->lo + (int64_t)p->n)
                b = p->c[(size_t)(k0 + 1 - p->lo) * ns + s];
            p->c[j * ns + s] = merge(a, b);
        }
    }
    p->lo = new_lo; /* (cells past new_n are cleared when buckets are added again) */
    p->n = new_n;
    p->w *= 2;
}

/* The cells of the bucket holding t (growing or coarsening the grid as needed). */
static cell *bucket_cells(gv_pyramid *p, gv_time_us t)
{
    if (p->bc && t >= p->bt0 && t < p->bt1)
        return p->bc; /* the same bucket as the last row: most rows */
    if (!p->started) {
        p->started = true;
        p->origin = t;
        p->lo = 0;
        p->n = 1;
        clear(p->c, p->series_len);
    }
    int64_t k = floor_div(t - p->origin, p->w);
    while (k < p->lo || k >= p->lo + (int64_t)p->n) {
        int64_t lo = k < p->lo ? k : p->lo;
        int64_t hi = k >= p->lo + (int64_t)p->n ? k : p->lo + (int64_t)p->n - 1;
        if ((uint64_t)(hi - lo) < p->cap) {
            if (k < p->lo) { /* extend to the left: shift live buckets right */
                size_t shift = (size_t)(p->lo - k);
                memmove(&p->c[shift * p->series_len], p->c, p->n * p->series_len * sizeof *p->c);
                clear(p->c, shift * p->series_len);
                p->lo = k;
                p->n += shift;
            } else {
                size_t n = (size_t)(k - p->lo + 1);
                clear(&p->c[p->n * p->series_len], (n - p->n) * p->series_len);
                p->n = n;
            }
            break;
        }
        coarsen_in_place(p);
        k = floor_div(t - p->origin, p->w);
    }
    assert(k >= p->lo && k < p->lo + (int64_t)p->n && p->n <= p->cap); /* t's bucket is live */
    p->bt0 = p->origin + k * p->w;
    p->bt1 = p->bt0 + p->w;
    return p->bc = &p->c[(size_t)(k - p->lo) * p->series_len];
}

void gv_pyramid_add(gv_pyramid *p, size_t s, gv_time_us t, double v)
{
    assert(s < p->series_len);
    gv_pyramid_cell_add(&bucket_cells(p, t)[s], v);
}

void gv_pyramid_add_row(gv_pyramid *p, gv_time_us t, const double *values)
{
    cell *c = bucket_cells(p, t);
    for (size_t s = 0; s < p->series_len; s++)
        if (!isnan(values[s]))
            gv_pyramid_cell_add(&c[s], values[s]);
}

size_t gv_pyramid_place(gv_pyramid *p, size_t n, const gv_time_us *t, size_t *run_end,
                        gv_pyramid_cell **run_cells)
{
    if (n == 0)
        return 0;
    gv_time_us lo = t[0], hi = t[0];
    for (size_t i = 1; i < n; i++) {
        lo = t[i] < lo ? t[i] : lo;
        hi = t[i] > hi ? t[i] : hi;
    }
    /* the grid an add of every row would end with (it depends only on the span of times) */
    bucket_cells(p, t[0]);
    bucket_cells(p, lo);
    bucket_cells(p, hi);
    size_t runs = 0;
    for (size_t i = 0; i < n;) {
        int64_t k = floor_div(t[i] - p->origin, p->w);
        gv_time_us b0 = p->origin + k * p->w, b1 = b0 + p->w;
        size_t j = i + 1;
        while (j < n && t[j] >= b0 && t[j] < b1)
            j++;
        run_end[runs] = j;
        run_cells[runs++] = &p->c[(size_t)(k - p->lo) * p->series_len];
        i = j;
    }
    return runs;
}

size_t gv_pyramid_finest_len(const gv_pyramid *p) { return p->started ? p->n : 0; }

void gv_pyramid_finest(const gv_pyramid *p, size_t s, gv_level *out, float *first, float *second)
{
    *out = (gv_level){.origin = p->origin, .width = p->w, .lo = p->lo, .n = gv_pyramid_finest_len(p),
                      .first = first, .second = second, .owned = false};
    for (size_t i = 0; i < out->n; i++) {
        const cell *c = &p->c[i * p->series_len + s];
        out->first[i] = c->max_first ? c->mx : c->mn;
        out->second[i] = c->max_first ? c->mn : c->mx;
    }
}

void gv_level_coarsen(const gv_level *in, gv_level *out)
{
    size_t n = in->n / 2 + 2;
    gv_level_coarsen_to(in, out, gv_xmalloc(n * sizeof(float)), gv_xmalloc(n * sizeof(float)));
    out->owned = true;
}

void gv_level_coarsen_to(const gv_level *in, gv_level *out, float *first, float *second)
{
    int64_t lo = floor_div(in->lo, 2);
    int64_t hi = in->n ? floor_div(in->lo + (int64_t)in->n - 1, 2) : lo - 1;
    size_t n = (size_t)(hi - lo + 1);
    *out = (gv_level){.origin = in->origin, .width = in->width * 2, .lo = lo, .n = n,
                      .first = first, .second = second, .owned = false};
    for (size_t j = 0; j < n; j++)
        out->first[j] = out->second[j] = NAN;
    for (size_t i = 0; i < in->n; i++) {
        if (isnan(in->first[i]))
            continue;
        int64_t k = in->lo + (int64_t)i;
        size_t j = (size_t)(floor_div(k, 2) - lo);
        float a = in->first[i], b = in->second[i];
        if (isnan(out->first[j])) {
            out->first[j] = a;
            out->second[j] = b;
            continue;
        }
        /* the bucket already holds the earlier half: keep the extremes of all four values in
         * time order */
        float v[4] = {out->first[j], out->second[j], a, b};
        int imin = 0, imax = 0;
        for (int q = 1; q < 4; q++) {
            if (v[q] < v[imin])
                imin = q;
            if (v[q] > v[imax])
                imax = q;
        }
        out->first[j] = v[imin <= imax ? imin : imax];
        out->second[j] = v[imin <= imax ? imax : imin];
    }
}

void gv_level_cleanup(gv_level *l)
{
    if (l->owned) {
        free(l->first);
        free(l->second);
    }
    l->first = l->second = NULL;
    l->n = 0;
}

size_t gv_level_filled(const gv_level *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += !isnan(l->first[i]);
    return n;
}
