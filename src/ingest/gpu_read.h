/* gpu_read.h: what the GPU file's mechanisms share (private to src/ingest): the reader adapter
 * (gpu_reader.c: either reader behind three calls, the CSV reader as the options shape it, the
 * one-thread read), the two-thread block queue (gpu_queue.c), the chunk-parallel CSV parse
 * (gpu_chunks.c), opening and format detection (gpu_file.c, with the public entry points) and the
 * merge of several files (gpu_merge.c). Owns nothing. */
#ifndef GPUVIZ_GPU_READ_H
#define GPUVIZ_GPU_READ_H

#include "gpuviz/csv_reader.h"
#include "gpuviz/dcgm_reader.h"
#include "gpuviz/gpu_file.h"
#include "gpuviz/input.h"

#include "gpuviz/buf.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* One reader of either kind behind the same three calls. */
typedef struct {
    gv_csv_reader *csv;
    gv_dcgm_reader *dcgm;
} any_reader;

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

/* Appends one row to a block of rows (t, v: GV_READ_BLOCK_ROWS rows of series values, allocated
 * at the first row, the caller's to free); true when the block is full. */
static inline bool gvr_rows_append(gv_time_us **t, double **v, size_t *n, size_t series, gv_time_us time,
                                   const double *values)
{
    if (!*t) {
        *t = gv_xmalloc(GV_READ_BLOCK_ROWS * sizeof **t);
        *v = gv_xmalloc(GV_READ_BLOCK_ROWS * (series ? series : 1) * sizeof **v);
    }
    (*t)[*n] = time;
    memcpy(&(*v)[*n * series], values, series * sizeof *values);
    return ++*n == GV_READ_BLOCK_ROWS;
}

/* gpu_reader.c: either reader behind three calls; rows to a sink; a CSV reader as o shapes it
 * (caller frees); the read on the calling thread (progress after each block, may be NULL) */
gv_status gvr_any_feed(any_reader *a, const char *buf, size_t n, gv_error *err);
gv_status gvr_any_finish(any_reader *a, gv_error *err);
void gvr_any_free(any_reader *a);
void gvr_sink_rows(const gv_sample_sink *sink, size_t n, const gv_time_us *t, const double *v,
                   size_t series);
gv_csv_reader *gvr_csv_reader_for(gv_timeline *tl, const char *path, gv_sample_sink sink,
                                  const gv_diag *diag, const gv_read_opts *o);
/* The reader factory: the reader of o->format (settled), as o shapes it; free with gvr_any_free. */
any_reader gvr_reader_new(gv_timeline *tl, const char *path, gv_sample_sink sink, const gv_diag *diag,
                          const gv_read_opts *o);
gv_status gvr_read_sync(gv_input *in, const char *path, gv_timeline *tl, gv_sample_sink sink,
                        const gv_diag *diag, const gv_read_opts *o,
                        void (*progress)(void *, unsigned long long), void *progress_ctx,
                        gv_error *err);
/* gpu_queue.c: the parser thread's side (the sink it parses into: pipe_begin/pipe_row/pipe_warn,
 * blocks handed over by push_block, the one being filled by current_block), warnings queued and
 * passed on in order, the thread itself, and a whole read with a parser thread */
void gvr_push_block(pipeline *p);
block *gvr_current_block(pipeline *p);
gv_status gvr_pipe_begin(void *ctx, gv_error *err);
void gvr_pipe_row(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh);
void gvr_queue_warning(queued_warning **w, size_t *len, size_t *cap, gv_warn_kind kind, long line,
                       const char *msg);
void gvr_pass_warning(const gv_diag *diag, const char *path, const queued_warning *w, long line_base);
void gvr_pipe_warn(void *ctx, gv_warn_kind kind, const char *file, long line, const char *msg);
void *gvr_parser_thread(void *arg);
void gvr_free_blocks(block *b);
/* The consumer's side, for every queue: the next filled block (waiting for one while the parser
 * runs when wait; NULL at the end, or when none is ready without wait), its warnings passed on to
 * diag in order (NULL: dropped); then the block back for reuse. */
block *gvr_take_block(pipeline *p, bool wait, const gv_diag *diag);
void gvr_release_block(pipeline *p, block *b);
gv_status gvr_read_threaded(gv_input *in, const char *path, gv_timeline *tl, gv_sample_sink sink,
                            const gv_diag *diag, const gv_read_opts *o,
                            unsigned long long total, gv_error *err);
/* gpu_chunks.c: a wide CSV parsed in chunks by worker threads; whether a header allows it */
gv_status gvr_read_chunked(gv_input *in, const char *path, gv_timeline *tl, gv_sample_sink sink,
                           const gv_diag *diag, const gv_read_opts *o, const char *head,
                           size_t head_len, size_t header_end, unsigned long long total, gv_error *err);
bool gvr_chunkable_csv(const char *head, size_t len, const gv_read_opts *o, size_t *header_end);
/* gpu_file.c: opens path and settles its format (o->format) */
gv_status gvr_open_input(const char *path, gv_read_opts *o, gv_input **in, gv_error *err);

#endif
