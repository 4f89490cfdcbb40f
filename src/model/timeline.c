/* timeline.c: the shared model's containers. Depends on util only. */
#include "gpuviz/timeline.h"

#include "gpuviz/buf.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gv_timeline_init(gv_timeline *tl)
{
    memset(tl, 0, sizeof *tl);
    gv_arena_init(&tl->arena);
    tl->pass.t_first = tl->pass.t_last = GV_TIME_NONE;
    tl->pass.idle_cutoff = tl->pass.last_active = GV_TIME_NONE;
    tl->log.first = tl->log.last = GV_TIME_NONE;
    tl->clock.start = GV_TIME_NONE;
    tl->clock.anchor = GV_TIME_NONE;
    tl->pass.range_start = tl->pass.range_end = GV_TIME_NONE;
    static const gv_event_type_info builtin[GV_EV_BUILTIN_COUNT] = {
        {"validation", "#1f77b4", "dot", GV_PHASE_VALIDATION},
        {"evaluation", "#2ca02c", "dash", GV_PHASE_EVALUATION},
        {"checkpoint", "#9467bd", "solid", GV_PHASE_CHECKPOINT}};
    for (int t = 0; t < GV_EV_BUILTIN_COUNT; t++)
        gv_timeline_event_type(tl, builtin[t].name, &builtin[t]);
}

void gv_timeline_cleanup(gv_timeline *tl)
{
    gv_pyramid_free(tl->pass.pyramid);
    free(tl->series);
    free(tl->gpus);
    free(tl->types);
    free(tl->events);
    if (tl->steps_large)
        gv_free_large(tl->steps, tl->steps_cap * sizeof *tl->steps);
    else
        free(tl->steps);
    free(tl->log.backwards);
    free(tl->log.spans);
    free(tl->pass.phase_energy_wh);
    free(tl->pass.train_phases);
    free(tl->log.step_totals);
    free(tl->analysis.anomalies);
    gv_arena_cleanup(&tl->arena);
    memset(tl, 0, sizeof *tl);
}

int gv_gpu_energy_series(const gv_gpu *g)
{
    if (g->power_instant >= 0)
        return g->power_instant;
    if (g->power >= 0)
        return g->power;
    return g->power_avg;
}

void gv_gpu_name(const gv_gpu *g, char *out, size_t n)
{
    if (g->device)
        snprintf(out, n, "%s%s%.60s", g->node ? g->node : "", g->node ? ":" : "", g->device);
    else if (g->node)
        snprintf(out, n, "%.60s:gpu%d", g->node, g->local_index);
    else
        snprintf(out, n, "gpu%d", g->index);
}

void gv_gpu_label(const gv_gpu *g, char *out, size_t n)
{
    if (g->device) {
        char name[80];
        gv_gpu_name(g, name, sizeof name);
        snprintf(out, n, "node %.70s", name);
    } else if (g->node)
        gv_gpu_name(g, out, n);
    else
        snprintf(out, n, "GPU%d", g->index);
}

const char *gv_event_type_name(const gv_timeline *tl, gv_event_type t)
{
    return t >= 0 && (size_t)t < tl->types_len ? tl->types[t].name : "?";
}

gv_event_type gv_timeline_find_type(const gv_timeline *tl, const char *name)
{
    for (size_t i = 0; i < tl->types_len; i++)
        if (strcmp(tl->types[i].name, name) == 0)
            return (gv_event_type)i;
    return -1;
}

gv_event_type gv_timeline_event_type(gv_timeline *tl, const char *name, const gv_event_type_info *info)
{
    gv_event_type t = gv_timeline_find_type(tl, name);
    if (t < 0) {
        GV_GROW(tl->types, tl->types_cap, tl->types_len + 1);
        t = (gv_event_type)tl->types_len++;
        tl->types[t] = (gv_event_type_info){gv_arena_strdup(&tl->arena, name), "#7f7f7f", "dot",
                                            GV_PHASE_OTHER};
    }
    if (info) {
        gv_event_type_info *x = &tl->types[t];
        if (info->color)
            x->color = gv_arena_strdup(&tl->arena, info->color);
        if (info->dash)
            x->dash = gv_arena_strdup(&tl->arena, info->dash);
        x->phase = info->phase;
    }
    return t;
}

/* The unit of a generic column, guessed from its name (nvidia-smi style names included). */
static const char *guess_unit(const char *name)
{
    char low[64];
    size_t n = 0;
    for (; name[n] && n + 1 < sizeof low; n++)
        low[n] = (char)(name[n] >= 'A' && name[n] <= 'Z' ? name[n] + 32 : name[n]);
    low[n] = '\0';
    if (strstr(low, "util") || strstr(low, "pct") || strstr(low, "percent") || strstr(low, "[%]"))
        return "%";
    if (strstr(low, "mib") || strstr(low, "memory") || strstr(low, "mem_"))
        return "MiB";
    if (strstr(low, "mhz") || strstr(low, "clock"))
        return "MHz";
    if (n > 2 && strcmp(low + n - 2, "_w") == 0)
        return "W";
    if (n > 2 && strcmp(low + n - 2, "_c") == 0)
        return "\xC2\xB0" "C";
    return "";
}

size_t gv_timeline_add_series(gv_timeline *tl, const char *name, gv_series_kind kind, int gpu)
{
    GV_GROW(tl->series, tl->series_cap, tl->series_len + 1);
    size_t idx = tl->series_len++;
    gv_series *s = &tl->series[idx];
    memset(s, 0, sizeof *s);
    s->name = gv_arena_strdup(&tl->arena, name);
    s->kind = kind;
    s->gpu = gpu;
    s->unit = kind == GV_SERIES_TEMP ? "\xC2\xB0" "C" : kind == GV_SERIES_OTHER ? guess_unit(name) : "W";
    s->stats.min = INFINITY;
    s->stats.max = -INFINITY;
    if (gpu < 0)
        return idx;
    gv_gpu *g = NULL;
    for (size_t i = 0; i < tl->gpus_len; i++)
        if (tl->gpus[i].index == gpu)
            g = &tl->gpus[i];
    if (!g) {
        GV_GROW(tl->gpus, tl->gpus_cap, tl->gpus_len + 1);
        /* keep GPUs ordered by index */
        size_t pos = tl->gpus_len;
        while (pos > 0 && tl->gpus[pos - 1].index > gpu)
            pos--;
        memmove(&tl->gpus[pos + 1], &tl->gpus[pos], (tl->gpus_len - pos) * sizeof *tl->gpus);
        tl->gpus_len++;
        g = &tl->gpus[pos];
        *g = (gv_gpu){.index = gpu, .local_index = gpu, .power_instant = -1, .power_avg = -1,
                      .power = -1, .temp = -1};
    }
    int *slot = kind == GV_SERIES_POWER_INSTANT ? &g->power_instant
              : kind == GV_SERIES_POWER_AVG     ? &g->power_avg
              : kind == GV_SERIES_POWER         ? &g->power
                                                : &g->temp;
    *slot = (int)idx;
    return idx;
}

gv_event *gv_timeline_add_event(gv_timeline *tl, gv_event_type type)
{
    GV_GROW(tl->events, tl->events_cap, tl->events_len + 1);
    gv_event *ev = &tl->events[tl->events_len++];
    memset(ev, 0, sizeof *ev);
    ev->type = type;
    ev->step = -1;
    ev->t = ev->start = ev->end = GV_TIME_NONE;
    ev->nearest_sample_dt_s = NAN;
    ev->printed_dur_s = NAN;
    ev->time_basis = GV_TB_STAMPED;
    return ev;
}

void gv_event_add_metric(gv_timeline *tl, gv_event *ev, const char *name, double value)
{
    gv_metric *m = gv_arena_alloc(&tl->arena, (ev->metrics_len + 1) * sizeof *m);
    if (ev->metrics_len)
        memcpy(m, ev->metrics, ev->metrics_len * sizeof *m);
    m[ev->metrics_len].name = gv_arena_strdup(&tl->arena, name);
    m[ev->metrics_len].value = value;
    ev->metrics = m;
    ev->metrics_len++;
}

void gv_timeline_reserve_steps(gv_timeline *tl, size_t n)
{
    n = n < GV_STEPS_RESERVE_MAX ? n : GV_STEPS_RESERVE_MAX;
    if (n <= tl->steps_cap || tl->steps_large)
        return;
    gv_step *s = gv_reserve_large(n * sizeof *s);
    if (!s)
        return; /* (refused: the array grows as it goes) */
    if (tl->steps_len)
        memcpy(s, tl->steps, tl->steps_len * sizeof *s);
    free(tl->steps);
    tl->steps = s;
    tl->steps_cap = n;
    tl->steps_large = true;
}

gv_step *gv_timeline_add_step(gv_timeline *tl)
{
    if (tl->steps_len == tl->steps_cap) {
        size_t cap = tl->steps_cap ? 2 * tl->steps_cap : 64;
        if (cap * sizeof *tl->steps >= ((size_t)1 << 20)) { /* large: whole (huge) pages */
            gv_step *s = gv_xalloc_large(cap * sizeof *s);
            if (tl->steps_len)
                memcpy(s, tl->steps, tl->steps_len * sizeof *s);
            if (tl->steps_large)
                gv_free_large(tl->steps, tl->steps_cap * sizeof *tl->steps);
            else
                free(tl->steps);
            tl->steps = s;
            tl->steps_large = true;
        } else {
            tl->steps = gv_xrealloc(tl->steps, cap * sizeof *tl->steps);
        }
        tl->steps_cap = cap;
    }
    gv_step *s = &tl->steps[tl->steps_len++];
    *s = (gv_step){.step = -1, .t = GV_TIME_NONE, .loss = NAN, .dt_ms = NAN, .tok_per_sec = NAN, .mfu = NAN};
    return s;
}

static int event_cmp(const void *a, const void *b)
{
    const gv_event *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

void gv_timeline_sort_events(gv_timeline *tl)
{
    if (tl->events_len > 1)
        qsort(tl->events, tl->events_len, sizeof *tl->events, event_cmp);
}

void gv_timeline_filter_types(gv_timeline *tl, const bool *keep)
{
    size_t o = 0;
    for (size_t i = 0; i < tl->events_len; i++)
        if (keep[tl->events[i].type])
            tl->events[o++] = tl->events[i];
    tl->events_len = o;
}

void gv_timeline_shift_log(gv_timeline *tl, gv_time_us offset)
{
    for (size_t i = 0; i < tl->events_len; i++) {
        gv_event *ev = &tl->events[i];
        ev->t += offset;
        ev->start += offset;
        ev->end += offset;
        for (size_t k = 0; k < ev->tasks_len; k++)
            ev->tasks[k].t_end += offset;
    }
    for (size_t i = 0; i < tl->steps_len; i++)
        if (tl->steps[i].t != GV_TIME_NONE)
            tl->steps[i].t += offset;
    for (size_t i = 0; i < tl->log.backwards_len; i++)
        tl->log.backwards[i].t += offset;
    if (tl->log.first != GV_TIME_NONE) {
        tl->log.first += offset;
        tl->log.last += offset;
    }
}

void gv_timeline_count_events(const gv_timeline *tl, size_t *counts)
{
    for (size_t i = 0; i < tl->types_len; i++)
        counts[i] = 0;
    for (size_t i = 0; i < tl->events_len; i++)
        counts[tl->events[i].type]++;
}

const char *gv_phase_name(gv_phase p)
{
    static const char *const names[GV_PHASE_COUNT] = {"training",   "validation", "evaluation",
                                                      "checkpoint", "idle",       "other"};
    return (unsigned)p < GV_PHASE_COUNT ? names[p] : "?";
}

static gv_time_us to_us(double s) { return (gv_time_us)llround(s * 1e6); }

void gv_event_place(gv_event *ev, gv_time_us t, double f, gv_time_us prev)
{
    if (ev->tasks_len) {
        double cost = 0;
        for (size_t k = 0; k < ev->tasks_len; k++)
            cost += isfinite(ev->tasks[k].time_s) ? ev->tasks[k].time_s : 0;
        gv_time_us start = t - to_us(cost * f), at = start;
        for (size_t k = 0; k < ev->tasks_len; k++) {
            at += isfinite(ev->tasks[k].time_s) ? to_us(ev->tasks[k].time_s * f) : 0;
            ev->tasks[k].t_end = at < t ? at : t;
        }
        ev->t = ev->start = start;
        ev->end = t;
    } else if (isfinite(ev->printed_dur_s)) {
        ev->t = ev->end = t;
        ev->start = t - to_us(ev->printed_dur_s * f);
    } else {
        ev->t = ev->end = t;
        ev->start = ev->start_previous && prev != GV_TIME_NONE && prev <= t ? prev : t;
    }
}

size_t gv_timeline_step_from_line(const gv_timeline *tl, long line)
{
    size_t lo = 0, hi = tl->steps_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->steps[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const char *gv_time_basis_name(gv_time_basis b)
{
    static const char *const names[GV_TB_COUNT] = {"stamped",    "burst",        "bracketed",
                                                   "after_last", "before_first", "log_start"};
    return (unsigned)b < GV_TB_COUNT ? names[b] : "?";
}

const char *gv_anomaly_kind_name(gv_anomaly_kind k)
{
    static const char *const names[GV_AN_KIND_COUNT] = {
        "bpb_regression", "slow_evaluation", "throughput_drop", "gpu_imbalance", "power_drop",
        "over_temperature", "sample_gap", "time_backwards", "incomplete_checkpoint"};
    return (unsigned)k < GV_AN_KIND_COUNT ? names[k] : "?";
}

const char *gv_severity_name(gv_severity s)
{
    static const char *const names[GV_SEV_COUNT] = {"info", "warning", "critical"};
    return s < GV_SEV_COUNT ? names[s] : "info";
}

gv_severity gv_anomaly_severity(gv_anomaly_kind k, double value)
{
    switch (k) {
    case GV_AN_INCOMPLETE_CHECKPOINT:
    case GV_AN_OVER_TEMPERATURE:
    case GV_AN_POWER_DROP: return GV_SEV_CRITICAL;
    case GV_AN_SAMPLE_GAP: return value >= GV_GAP_WARNING_S ? GV_SEV_WARNING : GV_SEV_INFO;
    case GV_AN_TIME_BACKWARDS: return GV_SEV_INFO;
    case GV_AN_BPB_REGRESSION:
    case GV_AN_SLOW_EVALUATION:
    case GV_AN_THROUGHPUT_DROP:
    case GV_AN_GPU_IMBALANCE:
    case GV_AN_KIND_COUNT: break;
    }
    return GV_SEV_WARNING;
}

void gv_timeline_add_anomaly(gv_timeline *tl, gv_anomaly_kind kind, gv_time_us t,
                             gv_time_us duration, int gpu, double value, const char *fmt, ...)
{
    assert((int)kind >= 0 && kind < GV_AN_KIND_COUNT);
    tl->analysis.anomaly_severity_counts[gv_anomaly_severity(kind, value)]++;
    if (tl->analysis.anomaly_counts[kind]++ >= GV_ANOMALIES_PER_KIND_MAX)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    GV_GROW(tl->analysis.anomalies, tl->analysis.anomalies_cap, tl->analysis.anomalies_len + 1);
    tl->analysis.anomalies[tl->analysis.anomalies_len++] = (gv_anomaly){
        .kind = kind, .t = t, .duration = duration, .gpu = gpu, .value = value,
        .severity = gv_anomaly_severity(kind, value), .message = gv_arena_strdup(&tl->arena, msg)};
}

static int anomaly_cmp(const void *a, const void *b)
{
    const gv_anomaly *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return x->gpu - y->gpu;
}

void gv_timeline_sort_anomalies(gv_timeline *tl)
{
    if (tl->analysis.anomalies_len > 1)
        qsort(tl->analysis.anomalies, tl->analysis.anomalies_len, sizeof *tl->analysis.anomalies, anomaly_cmp);
}

void gv_timeline_phase_totals(const gv_timeline *tl, double wh[GV_PHASE_COUNT], double *all_s,
                              double *all_wh)
{
    double s = 0, e = 0;
    for (int p = 0; p < GV_PHASE_COUNT; p++) {
        double x = 0;
        for (size_t g = 0; g < tl->gpus_len && tl->pass.phase_energy_wh; g++)
            x += tl->pass.phase_energy_wh[p * tl->gpus_len + g];
        if (wh)
            wh[p] = x;
        s += tl->pass.phase_seconds[p];
        e += x;
    }
    if (all_s)
        *all_s = s;
    if (all_wh)
        *all_wh = e;
}

int gv_train_phase_complete(const gv_train_phase *t)
{
    if (t->total_steps <= 0 || t->last_step < 0)
        return -1;
    return t->last_step >= t->total_steps - 2;
}
