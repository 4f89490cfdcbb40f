/* sample_grouper.c: per-GPU rows -> samples. Depends on model and util only. */
#include "sample_grouper.h"

#include "gpuviz/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    long id;
    gv_time_us t;
    long line;
    double *m;
} pending_row;

struct gv_sample_grouper {
    gv_timeline *tl;
    const char *file;
    gv_sample_sink sink;
    const gv_diag *diag;
    size_t metrics_len;
    char **names, **units;
    gv_metric_kind_fn kind_of;
    gv_sample_time_fn time_of;
    void *time_ctx;

    pending_row *pending; /* the first query, until it is complete */
    size_t pending_len, pending_cap;
    bool schema_done;
    int pos[GV_GROUPER_MAX_GPU]; /* GPU id -> position in the first query, or -1 */
    bool warned[GV_GROUPER_MAX_GPU];
    size_t gpus_len;

    double *values;       /* the current sample, one value per series */
    bool open;
    long last_id;
    gv_time_us first_t;   /* time of the current sample's first row */
    long samples;
    gv_status status;
};

gv_sample_grouper *gv_grouper_new(gv_timeline *tl, const char *file, gv_sample_sink sink,
                                  const gv_diag *diag, size_t metrics_len, char *const *names,
                                  char *const *units, gv_metric_kind_fn kind_of,
                                  gv_sample_time_fn time_of, void *time_ctx)
{
    gv_sample_grouper *g = gv_xcalloc(1, sizeof *g);
    g->tl = tl;
    g->file = file;
    g->sink = sink;
    g->diag = diag;
    g->metrics_len = metrics_len;
    g->names = gv_xcalloc(metrics_len + 1, sizeof *g->names);
    g->units = gv_xcalloc(metrics_len + 1, sizeof *g->units);
    for (size_t m = 0; m < metrics_len; m++) {
        g->names[m] = gv_xstrndup(names[m], strlen(names[m]));
        g->units[m] = gv_xstrndup(units[m] ? units[m] : "", units[m] ? strlen(units[m]) : 0);
    }
    g->kind_of = kind_of;
    g->time_of = time_of;
    g->time_ctx = time_ctx;
    for (size_t i = 0; i < GV_GROUPER_MAX_GPU; i++)
        g->pos[i] = -1;
    return g;
}

void gv_grouper_free(gv_sample_grouper *g)
{
    if (!g)
        return;
    for (size_t m = 0; m < g->metrics_len; m++) {
        free(g->names[m]);
        free(g->units[m]);
    }
    free(g->names);
    free(g->units);
    for (size_t k = 0; k < g->pending_len; k++)
        free(g->pending[k].m);
    free(g->pending);
    free(g->values);
    free(g);
}

static void make_schema(gv_sample_grouper *g, gv_error *err)
{
    g->schema_done = true;
    for (size_t k = 0; k < g->pending_len; k++) {
        long id = g->pending[k].id;
        g->pos[id] = (int)g->gpus_len++;
        for (size_t m = 0; m < g->metrics_len; m++) {
            char name[160];
            gv_series_kind kind = g->kind_of(g->names[m]);
            snprintf(name, sizeof name, "gpu%ld %s", id, g->names[m]);
            size_t idx = gv_timeline_add_series(g->tl, name, kind, kind == GV_SERIES_OTHER ? -1 : (int)id);
            if (kind == GV_SERIES_OTHER && g->units[m][0])
                g->tl->series[idx].unit = gv_arena_strdup(&g->tl->arena, g->units[m]);
        }
    }
    g->values = gv_xmalloc((g->tl->series_len + 1) * sizeof *g->values);
    for (size_t i = 0; i < g->tl->series_len; i++)
        g->values[i] = NAN;
    if (g->sink.begin)
        g->status = g->sink.begin(g->sink.ctx, err);
}

static void emit(gv_sample_grouper *g)
{
    if (g->open && g->status == GV_OK) {
        g->tl->rows_read++;
        g->sink.row(g->sink.ctx, g->time_of ? g->time_of(g->time_ctx, g->samples, g->first_t) : g->first_t,
                    g->values, NULL);
        g->samples++;
    }
    g->open = false;
    for (size_t i = 0; i < g->tl->series_len; i++)
        g->values[i] = NAN;
}

static void place(gv_sample_grouper *g, long id, gv_time_us t, long line, const double *m, gv_error *err)
{
    if (!g->open || id <= g->last_id) {
        emit(g);
        g->open = true;
        g->first_t = t;
    }
    g->last_id = id;
    int pos = g->pos[id];
    if (pos < 0 && g->open && t < g->first_t - 500000 && t != 0) {
        /* a GPU first seen a second or more before the query it falls into: the file holds all
         * of one GPU's rows, then the next GPU's (a DCGM API dump), not one query after another */
        char at[40];
        gv_time_format_iso(t, at, sizeof at);
        gv_error_set(err, g->file, line,
                     "rows are grouped by GPU: GPU %ld's rows begin here, back at %s, after those of "
                     "the GPUs before it; gpuviz reads rows in time order: sort the file by its time "
                     "column first (e.g. `sort -t, -k2,2n`)", id, at);
        g->status = GV_ERR_INPUT;
        return;
    }
    if (pos < 0) {
        if (!g->warned[id]) {
            g->warned[id] = true;
            gv_diag_warn(g->diag, GV_WARN_CSV_ROW, g->file, line,
                         "GPU %ld was not in the first query; its rows are ignored", id);
        }
        return;
    }
    memcpy(&g->values[(size_t)pos * g->metrics_len], m, g->metrics_len * sizeof *m);
}

static void flush_pending(gv_sample_grouper *g, gv_error *err)
{
    make_schema(g, err);
    for (size_t k = 0; k < g->pending_len; k++)
        place(g, g->pending[k].id, g->pending[k].t, g->pending[k].line, g->pending[k].m, err);
}

gv_status gv_grouper_row(gv_sample_grouper *g, long id, gv_time_us t, long line, const double *m,
                         gv_error *err)
{
    if (g->status != GV_OK)
        return g->status;
    if (!g->schema_done) {
        if (g->pending_len == 0 || id > g->pending[g->pending_len - 1].id) {
            GV_GROW(g->pending, g->pending_cap, g->pending_len + 1);
            pending_row *p = &g->pending[g->pending_len++];
            *p = (pending_row){id, t, line, gv_xmalloc((g->metrics_len + 1) * sizeof *m)};
            memcpy(p->m, m, g->metrics_len * sizeof *m);
            return GV_OK;
        }
        flush_pending(g, err);
    }
    place(g, id, t, line, m, err);
    return g->status;
}

gv_status gv_grouper_finish(gv_sample_grouper *g, gv_error *err)
{
    if (!g->schema_done && g->pending_len)
        flush_pending(g, err);
    if (g->schema_done)
        emit(g);
    return g->status;
}
