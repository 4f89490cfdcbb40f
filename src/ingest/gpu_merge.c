/* gpu_merge.c: several GPU files read together, merged on wall-clock time (gv_gpu_read_files). */
#include "gpu_read.h"

#include "gpuviz/buf.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Takes the next block of s (NULL at the end), its warnings passed on to diag (NULL: dropped). */
static block *src_take(source *s, const gv_diag *diag, gv_status *st, gv_error *err)
{
    if (!s->threaded) {
        while (!s->p.head && !s->eof && *st == GV_OK) {
            long n = gv_input_read(s->p.in, s->buf, MERGE_CHUNK, err);
            if (n < 0) {
                *st = GV_ERR_INPUT;
            } else if (n == 0) {
                *st = gvr_any_finish(&s->rd, err);
                s->eof = true;
                if (s->p.begin_pending)
                    gvr_current_block(&s->p); /* a header without rows still announces the schema */
            } else {
                *st = gvr_any_feed(&s->rd, s->buf, (size_t)n, err);
            }
            s->p.fed = gv_input_consumed(s->p.in);
            gvr_push_block(&s->p);
        }
    }
    return gvr_take_block(&s->p, s->threaded, diag);
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
            gvr_release_block(&s->p, s->b);
            s->b = NULL;
        }
        block *b = src_take(s, diag, st, err);
        if (!b)
            return false;
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
        if ((st = gvr_open_input(s->desc->path, &s->o, &in, err)) != GV_OK)
            break;
        gv_timeline_init(&s->stl);
        s->total = gv_input_size(in);
        s->p = (pipeline){.in = in, .path = s->desc->path, .tl = &s->stl, .o = &s->o, .st = GV_OK};
        pthread_mutex_init(&s->p.mu, NULL);
        pthread_cond_init(&s->p.cv, NULL);
        s->threaded = opts->threads >= 2 && pthread_create(&s->th, NULL, gvr_parser_thread, &s->p) == 0;
        if (!s->threaded) {
            gv_sample_sink to_blocks = {.begin = gvr_pipe_begin, .row = gvr_pipe_row, .ctx = &s->p};
            s->diag = (gv_diag){gvr_pipe_warn, &s->p};
            s->rd = gvr_reader_new(&s->stl, s->desc->path, to_blocks, &s->diag, &s->o);
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
            gvr_release_block(&s->p, s->b);
        s->b = NULL;
        block *b;
        while (s->threaded && (b = src_take(s, NULL, &ignore, &scratch)))
            gvr_release_block(&s->p, b);
        if (s->threaded)
            pthread_join(s->th, NULL);
        if (st == GV_OK && s->p.st != GV_OK) {
            *err = s->p.err;
            st = s->p.st;
        }
        tl->ingest.rows_read += s->stl.ingest.rows_read;
        tl->ingest.rows_skipped += s->stl.ingest.rows_skipped;
        tl->ingest.restarts += s->stl.ingest.restarts;
        if (s->stl.ingest.tz_known && !tl->ingest.tz_known) {
            tl->ingest.tz_known = true;
            tl->ingest.tz_offset_s = s->stl.ingest.tz_offset_s;
        }
        gvr_free_blocks(s->p.free);
        gvr_free_blocks(s->p.head);
        gvr_free_blocks(s->p.cur);
        pthread_mutex_destroy(&s->p.mu);
        pthread_cond_destroy(&s->p.cv);
        gvr_any_free(&s->rd);
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
