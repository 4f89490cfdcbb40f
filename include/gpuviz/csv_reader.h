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

#include <stdbool.h>
#include <stddef.h>


typedef struct gv_csv_reader gv_csv_reader;

/* tl must outlive the reader; file_name is used in messages (borrowed for the reader's life). */
gv_csv_reader *gv_csv_reader_new(gv_timeline *tl, const char *file_name, gv_sample_sink sink,
                                 const gv_diag *diag);
/* For files without a header line (nvidia-smi --format=csv,noheader): the column names, comma
 * separated (copied). Call before the first feed. */
void gv_csv_reader_set_columns(gv_csv_reader *r, const char *names);
/* Columns named by their role, "time=COL,gpu=COL,power=COL,temp=COL" (also power_instant,
 * power_avg), for names gpuviz does not know (borrowed: must outlive the reader). A named column
 * the header lacks is an error at the header. Call before the first feed (or set_columns). */
void gv_csv_reader_set_map(gv_csv_reader *r, const char *map);
/* For files with one row per GPU and no GPU id column: the number of GPUs answering each query
 * (otherwise counted from the rows' times). Call before the first feed. */
void gv_csv_reader_set_gpus(gv_csv_reader *r, long gpus);
/* --start: a time column holding times of day (its date) or seconds since the sampler started
 * (added to it) is placed from it; without one such a column is an error. Call before the first feed. */
void gv_csv_reader_set_start(gv_csv_reader *r, gv_time_us start);
gv_status gv_csv_reader_feed(gv_csv_reader *r, const char *buf, size_t len, gv_error *err);
/* Ends the input. Errors: empty file, no timestamp column, no valid rows. */
gv_status gv_csv_reader_finish(gv_csv_reader *r, gv_error *err);
void gv_csv_reader_free(gv_csv_reader *r);

/* ---- chunks: parsing a file's rows in parallel (gpu_file.c) ----
 * Once r has read the header of a wide CSV (not the nvidia-smi layout), any run of whole lines
 * of the rest of the file can be parsed by a chunk reader made from it, on another thread: it
 * shares r's schema (read-only; r must outlive it), counts rows in its own counters, numbers
 * lines from 1 at each chunk start and never compares times across chunks. */
bool gv_csv_reader_chunkable(const gv_csv_reader *r);
/* Caller frees with gv_csv_reader_free (before r). */
gv_csv_reader *gv_csv_reader_chunk(const gv_csv_reader *r, gv_sample_sink sink, const gv_diag *diag);
/* Starts a new chunk: line 1, counters zero, no previous time. */
void gv_csv_reader_chunk_start(gv_csv_reader *r);
void gv_csv_reader_chunk_counts(const gv_csv_reader *r, size_t *read, size_t *skipped, size_t *restarts);
/* Ends the last chunk of the file (a last line without a line end). */
gv_status gv_csv_reader_chunk_end(gv_csv_reader *r, gv_error *err);
/* The zone its times said (a `Z` or `+08:00` after them, or times since 1970: UTC): true and
 * *offset_s (east positive) when one did (the first row's that did). */
bool gv_csv_reader_zone(const gv_csv_reader *r, int *offset_s);
/* The line being parsed (1-based; in a chunk, from the chunk's start). */
long gv_csv_reader_line(const gv_csv_reader *r);

#endif
