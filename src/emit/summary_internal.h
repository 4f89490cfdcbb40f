/* summary_internal.h: the summary's representation, shared by summary.c and check.c only. */
#ifndef GPUVIZ_SUMMARY_INTERNAL_H
#define GPUVIZ_SUMMARY_INTERNAL_H

#include <cjson/cJSON.h>

struct gv_summary {
    cJSON *doc; /* owned */
};

#endif
