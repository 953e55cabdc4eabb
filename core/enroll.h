/*
 * enroll.h: who may be enrolled and what an enrollment writes: the
 * admission rule (never a suppressed address or domain, never a second
 * live enrollment of one prospect), how a prospect's fields merge into
 * its record, the records of a new enrollment, the one format of
 * "refused" events, batched imports and the admin's field updates. The
 * milter's enrollment by BCC and cadencectl enroll/import both come here.
 */
#ifndef CAD_ENROLL_CORE_H
#define CAD_ENROLL_CORE_H

#include <glib.h>

#include "conf/conf.h"
#include "core/notices.h"
#include "store/store.h"

typedef struct {
	const char *cadence;    /* name; must exist in conf */
	const char *rep;        /* owner's address */
	const char *root_msgid; /* the rep's Message-ID, with or without <> */
	const char *subject;    /* the rep's Subject */
} cad_enroll_req;

/*
 * cad_enroll_admit_txn - may the prospect at address be enrolled now?
 * TRUE when it may; FALSE with CAD_STORE_ERROR SUPPRESSED ("ADDRESS is on
 * the suppression list (REASON)") or ACTIVE ("ADDRESS is already STATE in
 * cadence C (enrollment N)"), or with the store's error when it cannot
 * tell (LMDB, a record that does not decode): never read that as "yes".
 * Reads only: the dry runs ask it too.
 */
gboolean cad_enroll_admit_txn(cad_txn *txn, const char *address,
                              GError **error);

/*
 * cad_prospect_merge - set on into every field from has (the named ones
 * and the free ones); a field from does not have is left as it is.
 */
void cad_prospect_merge(cad_prospect *into, const cad_prospect *from);

/*
 * cad_enroll_record_txn - write a new enrollment e prepared by the caller
 * (cadence, rep, next_due, thread) for prospect p, in the caller's write
 * transaction: admitted first (cad_enroll_admit_txn), then the prospect
 * (fields merged into its record, created at now when it has none), the
 * enrollment (active, step idle) with its id, tokens and index entries,
 * the thread root's Message-ID and an "enrolled" event. e->id and
 * e->address (normalized) are set on success. Errors: those of
 * admission; FAILED "not an address"; CORRUPT for a prospect record that
 * does not decode (it is never written over).
 */
gboolean cad_enroll_record_txn(cad_txn *txn, const cad_prospect *p,
                               cad_enrollment *e, gint64 now, GError **error);

/*
 * cad_enroll_txn - enroll prospect p in req's cadence in the caller's
 * write transaction: the first follow-up scheduled by the cadence, in the
 * prospect's time zone, then cad_enroll_record_txn. Errors: theirs, and
 * NOT_FOUND for a cadence missing from conf.
 */
gboolean cad_enroll_txn(cad_txn *txn, const cad_conf *conf,
                        const cad_prospect *p, const cad_enroll_req *req,
                        gint64 now, guint64 *id_out, GError **error);

/*
 * cad_enroll - cad_enroll_txn in its own write transaction. When it is
 * refused (SUPPRESSED, ACTIVE, NOT_FOUND for the cadence) and
 * record_refusal, a "refused" event is written in a transaction of its
 * own (cad_refusal_txn); the error is returned either way.
 */
gboolean cad_enroll(cad_store *store, const cad_conf *conf,
                    const cad_prospect *p, const cad_enroll_req *req,
                    gint64 now, gboolean record_refusal, guint64 *id_out,
                    GError **error);

/*
 * cad_refusal_txn - the "refused" event of an enrollment that did not
 * happen, in the one format every refusal uses:
 *   address=ADDRESS cadence=CADENCE rep=REP reason=WHY
 * with "-" for an address when the refusal is about the message (an
 * unknown cadence, a sender that may not enroll) rather than a
 * prospect. Values are made printable and bounded: they come from mail.
 */
gboolean cad_refusal_txn(cad_txn *txn, const char *address, const char *cadence,
                         const char *rep, const char *reason, gint64 now,
                         GError **error);

/*
 * cad_refusal_record - cad_refusal_txn and, when notice is not NULL, the
 * notice to the rep, in one write transaction of its own.
 */
gboolean cad_refusal_record(cad_store *store, const char *address,
                            const char *cadence, const char *rep,
                            const char *reason, const cad_notice_req *notice,
                            gint64 now, GError **error);

/* One row of a batched import. */
typedef struct {
	const cad_prospect *p; /* NULL: a bad row, left alone */
	guint line;            /* the caller's row number, for errors */
	guint64 id;            /* out: the enrollment, 0 when refused */
	GError *refused;       /* out: SUPPRESSED or ACTIVE, why not */
} cad_enroll_row;

/*
 * cad_enroll_batch - enroll the prospect of each row in req's cadence, all
 * in one write transaction (a CRM export of 100,000 rows is a few hundred
 * commits, not 100,000). A refused row gets its reason in row->refused
 * (the caller frees it) and the batch goes on; any other error ends the
 * batch with nothing written: "line N: why". Refusals are not recorded
 * as events: the admin sees each one in the import's report.
 */
gboolean cad_enroll_batch(cad_store *store, const cad_conf *conf,
                          const cad_enroll_req *req, cad_enroll_row *rows,
                          guint n, gint64 now, GError **error);

/*
 * cad_prospect_update - merge the fields of `fields` into the record of
 * the prospect at fields->address (cadencectl set-field). Errors:
 * NOT_FOUND when the prospect has no record (enroll it first), CORRUPT
 * when its record does not decode.
 */
gboolean cad_prospect_update(cad_store *store, const cad_prospect *fields,
                             GError **error);

#endif
