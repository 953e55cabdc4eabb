/*
 * milter.h: the libmilter side of cadence-milter: the callbacks, kept
 * thin, over the enrollment and inbound modules; the configuration
 * snapshot they read (replaced whole on reload); and the count of open
 * connections, so that shutdown can wait for them before the store closes.
 */
#ifndef CAD_MILTER_MILTER_H
#define CAD_MILTER_MILTER_H

#include <glib.h>

#include "conf/conf.h"
#include "store/store.h"

/* The filter's name as registered with libmilter and shown by Postfix. */
#define CAD_MILTER_NAME "cadence-milter"

/*
 * The header added to inbound mail tied to an enrollment. Fields of that
 * name a message arrives with are removed, so that the one left is ours.
 */
#define CAD_MILTER_HEADER "X-Cadence"

/*
 * Most X-Cadence fields removed from one message. Real mail has none; each
 * removal makes Postfix's cleanup walk the header block again, so a
 * message with many thousands would cost it quadratic time. Past this
 * many the rest stay, and the milter logs it.
 */
#define CAD_MILTER_STRIP_MAX 1000

/*
 * cad_milter_init - set up the daemon's state with conf (owned: freed
 * when replaced or at cad_milter_shutdown) and register the callbacks with
 * smfi_register, which must come before smfi_opensocket. Returns FALSE
 * with error when libmilter refuses the registration.
 */
gboolean cad_milter_init(cad_conf *conf, GError **error);

/*
 * cad_milter_set_store - the store every connection uses (not owned);
 * set before smfi_main, once the process runs as its own user.
 */
void cad_milter_set_store(cad_store *store);

/*
 * cad_milter_set_conf - replace the configuration snapshot (SIGHUP).
 * Messages already under way keep the snapshot they started with.
 */
void cad_milter_set_conf(cad_conf *conf);

/*
 * cad_milter_active - connections open now: each is counted from its
 * first callback (negotiate) to its close.
 */
guint cad_milter_active(void);

/*
 * cad_milter_drain - from now on serve no connection not yet heard from,
 * and wait until no connection is open or timeout_ms has passed; returns
 * the number still open (0: drained, no callback will touch the store or
 * the snapshot again).
 */
guint cad_milter_drain(gint64 timeout_ms);

/* cad_milter_shutdown - free the snapshot; after a drain that returned 0. */
void cad_milter_shutdown(void);

#endif
