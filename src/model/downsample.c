/* downsample.c: adaptive-width min/max buckets. Depends on util only.
 * Bucket k covers [origin + k*w, origin + (k+1)*w), k may be negative (times before the first
 * sample); the live range is [lo, lo + n). Doubling w maps k to floor(k/2), which keeps every
 * bucket aligned to the origin. */
#include "gpuviz/downsample.h"

#include "gpuviz/buf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    gv_time_us t_min, t_max;
    float v_min, v_max;
    unsigned n; /* 0 = empty */
} bucket;

struct gv_downsampler {
    size_t series_len, cap;
    gv_time_us origin, w;
    int64_t lo;   /* index of the first live bucket */
    size_t n;     /* live buckets */
    bool started;
    bucket *b;    /* cap * series_len, bucket-major: b[(k - lo) * series_len + s] */
};

gv_downsampler *gv_downsampler_new(size_t series_len, size_t bucket_cap)
{
    gv_downsampler *d = gv_xcalloc(1, sizeof *d);
    d->series_len = series_len ? series_len : 1;
    d->cap = bucket_cap < 4 ? 4 : bucket_cap & ~(size_t)1;
    d->w = 10000; /* 10 ms: the finest useful width for 100 Hz data; grows as needed */
    d->b = gv_xcalloc(d->cap * d->series_len, sizeof *d->b);
    return d;
}

void gv_downsampler_free(gv_downsampler *d)
{
    if (!d)
        return;
    free(d->b);
    free(d);
}

gv_time_us gv_downsampler_width(const gv_downsampler *d) { return d->w; }

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void merge_into(bucket *dst, const bucket *src)
{
    if (!src->n)
        return;
    if (!dst->n) {
        *dst = *src;
        return;
    }
    if (src->v_min < dst->v_min) {
        dst->v_min = src->v_min;
        dst->t_min = src->t_min;
    }
    if (src->v_max > dst->v_max) {
        dst->v_max = src->v_max;
        dst->t_max = src->t_max;
    }
    dst->n += src->n;
}

/* Doubles the width once, merging bucket pairs. */
static void coarsen(gv_downsampler *d)
{
    int64_t new_lo = floor_div(d->lo, 2);
    int64_t new_hi = floor_div(d->lo + (int64_t)d->n - 1, 2);
    size_t new_n = (size_t)(new_hi - new_lo + 1);
    bucket *nb = gv_xcalloc(d->cap * d->series_len, sizeof *nb);
    for (size_t i = 0; i < d->n; i++) {
        int64_t k = d->lo + (int64_t)i;
        size_t j = (size_t)(floor_div(k, 2) - new_lo);
        for (size_t s = 0; s < d->series_len; s++)
            merge_into(&nb[j * d->series_len + s], &d->b[i * d->series_len + s]);
    }
    free(d->b);
    d->b = nb;
    d->lo = new_lo;
    d->n = new_n;
    d->w *= 2;
}

void gv_downsampler_add(gv_downsampler *d, size_t s, gv_time_us t, double v)
{
    if (!d->started) {
        d->started = true;
        d->origin = t;
        d->lo = 0;
        d->n = 1;
    }
    int64_t k = floor_div(t - d->origin, d->w);
    while (k < d->lo || k >= d->lo + (int64_t)d->n) {
        int64_t lo = k < d->lo ? k : d->lo;
        int64_t hi = k >= d->lo + (int64_t)d->n ? k : d->lo + (int64_t)d->n - 1;
        if ((uint64_t)(hi - lo) < d->cap) {
            if (k < d->lo) { /* extend to the left: shift live buckets right */
                size_t shift = (size_t)(d->lo - k);
                memmove(&d->b[shift * d->series_len], d->b, d->n * d->series_len * sizeof *d->b);
                memset(d->b, 0, shift * d->series_len * sizeof *d->b);
                d->lo = k;
                d->n += shift;
            } else {
                d->n = (size_t)(k - d->lo + 1);
            }
            break;
        }
        coarsen(d);
        k = floor_div(t - d->origin, d->w);
    }
    bucket *b = &d->b[(size_t)(k - d->lo) * d->series_len + s];
    float f = (float)v;
    if (!b->n) {
        *b = (bucket){.t_min = t, .t_max = t, .v_min = f, .v_max = f, .n = 1};
        return;
    }
    if (f < b->v_min) {
        b->v_min = f;
        b->t_min = t;
    }
    if (f > b->v_max) {
        b->v_max = f;
        b->t_max = t;
    }
    b->n++;
}

size_t gv_downsampler_points(const gv_downsampler *d, size_t s, gv_time_us t_max, gv_time_us **t,
                             float **v)
{
    *t = gv_xmalloc((2 * d->n + 1) * sizeof **t);
    *v = gv_xmalloc((2 * d->n + 1) * sizeof **v);
    size_t o = 0;
    for (size_t i = 0; i < d->n; i++) {
        const bucket *b = &d->b[i * d->series_len + s];
        if (!b->n)
            continue;
        gv_time_us ta = b->t_min, tb = b->t_max;
        float va = b->v_min, vb = b->v_max;
        if (ta > tb) {
            gv_time_us tt = ta;
            ta = tb;
            tb = tt;
            float vv = va;
            va = vb;
            vb = vv;
        }
        if (t_max == GV_TIME_NONE || ta <= t_max) {
            (*t)[o] = ta;
            (*v)[o++] = va;
        }
        if ((tb != ta || vb != va) && (t_max == GV_TIME_NONE || tb <= t_max)) {
            (*t)[o] = tb;
            (*v)[o++] = vb;
        }
    }
    return o;
}
