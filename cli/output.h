/*
 * output.h: the three shapes every cadencectl command prints: an aligned
 * table for people (the default), one JSON object per line (--json) and
 * RFC 4180 CSV with a header row (--csv). A command fills a cad_table and
 * writes it once, or streams it (cad_table_stream) when it can hold many
 * rows; the format is the user's choice, not the command's.
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

/*
 * Rows a streamed aligned table keeps to size its columns before it
 * prints anything: more than a screen or two, few enough to hold (about
 * a megabyte for `list`) and to read from the store in
 * milliseconds. A table with fewer rows prints exactly as a kept one.
 */
#define CAD_TABLE_STREAM_ROWS 1000

typedef struct cad_table cad_table;

/* cad_table_new - an empty table; free with cad_table_free. */
cad_table *cad_table_new(void);
void cad_table_free(cad_table *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_table, cad_table_free)

/* Columns come first, before any row, in output order. name is the JSON
 * key and header. */
void cad_table_column(cad_table *t, const char *name, cad_col_kind kind);

/* cad_table_row - start a row; cells are then added left to right. */
void cad_table_row(cad_table *t);
/* Add a cell: text (NULL: empty, null in JSON), printf, integer, real. */
void cad_table_add(cad_table *t, const char *text);
void cad_table_add_int(cad_table *t, gint64 v);
void cad_table_add_uint(cad_table *t, guint64 v);
/* A ratio as a number with 4 decimals (JSON/CSV) or a percentage. */
void cad_table_add_rate(cad_table *t, double v);
/* A time as ISO 8601 UTC; 0 is empty. */
void cad_table_add_time(cad_table *t, gint64 v);
void cad_table_add_bool(cad_table *t, gboolean v);

/* Rows begun so far, written out or not. */
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

/*
 * Streaming, for commands that can print a row per enrollment (a store
 * may hold millions): memory stays bounded and the first line comes
 * early. cad_table_stream, after the columns and before the first row,
 * makes t format each row in fmt as soon as it is complete (when the
 * next row begins, or at a flush) and forget it. The formatted text is
 * written to fp only by cad_table_flush and cad_table_end, so that a
 * caller can call them with no read transaction open: a reader of the
 * output that stops (a pager, a full pipe) then blocks nothing but us.
 *
 * The bytes are those cad_table_format writes for the same rows, with
 * one exception: an aligned table is sized by its first
 * CAD_TABLE_STREAM_ROWS rows (and kept until then), and a later cell
 * wider than its column widens that column from its row on.
 */
void cad_table_stream(cad_table *t, cad_format fmt, FILE *fp);
/*
 * cad_table_flush - count the current row as complete and write every
 * row formatted so far to fp, then fflush it. A cell added after a flush
 * needs a new row. FALSE when fp has a write error (a closed pipe with
 * SIGPIPE ignored): the caller stops producing rows.
 */
gboolean cad_table_flush(cad_table *t);
/*
 * cad_table_end - finish a streamed table: the last row, the rows kept
 * to size a short aligned table, the CSV header of a table without rows;
 * then flush. Rows may not be added afterwards. FALSE on a write error.
 */
gboolean cad_table_end(cad_table *t);
gboolean cad_table_is_streaming(const cad_table *t);

/* cad_json_string is in common/util.h. */
/* cad_csv_field - append s as a CSV field, quoted when it needs to be. */
void cad_csv_field(GString *out, const char *s);

#endif
