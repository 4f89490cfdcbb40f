/* libFuzzer target: the CSV reader fed the input in chunks whose sizes come from the input's
 * first byte; rows go to a sink that checks them. Memory must stay bounded and nothing may crash
 * or leak (ASan, UBSan). Build: cmake -DGPUVIZ_FUZZ=ON with clang (docs/testing.md). */
#include "gpuviz/csv_reader.h"
#include "fuzz_chunks.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    const gv_timeline *tl;
    size_t rows;
} counter;

static gv_status begin(void *ctx, gv_error *err)
{
    (void)ctx;
    (void)err;
    return GV_OK;
}

static void row(void *ctx, gv_time_us t, const double *values, const unsigned char *fresh)
{
    counter *c = ctx;
    (void)t;
    (void)fresh;
    for (size_t i = 0; i < c->tl->series_len; i++)
        if (!isnan(values[i]) && !isfinite(values[i]))
            abort(); /* the reader must never hand out an infinity */
    c->rows++;
}

typedef struct {
    gv_csv_reader *r;
    gv_status st;
    gv_error err;
} feed_ctx;

static bool feed(void *ctx, const char *buf, size_t len)
{
    feed_ctx *f = ctx;
    f->st = gv_csv_reader_feed(f->r, buf, len, &f->err);
    return f->st == GV_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gv_timeline tl;
    gv_timeline_init(&tl);
    counter c = {&tl, 0};
    feed_ctx f = {gv_csv_reader_new(&tl, "fuzz.csv", (gv_sample_sink){.begin = begin, .row = row, .ctx = &c}, NULL), GV_OK, {{0}, {0}}};
    fuzz_feed_chunks(data, size, feed, &f);
    if (f.st == GV_OK)
        f.st = gv_csv_reader_finish(f.r, &f.err);
    if (f.st == GV_OK && c.rows != tl.ingest.rows_read)
        abort();
    gv_csv_reader_free(f.r);
    gv_timeline_cleanup(&tl);
    return 0;
}
