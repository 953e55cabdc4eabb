/*
 * csv.c: the CSV reader behind csv.h, a small state machine over getc
 * with every buffer bounded by the limits in csv.h.
 */
#include "cli/csv.h"

#include <sys/stat.h>

#include <errno.h>
#include <string.h>

/* Not G_DEFINE_QUARK: clang-format would put spaces around the dashes
 * of its bare-word name, and the quark would be named so. */
GQuark
cad_csv_error_quark(void)
{
	return g_quark_from_static_string("cad-csv-error-quark");
}

struct cad_csv {
	FILE *fp;
	gboolean own_fp;
	char delim;
	guint line;        /* current physical line, 1-based */
	gboolean at_start; /* nothing read yet: strip a BOM */
	guint64 offset, size;
};

static cad_csv *
csv_new(FILE *fp, gboolean own, char delim)
{
	cad_csv *r = g_new0(cad_csv, 1);
	struct stat st;

	r->fp = fp;
	r->own_fp = own;
	r->delim = delim;
	r->line = 1;
	r->at_start = TRUE;
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
		r->size = (guint64)st.st_size;
	return r;
}

/* Guess the delimiter from the first line and rewind. */
static char
guess_delim(FILE *fp)
{
	gboolean comma = FALSE, semi = FALSE;
	int c;
	long n = 0;

	while ((c = getc(fp)) != EOF && c != '\n' && c != '\r' &&
	       n++ < CAD_CSV_RECORD_MAX) {
		comma |= c == ',';
		semi |= c == ';';
	}
	rewind(fp);
	return semi && !comma ? ';' : ',';
}

cad_csv *
cad_csv_open(const char *path, char delim, GError **error)
{
	FILE *fp;
	gboolean own = TRUE;

	if (strcmp(path, "-") == 0) {
		fp = stdin;
		own = FALSE;
		if (delim == 0)
			delim = ',';
	} else if ((fp = fopen(path, "r")) == NULL) {
		g_set_error(error, CAD_CSV_ERROR, CAD_CSV_ERROR_FATAL, "%s: %s",
		            path, g_strerror(errno));
		return NULL;
	}
	if (delim == 0)
		delim = guess_delim(fp);
	return csv_new(fp, own, delim);
}

cad_csv *
cad_csv_new_fp(FILE *fp, char delim)
{
	if (delim == 0)
		delim = guess_delim(fp);
	return csv_new(fp, FALSE, delim);
}

void
cad_csv_free(cad_csv *r)
{
	if (r == NULL)
		return;
	if (r->own_fp)
		fclose(r->fp);
	g_free(r);
}

guint64
cad_csv_offset(const cad_csv *r)
{
	return r->offset;
}

guint64
cad_csv_size(const cad_csv *r)
{
	return r->size;
}

static int
csv_getc(cad_csv *r)
{
	int c = getc(r->fp);

	if (c != EOF)
		r->offset++;
	return c;
}

/* One line break read: a CR followed by LF counts once. */
static void
end_of_line(cad_csv *r, int c)
{
	r->line++;
	if (c == '\r') {
		int n = csv_getc(r);
		if (n == '\n')
			return;
		if (n != EOF) {
			ungetc(n, r->fp);
			r->offset--;
		}
	}
}

typedef struct {
	GPtrArray *fields;
	GString *field;
	gsize total;
	char *bad; /* the first limit broken, or NULL */
} record;

static void
record_push(record *rec)
{
	if (rec->bad != NULL)
		goto reset;
	if (rec->fields->len >= CAD_CSV_FIELDS_MAX) {
		rec->bad =
		    g_strdup_printf("more than %d fields", CAD_CSV_FIELDS_MAX);
		goto reset;
	}
	g_ptr_array_add(rec->fields,
	                g_strndup(rec->field->str, rec->field->len));
reset:
	g_string_truncate(rec->field, 0);
}

static void
record_addc(record *rec, int c)
{
	if (rec->bad != NULL)
		return;
	/* A field is a C string: a NUL would cut it short, silently. A
	 * UTF-16 export is full of them. */
	if (c == '\0') {
		rec->bad =
		    g_strdup_printf("field %u holds a NUL byte (save the "
		                    "export as UTF-8)",
		                    rec->fields->len + 1);
		return;
	}
	if (rec->field->len >= CAD_CSV_FIELD_MAX) {
		rec->bad = g_strdup_printf("a field longer than %d bytes",
		                           CAD_CSV_FIELD_MAX);
		return;
	}
	if (++rec->total > CAD_CSV_RECORD_MAX) {
		rec->bad = g_strdup_printf("a record longer than %d bytes",
		                           CAD_CSV_RECORD_MAX);
		return;
	}
	g_string_append_c(rec->field, (char)c);
}

static gboolean
is_bom(const GString *s)
{
	return s->len == 3 && memcmp(s->str, "\xef\xbb\xbf", 3) == 0;
}

/*
 * Read one record into rec. Returns FALSE at EOF before any byte. Sets
 * *open_quote when the file ended inside a quoted field.
 */
static gboolean
read_record(cad_csv *r, record *rec, gboolean *open_quote)
{
	gboolean quoted = FALSE, any = FALSE, was_quoted = FALSE;
	int c;

	*open_quote = FALSE;
	for (;;) {
		c = csv_getc(r);
		if (c == EOF) {
			if (quoted)
				*open_quote = TRUE;
			if (any)
				record_push(rec);
			return any;
		}
		any = TRUE;
		if (quoted) {
			if (c == '"') {
				int n = csv_getc(r);
				if (n == '"') {
					record_addc(rec, '"');
					continue;
				}
				quoted = FALSE;
				if (n == EOF) {
					record_push(rec);
					return TRUE;
				}
				c = n; /* falls through to the unquoted case */
			} else {
				if (c == '\n' || c == '\r') {
					end_of_line(r, c);
					c = '\n';
				}
				record_addc(rec, c);
				continue;
			}
		}
		if (c == r->delim) {
			record_push(rec);
			was_quoted = FALSE;
		} else if (c == '\n' || c == '\r') {
			end_of_line(r, c);
			record_push(rec);
			return TRUE;
		} else if (c == '"' && !was_quoted &&
		           (rec->field->len == 0 ||
		            (r->at_start && rec->fields->len == 0 &&
		             is_bom(rec->field)))) {
			g_string_truncate(rec->field, 0);
			quoted = was_quoted = TRUE;
		} else {
			/* A stray quote inside a bare field is kept as is. */
			record_addc(rec, c);
		}
	}
}

static void
record_clear(record *rec)
{
	if (rec->fields != NULL)
		g_ptr_array_unref(rec->fields);
	g_string_free(rec->field, TRUE);
	g_free(rec->bad);
}

static gboolean
record_blank(const record *rec)
{
	return rec->fields->len == 1 &&
	       ((char *)g_ptr_array_index(rec->fields, 0))[0] == '\0';
}

static void
strip_bom(GPtrArray *fields)
{
	char *f0 = g_ptr_array_index(fields, 0);

	if ((unsigned char)f0[0] == 0xef && (unsigned char)f0[1] == 0xbb &&
	    (unsigned char)f0[2] == 0xbf)
		memmove(f0, f0 + 3, strlen(f0 + 3) + 1);
}

static char **
record_finish(cad_csv *r, record *rec, guint start, GError **error)
{
	if (rec->bad != NULL) {
		g_set_error(error, CAD_CSV_ERROR, CAD_CSV_ERROR_ROW,
		            "line %u: %s", start, rec->bad);
		return NULL;
	}
	for (guint i = 0; i < rec->fields->len; i++) {
		const char *f = g_ptr_array_index(rec->fields, i);
		if (!g_utf8_validate(f, -1, NULL)) {
			g_set_error(
			    error, CAD_CSV_ERROR, CAD_CSV_ERROR_ROW,
			    "line %u: field %u is not UTF-8 (save the export "
			    "as UTF-8)",
			    start, i + 1);
			return NULL;
		}
	}
	g_ptr_array_add(rec->fields, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&rec->fields), FALSE);
}

char **
cad_csv_next(cad_csv *r, guint *line, GError **error)
{
	for (;;) {
		record rec = {g_ptr_array_new_with_free_func(g_free),
		              g_string_new(NULL), 0, NULL};
		guint start = r->line;
		gboolean open_quote, got;
		char **out = NULL;

		got = read_record(r, &rec, &open_quote);
		if (got || open_quote || ferror(r->fp))
			*line = start;
		if (ferror(r->fp)) {
			g_set_error(error, CAD_CSV_ERROR, CAD_CSV_ERROR_FATAL,
			            "line %u: read error: %s", start,
			            g_strerror(errno));
		} else if (open_quote) {
			g_set_error(error, CAD_CSV_ERROR, CAD_CSV_ERROR_FATAL,
			            "line %u: a quoted field is never closed",
			            start);
		} else if (got) {
			if (r->at_start && rec.fields->len > 0)
				strip_bom(rec.fields);
			r->at_start = FALSE;
			if (rec.bad == NULL && record_blank(&rec)) {
				record_clear(&rec);
				continue;
			}
			out = record_finish(r, &rec, start, error);
		}
		record_clear(&rec);
		return out;
	}
}
