/* libFuzzer target: the dcgmi dmon reader fed the input in chunks (sizes from the first byte). */
#include "gpuviz/dcgm_reader.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static gv_status begin(void *ctx, gv_error *err)
{
    (void)ctx;
    (void)err;
    return GV_OK;
}

static void row(void *ctx, gv_time_us t, const double *values)
{
    const gv_timeline *tl = ctx;
    (void)t;
    for (size_t i = 0; i < tl->series_len; i++)
        if (!isnan(values[i]) && !isfinite(values[i]))
            abort();
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
    gv_error err;
    gv_dcgm_reader *r = gv_dcgm_reader_new(&tl, "fuzz.txt", (gv_sample_sink){begin, row, &tl}, NULL, 0, 100);
    gv_status st = GV_OK;
    for (size_t off = 0; off < size && st == GV_OK; off += chunk)
        st = gv_dcgm_reader_feed(r, (const char *)data + off, size - off < chunk ? size - off : chunk, &err);
    if (st == GV_OK)
        gv_dcgm_reader_finish(r, &err);
    gv_dcgm_reader_free(r);
    gv_timeline_cleanup(&tl);
    return 0;
}
