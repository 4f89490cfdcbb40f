/* csv_tokenize: the floor for gpuviz's CSV parser: libcsv tokenizing a file on one core, with
 * callbacks that only count fields and rows (no number parsing). Built by bench/run.sh. */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>

static void on_field(void *s, size_t len, void *data)
{
    (void)s;
    (void)len;
    ((size_t *)data)[0]++;
}

static void on_row(int c, void *data)
{
    (void)c;
    ((size_t *)data)[1]++;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 1;
    struct csv_parser p;
    csv_init(&p, 0);
    size_t counts[2] = {0, 0}, n;
    static char buf[1 << 20];
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        csv_parse(&p, buf, n, on_field, on_row, counts);
    csv_fini(&p, on_field, on_row, counts);
    csv_free(&p);
    fclose(f);
    printf("%zu fields, %zu rows\n", counts[0], counts[1]);
    return 0;
}
