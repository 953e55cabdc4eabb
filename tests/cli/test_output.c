/*
 * test_output.c: the three output shapes of cadencectl: aligned tables,
 * JSON lines that parse back (with GLib's own reader of GVariant text as
 * a second opinion) and CSV that quotes what it must.
 */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "cli/output.h"

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
