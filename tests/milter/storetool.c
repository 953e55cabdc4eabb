/*
 * storetool.c: a look into the store for the milter's shell tests:
 * "dump" prints enrollments, events, notices and suppressions one per
 * line; "fill" writes suppressions until the map is full (to make the
 * milter meet MDB_MAP_FULL). Usage: storetool CONF dump|fill
 */
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "store/store.h"

static gboolean
print_enrollment(const cad_enrollment *e, void *arg)
{
	printf("enrollment %" G_GUINT64_FORMAT " %s %s %s %s step=%u "
	       "verp=%s unsub=%s task=%s paused_until=%" G_GINT64_FORMAT "\n",
	       e->id, e->address, cad_state_name(e->state), e->cadence, e->rep,
	       e->step, e->verp_token, e->unsub_token, e->task_token,
	       e->paused_until);
	return TRUE;
}

static gboolean
print_event(const cad_event *ev, void *arg)
{
	printf("event %" G_GUINT64_FORMAT " %s %s\n", ev->enrollment, ev->type,
	       ev->detail != NULL ? ev->detail : "");
	return TRUE;
}

static gboolean
print_suppress(const char *key, const char *reason, const char *source,
               gint64 time, void *arg)
{
	printf("suppressed %s %s\n", key, reason != NULL ? reason : "");
	return TRUE;
}

static int
dump(cad_store *store)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_txn) txn = cad_store_read_begin(store, &err);
	g_autoptr(GPtrArray) notices = NULL;

	if (txn == NULL ||
	    !cad_store_enrollment_foreach(txn, print_enrollment, NULL, &err) ||
	    !cad_store_event_foreach(txn, 0, print_event, NULL, &err) ||
	    !cad_store_suppress_foreach(txn, print_suppress, NULL, &err) ||
	    (notices = cad_store_notices(txn, 1000, &err)) == NULL) {
		fprintf(stderr, "storetool: %s\n", err->message);
		return 1;
	}
	for (guint i = 0; i < notices->len; i++) {
		const cad_notice *n = g_ptr_array_index(notices, i);
		printf("notice %s %s\n", n->rep, n->subject);
	}
	return 0;
}

static gboolean
fill_one(cad_txn *txn, void *arg, GError **error)
{
	guint *n = arg;

	for (int i = 0; i < 100; i++, (*n)++) {
		g_autofree char *k = g_strdup_printf(
		    "filler-%08u-padding-padding-padding@fill.example.net", *n);
		if (!cad_store_suppress_add(txn, k, "fill", "storetool", 0,
		                            error))
			return FALSE;
	}
	return TRUE;
}

static int
fill(cad_store *store)
{
	guint n = 0;
	g_autoptr(GError) err = NULL;

	while (cad_store_write(store, fill_one, &n, &err))
		;
	printf("filled %u: %s\n", n, err->message);
	return g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_MAP_FULL)
	           ? 0
	           : 1;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_conf) conf = NULL;
	cad_store_options opts = {0};
	cad_store *store;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: storetool CONF dump|fill\n");
		return 64;
	}
	conf = cad_conf_load(argv[1], &err);
	if (conf == NULL) {
		fprintf(stderr, "storetool: %s\n", err->message);
		return 78;
	}
	opts.map_size = conf->map_size;
	opts.max_map_size = conf->max_map_size;
	store = cad_store_open(conf->store_path, &opts, &err);
	if (store == NULL) {
		fprintf(stderr, "storetool: %s\n", err->message);
		return 1;
	}
	rc = strcmp(argv[2], "fill") == 0 ? fill(store) : dump(store);
	cad_store_close(store);
	return rc;
}
