/*
 * stats_store.c: feeds the statistics engine from the store's event log,
 * looking up each enrollment's cadence and rep once.
 */
#include "cli/stats.h"

typedef struct {
	cad_txn *txn;
	cad_enrollment *last; /* the latest looked up, kept for its strings */
} store_lookup;

static gboolean
lookup_in_store(guint64 id, const char **cadence, const char **rep, void *arg)
{
	store_lookup *sl = arg;
	cad_enrollment *e = cad_store_enrollment_get(sl->txn, id, NULL);

	if (e == NULL)
		return FALSE;
	g_clear_pointer(&sl->last, cad_enrollment_free);
	sl->last = e;
	*cadence = e->cadence;
	*rep = e->rep;
	return TRUE;
}

static gboolean
collect_event(const cad_event *ev, void *arg)
{
	cad_stats_event(arg, ev);
	return TRUE;
}

gboolean
cad_stats_collect(cad_store *store, const cad_stats_filter *f, cad_stats_by by,
                  cad_stats **out, GError **error)
{
	store_lookup sl = {NULL, NULL};
	g_autoptr(cad_stats) st = cad_stats_new(f, by, lookup_in_store, &sl);
	gboolean ok;

	sl.txn = cad_store_read_begin(store, error);
	if (sl.txn == NULL)
		return FALSE;
	ok = cad_store_event_foreach(sl.txn, f != NULL ? f->since : 0,
	                             collect_event, st, error);
	g_clear_pointer(&sl.last, cad_enrollment_free);
	cad_txn_end(sl.txn);
	if (!ok)
		return FALSE;
	cad_stats_finish(st);
	*out = g_steal_pointer(&st);
	return TRUE;
}
