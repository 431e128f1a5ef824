#include "sweep_csv.h"

#include <stdlib.h>
#include <string.h>

void csv_write_field(FILE *f, const char *value) {
    if (!value) value = "";
    if (!strpbrk(value, ",\"\r\n")) {
        fputs(value, f);
        return;
    }
    fputc('"', f);
    for (const char *p = value; *p; p++) {
        if (*p == '"') fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

void csv_write_row(FILE *f, const char *const *fields, int nfields) {
    for (int i = 0; i < nfields; i++) {
        if (i) fputc(',', f);
        csv_write_field(f, fields[i]);
    }
    fputc('\n', f);
}

int csv_parse_record(const char *text, size_t *consumed, char **buf, char **fields, int max) {
    size_t len = strlen(text);
    char *out = malloc(len + 1);
    *buf = out;
    if (!out) return -1;
    size_t i = 0, o = 0;
    int n = 0;
    fields[n++] = out;
    while (i < len) {
        char c = text[i];
        if (c == '"' && &out[o] == fields[n - 1]) { /* a quoted field */
            i++;
            for (;;) {
                if (i >= len) return -1;
                if (text[i] == '"') {
                    if (text[i + 1] == '"') {
                        out[o++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                out[o++] = text[i++];
            }
            continue;
        }
        if (c == ',') {
            out[o++] = 0;
            i++;
            if (n >= max) return -1;
            fields[n++] = &out[o];
            continue;
        }
        if (c == '\n' || c == '\r') {
            i++;
            if (c == '\r' && text[i] == '\n') i++;
            break;
        }
        out[o++] = c;
        i++;
    }
    out[o] = 0;
    *consumed = i;
    return n;
}
