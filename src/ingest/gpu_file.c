/* gpu_file.c: opens a GPU metrics input, recognises its format, and drives the CSV or dcgmi
 * reader over it, on one thread or with a parser thread. Depends on the readers' public
 * interfaces, the model and util; the readers do not know about each other or about threads. */
#include "gpuviz/gpu_file.h"

#include "gpuviz/buf.h"
#include "gpuviz/csv_reader.h"
#include "gpuviz/dcgm_reader.h"
#include "gpuviz/input.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One reader of either kind behind the same three calls. */
typedef struct {
    gv_csv_reader *csv;
    gv_dcgm_reader *dcgm;
} any_reader;

static gv_status any_feed(any_reader *a, const char *buf, size_t n, gv_error *err)
{
    return a->csv ? gv_csv_reader_feed(a->csv, buf, n, err) : gv_dcgm_reader_feed(a->dcgm, buf, n, err);
}

static gv_status any_finish(any_reader *a, gv_error *err)
{
    return a->csv ? gv_csv_reader_finish(a->csv, err) : gv_dcgm_reader_finish(a->dcgm, err);
}

static void any_free(any_reader *a)
{
    gv_csv_reader_free(a->csv);
    gv_dcgm_reader_free(a->dcgm);
}

/* progress: called after each block with the bytes fed so far (may be NULL). */
static gv_status read_sync(gv_input *in, const char *path, gv_timeline *tl, gv_sample_sink sink,
                           const gv_diag *diag, const gv_read_opts *o,
                           void (*progress)(void *, unsigned long long), void *progress_ctx,
                           gv_error *err)
{
    gv_status st = GV_OK;
    any_reader rd = {NULL, NULL}, *r = &rd;
    if (o->format == GV_FORMAT_DCGM)
        rd.dcgm = gv_dcgm_reader_new(tl, path, sink, diag, o->dcgm_start, o->dcgm_interval_ms);
    else {
        rd.csv = gv_csv_reader_new(tl, path, sink, diag);
        if (o->columns)
            gv_csv_reader_set_columns(rd.csv, o->columns);
    }
    size_t cap = 1 << 20;
    char *buf = gv_xmalloc(cap);
    long n;
    while (st == GV_OK && (n = gv_input_read(in, buf, cap, err)) > 0) {
        st = any_feed(r, buf, (size_t)n, err);
        if (progress)
            progress(progress_ctx, gv_input_consumed(in));
    }
    if (st == GV_OK && n < 0)
        st = GV_ERR_INPUT;
    if (st == GV_OK)
        st = any_finish(r, err);
    free(buf);
    any_free(r);
    return st;
}

/* ---- the two-thread pipeline: a parser thread fills blocks of rows and warnings, the calling
 * thread hands them to the real sink and diag in order ---- */

typedef struct {
    gv_warn_kind kind;
    long line;
    char msg[240];
} queued_warning;

typedef struct block {
    struct block *next;
    bool begin;             /* the header was read: call sink.begin before these rows */
    unsigned long long bytes; /* bytes of the file fed when the block was handed over */
    size_t n;
    gv_time_us *t;
    double *v;              /* n x series */
    queued_warning *w;
    size_t w_len, w_cap;
} block;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    block *head, *tail;     /* filled, in order */
    block *free;            /* recycled */
    size_t in_flight;
    bool done;
    /* parser side */
    gv_input *in;
    const char *path;
    gv_timeline *tl;
    size_t series;
    block *cur;
    bool begin_pending;
    unsigned long long fed; /* bytes fed to the parser so far */
    const gv_read_opts *o;
    gv_status st;
    gv_error err;
} pipeline;

static block *get_block(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->free && p->in_flight >= GV_READ_BLOCKS_IN_FLIGHT)
        pthread_cond_wait(&p->cv, &p->mu);
    block *b = p->free;
    if (b)
        p->free = b->next;
    p->in_flight++;
    pthread_mutex_unlock(&p->mu);
    if (!b)
        b = gv_xcalloc(1, sizeof *b);
    b->next = NULL;
    b->n = b->w_len = 0;
    b->begin = false;
    return b;
}

static void push_block(pipeline *p)
{
    block *b = p->cur;
    p->cur = NULL;
    if (!b)
        return;
    b->bytes = p->fed;
    pthread_mutex_lock(&p->mu);
    if (p->tail)
        p->tail->next = b;
    else
        p->head = b;
    p->tail = b;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static gv_status pipe_begin(void *ctx, gv_error *err)
{
    (void)err;
    pipeline *p = ctx;
    p->series = p->tl->series_len;
    p->begin_pending = true;
    return GV_OK;
}

static block *current(pipeline *p)
{
    if (!p->cur) {
        p->cur = get_block(p);
        p->cur->begin = p->begin_pending;
        p->begin_pending = false;
    }
    return p->cur;
}

static void pipe_row(void *ctx, gv_time_us t, const double *values)
{
    pipeline *p = ctx;
    block *b = current(p);
    if (!b->t) { /* rows only come after the header, so the series count is known */
        b->t = gv_xmalloc(GV_READ_BLOCK_ROWS * sizeof *b->t);
        b->v = gv_xmalloc(GV_READ_BLOCK_ROWS * (p->series ? p->series : 1) * sizeof *b->v);
    }
    b->t[b->n] = t;
    memcpy(&b->v[b->n * p->series], values, p->series * sizeof *values);
    if (++b->n == GV_READ_BLOCK_ROWS)
        push_block(p);
}

static void pipe_warn(void *ctx, gv_warn_kind kind, const char *file, long line, const char *msg)
{
    (void)file;
    pipeline *p = ctx;
    block *b = current(p);
    GV_GROW(b->w, b->w_cap, b->w_len + 1);
    b->w[b->w_len].kind = kind;
    b->w[b->w_len].line = line;
    snprintf(b->w[b->w_len++].msg, sizeof b->w->msg, "%s", msg);
}

static void note_fed(void *ctx, unsigned long long done)
{
    ((pipeline *)ctx)->fed = done;
}

static void *parser_thread(void *arg)
{
    pipeline *p = arg;
    gv_diag diag = {pipe_warn, p};
    p->st = read_sync(p->in, p->path, p->tl, (gv_sample_sink){pipe_begin, pipe_row, p}, &diag,
                      p->o, note_fed, p, &p->err);
    if (p->begin_pending)
        current(p); /* a header without rows still announces the schema */
    push_block(p);
    pthread_mutex_lock(&p->mu);
    p->done = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void free_blocks(block *b)
{
    while (b) {
        block *next = b->next;
        free(b->t);
        free(b->v);
        free(b->w);
        free(b);
        b = next;
    }
}

static gv_status read_threaded(gv_input *in, const char *path, gv_timeline *tl, gv_sample_sink sink,
                               const gv_diag *diag, const gv_read_opts *o,
                               unsigned long long total, gv_error *err)
{
    pipeline p = {.in = in, .path = path, .tl = tl, .o = o, .st = GV_OK};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, parser_thread, &p) != 0) {
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.cv);
        return read_sync(in, path, tl, sink, diag, o, NULL, NULL, err);
    }
    gv_status st = GV_OK;
    for (;;) {
        pthread_mutex_lock(&p.mu);
        while (!p.head && !p.done)
            pthread_cond_wait(&p.cv, &p.mu);
        block *b = p.head;
        if (b) {
            p.head = b->next;
            if (!p.head)
                p.tail = NULL;
        }
        pthread_mutex_unlock(&p.mu);
        if (!b)
            break;
        for (size_t i = 0; i < b->w_len; i++)
            if (diag && diag->fn)
                diag->fn(diag->ctx, b->w[i].kind, path, b->w[i].line, b->w[i].msg);
        if (b->begin && st == GV_OK && sink.begin)
            st = sink.begin(sink.ctx, err);
        for (size_t i = 0; i < b->n && st == GV_OK; i++)
            sink.row(sink.ctx, b->t[i], &b->v[i * p.series]);
        if (o->progress)
            o->progress(o->progress_ctx, b->bytes, total);
        pthread_mutex_lock(&p.mu);
        b->next = p.free;
        p.free = b;
        p.in_flight--;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
    }
    pthread_join(th, NULL);
    free_blocks(p.free);
    free_blocks(p.head);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    if (st == GV_OK && p.st != GV_OK) {
        *err = p.err;
        st = p.st;
    }
    return st;
}

typedef struct {
    const gv_read_opts *o;
    unsigned long long total;
} sync_progress;

static void forward_progress(void *ctx, unsigned long long done)
{
    const sync_progress *sp = ctx;
    sp->o->progress(sp->o->progress_ctx, done, sp->total);
}

gv_status gv_gpu_read_file(const char *path, gv_timeline *tl, gv_sample_sink sink,
                           const gv_diag *diag, const gv_read_opts *opts, gv_error *err)
{
    gv_input *in;
    gv_status st = gv_input_open(&in, path, err);
    if (st != GV_OK)
        return st;
    gv_read_opts o = *opts;
    if (o.format == GV_FORMAT_AUTO) { /* look at the first bytes, then give them back */
        char head[4096];
        long n = gv_input_read(in, head, sizeof head, err);
        if (n < 0) {
            gv_input_close(in);
            return GV_ERR_INPUT;
        }
        o.format = gv_dcgm_detect(head, (size_t)n) ? GV_FORMAT_DCGM : GV_FORMAT_CSV;
        gv_input_unread(in, head, (size_t)n);
    }
    if (o.format == GV_FORMAT_DCGM && !(o.dcgm_interval_ms > 0 && o.dcgm_start != GV_TIME_NONE)) {
        gv_error_set(err, path, 0, "dcgmi dmon output has no timestamps: give --start 'YYYY-MM-DD "
                     "HH:MM:SS' (when sampling began) and --interval MS (the -d of dcgmi dmon)");
        gv_input_close(in);
        return GV_ERR_USAGE;
    }
    unsigned long long total = gv_input_size(in);
    sync_progress sp = {&o, total};
    st = o.threads >= 2
             ? read_threaded(in, path, tl, sink, diag, &o, total, err)
             : read_sync(in, path, tl, sink, diag, &o, o.progress ? forward_progress : NULL, &sp, err);
    gv_input_close(in);
    return st;
}
