/* gpu_file.h: reading a GPU metrics file of any supported format into a sample sink.
 * Owns: the input (path, "-", gzip), the chosen reader and, with threads >= 2, the parser thread
 * and its bounded queue of row blocks. The format is recognised from the first bytes: dcgmi dmon
 * text (a "#Entity" header) or CSV (monitor or nvidia-smi, told apart by its header). */
#ifndef GPUVIZ_GPU_FILE_H
#define GPUVIZ_GPU_FILE_H

#include "gpuviz/status.h"
#include "gpuviz/timeline.h"

/* With threads >= 2 a second thread reads and tokenizes while the calling thread runs the sink:
 * the sink and diag are still called only from the calling thread, with the same rows and
 * warnings in the same order as with threads = 1. Memory in flight is bounded
 * (GV_READ_BLOCKS_IN_FLIGHT blocks of GV_READ_BLOCK_ROWS rows). */
#define GV_READ_BLOCK_ROWS 4096
#define GV_READ_BLOCKS_IN_FLIGHT 8
/* A wide CSV (monitor layout) with threads >= 2 is instead cut at line ends into chunks of about
 * GV_CHUNK_BYTES, parsed by `threads` workers at once (2 x threads + 2 chunks in flight); a line
 * longer than GV_CHUNK_MAX_BYTES is handed over whole (the reader then refuses its field). */
#define GV_CHUNK_BYTES (512u << 10)
#define GV_CHUNK_MAX_BYTES (4u << 20)
#define GV_HEAD_BYTES (128u << 10) /* a header line longer than this: one parser thread instead */

typedef enum { GV_FORMAT_AUTO, GV_FORMAT_CSV, GV_FORMAT_DCGM } gv_format;

typedef struct {
    int threads;             /* 1: everything on the calling thread; >= 2: a parser thread too */
    gv_format format;        /* AUTO: recognised from the content */
    gv_time_us dcgm_start;   /* dcgmi dmon has no timestamps: the first sample's time */
    double dcgm_interval_ms; /* and the -d interval (0: not given) */
    const char *columns;     /* CSV without a header: its column names, comma separated (or NULL) */
    long gpus;               /* one row per GPU without an id column: GPUs per query (0: counted) */
    const char *map;         /* columns by role, "time=COL,gpu=COL,power=COL,temp=COL" (or NULL) */
    /* Called on the calling thread as the input is consumed (may be NULL): bytes of the file
     * consumed so far, and the file's size (0 when unknown, e.g. a pipe). */
    void (*progress)(void *ctx, unsigned long long done, unsigned long long total);
    void *progress_ctx;
    /* Called once on the calling thread before the sink's begin, while parser threads may
     * already be reading (may be NULL): the CLI parses the log there, so that both overlap.
     * It must not change the timeline's series. Non-GV_OK stops the read with that error. */
    gv_status (*prepare)(void *ctx, gv_error *err);
    void *prepare_ctx;
    size_t chunk_bytes;      /* chunk size for parallel parsing; 0 = GV_CHUNK_BYTES (tests set less) */
} gv_read_opts;

/* Reads path into tl through sink. dcgmi dmon output without dcgm_start and dcgm_interval_ms is
 * GV_ERR_OPTION (the message names both options). */
gv_status gv_gpu_read_file(const char *path, gv_timeline *tl, gv_sample_sink sink,
                           const gv_diag *diag, const gv_read_opts *opts, gv_error *err);

/* One of several GPU files read together. */
typedef struct {
    const char *path;
    const char *node;   /* its GPUs' node; files of the same node share their series */
    gv_time_us offset;  /* added to every sample time (clocks that differ) */
} gv_gpu_input;

/* Reads n files into tl through sink, their rows merged on wall-clock time (after each file's
 * offset) into one stream: sink.begin once all headers are read, then sink.row per row with the
 * series of that row's file marked fresh, the others holding their last values. Series are named
 * "<node>/<column>"; GPUs are numbered across nodes in the order they appear (gv_gpu.node and
 * .local_index keep their origin). Overlapping and out-of-order files are fine: the earliest
 * pending row always goes next. Memory in flight is bounded per file as for one file. */
gv_status gv_gpu_read_files(const gv_gpu_input *files, size_t n, gv_timeline *tl, gv_sample_sink sink,
                            const gv_diag *diag, const gv_read_opts *opts, gv_error *err);

#endif
