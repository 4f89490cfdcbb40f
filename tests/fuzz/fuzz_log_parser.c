/* libFuzzer target: the log parser fed the input in chunks (sizes from the first byte), then the
 * events sorted and checked for sane windows. */
#include "gpuviz/log_parser.h"
#include "fuzz_chunks.h"

#include <stdint.h>
#include <stdlib.h>

static bool feed(void *ctx, const char *buf, size_t len)
{
    gv_log_parser_feed(ctx, buf, len);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gv_log_rules *rules;
    gv_error err;
    if (!rules && !(rules = gv_log_rules_builtin(&err)))
        abort();
    gv_timeline tl;
    gv_timeline_init(&tl);
    gv_log_parser *p = gv_log_parser_new(&tl, rules, "fuzz.log", NULL);
    fuzz_feed_chunks(data, size, feed, p);
    gv_log_parser_finish(p);
    gv_log_parser_free(p);
    gv_timeline_sort_events(&tl);
    for (size_t i = 0; i < tl.events_len; i++)
        if (tl.events[i].t == GV_TIME_NONE || tl.events[i].end < tl.events[i].start || !tl.events[i].label)
            abort();
    gv_timeline_cleanup(&tl);
    return 0;
}
