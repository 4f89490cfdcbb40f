/* numparse.c: exact fast decimal parsing with a strtod fallback. Depends on libc only. */
#include "gpuviz/numparse.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const double gv_pow10_exact[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

double gv_exact_decimal(uint64_t mantissa, unsigned frac_digits)
{
    return (double)mantissa / gv_pow10_exact[frac_digits];
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

gv_num_result gv_parse_number_slow(const char *s, size_t len, double *out)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (len == 0)
        return GV_NUM_MISSING;
    if (gv_decimal_fast(s, len, out))
        return GV_NUM_OK;
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
