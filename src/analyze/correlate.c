/* correlate.c: statistics, energy, idle cutoff, downsampling and event windows in one pass.
 * Depends on model and util (and the sink type of the CSV reader); never on parsers' internals
 * or the emitters. */
#include "gpuviz/correlate.h"

#include "gpuviz/buf.h"
#include "gpuviz/phases.h"
#include "sample_watch.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    gv_time_us t;
    double v;
    bool valid;
} last_sample;

typedef struct {        /* one event x one GPU */
    double sum, max, energy_j;
    size_t n;
    gv_time_us best_dt; /* distance to the nearest row so far (-1 = none) */
    double power_w, temp_c;
} ev_gpu_acc;

struct gv_correlator {
    gv_timeline *tl;
    gv_correlate_opts o;
    gv_time_us range[2];    /* the analysed range (gv_correlator_set_range), GV_TIME_NONE: open */
    last_sample *last;      /* per series */
    int *gpu_power, *gpu_temp; /* per GPU: series indices (-1 none) */
    size_t gpus_len;

    size_t ev_len, ev_cur;  /* events; cursor: first event not before the previous row */
    gv_time_us ev_cur_t;    /* its time (INT64_MAX past the last): one compare per row */
    ev_gpu_acc *acc;        /* ev_len * gpus_len */
    size_t *win_order;      /* windowed events sorted by start */
    size_t win_len, win_next;
    gv_time_us win_next_start; /* the next window's start (INT64_MAX when none is left) */
    size_t *active;
    size_t active_len;

    gv_segment *segs;       /* activity segments, sorted */
    size_t segs_len, seg_cur;
    gv_sample_watch *watch;

    last_sample *glast;     /* per GPU: the last sample of its energy series */
    bool pyr_rowwise;       /* time went back: the pyramid takes rows one by one from now on
                               (gv_pyramid_place is exact for rows in time order) */
    gv_time_us pyr_last;    /* the latest time given to the pyramid */
    size_t *run_end;        /* a block's runs of rows in one pyramid bucket (gv_pyramid_place) */
    gv_pyramid_cell **run_cells;
    size_t runs_cap;
    struct {                /* the last region split() found: a segment, or the gap before one */
        gv_time_us lo, hi;
        int phase, train;   /* phase -1: a gap (time goes to the `uncovered` phase) */
    } reg;

    bool started;           /* the first row was seen: range resolved, phases planned */
    bool have_prev;
    bool prev_active;       /* some GPU was at/above the threshold at the previous row */
    gv_time_us prev_t;
    const double *prev;     /* the previous row: prev_values, or a row of the block in hand */
    double *prev_values;    /* a copy of the previous row, per series */
    double *fresh_values;   /* merged files: the row with held values as NAN, for the pyramid */
    gv_time_us threshold_last_active;
    gv_time_us gap_us;      /* longer intervals are gaps: not integrated (learn_interval) */
    double idle_tail_s;     /* idle seconds since the last active sample */
    gv_time_us learn[GV_GAP_LEARN]; /* the first intervals, sorted */
    size_t learn_len;
};

gv_correlator *gv_correlator_new(gv_timeline *tl, const gv_correlate_opts *opts)
{
    gv_correlator *c = gv_xcalloc(1, sizeof *c);
    c->tl = tl;
    c->o = *opts;
    c->range[0] = c->range[1] = GV_TIME_NONE;
    c->threshold_last_active = GV_TIME_NONE;
    c->gap_us = (gv_time_us)(GV_MAX_GAP_S * 1e6);
    c->reg.lo = INT64_MAX; /* empty: the first split() looks the region up */
    c->reg.hi = INT64_MIN;
    c->pyr_last = INT64_MIN;
    return c;
}

void gv_correlator_set_range(gv_correlator *c, gv_time_us start, gv_time_us end)
{
    assert(!c->started);
    c->range[0] = start;
    c->range[1] = end;
}

static gv_status on_begin(void *ctx, gv_error *err)
{
    (void)err;
    gv_correlator *c = ctx;
    gv_timeline *tl = c->tl;
    /* finest buckets per series: a page holds ~2 levels' worth of 2 x uint16 (base64) per bucket;
     * keep at least that much (the next power of two, between 1024 and 2^24): with less, the page
     * would leave budget unused that a level twice as fine would fill (the page takes the finest
     * levels that fit) */
    size_t cap = 1024, want = c->o.display_bytes / (11 * (tl->series_len ? tl->series_len : 1));
    while (cap < want && cap < ((size_t)1 << 24))
        cap *= 2;
    gv_pyramid_free(tl->pass.pyramid);
    tl->pass.pyramid = gv_pyramid_new(tl->series_len, cap, 10000);
    c->last = gv_xcalloc(tl->series_len ? tl->series_len : 1, sizeof *c->last);
    c->prev_values = gv_xcalloc(tl->series_len ? tl->series_len : 1, sizeof *c->prev_values);
    c->fresh_values = gv_xcalloc(tl->series_len ? tl->series_len : 1, sizeof *c->fresh_values);
    c->gpus_len = tl->gpus_len;
    c->gpu_power = gv_xmalloc((c->gpus_len + 1) * sizeof *c->gpu_power);
    c->gpu_temp = gv_xmalloc((c->gpus_len + 1) * sizeof *c->gpu_temp);
    c->glast = gv_xcalloc(c->gpus_len + 1, sizeof *c->glast);
    for (size_t g = 0; g < c->gpus_len; g++) {
        c->gpu_power[g] = gv_gpu_energy_series(&tl->gpus[g]);
        c->gpu_temp[g] = tl->gpus[g].temp;
    }
    c->ev_len = tl->events_len;
    c->acc = gv_xcalloc(c->ev_len * c->gpus_len + 1, sizeof *c->acc);
    for (size_t i = 0; i < c->ev_len * c->gpus_len; i++) {
        c->acc[i].best_dt = -1;
        c->acc[i].max = -INFINITY;
        c->acc[i].power_w = c->acc[i].temp_c = NAN;
    }
    free(tl->pass.phase_energy_wh);
    tl->pass.phase_energy_wh = gv_xcalloc(GV_PHASE_COUNT * (c->gpus_len + 1), sizeof *tl->pass.phase_energy_wh);
    c->win_order = gv_xmalloc((c->ev_len + 1) * sizeof *c->win_order);
    c->active = gv_xmalloc((c->ev_len + 1) * sizeof *c->active);
    /* events are sorted by t; windows are needed in start order */
    for (size_t i = 0; i < c->ev_len; i++)
        if (tl->events[i].end > tl->events[i].start)
            c->win_order[c->win_len++] = i;
    for (size_t i = 1; i < c->win_len; i++) { /* insertion sort: nearly sorted already */
        size_t x = c->win_order[i], j = i;
        while (j > 0 && tl->events[c->win_order[j - 1]].start > tl->events[x].start) {
            c->win_order[j] = c->win_order[j - 1];
            j--;
        }
        c->win_order[j] = x;
    }
    c->ev_cur_t = c->ev_len ? tl->events[0].t : INT64_MAX;
    c->win_next_start = c->win_len ? tl->events[c->win_order[0]].start : INT64_MAX;
    return GV_OK;
}

/* First event index with t >= x (events sorted by t). */
static size_t lower_bound(const gv_timeline *tl, size_t n, gv_time_us x)
{
    if (n == 0 || tl->events[n - 1].t < x)
        return n;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->events[mid].t < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void nearest_update(gv_correlator *c, gv_time_us lo, gv_time_us hi, gv_time_us t,
                           const double *values)
{
    gv_timeline *tl = c->tl;
    for (size_t i = lower_bound(tl, c->ev_len, lo); i < c->ev_len && tl->events[i].t <= hi; i++) {
        gv_time_us d = llabs(tl->events[i].t - t);
        for (size_t g = 0; g < c->gpus_len; g++) {
            ev_gpu_acc *a = &c->acc[i * c->gpus_len + g];
            if (a->best_dt >= 0 && d >= a->best_dt)
                continue;
            a->best_dt = d;
            a->power_w = c->gpu_power[g] >= 0 ? values[c->gpu_power[g]] : NAN;
            a->temp_c = c->gpu_temp[g] >= 0 ? values[c->gpu_temp[g]] : NAN;
        }
    }
}

/* Area under the line through (t0,v0),(t1,v1) between a and b (t0 <= a <= b <= t1), joules. */
static double clipped_area(gv_time_us t0, double v0, gv_time_us t1, double v1, gv_time_us a,
                           gv_time_us b)
{
    double span = (double)(t1 - t0);
    double va = v0 + (v1 - v0) * (double)(a - t0) / span;
    double vb = v0 + (v1 - v0) * (double)(b - t0) / span;
    return (va + vb) / 2 * (double)(b - a) / 1e6;
}

/* Adds the energy of one GPU's interval [t0, t1] to every active window it overlaps. */
static void window_energy(gv_correlator *c, size_t g, gv_time_us t0, double v0, gv_time_us t1,
                          double v1)
{
    const gv_timeline *tl = c->tl;
    for (size_t k = 0; k < c->active_len; k++) {
        size_t e = c->active[k];
        const gv_event *ev = &tl->events[e];
        gv_time_us a = ev->start > t0 ? ev->start : t0;
        gv_time_us b = ev->end < t1 ? ev->end : t1;
        if (b > a)
            c->acc[e * c->gpus_len + g].energy_j += clipped_area(t0, v0, t1, v1, a, b);
    }
}

static inline bool integrable(const gv_correlator *c, gv_time_us t0, gv_time_us t1)
{
    return t1 > t0 && t1 - t0 <= c->gap_us;
}

/* The longest interval integrated: GV_MAX_GAP_S, or GV_GAP_FACTOR times the file's typical
 * interval (the median of its first GV_GAP_LEARN intervals; of those so far until then) when that
 * is longer: a sampler writing every 11 s has no gaps between its samples. */
static void learn_interval(gv_correlator *c, gv_time_us dt)
{
    assert(dt > 0 && c->learn_len < GV_GAP_LEARN);
    size_t k = c->learn_len++;
    while (k > 0 && c->learn[k - 1] > dt) { /* kept sorted */
        c->learn[k] = c->learn[k - 1];
        k--;
    }
    c->learn[k] = dt;
    gv_time_us median = c->learn[c->learn_len / 2];
    gv_time_us floor = (gv_time_us)(GV_MAX_GAP_S * 1e6);
    c->gap_us = (double)median * GV_GAP_FACTOR < (double)floor ? floor : (gv_time_us)((double)median * GV_GAP_FACTOR);
}

/* First segment that ends after t, starting from a cursor (time mostly moves forward). */
static size_t seg_first(gv_correlator *c, gv_time_us t)
{
    size_t k = c->seg_cur;
    if (!(k <= c->segs_len && (k == 0 || c->segs[k - 1].end <= t) &&
          (k == c->segs_len || c->segs[k].end > t))) {
        if (k < c->segs_len && c->segs[k].end <= t && (k + 1 == c->segs_len || c->segs[k + 1].end > t))
            k++;
        else
            k = gv_segment_find(c->segs, c->segs_len, t);
    }
    return c->seg_cur = k;
}

/* Adds x, the seconds (g < 0) or GPU g's watt-hours of a piece that lies inside one segment or
 * gap, to phase ph and training phase train (-1 none). */
static inline void add_piece(gv_correlator *c, gv_phase ph, int train, int g, double x)
{
    gv_timeline *tl = c->tl;
    if (g < 0) {
        tl->pass.phase_seconds[ph] += x;
        if (ph == GV_PHASE_IDLE)
            c->idle_tail_s += x; /* (since the last active sample: after the run, if none follows) */
        if (train >= 0)
            tl->pass.train_phases[train].seconds += x;
    } else {
        tl->pass.phase_energy_wh[ph * c->gpus_len + (size_t)g] += x;
        if (train >= 0)
            tl->pass.train_phases[train].energy_wh += x;
    }
}

/* The whole of [a, b) in the cached region: the seconds, or the interval's trapezoid. */
static inline void add_whole(gv_correlator *c, gv_phase uncovered, int g, gv_time_us a, gv_time_us b,
                      gv_time_us t0, double v0, gv_time_us t1, double v1)
{
    gv_phase ph = c->reg.phase >= 0 ? (gv_phase)c->reg.phase : uncovered;
    add_piece(c, ph, c->reg.train, g,
              g < 0 ? (double)(b - a) * 1e-6 : (v0 + v1) * (double)(t1 - t0) * (0.5 / 3.6e9));
}

/* split() when [a, b) is not inside the cached region. */
__attribute__((noinline)) static void split_slow(gv_correlator *c, gv_time_us a, gv_time_us b,
                                                 gv_phase uncovered, int g, gv_time_us t0, double v0,
                                                 gv_time_us t1, double v1)
{
    size_t k = seg_first(c, a);
    if (k < c->segs_len && c->segs[k].start <= a) { /* remember a's region for the next calls */
        c->reg.lo = c->segs[k].start;
        c->reg.hi = c->segs[k].end;
        c->reg.phase = (int)c->segs[k].phase;
        c->reg.train = c->segs[k].train;
    } else {
        c->reg.lo = k > 0 ? c->segs[k - 1].end : INT64_MIN;
        c->reg.hi = k < c->segs_len ? c->segs[k].start : INT64_MAX;
        c->reg.phase = -1;
        c->reg.train = -1;
    }
    if (a >= c->reg.lo && b <= c->reg.hi && (g < 0 || (a == t0 && b == t1))) {
        add_whole(c, uncovered, g, a, b, t0, v0, t1, v1);
        return;
    }
    for (gv_time_us x = a; x < b;) {
        gv_phase ph = uncovered;
        int train = -1;
        gv_time_us y;
        if (k < c->segs_len && c->segs[k].start <= x) {
            ph = c->segs[k].phase;
            train = c->segs[k].train;
            y = c->segs[k].end < b ? c->segs[k].end : b;
            if (y == c->segs[k].end)
                k++;
        } else {
            y = k < c->segs_len && c->segs[k].start < b ? c->segs[k].start : b;
        }
        add_piece(c, ph, train, g, g < 0 ? (double)(y - x) / 1e6 : clipped_area(t0, v0, t1, v1, x, y) / 3600);
        x = y;
    }
}

/* Splits [a, b) at the segments: time (gpu < 0) or GPU g's energy on the line (t0,v0)-(t1,v1)
 * goes to each piece's phase; uncovered pieces go to `uncovered`. a < b. */
static inline void split(gv_correlator *c, gv_time_us a, gv_time_us b, gv_phase uncovered, int g,
                         gv_time_us t0, double v0, gv_time_us t1, double v1)
{
    /* the usual case: [a, b) inside the region of the previous call (a segment or a gap) */
    if (a >= c->reg.lo && b <= c->reg.hi && (g < 0 || (a == t0 && b == t1)))
        add_whole(c, uncovered, g, a, b, t0, v0, t1, v1);
    else
        split_slow(c, a, b, uncovered, g, t0, v0, t1, v1);
}

static bool row_active(const gv_correlator *c, const double *values)
{
    for (size_t g = 0; g < c->gpus_len; g++)
        if (c->gpu_power[g] >= 0 && values[c->gpu_power[g]] >= c->o.power_threshold_w)
            return true;
    return false;
}

/* At the first row: a range given in hours becomes absolute, then the phases are planned. */
static void start(gv_correlator *c, gv_time_us t0)
{
    gv_timeline *tl = c->tl;
    c->started = true;
    tl->pass.range_start = c->range[0];
    tl->pass.range_end = c->range[1];
    for (int i = 0; i < 2 && c->o.relative_range; i++)
        if (!isnan(c->o.range_hours[i]))
            *(i ? &tl->pass.range_end : &tl->pass.range_start) = t0 + (gv_time_us)llround(c->o.range_hours[i] * 3.6e9);
    c->segs_len = gv_phases_plan(tl, &c->segs);
    c->watch = gv_sample_watch_new(tl, c->gpu_power, c->gpu_temp, c->o.power_threshold_w,
                                   c->o.temp_limit_c, c->o.imbalance_ratio, c->segs, c->segs_len);
}

static bool out_of_range(const gv_timeline *tl, gv_time_us t)
{
    return (tl->pass.range_start != GV_TIME_NONE && t < tl->pass.range_start) ||
           (tl->pass.range_end != GV_TIME_NONE && t > tl->pass.range_end);
}

/* The part of a row's work that depends on the rows before it in time order: phases, nearest
 * samples, event windows and the idle cutoff (the anomaly watch is the caller's). c->prev is the
 * previous row; the caller points it at this row afterwards. */
static inline __attribute__((always_inline)) void
ordered_row(gv_correlator *c, gv_time_us t, const double *values, const unsigned char *fresh)
{
    gv_timeline *tl = c->tl;

    /* phases: the row interval's time; idle when no GPU was active at either end */
    bool active_now = row_active(c, values);
    gv_phase uncovered = GV_PHASE_OTHER;
    if (c->have_prev && t > c->prev_t) {
        if (c->learn_len < GV_GAP_LEARN)
            learn_interval(c, t - c->prev_t);
        bool gap = !integrable(c, c->prev_t, t);
        if (!gap && !active_now && !c->prev_active)
            uncovered = GV_PHASE_IDLE;
        split(c, c->prev_t, t, uncovered, -1, 0, 0, 0, 0);
    }

    /* nearest sample: an event between the previous row and this one is nearest to one of the
     * two (the previous wins a tie); events before the first row take the first row */
    if (c->have_prev && t >= c->prev_t) { /* the usual case: a cursor, no search */
        gv_time_us p = c->prev_t;
        if (c->ev_cur_t < p) {
            while (c->ev_cur < c->ev_len && tl->events[c->ev_cur].t < p)
                c->ev_cur++;
            c->ev_cur_t = c->ev_cur < c->ev_len ? tl->events[c->ev_cur].t : INT64_MAX;
        }
        if (c->ev_cur_t <= t) {
            nearest_update(c, p, t, p, c->prev);
            nearest_update(c, p, t, t, values);
        }
    } else if (c->have_prev) {
        gv_time_us p = c->prev_t;
        tl->ingest.time_backwards++;
        nearest_update(c, t, p, p, c->prev);
        nearest_update(c, t, p, t, values);
        c->ev_cur = 0; /* time went back: the cursor starts over */
        c->ev_cur_t = c->ev_len ? tl->events[0].t : INT64_MAX;
    } else {
        nearest_update(c, INT64_MIN, t, t, values);
    }
    if (!c->have_prev || t < tl->pass.t_first)
        tl->pass.t_first = t;
    if (!c->have_prev || t > tl->pass.t_last)
        tl->pass.t_last = t;
    c->have_prev = true;
    c->prev_t = t;
    c->prev_active = active_now;

    /* windows that have started join the active set */
    if (t >= c->win_next_start) {
        while (c->win_next < c->win_len && tl->events[c->win_order[c->win_next]].start <= t)
            c->active[c->active_len++] = c->win_order[c->win_next++];
        c->win_next_start = c->win_next < c->win_len ? tl->events[c->win_order[c->win_next]].start : INT64_MAX;
    }

    /* per GPU: window samples, window energy and phase energy on the energy series */
    for (size_t g = 0; g < c->gpus_len; g++) {
        int ps = c->gpu_power[g];
        if (ps < 0 || isnan(values[ps]) || (fresh && !fresh[ps]))
            continue; /* (a held value of another file is not a new sample) */
        double v = values[ps];
        last_sample *l = &c->glast[g];
        if (l->valid && integrable(c, l->t, t)) {
            if (c->active_len)
                window_energy(c, g, l->t, l->v, t, v);
            split(c, l->t, t, uncovered, (int)g, l->t, l->v, t, v);
        }
        *l = (last_sample){t, v, true};
        for (size_t k = 0; k < c->active_len; k++) {
            const gv_event *ev = &tl->events[c->active[k]];
            if (t < ev->start || t > ev->end)
                continue;
            ev_gpu_acc *a = &c->acc[c->active[k] * c->gpus_len + g];
            a->n++;
            a->sum += v;
            if (v > a->max)
                a->max = v;
        }
    }
    if (active_now)
        c->idle_tail_s = 0;
    if (active_now && (c->threshold_last_active == GV_TIME_NONE || t > c->threshold_last_active))
        c->threshold_last_active = t;

    /* windows that ended before this row are done once no GPU's next sample can still reach
     * back into them (longer intervals are not integrated); with merged files the row that
     * passes a window's end may belong to another file than the GPU still inside it */
    for (size_t k = 0; k < c->active_len;) {
        if (tl->events[c->active[k]].end < t - (gv_time_us)(GV_MAX_GAP_S * 1e6))
            c->active[k] = c->active[--c->active_len];
        else
            k++;
    }
}

/* One finite sample v at t of a series: its statistics, and its energy when it is power. */
static inline void series_add(gv_series_stats *st, last_sample *l, bool power, gv_time_us gap_us,
                              gv_time_us t, double v)
{
    st->n++;
    st->sum += v;
    if (v < st->min)
        st->min = v;
    if (v > st->max)
        st->max = v;
    if (power && l->valid && t > l->t && t - l->t <= gap_us)
        st->energy_wh += (l->v + v) * (double)(t - l->t) * (0.5 / 3.6e9);
    *l = (last_sample){t, v, true};
}

/* Statistics and energy of series s over rows [0, n) of a block (values row-major, `stride`
 * per row; fresh NULL or per row likewise). One series at a time, in row order: the same sums
 * as row by row. */
static void series_rows(gv_correlator *c, size_t s, size_t n, const gv_time_us *t,
                        const double *values, const unsigned char *fresh, size_t stride)
{
    gv_series *se = &c->tl->series[s];
    gv_series_stats st = se->stats;
    last_sample l = c->last[s];
    bool power = se->kind != GV_SERIES_TEMP && se->kind != GV_SERIES_OTHER;
    for (size_t i = 0; i < n; i++) {
        if (fresh && !fresh[i * stride + s])
            continue;
        double v = values[i * stride + s];
        if (isnan(v)) {
            st.missing++;
            continue;
        }
        series_add(&st, &l, power, c->gap_us, t[i], v);
    }
    se->stats = st;
    c->last[s] = l;
}

/* series_rows and the display pyramid over a block of rows in `runs` runs of one bucket each
 * (gv_pyramid_place), in one pass over series s. */
static void series_block(gv_correlator *c, size_t s, size_t runs, const gv_time_us *t,
                         const double *values, size_t stride)
{
    gv_series *se = &c->tl->series[s];
    gv_series_stats st = se->stats;
    last_sample l = c->last[s];
    bool power = se->kind != GV_SERIES_TEMP && se->kind != GV_SERIES_OTHER;
    size_t i = 0;
    for (size_t r = 0; r < runs; r++) {
        gv_pyramid_cell cell = c->run_cells[r][s];
        for (size_t end = c->run_end[r]; i < end; i++) {
            double v = values[i * stride + s];
            if (isnan(v)) {
                st.missing++;
                continue;
            }
            gv_pyramid_cell_add(&cell, v);
            series_add(&st, &l, power, c->gap_us, t[i], v);
        }
        c->run_cells[r][s] = cell;
    }
    se->stats = st;
    c->last[s] = l;
}

static void on_row(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh)
{
    gv_correlator *c = ctx;
    gv_timeline *tl = c->tl;
    if (!c->started)
        start(c, t);
    if (out_of_range(tl, t)) {
        tl->pass.rows_outside_range++;
        return;
    }
    gv_sample_watch_row(c->watch, c->have_prev ? c->prev_t : GV_TIME_NONE, t, values);
    ordered_row(c, t, values, fresh);
    memcpy(c->prev_values, values, tl->series_len * sizeof *values);
    c->prev = c->prev_values;

    /* per series: display buckets, statistics, energy */
    if (t < c->pyr_last)
        c->pyr_rowwise = true;
    c->pyr_last = t > c->pyr_last ? t : c->pyr_last;
    if (tl->series_len == 0) { /* (a CSV of times alone) */
    } else if (fresh) { /* merged files: only the series read at t are samples */
        for (size_t s = 0; s < tl->series_len; s++)
            c->fresh_values[s] = fresh[s] ? values[s] : NAN;
        gv_pyramid_add_row(tl->pass.pyramid, t, c->fresh_values);
    } else {
        gv_pyramid_add_row(tl->pass.pyramid, t, values);
    }
    for (size_t s = 0; s < tl->series_len; s++)
        series_rows(c, s, 1, &t, values, fresh, tl->series_len);
}

/* n rows at once (values n x series_len, row-major): the same results as n calls of on_row,
 * with the per-series work done a series at a time. */
static void on_rows(void *ctx, size_t n, const gv_time_us *t, const double *values)
{
    gv_correlator *c = ctx;
    gv_timeline *tl = c->tl;
    size_t ns = tl->series_len;
    if (n == 0)
        return;
    if (!c->started)
        start(c, t[0]);
    if (tl->pass.range_start != GV_TIME_NONE || tl->pass.range_end != GV_TIME_NONE) {
        for (size_t i = 0; i < n; i++)
            if (out_of_range(tl, t[i])) { /* rare: row by row */
                for (size_t j = 0; j < n; j++)
                    on_row(c, t[j], &values[j * ns], NULL);
                return;
            }
    }
    if (c->learn_len < GV_GAP_LEARN) { /* the gap limit is still being learnt: row by row */
        for (size_t j = 0; j < n; j++)
            on_row(c, t[j], &values[j * ns], NULL);
        return;
    }
    gv_sample_watch_rows(c->watch, c->have_prev ? c->prev_t : GV_TIME_NONE, n, t, values, ns);
    for (size_t i = 0; i < n; i++) {
        ordered_row(c, t[i], &values[i * ns], NULL);
        c->prev = &values[i * ns];
    }
    memcpy(c->prev_values, &values[(n - 1) * ns], ns * sizeof *values);
    c->prev = c->prev_values;
    if (ns == 0)
        return;
    for (size_t i = 0; i < n && !c->pyr_rowwise; i++) {
        if (t[i] < c->pyr_last)
            c->pyr_rowwise = true;
        c->pyr_last = t[i];
    }
    if (c->pyr_rowwise) {
        for (size_t i = 0; i < n; i++)
            gv_pyramid_add_row(tl->pass.pyramid, t[i], &values[i * ns]);
        for (size_t s = 0; s < ns; s++)
            series_rows(c, s, n, t, values, NULL, ns);
        return;
    }
    GV_GROW(c->run_end, c->runs_cap, n);
    c->run_cells = gv_xrealloc(c->run_cells, c->runs_cap * sizeof *c->run_cells);
    size_t runs = gv_pyramid_place(tl->pass.pyramid, n, t, c->run_end, c->run_cells);
    for (size_t s = 0; s < ns; s++)
        series_block(c, s, runs, t, values, ns);
}

gv_sample_sink gv_correlator_sink(gv_correlator *c)
{
    return (gv_sample_sink){.begin = on_begin, .row = on_row, .rows = on_rows, .ctx = c};
}

static void fmt_range(char *out, size_t n, gv_time_us a, gv_time_us b)
{
    char x[32], y[32];
    gv_time_format_iso(a, x, sizeof x);
    gv_time_format_iso(b, y, sizeof y);
    snprintf(out, n, "%s .. %s", x, y);
}

void gv_correlator_finish(gv_correlator *c, const gv_diag *diag, const char *log_name)
{
    gv_timeline *tl = c->tl;
    if (!tl->pass.pyramid) /* no header was read */
        return;
    if (!c->started) /* no row at all: plan anyway so that the model is complete */
        start(c, 0);
    gv_sample_watch_finish(c->watch);

    /* idle cutoff; the idle time after the last active sample is the run's tail, not a stall */
    tl->pass.last_active = c->threshold_last_active;
    tl->pass.idle_after_run_s = c->threshold_last_active != GV_TIME_NONE ? c->idle_tail_s : 0;
    tl->pass.idle_cutoff = GV_TIME_NONE;
    if (c->o.idle_cutoff && c->threshold_last_active != GV_TIME_NONE) {
        gv_time_us cut = c->threshold_last_active + (gv_time_us)llround(c->o.buffer_min * 60e6);
        if (cut < tl->pass.t_last)
            tl->pass.idle_cutoff = cut;
    }

    /* a clock that differs by whole hours (time zones): the shift that puts the most events
     * inside the samples, for the warning below */
    long best_h = 0;
    size_t best_in = 0;
    for (long h = -14; h <= 14; h++) {
        size_t in = 0;
        for (size_t i = 0; i < c->ev_len; i++) {
            gv_time_us t = tl->events[i].t + (gv_time_us)h * 3600 * 1000000;
            in += t >= tl->pass.t_first && t <= tl->pass.t_last;
        }
        if (in > best_in || (in == best_in && labs(h) < labs(best_h))) {
            best_in = in;
            best_h = h;
        }
    }

    /* event correlations, then drop events outside [t_first, t_last] */
    size_t o = 0;
    tl->pass.events_before = tl->pass.events_after = 0;
    for (size_t i = 0; i < c->ev_len; i++) {
        gv_event ev = tl->events[i];
        if (ev.t < tl->pass.t_first) {
            tl->pass.events_before++;
            continue;
        }
        if (ev.t > tl->pass.t_last) {
            tl->pass.events_after++;
            continue;
        }
        ev.gpu = gv_arena_alloc(&tl->arena, (c->gpus_len + 1) * sizeof *ev.gpu);
        bool windowed = ev.end > ev.start;
        for (size_t g = 0; g < c->gpus_len; g++) {
            const ev_gpu_acc *a = &c->acc[i * c->gpus_len + g];
            gv_event_gpu *eg = &ev.gpu[g];
            eg->power_w = a->power_w;
            eg->temp_c = a->temp_c;
            if (a->best_dt >= 0 && g == 0)
                ev.nearest_sample_dt_s = (double)a->best_dt / 1e6;
            eg->window_samples = a->n;
            eg->mean_power_w = windowed && a->n ? a->sum / (double)a->n : NAN;
            eg->max_power_w = windowed && a->n ? a->max : NAN;
            eg->energy_wh = windowed && c->gpu_power[g] >= 0 ? a->energy_j / 3600 : NAN;
        }
        tl->events[o++] = ev;
    }
    tl->events_len = o;
    if (tl->pass.events_before || tl->pass.events_after) {
        char mon[80], log[80];
        fmt_range(mon, sizeof mon, tl->pass.t_first, tl->pass.t_last);
        if (tl->log.first != GV_TIME_NONE)
            fmt_range(log, sizeof log, tl->log.first, tl->log.last);
        else
            snprintf(log, sizeof log, "(no timestamps)");
        char hint[200];
        if (best_h != 0 && best_in > o && o < best_in / 2) /* (most of them outside: a few past the
                                                                 end are a sampler stopped early) */
            snprintf(hint, sizeof hint, "; the clocks probably differ by whole hours (a time zone?): "
                     "shifting the log %+ld s more with {opt:log_offset_s} puts %zu of them inside",
                     best_h * 3600, best_in);
        else
            snprintf(hint, sizeof hint, "%s",
                     o == 0 ? "; no event falls inside the samples: if the two clocks differ, shift "
                              "the log with {opt:log_offset_s} SECONDS"
                     : tl->pass.events_after == 0  ? "; the sampler started after the training began"
                     : tl->pass.events_before == 0 ? "; the sampler stopped before the training ended"
                                              : "; the sampler covered only part of the training");
        bool ranged = tl->pass.range_start != GV_TIME_NONE || tl->pass.range_end != GV_TIME_NONE;
        gv_diag_warn(diag, GV_WARN_RANGE, log_name, 0,
                     "%zu events before %s and %zu after it ended were left out "
                     "(log %s, GPU samples %s)%s",
                     tl->pass.events_before, ranged ? "the analysed range" : "monitoring started",
                     tl->pass.events_after, log, mon, ranged ? "" : hint);
    }
}

void gv_correlator_free(gv_correlator *c)
{
    if (!c)
        return;
    gv_sample_watch_free(c->watch);
    free(c->segs);
    free(c->last);
    free(c->prev_values);
    free(c->fresh_values);
    free(c->gpu_power);
    free(c->gpu_temp);
    free(c->glast);
    free(c->run_end);
    free(c->run_cells);
    free(c->acc);
    free(c->win_order);
    free(c->active);
    free(c);
}
