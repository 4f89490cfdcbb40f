/* libFuzzer target: the CSV reader fed the input in chunks whose sizes come from the input's
 * first byte; rows go to a sink that checks them. Memory must stay bounded and nothing may crash
 * or leak (ASan, UBSan). Build: cmake -DGPUVIZ_FUZZ=ON with clang (docs/testing.md). */
#include "gpuviz/csv_reader.h"

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

static void row(void *ctx, gv_time_us t, const double *values)
{
    counter *c = ctx;
    (void)t;
    for (size_t i = 0; i < c->tl->series_len; i++)
        if (!isnan(values[i]) && !isfinite(values[i]))
            abort(); /* the reader must never hand out an infinity */
    c->rows++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t chunk = 1 + data[0] % 64;
    data++;
    size--;
    gv_timeline tl;
    gv_timeline_init(&tl);
    counter c = {&tl, 0};
    gv_error err;
    gv_csv_reader *r = gv_csv_reader_new(&tl, "fuzz.csv", (gv_sample_sink){begin, row, &c}, NULL);
    gv_status st = GV_OK;
    for (size_t off = 0; off < size && st == GV_OK; off += chunk)
        st = gv_csv_reader_feed(r, (const char *)data + off, size - off < chunk ? size - off : chunk, &err);
    if (st == GV_OK)
        st = gv_csv_reader_finish(r, &err);
    if (st == GV_OK && c.rows != tl.rows_read)
        abort();
    gv_csv_reader_free(r);
    gv_timeline_cleanup(&tl);
    return 0;
}
