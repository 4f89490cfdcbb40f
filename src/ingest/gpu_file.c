/* gpu_file.c: opens a GPU metrics input, recognises its format, and drives the CSV or dcgmi
 * reader over it, on one thread or with a parser thread. Depends on the readers' public
 * interfaces, the model and util; the readers do not know about each other or about threads. */
#include "gpuviz/gpu_file.h"

#include "gpuviz/buf.h"
#include "gpuviz/csv_reader.h"
#include "gpuviz/dcgm_reader.h"
#include "gpuviz/input.h"

#include <math.h>
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

/* Hands n rows (values n x series) to a sink: at once when it takes blocks. */
static void sink_rows(const gv_sample_sink *sink, size_t n, const gv_time_us *t, const double *v,
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
    if (!b->t) {
        b->series = b->tl->series_len;
        b->t = gv_xmalloc(GV_READ_BLOCK_ROWS * sizeof *b->t);
        b->v = gv_xmalloc(GV_READ_BLOCK_ROWS * (b->series ? b->series : 1) * sizeof *b->v);
    }
    b->t[b->n] = t;
    memcpy(&b->v[b->n * b->series], values, b->series * sizeof *values);
    if (++b->n == GV_READ_BLOCK_ROWS)
        batch_flush(b);
}

/* A CSV reader with the options that shape it (--map, --columns, --gpus). Caller frees. */
static gv_csv_reader *csv_reader_for(gv_timeline *tl, const char *path, gv_sample_sink sink,
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

/* progress: called after each block with the bytes fed so far (may be NULL). */
static gv_status read_sync(gv_input *in, const char *path, gv_timeline *tl, gv_sample_sink sink,
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
    any_reader rd = {NULL, NULL}, *r = &rd;
    if (o->format == GV_FORMAT_DCGM)
        rd.dcgm = gv_dcgm_reader_new(tl, path, sink, diag, o->dcgm_start, o->dcgm_interval_ms);
    else {
        rd.csv = csv_reader_for(tl, path, sink, diag, o);
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
        st = any_finish(r, err); /* (its last rows may be in the batch still: they count) */
    batch_flush(&batch);
    free(batch.t);
    free(batch.v);
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
    push_block(p); /* warnings before the header go first, the schema starts a block */
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

static void pipe_row(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh)
{
    (void)fresh;
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

/* Appends a warning to a queue (a block's or a chunk's), to be passed on in order later. */
static void queue_warning(queued_warning **w, size_t *len, size_t *cap, gv_warn_kind kind, long line,
                          const char *msg)
{
    GV_GROW(*w, *cap, *len + 1);
    queued_warning *q = &(*w)[(*len)++];
    q->kind = kind;
    q->line = line;
    snprintf(q->msg, sizeof q->msg, "%s", msg);
}

/* Passes a queued warning to diag, its line moved by line_base - 1 (chunks count from 1). */
static void pass_warning(const gv_diag *diag, const char *path, const queued_warning *w, long line_base)
{
    if (diag && diag->fn)
        diag->fn(diag->ctx, w->kind, path, line_base + w->line - 1, w->msg);
}

static void pipe_warn(void *ctx, gv_warn_kind kind, const char *file, long line, const char *msg)
{
    (void)file;
    block *b = current(ctx);
    queue_warning(&b->w, &b->w_len, &b->w_cap, kind, line, msg);
}

static void note_fed(void *ctx, unsigned long long done)
{
    ((pipeline *)ctx)->fed = done;
}

static void *parser_thread(void *arg)
{
    pipeline *p = arg;
    gv_diag diag = {pipe_warn, p};
    p->st = read_sync(p->in, p->path, p->tl, (gv_sample_sink){.begin = pipe_begin, .row = pipe_row, .ctx = p}, &diag,
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
    gv_read_opts inner = *o; /* the parser thread's: preparing is the calling thread's job */
    inner.prepare = NULL;
    pipeline p = {.in = in, .path = path, .tl = tl, .o = &inner, .st = GV_OK};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, parser_thread, &p) != 0) {
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.cv);
        return read_sync(in, path, tl, sink, diag, o, NULL, NULL, err);
    }
    gv_status st = o->prepare ? o->prepare(o->prepare_ctx, err) : GV_OK;
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
            pass_warning(diag, path, &b->w[i], 1);
        if (b->begin && st == GV_OK && sink.begin)
            st = sink.begin(sink.ctx, err);
        if (st == GV_OK)
            sink_rows(&sink, b->n, b->t, b->v, p.series);
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

/* ---- chunk-parallel parsing of a wide CSV (threads >= 2) ----
 * After the header, the file is cut at line ends (outside quotes) into chunks of about
 * GV_CHUNK_BYTES. A dispatcher thread reads and cuts; `threads` workers parse chunks with
 * libcsv chunk readers (csv_reader.h) into rows and queued warnings; the calling thread takes the
 * chunks in file order, turns their line numbers into the file's, adds the one check that spans
 * chunks (time going back between them) and runs the sink. The same rows and warnings, in the
 * same order, as one reader would give; memory in flight is GV_CHUNK_SLOTS chunks. */

typedef enum { SLOT_FREE, SLOT_READY, SLOT_PARSING, SLOT_DONE } slot_state;

typedef struct {
    slot_state state;
    size_t seq;
    bool last;                /* the end of the file: may end without a line end */
    char *data;
    size_t len, cap;
    unsigned long long bytes; /* bytes of the file consumed when it was cut */
    /* results */
    size_t n, rows_cap, series;
    bool data_shared, rows_shared; /* data / t and v are in the chunker's region (not malloc'd) */
    gv_time_us *t;
    double *v;
    queued_warning *w;
    size_t w_len, w_cap;
    long lines;               /* line ends it held */
    long first_line;          /* first valid row (0: none) ... */
    size_t first_w;           /* ... the warnings queued before it, and its time */
    gv_time_us first_t, last_t;
    size_t read, skipped, restarts;
    bool zone_known;        /* the chunk's times said their zone: zone_s */
    int zone_s;
    gv_status st;
    gv_error err;
    long err_line;            /* chunk-relative line of err */
} chunk_slot;

typedef struct {
    pthread_mutex_t mu;
    /* one condition per kind of waiter, signalled only when it waits (wake-ups cost a
     * cross-CPU interrupt each): the dispatcher for a free slot, workers for a chunk to parse,
     * the calling thread for the next chunk in order (or one to parse meanwhile) */
    pthread_cond_t cv_disp, cv_work, cv_main;
    bool disp_waiting, main_waiting;
    size_t work_waiting;
    chunk_slot *slots;
    size_t nslots;
    size_t next_cut, next_parse; /* sequence numbers */
    size_t chunk_bytes;
    size_t total;                /* chunks in all, once the dispatcher is done */
    bool cut_done, stop;
    gv_status cut_st;
    gv_error cut_err;
    /* dispatcher side */
    gv_input *in;
    char *carry;                 /* bytes after the last cut */
    size_t carry_len, carry_cap;
    const gv_csv_reader *primary;
    gv_timeline *tl;
    const char *path;
} chunker;

typedef struct {
    chunker *c;
    chunk_slot *slot;
    gv_csv_reader *r;
    gv_diag diag;           /* to the slot's warning queue */
} chunk_worker;

/* Where to cut data[0..len): just after the last line end that lies outside quotes (quotes
 * balanced from the start), or 0 when there is none. */
static size_t cut_point(const char *data, size_t len)
{
    if (!memchr(data, '"', len)) {
        for (size_t i = len; i > 0; i--)
            if (data[i - 1] == '\n')
                return i;
        return 0;
    }
    bool quoted = false;
    size_t cut = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '"')
            quoted = !quoted;
        else if (data[i] == '\n' && !quoted)
            cut = i + 1;
    }
    return cut;
}

/* Wakes every waiter (the end of the input, or a stop); c->mu held. */
static void wake_all(chunker *c)
{
    pthread_cond_broadcast(&c->cv_disp);
    pthread_cond_broadcast(&c->cv_work);
    pthread_cond_broadcast(&c->cv_main);
}

/* Room for need bytes in a slot's data: in place, or a malloc'd copy once the region's share is
 * too small (a very long line). */
static void slot_data_room(chunk_slot *sl, size_t need)
{
    if (sl->data_shared && need > sl->cap) {
        char *d = gv_xmalloc(need);
        memcpy(d, sl->data, sl->len);
        sl->data = d;
        sl->cap = need;
        sl->data_shared = false;
    }
    GV_GROW(sl->data, sl->cap, need);
}

static void *dispatcher_thread(void *arg)
{
    chunker *c = arg;
    gv_error err;
    gv_status st = GV_OK;
    bool eof = false;
    for (size_t seq = 0; !eof && st == GV_OK; seq++) {
        pthread_mutex_lock(&c->mu);
        chunk_slot *sl = &c->slots[seq % c->nslots];
        while (sl->state != SLOT_FREE && !c->stop) {
            c->disp_waiting = true;
            pthread_cond_wait(&c->cv_disp, &c->mu);
            c->disp_waiting = false;
        }
        bool stop = c->stop;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        /* the carried part line, then reads of chunk_bytes straight from the input until at
         * least chunk_bytes are in hand and a line end is among them: the chunk ends at the last
         * one, and what follows it is carried to the next */
        sl->len = 0;
        slot_data_room(sl, c->carry_len + c->chunk_bytes);
        memcpy(sl->data, c->carry, c->carry_len);
        sl->len = c->carry_len;
        size_t cut = 0;
        for (;;) {
            slot_data_room(sl, sl->len + c->chunk_bytes);
            long n = gv_input_read(c->in, sl->data + sl->len, c->chunk_bytes, &err);
            if (n < 0) {
                st = GV_ERR_INPUT;
                break;
            }
            if (n == 0) {
                eof = true;
                cut = sl->len;
                break;
            }
            sl->len += (size_t)n;
            if (sl->len >= c->chunk_bytes && (cut = cut_point(sl->data, sl->len)) > 0)
                break;
            if (sl->len >= GV_CHUNK_MAX_BYTES) { /* no line end: let the reader say what is wrong */
                cut = sl->len;
                break;
            }
        }
        if (st != GV_OK)
            break;
        c->carry_len = sl->len - cut;
        GV_GROW(c->carry, c->carry_cap, c->carry_len + 1);
        memcpy(c->carry, sl->data + cut, c->carry_len);
        sl->len = cut;
        sl->bytes = gv_input_consumed(c->in) - c->carry_len;
        pthread_mutex_lock(&c->mu);
        sl->seq = seq;
        sl->last = eof;
        sl->state = SLOT_READY;
        c->next_cut = seq + 1;
        if (c->work_waiting) /* an idle worker parses it; else the calling thread may */
            pthread_cond_signal(&c->cv_work);
        else if (c->main_waiting)
            pthread_cond_signal(&c->cv_main);
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_lock(&c->mu);
    c->cut_done = true;
    c->total = c->next_cut;
    c->cut_st = st;
    if (st != GV_OK)
        c->cut_err = err;
    wake_all(c);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static void chunk_row(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh)
{
    (void)fresh;
    chunk_worker *wk = ctx;
    chunk_slot *sl = wk->slot;
    if (sl->n == sl->rows_cap) {
        size_t cap = sl->rows_cap, per = sl->series ? sl->series : 1;
        if (sl->rows_shared) { /* more rows than the region holds: malloc'd copies from now on */
            gv_time_us *t_old = sl->t;
            double *v_old = sl->v;
            sl->t = gv_xmalloc(cap * sizeof *sl->t);
            sl->v = gv_xmalloc(cap * per * sizeof *sl->v);
            memcpy(sl->t, t_old, sl->n * sizeof *sl->t);
            memcpy(sl->v, v_old, sl->n * per * sizeof *sl->v);
            sl->rows_shared = false;
        }
        GV_GROW(sl->t, cap, sl->n + 1);
        sl->v = gv_xrealloc(sl->v, cap * per * sizeof *sl->v);
        sl->rows_cap = cap;
    }
    if (sl->n == 0) {
        sl->first_line = gv_csv_reader_line(wk->r);
        sl->first_w = sl->w_len;
        sl->first_t = t;
    }
    sl->last_t = t;
    sl->t[sl->n] = t;
    memcpy(&sl->v[sl->n * sl->series], values, sl->series * sizeof *values);
    sl->n++;
}

static void chunk_warn(void *ctx, gv_warn_kind kind, const char *file, long line, const char *msg)
{
    (void)file;
    chunk_slot *sl = ((chunk_worker *)ctx)->slot;
    queue_warning(&sl->w, &sl->w_len, &sl->w_cap, kind, line, msg);
}

/* The next chunk to parse, claimed (c->mu held), or NULL when none is ready. */
static chunk_slot *claim_ready(chunker *c)
{
    chunk_slot *sl = &c->slots[c->next_parse % c->nslots];
    if (c->stop || !(sl->state == SLOT_READY && sl->seq == c->next_parse))
        return NULL;
    sl->state = SLOT_PARSING;
    c->next_parse++;
    return sl;
}

/* Parses a claimed chunk with wk's reader (c->mu not held), then marks it done. */
static void parse_slot(chunk_worker *wk, chunk_slot *sl)
{
    chunker *c = wk->c;
    wk->slot = sl;
    sl->n = sl->w_len = 0;
    sl->first_line = 0;
    sl->series = c->tl->series_len;
    gv_csv_reader_chunk_start(wk->r);
    sl->st = gv_csv_reader_feed(wk->r, sl->data, sl->len, &sl->err);
    if (sl->st == GV_OK && sl->last)
        sl->st = gv_csv_reader_chunk_end(wk->r, &sl->err);
    sl->err_line = gv_csv_reader_line(wk->r);
    sl->lines = gv_csv_reader_line(wk->r) - 1;
    gv_csv_reader_chunk_counts(wk->r, &sl->read, &sl->skipped, &sl->restarts);
    sl->zone_known = gv_csv_reader_zone(wk->r, &sl->zone_s);
    pthread_mutex_lock(&c->mu);
    sl->state = SLOT_DONE;
    if (c->main_waiting)
        pthread_cond_signal(&c->cv_main);
    pthread_mutex_unlock(&c->mu);
}

static void worker_start(chunk_worker *wk)
{
    wk->r = gv_csv_reader_chunk(wk->c->primary, (gv_sample_sink){.row = chunk_row, .ctx = wk}, &wk->diag);
}

static void *worker_thread(void *arg)
{
    chunk_worker *wk = arg;
    chunker *c = wk->c;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        chunk_slot *sl;
        while (!(sl = claim_ready(c)) && !c->stop && !(c->cut_done && c->next_parse >= c->total)) {
            c->work_waiting++;
            pthread_cond_wait(&c->cv_work, &c->mu);
            c->work_waiting--;
        }
        pthread_mutex_unlock(&c->mu);
        if (!sl)
            break;
        parse_slot(wk, sl);
    }
    return NULL;
}

/* Runs the chunks through the sink in order (the calling thread). */
static gv_status consume_chunks(chunker *c, chunk_worker *helper, long first_line, gv_sample_sink sink,
                                const gv_diag *diag, const gv_read_opts *o, unsigned long long total,
                                gv_error *err)
{
    gv_status st = GV_OK;
    long base = first_line;
    gv_time_us prev_t = GV_TIME_NONE;
    for (size_t seq = 0;; seq++) {
        pthread_mutex_lock(&c->mu);
        chunk_slot *sl = &c->slots[seq % c->nslots];
        while (!(sl->state == SLOT_DONE && sl->seq == seq) && !(c->cut_done && seq >= c->total)) {
            chunk_slot *mine = claim_ready(c); /* while the next is not parsed: parse one too */
            if (mine) {
                pthread_mutex_unlock(&c->mu);
                parse_slot(helper, mine);
                pthread_mutex_lock(&c->mu);
                continue;
            }
            c->main_waiting = true;
            pthread_cond_wait(&c->cv_main, &c->mu);
            c->main_waiting = false;
        }
        bool end = !(sl->state == SLOT_DONE && sl->seq == seq);
        if (end && c->cut_st != GV_OK && st == GV_OK) {
            *err = c->cut_err;
            st = c->cut_st;
        }
        pthread_mutex_unlock(&c->mu);
        if (end)
            break;
        for (size_t i = 0; i <= sl->w_len; i++) {
            if (i == sl->first_w && sl->first_line && prev_t != GV_TIME_NONE && sl->first_t < prev_t &&
                diag && diag->fn) {
                char msg[120];
                snprintf(msg, sizeof msg, "sample time goes back %.3f s (rows out of order?)",
                         (double)(prev_t - sl->first_t) / 1e6);
                diag->fn(diag->ctx, GV_WARN_CSV_TIME, c->path, base + sl->first_line - 1, msg);
            }
            if (i < sl->w_len)
                pass_warning(diag, c->path, &sl->w[i], base);
        }
        if (sl->st != GV_OK) {
            gv_error_set(err, c->path, base + sl->err_line - 1, "%s", sl->err.msg);
            st = sl->st;
        }
        if (st == GV_OK)
            sink_rows(&sink, sl->n, sl->t, sl->v, sl->series);
        if (sl->n)
            prev_t = sl->last_t;
        c->tl->rows_read += sl->read;
        c->tl->rows_skipped += sl->skipped;
        c->tl->restarts += sl->restarts;
        if (sl->zone_known && !c->tl->tz_known) {
            c->tl->tz_known = true;
            c->tl->tz_offset_s = sl->zone_s;
        }
        base += sl->lines;
        if (o->progress)
            o->progress(o->progress_ctx, sl->bytes, total);
        pthread_mutex_lock(&c->mu);
        sl->state = SLOT_FREE;
        if (st != GV_OK) {
            c->stop = true;
            wake_all(c);
        } else if (c->disp_waiting) {
            pthread_cond_signal(&c->cv_disp);
        }
        pthread_mutex_unlock(&c->mu);
        if (st != GV_OK)
            break;
    }
    return st;
}

/* Reads a wide CSV with chunk-parallel parsing. head[0..head_len) are the file's first bytes
 * (already read from in), which hold the whole header. */
static gv_status read_chunked(gv_input *in, const char *path, gv_timeline *tl, gv_sample_sink sink,
                              const gv_diag *diag, const gv_read_opts *o, const char *head,
                              size_t head_len, size_t header_end, unsigned long long total, gv_error *err)
{
    gv_csv_reader *primary = csv_reader_for(tl, path, (gv_sample_sink){.begin = NULL, .row = NULL, .ctx = NULL}, diag, o);
    gv_status st = gv_csv_reader_feed(primary, head, header_end, err);
    if (st != GV_OK) {
        gv_csv_reader_free(primary);
        return st;
    }
    size_t workers = o->threads < 2 ? 1 : (size_t)o->threads - 1; /* and the calling thread */
    chunker c = {.nslots = 2 * (workers + 1) + 2, .in = in, .primary = primary, .tl = tl, .path = path,
                 .cut_st = GV_OK, .chunk_bytes = o->chunk_bytes ? o->chunk_bytes : GV_CHUNK_BYTES};
    c.slots = gv_xcalloc(c.nslots, sizeof *c.slots);
    /* the slots' buffers in one region (huge pages where possible: fewer page faults); a chunk
     * that needs more moves to malloc'd buffers of its own */
    size_t per = tl->series_len ? tl->series_len : 1, rows = c.chunk_bytes / 40 + 16;
    size_t data_cap = (c.chunk_bytes + (64u << 10) + 7) / 8 * 8;
    size_t slot_bytes = data_cap + rows * sizeof(gv_time_us) + rows * per * sizeof(double);
    size_t region_len = c.nslots * slot_bytes;
    char *region = gv_xalloc_large(region_len);
    for (size_t i = 0; i < c.nslots; i++) {
        chunk_slot *sl = &c.slots[i];
        sl->data = region + i * slot_bytes;
        sl->cap = data_cap;
        sl->t = (gv_time_us *)(void *)(sl->data + data_cap);
        sl->v = (double *)(void *)(sl->t + rows);
        sl->rows_cap = rows;
        sl->data_shared = sl->rows_shared = true;
    }
    c.carry_len = head_len - header_end;
    GV_GROW(c.carry, c.carry_cap, c.carry_len + 1);
    memcpy(c.carry, head + header_end, c.carry_len);
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv_disp, NULL);
    pthread_cond_init(&c.cv_work, NULL);
    pthread_cond_init(&c.cv_main, NULL);
    pthread_t disp, *th = gv_xcalloc(workers, sizeof *th);
    chunk_worker *wk = gv_xcalloc(workers, sizeof *wk);
    size_t started = 0;
    chunk_worker helper = {.c = &c};
    helper.diag = (gv_diag){chunk_warn, &helper};
    worker_start(&helper);
    for (size_t i = 0; i < workers; i++) {
        wk[i].c = &c;
        wk[i].diag = (gv_diag){chunk_warn, &wk[i]};
        worker_start(&wk[i]);
    }
    bool disp_ok = pthread_create(&disp, NULL, dispatcher_thread, &c) == 0;
    for (size_t i = 0; disp_ok && i < workers; i++)
        if (pthread_create(&th[started], NULL, worker_thread, &wk[i]) == 0)
            started++;
    if (!disp_ok) { /* (without workers the calling thread parses every chunk itself) */
        gv_error_set(err, path, 0, "cannot start the parser threads (try --threads 1)");
        st = GV_ERR_INPUT;
        pthread_mutex_lock(&c.mu);
        c.stop = true;
        wake_all(&c);
        pthread_mutex_unlock(&c.mu);
    } else {
        if (o->prepare)
            st = o->prepare(o->prepare_ctx, err);
        if (st == GV_OK && sink.begin)
            st = sink.begin(sink.ctx, err);
        if (st == GV_OK)
            st = consume_chunks(&c, &helper, gv_csv_reader_line(primary), sink, diag, o, total, err);
    }
    if (st != GV_OK) {
        pthread_mutex_lock(&c.mu);
        c.stop = true;
        wake_all(&c);
        pthread_mutex_unlock(&c.mu);
    }
    if (disp_ok)
        pthread_join(disp, NULL);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (st == GV_OK && tl->rows_read == 0) {
        gv_error_set(err, path, 0, "no valid rows (%zu skipped)", tl->rows_skipped);
        st = GV_ERR_INPUT;
    }
    for (size_t i = 0; i < c.nslots; i++) {
        if (!c.slots[i].data_shared)
            free(c.slots[i].data);
        if (!c.slots[i].rows_shared) {
            free(c.slots[i].t);
            free(c.slots[i].v);
        }
        free(c.slots[i].w);
    }
    gv_free_large(region, region_len);
    free(c.slots);
    free(c.carry);
    gv_csv_reader_free(helper.r);
    for (size_t i = 0; i < workers; i++)
        gv_csv_reader_free(wk[i].r);
    free(th);
    free(wk);
    pthread_mutex_destroy(&c.mu);
    pthread_cond_destroy(&c.cv_disp);
    pthread_cond_destroy(&c.cv_work);
    pthread_cond_destroy(&c.cv_main);
    gv_csv_reader_free(primary);
    return st;
}

/* Whether a CSV can be read in chunks: head[0..len) holds its header line, which ends at
 * *header_end, and the header describes the wide layout (not nvidia-smi's rows per GPU). */
static bool chunkable_csv(const char *head, size_t len, const gv_read_opts *o, size_t *header_end)
{
    size_t end = 0;
    if (!o->columns) {
        const char *nl = memchr(head, '\n', len);
        if (!nl || memchr(head, '"', (size_t)(nl - head)))
            return false; /* no line end in the first block, or a quoted header: one reader */
        end = (size_t)(nl - head) + 1;
    }
    gv_timeline probe;
    gv_timeline_init(&probe);
    gv_csv_reader *r = csv_reader_for(&probe, "", (gv_sample_sink){.begin = NULL, .row = NULL, .ctx = NULL}, NULL, o);
    gv_error err;
    bool ok = gv_csv_reader_feed(r, head, end, &err) == GV_OK && gv_csv_reader_chunkable(r);
    gv_csv_reader_free(r);
    gv_timeline_cleanup(&probe);
    *header_end = end;
    return ok;
}

/* Opens path and settles its format (recognised from the first bytes unless o->format says). */
static gv_status open_input(const char *path, gv_read_opts *o, gv_input **in, gv_error *err)
{
    gv_status st = gv_input_open(in, path, err);
    if (st != GV_OK)
        return st;
    bool timed = false;
    if (o->format == GV_FORMAT_AUTO) { /* look at the first bytes, then give them back */
        char head[4096];
        long n = gv_input_read(*in, head, sizeof head, err);
        if (n < 0) {
            gv_input_close(*in);
            return GV_ERR_INPUT;
        }
        o->format = gv_dcgm_detect(head, (size_t)n) ? GV_FORMAT_DCGM : GV_FORMAT_CSV;
        timed = gv_dcgm_detect_timed(head, (size_t)n);
        gv_input_unread(*in, head, (size_t)n);
    }
    if (o->format == GV_FORMAT_DCGM && !timed && !(o->dcgm_interval_ms > 0 && o->dcgm_start != GV_TIME_NONE)) {
        gv_error_set(err, path, 0, "dmon output (dcgmi dmon, nvidia-smi dmon) has no timestamps: give "
                     "--start 'YYYY-MM-DD HH:MM:SS' (when sampling began) and --interval MS (its -d: "
                     "milliseconds for dcgmi, seconds x 1000 for nvidia-smi), or record it with "
                     "`nvidia-smi dmon -o DT`");
        gv_input_close(*in);
        return GV_ERR_USAGE;
    }
    return GV_OK;
}

gv_status gv_gpu_read_file(const char *path, gv_timeline *tl, gv_sample_sink sink,
                           const gv_diag *diag, const gv_read_opts *opts, gv_error *err)
{
    gv_input *in;
    gv_read_opts o = *opts;
    gv_status st = open_input(path, &o, &in, err);
    if (st != GV_OK)
        return st;
    unsigned long long total = gv_input_size(in);
    sync_progress sp = {&o, total};
    if (o.threads >= 2 && o.format == GV_FORMAT_CSV) { /* a wide CSV is parsed in chunks */
        char *head = gv_xmalloc(GV_HEAD_BYTES);
        long n = gv_input_read(in, head, GV_HEAD_BYTES, err);
        size_t header_end;
        if (n < 0)
            st = GV_ERR_INPUT;
        else if (n > 0 && chunkable_csv(head, (size_t)n, &o, &header_end))
            st = read_chunked(in, path, tl, sink, diag, &o, head, (size_t)n, header_end, total, err);
        else {
            gv_input_unread(in, head, (size_t)n);
            st = read_threaded(in, path, tl, sink, diag, &o, total, err);
        }
        free(head);
        gv_input_close(in);
        return st;
    }
    st = o.threads >= 2
             ? read_threaded(in, path, tl, sink, diag, &o, total, err)
             : read_sync(in, path, tl, sink, diag, &o, o.progress ? forward_progress : NULL, &sp, err);
    gv_input_close(in);
    return st;
}

/* ---- several files merged on wall-clock time ----
 * Each file is a source with its own timeline (its schema) and a queue of row blocks, filled by
 * a parser thread (threads >= 2) or on demand, a chunk at a time, on the calling thread. The
 * calling thread repeatedly takes the earliest head row of all sources: memory stays bounded by
 * the blocks in flight per source, whatever the files' lengths. */

#define MERGE_CHUNK (64u << 10) /* bytes fed per fill when reading on the calling thread */

typedef struct {
    const gv_gpu_input *desc;
    gv_read_opts o;
    gv_timeline stl;      /* the file's own schema and counters */
    pipeline p;           /* its blocks (p.tl = &stl) */
    bool threaded;
    pthread_t th;
    any_reader rd;        /* the calling thread's reader (not threaded) */
    gv_diag diag;         /* its warnings go into the blocks too */
    char *buf;
    bool eof;
    block *b;             /* the block being consumed and the next row in it */
    size_t i;
    size_t *map;          /* stl series -> tl series */
    unsigned long long total, consumed;
} source;

/* Takes the next block of s (NULL at the end). */
static block *src_take(source *s, gv_status *st, gv_error *err)
{
    if (!s->threaded) {
        while (!s->p.head && !s->eof && *st == GV_OK) {
            long n = gv_input_read(s->p.in, s->buf, MERGE_CHUNK, err);
            if (n < 0) {
                *st = GV_ERR_INPUT;
            } else if (n == 0) {
                *st = any_finish(&s->rd, err);
                s->eof = true;
                if (s->p.begin_pending)
                    current(&s->p); /* a header without rows still announces the schema */
            } else {
                *st = any_feed(&s->rd, s->buf, (size_t)n, err);
            }
            s->p.fed = gv_input_consumed(s->p.in);
            push_block(&s->p);
        }
    }
    pthread_mutex_lock(&s->p.mu);
    while (s->threaded && !s->p.head && !s->p.done)
        pthread_cond_wait(&s->p.cv, &s->p.mu);
    block *b = s->p.head;
    if (b) {
        s->p.head = b->next;
        if (!s->p.head)
            s->p.tail = NULL;
    }
    pthread_mutex_unlock(&s->p.mu);
    return b;
}

static void src_release(source *s, block *b)
{
    pthread_mutex_lock(&s->p.mu);
    b->next = s->p.free;
    s->p.free = b;
    s->p.in_flight--;
    pthread_cond_broadcast(&s->p.cv);
    pthread_mutex_unlock(&s->p.mu);
}

typedef struct {
    gv_timeline *tl;
    size_t gpus;             /* GPUs numbered so far */
    const char **gpu_node;   /* per global GPU: its node and its index in the node's files */
    int *gpu_local;
    size_t gpu_cap;
} merge_ctx;

/* The global number of GPU `local` of node. */
static int global_gpu(merge_ctx *m, const char *node, int local)
{
    for (size_t g = 0; g < m->gpus; g++)
        if (m->gpu_local[g] == local && strcmp(m->gpu_node[g], node) == 0)
            return (int)g;
    size_t cap = m->gpu_cap;
    GV_GROW(m->gpu_node, m->gpu_cap, m->gpus + 1);
    GV_GROW(m->gpu_local, cap, m->gpus + 1);
    m->gpu_node[m->gpus] = node;
    m->gpu_local[m->gpus] = local;
    return (int)m->gpus++;
}

/* Adds the file's series to tl as "<node>/<name>"; files of the same node share them. */
static void map_series(merge_ctx *m, source *s)
{
    gv_timeline *tl = m->tl;
    const char *node = s->desc->node;
    s->map = gv_xcalloc(s->stl.series_len + 1, sizeof *s->map);
    for (size_t k = 0; k < s->stl.series_len; k++) {
        const gv_series *se = &s->stl.series[k];
        gv_buf name;
        gv_buf_init(&name, 0);
        gv_buf_printf(&name, "%s/%s", node, se->name);
        size_t idx = tl->series_len;
        for (size_t j = 0; j < tl->series_len; j++)
            if (strcmp(tl->series[j].name, name.data) == 0)
                idx = j;
        if (idx == tl->series_len) {
            int gpu = se->gpu >= 0 ? global_gpu(m, node, se->gpu) : -1;
            idx = gv_timeline_add_series(tl, name.data, se->kind, gpu);
            tl->series[idx].unit = gv_arena_strdup(&tl->arena, se->unit);
            for (size_t g = 0; g < tl->gpus_len; g++)
                if (tl->gpus[g].index == gpu) {
                    tl->gpus[g].node = gv_arena_strdup(&tl->arena, node);
                    tl->gpus[g].local_index = se->gpu;
                }
        }
        s->map[k] = idx;
        gv_buf_cleanup(&name);
    }
}

/* Makes s's next row current (taking blocks, passing their warnings on, mapping the schema when
 * the header arrives); false at the end of the file. */
static bool src_peek(merge_ctx *m, source *s, const gv_diag *diag, gv_status *st, gv_error *err)
{
    while (!s->b || s->i >= s->b->n) {
        if (s->b) {
            src_release(s, s->b);
            s->b = NULL;
        }
        block *b = src_take(s, st, err);
        if (!b)
            return false;
        for (size_t k = 0; k < b->w_len; k++)
            pass_warning(diag, s->desc->path, &b->w[k], 1);
        if (b->begin && !s->map)
            map_series(m, s);
        s->consumed = b->bytes;
        s->b = b;
        s->i = 0;
    }
    return true;
}

gv_status gv_gpu_read_files(const gv_gpu_input *files, size_t n, gv_timeline *tl, gv_sample_sink sink,
                            const gv_diag *diag, const gv_read_opts *opts, gv_error *err)
{
    source *src = gv_xcalloc(n, sizeof *src);
    merge_ctx m = {.tl = tl};
    gv_status st = GV_OK;
    size_t opened = 0;
    for (; opened < n && st == GV_OK; opened++) {
        source *s = &src[opened];
        s->desc = &files[opened];
        s->o = *opts;
        s->o.prepare = NULL;
        gv_input *in;
        if ((st = open_input(s->desc->path, &s->o, &in, err)) != GV_OK)
            break;
        gv_timeline_init(&s->stl);
        s->total = gv_input_size(in);
        s->p = (pipeline){.in = in, .path = s->desc->path, .tl = &s->stl, .o = &s->o, .st = GV_OK};
        pthread_mutex_init(&s->p.mu, NULL);
        pthread_cond_init(&s->p.cv, NULL);
        s->threaded = opts->threads >= 2 && pthread_create(&s->th, NULL, parser_thread, &s->p) == 0;
        if (!s->threaded) {
            gv_sample_sink to_blocks = {.begin = pipe_begin, .row = pipe_row, .ctx = &s->p};
            s->diag = (gv_diag){pipe_warn, &s->p};
            if (s->o.format == GV_FORMAT_DCGM)
                s->rd.dcgm = gv_dcgm_reader_new(&s->stl, s->desc->path, to_blocks, &s->diag,
                                                s->o.dcgm_start, s->o.dcgm_interval_ms);
            else {
                s->rd.csv = csv_reader_for(&s->stl, s->desc->path, to_blocks, &s->diag, &s->o);
            }
            s->buf = gv_xmalloc(MERGE_CHUNK);
        }
    }

    /* every header first (the schema), then the rows in time order */
    bool *live = gv_xcalloc(n + 1, sizeof *live);
    if (st == GV_OK && opts->prepare)
        st = opts->prepare(opts->prepare_ctx, err);
    for (size_t k = 0; k < opened && st == GV_OK; k++)
        live[k] = src_peek(&m, &src[k], diag, &st, err);
    if (st == GV_OK && sink.begin)
        st = sink.begin(sink.ctx, err);
    double *held = gv_xmalloc((tl->series_len + 1) * sizeof *held);
    unsigned char *fresh = gv_xcalloc(tl->series_len + 1, 1);
    for (size_t k = 0; k < tl->series_len; k++)
        held[k] = NAN;
    unsigned long long total = 0;
    for (size_t k = 0; k < opened; k++)
        total += src[k].total;
    while (st == GV_OK) {
        source *best = NULL;
        gv_time_us bt = 0;
        for (size_t k = 0; k < opened; k++) {
            if (!live[k])
                continue;
            gv_time_us t = src[k].b->t[src[k].i] + src[k].desc->offset;
            if (!best || t < bt) {
                best = &src[k];
                bt = t;
            }
        }
        if (!best)
            break;
        const double *v = &best->b->v[best->i * best->p.series];
        for (size_t k = 0; k < best->stl.series_len; k++) {
            held[best->map[k]] = v[k];
            fresh[best->map[k]] = 1;
        }
        sink.row(sink.ctx, bt, held, fresh);
        for (size_t k = 0; k < best->stl.series_len; k++)
            fresh[best->map[k]] = 0;
        best->i++;
        unsigned long long before = best->consumed;
        live[best - src] = src_peek(&m, best, diag, &st, err);
        if (opts->progress && best->consumed != before) {
            unsigned long long done = 0;
            for (size_t k = 0; k < opened; k++)
                done += src[k].consumed;
            opts->progress(opts->progress_ctx, done, total);
        }
    }

    /* the end, or an error: drain the queues so that the threads finish */
    for (size_t k = 0; k < opened; k++) {
        source *s = &src[k];
        gv_status ignore = GV_OK;
        gv_error scratch;
        if (s->b)
            src_release(s, s->b);
        s->b = NULL;
        block *b;
        while (s->threaded && (b = src_take(s, &ignore, &scratch)))
            src_release(s, b);
        if (s->threaded)
            pthread_join(s->th, NULL);
        if (st == GV_OK && s->p.st != GV_OK) {
            *err = s->p.err;
            st = s->p.st;
        }
        tl->rows_read += s->stl.rows_read;
        tl->rows_skipped += s->stl.rows_skipped;
        tl->restarts += s->stl.restarts;
        if (s->stl.tz_known && !tl->tz_known) {
            tl->tz_known = true;
            tl->tz_offset_s = s->stl.tz_offset_s;
        }
        free_blocks(s->p.free);
        free_blocks(s->p.head);
        free_blocks(s->p.cur);
        pthread_mutex_destroy(&s->p.mu);
        pthread_cond_destroy(&s->p.cv);
        any_free(&s->rd);
        free(s->buf);
        free(s->map);
        gv_input_close(s->p.in);
        gv_timeline_cleanup(&s->stl);
    }
    free(held);
    free(fresh);
    free(live);
    free(m.gpu_node);
    free(m.gpu_local);
    free(src);
    return st;
}
