/*
 * suppress.c: the admin's additions to and removals from the suppression
 * list, each in its own write transaction. See suppress.h.
 */
#include "core/suppress.h"

typedef struct {
	const char *key, *reason, *source;
	gint64 now;
} suppress_op;

static gboolean
add_fn(cad_txn *txn, void *arg, GError **error)
{
	suppress_op *op = arg;

	return cad_store_suppress_add(txn, op->key, op->reason, op->source,
	                              op->now, error);
}

gboolean
cad_suppress_add(cad_store *store, const char *key, const char *reason,
                 const char *source, gint64 now, GError **error)
{
	suppress_op op = {key, reason, source, now};

	return cad_store_write(store, add_fn, &op, error);
}

static gboolean
remove_fn(cad_txn *txn, void *arg, GError **error)
{
	return cad_store_suppress_remove(txn, arg, error);
}

gboolean
cad_suppress_remove(cad_store *store, const char *key, GError **error)
{
	return cad_store_write(store, remove_fn, (void *)key, error);
}
