/*
 * throttle.h: the sender's caps, kept in the store so that they hold
 * across restarts: a per-rep daily cap (the rep's local day), a global
 * per-minute rate, a per-recipient-domain hourly cap, and a least gap
 * between two sends of one rep. A send is counted in the same write
 * transaction that marks it "sending", before DATA
 * (cad_step_mark_sending_txn calls cad_throttle_record), so a crash can
 * only over-count (a slot used by a message that never left), never let
 * a cap be passed.
 *
 * The caps live in core/ whole, reading side and writing side: the keys
 * and windows a send is counted under ("rep:R" in the rep's local day,
 * "global" per minute, "domain:D" per hour, the rep's last send in meta)
 * must be the ones the check reads, and core/ is the only writer of the
 * store. The sender holds a cad_throttle for its checks; so could any
 * later program that sends.
 */
#ifndef CAD_CORE_THROTTLE_H
#define CAD_CORE_THROTTLE_H

#include <glib.h>

#include "conf/conf.h"
#include "store/store.h"

typedef struct cad_throttle cad_throttle;

/* A throttle over conf's caps; every cap of 0 is off. */
cad_throttle *cad_throttle_new(const cad_conf *conf);
void cad_throttle_free(cad_throttle *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_throttle, cad_throttle_free)

/* Forget sends counted with cad_throttle_take (at the start of a batch). */
void cad_throttle_reset(cad_throttle *t);

/*
 * cad_throttle_allow - may rep send one more message to domain at now?
 * Reads the counters in txn (a read or write transaction) plus the sends
 * taken in memory since the last reset: *allowed says. When not,
 * *retry_at (if not NULL) is the earliest time every blocking cap has a
 * slot again, and *why names the first blocking cap
 * ("daily_cap_per_rep"). Returns FALSE with error when a counter cannot
 * be read (LMDB, CORRUPT): a cap read as 0 would let it be passed.
 */
gboolean cad_throttle_allow(cad_throttle *t, cad_txn *txn, const char *rep,
                            const char *domain, gint64 now, gboolean *allowed,
                            gint64 *retry_at, const char **why, GError **error);

/* cad_throttle_take - count a send in memory (read phase of a batch). */
void cad_throttle_take(cad_throttle *t, const char *rep, const char *domain,
                       gint64 now);

/*
 * cad_throttle_record - count a send in the store, in the caller's write
 * transaction: each cap's counter, and the rep's last send for the gap.
 */
gboolean cad_throttle_record(cad_throttle *t, cad_txn *txn, const char *rep,
                             const char *domain, gint64 now, GError **error);

#endif
