/*
 * output.h: the three shapes every cadencectl command prints: an aligned
 * table for people (the default), one JSON object per line (--json) and
 * RFC 4180 CSV with a header row (--csv). A command fills a cad_table and
 * writes it once; the format is the user's choice, not the command's.
 */
#ifndef CAD_CLI_OUTPUT_H
#define CAD_CLI_OUTPUT_H

#include <stdio.h>

#include <glib.h>

#include "common/util.h"

typedef enum {
	CAD_FMT_TABLE,
	CAD_FMT_JSON,
	CAD_FMT_CSV,
} cad_format;

typedef enum {
	CAD_COL_TEXT,   /* a JSON string; left-aligned */
	CAD_COL_NUMBER, /* a JSON number (text as given); right-aligned */
	CAD_COL_BOOL,   /* "true"/"false" in JSON */
} cad_col_kind;

/*
 * Longest cell written in table mode: untrusted text (a subject, a field
 * from a CRM) is cut there so one value cannot push every column off the
 * screen. The last column, which pushes nothing, is never cut (up to 4
 * times this, as every cell); JSON and CSV carry the whole value.
 */
#define CAD_TABLE_CELL_MAX 60

typedef struct cad_table cad_table;

/* cad_table_new - an empty table; free with cad_table_free. */
cad_table *cad_table_new(void);
void cad_table_free(cad_table *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_table, cad_table_free)

/* Columns come first, in output order. name is the JSON key and header. */
void cad_table_column(cad_table *t, const char *name, cad_col_kind kind);

/* cad_table_row - start a row; cells are then added left to right. */
void cad_table_row(cad_table *t);
/* Add a cell: text (NULL: empty, null in JSON), printf, integer, real. */
void cad_table_add(cad_table *t, const char *text);
void cad_table_addf(cad_table *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void cad_table_add_int(cad_table *t, gint64 v);
void cad_table_add_uint(cad_table *t, guint64 v);
/* A ratio as a number with 4 decimals (JSON/CSV) or a percentage. */
void cad_table_add_rate(cad_table *t, double v);
/* A time as ISO 8601 UTC; 0 is empty. */
void cad_table_add_time(cad_table *t, gint64 v);
void cad_table_add_bool(cad_table *t, gboolean v);

guint cad_table_n_rows(const cad_table *t);

/*
 * cad_table_format - render t into out. Table mode pads columns to their
 * widest cell (counted in characters, not bytes) and prints a header;
 * JSON writes one object per row; CSV writes the header then each row.
 * An empty table prints only the CSV header, or nothing.
 */
void cad_table_format(const cad_table *t, cad_format fmt, GString *out);
/* cad_table_print - format and write to fp. */
void cad_table_print(const cad_table *t, cad_format fmt, FILE *fp);

/* cad_json_string is in common/util.h. */
/* cad_csv_field - append s as a CSV field, quoted when it needs to be. */
void cad_csv_field(GString *out, const char *s);

#endif
