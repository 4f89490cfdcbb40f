/* numparse.c: exact fast decimal parsing with a strtod fallback. Depends on libc only. */
#include "gpuviz/numparse.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const double pow10_tab[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

double gv_exact_decimal(uint64_t mantissa, unsigned frac_digits)
{
    return (double)mantissa / pow10_tab[frac_digits];
}

static bool is_missing(const char *s, size_t len)
{
    static const char *const words[] = {"N/A", "[N/A]", "NA", "[Not Supported]", "nan", "NaN",
                                        "-nan", "null"};
    if (len == 0)
        return true;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i]) == len && strncasecmp(words[i], s, len) == 0)
            return true;
    return false;
}

gv_num_result gv_parse_number(const char *s, size_t len, double *out)
{
    if (len && ((unsigned char)s[0] <= ' ' || (unsigned char)s[len - 1] <= ' ')) { /* rare */
        while (len && (*s == ' ' || *s == '\t')) {
            s++;
            len--;
        }
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
            len--;
    }
    if (len == 0)
        return GV_NUM_MISSING;

    /* Fast path: [-+]digits[.digits] with at most 15 digits in all: the mantissa is below 2^53
     * and the power of ten exact, so one correctly rounded division gives the exact double. */
    const char *p = s, *e = s + len;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    uint64_t mant = 0;
    const char *d0 = p;
    unsigned d;
    while (p < e && (d = (unsigned)(*p - '0')) < 10) {
        mant = mant * 10 + d;
        p++;
    }
    size_t int_digits = (size_t)(p - d0), frac = 0;
    if (p < e && *p == '.') {
        const char *f0 = ++p;
        while (p < e && (d = (unsigned)(*p - '0')) < 10) {
            mant = mant * 10 + d;
            p++;
        }
        frac = (size_t)(p - f0);
    }
    if (p == e && int_digits + frac > 0 && int_digits + frac <= 15) {
        double v = (double)mant / pow10_tab[frac];
        *out = neg ? -v : v;
        return GV_NUM_OK;
    }

    if (is_missing(s, len))
        return GV_NUM_MISSING;
    /* only decimal forms: no hex, no inf, no nan(...) */
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789+-.eE", s[i]) || s[i] == '\0')
            return GV_NUM_BAD;
    char tmp[64];
    if (len >= sizeof tmp)
        return GV_NUM_BAD;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    if (end != tmp + len) /* also catches a NUL byte inside the field */
        return GV_NUM_BAD;
    if (isnan(v))
        return GV_NUM_MISSING;
    if (!isfinite(v))
        return GV_NUM_BAD;
    *out = v;
    return GV_NUM_OK;
}
