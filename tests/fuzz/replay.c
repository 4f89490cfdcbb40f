/* replay.c: a main for a fuzz target built without libFuzzer: feeds it every file of the
 * directories (or the files) named on the command line, once each, so that the plain test suite
 * (and its sanitizer and valgrind builds) replays the seed corpora, crashes found once included.
 * Exits 1 when a directory cannot be read or holds no file, else 0 (a failure inside the target
 * aborts, as it does under libFuzzer). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds the file at path to the target; false when it cannot be read. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *b = realloc(buf, cap);
            if (!b)
                abort();
            buf = b;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 1;
}

int main(int argc, char **argv)
{
    size_t files = 0;
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        if (!d) {
            if (!replay_file(argv[a])) {
                fprintf(stderr, "replay: cannot read %s\n", argv[a]);
                return 1;
            }
            files++;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            size_t need = strlen(argv[a]) + strlen(e->d_name) + 2;
            char *path = malloc(need);
            if (!path)
                abort();
            snprintf(path, need, "%s/%s", argv[a], e->d_name);
            if (!replay_file(path)) {
                fprintf(stderr, "replay: cannot read %s\n", path);
                free(path);
                closedir(d);
                return 1;
            }
            free(path);
            files++;
        }
        closedir(d);
    }
    printf("replay: %zu inputs, no failure\n", files);
    return files ? 0 : 1;
}
