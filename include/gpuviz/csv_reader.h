/* csv_reader.h: streaming reader for GPU metrics CSV (monitor v1/v2 wide layout).
 * Owns: its libcsv parser and row state; never the input bytes and never the whole file.
 * Reads the header into the timeline's series schema, then hands every valid row to a sink as
 * (time, one double per series with NAN for a missing reading). Bad rows are skipped, counted in
 * the timeline and reported through the diag callback. Feeding in any chunk sizes gives the same
 * result. Lifecycle: _new, _feed..., _finish, _free. */
#ifndef GPUVIZ_CSV_READER_H
#define GPUVIZ_CSV_READER_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

#include <stddef.h>

typedef struct {
    /* Called once, after the header has set up tl's series. Non-GV_OK stops the read. */
    gv_status (*begin)(void *ctx, gv_error *err);
    /* Called per valid row; values has tl->series_len entries, NAN where missing. */
    void (*row)(void *ctx, gv_time_us t, const double *values);
    void *ctx;
} gv_sample_sink;

typedef struct gv_csv_reader gv_csv_reader;

/* tl must outlive the reader; file_name is used in messages (borrowed for the reader's life). */
gv_csv_reader *gv_csv_reader_new(gv_timeline *tl, const char *file_name, gv_sample_sink sink,
                                 const gv_diag *diag);
gv_status gv_csv_reader_feed(gv_csv_reader *r, const char *buf, size_t len, gv_error *err);
/* Ends the input. Errors: empty file, no timestamp column, no valid rows. */
gv_status gv_csv_reader_finish(gv_csv_reader *r, gv_error *err);
void gv_csv_reader_free(gv_csv_reader *r);

/* Reads a whole file (path) through a reader in large blocks. With threads >= 2 a second thread
 * reads and tokenizes while the calling thread runs the sink: the sink and diag are still called
 * only from the calling thread, with the same rows and warnings in the same order as with
 * threads = 1. Memory in flight is bounded (GV_CSV_BLOCKS_IN_FLIGHT blocks of rows). */
#define GV_CSV_BLOCK_ROWS 4096
#define GV_CSV_BLOCKS_IN_FLIGHT 8

typedef struct {
    int threads; /* 1: everything on the calling thread; >= 2: a parser thread as well */
    /* Called on the calling thread as the input is consumed (may be NULL): bytes of the file
     * handed to the sink so far, and the file's size (0 when unknown). */
    void (*progress)(void *ctx, unsigned long long done, unsigned long long total);
    void *progress_ctx;
} gv_csv_read_opts;

gv_status gv_csv_read_file(const char *path, gv_timeline *tl, gv_sample_sink sink,
                           const gv_diag *diag, const gv_csv_read_opts *opts, gv_error *err);

#endif
