/*
 * stats_store.c: feeds the statistics engine from the store's event log,
 * looking up each enrollment's cadence and rep once.
 */
#include "cli/stats.h"

typedef struct {
	cad_txn *txn;
	cad_enrollment *last; /* the latest looked up, kept for its strings */
	GError *error;        /* a record that could not be read: the end */
} store_lookup;

/*
 * An enrollment purged from the store is unknown (its events are left
 * out); one that cannot be read is an error: stats computed without it
 * would be wrong in silence.
 */
static gboolean
lookup_in_store(guint64 id, const char **cadence, const char **rep, void *arg)
{
	store_lookup *sl = arg;
	GError *err = NULL;
	cad_enrollment *e = cad_store_enrollment_get(sl->txn, id, &err);

	if (e == NULL) {
		if (g_error_matches(err, CAD_STORE_ERROR,
		                    CAD_STORE_ERROR_NOT_FOUND))
			g_error_free(err);
		else if (sl->error == NULL)
			sl->error = err;
		else
			g_error_free(err);
		return FALSE;
	}
	g_clear_pointer(&sl->last, cad_enrollment_free);
	sl->last = e;
	*cadence = e->cadence;
	*rep = e->rep;
	return TRUE;
}

typedef struct {
	cad_stats *st;
	store_lookup *sl;
} collect_ctx;

static gboolean
collect_event(const cad_event *ev, void *arg)
{
	collect_ctx *c = arg;

	cad_stats_event(c->st, ev);
	return c->sl->error == NULL;
}

gboolean
cad_stats_collect(cad_store *store, const cad_stats_filter *f, cad_stats_by by,
                  cad_stats **out, GError **error)
{
	store_lookup sl = {NULL, NULL, NULL};
	g_autoptr(cad_stats) st = cad_stats_new(f, by, lookup_in_store, &sl);
	collect_ctx c = {st, &sl};
	gboolean ok;

	sl.txn = cad_store_read_begin(store, error);
	if (sl.txn == NULL)
		return FALSE;
	ok = cad_store_event_foreach(sl.txn, f != NULL ? f->since : 0,
	                             collect_event, &c, error);
	g_clear_pointer(&sl.last, cad_enrollment_free);
	cad_txn_end(sl.txn);
	if (ok && sl.error != NULL) {
		g_propagate_error(error, sl.error);
		return FALSE;
	}
	if (!ok) {
		g_clear_error(&sl.error);
		return FALSE;
	}
	cad_stats_finish(st);
	*out = g_steal_pointer(&st);
	return TRUE;
}
