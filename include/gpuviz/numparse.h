/* numparse.h: exact decimal number parsing for the hot path. Owns nothing. */
#ifndef GPUVIZ_NUMPARSE_H
#define GPUVIZ_NUMPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    GV_NUM_OK,      /* *out holds a finite number */
    GV_NUM_MISSING, /* empty, N/A, [N/A], [Not Supported], nan: a missing reading, not an error */
    GV_NUM_BAD      /* anything else (garbage, or out of range such as 1e999) */
} gv_num_result;

/* Parses s[0..len) (surrounding spaces allowed) as a decimal number. Plain decimals with up to 15
 * significant digits take an exact fast path (Clinger), inline; other forms go to
 * gv_parse_number_slow, which trims and falls back to strtod. */
gv_num_result gv_parse_number_slow(const char *s, size_t len, double *out);

/* mantissa / 10^frac_digits, exactly rounded, for mantissas of at most 15 digits and
 * frac_digits <= 15 (the fast path, for callers that scan digits themselves). */
double gv_exact_decimal(uint64_t mantissa, unsigned frac_digits);
extern const double gv_pow10_exact[16];

/* The fast path alone: s is exactly [-+]digits[.digits] with 1 to 15 digits. */
static inline bool gv_decimal_fast(const char *s, size_t len, double *out)
{
    const char *p = s, *e = s + len;
    bool neg = len && *p == '-';
    if (len && (*p == '-' || *p == '+'))
        p++;
    uint64_t mant = 0;
    const char *d0 = p;
    unsigned d;
    while (p < e && (d = (unsigned)(*p - '0')) < 10) {
        mant = mant * 10 + d;
        p++;
    }
    size_t digits = (size_t)(p - d0), frac = 0;
    if (p < e && *p == '.') {
        const char *f0 = ++p;
        while (p < e && (d = (unsigned)(*p - '0')) < 10) {
            mant = mant * 10 + d;
            p++;
        }
        frac = (size_t)(p - f0);
    }
    if (p != e || digits + frac == 0 || digits + frac > 15)
        return false;
    double v = (double)mant / gv_pow10_exact[frac];
    *out = neg ? -v : v;
    return true;
}

/* gv_decimal_fast for the commonest shapes of sampler CSVs, without a per-byte loop over the
 * whole field: 1 to 3 digits ("72"), or up to 5 digits, '.', 2 digits ("612.00"). The same value
 * as gv_decimal_fast where it returns true; false for anything else (ask gv_decimal_fast). */
static inline bool gv_decimal_short(const char *s, size_t len, double *out)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len >= 4 && len <= 8 && p[len - 3] == '.') {
        unsigned f1 = (unsigned)p[len - 2] - '0', f2 = (unsigned)p[len - 1] - '0';
        unsigned bad = (f1 > 9) | (f2 > 9);
        uint64_t ip = 0;
        for (size_t i = 0; i + 3 < len; i++) {
            unsigned d = (unsigned)p[i] - '0';
            bad |= d > 9;
            ip = ip * 10 + d;
        }
        if (bad)
            return false;
        *out = (double)(ip * 100 + f1 * 10 + f2) / gv_pow10_exact[2];
        return true;
    }
    if (len >= 1 && len <= 3) {
        unsigned d0 = (unsigned)p[0] - '0', d1 = len > 1 ? (unsigned)p[1] - '0' : 0,
                 d2 = len > 2 ? (unsigned)p[2] - '0' : 0;
        if ((d0 > 9) | (d1 > 9) | (d2 > 9))
            return false;
        *out = (double)(len == 1 ? d0 : len == 2 ? d0 * 10 + d1 : d0 * 100 + d1 * 10 + d2);
        return true;
    }
    return false;
}

static inline gv_num_result gv_parse_number(const char *s, size_t len, double *out)
{
    return gv_decimal_fast(s, len, out) ? GV_NUM_OK : gv_parse_number_slow(s, len, out);
}

#endif
