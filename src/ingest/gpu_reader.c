/* gpu_reader.c: the reader adapter: the CSV or dcgmi reader behind the same calls, a CSV reader
 * as the options shape it, rows handed to a sink (in blocks when it takes them), and the read
 * on the calling thread. */
#include "gpu_read.h"

#include "gpuviz/buf.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gv_status gvr_any_feed(any_reader *a, const char *buf, size_t n, gv_error *err)
{
    return a->csv ? gv_csv_reader_feed(a->csv, buf, n, err) : gv_dcgm_reader_feed(a->dcgm, buf, n, err);
}

gv_status gvr_any_finish(any_reader *a, gv_error *err)
{
    return a->csv ? gv_csv_reader_finish(a->csv, err) : gv_dcgm_reader_finish(a->dcgm, err);
}

void gvr_any_free(any_reader *a)
{
    gv_csv_reader_free(a->csv);
    gv_dcgm_reader_free(a->dcgm);
}

/* Hands n rows (values n x series) to a sink: at once when it takes blocks. */
void gvr_sink_rows(const gv_sample_sink *sink, size_t n, const gv_time_us *t, const double *v,
                   size_t series)
{
    if (sink->rows) {
        sink->rows(sink->ctx, n, t, v);
        return;
    }
    for (size_t i = 0; i < n; i++)
        sink->row(sink->ctx, t[i], &v[i * series], NULL);
}

/* Rows gathered into blocks for a sink that takes them (the one-thread path): the same rows,
 * handed over GV_READ_BLOCK_ROWS at a time. */
typedef struct {
    gv_sample_sink to;
    const gv_timeline *tl;
    size_t series, n;       /* series: tl's count when the first row came (fixed by then) */
    gv_time_us *t;
    double *v;
} row_batch;

static void batch_flush(row_batch *b)
{
    if (b->n)
        b->to.rows(b->to.ctx, b->n, b->t, b->v);
    b->n = 0;
}

static gv_status batch_begin(void *ctx, gv_error *err)
{
    row_batch *b = ctx;
    return b->to.begin ? b->to.begin(b->to.ctx, err) : GV_OK;
}

static void batch_row(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh)
{
    row_batch *b = ctx;
    if (fresh) { /* (not from one file: passed on as it is) */
        batch_flush(b);
        b->to.row(b->to.ctx, t, values, fresh);
        return;
    }
    if (!b->t)
        b->series = b->tl->series_len;
    if (gvr_rows_append(&b->t, &b->v, &b->n, b->series, t, values))
        batch_flush(b);
}

/* A CSV reader with the options that shape it (--map, --columns, --gpus). Caller frees. */
gv_csv_reader *gvr_csv_reader_for(gv_timeline *tl, const char *path, gv_sample_sink sink,
                                  const gv_diag *diag, const gv_read_opts *o)
{
    gv_csv_reader *r = gv_csv_reader_new(tl, path, sink, diag);
    if (o->map)
        gv_csv_reader_set_map(r, o->map);
    if (o->columns)
        gv_csv_reader_set_columns(r, o->columns);
    if (o->gpus > 0)
        gv_csv_reader_set_gpus(r, o->gpus);
    gv_csv_reader_set_start(r, o->dcgm_start);
    return r;
}

any_reader gvr_reader_new(gv_timeline *tl, const char *path, gv_sample_sink sink, const gv_diag *diag,
                          const gv_read_opts *o)
{
    assert(o->format != GV_FORMAT_AUTO); /* (settled by gvr_open_input) */
    if (o->format == GV_FORMAT_DCGM)
        return (any_reader){.dcgm = gv_dcgm_reader_new(tl, path, sink, diag, o->dcgm_start, o->dcgm_interval_ms)};
    return (any_reader){.csv = gvr_csv_reader_for(tl, path, sink, diag, o)};
}

/* progress: called after each block with the bytes fed so far (may be NULL). */
gv_status gvr_read_sync(gv_input *in, const char *path, gv_timeline *tl, gv_sample_sink sink,
                        const gv_diag *diag, const gv_read_opts *o,
                        void (*progress)(void *, unsigned long long), void *progress_ctx,
                        gv_error *err)
{
    gv_status st = o->prepare ? o->prepare(o->prepare_ctx, err) : GV_OK;
    if (st != GV_OK)
        return st;
    row_batch batch = {.to = sink, .tl = tl};
    if (sink.rows)
        sink = (gv_sample_sink){.begin = batch_begin, .row = batch_row, .ctx = &batch};
    any_reader rd = gvr_reader_new(tl, path, sink, diag, o), *r = &rd;
    size_t cap = 1 << 20;
    char *buf = gv_xmalloc(cap);
    long n;
    while (st == GV_OK && (n = gv_input_read(in, buf, cap, err)) > 0) {
        st = gvr_any_feed(r, buf, (size_t)n, err);
        if (progress)
            progress(progress_ctx, gv_input_consumed(in));
    }
    if (st == GV_OK && n < 0)
        st = GV_ERR_INPUT;
    if (st == GV_OK)
        st = gvr_any_finish(r, err); /* (its last rows may be in the batch still: they count) */
    batch_flush(&batch);
    free(batch.t);
    free(batch.v);
    free(buf);
    gvr_any_free(r);
    return st;
}
