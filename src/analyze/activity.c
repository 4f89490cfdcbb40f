/* activity.c: periods of GPU activity in one quick pass. Depends on model and util. */
#include "gpuviz/activity.h"

#include "gpuviz/buf.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

struct gv_activity {
    const gv_timeline *tl;
    double threshold_w;
    int *power;            /* per GPU: its energy series, or -1 */
    size_t gpus;
    bool any_power;
    bool open;             /* inside a period */
    gv_time_us start, last_active, before, prev_t;
    gv_activity_period kept[GV_ACTIVITY_PERIODS];
    size_t sustained;
};

gv_activity *gv_activity_new(const gv_timeline *tl, double threshold_w)
{
    gv_activity *a = gv_xcalloc(1, sizeof *a);
    a->tl = tl;
    a->threshold_w = threshold_w;
    a->prev_t = GV_TIME_NONE;
    return a;
}

void gv_activity_free(gv_activity *a)
{
    if (!a)
        return;
    free(a->power);
    free(a);
}

static gv_status on_begin(void *ctx, gv_error *err)
{
    (void)err;
    gv_activity *a = ctx;
    a->gpus = a->tl->gpus_len;
    a->power = gv_xmalloc((a->gpus + 1) * sizeof *a->power);
    for (size_t g = 0; g < a->gpus; g++) {
        a->power[g] = gv_gpu_energy_series(&a->tl->gpus[g]);
        a->any_power |= a->power[g] >= 0;
    }
    return GV_OK;
}

static void close_period(gv_activity *a)
{
    assert(a->open);
    a->open = false;
    if ((double)(a->last_active - a->start) < GV_ACTIVITY_SUSTAIN_S * 1e6)
        return;
    if (a->sustained < GV_ACTIVITY_PERIODS)
        a->kept[a->sustained] = (gv_activity_period){a->start, a->last_active, a->before};
    a->sustained++;
}

static void on_row(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh)
{
    (void)fresh;
    gv_activity *a = ctx;
    if (a->prev_t != GV_TIME_NONE && t < a->prev_t)
        return; /* (time going back: not a rise) */
    gv_time_us prev = a->prev_t;
    a->prev_t = t;
    bool active = false;
    for (size_t g = 0; g < a->gpus && !active; g++)
        active = a->power[g] >= 0 && values[a->power[g]] >= a->threshold_w;
    double since = (double)(t - a->last_active);
    if (a->open && ((!active && since > GV_ACTIVITY_QUIET_S * 1e6) || since > GV_ACTIVITY_GAP_S * 1e6))
        close_period(a); /* (quiet samples for that long, or none at all for much longer) */
    if (active) {
        if (!a->open) {
            a->open = true;
            a->start = t;
            a->before = prev;
        }
        a->last_active = t;
    }
}

gv_sample_sink gv_activity_sink(gv_activity *a)
{
    return (gv_sample_sink){.begin = on_begin, .row = on_row, .ctx = a};
}

size_t gv_activity_finish(gv_activity *a, gv_activity_period *out)
{
    if (a->open)
        close_period(a);
    for (size_t i = 0; i < a->sustained && i < GV_ACTIVITY_PERIODS; i++)
        out[i] = a->kept[i];
    return a->sustained;
}

bool gv_activity_has_power(const gv_activity *a)
{
    return a->any_power;
}
