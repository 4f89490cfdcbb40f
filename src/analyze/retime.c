/* retime.c: buffered-log repair by the step lines' own clock. Depends on model and util. */
#include "gpuviz/retime.h"

#include "gpuviz/buf.h"

#include <math.h>
#include <limits.h>
#include <stdlib.h>

static gv_time_us us(double s) { return (gv_time_us)llround(s * 1e6); }

/* A dt that can be turned into time (the burst's span is checked too). */
static bool sane_dt(double ms) { return gv_duration_ok(ms / 1000); }

static void note_shift(gv_timeline *tl, gv_time_us delta)
{
    double s = fabs((double)delta / 1e6);
    if (s > tl->retime_max_shift_s)
        tl->retime_max_shift_s = s;
}

/* Moves an event (window, tasks) by delta. */
static void shift_event(gv_event *ev, gv_time_us delta)
{
    ev->t += delta;
    ev->start += delta;
    ev->end += delta;
    for (size_t k = 0; k < ev->tasks_len; k++)
        if (ev->tasks[k].t_end != GV_TIME_NONE)
            ev->tasks[k].t_end += delta;
}

static void retime_burst(gv_timeline *tl, size_t i, size_t j, gv_time_us *fresh)
{
    gv_step *st = tl->steps;
    gv_time_us stamp = st[i].t;
    gv_time_us floor_t = i > 0 && st[i - 1].t != GV_TIME_NONE ? st[i - 1].t : INT64_MIN;
    fresh[j] = stamp;
    for (size_t k = j; k > i; k--)
        fresh[k - 1] = fresh[k] - us(st[k].dt_ms / 1000);
    for (size_t k = i; k <= j; k++)
        if (fresh[k] < floor_t)
            fresh[k] = floor_t; /* never before the step line that preceded the burst */

    /* printed events stamped with the flush time, between the neighbours of the burst */
    long lo = i > 0 ? st[i - 1].line : 0;
    long hi = j + 1 < tl->steps_len ? st[j + 1].line : LONG_MAX;
    for (size_t e = 0; e < tl->events_len; e++) {
        gv_event *ev = &tl->events[e];
        if (!ev->printed || ev->end != stamp || ev->line <= lo || ev->line >= hi)
            continue;
        size_t k = i;
        while (k <= j && st[k].line < ev->line)
            k++;
        /* it ended when the step after it began: that step's time less its dt */
        gv_time_us end = k <= j ? fresh[k] - us(st[k].dt_ms / 1000) : stamp;
        if (end < floor_t)
            end = floor_t;
        if (end < ev->end) {
            note_shift(tl, end - ev->end);
            shift_event(ev, end - ev->end);
            /* its true time lies between the step line before the burst and the flush */
            ev->time_basis = GV_TB_BURST;
            ev->time_uncertainty_s = floor_t == INT64_MIN ? NAN
                                     : fmax((double)(ev->end - floor_t), (double)(stamp - ev->end)) / 1e6;
            tl->retimed_events++;
        }
    }
    for (size_t k = i; k <= j; k++) {
        if (fresh[k] != st[k].t) {
            note_shift(tl, fresh[k] - st[k].t);
            st[k].t = fresh[k];
            tl->retimed_steps++;
        }
    }
    tl->retimed_bursts++;
}

void gv_retime_bursts(gv_timeline *tl)
{
    gv_time_us *fresh = gv_xmalloc((tl->steps_len + 1) * sizeof *fresh);
    size_t i = 0;
    while (i < tl->steps_len) {
        size_t j = i;
        bool timed = tl->steps[i].t != GV_TIME_NONE && sane_dt(tl->steps[i].dt_ms);
        double span = timed ? tl->steps[i].dt_ms / 1000 : 0;
        while (j + 1 < tl->steps_len && tl->steps[j + 1].t == tl->steps[i].t &&
               tl->steps[j + 1].phase == tl->steps[i].phase) {
            j++;
            timed = timed && sane_dt(tl->steps[j].dt_ms);
            span += timed ? tl->steps[j].dt_ms / 1000 : 0;
        }
        /* the dt of the lines after the first tell how far back they reach */
        if (timed && j - i + 1 >= GV_BURST_MIN_STEPS && span < GV_DURATION_MAX_S &&
            span - tl->steps[i].dt_ms / 1000 > GV_BURST_MIN_SPAN_S)
            retime_burst(tl, i, j, fresh);
        i = j + 1;
    }
    free(fresh);
}
