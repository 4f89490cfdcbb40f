/* ci_report.c: JUnit XML and a Markdown summary for CI. Depends on model and util. */
#include "gpuviz/ci_report.h"

#include <math.h>
#include <string.h>

static void xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if (c < 0x20 && c != '\t' && c != '\n')
                fputc('?', f); /* (not allowed in XML 1.0) */
            else
                fputc(c, f);
        }
    }
}

static gv_status finish(FILE *f, const char *what, gv_error *err)
{
    if (ferror(f)) {
        gv_error_set(err, NULL, 0, "write error while writing the %s", what);
        return GV_ERR_OUTPUT;
    }
    return GV_OK;
}

gv_status gv_junit_write(FILE *f, const char *name, const gv_check_outcome *c, size_t n, gv_error *err)
{
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += !c[i].pass;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<testsuites tests=\"%zu\" failures=\"%zu\">\n  <testsuite name=\"gpuviz checks: ", n, failed);
    xml_text(f, name);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", n, failed);
    for (size_t i = 0; i < n; i++) {
        fputs("    <testcase classname=\"gpuviz.check\" name=\"", f);
        xml_text(f, c[i].expr);
        if (c[i].pass) {
            fputs("\">\n      <system-out>", f);
            xml_text(f, c[i].detail);
            fputs("</system-out>\n    </testcase>\n", f);
        } else {
            fputs("\">\n      <failure message=\"", f);
            xml_text(f, c[i].detail);
            fputs("\" type=\"check\">", f);
            xml_text(f, c[i].expr);
            fputs(" is false: ", f);
            xml_text(f, c[i].detail);
            fputs("</failure>\n    </testcase>\n", f);
        }
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    return finish(f, "JUnit report", err);
}

/* Text for a Markdown line or table cell: the characters that would format ('\\', '`', '*',
 * '_', '[', ']', '<', '>', '|', '~') made literal, control characters as spaces. */
static void md_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (strchr("\\`*_[]<>|~", c))
            fputc('\\', f);
        fputc(c < 0x20 ? ' ' : c, f);
    }
}

/* A code span: the text as is, a backtick in it as ' (a span cannot hold its own delimiter). */
static void md_code(FILE *f, const char *s)
{
    fputc('`', f);
    for (; s && *s; s++)
        fputc(*s == '`' ? '\'' : (unsigned char)*s < 0x20 ? ' ' : *s, f);
    fputc('`', f);
}

static void md_duration(FILE *f, double s)
{
    long t = (long)llround(s);
    fprintf(f, "%ld h %02ld min %02ld s", t / 3600, t / 60 % 60, t % 60);
}

gv_status gv_summary_md_write(FILE *f, const gv_timeline *tl, const char *title, const gv_check_outcome *c,
                              size_t n, gv_error *err)
{
    size_t failed = 0, anomalies = 0;
    for (size_t i = 0; i < n; i++)
        failed += !c[i].pass;
    for (int k = 0; k < GV_AN_KIND_COUNT; k++)
        anomalies += tl->analysis.anomaly_counts[k];
    fputs("## gpuviz: ", f);
    md_text(f, title);
    fputs("\n\n**Verdict:** ", f);
    if (n == 0)
        fputs("no checks given", f);
    else if (failed)
        fprintf(f, "\xE2\x9D\x8C %zu of %zu checks failed", failed, n);
    else if (n == 1)
        fputs("\xE2\x9C\x85 the check passed", f);
    else
        fprintf(f, "\xE2\x9C\x85 all %zu checks passed", n);
    fprintf(f, "; %zu anomal%s\n\n", anomalies, anomalies == 1 ? "y" : "ies");

    char a[40], b[40];
    gv_time_format_iso(tl->pass.t_first, a, sizeof a);
    gv_time_format_iso(tl->pass.t_last, b, sizeof b);
    double wh[GV_PHASE_COUNT], all_s, all_wh;
    gv_timeline_phase_totals(tl, wh, &all_s, &all_wh);
    fprintf(f, "| | |\n|---|---|\n| time | %s \xE2\x86\x92 %s (", a, b);
    md_duration(f, (double)(tl->pass.t_last - tl->pass.t_first) / 1e6);
    fprintf(f, ") |\n| samples | %zu (%zu skipped) |\n| GPUs | %zu |\n", tl->ingest.rows_read, tl->ingest.rows_skipped, tl->gpus_len);
    fprintf(f, "| energy | %.1f Wh |\n| training steps | %zu |\n\n", all_wh, tl->steps_len);

    fputs("| phase | time | share of time | energy (Wh) | share of energy |\n|---|---:|---:|---:|---:|\n", f);
    for (int p = 0; p < GV_PHASE_COUNT; p++) {
        if (tl->pass.phase_seconds[p] <= 0 && wh[p] <= 0)
            continue;
        fprintf(f, "| %s | ", gv_phase_name((gv_phase)p));
        md_duration(f, tl->pass.phase_seconds[p]);
        fprintf(f, " | %.1f%% | %.1f | %.1f%% |\n", all_s > 0 ? 100 * tl->pass.phase_seconds[p] / all_s : 0, wh[p],
                all_wh > 0 ? 100 * wh[p] / all_wh : 0);
    }

    if (n) {
        fputs("\n**Checks**\n\n", f);
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "- %s ", c[i].pass ? "\xE2\x9C\x85" : "\xE2\x9D\x8C");
            md_code(f, c[i].expr);
            fputs(": ", f);
            md_code(f, c[i].detail);
            fputs("\n", f);
        }
    }
    if (anomalies) {
        fputs("\n**Anomalies**\n\n", f);
        for (int k = 0; k < GV_AN_KIND_COUNT; k++)
            if (tl->analysis.anomaly_counts[k])
                fprintf(f, "- %s: %zu\n", gv_anomaly_kind_name((gv_anomaly_kind)k), tl->analysis.anomaly_counts[k]);
    }
    return finish(f, "Markdown summary", err);
}
