/* log_parser.c: training logs -> events and steps, by a rule set (log_rules.h; the built-in
 * one reads nanochat logs). Runs the patterns with PCRE2 (JIT); depends on model and util, never
 * on the CSV reader or the emitters. What the rules mean is docs/rules.md.
 *
 * Per line: split off a timestamp prefix, keep what a terminal would show after the last '\r',
 * strip ANSI escape sequences, read a Python logging time (or a rules-file timestamp), then try
 * the event patterns in order (a cheap literal prefilter before each), then the step patterns.
 * The first pattern that matches owns the line. */
#include "gpuviz/log_parser.h"

#include "log_rules_impl.h"
#include "step_fields.h"

#include "gpuviz/buf.h"
#include "gpuviz/input.h"
#include "gpuviz/numparse.h"
#include "gpuviz/prefault.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gv_log_parser {
    gv_timeline *tl;
    const gv_log_rules *rules;
    const char *file;
    const gv_diag *diag;
    pcre2_match_data **md_events, **md_steps, **md_stamps, **md_world; /* one per pattern */
    int world_size;         /* the last world_size line's ranks (0: none yet) */
    size_t totals_cap;      /* tl->log.step_totals' capacity */
    gv_event_type *type_of; /* rules type -> timeline type */

    gv_buf line;       /* the raw line being collected */
    bool truncated;
    gv_buf clean;      /* the visible text of the line */
    gv_buf scratch;    /* labels and merge keys being rendered */
    gv_buf key;        /* the open merge's key */
    /* the previous line, when it made an event or a step: where it was read (the caller's buffer
     * or p->line, valid until they change: keep_prev copies it into prev_raw first) */
    const char *prev;
    size_t prev_len;
    gv_buf prev_raw;
    bool prev_owned;
    long line_no;

    gv_time_us cur_t;  /* last time seen */
    long stamp_line;   /* the last line with a time of its own (0: none yet) */
    gv_time_us stamp_t;
    bool span_open;    /* a line without a time has made an event or a step since stamp_line */
    long span_first, span_last; /* the first and last such lines */
    bool line_stamped; /* a part of the current line had a time of its own */
    bool text_stamped; /* the text being matched has a time of its own */
    gv_time_cache tc_prefix, tc_log; /* the minutes of the line prefixes and logging times */
    bool line_logged;  /* the current line's time is its own logging time */
    gv_time_us prev_line_t; /* effective time of the previous line */
    long last_step;    /* last training step seen (context for session labels) */
    long prev_step_no; /* for phase detection */

    /* the open session (sess_type >= 0) */
    int sess_type;
    long sess_first_line;
    gv_time_us sess_first_t;
    gv_eval_task *tasks;
    size_t tasks_len, tasks_cap;

    /* the open merge: an index, as the events array may move */
    long merge_idx;
    int merge_type;
    gv_time_us merge_last_t;
    int merge_count_metric; /* index of its count metric, -1 if none */

    gv_prefault *pf; /* commits the reserved step records ahead of on_step (gv_log_parse_file) */
    unsigned char cls[256]; /* gv_step_char_classes */
};

/* ---------------------------------------------------------------- captures */

/* A matched line: the pattern, its match data and the text it ran on. */
typedef struct {
    const gv_rule_pattern *rp;
    pcre2_match_data *md;
    const char *s;
} match;

/* Captured group g of m: pointer and length; false when unset or absent. */
/* Capture number n of m: pointer and length; false when unset. */
static bool capture(const match *m, int n, const char **p, size_t *len)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
    if (ov[2 * n] == PCRE2_UNSET)
        return false;
    *p = m->s + ov[2 * n];
    *len = ov[2 * n + 1] - ov[2 * n];
    return true;
}

static bool group(const match *m, int g, const char **p, size_t *len)
{
    int n = m && m->rp ? m->rp->group[g] : -1;
    return n >= 0 && capture(m, n, p, len);
}

/* The group named name[0..nlen) of m, by name (templates may name any group). */
static bool named_group(const match *m, const char *name, size_t nlen, const char **p, size_t *len)
{
    char tmp[64];
    if (!m || !m->rp || nlen >= sizeof tmp)
        return false;
    memcpy(tmp, name, nlen);
    tmp[nlen] = '\0';
    int n = pcre2_substring_number_from_name(m->rp->code, (PCRE2_SPTR)tmp);
    return n > 0 && capture(m, n, p, len);
}

/* Number from text like "178,321", "2940.12ms", "97.90m", "0.5040", "1 pq: 2": thousands
 * separators dropped, the leading number taken, units after it ignored. NAN if none. */
static double leading_number(const char *s, size_t len)
{
    /* the common cases without strtod: digits, a point, thousands separators before the point,
     * then a unit or the end; at most 15 digits (exact) */
    size_t n = 0;
    while (n < len && s[n] == ' ')
        n++;
    bool neg = false;
    if (n < len && (s[n] == '-' || s[n] == '+'))
        neg = s[n++] == '-';
    uint64_t mant = 0;
    unsigned ndig = 0, frac = 0;
    bool dot = false;
    for (; n < len; n++) {
        char c = s[n];
        if (c >= '0' && c <= '9') {
            mant = mant * 10 + (uint64_t)(c - '0');
            ndig++;
            frac += dot;
        } else if (c == '.' && !dot) {
            dot = true;
        } else if (!(c == ',' && !dot && ndig && n + 1 < len && s[n + 1] >= '0' && s[n + 1] <= '9')) {
            break;
        }
    }
    if (ndig && ndig <= 15 && (n == len || (s[n] != 'e' && s[n] != 'E'))) {
        double v = gv_exact_decimal(mant, frac);
        return neg ? -v : v;
    }
    /* exponents, inf, nan, long mantissas: strtod over the text without thousands separators */
    char tmp[64];
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < sizeof tmp; i++) {
        if (s[i] == ',' && o > 0 && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9')
            continue;
        tmp[o++] = s[i];
    }
    tmp[o] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    return end == tmp ? NAN : v;
}

static double group_number(const match *m, int g)
{
    const char *p;
    size_t len;
    return group(m, g, &p, &len) ? leading_number(p, len) : NAN;
}

static long group_long(const match *m, int g)
{
    double v = group_number(m, g);
    return isfinite(v) && v >= 0 && v < 1e15 ? (long)v : -1;
}

/* ---------------------------------------------------------------- templates */

typedef struct {
    const gv_log_parser *p;
    const match *m;      /* the line whose captures fill the template (NULL: fields only) */
    const gv_event *ev;
    int count_metric;
} tmpl_ctx;

static bool resolve(void *ctx, const char *name, size_t nlen, const char *spec, size_t slen, gv_buf *out)
{
    const tmpl_ctx *c = ctx;
    const char *g;
    size_t glen;
    if (named_group(c->m, name, nlen, &g, &glen)) {
        if (slen == 0)
            gv_buf_append(out, g, glen);
        else
            gv_tmpl_format_number(leading_number(g, glen), spec, slen, out);
        return true;
    }
#define IS(lit) (nlen == sizeof lit - 1 && memcmp(name, lit, nlen) == 0)
    const gv_event *ev = c->ev;
    double v = NAN;
    if (IS("type"))
        return gv_buf_puts(out, gv_event_type_name(c->p->tl, ev->type)), true;
    if (IS("step") && ev->step >= 0)
        v = (double)ev->step;
    else if (IS("count") && c->count_metric >= 0)
        v = ev->metrics[c->count_metric].value;
    else if (IS("value") && ev->metrics_len)
        v = ev->metrics[0].value;
#undef IS
    if (isnan(v))
        return false;
    if (slen)
        gv_tmpl_format_number(v, spec, slen, out);
    else
        gv_tmpl_format_number(v, "d", v == trunc(v) ? 1 : 0, out);
    return true;
}

static const char *render(gv_log_parser *p, const char *tmpl, const match *m, const gv_event *ev,
                          int count_metric)
{
    tmpl_ctx c = {p, m, ev, count_metric};
    gv_buf_reset(&p->scratch);
    gv_tmpl_render(tmpl, resolve, &c, &p->scratch);
    return gv_arena_strndup(&p->tl->arena, p->scratch.data, p->scratch.len);
}

/* ---------------------------------------------------------------- events */

/* The value metric of a matched line (when its pattern has a value group) and the type's further
 * metrics. */
static void add_line_metrics(gv_log_parser *p, gv_event *ev, const match *m)
{
    gv_timeline *tl = p->tl;
    const gv_rule_type *ty = &p->rules->types[m->rp->type];
    if (m->rp->group[RG_VALUE] >= 0) {
        const char *name = m->rp->metric ? m->rp->metric : "value", *g;
        size_t glen;
        if (group(m, RG_METRIC, &g, &glen) && glen)
            name = gv_arena_strndup(&tl->arena, g, glen);
        gv_event_add_metric(tl, ev, name, group_number(m, RG_VALUE));
    }
    for (size_t k = 0; k < ty->metrics_len; k++) {
        const char *g;
        size_t glen;
        double v = named_group(m, ty->metrics[k], strlen(ty->metrics[k]), &g, &glen) ? leading_number(g, glen) : NAN;
        gv_event_add_metric(tl, ev, ty->metrics[k], v);
    }
}

static gv_event *new_event(gv_log_parser *p, int rtype, gv_time_us t)
{
    gv_event *ev = gv_timeline_add_event(p->tl, p->type_of[rtype]);
    ev->t = ev->start = ev->end = t;
    ev->line = ev->first_line = p->line_no;
    ev->printed = !p->line_logged;
    ev->time_basis = p->text_stamped ? GV_TB_STAMPED : GV_TB_BRACKETED; /* (placed later) */
    ev->ranks = p->world_size;
    return ev;
}

static void close_session(gv_log_parser *p, const match *close_m, gv_time_us t_line)
{
    if (p->sess_type < 0 && !close_m)
        return;
    gv_timeline *tl = p->tl;
    bool complete = close_m != NULL, open = p->sess_type >= 0;
    int rtype = complete ? close_m->rp->type : p->sess_type;
    const gv_rule_type *ty = &p->rules->types[rtype];
    gv_time_us end = complete ? t_line : p->tasks_len ? p->tasks[p->tasks_len - 1].t_end : p->sess_first_t;
    gv_time_us start = open ? p->sess_first_t : t_line;
    if (p->tasks_len && p->tasks[0].t_end != GV_TIME_NONE && isfinite(p->tasks[0].time_s))
        start = p->tasks[0].t_end - (gv_time_us)llround(p->tasks[0].time_s * 1e6);
    if (end == GV_TIME_NONE || start == GV_TIME_NONE) {
        gv_diag_warn(p->diag, GV_WARN_LOG_EVENT, p->file, open ? p->sess_first_line : p->line_no,
                     "%s session has no timestamp (no time seen before it); dropped", ty->name);
    } else {
        gv_event *ev = new_event(p, rtype, start);
        if (start > end)
            ev->t = ev->start = start = end;
        ev->end = end;
        ev->first_line = open ? p->sess_first_line : p->line_no;
        ev->line = complete ? p->line_no : p->tasks_len ? p->tasks[p->tasks_len - 1].line : ev->first_line;
        long step = complete ? group_long(close_m, RG_STEP) : -1;
        ev->step = step >= 0 ? step : p->last_step;
        ev->closed_with_step = step >= 0;
        ev->complete = complete;
        if (p->tasks_len) {
            ev->tasks = gv_arena_alloc(&tl->arena, p->tasks_len * sizeof *ev->tasks);
            memcpy(ev->tasks, p->tasks, p->tasks_len * sizeof *ev->tasks);
            ev->tasks_len = p->tasks_len;
        }
        if (complete)
            add_line_metrics(p, ev, close_m);
        int count = -1;
        if (ty->count_metric) {
            count = (int)ev->metrics_len;
            gv_event_add_metric(tl, ev, ty->count_metric, (double)p->tasks_len);
        }
        ev->label = render(p, ty->label, close_m, ev, count);
        if (!complete)
            gv_diag_warn(p->diag, GV_WARN_LOG_EVENT, p->file, ev->first_line,
                         "%s session (%zu items) has no closing line (no match of a \"close\" pattern); kept as incomplete, ending at "
                         "line %ld", ty->name, p->tasks_len, ev->line);
    }
    p->sess_type = -1;
    p->tasks_len = 0;
}

static void end_merge(gv_log_parser *p)
{
    p->merge_idx = -1;
}

static void session_item(gv_log_parser *p, const match *m, gv_time_us t)
{
    gv_timeline *tl = p->tl;
    if (p->sess_type < 0 || m->rp->role == GV_ROLE_OPEN) {
        close_session(p, NULL, t);
        p->sess_type = m->rp->type;
        p->sess_first_line = p->line_no;
        p->sess_first_t = t;
        p->tasks_len = 0;
        if (m->rp->role == GV_ROLE_OPEN)
            return;
    }
    GV_GROW(p->tasks, p->tasks_cap, p->tasks_len + 1);
    gv_eval_task *k = &p->tasks[p->tasks_len++];
    const char *g;
    size_t glen;
    k->name = group(m, RG_TASK, &g, &glen) ? gv_arena_strndup(&tl->arena, g, glen) : "";
    k->type = group(m, RG_TASK_TYPE, &g, &glen) ? gv_arena_strndup(&tl->arena, g, glen) : "";
    long shots = group_long(m, RG_SHOTS);
    k->shots = shots >= 0 && shots < 1000000 ? (int)shots : -1;
    k->accuracy = group_number(m, RG_ACCURACY);
    k->centered = group_number(m, RG_CENTERED);
    double dur = group_number(m, RG_DURATION);
    k->time_s = gv_duration_ok(dur) ? dur : NAN; /* (NAN: unknown) */
    k->t_end = t;
    k->line = p->line_no;
}

/* Checkpoint files: the directory names kind and tag, `what` says which file. */
static void file_details(gv_log_parser *p, gv_event *ev, const match *m, gv_time_us t, bool first)
{
    gv_timeline *tl = p->tl;
    const char *g;
    size_t glen;
    if (first && group(m, RG_DIR, &g, &glen)) {
        ev->dir = gv_arena_strndup(&tl->arena, g, glen);
        /* kind and tag from ".../<kind>_checkpoints/<tag>" */
        const char *k = strstr(ev->dir, "_checkpoints/");
        if (k) {
            const char *b = k;
            while (b > ev->dir && b[-1] != '/')
                b--;
            ev->ckpt_kind = gv_arena_strndup(&tl->arena, b, (size_t)(k - b));
            const char *tag = k + strlen("_checkpoints/");
            ev->model_tag = gv_arena_strndup(&tl->arena, tag, strcspn(tag, "/"));
        } else {
            ev->ckpt_kind = ev->model_tag = "";
        }
        const char *st = "";
        size_t st_len = 0;
        group(m, RG_STEP, &st, &st_len);
        gv_buf_reset(&p->scratch);
        gv_buf_printf(&p->scratch, "model_%.*s", (int)(st_len < 20 ? st_len : 20), st);
        ev->model_id = gv_arena_strdup(&tl->arena, p->scratch.data);
    }
    if (!group(m, RG_WHAT, &g, &glen))
        return;
    ev->file_kinds = true;
    /* "model parameters" (or "model file", the older checkpoint manager's) */
    if (glen >= 5 && memcmp(g, "model", 5) == 0) {
        ev->has_model = true;
        ev->t = ev->start = t < ev->start ? t : ev->start;
        ev->line = p->line_no;
    } else if (glen >= 4 && memcmp(g, "meta", 4) == 0) {
        ev->has_meta = true;
    } else {
        ev->optim_len++;
        const char *f; /* nanochat's optim_005742_rank3.pt: the shard's rank (in the match) */
        size_t flen;
        if (capture(m, 0, &f, &flen))
            for (size_t i = 0; i + 6 <= flen; i++)
                if (memcmp(f + i, "_rank", 5) == 0 && f[i + 5] >= '0' && f[i + 5] <= '9') {
                    unsigned rank = 0;
                    for (size_t k = i + 5; k < flen && f[k] >= '0' && f[k] <= '9' && rank < 64; k++)
                        rank = rank * 10 + (unsigned)(f[k] - '0');
                    if (rank < 64)
                        ev->optim_rank_bits |= 1ull << rank;
                    break;
                }
    }
}

static void merge_line(gv_log_parser *p, const match *m, gv_time_us t)
{
    gv_timeline *tl = p->tl;
    const gv_rule_type *ty = &p->rules->types[m->rp->type];
    const char *key = "";
    size_t key_len = 0;
    if (ty->merge_key) {
        gv_buf_reset(&p->scratch);
        tmpl_ctx c = {p, m, NULL, -1};
        gv_event none = {.step = -1, .type = p->type_of[m->rp->type]};
        c.ev = &none;
        gv_tmpl_render(ty->merge_key, resolve, &c, &p->scratch);
        key = p->scratch.data;
        key_len = p->scratch.len;
    }
    gv_event *ev = p->merge_idx >= 0 ? &tl->events[p->merge_idx] : NULL;
    if (ev && (p->merge_type != m->rp->type || p->key.len != key_len || memcmp(p->key.data, key, key_len) != 0 ||
               (ty->merge_within_s >= 0 && (double)(t - p->merge_last_t) > ty->merge_within_s * 1e6)))
        ev = NULL;
    if (!ev) {
        gv_buf_reset(&p->key);
        gv_buf_append(&p->key, key, key_len);
        ev = new_event(p, m->rp->type, t);
        p->merge_idx = (long)(ev - tl->events);
        p->merge_type = m->rp->type;
        ev->step = group_long(m, RG_STEP);
        add_line_metrics(p, ev, m);
        p->merge_count_metric = -1;
        if (ty->count_metric) {
            p->merge_count_metric = (int)ev->metrics_len;
            gv_event_add_metric(tl, ev, ty->count_metric, 0);
        }
        file_details(p, ev, m, t, true);
        ev->label = render(p, ty->label, m, ev, p->merge_count_metric);
    } else {
        file_details(p, ev, m, t, false);
    }
    ev->files_len++;
    ev->end = t;
    p->merge_last_t = t;
    if (p->merge_count_metric >= 0)
        ev->metrics[p->merge_count_metric].value = ev->files_len;
}

static void point_event(gv_log_parser *p, const match *m, gv_time_us t)
{
    const gv_rule_type *ty = &p->rules->types[m->rp->type];
    gv_event *ev = new_event(p, m->rp->type, t);
    double dur = group_number(m, RG_DURATION);
    if (gv_duration_ok(dur)) {
        ev->start = t - (gv_time_us)llround(dur * 1e6);
        ev->printed_dur_s = dur;
    } else if (ty->window == GV_WINDOW_PREVIOUS_LINE) {
        ev->start = p->prev_line_t != GV_TIME_NONE && p->prev_line_t <= t ? p->prev_line_t : t;
        ev->start_previous = true;
    }
    ev->step = group_long(m, RG_STEP);
    add_line_metrics(p, ev, m);
    ev->label = render(p, ty->label, m, ev, -1);
}

static void on_event(gv_log_parser *p, const match *m, gv_time_us t)
{
    const gv_rule_type *ty = &p->rules->types[m->rp->type];
    /* a line of another kind ends an open merge; sessions end at lines of other types, merged
     * saves excepted (they may happen inside a session) */
    if (ty->grouping != GV_GROUP_MERGE || p->merge_type != m->rp->type)
        end_merge(p);
    if (ty->grouping != GV_GROUP_MERGE && p->sess_type >= 0 &&
        (ty->grouping != GV_GROUP_SESSION || p->sess_type != m->rp->type))
        close_session(p, NULL, t);
    switch (ty->grouping) {
    case GV_GROUP_NONE:
        point_event(p, m, t);
        break;
    case GV_GROUP_SESSION:
        if (m->rp->role == GV_ROLE_CLOSE)
            close_session(p, m, t);
        else
            session_item(p, m, t);
        break;
    case GV_GROUP_MERGE:
        merge_line(p, m, t);
        break;
    }
}

/* tl->log.step_totals holds n phases (a phase no line gave a total: -1), once any line gave one. */
static void totals_cover(gv_log_parser *p, size_t n)
{
    if (p->totals_cap >= n)
        return;
    size_t old = p->totals_cap;
    GV_GROW(p->tl->log.step_totals, p->totals_cap, n);
    for (size_t k = old; k < p->totals_cap; k++)
        p->tl->log.step_totals[k] = -1;
}

static bool on_step(gv_log_parser *p, const match *m, gv_time_us t)
{
    double v[GV_SF_KEPT] = {NAN, NAN, NAN, NAN, NAN, NAN};
    static const int field_of_group[RG_NUM_TOKENS - RG_LOSS + 1] = {
        GV_SF_LOSS, GV_SF_GRAD_NORM, GV_SF_LRM, GV_SF_DT_MS, GV_SF_TOK_PER_SEC,
        GV_SF_MFU, GV_SF_OTHER /* total_time_min */, GV_SF_OTHER /* eta_min */, GV_SF_OTHER /* num_tokens */};
    int known = 0;
    for (int g = RG_LOSS; g <= RG_NUM_TOKENS; g++) {
        double x = m->rp->group[g] >= 0 ? group_number(m, g) : NAN; /* (most patterns have none) */
        if (isnan(x))
            continue;
        known++;
        if (field_of_group[g - RG_LOSS] < GV_SF_KEPT)
            v[field_of_group[g - RG_LOSS]] = x;
    }
    const char *f, *k, *val;
    size_t flen, klen, vlen, off = 0;
    bool has_fields = group(m, RG_FIELDS, &f, &flen);
    while (has_fields && gv_step_next_field(p->cls, f, flen, &off, &k, &klen, &val, &vlen)) {
        int field = gv_step_field(k, klen);
        if (field == GV_SF_UNKNOWN)
            continue;
        known++;
        if (field < GV_SF_KEPT)
            v[field] = leading_number(val, vlen);
    }
    if (!known)
        return false; /* "Step N | something: x" that is not a training step */
    long step = group_long(m, RG_STEP);
    gv_timeline *tl = p->tl;
    if (p->pf && tl->steps_len == tl->steps_cap) { /* the records are about to move */
        gv_prefault_stop(p->pf);
        p->pf = NULL;
    }
    if (tl->steps_len == 0 || step < p->prev_step_no)
        tl->log.step_phases++;
    long total = group_long(m, RG_TOTAL);
    if (total > 0) { /* `step 766/1200`: the run's length */
        totals_cover(p, tl->log.step_phases);
        tl->log.step_totals[tl->log.step_phases - 1] = total;
    }
    gv_step *out = gv_timeline_add_step(tl);
    out->loss = v[GV_SF_LOSS];
    out->dt_ms = v[GV_SF_DT_MS];
    out->tok_per_sec = v[GV_SF_TOK_PER_SEC];
    out->mfu = v[GV_SF_MFU];
    out->grad_norm = (float)v[GV_SF_GRAD_NORM];
    out->lrm = (float)v[GV_SF_LRM];
    out->step = step > INT32_MAX ? INT32_MAX : step < 0 ? -1 : (int32_t)step;
    out->t = t;
    out->line = p->line_no > INT32_MAX ? INT32_MAX : (int32_t)p->line_no;
    out->phase = (int)tl->log.step_phases - 1;
    out->own_time = p->text_stamped;
    p->prev_step_no = step;
    return true;
}

/* ---------------------------------------------------------------- lines */

/* Whether the pattern's literal occurs in s[0..len): the prefilter that spares most lines a
 * regex run (true when it has none). */
static bool prefilter(const gv_rule_pattern *rp, const char *s, size_t len)
{
    const char *lit = rp->literal, *end = s + len;
    size_t n = rp->literal_len;
    if (!lit)
        return true;
    while ((size_t)(end - s) >= n) {
        const char *c = memchr(s, lit[0], (size_t)(end - s) - n + 1);
        if (!c)
            return false;
        if (memcmp(c, lit, n) == 0)
            return true;
        s = c + 1;
    }
    return false;
}

/* Zero bytes after b's text: PCRE2's JIT may read a few bytes past a subject's end (vector loads
 * whose excess it discards); they are then defined, for memory checkers too. */
static void pad_subject(gv_buf *b)
{
    static const char zeros[64];
    gv_buf_append(b, zeros, sizeof zeros);
    b->len -= sizeof zeros;
}

/* Copies the visible text of raw[0..len) into clean: after the last '\r' that is followed by text
 * (a terminal shows only the last rewrite), without ANSI escape sequences. */
static void visible_text(gv_buf *clean, const char *raw, size_t len)
{
    size_t from = 0;
    for (const char *cr = memchr(raw, '\r', len); cr; cr = memchr(cr + 1, '\r', len - (size_t)(cr + 1 - raw)))
        if ((size_t)(cr - raw) + 1 < len)
            from = (size_t)(cr - raw) + 1;
    gv_buf_reset(clean);
    gv_buf_append(clean, "", 0); /* data is never NULL */
    size_t i = from;
    while (i < len) {
        /* copy the run up to the next escape or carriage return in one go */
        size_t run = i;
        while (run < len && raw[run] != 0x1B && raw[run] != '\r')
            run++;
        gv_buf_append(clean, raw + i, run - i);
        i = run;
        if (i >= len)
            break;
        if (raw[i] == '\r') {
            i++;
            continue;
        }
        if (i + 1 < len && raw[i + 1] == '[') { /* CSI: ESC [ params intermediates final */
            i += 2;
            while (i < len && !((unsigned char)raw[i] >= 0x40 && (unsigned char)raw[i] <= 0x7E))
                i++;
            i++;
        } else if (i + 1 < len && raw[i + 1] == ']') { /* OSC: up to BEL or ESC \ */
            i += 2;
            while (i < len && raw[i] != 0x07 && !(raw[i] == 0x1B && i + 1 < len && raw[i + 1] == '\\'))
                i++;
            i += i < len && raw[i] == 0x1B ? 2 : 1;
        } else {
            i += 2; /* a two-byte escape */
        }
    }
}


/* A timestamp's month: a number, or an English month name or its first three letters. */
static double month_number(const match *m)
{
    const char *g;
    size_t glen;
    if (!group(m, RG_MONTH, &g, &glen))
        return NAN;
    if (glen >= 3 && ((g[0] | 0x20) >= 'a' && (g[0] | 0x20) <= 'z')) {
        int k = gv_month_from_name(g, glen);
        return k ? k : NAN;
    }
    return leading_number(g, glen);
}

/* `[H:]MM:SS` (tqdm's elapsed time) or a number of seconds -> microseconds; -1 when not one. */
static gv_time_us elapsed_us(const char *g, size_t len)
{
    double parts[3];
    size_t n = 0, i = 0;
    while (i < len && n < 3) {
        size_t j = i;
        while (j < len && g[j] != ':')
            j++;
        double v;
        if (j == i || gv_parse_number(g + i, j - i, &v) != GV_NUM_OK || !(v >= 0))
            return -1;
        parts[n++] = v;
        i = j + (j < len);
        if (j == len)
            break;
    }
    if (i < len || n == 0)
        return -1;
    double s = n == 3 ? parts[0] * 3600 + parts[1] * 60 + parts[2] : n == 2 ? parts[0] * 60 + parts[1] : parts[0];
    return gv_duration_ok(s) ? (gv_time_us)llround(s * 1e6) : -1;
}

/* A rules-file timestamp in the visible text s: GV_TIME_NONE when none matches. An `elapsed` one
 * counts from the log's start (GV_LOG_ORIGIN; *relative set): one that goes back from the last
 * (a nested progress bar starting at 00:00) or comes after a time of day is not used. */
static gv_time_us custom_time(gv_log_parser *p, const char *s, size_t len, int *digits, bool *relative)
{
    *relative = false;
    const gv_log_rules *r = p->rules;
    for (size_t i = 0; i < r->stamps_len; i++) {
        match m = {&r->stamps[i], p->md_stamps[i], s};
        if (!prefilter(m.rp, s, len) ||
            pcre2_match(m.rp->code, (PCRE2_SPTR)s, len, 0, 0, m.md, NULL) < 0)
            continue;
        const char *g;
        size_t glen;
        gv_time_us t = GV_TIME_NONE;
        if (group(&m, RG_TIME, &g, &glen)) {
            if (gv_time_parse(g, glen, &t, digits) != glen)
                t = GV_TIME_NONE;
        } else if (group(&m, RG_ELAPSED, &g, &glen)) {
            gv_time_us e = elapsed_us(g, glen);
            bool absolute_seen = p->cur_t != GV_TIME_NONE && !p->tl->log.relative;
            if (e >= 0 && !absolute_seen && (p->cur_t == GV_TIME_NONE || GV_LOG_ORIGIN + e >= p->cur_t)) {
                t = GV_LOG_ORIGIN + e;
                *digits = 6;
                *relative = true;
            }
        } else if (group(&m, RG_EPOCH_S, &g, &glen) || group(&m, RG_EPOCH_MS, &g, &glen)) {
            double v = leading_number(g, glen) * (m.rp->group[RG_EPOCH_MS] >= 0 ? 1e3 : 1e6); /* us */
            if (v >= 0 && v < 4e17) { /* (until the year 14000) */
                t = (gv_time_us)llround(v);
                *digits = m.rp->group[RG_EPOCH_MS] >= 0 ? 3 : 6;
            }
        } else {
            double y = group_number(&m, RG_YEAR), mo = month_number(&m),
                   d = group_number(&m, RG_DAY), h = group_number(&m, RG_HOUR),
                   mi = group_number(&m, RG_MINUTE), sec = group_number(&m, RG_SECOND);
            if (isnan(sec))
                sec = 0;
            if (y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 &&
                h < 24 && mi >= 0 && mi < 60 && sec >= 0 && sec < 61) {
                int64_t days = gv_days_from_civil((int)y, (unsigned)mo, (unsigned)d);
                t = ((days * 24 + (int64_t)h) * 60 + (int64_t)mi) * 60000000 + llround(sec * 1e6);
                *digits = 6;
            }
        }
        if (t != GV_TIME_NONE)
            return t;
    }
    return GV_TIME_NONE;
}

static bool process_text(gv_log_parser *p, const char *s, size_t slen, gv_time_us t_prefix, int prefix_digits);

/* A physical line: its prefix time, then each '\r'-separated part (a progress line rewritten in
 * place, a logging line glued after a step line) as a line of its own text. A line that repeats
 * the previous one byte for byte after that one made an event or a step (the same output
 * captured twice, e.g. tee and a redirect) is counted and skipped. */
static void process_line(gv_log_parser *p, const char *raw, size_t len)
{
    p->line_no++;
    while (len && (raw[len - 1] == '\r'))
        len--;
    if (p->prev_owned && len == p->prev_len && memcmp(raw, p->prev, len) == 0) {
        p->tl->log.duplicate_lines++;
        p->prev_owned = false; /* a third copy is a line again */
        return;
    }

    /* 1. a prefix stamped by a pipe (ts, awk): "YYYY-MM-DD HH:MM:SS[.f] " */
    gv_time_us t_prefix = GV_TIME_NONE;
    int prefix_digits = -1;
    size_t used = gv_time_parse_cached(&p->tc_prefix, raw, len, &t_prefix, &prefix_digits);
    /* a logging time at the start ("...:SS,mmm - ") is not a prefix; nor is a time glued to text */
    if (used && ((used > 19 && raw[19] == ',') || !(used == len || raw[used] == ' ' || raw[used] == '\t'))) {
        used = 0;
        t_prefix = GV_TIME_NONE;
        prefix_digits = -1;
    }
    while (used && used < len && (raw[used] == ' ' || raw[used] == '\t'))
        used++;

    const char *s = raw + used, *end = raw + len;
    bool owned = false;
    p->line_stamped = false;
    const char *cr = memchr(s, '\r', (size_t)(end - s));
    if (!cr) {
        owned = process_text(p, s, (size_t)(end - s), t_prefix, prefix_digits);
    } else {
        for (;;) {
            if (cr > s)
                owned |= process_text(p, s, (size_t)(cr - s), t_prefix, prefix_digits);
            if (cr == end)
                break;
            s = cr + 1;
            cr = memchr(s, '\r', (size_t)(end - s));
            if (!cr)
                cr = end;
        }
    }
    p->tl->log.stamped_lines += p->line_stamped;
    p->prev_owned = owned;
    p->prev = raw;
    p->prev_len = len;
}

/* The text of one line (or one '\r' part of it): its time, then the patterns. True when an
 * event or a step took it. */
static bool process_text(gv_log_parser *p, const char *s, size_t slen, gv_time_us t_prefix, int prefix_digits)
{
    gv_time_us t_log = GV_TIME_NONE;
    int log_digits = -1;
    /* 2. the visible, uncoloured text (most lines are that already: no copy) */
    if (memchr(s, 0x1B, slen)) {
        visible_text(&p->clean, s, slen);
        pad_subject(&p->clean);
        s = p->clean.data;
        slen = p->clean.len;
    }

    /* 3. a Python logging time "YYYY-MM-DD HH:MM:SS,mmm - " */
    size_t lu = gv_time_parse_cached(&p->tc_log, s, slen, &t_log, &log_digits);
    if (!(lu && lu + 2 < slen && memcmp(s + lu, " - ", 3) == 0))
        t_log = GV_TIME_NONE;

    bool relative = false;
    if (t_log == GV_TIME_NONE && p->rules->stamps_len)
        t_log = custom_time(p, s, slen, &log_digits, &relative);
    if (t_log != GV_TIME_NONE && !relative && p->tl->log.relative && p->cur_t != GV_TIME_NONE) {
        t_log = GV_TIME_NONE; /* (a time of day after elapsed times: the two do not mix) */
    }
    if (relative)
        p->tl->log.relative = true;

    gv_time_us t;
    p->line_logged = t_log != GV_TIME_NONE && (t_prefix == GV_TIME_NONE || log_digits >= prefix_digits);
    if (p->line_logged)
        t = t_log;
    else
        t = t_prefix;
    gv_timeline *tl = p->tl;
    bool stamped = t != GV_TIME_NONE;
    p->text_stamped = stamped;
    if (stamped) {
        p->line_stamped = true;
        if (p->span_open) { /* the run of lines without a time that held items ends here */
            GV_GROW(tl->log.spans, tl->log.spans_cap, tl->log.spans_len + 1);
            tl->log.spans[tl->log.spans_len++] = (gv_log_span){
                p->stamp_line, p->line_no, p->stamp_t, t, p->span_first == p->stamp_line, p->span_last == p->line_no};
            p->span_open = false;
        }
        p->stamp_line = p->line_no;
        p->stamp_t = t;
        if (p->cur_t != GV_TIME_NONE && t < p->cur_t - 1000000) {
            gv_diag_warn(p->diag, GV_WARN_LOG_LINE, p->file, p->line_no,
                         "timestamp goes back %.3f s from the previous one",
                         (double)(p->cur_t - t) / 1e6);
            if (tl->log.backwards_count++ < GV_ANOMALIES_PER_KIND_MAX) {
                GV_GROW(tl->log.backwards, tl->log.backwards_cap, tl->log.backwards_len + 1);
                tl->log.backwards[tl->log.backwards_len++] = (struct gv_log_backwards){
                    p->line_no, t, (double)(p->cur_t - t) / 1e6};
            }
        }
        p->cur_t = t;
        if (tl->log.first == GV_TIME_NONE || t < tl->log.first)
            tl->log.first = t;
        if (tl->log.last == GV_TIME_NONE || t > tl->log.last)
            tl->log.last = t;
    }
    /* a line without a time of its own takes the last time seen for now (0 before the first):
     * gv_log_clock_place puts it between the stamped lines around it */
    t = p->cur_t != GV_TIME_NONE ? p->cur_t : 0;

    const gv_log_rules *r = p->rules;
    bool owned = false;
    for (size_t i = 0; i < r->events_len && !owned; i++) {
        match m = {&r->events[i], p->md_events[i], s};
        if (!prefilter(m.rp, s, slen) ||
            pcre2_match(m.rp->code, (PCRE2_SPTR)s, slen, 0, 0, m.md, NULL) < 0)
            continue;
        owned = true;
        on_event(p, &m, t);
    }
    for (size_t i = 0; i < r->steps_len && !owned; i++) {
        match m = {&r->steps[i], p->md_steps[i], s};
        if (!prefilter(m.rp, s, slen) ||
            pcre2_match(m.rp->code, (PCRE2_SPTR)s, slen, 0, 0, m.md, NULL) < 0)
            continue;
        owned = on_step(p, &m, t);
        if (owned) { /* a training step ends an open session (its step is the context) */
            close_session(p, NULL, t);
            end_merge(p);
            p->last_step = tl->steps[tl->steps_len - 1].step;
        }
    }
    for (size_t i = 0; i < r->world_len && !owned; i++) { /* "Distributed world size: 4" (on a line
                                                               no step or event pattern took) */
        match m = {&r->world[i], p->md_world[i], s};
        const char *g;
        size_t glen;
        if (prefilter(m.rp, s, slen) && pcre2_match(m.rp->code, (PCRE2_SPTR)s, slen, 0, 0, m.md, NULL) >= 0 &&
            group(&m, RG_RANKS, &g, &glen)) {
            double n = leading_number(g, glen);
            if (n >= 1 && n <= 1e6)
                p->world_size = (int)n;
        }
    }
    if (owned && !stamped) {
        if (!p->span_open)
            p->span_first = p->line_no;
        p->span_last = p->line_no;
        p->span_open = true;
    }
    p->prev_line_t = t;
    return owned;
}

/* ---------------------------------------------------------------- lifecycle */

static pcre2_match_data **match_data(const gv_rule_pattern *pats, size_t n)
{
    pcre2_match_data **md = gv_xcalloc(n + 1, sizeof *md);
    for (size_t i = 0; i < n; i++)
        md[i] = pcre2_match_data_create_from_pattern(pats[i].code, NULL);
    return md;
}

static void free_match_data(pcre2_match_data **md, size_t n)
{
    for (size_t i = 0; md && i < n; i++)
        pcre2_match_data_free(md[i]);
    free(md);
}

gv_log_parser *gv_log_parser_new(gv_timeline *tl, const gv_log_rules *rules, const char *file_name,
                                  const gv_diag *diag)
{
    gv_log_parser *p = gv_xcalloc(1, sizeof *p);
    p->tl = tl;
    p->rules = rules;
    p->file = file_name;
    p->diag = diag;
    p->cur_t = p->prev_line_t = p->stamp_t = GV_TIME_NONE;
    p->last_step = -1;
    p->sess_type = -1;
    p->merge_idx = -1;
    p->merge_type = -1;
    gv_step_char_classes(p->cls);
    gv_buf_init(&p->line, 0);
    gv_buf_init(&p->clean, 0);
    gv_buf_init(&p->scratch, 0);
    gv_buf_init(&p->key, 0);
    gv_buf_init(&p->prev_raw, 0);
    p->md_events = match_data(rules->events, rules->events_len);
    p->md_steps = match_data(rules->steps, rules->steps_len);
    p->md_stamps = match_data(rules->stamps, rules->stamps_len);
    p->md_world = match_data(rules->world, rules->world_len);
    p->type_of = gv_xcalloc(rules->types_len + 1, sizeof *p->type_of);
    gv_log_rules_register_types(rules, tl, p->type_of);
    return p;
}

/* The previous line into prev_raw, before the bytes it was read from change. */
static void keep_prev(gv_log_parser *p)
{
    if (p->prev_owned && p->prev != p->prev_raw.data) {
        gv_buf_reset(&p->prev_raw);
        gv_buf_append(&p->prev_raw, p->prev, p->prev_len);
        p->prev = p->prev_raw.data;
    }
}

void gv_log_parser_feed(gv_log_parser *p, const char *buf, size_t len)
{
    while (len) {
        const char *nl = memchr(buf, '\n', len);
        size_t n = nl ? (size_t)(nl - buf) : len;
        if (nl && p->line.len == 0 && !p->truncated && n <= GV_LOG_LINE_MAX) {
            process_line(p, buf, n); /* a whole line in the buffer: read it in place */
            buf += n + 1;
            len -= n + 1;
            continue;
        }
        if (!p->truncated) {
            size_t room = GV_LOG_LINE_MAX - p->line.len;
            if (n > room) {
                gv_buf_append(&p->line, buf, room);
                p->truncated = true;
                gv_diag_warn(p->diag, GV_WARN_LOG_LINE, p->file, p->line_no + 1,
                             "line longer than %u bytes; the rest is ignored", GV_LOG_LINE_MAX);
            } else {
                gv_buf_append(&p->line, buf, n);
            }
        }
        if (!nl)
            break;
        pad_subject(&p->line);
        process_line(p, p->line.data, p->line.len);
        keep_prev(p);
        gv_buf_reset(&p->line);
        p->truncated = false;
        buf += n + 1;
        len -= n + 1;
    }
    keep_prev(p); /* (buf is the caller's) */
}

void gv_log_parser_finish(gv_log_parser *p)
{
    if (p->line.len || p->truncated) {
        pad_subject(&p->line);
        process_line(p, p->line.data, p->line.len);
    }
    gv_buf_reset(&p->line);
    p->truncated = false;
    close_session(p, NULL, p->cur_t != GV_TIME_NONE ? p->cur_t : 0);
    end_merge(p);
    gv_timeline *tl = p->tl;
    if (tl->log.step_totals) /* (every phase, the later ones without a total too) */
        totals_cover(p, tl->log.step_phases);
    if (p->span_open) {
        GV_GROW(tl->log.spans, tl->log.spans_cap, tl->log.spans_len + 1);
        tl->log.spans[tl->log.spans_len++] = (gv_log_span){
            p->stamp_line, LONG_MAX, p->stamp_t, GV_TIME_NONE, p->span_first == p->stamp_line, false};
        p->span_open = false;
    }
    tl->log.lines = (size_t)p->line_no;
}


size_t gv_log_guess_rules(const char *text, size_t len, size_t *items)
{
    size_t best = 0, best_n = 0;
    for (size_t i = 0; i < gv_log_rules_builtin_count(); i++) {
        gv_error err;
        gv_log_rules *r = gv_log_rules_builtin_at(i, &err);
        if (!r)
            continue; /* (a built-in set always compiles: a test loads each) */
        gv_timeline tl;
        gv_timeline_init(&tl);
        gv_log_parser *p = gv_log_parser_new(&tl, r, "", NULL);
        gv_log_parser_feed(p, text, len);
        gv_log_parser_finish(p);
        size_t n = tl.steps_len + tl.events_len;
        if (n && !tl.log.relative) /* lines it gives a time of day (its own timestamp patterns:
                                      MLPerf's time_ms) count too; elapsed times do not */
            n += tl.log.stamped_lines;
        if (n > best_n) {
            best = i;
            best_n = n;
        }
        gv_log_parser_free(p);
        gv_timeline_cleanup(&tl);
        gv_log_rules_free(r);
    }
    if (items)
        *items = best_n;
    return best;
}

void gv_log_parser_free(gv_log_parser *p)
{
    if (!p)
        return;
    gv_prefault_stop(p->pf);
    free_match_data(p->md_events, p->rules->events_len);
    free_match_data(p->md_steps, p->rules->steps_len);
    free_match_data(p->md_stamps, p->rules->stamps_len);
    free_match_data(p->md_world, p->rules->world_len);
    free(p->type_of);
    gv_buf_cleanup(&p->line);
    gv_buf_cleanup(&p->clean);
    gv_buf_cleanup(&p->scratch);
    gv_buf_cleanup(&p->key);
    gv_buf_cleanup(&p->prev_raw);
    free(p->tasks);
    free(p);
}

/* How far ahead of the parser the helper commits step records (a 1 MB read adds about 0.4 MB
 * of them on nanochat logs). */
#define PREFAULT_AHEAD ((size_t)8 << 20)

gv_status gv_log_parse_file(const char *path, const gv_log_rules *rules, gv_timeline *tl,
                            const gv_diag *diag, const gv_log_read_opts *o, gv_error *err, long *lines)
{
    gv_input *in;
    gv_status st = gv_input_open(&in, path, err);
    if (st != GV_OK)
        return st;
    gv_log_parser *p = gv_log_parser_new(tl, rules, path, diag);
    if (!gv_input_compressed(in)) { /* step lines are longer than 64 bytes */
        gv_timeline_reserve_steps(tl, (size_t)(gv_input_size(in) / 64));
        if (o && o->helper_min && tl->steps_large && gv_input_size(in) >= o->helper_min)
            p->pf = gv_prefault_start(tl->steps, tl->steps_cap * sizeof *tl->steps, PREFAULT_AHEAD);
    }
    size_t cap = 1 << 20;
    char *buf = gv_xalloc_large(cap); /* (one huge page rather than 256 faults) */
    long n;
    while ((n = gv_input_read(in, buf, cap, err)) > 0) {
        gv_log_parser_feed(p, buf, (size_t)n);
        gv_prefault_mark(p->pf, tl->steps_len * sizeof *tl->steps);
        if (o && o->progress)
            o->progress(o->progress_ctx, gv_input_consumed(in), gv_input_size(in));
    }
    if (n < 0) {
        st = GV_ERR_INPUT;
    } else {
        gv_log_parser_finish(p);
        if (lines)
            *lines = p->line_no;
    }
    gv_free_large(buf, cap);
    gv_log_parser_free(p);
    gv_input_close(in);
    return st;
}
