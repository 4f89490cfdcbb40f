/* man_options: the man page's option list against the options' table (src/cli/options.c).
 *   man_options docs/gpuviz.1           exit 1 when the text between ".SH OPTIONS" and the next
 *                                       ".SH" is not what the table makes (the first difference
 *                                       is printed)
 *   man_options --write docs/gpuviz.1   rewrites that part (review it with git diff) */
#include "cli/cli.h"
#include "gpuviz/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    gv_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        gv_buf_append(&b, chunk, n);
    fclose(f);
    gv_buf_append(&b, "", 1);
    *len = b.len - 1;
    return b.data;
}

int main(int argc, char **argv)
{
    bool write = argc == 3 && strcmp(argv[1], "--write") == 0;
    if (argc != 2 + write) {
        fprintf(stderr, "usage: man_options [--write] docs/gpuviz.1\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    size_t len;
    char *page = slurp(path, &len);
    const char *head = page ? strstr(page, "\n.SH OPTIONS\n") : NULL;
    const char *tail = head ? strstr(head + 1, "\n.SH ") : NULL;
    if (!tail) {
        fprintf(stderr, "man_options: %s: no \".SH OPTIONS\" section followed by another\n", path);
        free(page);
        return 2;
    }
    head += strlen("\n.SH OPTIONS\n");
    tail += 1;
    char *made = NULL;
    size_t made_len = 0;
    FILE *mem = open_memstream(&made, &made_len);
    gv_cli_print_man_options(mem);
    fclose(mem);
    int rc = 0;
    if (write) {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(page, 1, (size_t)(head - page), f) != (size_t)(head - page) ||
            fwrite(made, 1, made_len, f) != made_len || fputs(tail, f) == EOF || fclose(f) != 0) {
            fprintf(stderr, "man_options: cannot write %s\n", path);
            rc = 2;
        }
    } else if ((size_t)(tail - head) != made_len || memcmp(head, made, made_len) != 0) {
        size_t i = 0, line = 1;
        for (const char *p = page; p < head; p++)
            line += *p == '\n';
        while (i < made_len && head + i < tail && head[i] == made[i])
            line += made[i++] == '\n';
        size_t from = i;
        while (from > 0 && made[from - 1] != '\n')
            from--;
        fprintf(stderr, "man_options: %s:%zu differs from the options' table (src/cli/options.c):\n"
                        "  the page: %.*s\n  the table: %.*s\n"
                        "run: build/man_options --write %s (then review git diff)\n",
                path, line, (int)strcspn(head + from, "\n"), head + from, (int)strcspn(made + from, "\n"),
                made + from, path);
        rc = 1;
    }
    free(made);
    free(page);
    return rc;
}
