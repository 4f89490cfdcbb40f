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
 * significant digits take an exact fast path (Clinger); other forms fall back to strtod. */
gv_num_result gv_parse_number(const char *s, size_t len, double *out);

/* mantissa / 10^frac_digits, exactly rounded, for mantissas of at most 15 digits and
 * frac_digits <= 15 (the fast path above, for callers that scan digits themselves). */
double gv_exact_decimal(uint64_t mantissa, unsigned frac_digits);

#endif
