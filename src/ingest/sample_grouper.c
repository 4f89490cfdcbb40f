/* sample_grouper.c: per-GPU rows -> samples. Depends on model and util only. */
#include "sample_grouper.h"

#include "gpuviz/buf.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    long id;
    gv_time_us t;
    long line;
    double *m;
    unsigned long seq;    /* arrival order (the reorder buffer keeps it among equal times) */
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

    /* gv_grouper_unsorted: a min-heap on (t, seq) of at most GV_REORDER_ROWS rows */
    bool unsorted;
    pending_row *heap;
    size_t heap_len;
    unsigned long seq;
    bool seen[GV_GROUPER_MAX_GPU];
    gv_time_us out_t;     /* the last time handed on (GV_TIME_NONE: none yet) */
    size_t late;          /* rows older than that: skipped */
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
    for (size_t k = 0; k < g->heap_len; k++)
        free(g->heap[k].m);
    free(g->heap);
    free(g->values);
    free(g);
}

/* The series of the GPUs ids[0..n) (ascending) and every metric; then the sink's begin. */
static void make_schema(gv_sample_grouper *g, const long *ids, size_t n, gv_error *err)
{
    g->schema_done = true;
    for (size_t k = 0; k < n; k++) {
        long id = ids[k];
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
        g->tl->ingest.rows_read++;
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
    long *ids = gv_xmalloc((g->pending_len + 1) * sizeof *ids);
    for (size_t k = 0; k < g->pending_len; k++)
        ids[k] = g->pending[k].id;
    make_schema(g, ids, g->pending_len, err);
    free(ids);
    for (size_t k = 0; k < g->pending_len; k++)
        place(g, g->pending[k].id, g->pending[k].t, g->pending[k].line, g->pending[k].m, err);
}

void gv_grouper_unsorted(gv_sample_grouper *g)
{
    assert(!g->schema_done && g->pending_len == 0 && !g->unsorted);
    g->unsorted = true;
    g->heap = gv_xmalloc(GV_REORDER_ROWS * sizeof *g->heap);
    g->out_t = GV_TIME_NONE;
}

static bool heap_less(const pending_row *a, const pending_row *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heap_push(gv_sample_grouper *g, pending_row r)
{
    assert(g->heap_len < GV_REORDER_ROWS);
    size_t i = g->heap_len++;
    while (i > 0 && heap_less(&r, &g->heap[(i - 1) / 2])) {
        g->heap[i] = g->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    g->heap[i] = r;
}

static pending_row heap_pop(gv_sample_grouper *g)
{
    assert(g->heap_len > 0);
    pending_row top = g->heap[0], last = g->heap[--g->heap_len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= g->heap_len)
            break;
        if (c + 1 < g->heap_len && heap_less(&g->heap[c + 1], &g->heap[c]))
            c++;
        if (!heap_less(&g->heap[c], &last))
            break;
        g->heap[i] = g->heap[c];
        i = c;
    }
    if (g->heap_len)
        g->heap[i] = last;
    return top;
}

/* The earliest buffered row, into the sample it belongs to (a new one when it would set a value
 * the open sample has). */
static void hand_on(gv_sample_grouper *g, gv_error *err)
{
    pending_row r = heap_pop(g);
    if (!g->schema_done) { /* the GPUs: every one seen so far */
        long ids[GV_GROUPER_MAX_GPU];
        size_t n = 0;
        for (long id = 0; id < GV_GROUPER_MAX_GPU; id++)
            if (g->seen[id])
                ids[n++] = id;
        make_schema(g, ids, n, err);
    }
    assert(g->out_t == GV_TIME_NONE || r.t >= g->out_t);
    g->out_t = r.t;
    int pos = g->pos[r.id];
    if (pos < 0) {
        if (!g->warned[r.id]) {
            g->warned[r.id] = true;
            gv_diag_warn(g->diag, GV_WARN_CSV_ROW, g->file, r.line,
                         "GPU %ld was not among the first rows' GPUs; its rows are ignored", r.id);
        }
        free(r.m);
        return;
    }
    double *v = &g->values[(size_t)pos * g->metrics_len];
    bool clash = !g->open;
    for (size_t k = 0; k < g->metrics_len && !clash; k++)
        clash = !isnan(r.m[k]) && !isnan(v[k]);
    if (clash) {
        emit(g);
        g->open = true;
        g->first_t = r.t;
        v = &g->values[(size_t)pos * g->metrics_len];
    }
    for (size_t k = 0; k < g->metrics_len; k++)
        if (!isnan(r.m[k]))
            v[k] = r.m[k];
    free(r.m);
}

static gv_status unsorted_row(gv_sample_grouper *g, long id, gv_time_us t, long line, const double *m,
                              gv_error *err)
{
    if (g->out_t != GV_TIME_NONE && t < g->out_t) {
        if (g->late++ == 0)
            gv_diag_warn(g->diag, GV_WARN_CSV_ROW, g->file, line,
                         "skipped row: earlier than rows %d rows before it (its GPU %ld's time goes back "
                         "further than gpuviz reorders); sort the file by time to read every row",
                         GV_REORDER_ROWS, id);
        g->tl->ingest.rows_skipped++;
        return GV_OK;
    }
    if (g->heap_len == GV_REORDER_ROWS)
        hand_on(g, err);
    pending_row r = {id, t, line, gv_xmalloc((g->metrics_len + 1) * sizeof *m), g->seq++};
    memcpy(r.m, m, g->metrics_len * sizeof *m);
    g->seen[id] = true;
    heap_push(g, r);
    return g->status;
}

gv_status gv_grouper_row(gv_sample_grouper *g, long id, gv_time_us t, long line, const double *m,
                         gv_error *err)
{
    if (g->status != GV_OK)
        return g->status;
    assert(id >= 0 && id < GV_GROUPER_MAX_GPU);
    if (g->unsorted)
        return unsorted_row(g, id, t, line, m, err);
    if (!g->schema_done) {
        if (g->pending_len == 0 || id > g->pending[g->pending_len - 1].id) {
            GV_GROW(g->pending, g->pending_cap, g->pending_len + 1);
            pending_row *p = &g->pending[g->pending_len++];
            *p = (pending_row){id, t, line, gv_xmalloc((g->metrics_len + 1) * sizeof *m), 0};
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
    while (g->heap_len && g->status == GV_OK)
        hand_on(g, err);
    if (!g->schema_done && g->pending_len)
        flush_pending(g, err);
    if (g->schema_done)
        emit(g);
    return g->status;
}
