/*
 * csv.h: a bounded reader for CSV exports from CRMs (RFC 4180 and what
 * Excel and Salesforce actually write): a header row, quoted fields with
 * commas, doubled quotes and line breaks inside, CRLF/LF/CR line ends,
 * UTF-8 with or without a byte-order mark.
 *
 * The reader never gives up on a whole file because of one row: a record
 * that breaks a limit or is not UTF-8 is skipped to its end and reported
 * with the line it started on, and reading goes on with the next record.
 */
#ifndef CAD_CLI_CSV_H
#define CAD_CLI_CSV_H

#include <stdio.h>

#include <glib.h>

/* Longest field: far above any real name or note, small enough to hold. */
#define CAD_CSV_FIELD_MAX  (16 * 1024)
/* Most fields in a record: CRM exports run to a few hundred columns. */
#define CAD_CSV_FIELDS_MAX 512
/* Longest record (all fields): bounds memory per row. */
#define CAD_CSV_RECORD_MAX (256 * 1024)

#define CAD_CSV_ERROR (cad_csv_error_quark())
GQuark cad_csv_error_quark(void);

typedef enum {
	CAD_CSV_ERROR_ROW,   /* this record is bad; the next may be read */
	CAD_CSV_ERROR_FATAL, /* reading cannot go on (I/O, open quote at EOF) */
} cad_csv_error_code;

typedef struct cad_csv cad_csv;

/*
 * cad_csv_open - read path ("-" is stdin). delim is ',' or ';' (0:
 * guess from the first line: ';' when it has semicolons and no commas,
 * as European Excel writes). NULL and a FATAL error when unreadable.
 */
cad_csv *cad_csv_open(const char *path, char delim, GError **error);
/* cad_csv_new_fp - read fp (not closed by cad_csv_free). */
cad_csv *cad_csv_new_fp(FILE *fp, char delim);
void cad_csv_free(cad_csv *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_csv, cad_csv_free)

/*
 * cad_csv_next - the next record as a NULL-terminated vector of fields
 * (g_strfreev), and the line it starts on (1-based, counting line breaks
 * inside quotes). The BOM is removed from the first field of the file.
 * Blank lines are skipped. Returns NULL at the end (error unset), or NULL
 * with a ROW error naming what was wrong (the caller may call again) or a
 * FATAL one; either message starts "line N: " and *line is N.
 */
char **cad_csv_next(cad_csv *r, guint *line, GError **error);

/* Bytes read so far and the file size (0 when unknown), for progress. */
guint64 cad_csv_offset(const cad_csv *r);
guint64 cad_csv_size(const cad_csv *r);

#endif
