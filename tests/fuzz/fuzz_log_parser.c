/* libFuzzer target: the log parser fed the input in chunks (sizes from the first byte), then the
 * events sorted and checked for sane windows. */
#include "gpuviz/log_clock.h"
#include "gpuviz/log_parser.h"
#include "gpuviz/retime.h"
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
    /* the log's clock and the burst repair, as the CLI runs them (their invariants are asserted) */
    if (!gv_log_clock_untimed(&tl)) {
        gv_log_clock_place(&tl, "fuzz.log", NULL);
        gv_retime_bursts(&tl);
    }
    for (size_t i = 0; i < tl.log.spans_len; i++) { /* every placed event within its span */
        const gv_log_span *s = &tl.log.spans[i];
        for (size_t e = 0; e < tl.events_len; e++) {
            const gv_event *ev = &tl.events[e];
            if (ev->time_basis != GV_TB_BRACKETED || ev->line <= s->line_lo || ev->line >= s->line_hi ||
                s->t_lo == GV_TIME_NONE || s->t_hi == GV_TIME_NONE || s->t_hi < s->t_lo)
                continue;
            if (ev->end < s->t_lo || ev->end > s->t_hi)
                abort();
        }
    }
    gv_timeline_sort_events(&tl);
    for (size_t i = 0; i < tl.events_len; i++)
        if (tl.events[i].t == GV_TIME_NONE || tl.events[i].end < tl.events[i].start || !tl.events[i].label)
            abort();
    gv_timeline_cleanup(&tl);
    return 0;
}
