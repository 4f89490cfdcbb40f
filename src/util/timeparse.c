/* timeparse.c: fast exact timestamp parsing and formatting (the CSV hot path calls it per row).
 * Depends on libc only. */
#include "gpuviz/timeparse.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int64_t gv_days_from_civil(int y, unsigned m, unsigned d)
{
    /* Howard Hinnant's algorithm. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i] - '0';
        if (c > 9)
            return false;
        v = v * 10 + (int)c;
    }
    *out = v;
    return true;
}

static unsigned days_in_month(int y, int m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* Seconds, fraction and an optional 'Z' from s[17..len): *t = minute + those. Returns the bytes
 * consumed in all (0 when the seconds are bad). */
static size_t parse_seconds(const char *s, size_t len, gv_time_us minute, gv_time_us *t, int *frac_digits)
{
    int se;
    if (!digits(s + 17, 2, &se) || se > 59)
        return 0;
    size_t i = 19;
    int64_t frac_us = 0;
    int nfrac = 0;
    if (i + 1 < len && (s[i] == '.' || s[i] == ',') && (unsigned)(s[i + 1] - '0') <= 9) {
        static const int64_t scale[7] = {1000000, 100000, 10000, 1000, 100, 10, 1};
        unsigned d;
        i++;
        while (i < len && (d = (unsigned)(s[i] - '0')) <= 9) {
            if (nfrac < 6) /* microseconds: further digits are cut off */
                frac_us = frac_us * 10 + d;
            nfrac++;
            i++;
        }
        frac_us *= scale[nfrac < 6 ? nfrac : 6];
    }
    if (i < len && s[i] == 'Z')
        i++;
    *t = minute + se * INT64_C(1000000) + frac_us;
    if (frac_digits)
        *frac_digits = nfrac;
    return i;
}

/* The date, hour and minute of s[0..17) as the time of that minute; false when not valid. */
static bool parse_minute(const char *s, size_t len, gv_time_us *minute)
{
    int y, mo, d, h, mi;
    if (len < 19)
        return false;
    char ds = s[4];
    if ((ds != '-' && ds != '/') || s[7] != ds || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' ||
        s[16] != ':')
        return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, mo) || h > 23 || mi > 59)
        return false;
    int64_t days = gv_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *minute = ((days * 24 + h) * 60 + mi) * 60 * INT64_C(1000000);
    return true;
}

size_t gv_time_parse(const char *s, size_t len, gv_time_us *t, int *frac_digits)
{
    gv_time_us minute;
    return parse_minute(s, len, &minute) ? parse_seconds(s, len, minute, t, frac_digits) : 0;
}

size_t gv_time_parse_cached(gv_time_cache *c, const char *s, size_t len, gv_time_us *t, int *frac_digits)
{
    if (len >= 19 && c->valid && memcmp(s, c->prefix, sizeof c->prefix) == 0)
        return parse_seconds(s, len, c->minute, t, frac_digits);
    gv_time_us minute;
    if (!parse_minute(s, len, &minute))
        return 0;
    size_t used = parse_seconds(s, len, minute, t, frac_digits);
    if (used) {
        memcpy(c->prefix, s, sizeof c->prefix);
        c->minute = minute;
        c->valid = true;
    }
    return used;
}

void gv_time_format_iso(gv_time_us t, char *out, size_t out_len)
{
    int64_t us = t % 1000000, secs = t / 1000000;
    if (us < 0) {
        us += 1000000;
        secs--;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, out_len, "%04d-%02u-%02uT%02d:%02d:%02d.%03d", y, m, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60), (int)(us / 1000));
}

int gv_month_from_name(const char *s, size_t len)
{
    static const char names[12][4] = {"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec"};
    if (len < 3)
        return 0;
    for (int k = 0; k < 12; k++)
        if ((s[0] | 0x20) == names[k][0] && (s[1] | 0x20) == names[k][1] && (s[2] | 0x20) == names[k][2])
            return k + 1;
    return 0;
}

size_t gv_time_zone_offset(const char *s, size_t len, int *offset_s)
{
    size_t i = 0;
    while (i < len && s[i] == ' ')
        i++;
    if (i >= len || (s[i] != '+' && s[i] != '-'))
        return 0;
    int sign = s[i++] == '-' ? -1 : 1, h, m = 0;
    if (i + 2 > len || !digits(s + i, 2, &h) || h > 14)
        return 0;
    i += 2;
    if (i < len && s[i] == ':')
        i++;
    if (i + 2 <= len && digits(s + i, 2, &m)) {
        if (m > 59)
            return 0;
        i += 2;
    } else if (i > 0 && s[i - 1] == ':') {
        return 0;
    }
    *offset_s = sign * (h * 3600 + m * 60);
    return i;
}

void gv_time_zone_name(int offset_s, char *out, size_t n)
{
    if (offset_s == 0) {
        snprintf(out, n, "UTC");
        return;
    }
    int a = offset_s < 0 ? -offset_s : offset_s;
    snprintf(out, n, "UTC%c%02d:%02d", offset_s < 0 ? '-' : '+', a / 3600 % 100, a / 60 % 60);
}
