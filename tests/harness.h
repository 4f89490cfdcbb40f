/* harness.h: the tiny test harness of the unit-test programs (cmark's api_test idea).
 * CHECK* record a failure with file:line and go on; main returns test_summary(). */
#ifndef GPUVIZ_TEST_HARNESS_H
#define GPUVIZ_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int g_checks, g_failures;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        g_checks++;                                                                  \
        if (!(cond)) {                                                               \
            g_failures++;                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECK_EQ_LONG(a, b)                                                                     \
    do {                                                                                        \
        long long a_ = (long long)(a), b_ = (long long)(b);                                     \
        g_checks++;                                                                             \
        if (a_ != b_) {                                                                         \
            g_failures++;                                                                       \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); \
        }                                                                                       \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                 \
    do {                                                                                      \
        double a_ = (a), b_ = (b);                                                            \
        g_checks++;                                                                           \
        if (!(fabs(a_ - b_) <= (tol))) {                                                      \
            g_failures++;                                                                     \
            fprintf(stderr, "%s:%d: %s == %.9g, expected %.9g\n", __FILE__, __LINE__, #a, a_, b_); \
        }                                                                                     \
    } while (0)

#define CHECK_STR(a, b)                                                                        \
    do {                                                                                       \
        const char *a_ = (a), *b_ = (b);                                                       \
        g_checks++;                                                                            \
        if (!a_ || strcmp(a_, b_) != 0) {                                                      \
            g_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,  \
                    a_ ? a_ : "(null)", b_);                                                   \
        }                                                                                      \
    } while (0)

static int test_summary(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, g_checks, g_failures);
    return g_failures ? 1 : 0;
}

#endif
