/* json_util.h: the cJSON adapter shared by the emitters (private to src/emit).
 * Owns nothing; every function that returns a cJSON* gives the caller ownership (cJSON_Delete). */
#ifndef GPUVIZ_JSON_UTIL_H
#define GPUVIZ_JSON_UTIL_H

#include "gpuviz/buf.h"
#include "gpuviz/timeline.h"

#include <cjson/cJSON.h>

/* Adds a number, or null when v is not finite. */
void gv_json_add_num(cJSON *obj, const char *name, double v);
/* Adds v rounded to `decimals` places (null when not finite). */
void gv_json_add_round(cJSON *obj, const char *name, double v, int decimals);
/* Adds an ISO 8601 time string (null for GV_TIME_NONE). */
void gv_json_add_time(cJSON *obj, const char *name, gv_time_us t);

/* Writes v as cJSON prints it, into out (>= 32 bytes; returns the length): the same text, made
 * without printf for decimals of up to 15 significant digits between 1e-4 and 1e15 (the shortest
 * m / 10^f that rounds to v is the %.15g text cJSON would keep). */
size_t gv_json_format_number(double v, char *out);
/* An array of n numbers, printed now with gv_json_format_number (a cJSON raw item). */
cJSON *gv_json_number_array(const double *v, size_t n);

/* One event with every field (docs/formats.md, "Events JSON"). */
cJSON *gv_json_event(const gv_timeline *tl, const gv_event *ev);

/* Prints item into b so that it is safe inside an HTML <script> element: '<', '>', '&' and
 * U+2028/U+2029 become \u escapes (valid JSON, identical value). Returns false on failure. */
bool gv_json_print_for_script(const cJSON *item, gv_buf *b);

#endif
