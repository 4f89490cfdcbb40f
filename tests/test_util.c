/* Unit tests of src/util: timestamps, numbers, buffers, arena strings. Expected epoch values were
 * computed with Python: datetime(2025,12,22,21,6,0,162000,tzinfo=timezone.utc).timestamp(). */
#define _DEFAULT_SOURCE /* mincore, usleep */
#include "gpuviz/arena.h"
#include "gpuviz/buf.h"
#include "gpuviz/numparse.h"
#include "gpuviz/prefault.h"
#include "gpuviz/timeparse.h"
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void test_time(void)
{
    static const struct {
        const char *s;
        size_t used;
        long long t_us;
        int frac;
    } ok[] = {
        /* python3 -c "from datetime import *; print(int(datetime(2025,12,22,21,6,0,162000,tzinfo=timezone.utc).timestamp()*1e6))" */
        {"2025-12-22 21:06:00.162", 23, 1766437560162000LL, 3},
        {"2025-12-22 21:06:00", 19, 1766437560000000LL, 0},
        {"2025-12-22T21:06:00.162Z", 24, 1766437560162000LL, 3},
        {"2025/12/22 21:06:00.162, 0", 23, 1766437560162000LL, 3},
        {"2025-12-23 00:54:23,188 - x", 23, 1766451263188000LL, 3},
        {"2025-12-22 21:06:00.123456789 x", 29, 1766437560123456LL, 9},
        {"2024-02-29 00:00:00", 19, 1709164800000000LL, 0},
        {"1969-12-31 23:59:59.5", 21, -500000LL, 1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        gv_time_us t = 0;
        int frac = -1;
        CHECK_EQ_LONG(gv_time_parse(ok[i].s, strlen(ok[i].s), &t, &frac), ok[i].used);
        CHECK_EQ_LONG(t, ok[i].t_us);
        CHECK_EQ_LONG(frac, ok[i].frac);
    }
    static const char *const bad[] = {"2025-02-30 10:00:00", "2025-12-22 25:61:00",
                                      "2023-02-29 00:00:00", "2025-13-01 00:00:00",
                                      "2025-12-22", "not a time at all!!", "2025-12-22 21:06",
                                      "2025-12-22x21:06:00", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gv_time_us t;
        CHECK_EQ_LONG(gv_time_parse(bad[i], strlen(bad[i]), &t, NULL), 0);
    }
    /* the cached parser gives the same results in any order, the same minute or not */
    gv_time_cache cache = {{0}, 0, 0};
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
            gv_time_us t = 0;
            int frac = -1;
            CHECK_EQ_LONG(gv_time_parse_cached(&cache, ok[i].s, strlen(ok[i].s), &t, &frac), ok[i].used);
            CHECK_EQ_LONG(t, ok[i].t_us);
            CHECK_EQ_LONG(frac, ok[i].frac);
            CHECK_EQ_LONG(gv_time_parse_cached(&cache, ok[i].s, strlen(ok[i].s), &t, &frac), ok[i].used);
            CHECK_EQ_LONG(t, ok[i].t_us); /* a hit */
            gv_time_us bad_t;
            CHECK_EQ_LONG(gv_time_parse_cached(&cache, bad[i % 3], strlen(bad[i % 3]), &bad_t, NULL), 0);
        }
    static const char *const same_minute[] = {"2025-12-22 21:06:59.999", "2025-12-22 21:06:61.000",
                                              "2025-12-22 21:06:0x", "2025-12-22 21:06:07"};
    static const long long same_t[] = {1766437619999000LL, 0, 0, 1766437567000000LL};
    for (size_t i = 0; i < 4; i++) {
        gv_time_us t = 0;
        size_t used = gv_time_parse_cached(&cache, same_minute[i], strlen(same_minute[i]), &t, NULL);
        CHECK_EQ_LONG(used, same_t[i] ? strlen(same_minute[i]) : 0);
        if (same_t[i])
            CHECK_EQ_LONG(t, same_t[i]);
    }
    char buf[40];
    gv_time_format_iso(1766437560162000LL, buf, sizeof buf);
    CHECK_STR(buf, "2025-12-22T21:06:00.162");
    gv_time_format_iso(-500000LL, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31T23:59:59.500");
}

/* Zones after a time, month names: values written out by hand. */
static void test_zones_months(void)
{
    int off = 1;
    CHECK_EQ_LONG(gv_time_zone_offset("+08:00", 6, &off), 6);
    CHECK_EQ_LONG(off, 8 * 3600);
    CHECK_EQ_LONG(gv_time_zone_offset(" -0530x", 7, &off), 6);
    CHECK_EQ_LONG(off, -(5 * 3600 + 30 * 60));
    CHECK_EQ_LONG(gv_time_zone_offset("+02", 3, &off), 3);
    CHECK_EQ_LONG(off, 7200);
    CHECK_EQ_LONG(gv_time_zone_offset("+08:", 4, &off), 0);
    CHECK_EQ_LONG(gv_time_zone_offset("+15:00", 6, &off), 0);
    CHECK_EQ_LONG(gv_time_zone_offset("Z", 1, &off), 0);
    char name[24];
    gv_time_zone_name(-(5 * 3600 + 30 * 60), name, sizeof name);
    CHECK(strcmp(name, "UTC-05:30") == 0);
    gv_time_zone_name(0, name, sizeof name);
    CHECK(strcmp(name, "UTC") == 0);
    CHECK_EQ_LONG(gv_month_from_name("Oct", 3), 10);
    CHECK_EQ_LONG(gv_month_from_name("january", 7), 1);
    CHECK_EQ_LONG(gv_month_from_name("Oc", 2), 0);
    CHECK_EQ_LONG(gv_month_from_name("Foo", 3), 0);
}

static void test_numbers(void)
{
    static const struct {
        const char *s;
        gv_num_result r;
        double v;
    } cases[] = {
        {"642.32", GV_NUM_OK, 642.32},   {"70", GV_NUM_OK, 70},        {" 0.05 ", GV_NUM_OK, 0.05},
        {"-3.5", GV_NUM_OK, -3.5},       {"+2", GV_NUM_OK, 2},         {"1e3", GV_NUM_OK, 1000},
        {"0.000", GV_NUM_OK, 0},         {"12345678901234567", GV_NUM_OK, 12345678901234567.0},
        {"N/A", GV_NUM_MISSING, 0},      {"[N/A]", GV_NUM_MISSING, 0}, {"", GV_NUM_MISSING, 0},
        {"[Not Supported]", GV_NUM_MISSING, 0}, {"nan", GV_NUM_MISSING, 0},
        {"1e999", GV_NUM_BAD, 0},        {"inf", GV_NUM_BAD, 0},       {"6x0.00", GV_NUM_BAD, 0},
        {"abc", GV_NUM_BAD, 0},          {"1.2.3", GV_NUM_BAD, 0},     {"-", GV_NUM_BAD, 0},
        {".", GV_NUM_BAD, 0},            {"0x10", GV_NUM_BAD, 0},      {"1e-320", GV_NUM_OK, 1e-320},
        {"infinity", GV_NUM_BAD, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double v = -1;
        gv_num_result r = gv_parse_number(cases[i].s, strlen(cases[i].s), &v);
        CHECK_EQ_LONG(r, cases[i].r);
        if (r == GV_NUM_OK)
            CHECK(v == cases[i].v); /* exact: the fast path must round like strtod */
    }
    /* the fast path agrees with strtod bit for bit on many 2-decimal values */
    char s[32];
    int mismatches = 0;
    for (int i = 0; i < 200000; i++) {
        snprintf(s, sizeof s, "%d.%02d", i / 100 * 7 % 100000, i % 100);
        double v;
        gv_parse_number(s, strlen(s), &v);
        if (v != strtod(s, NULL))
            mismatches++;
    }
    CHECK_EQ_LONG(mismatches, 0);
}

/* The short-shape parser against the byte loop: every string of up to 5 bytes over digits,
 * signs, '.', ' ' and 'e', and random ones of 6 to 8 bytes: where the short one answers, the
 * same bits; it must answer for the shapes it is for. */
static void test_numbers_short(void)
{
    static const char alpha[] = "0159.-+ e";
    const size_t na = sizeof alpha - 1;
    unsigned seed = 4321;
    int disagree = 0, answered = 0;
    for (size_t len = 1; len <= 8; len++) {
        size_t total = 1;
        for (size_t k = 0; k < len && total < 300000; k++)
            total *= na;
        for (size_t n = 0; n < total; n++) {
            char buf[9];
            size_t x = n;
            for (size_t k = 0; k < len; k++) {
                if (len <= 5) {
                    buf[k] = alpha[x % na];
                    x /= na;
                } else {
                    seed = seed * 1103515245u + 12345u;
                    buf[k] = alpha[(seed >> 16) % na];
                }
            }
            double a = 1, b = 2;
            if (gv_decimal_short(buf, len, &a)) {
                answered++;
                if (!gv_decimal_fast(buf, len, &b) || memcmp(&a, &b, sizeof a) != 0)
                    disagree++;
            }
        }
    }
    CHECK_EQ_LONG(disagree, 0);
    CHECK(answered > 1000);
    double v;
    CHECK(gv_decimal_short("612.00", 6, &v) && v == 612.0);
    CHECK(gv_decimal_short("12345.67", 8, &v) && v == 12345.67);
    CHECK(gv_decimal_short("72", 2, &v) && v == 72);
    CHECK(!gv_decimal_short("-1.25", 5, &v) && !gv_decimal_short("1.5", 3, &v) && !gv_decimal_short("", 0, &v));
    /* all two-decimal values with up to 3 integer digits, against strtod */
    int wrong = 0;
    for (int i = 0; i < 100000; i++) {
        char t[16];
        snprintf(t, sizeof t, "%d.%02d", i / 100, i % 100);
        wrong += !gv_decimal_short(t, strlen(t), &v) || v != strtod(t, NULL);
    }
    CHECK_EQ_LONG(wrong, 0);
}

/* The inline timestamp path against the general one, in the same minute and out of it. */
static void test_time_fast(void)
{
    static const char *const s[] = {
        "2025-12-22 21:06:00.162", "2025-12-22 21:06:59.999", "2025-12-22 21:06:60.000",
        "2025-12-22 21:06:0x.000", "2025-12-22 21:06:01.1x3", "2025-12-22 21:06:01,123",
        "2025-12-22 21:07:00.000", "2025-12-22 21:06:05.5",   "2025-12-22 21:06:05.500000",
        "2025-12-22 21:06:05.000Z", "2025-12-22 21:06:05 123", "2025-12-22 21:06:09.010"};
    gv_time_cache fast = {{0}, 0, 0}, slow = {{0}, 0, 0};
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof s / sizeof *s; i++) {
            gv_time_us a = -1, b = -2;
            size_t ua = gv_time_parse_hit(&fast, s[i], strlen(s[i]), &a)
                            ? strlen(s[i]) : gv_time_parse_cached(&fast, s[i], strlen(s[i]), &a, NULL);
            size_t ub = gv_time_parse_cached(&slow, s[i], strlen(s[i]), &b, NULL);
            CHECK_EQ_LONG(ua, ub);
            if (ua)
                CHECK_EQ_LONG(a, b);
        }
}

static void test_buf_arena(void)
{
    gv_buf b;
    gv_buf_init(&b, 8);
    CHECK(gv_buf_puts(&b, "12345678"));
    CHECK(!gv_buf_puts(&b, "9")); /* the cap holds */
    CHECK_EQ_LONG(b.len, 8);
    gv_buf_cleanup(&b);

    gv_arena a;
    gv_arena_init(&a);
    CHECK_STR(gv_arena_strdup(&a, "plain"), "plain");
    CHECK_STR(gv_arena_strndup(&a, "a\xff" "b", 3), "a\xEF\xBF\xBD" "b"); /* invalid byte */
    CHECK_STR(gv_arena_strndup(&a, "x\x01y\tz", 5), "x y\tz");             /* control char */
    CHECK_STR(gv_arena_strdup(&a, "\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9");   /* valid UTF-8 */
    CHECK_STR(gv_arena_strdup(&a, "\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* surrogate */
    for (int i = 0; i < 1000; i++)
        CHECK(gv_arena_alloc(&a, 1000) != NULL);
    gv_arena_cleanup(&a);
}

/* Whether every page of p[0..n) is in memory. */
static bool resident(char *p, size_t n)
{
    size_t pages = n / 4096;
    unsigned char *v = malloc(pages);
    bool all = mincore(p, n, v) == 0;
    for (size_t i = 0; all && i < pages; i++)
        all = v[i] & 1;
    free(v);
    return all;
}

static void test_prefault(void)
{
    gv_prefault_mark(NULL, 1); /* NULL: nothing */
    gv_prefault_stop(NULL);
    size_t len = (size_t)32 << 20, ahead = (size_t)8 << 20, mb = (size_t)1 << 20;
    char *p = gv_reserve_large(len);
    CHECK(p != NULL);
    memset(p, 0x5A, 4096); /* written before the helper starts: kept */
    gv_prefault *pf = gv_prefault_start(p, len, ahead);
    CHECK(pf != NULL);
    /* can this kernel populate (Linux >= 5.14)? If not, the helper gives up and only the contents
     * are checked */
    void *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    bool populates = madvise(probe, 4096, 23 /* MADV_POPULATE_WRITE */) == 0;
    munmap(probe, 4096);
    if (populates) {
        /* the helper commits up to `ahead` bytes past the mark (0), from the second 2 MB piece
         * on, and no more */
        bool ok = false;
        for (int i = 0; i < 1000 && !(ok = resident(p + 2 * mb, ahead - 2 * mb)); i++)
            usleep(10000);
        CHECK(ok);
        usleep(50000);
        CHECK(!resident(p + ahead + 2 * mb, len - ahead - 2 * mb));
    } else {
        printf("test_prefault: MADV_POPULATE_WRITE refused (errno %d): contents only\n", errno);
    }
    CHECK(p[0] == 0x5A && p[4095] == 0x5A && p[4096] == 0 && p[ahead - 1] == 0);
    for (size_t off = 0; off < 24 * mb; off += mb) { /* a writer that the helper keeps ahead of */
        memset(p + off, (int)(off / mb) + 1, mb);
        gv_prefault_mark(pf, off + mb);
    }
    gv_prefault_stop(pf);
    bool same = true;
    for (size_t off = 0; off < 24 * mb; off++)
        same = same && p[off] == (char)(off / mb + 1);
    CHECK(same);
    CHECK(p[24 * mb] == 0 && p[len - 1] == 0);
    gv_free_large(p, len);
}

int main(void)
{
    test_zones_months();
    test_time();
    test_numbers();
    test_numbers_short();
    test_time_fast();
    test_buf_arena();
    test_prefault();
    return test_summary("test_util");
}
