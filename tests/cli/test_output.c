/*
 * test_output.c: the three output shapes of cadencectl: aligned tables,
 * JSON lines that parse back (with GLib's own reader of GVariant text as
 * a second opinion) and CSV that quotes what it must; streamed tables
 * write the same bytes as kept ones.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "cli/output.h"

static guint
count_lines(const char *s)
{
	guint n = 0;

	for (; s != NULL && *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static cad_table *
sample(void)
{
	cad_table *t = cad_table_new();

	cad_table_column(t, "id", CAD_COL_NUMBER);
	cad_table_column(t, "address", CAD_COL_TEXT);
	cad_table_column(t, "rate", CAD_COL_NUMBER);
	cad_table_column(t, "note", CAD_COL_TEXT);
	cad_table_row(t);
	cad_table_add_uint(t, 7);
	cad_table_add(t, "ana@acme.example");
	cad_table_add_rate(t, 0.25);
	cad_table_add(t, "say \"hi\", then\nwait");
	cad_table_row(t);
	cad_table_add_uint(t, 12345);
	cad_table_add(t, "bj\xc3\xb6rn@fjord.example");
	cad_table_add_rate(t, NAN);
	cad_table_add(t, NULL);
	return t;
}

Test(output, table_aligns_by_characters)
{
	g_autoptr(cad_table) t = sample();
	g_autoptr(GString) out = g_string_new(NULL);

	cad_table_format(t, CAD_FMT_TABLE, out);
	/* Numbers right-aligned, text left-aligned, widths in characters
	 * (the o-umlaut is one column), controls shown as '?', empty as -. */
	cr_assert_str_eq(
	    out->str,
	    "   id  address               rate  note\n"
	    "    7  ana@acme.example     25.0%  say \"hi\", then?wait\n"
	    "12345  bj\xc3\xb6rn@fjord.example      -  -\n");
}

Test(output, json_lines_are_typed_and_escaped)
{
	g_autoptr(cad_table) t = sample();
	g_autoptr(GString) out = g_string_new(NULL);

	cad_table_format(t, CAD_FMT_JSON, out);
	cr_assert_str_eq(
	    out->str,
	    "{\"id\":7,\"address\":\"ana@acme.example\",\"rate\":0.2500,"
	    "\"note\":\"say \\\"hi\\\", then\\nwait\"}\n"
	    "{\"id\":12345,\"address\":\"bj\xc3\xb6rn@fjord.example\","
	    "\"rate\":null,\"note\":null}\n");
}

Test(output, json_string_replaces_bad_utf8_and_controls)
{
	g_autoptr(GString) out = g_string_new(NULL);

	cad_json_string(out, "a\x01"
	                     "b\xff\xfe"
	                     "c\x7f");
	cr_assert_str_eq(out->str, "\"a\\u0001b\\ufffd\\ufffdc\\u007f\"");
}

Test(output, csv_quotes_only_what_needs_it)
{
	g_autoptr(cad_table) t = sample();
	g_autoptr(GString) out = g_string_new(NULL);

	cad_table_format(t, CAD_FMT_CSV, out);
	cr_assert_str_eq(
	    out->str,
	    "id,address,rate,note\r\n"
	    "7,ana@acme.example,0.2500,\"say \"\"hi\"\", then\nwait\"\r\n"
	    "12345,bj\xc3\xb6rn@fjord.example,,\r\n");
}

Test(output, empty_table)
{
	g_autoptr(cad_table) t = cad_table_new();
	g_autoptr(GString) out = g_string_new(NULL);

	cad_table_column(t, "a", CAD_COL_TEXT);
	cad_table_format(t, CAD_FMT_TABLE, out);
	cr_assert_str_eq(out->str, "");
	cad_table_format(t, CAD_FMT_CSV, out);
	cr_assert_str_eq(out->str, "a\r\n");
}

Test(output, long_cells_are_cut_on_screen_only_but_the_last)
{
	g_autoptr(cad_table) t = cad_table_new();
	g_autoptr(GString) screen = g_string_new(NULL);
	g_autoptr(GString) json = g_string_new(NULL);
	g_autofree char *big = g_strnfill(500, 'x');

	cad_table_column(t, "v", CAD_COL_TEXT);
	cad_table_column(t, "last", CAD_COL_TEXT);
	cad_table_row(t);
	cad_table_add(t, big);
	cad_table_add(t, "end");
	cad_table_format(t, CAD_FMT_TABLE, screen);
	cad_table_format(t, CAD_FMT_JSON, json);
	/* The first column is cut to CAD_TABLE_CELL_MAX characters. */
	const char *row = strchr(screen->str, '\n') + 1;
	cr_assert_eq(strstr(row, "...  end\n") - row, CAD_TABLE_CELL_MAX - 3,
	             "%s", screen->str);
	cr_assert(strstr(json->str, big) != NULL);
}

Test(output, last_column_is_whole)
{
	g_autoptr(cad_table) t = cad_table_new();
	g_autoptr(GString) screen = g_string_new(NULL);
	g_autofree char *fix = g_strnfill(CAD_TABLE_CELL_MAX + 20, 'f');

	cad_table_column(t, "id", CAD_COL_NUMBER);
	cad_table_column(t, "fix", CAD_COL_TEXT);
	cad_table_row(t);
	cad_table_add_uint(t, 1);
	cad_table_add(t, fix);
	cad_table_format(t, CAD_FMT_TABLE, screen);
	cr_assert(strstr(screen->str, fix) != NULL);
}

/* ---- streaming: the same bytes as the kept table ---- */

/*
 * Row i of a sample with every kind of cell. Row 0 holds the widest
 * value of each column, so an aligned table sized by its first rows has
 * the widths of the whole table.
 */
static void
stream_sample_row(cad_table *t, guint i)
{
	static const char *const words[] = {"ana@acme.example",
	                                    "bj\xc3\xb6rn@fjord.example",
	                                    "x",
	                                    "say \"hi\", then\nwait",
	                                    " padded ",
	                                    "a,b",
	                                    "",
	                                    NULL};
	g_autofree char *wide = g_strnfill(CAD_TABLE_CELL_MAX + 15, 'w');

	cad_table_row(t);
	cad_table_add_uint(t, i == 0 ? G_MAXUINT64 : i);
	cad_table_add(t, i == 0 ? wide : words[i % G_N_ELEMENTS(words)]);
	cad_table_add_rate(t, i % 5 == 0 ? NAN : (double)(i % 100) / 100);
	cad_table_add_bool(t, i % 2);
	cad_table_add_time(t, i % 3 == 0 ? 0 : 1800000000 + (gint64)i);
	if (i % 11 != 0) /* a short row: the last cell missing */
		cad_table_add(t, words[(i * 7) % G_N_ELEMENTS(words)]);
}

static void
stream_sample_columns(cad_table *t)
{
	cad_table_column(t, "id", CAD_COL_NUMBER);
	cad_table_column(t, "address", CAD_COL_TEXT);
	cad_table_column(t, "rate", CAD_COL_NUMBER);
	cad_table_column(t, "ok", CAD_COL_BOOL);
	cad_table_column(t, "when", CAD_COL_TEXT);
	cad_table_column(t, "note", CAD_COL_TEXT);
}

/* The n-row sample streamed in fmt, flushed every `every` rows. */
static char *
streamed(guint n, cad_format fmt, guint every)
{
	g_autoptr(cad_table) t = cad_table_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	stream_sample_columns(t);
	cad_table_stream(t, fmt, fp);
	for (guint i = 0; i < n; i++) {
		stream_sample_row(t, i);
		if (every != 0 && i % every == every - 1)
			cr_assert(cad_table_flush(t));
	}
	cr_assert(cad_table_end(t));
	cr_assert_eq(cad_table_n_rows(t), n);
	fclose(fp);
	return buf;
}

static char *
kept(guint n, cad_format fmt)
{
	g_autoptr(cad_table) t = cad_table_new();
	GString *out = g_string_new(NULL);

	stream_sample_columns(t);
	for (guint i = 0; i < n; i++)
		stream_sample_row(t, i);
	cad_table_format(t, fmt, out);
	return g_string_free(out, FALSE);
}

Test(output, streamed_is_byte_for_byte_the_kept_table)
{
	const guint counts[] = {0,
	                        1,
	                        2,
	                        11,
	                        CAD_TABLE_STREAM_ROWS - 1,
	                        CAD_TABLE_STREAM_ROWS,
	                        CAD_TABLE_STREAM_ROWS + 1,
	                        CAD_TABLE_STREAM_ROWS * 5 / 2};
	const cad_format fmts[] = {CAD_FMT_JSON, CAD_FMT_CSV, CAD_FMT_TABLE};
	const guint flushes[] = {0, 1, 7, 4096};

	for (gsize c = 0; c < G_N_ELEMENTS(counts); c++)
		for (gsize f = 0; f < G_N_ELEMENTS(fmts); f++) {
			g_autofree char *want = kept(counts[c], fmts[f]);

			for (gsize e = 0; e < G_N_ELEMENTS(flushes); e++) {
				g_autofree char *got =
				    streamed(counts[c], fmts[f], flushes[e]);
				cr_assert_str_eq(got, want,
				                 "%u rows, format %d, flush "
				                 "every %u",
				                 counts[c], fmts[f],
				                 flushes[e]);
			}
		}
}

Test(output, streamed_rows_are_written_only_at_a_flush)
{
	g_autoptr(cad_table) t = cad_table_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	stream_sample_columns(t);
	cad_table_stream(t, CAD_FMT_JSON, fp);
	stream_sample_row(t, 1);
	stream_sample_row(t, 2);
	fflush(fp);
	cr_assert_eq(len, 0, "written before a flush: %s", buf);
	/* The flush counts the current row as complete. */
	cr_assert(cad_table_flush(t));
	cr_assert_eq(count_lines(buf), 2, "%s", buf);
	stream_sample_row(t, 3);
	cr_assert(cad_table_end(t));
	cr_assert_eq(count_lines(buf), 3, "%s", buf);
	fclose(fp);
	free(buf);
}

Test(output, streamed_aligned_table_is_sized_by_its_first_rows)
{
	g_autoptr(cad_table) t = cad_table_new();
	g_autofree char *wide = g_strnfill(CAD_TABLE_CELL_MAX + 10, 'w');
	g_autofree char *head = g_strnfill(CAD_TABLE_CELL_MAX - 3, 'w');
	g_autofree char *cut = g_strconcat(head, "...", NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	g_auto(GStrv) lines = NULL;
	guint n = CAD_TABLE_STREAM_ROWS;

	cad_table_column(t, "v", CAD_COL_TEXT);
	cad_table_column(t, "n", CAD_COL_NUMBER);
	cad_table_column(t, "last", CAD_COL_TEXT);
	cad_table_stream(t, CAD_FMT_TABLE, fp);
	for (guint i = 0; i < n; i++) {
		cad_table_row(t);
		cad_table_add(t, "ab");
		cad_table_add_uint(t, 1);
		cad_table_add(t, "z");
	}
	/* Nothing until the columns can be sized; then header and rows. */
	fflush(fp);
	cr_assert_eq(len, 0);
	cad_table_row(t);
	cad_table_add(t, wide);
	cad_table_add_uint(t, 12345);
	cad_table_add(t, "z");
	cr_assert(cad_table_flush(t));
	cad_table_row(t);
	cad_table_add(t, "ab");
	cad_table_add_uint(t, 1);
	cad_table_add(t, "z");
	cr_assert(cad_table_end(t));
	fclose(fp);
	lines = g_strsplit(buf, "\n", -1);
	cr_assert_eq(g_strv_length(lines), n + 4);
	cr_assert_str_eq(lines[0], "v   n  last");
	cr_assert_str_eq(lines[1], "ab  1  z");
	cr_assert_str_eq(lines[n], "ab  1  z");
	/* A wider cell is cut as always, never to the first rows' width,
	 * and widens its column from its row on. */
	g_autofree char *w1 = g_strdup_printf("%s  12345  z", cut);
	g_autofree char *w2 =
	    g_strdup_printf("ab%*s      1  z", CAD_TABLE_CELL_MAX - 2, "");
	cr_assert_str_eq(lines[n + 1], w1);
	cr_assert_str_eq(lines[n + 2], w2);
	cr_assert_str_eq(lines[n + 3], "");
	free(buf);
}

Test(output, streamed_write_error_is_reported)
{
	g_autoptr(cad_table) t = cad_table_new();
	FILE *fp = fopen("/dev/full", "w");

	cr_assert_not_null(fp);
	cad_table_column(t, "a", CAD_COL_TEXT);
	cad_table_stream(t, CAD_FMT_CSV, fp);
	cad_table_row(t);
	cad_table_add(t, "x");
	cr_assert_not(cad_table_flush(t));
	cr_assert_not(cad_table_end(t));
	fclose(fp);
}
