/* libFuzzer target: the dcgmi dmon reader fed the input in chunks (sizes from the first byte). */
#include "gpuviz/dcgm_reader.h"
#include "fuzz_chunks.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static gv_status begin(void *ctx, gv_error *err)
{
    (void)ctx;
    (void)err;
    return GV_OK;
}

static void row(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh)
{
    const gv_timeline *tl = ctx;
    (void)t;
    (void)fresh;
    for (size_t i = 0; i < tl->series_len; i++)
        if (!isnan(values[i]) && !isfinite(values[i]))
            abort();
}

typedef struct {
    gv_dcgm_reader *r;
    gv_status st;
    gv_error err;
} feed_ctx;

static bool feed(void *ctx, const char *buf, size_t len)
{
    feed_ctx *f = ctx;
    f->st = gv_dcgm_reader_feed(f->r, buf, len, &f->err);
    return f->st == GV_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gv_timeline tl;
    gv_timeline_init(&tl);
    feed_ctx f = {gv_dcgm_reader_new(&tl, "fuzz.txt", (gv_sample_sink){.begin = begin, .row = row, .ctx = &tl}, NULL, 0, 100),
                  GV_OK, {{0}, {0}}};
    fuzz_feed_chunks(data, size, feed, &f);
    if (f.st == GV_OK)
        gv_dcgm_reader_finish(f.r, &f.err);
    gv_dcgm_reader_free(f.r);
    gv_timeline_cleanup(&tl);
    return 0;
}
