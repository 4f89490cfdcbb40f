/* columns.c: column names as people write them -> what they hold. Depends on model only. */
#include "columns.h"

#include <stdlib.h>
#include <string.h>

/* name -> lower case, units in brackets/parentheses dropped, '.', ' ', '-', '/' read as '_',
 * runs of '_' as one, none at the ends; into out (size n). */
static void normalise(const char *name, char *out, size_t n)
{
    size_t o = 0;
    int depth = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && o + 1 < n; p++) {
        unsigned char c = *p;
        if (c == '[' || c == '(') {
            depth++;
            continue;
        }
        if (c == ']' || c == ')') {
            depth -= depth > 0;
            continue;
        }
        if (depth)
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        else if (c == '.' || c == ' ' || c == '-' || c == '/' || c == '\t')
            c = '_';
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            continue; /* '°', quotes and other signs */
        if (c == '_' && (o == 0 || out[o - 1] == '_'))
            continue;
        out[o++] = (char)c;
    }
    while (o && out[o - 1] == '_')
        o--;
    out[o] = '\0';
}

static bool in(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static const char *const TIME_NAMES[] = {
    "timestamp", "time", "datetime", "date_time", "ts", "timestampus", "timestamp_us", "timestamp_ms",
    "timestamp_s", "time_us", "time_ms", "time_s", "epoch", "unix_time", "wall_time", "walltime", NULL};
static const char *const ELAPSED_NAMES[] = {"elapsed_sec", "elapsed", "elapsed_s", "elapsed_time",
                                            "elapsed_seconds", NULL};
static const char *const GPU_ID_NAMES[] = {"index", "gpu", "gpu_index", "gpuid", "gpu_id", "gpu_idx",
                                           "device", "device_id", "device_index", "gpu_num", NULL};
static const char *const TEXT_NAMES[] = {
    "name", "gpu_name", "pci_bus_id", "bus_id", "gpu_bus_id", "uuid", "gpu_uuid", "driver_version",
    "serial", "pstate", "vbios_version", "hostname", "host", "compute_mode", "display_mode",
    "persistence_mode", NULL};
static const char *const FIELD_NAMES[] = {"field", "field_name", "metric", "metric_name", "field_id", NULL};
static const char *const POWER_INSTANT_NAMES[] = {"power_draw_instant", "power_usage_instant", "power_instant",
                                                  "instant_power", "power_instant_w", NULL};
static const char *const POWER_AVG_NAMES[] = {"power_draw_average", "power_avg", "power_average",
                                              "power_avg_w", NULL};
static const char *const POWER_NAMES[] = {"power_draw", "power", "power_w", "power_watts", "watts", "power_usage",
                                          "power_draw_w", "pwr", "gpu_power", "power_watt", NULL};
static const char *const TEMP_NAMES[] = {"temperature_gpu", "temperature", "temp", "temp_c", "temperature_c",
                                         "gpu_temp", "gpu_temperature", "gtemp", "temp_gpu", "temperature_celsius",
                                         NULL};

gv_column_role gv_column_role_of(const char *name)
{
    char s[128];
    normalise(name, s, sizeof s);
    if (in(s, TIME_NAMES))
        return GV_ROLE_TIME;
    if (in(s, ELAPSED_NAMES))
        return GV_ROLE_ELAPSED;
    if (in(s, GPU_ID_NAMES))
        return GV_ROLE_GPU_ID;
    if (in(s, TEXT_NAMES))
        return GV_ROLE_TEXT;
    if (in(s, FIELD_NAMES))
        return GV_ROLE_FIELD;
    return GV_ROLE_METRIC;
}

gv_series_kind gv_column_kind(const char *name)
{
    char s[128];
    normalise(name, s, sizeof s);
    if (in(s, POWER_INSTANT_NAMES))
        return GV_SERIES_POWER_INSTANT;
    if (in(s, POWER_AVG_NAMES))
        return GV_SERIES_POWER_AVG;
    if (in(s, POWER_NAMES))
        return GV_SERIES_POWER;
    if (in(s, TEMP_NAMES))
        return GV_SERIES_TEMP;
    return GV_SERIES_OTHER;
}

gv_series_kind gv_column_wide(const char *name, int *gpu)
{
    static const struct {
        const char *suffix;
        gv_series_kind kind;
    } known[] = {{"_power_instant_w", GV_SERIES_POWER_INSTANT},
                 {"_power_avg_w", GV_SERIES_POWER_AVG},
                 {"_power_w", GV_SERIES_POWER},
                 {"_temp_c", GV_SERIES_TEMP},
                 {"", GV_SERIES_POWER}}; /* a bare GPU0: watts implied */
    *gpu = -1;
    if ((name[0] == 'g' || name[0] == 'G') && (name[1] == 'p' || name[1] == 'P') &&
        (name[2] == 'u' || name[2] == 'U') && name[3] >= '0' && name[3] <= '9') {
        char *end;
        long n = strtol(name + 3, &end, 10);
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            if (strcmp(end, known[i].suffix) == 0 && n < 100000) {
                *gpu = (int)n;
                return known[i].kind;
            }
    }
    return GV_SERIES_OTHER;
}

bool gv_column_node_power(const char *name, char *node, size_t n, bool *total)
{
    static const char *const suffixes[] = {"_watts", "_power", "_power_w", "_power_watts", "_w", NULL};
    char s[128];
    normalise(name, s, sizeof s);
    *total = false;
    for (const char *const *suf = suffixes; *suf; suf++) {
        size_t len = strlen(s), sl = strlen(*suf);
        if (len <= sl || strcmp(s + len - sl, *suf) != 0)
            continue;
        len -= sl;
        if (len == 5 && memcmp(s, "total", 5) == 0) {
            *total = true;
            return false;
        }
        /* n<digits> or node<digits> or node_<digits> */
        size_t p = s[0] == 'n' && len > 4 && memcmp(s, "node", 4) == 0 ? 4 : s[0] == 'n' ? 1 : 0;
        p += p == 4 && s[p] == '_';
        if (p == 0 || p >= len || len >= n)
            return false;
        for (size_t i = p; i < len; i++)
            if (s[i] < '0' || s[i] > '9')
                return false;
        memcpy(node, s, len);
        node[len] = '\0';
        return true;
    }
    return false;
}

bool gv_columns_smi_like(char *const *names, size_t n)
{
    static const char *const dotted[] = {"power.", "temperature.", "utilization.", "memory.", "clocks.",
                                         "fan.", "pcie.", "enforced.", NULL};
    for (size_t i = 0; i < n; i++) {
        if (strchr(names[i], '['))
            return true;
        for (const char *const *d = dotted; *d; d++)
            if (strncmp(names[i], *d, strlen(*d)) == 0)
                return true;
    }
    return false;
}

double gv_column_time_unit_us(const char *name)
{
    char s[128];
    normalise(name, s, sizeof s);
    size_t n = strlen(s);
    if (n >= 2 && strcmp(s + n - 2, "us") == 0)
        return 1;
    if (n >= 2 && strcmp(s + n - 2, "ms") == 0)
        return 1e3;
    if (n >= 2 && strcmp(s + n - 2, "_s") == 0)
        return 1e6;
    return 0;
}

void gv_column_unit(const char *name, char *out, size_t n)
{
    const char *open = strpbrk(name, "[(");
    const char *close = open ? strchr(open, *open == '[' ? ']' : ')') : NULL;
    size_t len = open && close ? (size_t)(close - open - 1) : 0;
    if (len >= n)
        len = n - 1;
    if (len)
        memcpy(out, open + 1, len);
    out[len] = '\0';
}
