/*
 * helpers.h: what the milter suites share: a private directory per test
 * with a cadence.conf pointing at tests/data/milter and a real LMDB store,
 * and the test messages of tests/data/milter.
 */
#ifndef CAD_TEST_MILTER_HELPERS_H
#define CAD_TEST_MILTER_HELPERS_H

#include <glib.h>

#include "conf/conf.h"
#include "store/store.h"

/* 2026-11-02T09:00:00Z, a Monday: the time the tests run at. */
#define T_NOW 1793610000

typedef struct {
	char *dir;
	char *conf_path;
	cad_conf *conf;
	cad_store *store;
} fixture;

/*
 * fx_setup - a fresh directory, cadence.conf with extra lines appended to
 * [milter] (may be NULL), the configuration loaded and the store opened.
 */
void fx_setup(fixture *f, const char *milter_extra);
void fx_teardown(fixture *f);

/* The contents of tests/data/milter/NAME, with @TOKEN@ replaced by token
 * when token is not NULL. Caller frees. */
char *fx_message(const char *name, const char *token, gsize *len);

/* The enrollment of address (live or not, the newest); caller frees. */
cad_enrollment *fx_enrollment(fixture *f, const char *address);

/* The number of events of type for enrollment id (0: about none). */
guint fx_events(fixture *f, guint64 id, const char *type);

/* The queued notices; caller frees the array. */
GPtrArray *fx_notices(fixture *f);

/* TRUE when address is suppressed. */
gboolean fx_suppressed(fixture *f, const char *address);

#endif
