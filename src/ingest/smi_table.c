/* smi_table.c: nvidia-smi's full table, repeated -> samples. Depends on model and util. */
#include "smi_table.h"

#include "gpuviz/buf.h"
#include "gpuviz/numparse.h"
#include "columns.h"
#include "sample_grouper.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_POWER, M_TEMP, M_UTIL, M_MEM, M_FAN, METRICS };
static const char *const NAMES[METRICS] = {"power.draw", "temperature.gpu", "utilization.gpu", "memory.used",
                                           "fan.speed"};
static const char *const UNITS[METRICS] = {"W", "C", "%", "MiB", "%"};

/* Rows of one second held to spread its snapshots: past this, the second's rows so far go out
 * as they are (at its stamp) and the rest are spread among themselves. */
#define HELD_MAX 4096

typedef struct {
    long id, line;
    int snapshot;          /* its snapshot within the second */
    double m[METRICS];
} held_row;

struct gv_smi_table {
    gv_timeline *tl;
    const char *file;
    const gv_diag *diag;
    gv_sample_grouper *grouper;
    gv_time_us stamp;      /* the current date line's time (GV_TIME_NONE before the first) */
    int snapshots;         /* snapshots under the current stamp so far */
    bool in_processes;     /* inside a snapshot's processes table */
    long id;               /* the GPU whose name line came last (-1: none) */
    long id_line;
    held_row held[HELD_MAX];
    size_t held_len;
};

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* `Tue Oct 29 19:00:23 2024` (what `date` and nvidia-smi print) -> its time; GV_TIME_NONE if the
 * line is not one. */
static gv_time_us date_line(const char *s)
{
    char wd[4], mon[4];
    int day, h, mi, sec, year, used = 0;
    s = skip_blanks(s);
    if (sscanf(s, "%3s %3s %d %d:%d:%d %d%n", wd, mon, &day, &h, &mi, &sec, &year, &used) != 7)
        return GV_TIME_NONE;
    int m = gv_month_from_name(mon, strlen(mon));
    if (!m || *skip_blanks(s + used) || year < 1970 || year > 9999 || day < 1 || day > 31 || h > 23 ||
        mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
        return GV_TIME_NONE;
    return ((gv_days_from_civil(year, (unsigned)m, (unsigned)day) * 24 + h) * 60 + mi) * 60000000LL +
           sec * 1000000LL;
}

bool gv_smi_table_starts(const char *line)
{
    const char *p = skip_blanks(line);
    return date_line(p) != GV_TIME_NONE || strncmp(p, "+-----", 6) == 0;
}

gv_smi_table *gv_smi_table_new(gv_timeline *tl, const char *file, gv_sample_sink sink, const gv_diag *diag)
{
    gv_smi_table *t = gv_xcalloc(1, sizeof *t);
    t->tl = tl;
    t->file = file;
    t->diag = diag;
    t->stamp = GV_TIME_NONE;
    t->id = -1;
    char *names[METRICS], *units[METRICS];
    memcpy(names, NAMES, sizeof names);
    memcpy(units, UNITS, sizeof units);
    t->grouper = gv_grouper_new(tl, file, sink, diag, METRICS, names, units, gv_column_kind, NULL, NULL);
    return t;
}

void gv_smi_table_free(gv_smi_table *t)
{
    if (!t)
        return;
    gv_grouper_free(t->grouper);
    free(t);
}

/* The held rows of the current second, snapshot i of n at stamp + i/n s. */
static gv_status release(gv_smi_table *t, gv_error *err)
{
    gv_status st = GV_OK;
    int n = t->snapshots ? t->snapshots : 1;
    for (size_t k = 0; k < t->held_len && st == GV_OK; k++) {
        const held_row *h = &t->held[k];
        gv_time_us at = t->stamp + (gv_time_us)h->snapshot * 1000000 / n;
        st = gv_grouper_row(t->grouper, h->id, at, h->line, h->m, err);
    }
    t->held_len = 0;
    return st;
}

/* A number with its unit glued on ("305W", "53C", "93%", "11948MiB"); NAN for N/A. */
static double value(const char *w, size_t len)
{
    size_t n = 0;
    while (n < len && (strchr("+-.0123456789", w[n]) && w[n]))
        n++;
    double v;
    return n && gv_parse_number(w, n, &v) == GV_NUM_OK ? v : NAN;
}

/* The GPU's second line: `| N/A 53C P0 305W / 350W | 11948MiB / 46068MiB | 93% Default |`. */
static gv_status reading(gv_smi_table *t, char *s, long line_no, gv_error *err)
{
    char *cell[4] = {NULL};
    size_t cells = 0;
    for (char *p = s; *p && cells < 4; p++)
        if (*p == '|') {
            *p = '\0';
            cell[cells++] = p + 1;
        }
    char *w[8];
    size_t n = cells >= 3 ? gv_words(cell[0], w, 8) : 0;
    if (n < 5 || !strchr(w[1], 'C') || w[2][0] != 'P') {
        t->tl->ingest.rows_skipped++;
        gv_diag_warn(t->diag, GV_WARN_CSV_ROW, t->file, line_no,
                     "skipped line: expected GPU %ld's readings (fan, temperature, P-state, power / cap)", t->id);
        return GV_OK;
    }
    held_row h = {.id = t->id, .line = t->id_line, .snapshot = t->snapshots - 1};
    h.m[M_FAN] = value(w[0], strlen(w[0]));
    h.m[M_TEMP] = value(w[1], strlen(w[1]));
    h.m[M_POWER] = value(w[3], strlen(w[3]));
    char *mw[4];
    h.m[M_MEM] = gv_words(cell[1], mw, 4) >= 1 ? value(mw[0], strlen(mw[0])) : NAN;
    h.m[M_UTIL] = gv_words(cell[2], mw, 4) >= 1 ? value(mw[0], strlen(mw[0])) : NAN;
    if (t->held_len == HELD_MAX) { /* (a second with thousands of snapshots) */
        gv_status st = release(t, err);
        if (st != GV_OK)
            return st;
    }
    t->held[t->held_len++] = h;
    return GV_OK;
}

gv_status gv_smi_table_line(gv_smi_table *t, char *line, long line_no, gv_error *err)
{
    gv_time_us d = date_line(line);
    if (d != GV_TIME_NONE) {
        if (d != t->stamp) {
            gv_status st = release(t, err);
            if (st != GV_OK)
                return st;
            t->stamp = d;
            t->snapshots = 0;
        }
        t->snapshots++;
        t->in_processes = false;
        t->id = -1;
        return GV_OK;
    }
    const char *p = skip_blanks(line);
    if (strstr(p, "Processes:"))
        t->in_processes = true;
    if (*p != '|' || t->in_processes)
        return GV_OK;
    if (t->id >= 0) { /* the line after a GPU's name line */
        gv_status st = t->stamp == GV_TIME_NONE ? GV_OK : reading(t, line, line_no, err);
        if (t->stamp == GV_TIME_NONE && t->tl->ingest.rows_skipped++ == 0)
            gv_diag_warn(t->diag, GV_WARN_CSV_ROW, t->file, line_no,
                         "skipped: a table before the first date line has no time");
        t->id = -1;
        return st;
    }
    /* `|   0  NVIDIA L40S   On |`: the GPU's index, then its name */
    p = skip_blanks(p + 1);
    char *end;
    long id = strtol(p, &end, 10);
    if (end > p && (*end == ' ' || *end == '\t') && id >= 0 && id < GV_GROUPER_MAX_GPU) {
        const char *name = skip_blanks(end);
        if ((*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z')) {
            t->id = id;
            t->id_line = line_no;
        }
    }
    return GV_OK;
}

gv_status gv_smi_table_finish(gv_smi_table *t, gv_error *err)
{
    gv_status st = release(t, err);
    if (st == GV_OK)
        st = gv_grouper_finish(t->grouper, err);
    return st;
}
