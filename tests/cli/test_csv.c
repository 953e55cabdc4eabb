/*
 * test_csv.c: the CSV reader on what CRM exports really contain: a BOM,
 * CRLF, quoted commas and line breaks, doubled quotes, blank lines,
 * Latin-1 bytes, semicolons, a quote never closed, oversized fields.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "cli/csv.h"

static char *
data_path(const char *name)
{
	return g_build_filename(CAD_SOURCE_DIR, "tests", "data", "cli", name,
	                        NULL);
}

static cad_csv *
from_string(const char *s, FILE **fp)
{
	*fp = fmemopen((void *)s, strlen(s), "r");
	cr_assert_not_null(*fp);
	return cad_csv_new_fp(*fp, 0);
}

Test(csv, crm_export_fields_and_lines)
{
	g_autofree char *path = data_path("crm_export.csv");
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_csv) r = cad_csv_open(path, 0, &err);
	char **f;
	guint line = 0;

	cr_assert_not_null(r, "%s", err ? err->message : "");
	f = cad_csv_next(r, &line, &err);
	cr_assert_not_null(f);
	cr_assert_eq(line, 1);
	cr_assert_str_eq(f[0], "email", "BOM must be stripped");
	cr_assert_eq(g_strv_length(f), 8);
	g_strfreev(f);

	f = cad_csv_next(r, &line, &err);
	cr_assert_eq(line, 2);
	cr_assert_str_eq(f[3], "Acme, Inc.");
	cr_assert_str_eq(f[7], "Met at \"Expo\" 2026");
	g_strfreev(f);

	f = cad_csv_next(r, &line, &err);
	cr_assert_eq(line, 3);
	cr_assert_str_eq(f[1], "Bj\xc3\xb6rn");
	cr_assert_str_eq(f[7], "line one\nline two");
	g_strfreev(f);

	/* The blank line 5 is skipped; the next record starts on line 6. */
	f = cad_csv_next(r, &line, &err);
	cr_assert_eq(line, 6);
	cr_assert_str_eq(f[0], "not-an-address");
	g_strfreev(f);

	f = cad_csv_next(r, &line, &err); /* line 7 */
	cr_assert_str_eq(f[0], "");
	g_strfreev(f);
	f = cad_csv_next(r, &line, &err); /* line 8 */
	g_strfreev(f);
	f = cad_csv_next(r, &line, &err); /* line 9 */
	cr_assert_eq(line, 9);
	g_strfreev(f);

	/* Line 10 is Latin-1: reported by line, and reading goes on. */
	f = cad_csv_next(r, &line, &err);
	cr_assert_null(f);
	cr_assert_not_null(err);
	cr_assert(g_error_matches(err, CAD_CSV_ERROR, CAD_CSV_ERROR_ROW));
	cr_assert(g_str_has_prefix(err->message, "line 10: field 2 is not "
	                                         "UTF-8"),
	          "%s", err->message);
	g_clear_error(&err);

	guint n = 0;
	while ((f = cad_csv_next(r, &line, &err)) != NULL) {
		n++;
		g_strfreev(f);
	}
	cr_assert_null(err);
	cr_assert_eq(n, 3);
	cr_assert_eq(line, 13);
	cr_assert_eq(cad_csv_offset(r), cad_csv_size(r));
}

Test(csv, semicolons_are_guessed)
{
	g_autofree char *path = data_path("semicolon.csv");
	g_autoptr(cad_csv) r = cad_csv_open(path, 0, NULL);
	guint line;
	g_auto(GStrv) h = cad_csv_next(r, &line, NULL);
	g_auto(GStrv) a = cad_csv_next(r, &line, NULL);

	cr_assert_eq(g_strv_length(h), 3);
	cr_assert_str_eq(a[2], "Semi; Colon");
}

Test(csv, open_quote_is_fatal_with_its_line)
{
	g_autofree char *path = data_path("open_quote.csv");
	g_autoptr(cad_csv) r = cad_csv_open(path, 0, NULL);
	g_autoptr(GError) err = NULL;
	guint line;
	g_auto(GStrv) h = cad_csv_next(r, &line, &err);
	char **f = cad_csv_next(r, &line, &err);

	cr_assert_null(f);
	cr_assert(g_error_matches(err, CAD_CSV_ERROR, CAD_CSV_ERROR_FATAL));
	cr_assert_str_eq(err->message, "line 2: a quoted field is never "
	                               "closed");
}

Test(csv, line_endings_cr_lf_crlf_and_no_final_newline)
{
	FILE *fp;
	g_autoptr(cad_csv) r = from_string("a,b\rc,d\ne,\"f\"\r\ng,h", &fp);
	guint line;
	const char *want[] = {"a", "c", "e", "g"};

	for (int i = 0; i < 4; i++) {
		g_auto(GStrv) f = cad_csv_next(r, &line, NULL);
		cr_assert_not_null(f);
		cr_assert_eq(line, (guint)i + 1);
		cr_assert_str_eq(f[0], want[i]);
		cr_assert_eq(g_strv_length(f), 2);
	}
	cr_assert_null(cad_csv_next(r, &line, NULL));
	fclose(fp);
}

Test(csv, quoted_header_after_bom_and_empty_fields)
{
	FILE *fp;
	g_autoptr(cad_csv) r = from_string("\xef\xbb\xbf\"email\",\"x\"\n"
	                                   ",,\n\"\",\"\"\"\"\n",
	                                   &fp);
	guint line;
	g_auto(GStrv) h = cad_csv_next(r, &line, NULL);
	g_auto(GStrv) a = cad_csv_next(r, &line, NULL);
	g_auto(GStrv) b = cad_csv_next(r, &line, NULL);

	cr_assert_str_eq(h[0], "email");
	cr_assert_eq(g_strv_length(a), 3);
	cr_assert_str_eq(b[0], "");
	cr_assert_str_eq(b[1], "\"");
	fclose(fp);
}

Test(csv, stray_quote_in_bare_field_is_kept)
{
	FILE *fp;
	g_autoptr(cad_csv) r = from_string("O\"Brien,5'11\"\n", &fp);
	guint line;
	g_auto(GStrv) f = cad_csv_next(r, &line, NULL);

	cr_assert_str_eq(f[0], "O\"Brien");
	cr_assert_str_eq(f[1], "5'11\"");
	fclose(fp);
}

Test(csv, oversized_field_skips_only_that_record)
{
	GString *s = g_string_new("email,notes\n");
	FILE *fp;
	guint line;
	g_autoptr(GError) err = NULL;

	g_string_append(s, "big@x.example,\"");
	for (int i = 0; i < CAD_CSV_FIELD_MAX + 10; i++)
		g_string_append_c(s, i % 100 == 0 ? '\n' : 'y');
	g_string_append(s, "\"\nsmall@x.example,ok\n");
	g_autoptr(cad_csv) r = from_string(s->str, &fp);
	g_auto(GStrv) h = cad_csv_next(r, &line, NULL);

	cr_assert_null(cad_csv_next(r, &line, &err));
	cr_assert(g_error_matches(err, CAD_CSV_ERROR, CAD_CSV_ERROR_ROW));
	cr_assert(strstr(err->message, "line 2: a field longer than") != NULL,
	          "%s", err->message);
	g_auto(GStrv) f = cad_csv_next(r, &line, NULL);
	cr_assert_not_null(f);
	cr_assert_str_eq(f[0], "small@x.example");
	/* Line 2, the line breaks inside the big field, and its own end. */
	cr_assert_eq(line, 3 + (CAD_CSV_FIELD_MAX + 10 + 99) / 100);
	fclose(fp);
	g_string_free(s, TRUE);
}

Test(csv, too_many_fields)
{
	GString *s = g_string_new("a\n");
	FILE *fp;
	guint line;
	g_autoptr(GError) err = NULL;

	for (int i = 0; i < CAD_CSV_FIELDS_MAX + 1; i++)
		g_string_append(s, "x,");
	g_string_append(s, "\nlast\n");
	g_autoptr(cad_csv) r = from_string(s->str, &fp);
	g_auto(GStrv) h = cad_csv_next(r, &line, NULL);

	cr_assert_null(cad_csv_next(r, &line, &err));
	cr_assert(strstr(err->message, "line 2: more than 512 fields") != NULL);
	g_auto(GStrv) f = cad_csv_next(r, &line, NULL);
	cr_assert_str_eq(f[0], "last");
	fclose(fp);
	g_string_free(s, TRUE);
}

/* Found by fuzz/fuzz_csv: a NUL byte cut its field short and the rest of
 * the field was lost without a word. The row is refused, the next read. */
Test(csv, nul_byte_refuses_the_row)
{
	static const char text[] =
	    "email,notes\nann@x.example,a\0b\n"
	    "\"bob@x.example\",\"q\0\"\nok@x.example,c\n";
	FILE *fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	guint line;
	g_autoptr(GError) err = NULL, err2 = NULL;
	g_autoptr(cad_csv) r = cad_csv_new_fp(fp, 0);
	g_auto(GStrv) h = cad_csv_next(r, &line, NULL);

	cr_assert_not_null(h);
	cr_assert_null(cad_csv_next(r, &line, &err));
	cr_assert(g_error_matches(err, CAD_CSV_ERROR, CAD_CSV_ERROR_ROW));
	cr_assert(strstr(err->message, "line 2: field 2 holds a NUL byte") !=
	              NULL,
	          "%s", err->message);
	cr_assert_null(cad_csv_next(r, &line, &err2), "quoted, the same");
	cr_assert(strstr(err2->message, "line 3: field 2 holds a NUL byte") !=
	              NULL,
	          "%s", err2->message);
	g_auto(GStrv) f = cad_csv_next(r, &line, NULL);
	cr_assert_not_null(f);
	cr_assert_str_eq(f[0], "ok@x.example");
	cr_assert_str_eq(f[1], "c");
	fclose(fp);
}
