/* export.c: event exports. Depends on model, util and (for JSON) the cJSON adapter. */
#include "gpuviz/export.h"

#include "json_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

gv_export_format gv_export_format_for(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && strcmp(path + n - 5, ".json") == 0 ? GV_EXPORT_JSON : GV_EXPORT_CSV;
}

/* RFC 4180: quote a field that holds a comma, quote, CR, LF or edge spaces. */
static void csv_field(FILE *f, const char *s)
{
    size_t n = strlen(s);
    bool quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ",value" with `decimals` fixed decimals (-1: up to 10 significant digits); empty if missing. */
static void csv_num(FILE *f, int decimals, double v)
{
    fputc(',', f);
    if (!isfinite(v))
        return;
    if (decimals < 0)
        fprintf(f, "%.10g", v);
    else
        fprintf(f, "%.*f", decimals, v);
}

static void csv_time(FILE *f, gv_time_us t)
{
    char buf[40] = "";
    if (t != GV_TIME_NONE)
        gv_time_format_iso(t, buf, sizeof buf);
    fputs(buf, f);
}

static void csv_row(FILE *f, const gv_timeline *tl, const gv_event *ev, const char *metric,
                    double value)
{
    csv_field(f, gv_event_type_name(tl, ev->type));
    fputc(',', f);
    csv_time(f, ev->t);
    fprintf(f, ",%.6f,", (double)(ev->t - tl->pass.t_first) / 3.6e9);
    if (ev->step >= 0)
        fprintf(f, "%ld", ev->step);
    fputc(',', f);
    csv_field(f, metric);
    csv_num(f, -1, value);
    fputc(',', f);
    csv_field(f, ev->label ? ev->label : "");
    fputc(',', f);
    csv_time(f, ev->start);
    fputc(',', f);
    csv_time(f, ev->end);
    fprintf(f, ",%.3f,%ld", (double)(ev->end - ev->start) / 1e6, ev->line);
    for (size_t g = 0; g < tl->gpus_len; g++) {
        const gv_event_gpu *eg = ev->gpu ? &ev->gpu[g] : NULL;
        csv_num(f, 2, eg ? eg->power_w : NAN);
        csv_num(f, 2, eg ? eg->temp_c : NAN);
        csv_num(f, 2, eg ? eg->mean_power_w : NAN);
        csv_num(f, 2, eg ? eg->max_power_w : NAN);
        csv_num(f, 6, eg ? eg->energy_wh : NAN);
    }
    fputs("\r\n", f);
}

static void export_csv(FILE *f, const gv_timeline *tl)
{
    fputs("event_type,timestamp,elapsed_hours,step,metric_name,metric_value,label,start,end,"
          "duration_s,log_line", f);
    for (size_t g = 0; g < tl->gpus_len; g++) {
        char i[80];
        gv_gpu_name(&tl->gpus[g], i, sizeof i);
        static const char *const cols[] = {"power_w", "temp_c", "mean_power_w", "max_power_w", "energy_wh"};
        for (int c = 0; c < 5; c++) {
            char col[128];
            snprintf(col, sizeof col, "%s_%s", i, cols[c]);
            fputc(',', f);
            csv_field(f, col);
        }
    }
    fputs("\r\n", f);
    for (size_t i = 0; i < tl->events_len; i++) {
        const gv_event *ev = &tl->events[i];
        for (size_t m = 0; m < ev->metrics_len; m++)
            csv_row(f, tl, ev, ev->metrics[m].name, ev->metrics[m].value);
        for (size_t k = 0; k < ev->tasks_len; k++) {
            char name[256];
            snprintf(name, sizeof name, "%s.accuracy", ev->tasks[k].name);
            csv_row(f, tl, ev, name, ev->tasks[k].accuracy);
        }
        if (ev->metrics_len == 0 && ev->tasks_len == 0)
            csv_row(f, tl, ev, "", NAN);
    }
}

gv_status gv_export_events(FILE *f, const gv_timeline *tl, gv_export_format fmt, gv_error *err)
{
    if (fmt == GV_EXPORT_JSON) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < tl->events_len; i++)
            cJSON_AddItemToArray(arr, gv_json_event(tl, &tl->events[i]));
        char *text = cJSON_Print(arr);
        cJSON_Delete(arr);
        if (!text) {
            gv_error_set(err, NULL, 0, "cannot format the events as JSON");
            return GV_ERR_OUTPUT;
        }
        fputs(text, f);
        fputc('\n', f);
        free(text);
    } else {
        export_csv(f, tl);
    }
    if (ferror(f)) {
        gv_error_set(err, NULL, 0, "write error while exporting events");
        return GV_ERR_OUTPUT;
    }
    return GV_OK;
}
