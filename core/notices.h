/*
 * notices.h: short mails to a rep (a prospect refused, unsubscribed, an
 * enrollment paused on an error), queued in the store by whoever notices
 * and delivered by the sender, which then removes them. The milter never
 * sends mail itself: it never leaves its socket.
 */
#ifndef CAD_NOTICES_H
#define CAD_NOTICES_H

#include <glib.h>

#include "store/store.h"

/* A notice to queue; every string is borrowed. */
typedef struct {
	const char *rep;     /* recipient: the rep's address */
	const char *subject; /* plain UTF-8 */
	const char *body;    /* plain UTF-8 text */
	guint64 enrollment;  /* the enrollment it is about, 0 if none */
} cad_notice_req;

/* cad_notice_queue_txn - queue n in the caller's write transaction. */
gboolean cad_notice_queue_txn(cad_txn *txn, const cad_notice_req *n, gint64 now,
                              GError **error);

/* cad_notice_queue - the same in its own write transaction. */
gboolean cad_notice_queue(cad_store *store, const cad_notice_req *n, gint64 now,
                          GError **error);

/*
 * cad_notice_done - remove a queued notice (as read by cad_store_notices)
 * once it is delivered, refused for good, or never deliverable: a notice
 * is worth at most one copy.
 */
gboolean cad_notice_done(cad_store *store, const cad_notice *n, GError **error);

#endif
