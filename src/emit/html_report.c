/* html_report.c: writes the report page. Depends on model, util, the cJSON adapter and the
 * assets embedded at build time (Plotly.js, report.js, report.css). */
#include "gpuviz/html_report.h"

#include "build_info.h"
#include "json_util.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern const unsigned char gv_asset_plotly_js[];
extern const unsigned long gv_asset_plotly_js_len;
extern const unsigned char gv_asset_report_js[];
extern const unsigned long gv_asset_report_js_len;
extern const unsigned char gv_asset_report_css[];
extern const unsigned long gv_asset_report_css_len;

#define CDN_URL "https://cdn.jsdelivr.net/npm/" GV_PLOTLY_PACKAGE "@" GV_PLOTLY_VERSION "/plotly-basic.min.js"


static void html_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Writes a script body, breaking any "</script" so it cannot end the element early. */
static void script_body(FILE *f, const unsigned char *p, unsigned long n)
{
    unsigned long start = 0;
    for (const unsigned char *q = p; n >= 8 && (q = memchr(q, '<', n - 7 - (unsigned long)(q - p)));) {
        unsigned long i = (unsigned long)(q - p);
        if (p[i + 1] == '/' && strncasecmp((const char *)p + i + 2, "script", 6) == 0) {
            fwrite(p + start, 1, i + 1 - start, f);
            fputs("\\", f);
            start = i + 1;
        }
        if (++q >= p + n - 7)
            break;
    }
    fwrite(p + start, 1, n - start, f);
}

static void sri_base64(const char *hex, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char bytes[48];
    for (int i = 0; i < 48; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        bytes[i] = (unsigned char)v;
    }
    for (int i = 0, o = 0; i < 48; i += 3) {
        unsigned v = (unsigned)bytes[i] << 16 | (unsigned)bytes[i + 1] << 8 | bytes[i + 2];
        out[o++] = tbl[v >> 18 & 63];
        out[o++] = tbl[v >> 12 & 63];
        out[o++] = tbl[v >> 6 & 63];
        out[o++] = tbl[v & 63];
        out[o] = '\0';
    }
}

static const char *series_kind_name(gv_series_kind k)
{
    switch (k) {
    case GV_SERIES_POWER_INSTANT: return "power_instant";
    case GV_SERIES_POWER_AVG: return "power_avg";
    case GV_SERIES_POWER: return "power";
    case GV_SERIES_TEMP: return "temp";
    case GV_SERIES_OTHER: break;
    }
    return "other";
}

static double hours(const gv_timeline *tl, gv_time_us t) { return (double)(t - tl->pass.t_first) / 3.6e9; }

static size_t base64_to(char *out, const unsigned char *p, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) { /* whole groups, then the tail */
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o] = tbl[v >> 18 & 63];
        out[o + 1] = tbl[v >> 12 & 63];
        out[o + 2] = tbl[v >> 6 & 63];
        out[o + 3] = tbl[v & 63];
        o += 4;
    }
    if (i < n) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
        out[o++] = tbl[v >> 18 & 63];
        out[o++] = tbl[v >> 12 & 63];
        out[o++] = i + 1 < n ? tbl[v >> 6 & 63] : '=';
        out[o++] = '=';
    }
    return o;
}

/* ---- training steps: every step in one binary element, for a page that shows them all on zoom ---- */

/* The step metrics the page can show, in the element's order. */
static const char *const STEP_METRICS[] = {"loss", "tok_per_sec", "mfu", "dt_ms", "grad_norm", "lrm"};
enum { STEP_METRICS_LEN = sizeof STEP_METRICS / sizeof *STEP_METRICS };

static double step_metric(const gv_step *st, int k)
{
    switch (k) {
    case 0: return st->loss;
    case 1: return st->tok_per_sec;
    case 2: return st->mfu;
    case 3: return st->dt_ms;
    case 4: return st->grad_norm;
    default: return st->lrm;
    }
}
#define STEP_BYTES(metrics) (8 + 4 * (size_t)(metrics)) /* per step: time, step number, metrics */

/* Which steps go into the page: those within the samples' time range, every stride-th when there
 * are more than a quarter of the page's budget holds; which metrics have a value in any. */
typedef struct {
    size_t in_range, kept, stride;
    bool has[STEP_METRICS_LEN];
    size_t metrics;
    gv_time_us tick; /* time unit of the element, microseconds (1000 unless the run outlasts 2^32 ms) */
} step_plan;

static bool step_in_range(const gv_timeline *tl, const gv_step *st)
{
    return st->t != GV_TIME_NONE && st->t >= tl->pass.t_first && st->t <= tl->pass.t_last;
}

static step_plan plan_steps(const gv_timeline *tl, size_t max_bytes)
{
    step_plan sp = {.stride = 1, .tick = 1000};
    for (size_t i = 0; i < tl->steps_len; i++) {
        const gv_step *st = &tl->steps[i];
        if (!step_in_range(tl, st))
            continue;
        sp.in_range++;
        for (int k = 0; k < STEP_METRICS_LEN; k++)
            sp.has[k] |= isfinite(step_metric(st, k));
    }
    for (int k = 0; k < STEP_METRICS_LEN; k++)
        sp.metrics += sp.has[k];
    size_t cap = max_bytes / 4 / (STEP_BYTES(sp.metrics) * 4 / 3 + 1);
    cap = cap < 1000 ? 1000 : cap;
    sp.stride = sp.in_range > cap ? (sp.in_range + cap - 1) / cap : 1;
    sp.kept = (sp.in_range + sp.stride - 1) / sp.stride;
    while ((tl->pass.t_last - tl->pass.t_first) / sp.tick > (gv_time_us)UINT32_MAX)
        sp.tick *= 2;
    return sp;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int b = 0; b < 4; b++)
        p[b] = (unsigned char)(v >> 8 * b);
}

static void put_f32(unsigned char *p, double v)
{
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    put_u32(p, u);
}

/* The steps element: columns of sp->kept little-endian values: uint32 time since the first
 * sample (in sp->tick), int32 step number (-1: none), then a float32 column per metric present
 * (NaN where a step lacks it). Written to f in base64. */
static void write_steps(FILE *f, const gv_timeline *tl, const step_plan *sp)
{
    size_t n = sp->kept, cols = 2 + sp->metrics, bytes = n * 4 * cols;
    unsigned char *b = gv_xmalloc(bytes + 4);
    size_t j = 0, seen = 0;
    for (size_t i = 0; i < tl->steps_len && j < n; i++) {
        const gv_step *st = &tl->steps[i];
        if (!step_in_range(tl, st) || seen++ % sp->stride)
            continue;
        put_u32(b + 4 * j, (uint32_t)((st->t - tl->pass.t_first + sp->tick / 2) / sp->tick));
        put_u32(b + 4 * (n + j), (uint32_t)(int32_t)(st->step >= 0 && st->step <= INT32_MAX ? st->step : -1));
        size_t c = 2;
        for (int k = 0; k < STEP_METRICS_LEN; k++)
            if (sp->has[k])
                put_f32(b + 4 * (c++ * n + j), step_metric(st, k));
        j++;
    }
    assert(j == n);
    char *text = gv_xmalloc(bytes / 3 * 4 + 8);
    size_t len = base64_to(text, b, bytes);
    fputs("<script type=\"application/octet-stream\" id=\"gv-steps\">", f);
    fwrite(text, 1, len, f);
    fputs("</script>\n", f);
    free(text);
    free(b);
}

/* The steps' description in the page data. */
static void add_steps(cJSON *steps, const gv_timeline *tl, const step_plan *sp)
{
    cJSON_AddNumberToObject(steps, "count", (double)tl->steps_len);
    cJSON_AddNumberToObject(steps, "n", (double)sp->kept);
    cJSON_AddNumberToObject(steps, "stride", (double)sp->stride);
    cJSON_AddNumberToObject(steps, "tick_ms", (double)sp->tick / 1000);
    cJSON *m = cJSON_AddArrayToObject(steps, "metrics");
    for (int k = 0; k < STEP_METRICS_LEN; k++)
        if (sp->has[k])
            cJSON_AddItemToArray(m, cJSON_CreateString(STEP_METRICS[k]));
}

/* ---- display levels: which levels of each series' pyramid fit the page's size budget ---- */

#define COARSE_BUCKETS 1024 /* the coarsest level has at most this many buckets */
#define MAX_LEVELS 40

typedef struct {
    gv_time_us start, width;
    size_t n;
} level_plan;

typedef struct {
    size_t index;          /* series index in the timeline */
    double offset, scale;  /* quantisation: value = offset + q * scale, q in 0..65534 */
    level_plan levels[MAX_LEVELS]; /* [0] finest .. coarsest */
    size_t levels_len;
    size_t first_level;    /* finest level included */
} series_plan;

typedef struct {
    series_plan *series;
    size_t series_len;
} page_plan;

/* Bytes of one level in the page: 2 uint16 per bucket, base64, plus its element. */
static size_t level_bytes(size_t n) { return (n * 4 + 2) / 3 * 4 + 96; }

/* Scratch for the coarser levels of one series at a time: two pairs of arrays used in turn, so
 * that making every level touches no new memory. */
typedef struct {
    float *fa, *fb;      /* the finest level */
    float *a[2], *b[2];  /* two coarser ones, in turn */
} level_scratch;

static void scratch_init(level_scratch *sc, const gv_timeline *tl)
{
    size_t n = tl->pass.pyramid ? gv_pyramid_finest_len(tl->pass.pyramid) : 0; /* (every series: one grid) */
    n = n > 4 ? n : 4;
    sc->fa = gv_xmalloc(n * sizeof(float));
    sc->fb = gv_xmalloc(n * sizeof(float));
    for (int i = 0; i < 2; i++) {
        sc->a[i] = gv_xmalloc((n / 2 + 2) * sizeof(float));
        sc->b[i] = gv_xmalloc((n / 2 + 2) * sizeof(float));
    }
}

static void scratch_cleanup(level_scratch *sc)
{
    free(sc->fa);
    free(sc->fb);
    for (int i = 0; i < 2; i++) {
        free(sc->a[i]);
        free(sc->b[i]);
    }
}

/* Walks the level chain of series s (finest first) and calls fn on each level. The finest levels
 * are skipped while fewer than half their buckets hold a sample (finer than the data). */
static void for_each_level(const gv_timeline *tl, size_t s, level_scratch *sc,
                           void (*fn)(void *, size_t, const gv_level *), void *ctx)
{
    gv_level cur, next;
    int which = 0;
    gv_pyramid_finest(tl->pass.pyramid, s, &cur, sc->fa, sc->fb);
    while (cur.n > 1 && gv_level_filled(&cur) * 2 < cur.n) {
        gv_level_coarsen_to(&cur, &next, sc->a[which], sc->b[which]);
        which ^= 1;
        cur = next;
    }
    for (size_t l = 0; l < MAX_LEVELS; l++) {
        fn(ctx, l, &cur);
        if (cur.n <= COARSE_BUCKETS || l + 1 == MAX_LEVELS)
            break;
        gv_level_coarsen_to(&cur, &next, sc->a[which], sc->b[which]);
        which ^= 1;
        cur = next;
    }
}

/* The plotted series (those with a number) and their quantisation; levels come later. */
static void plan_series(const gv_timeline *tl, page_plan *plan)
{
    plan->series = gv_xcalloc(tl->series_len + 1, sizeof *plan->series);
    plan->series_len = 0;
    for (size_t s = 0; tl->pass.pyramid && s < tl->series_len; s++) {
        const gv_series_stats *st = &tl->series[s].stats;
        if (st->n == 0)
            continue; /* a column with no numeric value (text, all N/A) */
        series_plan *sp = &plan->series[plan->series_len++];
        sp->index = s;
        sp->offset = st->min;
        sp->scale = st->max > st->min ? (st->max - st->min) / 65534 : 1;
    }
}

/* Chooses levels: all coarsest levels first, then finer ones for every series together while the
 * page stays within budget bytes (fixed_bytes are the rest of the page). */
static void choose_levels(page_plan *plan, size_t budget, size_t fixed_bytes)
{
    size_t used = fixed_bytes;
    for (size_t k = 0; k < plan->series_len; k++) {
        plan->series[k].first_level = plan->series[k].levels_len - 1;
        used += level_bytes(plan->series[k].levels[plan->series[k].first_level].n);
    }
    for (bool grew = true; grew;) {
        grew = false;
        size_t more = 0;
        for (size_t k = 0; k < plan->series_len; k++)
            if (plan->series[k].first_level > 0)
                more += level_bytes(plan->series[k].levels[plan->series[k].first_level - 1].n);
        if (more && used + more <= budget) {
            for (size_t k = 0; k < plan->series_len; k++)
                if (plan->series[k].first_level > 0)
                    plan->series[k].first_level--;
            used += more;
            grew = true;
        }
    }
}

static unsigned quantise(const series_plan *sp, float v)
{
    if (isnan(v))
        return 65535;
    double q = ((double)v - sp->offset) / sp->scale + 0.5; /* rounds: q >= 0 but for noise */
    return q < 0 ? 0 : q > 65534 ? 65534 : (unsigned)q;
}

/* Every level of every plotted series, as the page's elements, in memory (a helper thread makes
 * them while the calling thread makes the page data; which of them go into the page is chosen
 * after, from the levels' sizes and the data's). */
typedef struct {
    const gv_timeline *tl;
    page_plan *plan;       /* series set by plan_series; levels filled here */
    char *text;            /* the elements, one after the other (gv_xalloc_large) */
    size_t text_len, text_cap;
    size_t (*at)[MAX_LEVELS][2]; /* per series and level: offset and length in text */
    unsigned char *bytes;  /* scratch: one level's quantised values */
    size_t k;              /* the series being encoded */
} level_text;

static void encode_level(void *ctx, size_t l, const gv_level *lv)
{
    level_text *lt = ctx;
    series_plan *sp = &lt->plan->series[lt->k];
    sp->levels[l] = (level_plan){lv->origin + lv->lo * lv->width, lv->width, lv->n};
    sp->levels_len = l + 1;
    size_t need = 128 + (lv->n * 4 + 2) / 3 * 4;
    if (lt->text_len + need > lt->text_cap) { /* (the first estimate holds every level) */
        size_t cap = (lt->text_len + need) * 2;
        char *t = gv_xalloc_large(cap);
        memcpy(t, lt->text, lt->text_len);
        gv_free_large(lt->text, lt->text_cap);
        lt->text = t;
        lt->text_cap = cap;
    }
    for (size_t i = 0; i < lv->n; i++) {
        unsigned a = quantise(sp, lv->first[i]), b = quantise(sp, lv->second[i]);
        lt->bytes[4 * i] = (unsigned char)(a & 255);
        lt->bytes[4 * i + 1] = (unsigned char)(a >> 8);
        lt->bytes[4 * i + 2] = (unsigned char)(b & 255);
        lt->bytes[4 * i + 3] = (unsigned char)(b >> 8);
    }
    char *o = lt->text + lt->text_len;
    size_t n = (size_t)snprintf(o, 128, "<script type=\"application/octet-stream\" id=\"gv-b-%zu-%zu\">", lt->k, l);
    n += base64_to(o + n, lt->bytes, lv->n * 4);
    memcpy(o + n, "</script>\n", 10);
    n += 10;
    lt->at[lt->k][l][0] = lt->text_len;
    lt->at[lt->k][l][1] = n;
    lt->text_len += n;
}

static void *make_level_text(void *arg)
{
    level_text *lt = arg;
    level_scratch sc;
    scratch_init(&sc, lt->tl);
    for (lt->k = 0; lt->k < lt->plan->series_len; lt->k++)
        for_each_level(lt->tl, lt->plan->series[lt->k].index, &sc, encode_level, lt);
    scratch_cleanup(&sc);
    return NULL;
}

static void level_text_init(level_text *lt, const gv_timeline *tl, page_plan *plan)
{
    size_t n = (tl->pass.pyramid && tl->series_len ? gv_pyramid_finest_len(tl->pass.pyramid) : 0) + 4;
    /* (all levels of a series hold at most 2n + MAX_LEVELS buckets) */
    *lt = (level_text){.tl = tl, .plan = plan};
    lt->text_cap = (plan->series_len + 1) * ((2 * n + MAX_LEVELS) * 6 + MAX_LEVELS * 140);
    lt->text = gv_xalloc_large(lt->text_cap);
    lt->at = gv_xcalloc(plan->series_len + 1, sizeof *lt->at);
    lt->bytes = gv_xmalloc(n * 4 + 4);
}

static void level_text_cleanup(level_text *lt)
{
    gv_free_large(lt->text, lt->text_cap);
    free(lt->at);
    free(lt->bytes);
}

static cJSON *stats_json(const gv_series_stats *st)
{
    cJSON *o = cJSON_CreateObject();
    gv_json_add_round(o, "mean", st->n ? st->sum / (double)st->n : NAN, 3);
    gv_json_add_round(o, "min", st->n ? st->min : NAN, 3);
    gv_json_add_round(o, "max", st->n ? st->max : NAN, 3);
    return o;
}

/* The series with their planned levels (the page data's "series"). */
static cJSON *series_data(const gv_timeline *tl, const page_plan *plan)
{
    cJSON *series = cJSON_CreateArray();
    for (size_t k = 0; k < plan->series_len; k++) {
        const series_plan *sp = &plan->series[k];
        const gv_series *se = &tl->series[sp->index];
        cJSON *js = cJSON_CreateObject();
        cJSON_AddStringToObject(js, "name", se->name);
        cJSON_AddStringToObject(js, "kind", series_kind_name(se->kind));
        cJSON_AddNumberToObject(js, "gpu", se->gpu);
        cJSON_AddStringToObject(js, "unit", se->unit);
        cJSON_AddNumberToObject(js, "offset", sp->offset);
        cJSON_AddNumberToObject(js, "scale", sp->scale);
        cJSON_AddItemToObject(js, "stats", stats_json(&se->stats));
        cJSON *lv = cJSON_AddArrayToObject(js, "levels");
        for (size_t l = sp->first_level; l < sp->levels_len; l++) { /* finest first */
            const level_plan *lp = &sp->levels[l];
            cJSON *x = cJSON_CreateObject();
            cJSON_AddNumberToObject(x, "start_h", hours(tl, lp->start));
            cJSON_AddNumberToObject(x, "width_h", (double)lp->width / 3.6e9);
            cJSON_AddNumberToObject(x, "n", (double)lp->n);
            char id[48];
            snprintf(id, sizeof id, "gv-b-%zu-%zu", k, l);
            cJSON_AddStringToObject(x, "id", id);
            cJSON_AddItemToArray(lv, x);
        }
        cJSON_AddItemToArray(series, js);
    }
    return series;
}

/* Replaces obj's member key by the same JSON, printed now (its numbers are formatted once). */
static void print_member_once(cJSON *obj, const char *key)
{
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(obj, key));
    if (text)
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, cJSON_CreateRaw(text));
    free(text);
}

/* The page data; "series" is empty (gv_html_write puts series_data there once the levels are
 * planned). */
static cJSON *page_data(const gv_timeline *tl, const gv_report_opts *o, const step_plan *sp)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "gpuviz_version", GV_VERSION);
    cJSON_AddStringToObject(d, "csv", o->csv_path);
    if (o->log_path)
        cJSON_AddStringToObject(d, "log", o->log_path);
    else
        cJSON_AddNullToObject(d, "log");
    gv_json_add_time(d, "start", tl->pass.t_first);
    gv_json_add_time(d, "end", tl->pass.t_last);
    char zone[24];
    gv_time_zone_name(tl->ingest.tz_offset_s, zone, sizeof zone);
    if (tl->ingest.tz_known)
        cJSON_AddStringToObject(d, "time_zone", zone);
    else
        cJSON_AddNullToObject(d, "time_zone");
    cJSON_AddNumberToObject(d, "t0_ms", floor((double)tl->pass.t_first / 1000));
    gv_json_add_round(d, "end_h", hours(tl, tl->pass.t_last), 7);
    cJSON_AddNumberToObject(d, "rows_read", (double)tl->ingest.rows_read);
    cJSON_AddNumberToObject(d, "rows_skipped", (double)tl->ingest.rows_skipped);
    cJSON_AddNumberToObject(d, "sampler_restarts", (double)tl->ingest.restarts);
    if (tl->pass.idle_cutoff != GV_TIME_NONE) {
        gv_json_add_round(d, "cutoff_h", hours(tl, tl->pass.idle_cutoff), 7);
        gv_json_add_time(d, "cutoff_time", tl->pass.idle_cutoff);
    } else {
        cJSON_AddNullToObject(d, "cutoff_h");
    }
    cJSON_AddArrayToObject(d, "series");
    cJSON_AddNumberToObject(d, "max_points", (double)o->max_points);
    cJSON_AddStringToObject(d, "layout", o->timeline_row ? "timeline" : "default");
    cJSON *steps = cJSON_AddObjectToObject(d, "steps");
    add_steps(steps, tl, sp);
    cJSON *runs = cJSON_AddArrayToObject(d, "runs"); /* several runs in one log: consecutive runs */
    for (size_t k = 0; tl->pass.train_phases && tl->log.step_phases > 1 && k < tl->log.step_phases; k++) {
        const gv_train_phase *tp = &tl->pass.train_phases[k];
        if (tp->start == GV_TIME_NONE || tp->end < tl->pass.t_first || tp->start > tl->pass.t_last)
            continue;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "n", (double)k + 1);
        cJSON_AddStringToObject(r, "label", tp->label ? tp->label : "");
        gv_json_add_round(r, "start_h", hours(tl, tp->start), 7);
        gv_json_add_round(r, "end_h", hours(tl, tp->end), 7);
        gv_json_add_num(r, "first_step", tp->first_step >= 0 ? (double)tp->first_step : NAN);
        gv_json_add_num(r, "last_step", tp->last_step >= 0 ? (double)tp->last_step : NAN);
        cJSON_AddItemToArray(runs, r);
    }
    cJSON *stopped = cJSON_AddArrayToObject(d, "stopped_runs"); /* runs that ended before their total */
    for (size_t k = 0; tl->pass.train_phases && k < tl->log.step_phases; k++)
        if (gv_train_phase_complete(&tl->pass.train_phases[k]) == 0) {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddNumberToObject(r, "n", (double)k + 1);
            cJSON_AddNumberToObject(r, "last_step", (double)tl->pass.train_phases[k].last_step);
            cJSON_AddNumberToObject(r, "total_steps", (double)tl->pass.train_phases[k].total_steps);
            cJSON_AddItemToArray(stopped, r);
        }
    cJSON_AddNumberToObject(d, "sample_interval_h",
                            tl->ingest.rows_read > 1 ? (double)(tl->pass.t_last - tl->pass.t_first) / 3.6e9 / (double)(tl->ingest.rows_read - 1) : 0);
    cJSON *gpus = cJSON_AddArrayToObject(d, "gpus");
    for (size_t g = 0; g < tl->gpus_len; g++) {
        const gv_gpu *gp = &tl->gpus[g];
        cJSON *jg = cJSON_CreateObject();
        cJSON_AddNumberToObject(jg, "index", gp->index);
        char name[80];
        gv_gpu_label(gp, name, sizeof name);
        cJSON_AddStringToObject(jg, "name", name);
        int ps = gv_gpu_energy_series(gp);
        if (ps >= 0) {
            cJSON_AddStringToObject(jg, "power_column", tl->series[ps].name);
            cJSON_AddItemToObject(jg, "power_w", stats_json(&tl->series[ps].stats));
            gv_json_add_round(jg, "energy_wh", tl->series[ps].stats.energy_wh, 3);
        }
        if (gp->temp >= 0)
            cJSON_AddItemToObject(jg, "temp_c", stats_json(&tl->series[gp->temp].stats));
        cJSON_AddItemToArray(gpus, jg);
    }
    cJSON *types = cJSON_AddArrayToObject(d, "event_types");
    for (size_t t = 0; t < tl->types_len; t++) {
        cJSON *jt = cJSON_CreateObject();
        cJSON_AddStringToObject(jt, "name", tl->types[t].name);
        cJSON_AddStringToObject(jt, "color", tl->types[t].color);
        cJSON_AddStringToObject(jt, "dash", tl->types[t].dash);
        cJSON_AddItemToArray(types, jt);
    }
    cJSON *events = cJSON_AddArrayToObject(d, "events");
    for (size_t i = 0; i < tl->events_len; i++) {
        const gv_event *ev = &tl->events[i];
        cJSON *je = gv_json_event(tl, ev);
        gv_json_add_round(je, "x_h", hours(tl, ev->t), 7);
        gv_json_add_round(je, "start_h", hours(tl, ev->start), 7);
        gv_json_add_round(je, "end_h", hours(tl, ev->end), 7);
        cJSON_AddItemToArray(events, je);
    }
    cJSON *an = cJSON_AddArrayToObject(d, "anomalies");
    for (size_t i = 0; i < tl->analysis.anomalies_len; i++) {
        const gv_anomaly *a = &tl->analysis.anomalies[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "kind", gv_anomaly_kind_name(a->kind));
        cJSON_AddStringToObject(x, "severity", gv_severity_name(a->severity));
        gv_json_add_time(x, "timestamp", a->t);
        gv_json_add_round(x, "x_h", hours(tl, a->t), 7);
        gv_json_add_round(x, "duration_s", (double)a->duration / 1e6, 3);
        cJSON_AddStringToObject(x, "message", a->message);
        cJSON_AddItemToArray(an, x);
    }
    cJSON *ph = cJSON_AddArrayToObject(d, "phases");
    double all_s, all_wh, wh[GV_PHASE_COUNT];
    gv_timeline_phase_totals(tl, wh, &all_s, &all_wh);
    gv_json_add_round(d, "idle_during_run_share",
                      all_s > 0 ? (tl->pass.phase_seconds[GV_PHASE_IDLE] - tl->pass.idle_after_run_s) / all_s : NAN, 5);
    for (int p = 0; p < GV_PHASE_COUNT; p++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", gv_phase_name((gv_phase)p));
        gv_json_add_round(x, "seconds", tl->pass.phase_seconds[p], 3);
        gv_json_add_round(x, "energy_wh", wh[p], 4);
        gv_json_add_round(x, "share_time", all_s > 0 ? tl->pass.phase_seconds[p] / all_s : NAN, 5);
        gv_json_add_round(x, "share_energy", all_wh > 0 ? wh[p] / all_wh : NAN, 5);
        cJSON_AddItemToArray(ph, x);
    }
    return d;
}

gv_status gv_html_write(FILE *f, const gv_timeline *tl, const gv_report_opts *o, gv_error *err)
{
    page_plan plan;
    size_t fixed = (o->plotly_cdn ? 600 : gv_asset_plotly_js_len) + gv_asset_report_js_len +
                   gv_asset_report_css_len + 4096;
    /* every level of every series is made and encoded on a helper thread (or here, after, with
     * one thread or if none can start) while this thread makes the page data */
    plan_series(tl, &plan);
    level_text lt;
    level_text_init(&lt, tl, &plan);
    pthread_t helper;
    bool helped = o->helper_thread && pthread_create(&helper, NULL, make_level_text, &lt) == 0;
    /* the page data without levels first, to know what the levels may use; its large parts are
     * printed once, for this and for the page */
    step_plan sp = plan_steps(tl, o->max_bytes);
    cJSON *data = page_data(tl, o, &sp);
    print_member_once(data, "events");
    char *probe_text = cJSON_PrintUnformatted(data);
    fixed += probe_text ? strlen(probe_text) + strlen(probe_text) / 8 : 0;
    fixed += sp.kept ? sp.kept * STEP_BYTES(sp.metrics) * 4 / 3 + 100 : 0;
    free(probe_text);
    if (helped)
        pthread_join(helper, NULL);
    else
        make_level_text(&lt);
    choose_levels(&plan, o->max_bytes, fixed + tl->series_len * 400);
    cJSON_ReplaceItemInObjectCaseSensitive(data, "series", series_data(tl, &plan));
    gv_buf json;
    gv_buf_init(&json, 0);
    bool ok = gv_json_print_for_script(data, &json);
    cJSON_Delete(data);
    if (!ok) {
        free(plan.series);
        level_text_cleanup(&lt);
        gv_buf_cleanup(&json);
        gv_error_set(err, NULL, 0, "cannot format the page data as JSON");
        return GV_ERR_OUTPUT;
    }
    const char *base = strrchr(o->csv_path, '/');
    base = o->title ? o->title : base ? base + 1 : o->csv_path;

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", f);
    fputs("<meta name=\"generator\" content=\"gpuviz " GV_VERSION "\">\n", f);
    fprintf(f, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "script-src 'unsafe-inline'%s; style-src 'unsafe-inline'; img-src data: blob:\">\n",
            o->plotly_cdn ? " https://cdn.jsdelivr.net" : "");
    fputs("<title>", f);
    html_escape(f, base);
    fputs(" \xC2\xB7 gpuviz</title>\n<style>\n", f);
    script_body(f, gv_asset_report_css, gv_asset_report_css_len);
    fputs("</style>\n</head>\n<body>\n"
          "<header><h1 id=\"gv-title\">", f);
    html_escape(f, base);
    fputs("</h1><div id=\"gv-meta\"></div></header>\n"
          "<main><p id=\"gv-note\" class=\"note\"></p><div id=\"gv-plot\"></div>\n"
          "<section id=\"gv-stats\"></section></main>\n"
          "<noscript>This report needs JavaScript to draw its plots.</noscript>\n"
          "<script type=\"application/json\" id=\"gv-data\">", f);
    fwrite(json.data, 1, json.len, f);
    fputs("</script>\n", f);
    gv_buf_cleanup(&json);
    for (size_t k = 0; k < plan.series_len; k++)
        for (size_t l = plan.series[k].first_level; l < plan.series[k].levels_len; l++)
            fwrite(lt.text + lt.at[k][l][0], 1, lt.at[k][l][1], f);
    free(plan.series);
    level_text_cleanup(&lt);
    if (sp.kept)
        write_steps(f, tl, &sp);
    if (o->plotly_cdn) {
        char sri[72];
        sri_base64(GV_PLOTLY_SHA384_HEX, sri);
        fprintf(f, "<script src=\"%s\" integrity=\"sha384-%s\" crossorigin=\"anonymous\"></script>\n",
                CDN_URL, sri);
    } else {
        fputs("<script>", f);
        script_body(f, gv_asset_plotly_js, gv_asset_plotly_js_len);
        fputs("</script>\n", f);
    }
    fputs("<script>\n", f);
    script_body(f, gv_asset_report_js, gv_asset_report_js_len);
    fputs("</script>\n</body>\n</html>\n", f);
    if (ferror(f)) {
        gv_error_set(err, NULL, 0, "write error while writing the page");
        return GV_ERR_OUTPUT;
    }
    return GV_OK;
}
