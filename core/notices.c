/*
 * notices.c: queueing and removal of the notices to reps. See notices.h.
 */
#include "core/notices.h"

gboolean
cad_notice_queue_txn(cad_txn *txn, const cad_notice_req *n, gint64 now,
                     GError **error)
{
	return cad_store_notice_add(txn, n->rep, n->subject, n->body,
	                            n->enrollment, now, error);
}

typedef struct {
	const cad_notice_req *n;
	gint64 now;
} queue_args;

static gboolean
queue_fn(cad_txn *txn, void *arg, GError **error)
{
	queue_args *q = arg;

	return cad_notice_queue_txn(txn, q->n, q->now, error);
}

gboolean
cad_notice_queue(cad_store *store, const cad_notice_req *n, gint64 now,
                 GError **error)
{
	queue_args q = {n, now};

	return cad_store_write(store, queue_fn, &q, error);
}

static gboolean
done_fn(cad_txn *txn, void *arg, GError **error)
{
	const cad_notice *n = arg;

	return cad_store_notice_del(txn, n->time, n->seq, error);
}

gboolean
cad_notice_done(cad_store *store, const cad_notice *n, GError **error)
{
	return cad_store_write(store, done_fn, (void *)n, error);
}
