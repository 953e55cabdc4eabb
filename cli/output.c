/*
 * output.c: table, JSON-lines and CSV rendering of a cad_table. Cells are
 * kept as text; a cell may carry a second, human form (a rate is 0.2500
 * for scripts and 25.0% on screen).
 */
#include "cli/output.h"

#include <stdarg.h>
#include <string.h>

#include "common/util.h"

typedef struct {
	char *name;
	cad_col_kind kind;
} table_col;

typedef struct {
	char *raw;   /* NULL: empty / null */
	char *human; /* NULL: same as raw */
} table_cell;

struct cad_table {
	GArray *cols;    /* table_col */
	GPtrArray *rows; /* GArray of table_cell: every row; streaming, the
	                    rows kept to size the columns */
	GArray *cur;     /* the row cells go to; NULL once written */
	guint n_rows;    /* rows begun, written or not */
	/* Streaming (cad_table_stream): fp is NULL when every row is kept. */
	FILE *fp;
	cad_format fmt;
	GString *pending;     /* rows formatted and not yet written */
	gsize *width;         /* aligned table: widths, once sized */
	gboolean header_done; /* CSV: the header is in pending */
	gboolean ended;
};

static void
cell_clear(gpointer p)
{
	table_cell *c = p;

	g_free(c->raw);
	g_free(c->human);
}

static void
row_free(gpointer p)
{
	g_array_unref(p);
}

static void
col_clear(gpointer p)
{
	g_free(((table_col *)p)->name);
}

cad_table *
cad_table_new(void)
{
	cad_table *t = g_new0(cad_table, 1);

	t->cols = g_array_new(FALSE, TRUE, sizeof(table_col));
	g_array_set_clear_func(t->cols, col_clear);
	t->rows = g_ptr_array_new_with_free_func(row_free);
	return t;
}

void
cad_table_free(cad_table *t)
{
	if (t == NULL)
		return;
	g_array_unref(t->cols);
	g_ptr_array_unref(t->rows);
	if (t->fp != NULL && t->cur != NULL)
		g_array_unref(t->cur);
	if (t->pending != NULL)
		g_string_free(t->pending, TRUE);
	g_free(t->width);
	g_free(t);
}

void
cad_table_column(cad_table *t, const char *name, cad_col_kind kind)
{
	table_col c = {g_strdup(name), kind};

	g_return_if_fail(t->n_rows == 0);
	g_array_append_val(t->cols, c);
}

static void row_complete(cad_table *t);

void
cad_table_row(cad_table *t)
{
	GArray *row;

	g_return_if_fail(!t->ended);
	row = g_array_new(FALSE, TRUE, sizeof(table_cell));
	g_array_set_clear_func(row, cell_clear);
	if (t->fp == NULL)
		g_ptr_array_add(t->rows, row);
	else if (t->cur != NULL)
		row_complete(t);
	t->cur = row;
	t->n_rows++;
}

static void
add_cell(cad_table *t, char *raw, char *human)
{
	table_cell c = {raw, human};

	if (t->cur == NULL) {
		/* No row begun, or the row was written by cad_table_flush. */
		g_critical("cad_table: a cell outside a row");
		g_free(raw);
		g_free(human);
		return;
	}
	if (t->cur->len >= t->cols->len) {
		g_warning("cad_table: more cells than columns");
		g_free(raw);
		g_free(human);
		return;
	}
	g_array_append_val(t->cur, c);
}

void
cad_table_add(cad_table *t, const char *text)
{
	add_cell(t, g_strdup(text), NULL);
}

void
cad_table_add_int(cad_table *t, gint64 v)
{
	add_cell(t, g_strdup_printf("%" G_GINT64_FORMAT, v), NULL);
}

void
cad_table_add_uint(cad_table *t, guint64 v)
{
	add_cell(t, g_strdup_printf("%" G_GUINT64_FORMAT, v), NULL);
}

void
cad_table_add_rate(cad_table *t, double v)
{
	char raw[G_ASCII_DTOSTR_BUF_SIZE], human[G_ASCII_DTOSTR_BUF_SIZE];

	if (v != v) { /* NaN: no denominator */
		add_cell(t, NULL, g_strdup("-"));
		return;
	}
	g_ascii_formatd(raw, sizeof(raw), "%.4f", v);
	g_ascii_formatd(human, sizeof(human), "%.1f", v * 100.0);
	add_cell(t, g_strdup(raw), g_strconcat(human, "%", NULL));
}

void
cad_table_add_time(cad_table *t, gint64 v)
{
	add_cell(t, v != 0 ? cad_format_time(v) : NULL, NULL);
}

void
cad_table_add_bool(cad_table *t, gboolean v)
{
	add_cell(t, g_strdup(v ? "true" : "false"), g_strdup(v ? "yes" : "no"));
}

guint
cad_table_n_rows(const cad_table *t)
{
	return t->n_rows;
}

static const table_cell *
cell_at(GArray *row, guint c)
{
	return c < row->len ? &g_array_index(row, table_cell, c) : NULL;
}

void
cad_csv_field(GString *out, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' &&
	    (s[0] == '\0' || s[strlen(s) - 1] != ' ')) {
		g_string_append(out, s);
		return;
	}
	g_string_append_c(out, '"');
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

/*
 * One row at a time for each format: the buffered path loops over these,
 * the streaming path calls them as rows complete, so both write the same
 * bytes.
 */
static void
json_row(const cad_table *t, GArray *row, GString *out)
{
	g_string_append_c(out, '{');
	for (guint c = 0; c < t->cols->len; c++) {
		const table_col *col = &g_array_index(t->cols, table_col, c);
		const table_cell *cell = cell_at(row, c);

		if (c > 0)
			g_string_append_c(out, ',');
		cad_json_string(out, col->name);
		g_string_append_c(out, ':');
		if (cell == NULL || cell->raw == NULL)
			g_string_append(out, "null");
		else if (col->kind == CAD_COL_TEXT)
			cad_json_string(out, cell->raw);
		else
			g_string_append(out, cell->raw);
	}
	g_string_append(out, "}\n");
}

static void
csv_header(const cad_table *t, GString *out)
{
	for (guint c = 0; c < t->cols->len; c++) {
		if (c > 0)
			g_string_append_c(out, ',');
		cad_csv_field(out, g_array_index(t->cols, table_col, c).name);
	}
	g_string_append(out, "\r\n");
}

static void
csv_row(const cad_table *t, GArray *row, GString *out)
{
	for (guint c = 0; c < t->cols->len; c++) {
		const table_cell *cell = cell_at(row, c);

		if (c > 0)
			g_string_append_c(out, ',');
		if (cell != NULL)
			cad_csv_field(out, cell->raw);
	}
	g_string_append(out, "\r\n");
}

/* The text shown on screen for a cell: printable, bounded, never empty. */
static char *
human_text(const table_cell *cell)
{
	const char *s;

	if (cell == NULL)
		return g_strdup("-");
	s = cell->human != NULL ? cell->human : cell->raw;
	if (s == NULL || *s == '\0')
		return g_strdup("-");
	return cad_printable(s, -1, CAD_TABLE_CELL_MAX * 4);
}

static char *
clip(char *s)
{
	if (g_utf8_strlen(s, -1) <= CAD_TABLE_CELL_MAX)
		return s;
	char *cut = g_utf8_offset_to_pointer(s, CAD_TABLE_CELL_MAX - 3);
	g_autofree char *head = g_strndup(s, cut - s);
	g_free(s);
	return g_strconcat(head, "...", NULL);
}

static void
pad(GString *out, const char *s, gsize width, gboolean right)
{
	gsize n = (gsize)g_utf8_strlen(s, -1);

	if (right)
		for (gsize i = n; i < width; i++)
			g_string_append_c(out, ' ');
	g_string_append(out, s);
	if (!right)
		for (gsize i = n; i < width; i++)
			g_string_append_c(out, ' ');
}

/*
 * The screen text of each cell of row, appended to text, widening width
 * to fit it. The last column runs to the end of the line: whole.
 */
static void
table_cells(const cad_table *t, GArray *row, gsize *width, GPtrArray *text)
{
	guint nc = t->cols->len;

	for (guint c = 0; c < nc; c++) {
		char *s = human_text(cell_at(row, c));

		if (c + 1 < nc)
			s = clip(s);
		width[c] = MAX(width[c], (gsize)g_utf8_strlen(s, -1));
		g_ptr_array_add(text, s);
	}
}

/* One line of an aligned table: cells[0..ncols) padded to width. */
static void
table_line(const cad_table *t, char *const *cells, const gsize *width,
           GString *out)
{
	guint nc = t->cols->len;
	GString *line = g_string_new(NULL);

	for (guint c = 0; c < nc; c++) {
		const table_col *col = &g_array_index(t->cols, table_col, c);

		if (c > 0)
			g_string_append(line, "  ");
		pad(line, cells[c],
		    c + 1 == nc && col->kind == CAD_COL_TEXT ? 0 : width[c],
		    col->kind != CAD_COL_TEXT);
	}
	while (line->len > 0 && line->str[line->len - 1] == ' ')
		g_string_truncate(line, line->len - 1);
	g_string_append_c(line, '\n');
	g_string_append(out, line->str);
	g_string_free(line, TRUE);
}

/* The header's widths; the caller frees. */
static gsize *
header_widths(const cad_table *t)
{
	gsize *width = g_new0(gsize, t->cols->len);

	for (guint c = 0; c < t->cols->len; c++)
		width[c] = g_utf8_strlen(
		    g_array_index(t->cols, table_col, c).name, -1);
	return width;
}

static void
header_line(const cad_table *t, const gsize *width, GString *out)
{
	g_autofree char **names = g_new0(char *, t->cols->len + 1);

	for (guint c = 0; c < t->cols->len; c++)
		names[c] = g_array_index(t->cols, table_col, c).name;
	table_line(t, names, width, out);
}

/*
 * The header and rows, each column as wide as its widest cell. Returns
 * the widths (the caller frees), for rows that follow when streaming.
 */
static gsize *
format_table(const cad_table *t, GPtrArray *rows, GString *out)
{
	guint nc = t->cols->len;
	gsize *width = header_widths(t);
	g_autoptr(GPtrArray) text = g_ptr_array_new_with_free_func(g_free);

	for (guint r = 0; r < rows->len; r++)
		table_cells(t, g_ptr_array_index(rows, r), width, text);
	header_line(t, width, out);
	for (guint r = 0; r < rows->len; r++)
		table_line(t, (char **)text->pdata + r * nc, width, out);
	return width;
}

void
cad_table_format(const cad_table *t, cad_format fmt, GString *out)
{
	g_return_if_fail(t->fp == NULL);
	switch (fmt) {
	case CAD_FMT_JSON:
		for (guint r = 0; r < t->rows->len; r++)
			json_row(t, g_ptr_array_index(t->rows, r), out);
		break;
	case CAD_FMT_CSV:
		csv_header(t, out);
		for (guint r = 0; r < t->rows->len; r++)
			csv_row(t, g_ptr_array_index(t->rows, r), out);
		break;
	case CAD_FMT_TABLE:
		if (t->rows->len > 0)
			g_free(format_table(t, t->rows, out));
		break;
	}
}

void
cad_table_print(const cad_table *t, cad_format fmt, FILE *fp)
{
	g_autoptr(GString) out = g_string_new(NULL);

	cad_table_format(t, fmt, out);
	fwrite(out->str, 1, out->len, fp);
}

/* ---- streaming ---- */

void
cad_table_stream(cad_table *t, cad_format fmt, FILE *fp)
{
	g_return_if_fail(t->fp == NULL && t->n_rows == 0 && fp != NULL);
	t->fp = fp;
	t->fmt = fmt;
	t->pending = g_string_new(NULL);
}

/*
 * A row after the columns were sized: the same widths, but a wider cell
 * (a cell is cut at CAD_TABLE_CELL_MAX, as always) widens its column from
 * this row on. Nothing is cut to fit the first rows' widths.
 */
static void
table_row_sized(cad_table *t, GArray *row)
{
	g_autoptr(GPtrArray) text = g_ptr_array_new_with_free_func(g_free);

	table_cells(t, row, t->width, text);
	table_line(t, (char **)text->pdata, t->width, t->pending);
}

/* The current row is complete: format it into pending, or keep it. */
static void
row_complete(cad_table *t)
{
	GArray *row = g_steal_pointer(&t->cur);

	switch (t->fmt) {
	case CAD_FMT_JSON:
		json_row(t, row, t->pending);
		break;
	case CAD_FMT_CSV:
		if (!t->header_done)
			csv_header(t, t->pending);
		t->header_done = TRUE;
		csv_row(t, row, t->pending);
		break;
	case CAD_FMT_TABLE:
		if (t->width == NULL) {
			/* Kept until there are enough to size the columns. */
			g_ptr_array_add(t->rows, row);
			if (t->rows->len >= CAD_TABLE_STREAM_ROWS) {
				t->width = format_table(t, t->rows, t->pending);
				g_ptr_array_set_size(t->rows, 0);
			}
			return;
		}
		table_row_sized(t, row);
		break;
	}
	g_array_unref(row);
}

gboolean
cad_table_flush(cad_table *t)
{
	g_return_val_if_fail(t->fp != NULL, FALSE);
	if (t->cur != NULL)
		row_complete(t);
	if (t->pending->len > 0) {
		fwrite(t->pending->str, 1, t->pending->len, t->fp);
		g_string_truncate(t->pending, 0);
		fflush(t->fp);
	}
	return ferror(t->fp) == 0;
}

gboolean
cad_table_end(cad_table *t)
{
	g_return_val_if_fail(t->fp != NULL, FALSE);
	if (t->ended)
		return ferror(t->fp) == 0;
	if (t->cur != NULL)
		row_complete(t);
	if (t->fmt == CAD_FMT_CSV && !t->header_done)
		csv_header(t, t->pending);
	t->header_done = TRUE;
	/* Fewer rows than it takes to size the columns: as if kept. */
	if (t->fmt == CAD_FMT_TABLE && t->width == NULL && t->rows->len > 0)
		t->width = format_table(t, t->rows, t->pending);
	g_ptr_array_set_size(t->rows, 0);
	t->ended = TRUE;
	return cad_table_flush(t);
}

gboolean
cad_table_is_streaming(const cad_table *t)
{
	return t->fp != NULL;
}
