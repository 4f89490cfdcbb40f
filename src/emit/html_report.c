/* html_report.c: writes the report page. Depends on model, util, the cJSON adapter and the
 * assets embedded at build time (Plotly.js, report.js, report.css). */
#include "gpuviz/html_report.h"

#include "build_info.h"
#include "json_util.h"

#include <math.h>
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

const char *gv_html_plotly_cdn_url(void) { return CDN_URL; }

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
    for (unsigned long i = 0; i + 8 <= n; i++) {
        if (p[i] == '<' && p[i + 1] == '/' && strncasecmp((const char *)p + i + 2, "script", 6) == 0) {
            fwrite(p + start, 1, i + 1 - start, f);
            fputs("\\", f);
            start = i + 1;
        }
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

static double hours(const gv_timeline *tl, gv_time_us t) { return (double)(t - tl->t_first) / 3.6e9; }

static cJSON *stats_json(const gv_series_stats *st)
{
    cJSON *o = cJSON_CreateObject();
    gv_json_add_round(o, "mean", st->n ? st->sum / (double)st->n : NAN, 3);
    gv_json_add_round(o, "min", st->n ? st->min : NAN, 3);
    gv_json_add_round(o, "max", st->n ? st->max : NAN, 3);
    return o;
}

static cJSON *page_data(const gv_timeline *tl, const gv_report_opts *o)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "gpuviz_version", GV_VERSION);
    cJSON_AddStringToObject(d, "csv", o->csv_path);
    if (o->log_path)
        cJSON_AddStringToObject(d, "log", o->log_path);
    else
        cJSON_AddNullToObject(d, "log");
    gv_json_add_time(d, "start", tl->t_first);
    gv_json_add_time(d, "end", tl->t_last);
    cJSON_AddNumberToObject(d, "t0_ms", floor((double)tl->t_first / 1000));
    gv_json_add_round(d, "end_h", hours(tl, tl->t_last), 7);
    cJSON_AddNumberToObject(d, "rows_read", (double)tl->rows_read);
    cJSON_AddNumberToObject(d, "rows_skipped", (double)tl->rows_skipped);
    if (tl->idle_cutoff != GV_TIME_NONE) {
        gv_json_add_round(d, "cutoff_h", hours(tl, tl->idle_cutoff), 7);
        gv_json_add_time(d, "cutoff_time", tl->idle_cutoff);
    } else {
        cJSON_AddNullToObject(d, "cutoff_h");
    }
    cJSON *series = cJSON_AddArrayToObject(d, "series");
    size_t shown = 0;
    for (size_t s = 0; s < tl->series_len; s++) {
        const gv_series *se = &tl->series[s];
        if (se->stats.n == 0)
            continue; /* a column with no numeric value (text, all N/A) */
        cJSON *js = cJSON_CreateObject();
        cJSON_AddStringToObject(js, "name", se->name);
        cJSON_AddStringToObject(js, "kind", series_kind_name(se->kind));
        cJSON_AddNumberToObject(js, "gpu", se->gpu);
        cJSON_AddStringToObject(js, "unit", se->unit);
        double *x = gv_xmalloc((se->pt_len + 1) * sizeof *x);
        double *y = gv_xmalloc((se->pt_len + 1) * sizeof *y);
        for (size_t i = 0; i < se->pt_len; i++) {
            x[i] = round(hours(tl, se->pt_t[i]) * 1e7) / 1e7; /* 0.36 ms resolution */
            y[i] = round((double)se->pt_v[i] * 100) / 100;
        }
        cJSON_AddItemToObject(js, "x", cJSON_CreateDoubleArray(x, (int)se->pt_len));
        cJSON_AddItemToObject(js, "y", cJSON_CreateDoubleArray(y, (int)se->pt_len));
        free(x);
        free(y);
        cJSON_AddItemToObject(js, "stats", stats_json(&se->stats));
        shown += se->pt_len;
        cJSON_AddItemToArray(series, js);
    }
    cJSON_AddNumberToObject(d, "points_shown", (double)shown);
    cJSON *gpus = cJSON_AddArrayToObject(d, "gpus");
    for (size_t g = 0; g < tl->gpus_len; g++) {
        const gv_gpu *gp = &tl->gpus[g];
        cJSON *jg = cJSON_CreateObject();
        cJSON_AddNumberToObject(jg, "index", gp->index);
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
    for (size_t i = 0; i < tl->anomalies_len; i++) {
        const gv_anomaly *a = &tl->anomalies[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "kind", gv_anomaly_kind_name(a->kind));
        gv_json_add_time(x, "timestamp", a->t);
        gv_json_add_round(x, "x_h", hours(tl, a->t), 7);
        gv_json_add_round(x, "duration_s", (double)a->duration / 1e6, 3);
        cJSON_AddStringToObject(x, "message", a->message);
        cJSON_AddItemToArray(an, x);
    }
    cJSON *ph = cJSON_AddArrayToObject(d, "phases");
    double all_s = 0, all_wh = 0, wh[GV_PHASE_COUNT];
    for (int p = 0; p < GV_PHASE_COUNT; p++) {
        wh[p] = 0;
        for (size_t g = 0; g < tl->gpus_len && tl->phase_energy_wh; g++)
            wh[p] += tl->phase_energy_wh[p * tl->gpus_len + g];
        all_s += tl->phase_seconds[p];
        all_wh += wh[p];
    }
    for (int p = 0; p < GV_PHASE_COUNT; p++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", gv_phase_name((gv_phase)p));
        gv_json_add_round(x, "seconds", tl->phase_seconds[p], 3);
        gv_json_add_round(x, "energy_wh", wh[p], 4);
        gv_json_add_round(x, "share_time", all_s > 0 ? tl->phase_seconds[p] / all_s : NAN, 5);
        gv_json_add_round(x, "share_energy", all_wh > 0 ? wh[p] / all_wh : NAN, 5);
        cJSON_AddItemToArray(ph, x);
    }
    return d;
}

gv_status gv_html_write(FILE *f, const gv_timeline *tl, const gv_report_opts *o, gv_error *err)
{
    cJSON *data = page_data(tl, o);
    gv_buf json;
    gv_buf_init(&json, 0);
    bool ok = gv_json_print_for_script(data, &json);
    cJSON_Delete(data);
    if (!ok) {
        gv_buf_cleanup(&json);
        gv_error_set(err, NULL, 0, "cannot format the page data as JSON");
        return GV_ERR_OUTPUT;
    }
    const char *base = strrchr(o->csv_path, '/');
    base = base ? base + 1 : o->csv_path;

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", f);
    fputs("<meta name=\"generator\" content=\"gpuviz " GV_VERSION "\">\n", f);
    fprintf(f, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "script-src 'unsafe-inline'%s; style-src 'unsafe-inline'; img-src data: blob:\">\n",
            o->plotly_cdn ? " https://cdn.jsdelivr.net" : "");
    fputs("<title>gpuviz: ", f);
    html_escape(f, base);
    fputs("</title>\n<style>\n", f);
    script_body(f, gv_asset_report_css, gv_asset_report_css_len);
    fputs("</style>\n</head>\n<body>\n"
          "<header><h1 id=\"gv-title\">GPU metrics: ", f);
    html_escape(f, base);
    fputs("</h1><div id=\"gv-meta\"></div></header>\n"
          "<main><p id=\"gv-note\" class=\"note\"></p><div id=\"gv-plot\"></div>\n"
          "<section id=\"gv-stats\"></section></main>\n"
          "<noscript>This report needs JavaScript to draw its plots.</noscript>\n"
          "<script type=\"application/json\" id=\"gv-data\">", f);
    fwrite(json.data, 1, json.len, f);
    fputs("</script>\n", f);
    gv_buf_cleanup(&json);
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
