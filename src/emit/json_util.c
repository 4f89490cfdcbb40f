/* json_util.c: event objects and script-safe printing with cJSON. Depends on model and util. */
#include "json_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void gv_json_add_num(cJSON *obj, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(obj, name, v);
    else
        cJSON_AddNullToObject(obj, name);
}

size_t gv_json_format_number(double v, char *out)
{
    static const double p10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    double a = fabs(v);
    if (a == 0) {
        strcpy(out, signbit(v) ? "-0" : "0");
        return strlen(out);
    }
    if (isfinite(v) && a >= 1e-4 && a < 1e15) {
        for (int f = 0; f < 16; f++) {
            double s = a * p10[f];
            if (s >= 1e15)
                break;
            double m = nearbyint(s);
            if (m / p10[f] != a)
                continue;
            /* a is the double nearest m / 10^f, a decimal of at most 15 digits, and the first
             * f that works leaves no trailing zero: that is %.15g's text */
            char digits[24];
            int nd = 0;
            for (unsigned long long u = (unsigned long long)m; u; u /= 10)
                digits[nd++] = (char)('0' + u % 10);
            size_t o = 0;
            if (v < 0)
                out[o++] = '-';
            if (nd <= f) { /* 0.000ddd */
                out[o++] = '0';
                out[o++] = '.';
                for (int z = nd; z < f; z++)
                    out[o++] = '0';
            }
            for (int i = nd - 1; i >= 0; i--) {
                out[o++] = digits[i];
                if (i == f && f > 0 && nd > f)
                    out[o++] = '.';
            }
            out[o] = '\0';
            return o;
        }
    }
    cJSON *num = cJSON_CreateNumber(v); /* anything else: cJSON's own printing */
    char *text = cJSON_PrintUnformatted(num);
    size_t n = text ? strlen(text) : 0;
    if (n >= 32)
        n = 0;
    memcpy(out, text ? text : "", n);
    out[n] = '\0';
    free(text);
    cJSON_Delete(num);
    return n;
}

cJSON *gv_json_number_array(const double *v, size_t n)
{
    gv_buf b;
    gv_buf_init(&b, 0);
    gv_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        char num[32];
        if (i)
            gv_buf_putc(&b, ',');
        gv_buf_append(&b, num, gv_json_format_number(v[i], num));
    }
    gv_buf_putc(&b, ']');
    gv_buf_putc(&b, '\0');
    cJSON *raw = cJSON_CreateRaw(b.data);
    gv_buf_cleanup(&b);
    return raw;
}

void gv_json_add_round(cJSON *obj, const char *name, double v, int decimals)
{
    double scale = pow(10, decimals);
    gv_json_add_num(obj, name, isfinite(v) ? round(v * scale) / scale : v);
}

void gv_json_add_time(cJSON *obj, const char *name, gv_time_us t)
{
    if (t == GV_TIME_NONE) {
        cJSON_AddNullToObject(obj, name);
        return;
    }
    char buf[40];
    gv_time_format_iso(t, buf, sizeof buf);
    cJSON_AddStringToObject(obj, name, buf);
}

cJSON *gv_json_event(const gv_timeline *tl, const gv_event *ev)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", gv_event_type_name(tl, ev->type));
    cJSON_AddStringToObject(o, "label", ev->label ? ev->label : "");
    gv_json_add_time(o, "timestamp", ev->t);
    gv_json_add_round(o, "elapsed_s", (double)(ev->t - tl->pass.t_first) / 1e6, 3);
    gv_json_add_round(o, "elapsed_hours", (double)(ev->t - tl->pass.t_first) / 3.6e9, 6);
    gv_json_add_time(o, "start", ev->start);
    gv_json_add_time(o, "end", ev->end);
    gv_json_add_round(o, "duration_s", (double)(ev->end - ev->start) / 1e6, 3);
    if (ev->step >= 0)
        cJSON_AddNumberToObject(o, "step", (double)ev->step);
    else
        cJSON_AddNullToObject(o, "step");
    cJSON_AddNumberToObject(o, "line", (double)ev->line);
    cJSON_AddNumberToObject(o, "first_line", (double)ev->first_line);
    cJSON_AddStringToObject(o, "time_basis", gv_time_basis_name((gv_time_basis)ev->time_basis));
    gv_json_add_round(o, "time_uncertainty_s", ev->time_uncertainty_s, 3);
    cJSON *m = cJSON_AddObjectToObject(o, "metrics");
    for (size_t i = 0; i < ev->metrics_len; i++)
        gv_json_add_num(m, ev->metrics[i].name, ev->metrics[i].value);
    if (ev->type == GV_EV_CHECKPOINT) {
        cJSON *c = cJSON_AddObjectToObject(o, "checkpoint");
        cJSON_AddStringToObject(c, "kind", ev->ckpt_kind ? ev->ckpt_kind : "");
        cJSON_AddStringToObject(c, "model_tag", ev->model_tag ? ev->model_tag : "");
        cJSON_AddStringToObject(c, "model_id", ev->model_id ? ev->model_id : "");
        cJSON_AddStringToObject(c, "dir", ev->dir ? ev->dir : "");
        cJSON_AddNumberToObject(c, "files", ev->files_len);
        cJSON_AddNumberToObject(c, "optimizer_files", ev->optim_len);
        cJSON_AddBoolToObject(c, "has_model", ev->has_model);
        cJSON_AddBoolToObject(c, "has_metadata", ev->has_meta);
    }
    if (ev->type == GV_EV_EVALUATION) {
        cJSON *e = cJSON_AddObjectToObject(o, "evaluation");
        cJSON_AddBoolToObject(e, "complete", ev->complete);
        cJSON *tasks = cJSON_AddArrayToObject(e, "tasks");
        for (size_t i = 0; i < ev->tasks_len; i++) {
            const gv_eval_task *k = &ev->tasks[i];
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "name", k->name);
            if (k->shots >= 0)
                cJSON_AddNumberToObject(t, "shots", k->shots);
            else
                cJSON_AddNullToObject(t, "shots");
            cJSON_AddStringToObject(t, "type", k->type);
            gv_json_add_num(t, "accuracy", k->accuracy);
            gv_json_add_num(t, "centered", k->centered);
            gv_json_add_num(t, "time_s", k->time_s);
            gv_json_add_time(t, "end", k->t_end);
            cJSON_AddNumberToObject(t, "line", (double)k->line);
            cJSON_AddItemToArray(tasks, t);
        }
    }
    gv_json_add_round(o, "nearest_sample_dt_s", ev->nearest_sample_dt_s, 3);
    cJSON *gpus = cJSON_AddArrayToObject(o, "gpu");
    for (size_t g = 0; ev->gpu && g < tl->gpus_len; g++) {
        const gv_event_gpu *eg = &ev->gpu[g];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "index", tl->gpus[g].index);
        gv_json_add_round(x, "power_w", eg->power_w, 3);
        gv_json_add_round(x, "temp_c", eg->temp_c, 3);
        if (ev->end > ev->start) {
            gv_json_add_round(x, "mean_power_w", eg->mean_power_w, 3);
            gv_json_add_round(x, "max_power_w", eg->max_power_w, 3);
            gv_json_add_round(x, "energy_wh", eg->energy_wh, 6);
            cJSON_AddNumberToObject(x, "window_samples", (double)eg->window_samples);
        }
        cJSON_AddItemToArray(gpus, x);
    }
    return o;
}

bool gv_json_print_for_script(const cJSON *item, gv_buf *b)
{
    char *text = cJSON_PrintUnformatted(item);
    if (!text)
        return false;
    bool ok = true;
    for (const char *p = text; *p && ok; p++) {
        size_t run = strcspn(p, "<>&\xE2"); /* copy the plain run up to the next special byte */
        if (run) {
            ok = gv_buf_append(b, p, run);
            p += run - 1;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        if (c == '<')
            ok = gv_buf_puts(b, "\\u003c");
        else if (c == '>')
            ok = gv_buf_puts(b, "\\u003e");
        else if (c == '&')
            ok = gv_buf_puts(b, "\\u0026");
        else if (c == 0xE2 && (unsigned char)p[1] == 0x80 &&
                 ((unsigned char)p[2] == 0xA8 || (unsigned char)p[2] == 0xA9)) {
            ok = gv_buf_puts(b, (unsigned char)p[2] == 0xA8 ? "\\u2028" : "\\u2029");
            p += 2;
        } else
            ok = gv_buf_putc(b, (char)c);
    }
    free(text);
    return ok;
}
