/* log_parser.c: nanochat training logs -> events and steps. The only file that includes
 * <pcre2.h>. Depends on model and util; never on the CSV reader or the emitters.
 *
 * Per line: split off a timestamp prefix, keep what a terminal would show after the last '\r',
 * strip ANSI escape sequences, read a Python logging time, then try the rule table in order
 * (a cheap literal prefilter before each pattern). The first rule that matches owns the line. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "gpuviz/log_parser.h"

#include "gpuviz/buf.h"
#include "gpuviz/input.h"
#include "gpuviz/numparse.h"

#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { R_VALIDATION, R_CORE, R_EVAL_TASK, R_CHECKPOINT, R_STEP, R_COUNT } rule_id;

/* The built-in rules for nanochat logs (docs/formats.md). One table; order matters. */
static const struct {
    rule_id id;
    const char *literal; /* must occur in the line for the pattern to be tried */
    const char *pattern;
} RULES[R_COUNT] = {
    {R_VALIDATION, "Validation",
     "\\bStep\\s+(?<step>\\d+)\\s*\\|\\s*Validation\\s+(?<metric>bpb|loss)\\s*:\\s*(?<value>[-+0-9.eE]+|nan|inf)"},
    {R_CORE, "CORE metric", "\\bStep\\s+(?<step>\\d+)\\s*\\|\\s*CORE metric\\s*:\\s*(?<value>[-+0-9.eE]+)"},
    {R_EVAL_TASK, "Evaluating:",
     "Evaluating:\\s+(?<task>[^\\s(]+)(?:\\s+\\((?<shots>\\d+)-shot,\\s*type:\\s*(?<type>[^)]*)\\))?"
     "(?:.*?accuracy:\\s*(?<acc>[-0-9.]+)\\s*\\|\\s*centered:\\s*(?<cent>[-0-9.]+)"
     "\\s*\\|\\s*time:\\s*(?<time>[0-9.]+)s)?"},
    {R_CHECKPOINT, "Saved ",
     "Saved (?<what>model parameters|metadata|optimizer state) to:\\s*(?<dir>\\S*)/"
     "(?<file>(?:model|meta|optim)_(?<step>\\d+)\\S*)"},
    {R_STEP, "tep ",
     "^\\s*[Ss]tep\\s+(?<step>\\d+)(?:\\s*/\\s*(?<total>\\d+))?(?:\\s+\\([0-9.]+%\\))?\\s*\\|(?<fields>.*)$"},
};

/* Names of the capture groups used anywhere; looked up per rule at start. */
enum { G_STEP, G_METRIC, G_VALUE, G_TASK, G_SHOTS, G_TYPE, G_ACC, G_CENT, G_TIME, G_WHAT, G_DIR,
       G_FILE, G_TOTAL, G_FIELDS, G_COUNT };
static const char *const GROUP_NAMES[G_COUNT] = {"step", "metric", "value", "task",  "shots",
                                                 "type", "acc",    "cent",  "time",  "what",
                                                 "dir",  "file",   "total", "fields"};

#define FIELD_PATTERN "\\s*(?<key>[A-Za-z][A-Za-z0-9_/ ]*?)\\s*:\\s*(?<val>[^|]*)"

typedef struct {
    pcre2_code *code;
    pcre2_match_data *md;
    int group[G_COUNT]; /* group numbers, -1 when the rule has no such group */
} compiled_rule;

struct gv_log_parser {
    gv_timeline *tl;
    const char *file;
    const gv_diag *diag;
    compiled_rule rules[R_COUNT];
    pcre2_code *field_re;
    pcre2_match_data *field_md;
    int field_key, field_val;

    gv_buf line;       /* the raw line being collected */
    bool truncated;
    gv_buf clean;      /* the visible text of the line */
    long line_no;

    gv_time_us cur_t;  /* last time seen */
    bool line_logged;  /* the current line's time is its own Python logging time */
    gv_time_us prev_line_t; /* effective time of the previous line */
    long last_step;    /* last training step seen (context for evaluation labels) */
    long prev_step_no; /* for phase detection */

    /* open evaluation session */
    bool sess_open;
    long sess_first_line;
    gv_time_us sess_first_t;
    gv_eval_task *tasks;
    size_t tasks_len, tasks_cap;

    /* open checkpoint: an index, as the events array may move */
    long ckpt_idx;
};

/* ---------------------------------------------------------------- regex plumbing */

static bool compile_rule(compiled_rule *cr, const char *pattern, gv_error *err)
{
    int ec;
    PCRE2_SIZE eo;
    cr->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
    if (!cr->code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        gv_error_set(err, NULL, 0, "built-in pattern error at offset %zu: %s", (size_t)eo,
                     (const char *)msg);
        return false;
    }
    pcre2_jit_compile(cr->code, PCRE2_JIT_COMPLETE); /* falls back to the interpreter if absent */
    cr->md = pcre2_match_data_create_from_pattern(cr->code, NULL);
    for (int g = 0; g < G_COUNT; g++) {
        int n = pcre2_substring_number_from_name(cr->code, (PCRE2_SPTR)GROUP_NAMES[g]);
        cr->group[g] = n > 0 ? n : -1;
    }
    return true;
}

static bool rule_match(compiled_rule *cr, const char *s, size_t len)
{
    return pcre2_match(cr->code, (PCRE2_SPTR)s, len, 0, 0, cr->md, NULL) >= 0;
}

/* Captured group g of the last match: pointer and length; false when unset. */
static bool group(const compiled_rule *cr, const char *s, int g, const char **p, size_t *len)
{
    int n = cr->group[g];
    if (n < 0)
        return false;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(cr->md);
    if (ov[2 * n] == PCRE2_UNSET)
        return false;
    *p = s + ov[2 * n];
    *len = ov[2 * n + 1] - ov[2 * n];
    return true;
}

/* Number from text like "178,321", "2940.12ms", "97.90m", "0.5040", "1 pq: 2": thousands
 * separators dropped, the leading number taken, units after it ignored. NAN if none. */
static double leading_number(const char *s, size_t len)
{
    /* the common case, digits and a point followed by a unit or spaces, without strtod */
    size_t n = 0;
    while (n < len && (s[n] == ' '))
        n++;
    size_t start = n;
    if (n < len && (s[n] == '-' || s[n] == '+'))
        n++;
    while (n < len && ((unsigned)(s[n] - '0') < 10 || s[n] == '.'))
        n++;
    double v;
    if (n > start && (n == len || (s[n] != ',' && s[n] != 'e' && s[n] != 'E')) &&
        gv_parse_number(s + start, n - start, &v) == GV_NUM_OK)
        return v;
    char tmp[64];
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < sizeof tmp; i++) {
        if (s[i] == ',' && o > 0 && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9')
            continue;
        tmp[o++] = s[i];
    }
    tmp[o] = '\0';
    char *end;
    v = strtod(tmp, &end);
    return end == tmp ? NAN : v;
}

static double group_number(const compiled_rule *cr, const char *s, int g)
{
    const char *p;
    size_t len;
    return group(cr, s, g, &p, &len) ? leading_number(p, len) : NAN;
}

static long group_long(const compiled_rule *cr, const char *s, int g)
{
    double v = group_number(cr, s, g);
    return isfinite(v) && v >= 0 && v < 1e15 ? (long)v : -1;
}

/* ---------------------------------------------------------------- events */

static const char *fmt_label(gv_timeline *tl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *fmt_label(gv_timeline *tl, const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return gv_arena_strdup(&tl->arena, buf);
}

static void close_session(gv_log_parser *p, bool complete, long step, double core, long line,
                          gv_time_us t_line)
{
    if (!p->sess_open && !complete)
        return;
    gv_timeline *tl = p->tl;
    gv_time_us end = complete ? t_line : p->tasks_len ? p->tasks[p->tasks_len - 1].t_end : p->sess_first_t;
    gv_time_us start = p->sess_open ? p->sess_first_t : t_line;
    if (p->tasks_len && p->tasks[0].t_end != GV_TIME_NONE && isfinite(p->tasks[0].time_s))
        start = p->tasks[0].t_end - (gv_time_us)llround(p->tasks[0].time_s * 1e6);
    if (end == GV_TIME_NONE || start == GV_TIME_NONE) {
        gv_diag_warn(p->diag, GV_WARN_LOG_EVENT, p->file, p->sess_open ? p->sess_first_line : line,
                     "evaluation session has no timestamp (no time seen before it); dropped");
    } else {
        gv_event *ev = gv_timeline_add_event(tl, GV_EV_EVALUATION);
        if (start > end)
            start = end;
        ev->t = ev->start = start;
        ev->end = end;
        ev->first_line = p->sess_open ? p->sess_first_line : line;
        ev->line = complete ? line : p->tasks_len ? p->tasks[p->tasks_len - 1].line : ev->first_line;
        ev->step = complete ? step : p->last_step;
        ev->complete = complete;
        ev->printed = !p->line_logged;
        if (p->tasks_len) {
            ev->tasks = gv_arena_alloc(&tl->arena, p->tasks_len * sizeof *ev->tasks);
            memcpy(ev->tasks, p->tasks, p->tasks_len * sizeof *ev->tasks);
            ev->tasks_len = p->tasks_len;
        }
        if (complete)
            gv_event_add_metric(tl, ev, "core", core);
        gv_event_add_metric(tl, ev, "tasks", (double)p->tasks_len);
        ev->label = ev->step >= 0 ? fmt_label(tl, "Eval S%ld", ev->step) : fmt_label(tl, "Eval");
        if (!complete)
            gv_diag_warn(p->diag, GV_WARN_LOG_EVENT, p->file, ev->first_line,
                         "evaluation session (%zu tasks) has no CORE metric line; kept as "
                         "incomplete, ending at line %ld", p->tasks_len, ev->line);
    }
    p->sess_open = false;
    p->tasks_len = 0;
}

static void close_checkpoint(gv_log_parser *p)
{
    p->ckpt_idx = -1;
}

static void on_validation(gv_log_parser *p, const compiled_rule *cr, const char *s, gv_time_us t)
{
    gv_timeline *tl = p->tl;
    const char *m;
    size_t mlen;
    bool bpb = group(cr, s, G_METRIC, &m, &mlen) && mlen == 3 && memcmp(m, "bpb", 3) == 0;
    gv_event *ev = gv_timeline_add_event(tl, GV_EV_VALIDATION);
    ev->t = ev->end = t;
    ev->start = p->prev_line_t != GV_TIME_NONE && p->prev_line_t <= t ? p->prev_line_t : t;
    ev->line = ev->first_line = p->line_no;
    ev->printed = !p->line_logged;
    ev->step = group_long(cr, s, G_STEP);
    double v = group_number(cr, s, G_VALUE);
    gv_event_add_metric(tl, ev, bpb ? "bpb" : "loss", v);
    ev->label = fmt_label(tl, "Val: %.3f", v);
}

static void on_eval_task(gv_log_parser *p, const compiled_rule *cr, const char *s, gv_time_us t)
{
    gv_timeline *tl = p->tl;
    if (!p->sess_open) {
        p->sess_open = true;
        p->sess_first_line = p->line_no;
        p->sess_first_t = t;
        p->tasks_len = 0;
    }
    GV_GROW(p->tasks, p->tasks_cap, p->tasks_len + 1);
    gv_eval_task *k = &p->tasks[p->tasks_len++];
    const char *g;
    size_t glen;
    k->name = group(cr, s, G_TASK, &g, &glen) ? gv_arena_strndup(&tl->arena, g, glen) : "";
    k->type = group(cr, s, G_TYPE, &g, &glen) ? gv_arena_strndup(&tl->arena, g, glen) : "";
    long shots = group_long(cr, s, G_SHOTS);
    k->shots = shots >= 0 && shots < 1000000 ? (int)shots : -1;
    k->accuracy = group_number(cr, s, G_ACC);
    k->centered = group_number(cr, s, G_CENT);
    k->time_s = group_number(cr, s, G_TIME);
    k->t_end = t;
    k->line = p->line_no;
}

static void on_checkpoint(gv_log_parser *p, const compiled_rule *cr, const char *s, gv_time_us t)
{
    gv_timeline *tl = p->tl;
    const char *dir = "", *what = "", *step = "";
    size_t dir_len = 0, what_len = 0, step_len = 0;
    group(cr, s, G_DIR, &dir, &dir_len);
    group(cr, s, G_WHAT, &what, &what_len);
    group(cr, s, G_STEP, &step, &step_len);
    long step_no = group_long(cr, s, G_STEP);

    gv_event *ev = p->ckpt_idx >= 0 ? &tl->events[p->ckpt_idx] : NULL;
    if (ev && (ev->step != step_no || strlen(ev->dir) != dir_len || memcmp(ev->dir, dir, dir_len) != 0))
        ev = NULL;
    if (!ev) {
        ev = gv_timeline_add_event(tl, GV_EV_CHECKPOINT);
        p->ckpt_idx = (long)(ev - tl->events);
        ev->t = ev->start = ev->end = t;
        ev->line = ev->first_line = p->line_no;
        ev->step = step_no;
        ev->dir = gv_arena_strndup(&tl->arena, dir, dir_len);
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
        ev->label = fmt_label(tl, "CP %.*s", (int)(step_len < 20 ? step_len : 20), step);
        ev->model_id = fmt_label(tl, "model_%.*s", (int)(step_len < 20 ? step_len : 20), step);
    }
    ev->files_len++;
    ev->end = t;
    if (what_len == strlen("model parameters") && memcmp(what, "model parameters", what_len) == 0) {
        ev->has_model = true;
        ev->t = ev->start = t < ev->start ? t : ev->start;
        ev->line = p->line_no;
    } else if (what_len == strlen("metadata")) {
        ev->has_meta = true;
    } else {
        ev->optim_len++;
    }
    if (ev->metrics_len == 0)
        gv_event_add_metric(tl, ev, "files", 0);
    ev->metrics[0].value = ev->files_len;
}

static bool key_is(const char *k, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(k, name, len) == 0;
}

static bool on_step(gv_log_parser *p, const compiled_rule *cr, const char *s, gv_time_us t)
{
    const char *f;
    size_t flen;
    if (!group(cr, s, G_FIELDS, &f, &flen))
        return false;
    gv_step st = {.loss = NAN, .grad_norm = NAN, .lrm = NAN, .dt_ms = NAN, .tok_per_sec = NAN,
                  .mfu = NAN, .total_time_min = NAN, .eta_min = NAN, .num_tokens = NAN};
    int known = 0;
    PCRE2_SIZE off = 0;
    while (off < flen &&
           pcre2_match(p->field_re, (PCRE2_SPTR)f, flen, off, 0, p->field_md, NULL) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->field_md);
        const char *k = f + ov[2 * p->field_key];
        size_t klen = ov[2 * p->field_key + 1] - ov[2 * p->field_key];
        double v = leading_number(f + ov[2 * p->field_val], ov[2 * p->field_val + 1] - ov[2 * p->field_val]);
        double *slot = key_is(k, klen, "loss") || key_is(k, klen, "training loss") ? &st.loss
                     : key_is(k, klen, "grad norm")                              ? &st.grad_norm
                     : key_is(k, klen, "lrm")                                    ? &st.lrm
                     : key_is(k, klen, "dt")                                     ? &st.dt_ms
                     : key_is(k, klen, "tok/sec")                                ? &st.tok_per_sec
                     : key_is(k, klen, "mfu") || key_is(k, klen, "bf16_mfu")     ? &st.mfu
                     : key_is(k, klen, "total time")                             ? &st.total_time_min
                     : key_is(k, klen, "eta")                                    ? &st.eta_min
                     : key_is(k, klen, "num_tokens")                             ? &st.num_tokens
                                                                                 : NULL;
        if (slot) {
            *slot = v;
            known++;
        }
        off = ov[1] > off ? ov[1] : off + 1;
    }
    if (!known)
        return false; /* "Step N | something: x" that is not a training step */
    long step = group_long(cr, s, G_STEP);
    gv_timeline *tl = p->tl;
    if (tl->steps_len == 0 || step < p->prev_step_no)
        tl->step_phases++;
    gv_step *out = gv_timeline_add_step(tl);
    *out = st;
    out->step = step;
    out->total = group_long(cr, s, G_TOTAL);
    out->t = t;
    out->line = p->line_no;
    out->phase = (int)tl->step_phases - 1;
    p->prev_step_no = step;
    return true;
}

/* ---------------------------------------------------------------- lines */

/* Whether lit occurs in s[0..len): the prefilter that spares most lines a regex run. */
static bool contains(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    const char *end = s + len;
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

static void process_line(gv_log_parser *p, const char *raw, size_t len)
{
    p->line_no++;
    while (len && (raw[len - 1] == '\r'))
        len--;

    /* 1. a prefix stamped by a pipe (ts, awk): "YYYY-MM-DD HH:MM:SS[.f] " */
    gv_time_us t_prefix = GV_TIME_NONE, t_log = GV_TIME_NONE;
    int prefix_digits = -1, log_digits = -1;
    size_t used = gv_time_parse(raw, len, &t_prefix, &prefix_digits);
    /* a logging time at the start ("...:SS,mmm - ") is not a prefix; nor is a time glued to text */
    if (used && ((used > 19 && raw[19] == ',') || !(used == len || raw[used] == ' ' || raw[used] == '\t'))) {
        used = 0;
        t_prefix = GV_TIME_NONE;
        prefix_digits = -1;
    }
    while (used && used < len && (raw[used] == ' ' || raw[used] == '\t'))
        used++;

    /* 2. the visible, uncoloured text */
    visible_text(&p->clean, raw + used, len - used);
    const char *s = p->clean.data;
    size_t slen = p->clean.len;

    /* 3. a Python logging time "YYYY-MM-DD HH:MM:SS,mmm - " */
    size_t lu = gv_time_parse(s, slen, &t_log, &log_digits);
    if (!(lu && lu + 2 < slen && memcmp(s + lu, " - ", 3) == 0))
        t_log = GV_TIME_NONE;

    gv_time_us t;
    p->line_logged = t_log != GV_TIME_NONE && (t_prefix == GV_TIME_NONE || log_digits >= prefix_digits);
    if (p->line_logged)
        t = t_log;
    else
        t = t_prefix;
    gv_timeline *tl = p->tl;
    if (t != GV_TIME_NONE) {
        if (p->cur_t != GV_TIME_NONE && t < p->cur_t - 1000000) {
            gv_diag_warn(p->diag, GV_WARN_LOG_LINE, p->file, p->line_no,
                         "timestamp goes back %.3f s from the previous one",
                         (double)(p->cur_t - t) / 1e6);
            if (tl->log_backwards_count++ < GV_ANOMALIES_PER_KIND_MAX) {
                GV_GROW(tl->log_backwards, tl->log_backwards_cap, tl->log_backwards_len + 1);
                tl->log_backwards[tl->log_backwards_len++] = (struct gv_log_backwards){
                    p->line_no, t, (double)(p->cur_t - t) / 1e6};
            }
        }
        p->cur_t = t;
        if (tl->log_first == GV_TIME_NONE || t < tl->log_first)
            tl->log_first = t;
        if (tl->log_last == GV_TIME_NONE || t > tl->log_last)
            tl->log_last = t;
    }
    t = p->cur_t;

    for (int r = 0; r < R_COUNT; r++) {
        compiled_rule *cr = &p->rules[r];
        if (!contains(s, slen, RULES[r].literal) || !rule_match(cr, s, slen))
            continue;
        if (t == GV_TIME_NONE && RULES[r].id != R_STEP) {
            gv_diag_warn(p->diag, GV_WARN_LOG_EVENT, p->file, p->line_no,
                         "event line before any timestamp in the log; dropped");
            break;
        }
        bool handled = true;
        switch (RULES[r].id) {
        case R_VALIDATION:
            close_session(p, false, -1, NAN, p->line_no, t);
            close_checkpoint(p);
            on_validation(p, cr, s, t);
            break;
        case R_CORE:
            close_checkpoint(p);
            close_session(p, true, group_long(cr, s, G_STEP), group_number(cr, s, G_VALUE),
                          p->line_no, t);
            break;
        case R_EVAL_TASK:
            close_checkpoint(p);
            on_eval_task(p, cr, s, t);
            break;
        case R_CHECKPOINT:
            on_checkpoint(p, cr, s, t);
            break;
        case R_STEP:
            handled = on_step(p, cr, s, t);
            if (handled) { /* a training step ends an open session (its step is the context) */
                close_session(p, false, -1, NAN, p->line_no, t);
                close_checkpoint(p);
                p->last_step = tl->steps[tl->steps_len - 1].step;
            }
            break;
        case R_COUNT:
            break;
        }
        if (handled)
            break;
    }
    p->prev_line_t = t;
}

/* ---------------------------------------------------------------- lifecycle */

gv_log_parser *gv_log_parser_new(gv_timeline *tl, const char *file_name, const gv_diag *diag,
                                  gv_error *err)
{
    gv_log_parser *p = gv_xcalloc(1, sizeof *p);
    p->tl = tl;
    p->file = file_name;
    p->diag = diag;
    p->cur_t = p->prev_line_t = GV_TIME_NONE;
    p->last_step = -1;
    p->ckpt_idx = -1;
    gv_buf_init(&p->line, 0);
    gv_buf_init(&p->clean, 0);
    for (int r = 0; r < R_COUNT; r++)
        if (!compile_rule(&p->rules[r], RULES[r].pattern, err)) {
            gv_log_parser_free(p);
            return NULL;
        }
    compiled_rule fr;
    if (!compile_rule(&fr, FIELD_PATTERN, err)) {
        gv_log_parser_free(p);
        return NULL;
    }
    p->field_re = fr.code;
    p->field_md = fr.md;
    p->field_key = pcre2_substring_number_from_name(fr.code, (PCRE2_SPTR) "key");
    p->field_val = pcre2_substring_number_from_name(fr.code, (PCRE2_SPTR) "val");
    return p;
}

void gv_log_parser_feed(gv_log_parser *p, const char *buf, size_t len)
{
    while (len) {
        const char *nl = memchr(buf, '\n', len);
        size_t n = nl ? (size_t)(nl - buf) : len;
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
            return;
        process_line(p, p->line.data ? p->line.data : "", p->line.len);
        gv_buf_reset(&p->line);
        p->truncated = false;
        buf += n + 1;
        len -= n + 1;
    }
}

void gv_log_parser_finish(gv_log_parser *p)
{
    if (p->line.len || p->truncated)
        process_line(p, p->line.data ? p->line.data : "", p->line.len);
    gv_buf_reset(&p->line);
    p->truncated = false;
    close_session(p, false, -1, NAN, p->line_no, p->cur_t);
    close_checkpoint(p);
}

long gv_log_parser_lines(const gv_log_parser *p) { return p->line_no; }

void gv_log_parser_free(gv_log_parser *p)
{
    if (!p)
        return;
    for (int r = 0; r < R_COUNT; r++) {
        pcre2_match_data_free(p->rules[r].md);
        pcre2_code_free(p->rules[r].code);
    }
    pcre2_match_data_free(p->field_md);
    pcre2_code_free(p->field_re);
    gv_buf_cleanup(&p->line);
    gv_buf_cleanup(&p->clean);
    free(p->tasks);
    free(p);
}

gv_status gv_log_parse_file(const char *path, gv_timeline *tl, const gv_diag *diag, gv_error *err,
                            long *lines)
{
    gv_input *in;
    gv_status st = gv_input_open(&in, path, err);
    if (st != GV_OK)
        return st;
    gv_log_parser *p = gv_log_parser_new(tl, path, diag, err);
    if (!p) {
        gv_input_close(in);
        return GV_ERR_INPUT;
    }
    size_t cap = 1 << 20;
    char *buf = gv_xmalloc(cap);
    long n;
    while ((n = gv_input_read(in, buf, cap, err)) > 0)
        gv_log_parser_feed(p, buf, (size_t)n);
    if (n < 0) {
        st = GV_ERR_INPUT;
    } else {
        gv_log_parser_finish(p);
        if (lines)
            *lines = p->line_no;
    }
    free(buf);
    gv_log_parser_free(p);
    gv_input_close(in);
    return st;
}
