/*
 * fuzz_csv.c: libFuzzer target for cadencectl's CSV reader (cli/csv.c),
 * which reads CRM exports an admin did not write. Any bytes, read with
 * each delimiter and with the guess: every call returns a record, a row
 * error or the end; a record holds UTF-8 fields within the named limits;
 * line numbers never go back; the reader always reaches the end; and on
 * input without quotes a record is its line cut at the delimiters, byte
 * for byte (nothing silently lost).
 * Seeds: the CSV files of tests/data/cli.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz_csv: %s:%d: %s\n", __FILE__, \
			        __LINE__, #cond);                          \
			abort();                                           \
		}                                                          \
	} while (0)

static void
check_record(char **fields)
{
	guint n = g_strv_length(fields);
	gsize total = 0;

	CHECK(n >= 1 && n <= CAD_CSV_FIELDS_MAX);
	for (guint i = 0; i < n; i++) {
		gsize len = strlen(fields[i]);
		CHECK(len <= CAD_CSV_FIELD_MAX);
		CHECK(g_utf8_validate(fields[i], (gssize)len, NULL));
		total += len;
	}
	CHECK(total <= CAD_CSV_RECORD_MAX);
}

/*
 * Without quotes and CRs a record is one line, so the reader's fields must
 * be exactly the line cut at each delimiter, byte for byte: nothing of a
 * line it returns may be lost or changed. line is the record's 1-based
 * line number; a leading byte-order mark is not part of the first field.
 */
static void
check_plain(const uint8_t *data, size_t size, guint line, char delim,
            char **fields)
{
	const uint8_t *p = data, *end = data + size, *eol;
	guint i = 0;

	for (guint n = 1; n < line; n++) {
		p = memchr(p, '\n', (size_t)(end - p));
		CHECK(p != NULL);
		p++;
	}
	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		eol = end;
	if (line == 1 && eol - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (;; i++) {
		const uint8_t *sep = memchr(p, delim, (size_t)(eol - p));
		size_t len = (size_t)((sep != NULL ? sep : eol) - p);
		CHECK(fields[i] != NULL);
		CHECK(strlen(fields[i]) == len &&
		      memcmp(fields[i], p, len) == 0);
		if (sep == NULL)
			break;
		p = sep + 1;
	}
	CHECK(fields[i + 1] == NULL);
}

/* TRUE when the input holds no quote and no CR: see check_plain. */
static gboolean
plain(const uint8_t *data, size_t size)
{
	return memchr(data, '"', size) == NULL &&
	       memchr(data, '\r', size) == NULL;
}

static void
read_all(const uint8_t *data, size_t size, char delim)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	cad_csv *r;
	guint last = 0, calls = 0;
	gboolean is_plain = delim != 0 && plain(data, size);

	if (fp == NULL)
		return;
	r = cad_csv_new_fp(fp, delim);
	for (;;) {
		GError *err = NULL;
		guint line = 0;
		char **f = cad_csv_next(r, &line, &err);
		/* Each call consumes a byte at least: more calls than bytes
		 * means the reader stopped moving. */
		CHECK(++calls <= size + 2);
		if (f != NULL) {
			CHECK(err == NULL);
			CHECK(line >= last);
			last = line;
			check_record(f);
			if (is_plain)
				check_plain(data, size, line, delim, f);
			g_strfreev(f);
			continue;
		}
		if (err == NULL)
			break;
		CHECK(err->domain == CAD_CSV_ERROR);
		CHECK(g_str_has_prefix(err->message, "line "));
		CHECK(line >= last);
		last = line;
		if (err->code == CAD_CSV_ERROR_FATAL) {
			g_error_free(err);
			break;
		}
		g_error_free(err);
	}
	CHECK(cad_csv_offset(r) <= size);
	cad_csv_free(r);
	fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0; /* fmemopen refuses an empty buffer */
	read_all(data, size, 0);
	read_all(data, size, ',');
	read_all(data, size, ';');
	return 0;
}
