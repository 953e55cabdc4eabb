/*
 * fuzz_template.c: libFuzzer target for the template parser and renderer
 * (mail/template.c). The input is a template, then a NUL byte, then the
 * value every field takes (fields whose name has an odd length have none,
 * so fallbacks and MISSING are reached). Parsing and rendering end in
 * bounded time; a rendered header value or subject never holds a CR, LF
 * or other control character (but a TAB the template folds with),
 * whatever the value (no header injection).
 * Seeds: the templates of conf/templates and tests/data/milter/templates.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                   \
	do {                                                          \
		if (!(cond)) {                                        \
			fprintf(stderr, "fuzz_template: %s:%d: %s\n", \
			        __FILE__, __LINE__, #cond);           \
			abort();                                      \
		}                                                     \
	} while (0)

static const char *
lookup(const char *name, void *arg)
{
	return strlen(name) % 2 == 0 ? arg : NULL;
}

/* No control character (below 0x20, or DEL) in a header line's value;
 * with tab, TAB allowed (a template may fold its own header). */
static gboolean
no_control(const char *s, gboolean tab)
{
	for (; s != NULL && *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && !(tab && *s == '\t')) ||
		    *s == 0x7f)
			return FALSE;
	return TRUE;
}

/* Only ASCII white space, as template.c counts a value as none. */
static gboolean
blank(const char *v)
{
	for (; *v != '\0'; v++)
		if (!g_ascii_isspace(*v))
			return FALSE;
	return TRUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	gsize tlen = nul != NULL ? (gsize)(nul - data) : size;
	g_autofree char *value =
	    nul != NULL ? g_strndup((const char *)nul + 1, size - tlen - 1)
	                : g_strdup("Acme\r\nBcc: mallory@evil.example");
	GError *err = NULL;
	cad_template *t =
	    cad_template_parse((const char *)data, tlen, "fuzz.eml", &err);
	cad_rendered *r;
	char *missing = NULL;
	char *clean = cad_header_value_clean(value);

	CHECK(no_control(clean, FALSE));
	g_free(clean);
	if (t == NULL) {
		CHECK(err != NULL && err->domain == CAD_TEMPLATE_ERROR);
		CHECK(g_str_has_prefix(err->message, "fuzz.eml"));
		g_error_free(err);
		return 0;
	}
	r = cad_template_render(t, lookup, value, &missing, &err);
	if (r == NULL) {
		CHECK(err != NULL && err->domain == CAD_TEMPLATE_ERROR);
		/* Missing: a field lookup gives nothing, or the value every
		 * field gets is blank (which counts as none). */
		CHECK(err->code != CAD_TEMPLATE_ERROR_MISSING ||
		      (missing != NULL &&
		       (strlen(missing) % 2 == 1 || blank(value))));
		g_error_free(err);
	} else {
		CHECK(no_control(r->subject, TRUE));
		for (guint i = 0; i < r->headers->len; i++) {
			const cad_header *h = g_ptr_array_index(r->headers, i);
			CHECK(no_control(h->name, FALSE) && *h->name != '\0');
			CHECK(no_control(h->value, TRUE));
		}
		CHECK(r->text != NULL);
		CHECK(strlen(r->text) <= CAD_TEMPLATE_RENDER_MAX);
		cad_rendered_free(r);
	}
	g_free(missing);
	cad_template_free(t);
	return 0;
}
