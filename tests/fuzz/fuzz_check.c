/* libFuzzer target: --check expressions parsed and evaluated against a fixed summary. */
#include "gpuviz/summary.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gv_timeline tl;
    static gv_summary *sum;
    if (!sum) { /* a small timeline: two GPUs, no samples */
        gv_timeline_init(&tl);
        gv_timeline_add_series(&tl, "gpu0_power_w", GV_SERIES_POWER, 0);
        gv_timeline_add_series(&tl, "gpu1_temp_c", GV_SERIES_TEMP, 1);
        gv_summary_inputs in = {.csv_path = "x.csv", .csv_bytes = 1, .log_bytes = -1};
        sum = gv_summary_new(&tl, &in);
    }
    char *expr = malloc(size + 1);
    memcpy(expr, data, size);
    expr[size] = '\0';
    gv_error err;
    gv_check *c = gv_check_parse(expr, &err);
    if (c) {
        gv_check_result r;
        gv_check_eval(c, sum, &r, &err);
        gv_check_free(c);
    }
    free(expr);
    return 0;
}
