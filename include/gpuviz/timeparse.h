/* timeparse.h: wall-clock timestamps as integers, parsed without strptime/mktime.
 * Times are microseconds since 1970-01-01 00:00 of the input's own clock: gpuviz never applies a
 * time zone (the samplers and logs write naive local time; both sides use the same clock).
 * Owns nothing. */
#ifndef GPUVIZ_TIMEPARSE_H
#define GPUVIZ_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t gv_time_us;

#define GV_TIME_NONE INT64_MIN

/* Parses `YYYY-MM-DD HH:MM:SS`, optional `.fff...` or `,fff...` fraction (any number of digits,
 * microseconds kept), with ' ' or 'T' between date and time and `/` accepted as date separator,
 * optionally followed by 'Z'. Fields are range-checked (Feb 30 and 25:61 are rejected).
 * On success returns the number of bytes consumed and sets *t and *frac_digits (0 when no
 * fraction); returns 0 when s does not start with such a timestamp. */
size_t gv_time_parse(const char *s, size_t len, gv_time_us *t, int *frac_digits);

/* The same, faster for a run of times within one minute: the last good parse's date, hour and
 * minute (its first 17 bytes) are remembered, so that only the seconds of the next are read when
 * those bytes repeat. Results are identical to gv_time_parse. Zero-initialise the cache. */
typedef struct {
    char prefix[17];
    gv_time_us minute;
    int valid;
} gv_time_cache;
size_t gv_time_parse_cached(gv_time_cache *c, const char *s, size_t len, gv_time_us *t, int *frac_digits);

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
int64_t gv_days_from_civil(int y, unsigned m, unsigned d);

/* Formats t as ISO 8601 `YYYY-MM-DDTHH:MM:SS.mmm` (no zone) into out (>= 32 bytes). */
void gv_time_format_iso(gv_time_us t, char *out, size_t out_len);

#endif
