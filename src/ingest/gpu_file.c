/* gpu_file.c: opens a GPU metrics input, recognises its format, and picks how to read it: on the
 * calling thread (gpu_reader.c), with a parser thread (gpu_queue.c) or in chunks (gpu_chunks.c);
 * several files go to gpu_merge.c. Depends on the readers' public interfaces, the model and util;
 * the readers do not know about each other or about threads. */
#include "gpu_read.h"

#include "gpuviz/buf.h"
#include "gpuviz/csv_reader.h"
#include "gpuviz/dcgm_reader.h"
#include "gpuviz/input.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const gv_read_opts *o;
    unsigned long long total;
} sync_progress;

static void forward_progress(void *ctx, unsigned long long done)
{
    const sync_progress *sp = ctx;
    sp->o->progress(sp->o->progress_ctx, done, sp->total);
}

/* Opens path and settles its format (recognised from the first bytes unless o->format says). */
gv_status gvr_open_input(const char *path, gv_read_opts *o, gv_input **in, gv_error *err)
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
                     "{opt:dcgm_start} 'YYYY-MM-DD HH:MM:SS' (when sampling began) and {opt:dcgm_interval_ms} MS (its -d: "
                     "milliseconds for dcgmi, seconds x 1000 for nvidia-smi), or record it with "
                     "`nvidia-smi dmon -o DT`");
        gv_input_close(*in);
        return GV_ERR_OPTION;
    }
    return GV_OK;
}

gv_status gv_gpu_read_file(const char *path, gv_timeline *tl, gv_sample_sink sink,
                           const gv_diag *diag, const gv_read_opts *opts, gv_error *err)
{
    gv_input *in;
    gv_read_opts o = *opts;
    gv_status st = gvr_open_input(path, &o, &in, err);
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
        else if (n > 0 && gvr_chunkable_csv(head, (size_t)n, &o, &header_end))
            st = gvr_read_chunked(in, path, tl, sink, diag, &o, head, (size_t)n, header_end, total, err);
        else {
            gv_input_unread(in, head, (size_t)n);
            st = gvr_read_threaded(in, path, tl, sink, diag, &o, total, err);
        }
        free(head);
        gv_input_close(in);
        return st;
    }
    st = o.threads >= 2
             ? gvr_read_threaded(in, path, tl, sink, diag, &o, total, err)
             : gvr_read_sync(in, path, tl, sink, diag, &o, o.progress ? forward_progress : NULL, &sp, err);
    gv_input_close(in);
    return st;
}
