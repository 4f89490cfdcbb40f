/* gpu_queue.c: the two-thread block queue: a parser thread fills blocks of rows and warnings,
 * the calling thread hands them to the real sink and diag in order (one file, or a source of
 * the merge in gpu_merge.c). */
#include "gpu_read.h"

#include "gpuviz/buf.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void gvr_push_block(pipeline *p)
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

gv_status gvr_pipe_begin(void *ctx, gv_error *err)
{
    (void)err;
    pipeline *p = ctx;
    gvr_push_block(p); /* warnings before the header go first, the schema starts a block */
    p->series = p->tl->series_len;
    p->begin_pending = true;
    return GV_OK;
}

block *gvr_current_block(pipeline *p)
{
    if (!p->cur) {
        p->cur = get_block(p);
        p->cur->begin = p->begin_pending;
        p->begin_pending = false;
    }
    return p->cur;
}

void gvr_pipe_row(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh)
{
    (void)fresh;
    pipeline *p = ctx;
    block *b = gvr_current_block(p);
    /* (rows only come after the header, so the series count is known) */
    if (gvr_rows_append(&b->t, &b->v, &b->n, p->series, t, values))
        gvr_push_block(p);
}

/* Appends a warning to a queue (a block's or a chunk's), to be passed on in order later. */
void gvr_queue_warning(queued_warning **w, size_t *len, size_t *cap, gv_warn_kind kind, long line,
                       const char *msg)
{
    GV_GROW(*w, *cap, *len + 1);
    queued_warning *q = &(*w)[(*len)++];
    q->kind = kind;
    q->line = line;
    snprintf(q->msg, sizeof q->msg, "%s", msg);
}

/* Passes a queued warning to diag, its line moved by line_base - 1 (chunks count from 1). */
void gvr_pass_warning(const gv_diag *diag, const char *path, const queued_warning *w, long line_base)
{
    if (diag && diag->fn)
        diag->fn(diag->ctx, w->kind, path, line_base + w->line - 1, w->msg);
}

void gvr_pipe_warn(void *ctx, gv_warn_kind kind, const char *file, long line, const char *msg)
{
    (void)file;
    block *b = gvr_current_block(ctx);
    gvr_queue_warning(&b->w, &b->w_len, &b->w_cap, kind, line, msg);
}

static void note_fed(void *ctx, unsigned long long done)
{
    ((pipeline *)ctx)->fed = done;
}

void *gvr_parser_thread(void *arg)
{
    pipeline *p = arg;
    gv_diag diag = {gvr_pipe_warn, p};
    p->st = gvr_read_sync(p->in, p->path, p->tl, (gv_sample_sink){.begin = gvr_pipe_begin, .row = gvr_pipe_row, .ctx = p}, &diag,
                      p->o, note_fed, p, &p->err);
    if (p->begin_pending)
        gvr_current_block(p); /* a header without rows still announces the schema */
    gvr_push_block(p);
    pthread_mutex_lock(&p->mu);
    p->done = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

void gvr_free_blocks(block *b)
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

block *gvr_take_block(pipeline *p, bool wait, const gv_diag *diag)
{
    pthread_mutex_lock(&p->mu);
    while (wait && !p->head && !p->done)
        pthread_cond_wait(&p->cv, &p->mu);
    block *b = p->head;
    if (b) {
        p->head = b->next;
        if (!p->head)
            p->tail = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; b && diag && i < b->w_len; i++)
        gvr_pass_warning(diag, p->path, &b->w[i], 1);
    return b;
}

void gvr_release_block(pipeline *p, block *b)
{
    pthread_mutex_lock(&p->mu);
    b->next = p->free;
    p->free = b;
    p->in_flight--;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

gv_status gvr_read_threaded(gv_input *in, const char *path, gv_timeline *tl, gv_sample_sink sink,
                            const gv_diag *diag, const gv_read_opts *o,
                            unsigned long long total, gv_error *err)
{
    gv_read_opts inner = *o; /* the parser thread's: preparing is the calling thread's job */
    inner.prepare = NULL;
    pipeline p = {.in = in, .path = path, .tl = tl, .o = &inner, .st = GV_OK};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, gvr_parser_thread, &p) != 0) {
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.cv);
        return gvr_read_sync(in, path, tl, sink, diag, o, NULL, NULL, err);
    }
    gv_status st = o->prepare ? o->prepare(o->prepare_ctx, err) : GV_OK;
    block *b;
    while ((b = gvr_take_block(&p, true, diag))) {
        if (b->begin && st == GV_OK && sink.begin)
            st = sink.begin(sink.ctx, err);
        if (st == GV_OK)
            gvr_sink_rows(&sink, b->n, b->t, b->v, p.series);
        if (o->progress)
            o->progress(o->progress_ctx, b->bytes, total);
        gvr_release_block(&p, b);
    }
    pthread_join(th, NULL);
    gvr_free_blocks(p.free);
    gvr_free_blocks(p.head);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    if (st == GV_OK && p.st != GV_OK) {
        *err = p.err;
        st = p.st;
    }
    return st;
}
