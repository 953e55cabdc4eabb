/*
 * enroll.h: enrollment by BCC. A rep's message to prospects with the
 * cadence address among the envelope recipients becomes a plan (which
 * cadence, which To/Cc recipients, the thread root), and the plan is run
 * through cad_enroll(): every refusal is recorded and told to the rep in
 * one short notice, since the rep cannot see the milter's log.
 */
#ifndef CAD_INBOUND_ENROLL_H
#define CAD_INBOUND_ENROLL_H

#include <glib.h>

#include "conf/conf.h"
#include "inbound/trust.h"
#include "store/store.h"

/*
 * Most prospects enrolled from one message. A rep writes to a prospect or
 * a buying group, a handful of people; a message to more is a mailing,
 * not a cadence, and the rest are refused with a notice.
 */
#define CAD_ENROLL_PROSPECTS_MAX 50

/* Most addresses we read in To and Cc together before giving up. */
#define CAD_ENROLL_ADDRESSES_MAX 500

typedef struct {
	char *cadence;        /* the cadence asked for (+NAME or the default) */
	char *rep;            /* bare, lower-cased sender */
	char *root_msgid;     /* the rep's Message-ID without <>, or NULL */
	char *subject;        /* decoded Subject, or NULL */
	GPtrArray *prospects; /* cad_prospect*: To and Cc, not colleagues */
	guint colleagues;     /* To/Cc recipients left out: rep domains */
	guint over_limit;     /* left out past CAD_ENROLL_PROSPECTS_MAX */
} cad_enroll_plan;

void cad_enroll_plan_free(cad_enroll_plan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_enroll_plan, cad_enroll_plan_free)

/*
 * cad_enroll_plan_new - read the rep's message (data, len: headers and
 * any part of the body) into a plan: cadence is the +NAME of the cadence
 * address (NULL: default_cadence), rep the bare sender. Prospects are the
 * To and Cc mailboxes that are neither in rep_domains nor one of the
 * milter's own addresses, each once, with first/last name from the
 * display name and company from the domain. Returns NULL with an error
 * when the headers do not parse. Caller frees.
 */
cad_enroll_plan *cad_enroll_plan_new(const cad_conf *conf, const char *cadence,
                                     const char *rep, const char *data,
                                     gsize len, GError **error);

/* Why one prospect was not enrolled. */
typedef enum {
	CAD_ENROLL_OK = 0,
	CAD_ENROLL_SUPPRESSED,      /* on the suppression list */
	CAD_ENROLL_ACTIVE,          /* already live in a cadence */
	CAD_ENROLL_UNKNOWN_CADENCE, /* no such cadence */
	CAD_ENROLL_UNTRUSTED,       /* the sender may not enroll */
	CAD_ENROLL_OVER_LIMIT,      /* past CAD_ENROLL_PROSPECTS_MAX */
	CAD_ENROLL_FAILED,          /* the store failed */
} cad_enroll_status;

const char *cad_enroll_status_describe(cad_enroll_status s);

typedef struct {
	char *address;
	cad_enroll_status status;
	guint64 id; /* the enrollment, when enrolled */
} cad_enroll_outcome;

/* The result of running a plan; free with cad_enroll_result_free. */
typedef struct {
	GArray *outcomes; /* cad_enroll_outcome, one per prospect */
	guint enrolled, refused, failed;
	gboolean noticed; /* a notice was queued for the rep */
} cad_enroll_result;

void cad_enroll_result_free(cad_enroll_result *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_enroll_result, cad_enroll_result_free)

/*
 * cad_enroll_run - enroll each prospect of plan with cad_enroll() (refusals
 * recorded as "refused" events), then queue one notice to the rep naming
 * every prospect that was not enrolled and why. An unknown cadence
 * refuses all. Store failures are counted in the result and logged; the
 * function never fails as a whole, so that mail always goes through.
 * tag names the message in log lines (the queue id), may be NULL.
 */
cad_enroll_result *cad_enroll_run(cad_store *store, const cad_conf *conf,
                                  const cad_enroll_plan *plan, const char *tag,
                                  gint64 now);

/*
 * cad_enroll_refuse_untrusted - record a "refused" event for a message to
 * the cadence address from a sender who may not enroll, and queue a
 * notice when the sender is in rep_domains (a rep who forgot to log in),
 * never to an outside address (that would be backscatter). Returns
 * FALSE and logs when the store failed.
 */
gboolean cad_enroll_refuse_untrusted(cad_store *store, const cad_conf *conf,
                                     const char *sender, const char *cadence,
                                     cad_trust why, const char *tag,
                                     gint64 now);

#endif
