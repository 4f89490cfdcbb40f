/* gpu_chunks.c: chunk-parallel parsing of a wide CSV (threads >= 2). */
#include "gpu_read.h"

#include "gpuviz/buf.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    gvr_queue_warning(&sl->w, &sl->w_len, &sl->w_cap, kind, line, msg);
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
                gvr_pass_warning(diag, c->path, &sl->w[i], base);
        }
        if (sl->st != GV_OK) {
            gv_error_set(err, c->path, base + sl->err_line - 1, "%s", sl->err.msg);
            st = sl->st;
        }
        if (st == GV_OK)
            gvr_sink_rows(&sink, sl->n, sl->t, sl->v, sl->series);
        if (sl->n)
            prev_t = sl->last_t;
        c->tl->ingest.rows_read += sl->read;
        c->tl->ingest.rows_skipped += sl->skipped;
        c->tl->ingest.restarts += sl->restarts;
        if (sl->zone_known && !c->tl->ingest.tz_known) {
            c->tl->ingest.tz_known = true;
            c->tl->ingest.tz_offset_s = sl->zone_s;
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
gv_status gvr_read_chunked(gv_input *in, const char *path, gv_timeline *tl, gv_sample_sink sink,
                           const gv_diag *diag, const gv_read_opts *o, const char *head,
                           size_t head_len, size_t header_end, unsigned long long total, gv_error *err)
{
    gv_csv_reader *primary = gvr_csv_reader_for(tl, path, (gv_sample_sink){.begin = NULL, .row = NULL, .ctx = NULL}, diag, o);
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
        gv_error_set(err, path, 0, "cannot start the parser threads (try {opt:threads} 1)");
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
    if (st == GV_OK && tl->ingest.rows_read == 0) {
        gv_error_set(err, path, 0, "no valid rows (%zu skipped)", tl->ingest.rows_skipped);
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
bool gvr_chunkable_csv(const char *head, size_t len, const gv_read_opts *o, size_t *header_end)
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
    gv_csv_reader *r = gvr_csv_reader_for(&probe, "", (gv_sample_sink){.begin = NULL, .row = NULL, .ctx = NULL}, NULL, o);
    gv_error err;
    bool ok = gv_csv_reader_feed(r, head, end, &err) == GV_OK && gv_csv_reader_chunkable(r);
    gv_csv_reader_free(r);
    gv_timeline_cleanup(&probe);
    *header_end = end;
    return ok;
}
