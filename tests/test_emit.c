/* Unit tests of src/emit's number printing: gv_json_format_number must write exactly the text
 * cJSON writes for the same double (the page's large number arrays are printed with it). The
 * expected text comes from cJSON itself, printing each value. */
#include "emit/json_util.h"
#include "harness.h"

#include <stdlib.h>

static void same_as_cjson(double v, int *differ)
{
    char mine[32];
    gv_json_format_number(v, mine);
    cJSON *n = cJSON_CreateNumber(v);
    char *theirs = cJSON_PrintUnformatted(n);
    if (strcmp(mine, theirs) != 0) {
        if (*differ < 5)
            fprintf(stderr, "%.17g: \"%s\", cJSON \"%s\"\n", v, mine, theirs);
        ++*differ;
    }
    free(theirs);
    cJSON_Delete(n);
}

static void test_format_number(void)
{
    int differ = 0;
    /* decimals as logs and samplers write them: 0 to 9 places, many magnitudes, both signs */
    unsigned seed = 7;
    for (int i = 0; i < 300000; i++) {
        seed = seed * 1103515245u + 12345u;
        long long m = (long long)(seed >> 4) * (1 + (i % 7) * 1000);
        int places = i % 10;
        char s[48];
        snprintf(s, sizeof s, "%s%lld.%0*lld", i % 3 ? "" : "-", m / 1000, places ? places : 1,
                 places ? m % 1000000000LL % (long long)pow(10, places) : 0);
        same_as_cjson(strtod(s, NULL), &differ);
    }
    /* hours rounded to 1e-7, as the page's x values */
    for (int i = 0; i < 100000; i++)
        same_as_cjson(round(i * 0.0003379 * 1e7) / 1e7, &differ);
    /* the edges: zero, integers around int's range, tiny, huge, not short decimals, not finite */
    static const double edges[] = {0.0, -0.0, 1, -1, 2147483647.0, 2147483648.0, -2147483649.0,
                                   1e14, 999999999999999.0, 1e15, 1e16, 1e-4, 9.99e-5, 1e-7,
                                   0.1 + 0.2, 1.0 / 3, 2.0 / 3, 123456.789012345, 0.000123,
                                   5e-324, 1.7976931348623157e308, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        same_as_cjson(edges[i], &differ);
    CHECK_EQ_LONG(differ, 0);
    char out[32];
    gv_json_format_number(0.005, out);
    CHECK_STR(out, "0.005");
    gv_json_format_number(-12.5, out);
    CHECK_STR(out, "-12.5");
    cJSON *arr = gv_json_number_array((const double[]){1.5, 2, 0.25}, 3);
    char *text = cJSON_PrintUnformatted(arr);
    CHECK_STR(text, "[1.5,2,0.25]");
    free(text);
    cJSON_Delete(arr);
}

int main(void)
{
    test_format_number();
    return test_summary("test_emit");
}
