/*
 * helpers.c: fixtures for the milter suites (see helpers.h).
 */
#include "tests/milter/helpers.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

void
fx_setup(fixture *f, const char *milter_extra)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *text = NULL;
	const char *data = CAD_SOURCE_DIR "/tests/data/milter";

	memset(f, 0, sizeof(*f));
	g_mime_init();
	f->dir = g_dir_make_tmp("cad-milter-XXXXXX", &err);
	cr_assert_not_null(f->dir, "mkdtemp: %s", err ? err->message : "");
	text = g_strdup_printf(
	    "[store]\npath = %s/store\n"
	    "[milter]\nsocket = unix:%s/milter.sock\n"
	    "enroll_address = cadence@example.com\n"
	    "default_cadence = cold\n"
	    "bounce_address = bounces@example.com\n"
	    "unsubscribe_address = unsubscribe@example.com\n"
	    "task_address = tasks@example.com\n"
	    "trusted_networks = 127.0.0.0/8, 10.1.0.0/16\n"
	    "rep_domains = example.com, example.org\n%s\n"
	    "[sender]\ntimezone = UTC\njitter_minutes = 0\n"
	    "[cadences]\ndir = %s/cadences.d\ntemplates = %s/templates\n",
	    f->dir, f->dir, milter_extra != NULL ? milter_extra : "", data,
	    data);
	f->conf_path = g_build_filename(f->dir, "cadence.conf", NULL);
	cr_assert(g_file_set_contents(f->conf_path, text, -1, NULL));
	f->conf = cad_conf_load(f->conf_path, &err);
	cr_assert_not_null(f->conf, "conf: %s", err ? err->message : "");
	cr_assert(g_mkdir_with_parents(f->conf->store_path, 0700) == 0);
	f->store = cad_store_open(f->conf->store_path, NULL, &err);
	cr_assert_not_null(f->store, "store: %s", err ? err->message : "");
}

static void
rm_rf(const char *path)
{
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(path, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_rf(p);
		else
			(void)g_unlink(p);
	}
	(void)g_rmdir(path);
}

void
fx_teardown(fixture *f)
{
	if (f->store != NULL)
		cad_store_close(f->store);
	cad_conf_free(f->conf);
	if (f->dir != NULL && getenv("CAD_KEEP_TMP") == NULL)
		rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->conf_path);
	memset(f, 0, sizeof(*f));
}

char *
fx_message(const char *name, const char *token, gsize *len)
{
	g_autofree char *path =
	    g_build_filename(CAD_SOURCE_DIR, "tests/data/milter", name, NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	gsize n;

	cr_assert(g_file_get_contents(path, &text, &n, &err), "%s: %s", path,
	          err ? err->message : "");
	if (token != NULL) {
		g_auto(GStrv) parts = g_strsplit(text, "@TOKEN@", -1);
		g_free(text);
		text = g_strjoinv(token, parts);
		n = strlen(text);
	}
	if (len != NULL)
		*len = n;
	return g_steal_pointer(&text);
}

cad_enrollment *
fx_enrollment(fixture *f, const char *address)
{
	g_autoptr(cad_txn) txn = cad_store_read_begin(f->store, NULL);
	g_autoptr(GArray) ids = NULL;

	cr_assert_not_null(txn);
	ids = cad_store_enrollments_of(txn, address, NULL);
	if (ids == NULL || ids->len == 0)
		return NULL;
	return cad_store_enrollment_get(
	    txn, g_array_index(ids, guint64, ids->len - 1), NULL);
}

typedef struct {
	guint64 id;
	const char *type;
	guint n;
} count_arg;

static gboolean
count_event(const cad_event *ev, void *arg)
{
	count_arg *c = arg;

	if (ev->enrollment == c->id && strcmp(ev->type, c->type) == 0)
		c->n++;
	return TRUE;
}

guint
fx_events(fixture *f, guint64 id, const char *type)
{
	g_autoptr(cad_txn) txn = cad_store_read_begin(f->store, NULL);
	count_arg c = {id, type, 0};

	cr_assert_not_null(txn);
	cr_assert(cad_store_event_foreach(txn, 0, count_event, &c, NULL));
	return c.n;
}

GPtrArray *
fx_notices(fixture *f)
{
	g_autoptr(cad_txn) txn = cad_store_read_begin(f->store, NULL);
	GPtrArray *n;

	cr_assert_not_null(txn);
	n = cad_store_notices(txn, 100, NULL);
	cr_assert_not_null(n);
	return n;
}

gboolean
fx_suppressed(fixture *f, const char *address)
{
	g_autoptr(cad_txn) txn = cad_store_read_begin(f->store, NULL);
	gboolean yes = FALSE;

	cr_assert_not_null(txn);
	cr_assert(cad_store_is_suppressed(txn, address, &yes, NULL, NULL));
	return yes;
}
