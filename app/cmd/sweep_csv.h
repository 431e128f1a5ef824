/* CSV rows for dyad sweep's results file (RFC 4180 quoting: a field holding
 * a comma, quote or line break is quoted, quotes doubled), so net specs such
 * as "dyad-it/4:1024,dense:10" survive a round trip through any CSV reader. */
#ifndef APP_SWEEP_CSV_H
#define APP_SWEEP_CSV_H

#include <stdio.h>

#define CSV_MAX_FIELDS 48

/* Writes one field (quoted when needed), no separator. */
void csv_write_field(FILE *f, const char *value);

/* Writes nfields fields separated by commas and a final '\n'. */
void csv_write_row(FILE *f, const char *const *fields, int nfields);

/* Splits one record of text (which may span lines inside quotes) into fields
 * pointing into buf, a copy the caller frees. Returns the field count (at
 * most max), or -1 on an unterminated quote. *consumed gets the bytes of text
 * read, the record's line break included. */
int csv_parse_record(const char *text, size_t *consumed, char **buf, char **fields, int max);

#endif
