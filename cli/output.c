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
	GPtrArray *rows; /* GArray of table_cell */
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
	g_free(t);
}

void
cad_table_column(cad_table *t, const char *name, cad_col_kind kind)
{
	table_col c = {g_strdup(name), kind};

	g_array_append_val(t->cols, c);
}

void
cad_table_row(cad_table *t)
{
	GArray *row = g_array_new(FALSE, TRUE, sizeof(table_cell));

	g_array_set_clear_func(row, cell_clear);
	g_ptr_array_add(t->rows, row);
}

static void
add_cell(cad_table *t, char *raw, char *human)
{
	table_cell c = {raw, human};
	GArray *row;

	g_return_if_fail(t->rows->len > 0);
	row = g_ptr_array_index(t->rows, t->rows->len - 1);
	if (row->len >= t->cols->len) {
		g_warning("cad_table: more cells than columns");
		g_free(raw);
		g_free(human);
		return;
	}
	g_array_append_val(row, c);
}

void
cad_table_add(cad_table *t, const char *text)
{
	add_cell(t, g_strdup(text), NULL);
}

void
cad_table_addf(cad_table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_cell(t, g_strdup_vprintf(fmt, ap), NULL);
	va_end(ap);
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
	return t->rows->len;
}

static const table_cell *
cell_at(const cad_table *t, guint r, guint c)
{
	GArray *row = g_ptr_array_index(t->rows, r);

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

static void
format_json(const cad_table *t, GString *out)
{
	for (guint r = 0; r < t->rows->len; r++) {
		g_string_append_c(out, '{');
		for (guint c = 0; c < t->cols->len; c++) {
			const table_col *col =
			    &g_array_index(t->cols, table_col, c);
			const table_cell *cell = cell_at(t, r, c);

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
}

static void
format_csv(const cad_table *t, GString *out)
{
	for (guint c = 0; c < t->cols->len; c++) {
		if (c > 0)
			g_string_append_c(out, ',');
		cad_csv_field(out, g_array_index(t->cols, table_col, c).name);
	}
	g_string_append(out, "\r\n");
	for (guint r = 0; r < t->rows->len; r++) {
		for (guint c = 0; c < t->cols->len; c++) {
			const table_cell *cell = cell_at(t, r, c);

			if (c > 0)
				g_string_append_c(out, ',');
			if (cell != NULL)
				cad_csv_field(out, cell->raw);
		}
		g_string_append(out, "\r\n");
	}
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

static void
format_table(const cad_table *t, GString *out)
{
	guint nc = t->cols->len, nr = t->rows->len;
	g_autofree gsize *width = g_new0(gsize, nc);
	g_autoptr(GPtrArray) text = g_ptr_array_new_with_free_func(g_free);

	for (guint c = 0; c < nc; c++)
		width[c] = g_utf8_strlen(
		    g_array_index(t->cols, table_col, c).name, -1);
	for (guint r = 0; r < nr; r++)
		for (guint c = 0; c < nc; c++) {
			/* The last column runs to the end of the line: whole.
			 */
			char *s = human_text(cell_at(t, r, c));
			if (c + 1 < nc)
				s = clip(s);
			width[c] = MAX(width[c], (gsize)g_utf8_strlen(s, -1));
			g_ptr_array_add(text, s);
		}
	for (guint r = 0; r <= nr; r++) {
		GString *line = g_string_new(NULL);

		for (guint c = 0; c < nc; c++) {
			const table_col *col =
			    &g_array_index(t->cols, table_col, c);
			const char *s =
			    r == 0 ? col->name
			           : g_ptr_array_index(text, (r - 1) * nc + c);
			if (c > 0)
				g_string_append(line, "  ");
			pad(line, s,
			    c + 1 == nc && col->kind == CAD_COL_TEXT ? 0
			                                             : width[c],
			    col->kind != CAD_COL_TEXT);
		}
		while (line->len > 0 && line->str[line->len - 1] == ' ')
			g_string_truncate(line, line->len - 1);
		g_string_append_c(line, '\n');
		g_string_append(out, line->str);
		g_string_free(line, TRUE);
	}
}

void
cad_table_format(const cad_table *t, cad_format fmt, GString *out)
{
	switch (fmt) {
	case CAD_FMT_JSON:
		format_json(t, out);
		break;
	case CAD_FMT_CSV:
		format_csv(t, out);
		break;
	case CAD_FMT_TABLE:
		if (t->rows->len > 0)
			format_table(t, out);
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
