/* timeparse.h: wall-clock timestamps as integers, parsed without strptime/mktime.
 * Times are microseconds since 1970-01-01 00:00 of the input's own clock: gpuviz never applies a
 * time zone (the samplers and logs write naive local time; both sides use the same clock).
 * Owns nothing. */
#ifndef GPUVIZ_TIMEPARSE_H
#define GPUVIZ_TIMEPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef int64_t gv_time_us;

#define GV_TIME_NONE INT64_MIN
/* Durations read from a log (a step's dt, a task's time) beyond this many seconds (about 31
 * years) are garbage: they are not turned into times (no overflow of gv_time_us). */
#define GV_DURATION_MAX_S 1e9
static inline bool gv_duration_ok(double s) { return s >= 0 && s < GV_DURATION_MAX_S; } /* (NAN: no) */

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

/* gv_time_parse_cached's commonest case, inline: true (and *t) when s is the cached minute
 * followed by `SS.mmm` (a sampler's milliseconds); false for anything else, which the caller
 * gives to gv_time_parse_cached (nothing is cached here). */
static inline bool gv_time_parse_hit(const gv_time_cache *c, const char *s, size_t len, gv_time_us *t)
{
    if (len == 23 && c->valid && s[19] == '.' && memcmp(s, c->prefix, sizeof c->prefix) == 0) {
        unsigned d[5] = {(unsigned)(s[17] - '0'), (unsigned)(s[18] - '0'), (unsigned)(s[20] - '0'),
                         (unsigned)(s[21] - '0'), (unsigned)(s[22] - '0')};
        unsigned sec = d[0] * 10 + d[1];
        if (d[0] < 10 && d[1] < 10 && d[2] < 10 && d[3] < 10 && d[4] < 10 && sec <= 59) {
            *t = c->minute + (gv_time_us)sec * 1000000 + (gv_time_us)(d[2] * 100 + d[3] * 10 + d[4]) * 1000;
            return true;
        }
    }
    return false;
}

/* A UTC offset after a time: `+08:00`, `-0530`, `+08` (blanks before it allowed) -> the bytes
 * used and *offset_s (east positive); 0 when s[0..len) does not start with one. */
size_t gv_time_zone_offset(const char *s, size_t len, int *offset_s);

/* A zone for people and JSON: "UTC", "UTC+08:00", "UTC-05:30", into out (>= 16 bytes). */
void gv_time_zone_name(int offset_s, char *out, size_t n);

/* An English month name or its first three letters, any case ("Oct", "october") -> 1..12; 0 when
 * s[0..len) is not one. */
int gv_month_from_name(const char *s, size_t len);

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
int64_t gv_days_from_civil(int y, unsigned m, unsigned d);

/* Formats t as ISO 8601 `YYYY-MM-DDTHH:MM:SS.mmm` (no zone) into out (>= 32 bytes). */
void gv_time_format_iso(gv_time_us t, char *out, size_t out_len);

#endif
