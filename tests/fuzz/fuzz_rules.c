/* libFuzzer target: the rules loader (JSON -> compiled rules) on arbitrary text; rules that load
 * are run over a fixed log with every kind of line, so that their templates, groupings and
 * timestamp patterns get exercised too. */
#include "gpuviz/log_parser.h"
#include "gpuviz/log_rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char LOG[] =
    "2025-12-22 21:00:00 step 00012/33600 (0.04%) | loss: 3.2 | dt: 2940.12ms | tok/sec: 178,321\n"
    "2025-12-22 21:00:05 Step 02000 | Validation bpb: 0.932600\n"
    "[12/22/2025 21:06:10.000] INFO train: iter 100/900 loss=2.9120 step_time=512ms tokens/s=181234\n"
    "[12/22/2025 21:07:00.000] INFO val: iter 140 ppl=15.92 loss=2.7676\n"
    "[12/22/2025 21:07:05.000] INFO eval: starting evaluation (suite=core)\n"
    "2025-12-22 21:01:00 Evaluating: hellaswag (0-shot, type: mc)... accuracy: 0.5 | centered: 0.3 | time: 3.01s\n"
    "[12/22/2025 21:07:17.500] INFO eval: task=arc_easy acc=0.512 took 12.5s\n"
    "[12/22/2025 21:07:36.000] INFO eval: done, score=0.4570 at iter 140\n"
    "2025-12-22 21:01:09 Step 02000 | CORE metric: 0.1300\n"
    "[12/22/2025 21:08:00.000] INFO ckpt: wrote shard 0/3 to /ckpt/run7/iter_000140\n"
    "2025-12-22 21:02:00 Saved model parameters to: /h/base_checkpoints/d24/model_000813.pt\n"
    "2025-12-22 21:02:00 Saved metadata to: /h/base_checkpoints/d24/meta_000813.json\n"
    "[12/22/2025 21:10:00.000] WARN nccl: watchdog: rank 3 stalled for 30.0s\n"
    "no time, odd bytes \xff\xfe {x} [y]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gv_error err;
    gv_log_rules *r = gv_log_rules_load((const char *)data, size, "fuzz.json", &err);
    if (!r) {
        if (!err.msg[0])
            abort(); /* every refusal says why */
        return 0;
    }
    gv_timeline tl;
    gv_timeline_init(&tl);
    gv_log_parser *p = gv_log_parser_new(&tl, r, "fuzz.log", NULL);
    gv_log_parser_feed(p, LOG, sizeof LOG - 1);
    gv_log_parser_finish(p);
    gv_log_parser_free(p);
    for (size_t i = 0; i < tl.events_len; i++)
        if (!tl.events[i].label || tl.events[i].end < tl.events[i].start)
            abort();
    gv_timeline_cleanup(&tl);
    gv_log_rules_free(r);
    return 0;
}
