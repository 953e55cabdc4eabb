/*
 * setup.c: load the configuration and open the store for a program (see
 * setup.h): one wording and one exit status per failure.
 */
#include "core/setup.h"

#include <string.h>

#include "common/util.h"

/* Spelt out: clang-format would space the dashes of G_DEFINE_QUARK's
 * name apart. */
GQuark
cad_setup_error_quark(void)
{
	return g_quark_from_static_string("cad-setup-error-quark");
}

cad_conf *
cad_setup_conf(const char *path, GError **error)
{
	g_autoptr(GError) err = NULL;
	cad_conf *conf = cad_conf_load(path, &err);

	if (conf == NULL)
		g_set_error_literal(error, CAD_SETUP_ERROR,
		                    CAD_SETUP_ERROR_CONFIG, err->message);
	return conf;
}

/* The store at dir has a data file: it was opened read-write once. */
static gboolean
store_exists(const char *dir)
{
	g_autofree char *data = g_build_filename(dir, "data.mdb", NULL);

	return g_file_test(data, G_FILE_TEST_EXISTS);
}

cad_store *
cad_setup_store(const cad_conf *conf, cad_setup_mode mode, GError **error)
{
	cad_store_options so = {
	    .map_size = conf->map_size,
	    .max_map_size = conf->max_map_size,
	    .read_only = mode == CAD_SETUP_READ,
	};
	const char *path = conf->store_path;
	g_autoptr(GError) err = NULL;
	cad_store *store;

	if (so.read_only && !store_exists(path)) {
		g_set_error(error, CAD_SETUP_ERROR,
		            CAD_SETUP_ERROR_STORE_MISSING,
		            "store %s does not exist yet: nothing has been "
		            "enrolled",
		            path);
		return NULL;
	}
	store = cad_store_open(path, &so, &err);
	if (store == NULL)
		g_set_error(error, CAD_SETUP_ERROR,
		            g_error_matches(err, CAD_STORE_ERROR,
		                            CAD_STORE_ERROR_ACCESS)
		                ? CAD_SETUP_ERROR_STORE_ACCESS
		                : CAD_SETUP_ERROR_STORE,
		            "store %s: %s", path, err->message);
	return store;
}

gboolean
cad_setup_open(const char *conf_path, cad_setup_mode mode, cad_setup *out,
               GError **error)
{
	memset(out, 0, sizeof(*out));
	out->conf = cad_setup_conf(conf_path, error);
	if (out->conf == NULL)
		return FALSE;
	if (mode == CAD_SETUP_CONF)
		return TRUE;
	out->store = cad_setup_store(out->conf, mode, error);
	if (out->store == NULL) {
		cad_setup_clear(out);
		return FALSE;
	}
	return TRUE;
}

void
cad_setup_clear(cad_setup *s)
{
	if (s->store != NULL)
		cad_store_close(s->store);
	cad_conf_free(s->conf);
	memset(s, 0, sizeof(*s));
}

int
cad_setup_status(const GError *error)
{
	if (error == NULL || error->domain != CAD_SETUP_ERROR)
		return CAD_EX_SOFTWARE;
	switch ((cad_setup_error_code)error->code) {
	case CAD_SETUP_ERROR_CONFIG:
		return CAD_EX_CONFIG;
	case CAD_SETUP_ERROR_STORE_MISSING:
		return CAD_EX_NOINPUT;
	case CAD_SETUP_ERROR_STORE_ACCESS:
		return CAD_EX_NOPERM;
	case CAD_SETUP_ERROR_STORE:
		return CAD_EX_CANTCREAT;
	}
	return CAD_EX_SOFTWARE;
}
