/* sample_watch.c: streaming anomaly detection over the GPU samples. Depends on model and util. */
#include "sample_watch.h"

#include "gpuviz/buf.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    bool open;
    gv_time_us start, last;
    double peak;        /* max temperature, or min ratio for imbalance */
    double above_s;     /* over-temperature: time spent above the limit */
} episode;

struct gv_sample_watch {
    gv_timeline *tl;
    size_t gpus;
    int *power, *temp;
    double threshold, temp_limit, imbalance_ratio;
    const gv_segment *segs;
    size_t segs_len;

    double *prev_temp;   /* per GPU, previous row's temperature */
    episode *hot;        /* per GPU */
    episode *imbalance;  /* per GPU */
    episode drop;

    bool win_open;
    int64_t win;         /* index of the current 10-s window since the first row */
    gv_time_us win_lo, win_hi; /* its time span */
    gv_time_us t0;
    double *win_sum;
    size_t *win_n;
    double *means;       /* scratch */
    double *others;      /* scratch: the other GPUs' means */

    /* the typical interval, from the first GV_GAP_LEARN ones (their median) */
    gv_time_us learn[GV_GAP_LEARN];
    size_t learn_len;
    gv_time_us gap_min;  /* a longer interval is a gap (0 until learnt) */
    struct held_gap { gv_time_us p, t; } held[GV_GAP_LEARN]; /* gaps over 1 s before it was learnt */
    size_t held_len;
};

static int cmp_us(const void *a, const void *b)
{
    gv_time_us x = *(const gv_time_us *)a, y = *(const gv_time_us *)b;
    return x < y ? -1 : x > y;
}

/* The gap threshold from the intervals learnt so far: GV_GAP_FACTOR times their median, at
 * least GV_SAMPLE_GAP_S. */
static void learn_gap(gv_sample_watch *w)
{
    gv_time_us floor_us = (gv_time_us)(GV_SAMPLE_GAP_S * 1e6), med = 0;
    if (w->learn_len) {
        gv_time_us tmp[GV_GAP_LEARN];
        memcpy(tmp, w->learn, w->learn_len * sizeof *tmp);
        qsort(tmp, w->learn_len, sizeof *tmp, cmp_us);
        med = tmp[(w->learn_len - 1) / 2];
    }
    gv_time_us th = (gv_time_us)(GV_GAP_FACTOR * (double)med);
    w->gap_min = th > floor_us ? th : floor_us;
}

gv_sample_watch *gv_sample_watch_new(gv_timeline *tl, const int *gpu_power, const int *gpu_temp,
                                     double threshold_w, double temp_limit_c, double imbalance_ratio,
                                     const gv_segment *segs, size_t segs_len)
{
    gv_sample_watch *w = gv_xcalloc(1, sizeof *w);
    size_t g = tl->gpus_len;
    w->tl = tl;
    w->gpus = g;
    w->power = gv_xmalloc((g + 1) * sizeof *w->power);
    w->temp = gv_xmalloc((g + 1) * sizeof *w->temp);
    memcpy(w->power, gpu_power, g * sizeof *w->power);
    memcpy(w->temp, gpu_temp, g * sizeof *w->temp);
    w->threshold = threshold_w;
    w->temp_limit = temp_limit_c;
    w->imbalance_ratio = imbalance_ratio > 0 && imbalance_ratio < 1 ? imbalance_ratio : GV_IMBALANCE_RATIO;
    w->segs = segs;
    w->segs_len = segs_len;
    w->prev_temp = gv_xmalloc((g + 1) * sizeof *w->prev_temp);
    for (size_t i = 0; i < g; i++)
        w->prev_temp[i] = NAN;
    w->hot = gv_xcalloc(g + 1, sizeof *w->hot);
    w->imbalance = gv_xcalloc(g + 1, sizeof *w->imbalance);
    w->win_sum = gv_xcalloc(g + 1, sizeof *w->win_sum);
    w->win_n = gv_xcalloc(g + 1, sizeof *w->win_n);
    w->means = gv_xcalloc(g + 1, sizeof *w->means);
    w->others = gv_xcalloc(g + 1, sizeof *w->others);
    return w;
}

void gv_sample_watch_free(gv_sample_watch *w)
{
    if (!w)
        return;
    free(w->power);
    free(w->temp);
    free(w->prev_temp);
    free(w->hot);
    free(w->imbalance);
    free(w->win_sum);
    free(w->win_n);
    free(w->means);
    free(w->others);
    free(w);
}

static double secs(gv_time_us d) { return (double)d / 1e6; }

static void close_hot(gv_sample_watch *w, size_t g)
{
    episode *e = &w->hot[g];
    if (!e->open)
        return;
    e->open = false;
    char at[40], name[80];
    gv_time_format_iso(e->start, at, sizeof at);
    gv_gpu_label(&w->tl->gpus[g], name, sizeof name);
    gv_timeline_add_anomaly(w->tl, GV_AN_OVER_TEMPERATURE, e->start, e->last - e->start,
                            w->tl->gpus[g].index, e->peak,
                            "%s above %.0f C for %.1f s from %s (max %.0f C)",
                            name, w->temp_limit, e->above_s, at, e->peak);
}

static void close_episode(gv_sample_watch *w, episode *e, size_t g, bool drop)
{
    if (!e->open)
        return;
    e->open = false;
    double dur = secs(e->last - e->start);
    if (dur < GV_EPISODE_MIN_S)
        return;
    char at[40], name[80];
    gv_time_format_iso(e->start, at, sizeof at);
    gv_gpu_label(&w->tl->gpus[g], name, sizeof name);
    if (drop)
        gv_timeline_add_anomaly(w->tl, GV_AN_POWER_DROP, e->start, e->last - e->start, -1, e->peak,
                                "every GPU below %.0f W for %.0f s during training from %s",
                                w->threshold, dur, at);
    else
        gv_timeline_add_anomaly(w->tl, GV_AN_GPU_IMBALANCE, e->start, e->last - e->start,
                                w->tl->gpus[g].index, e->peak,
                                "%s drew %.0f%% of the other GPUs' power for %.0f s during "
                                "training from %s",
                                name, 100 * e->peak, dur, at);
}

static void extend(episode *e, gv_time_us a, gv_time_us b, double ratio)
{
    if (!e->open) {
        *e = (episode){.open = true, .start = a, .last = b, .peak = ratio};
        return;
    }
    e->last = b;
    if (ratio < e->peak)
        e->peak = ratio;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Judges the finished 10-s window. */
static void close_window(gv_sample_watch *w)
{
    if (!w->win_open)
        return;
    w->win_open = false;
    gv_time_us win_us = (gv_time_us)(GV_WATCH_WINDOW_S * 1e6);
    gv_time_us a = w->t0 + w->win * win_us, b = a + win_us, mid = a + win_us / 2;
    size_t k = gv_segment_find(w->segs, w->segs_len, mid);
    bool training = k < w->segs_len && w->segs[k].start <= mid && w->segs[k].phase == GV_PHASE_TRAINING;
    size_t with = 0;
    bool all_low = true;
    for (size_t g = 0; g < w->gpus; g++) {
        w->means[g] = w->win_n[g] ? w->win_sum[g] / (double)w->win_n[g] : NAN;
        if (w->win_n[g]) {
            with++;
            if (w->means[g] >= w->threshold)
                all_low = false;
        }
    }
    if (training && with > 0 && all_low)
        extend(&w->drop, a, b, 0);
    else
        close_episode(w, &w->drop, 0, true);
    for (size_t g = 0; g < w->gpus; g++) {
        bool flagged = false;
        double ratio = 1;
        if (training && with >= 2 && w->win_n[g] && !w->tl->gpus[g].device) { /* (servers differ) */
            double *others = w->others; /* (every other GPU, however many) */
            size_t n = 0;
            for (size_t h = 0; h < w->gpus; h++)
                if (h != g && w->win_n[h])
                    others[n++] = w->means[h];
            assert(n >= 1 && n < w->gpus);
            qsort(others, n, sizeof *others, cmp_double);
            double med = n % 2 ? others[n / 2] : (others[n / 2 - 1] + others[n / 2]) / 2;
            ratio = med > 0 ? w->means[g] / med : 1;
            flagged = med >= w->threshold && ratio < w->imbalance_ratio;
        }
        if (flagged)
            extend(&w->imbalance[g], a, b, ratio);
        else
            close_episode(w, &w->imbalance[g], g, false);
    }
    memset(w->win_sum, 0, w->gpus * sizeof *w->win_sum);
    memset(w->win_n, 0, w->gpus * sizeof *w->win_n);
}

/* The anomalies between rows: time going back, a gap. */
static void interval(gv_sample_watch *w, gv_time_us p, gv_time_us t)
{
    char at[40];
    if (t < p) {
        gv_time_format_iso(t, at, sizeof at);
        gv_timeline_add_anomaly(w->tl, GV_AN_TIME_BACKWARDS, t, 0, -1, secs(p - t),
                                "GPU sample time goes back %.3f s (to %s)", secs(p - t), at);
    } else {
        gv_time_format_iso(p, at, sizeof at);
        gv_timeline_add_anomaly(w->tl, GV_AN_SAMPLE_GAP, p, t - p, -1, secs(t - p),
                                "no GPU samples for %.1f s after %s", secs(t - p), at);
    }
}

/* Moves to the 10-s window holding t (k since the first row's), judging the one left. */
static void enter_window(gv_sample_watch *w, gv_time_us t)
{
    gv_time_us win_us = (gv_time_us)(GV_WATCH_WINDOW_S * 1e6);
    int64_t k = (int64_t)((t - w->t0) / win_us);
    if (w->win_open && k != w->win) {
        bool next = k == w->win + 1;
        close_window(w);
        if (!next) { /* a gap or a jump: episodes do not continue across it */
            close_episode(w, &w->drop, 0, true);
            for (size_t g = 0; g < w->gpus; g++)
                close_episode(w, &w->imbalance[g], g, false);
        }
    }
    if (!w->win_open) {
        w->win_open = true;
        w->win = k;
        w->win_lo = w->t0 + k * win_us;
        w->win_hi = w->win_lo + win_us;
    }
}

static void release_held(gv_sample_watch *w)
{
    learn_gap(w);
    for (size_t i = 0; i < w->held_len; i++)
        if (w->held[i].t - w->held[i].p > w->gap_min)
            interval(w, w->held[i].p, w->held[i].t);
    w->held_len = 0;
}

static inline void watch_row(gv_sample_watch *w, gv_time_us p, gv_time_us t, const double *values)
{
    if (p != GV_TIME_NONE) {
        if (t < p) {
            interval(w, p, t);
        } else if (w->gap_min) {
            if (t - p > w->gap_min)
                interval(w, p, t);
        } else {
            if (t > p)
                w->learn[w->learn_len++] = t - p;
            if (t - p > (gv_time_us)(GV_SAMPLE_GAP_S * 1e6))
                w->held[w->held_len++] = (struct held_gap){p, t};
            if (w->learn_len == GV_GAP_LEARN || w->held_len == GV_GAP_LEARN)
                release_held(w);
        }
    } else {
        w->t0 = t;
    }

    /* over-temperature episodes */
    for (size_t g = 0; g < w->gpus; g++) {
        if (w->temp[g] < 0)
            continue;
        double c = values[w->temp[g]];
        episode *e = &w->hot[g];
        if (e->open && p != GV_TIME_NONE && t > p && w->prev_temp[g] > w->temp_limit)
            e->above_s += secs(t - p);
        if (!isnan(c) && c > w->temp_limit) {
            if (!e->open)
                *e = (episode){.open = true, .start = t, .last = t, .peak = c};
            e->last = t;
            if (c > e->peak)
                e->peak = c;
        } else if (!isnan(c) && e->open) {
            e->last = t;
            close_hot(w, g);
        }
        w->prev_temp[g] = c;
    }

    /* 10-s windows of per-GPU mean power */
    if (t < w->t0)
        return; /* before the first row's window: ignored */
    if (!(w->win_open && t >= w->win_lo && t < w->win_hi))
        enter_window(w, t);
    for (size_t g = 0; g < w->gpus; g++) {
        if (w->power[g] < 0 || isnan(values[w->power[g]]))
            continue;
        w->win_sum[g] += values[w->power[g]];
        w->win_n[g]++;
    }
}

void gv_sample_watch_row(gv_sample_watch *w, gv_time_us p, gv_time_us t, const double *values)
{
    watch_row(w, p, t, values);
}

void gv_sample_watch_rows(gv_sample_watch *w, gv_time_us p, size_t n, const gv_time_us *t,
                          const double *values, size_t stride)
{
    for (size_t i = 0; i < n; i++) {
        watch_row(w, p, t[i], &values[i * stride]);
        p = t[i];
    }
}

void gv_sample_watch_finish(gv_sample_watch *w)
{
    if (!w->gap_min)
        release_held(w);
    close_window(w);
    close_episode(w, &w->drop, 0, true);
    for (size_t g = 0; g < w->gpus; g++) {
        close_episode(w, &w->imbalance[g], g, false);
        close_hot(w, g);
    }
}
