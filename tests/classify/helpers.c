/*
 * helpers.c: file loading and lookups for the classifier suites.
 */
#include "helpers.h"

#include <string.h>

#include <criterion/criterion.h>
#include <gmime/gmime.h>

const char *
test_source_dir(void)
{
	const char *d = g_getenv("CAD_SOURCE_DIR");

	return d != NULL && *d != '\0' ? d : CAD_SOURCE_DIR;
}

cad_classification *
classify_data(const char *name)
{
	g_autofree char *path = g_build_filename(
	    test_source_dir(), "tests", "data", "classify", name, NULL);
	g_autofree char *data = NULL;
	gsize len = 0;

	cr_assert(g_file_get_contents(path, &data, &len, NULL), "read %s",
	          path);
	return cad_classify(data, len, TEST_NOW);
}

gboolean
has_recipient(const cad_classification *c, const char *addr)
{
	for (guint i = 0; i < c->recipients->len; i++) {
		const cad_bounce_rcpt *r = g_ptr_array_index(c->recipients, i);
		if (strcmp(r->address, addr) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean
has_id(const cad_classification *c, const char *id)
{
	for (guint i = 0; i < c->message_ids->len; i++)
		if (strcmp(g_ptr_array_index(c->message_ids, i), id) == 0)
			return TRUE;
	return FALSE;
}

void
test_gmime_init(void)
{
	g_mime_init();
}

void
test_gmime_fini(void)
{
	g_mime_shutdown();
}
