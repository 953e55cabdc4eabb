/*
 * inbound.h: inbound mail that concerns an enrollment. A message is
 * matched to an enrollment in DESIGN.md's order, classified, and its
 * outcome recorded through core/actions.h. The milter calls this at end
 * of message; `cadencectl ingest` (a pipe(8) transport for the bounce and
 * unsubscribe addresses) calls the same function, so both record the same
 * events.
 */
#ifndef CAD_INBOUND_INBOUND_H
#define CAD_INBOUND_INBOUND_H

#include <glib.h>

#include "conf/conf.h"
#include "mail/classify.h"
#include "store/store.h"

/* Most envelope recipients looked at for a token (Postfix's default
 * smtpd_recipient_limit is 1000). */
#define CAD_INBOUND_RCPTS_MAX 1000

/* How a message was tied to an enrollment, in the order tried. */
typedef enum {
	CAD_MATCH_NONE = 0,
	CAD_MATCH_VERP,        /* bounces+TOKEN@ in the envelope */
	CAD_MATCH_UNSUBSCRIBE, /* unsubscribe+TOKEN@ in the envelope */
	CAD_MATCH_TASK,        /* tasks+TOKEN@ in the envelope */
	CAD_MATCH_THREAD,      /* our Message-ID in In-Reply-To/References */
	CAD_MATCH_RETURNED,    /* our Message-ID inside a returned message */
	CAD_MATCH_SENDER,      /* From: the address of a live prospect */
} cad_match_kind;

/* "verp", "unsubscribe", "task", "thread", "returned", "sender", "none". */
const char *cad_match_kind_name(cad_match_kind m);

/* What was recorded. */
typedef enum {
	CAD_OUTCOME_NONE = 0, /* not ours, or nothing to record */
	CAD_OUTCOME_REPLIED,
	CAD_OUTCOME_AUTO_REPLY,
	CAD_OUTCOME_HARD_BOUNCE,
	CAD_OUTCOME_SOFT_BOUNCE,
	CAD_OUTCOME_UNSUBSCRIBED,
	CAD_OUTCOME_COMPLAINT,
	CAD_OUTCOME_TASK_ANSWER,
} cad_outcome;

/* "replied", "auto_reply", ...: the event names of store.h, "none". */
const char *cad_outcome_name(cad_outcome o);

typedef struct {
	cad_match_kind match;
	cad_outcome outcome;
	cad_kind kind;      /* the classifier's verdict */
	guint64 enrollment; /* 0 when none matched */
	char *prospect;     /* the enrollment's prospect, or NULL */
	char *cadence;      /* the enrollment's cadence, or NULL */
	guint32 step;       /* cadence step number last sent (1: the rep's) */
	/* X-Cadence header value for a message that is delivered
	 * ("replied cold step 3 id 42"), or NULL */
	char *header;
	/* guint indexes into rcpts of recipients to remove: token
	 * addresses whose message was recorded */
	GArray *consumed;
} cad_inbound_result;

/* cad_inbound_result_clear - free what r holds and zero it. */
void cad_inbound_result_clear(cad_inbound_result *r);

/*
 * cad_inbound_process - classify the message (data, len: raw RFC 5322,
 * CRLF or LF; may be cut short by the caller's body cap), match it to an
 * enrollment and record the outcome:
 *   human reply       cad_act_reply (the prospect's other enrollments and,
 *                     with account_exit, the domain's halt too)
 *   auto-reply        cad_act_auto_reply until the return date it names,
 *                     else auto_reply_pause_days
 *   hard/soft bounce  cad_act_bounce
 *   unsubscribe/ARF   cad_act_unsubscribe (ARF: complaint), and a notice
 *                     to the rep
 *   task answer       cad_act_task_answer ("done", "skip", "stop", ...
 *                     from a rep in rep_domains)
 * Mail from a rep domain is never taken for a prospect's reply (the rep's
 * own messages in the thread, and our follow-ups, pass through here).
 * envelope_from: the bare envelope sender ("" or NULL for <>). rcpts: the
 * envelope recipients, NULL-terminated, in any form (<a@b> or a@b).
 * Returns FALSE with error only when the store failed; out is filled in
 * either way (out->outcome NONE when nothing was recorded).
 */
gboolean cad_inbound_process(cad_store *store, const cad_conf *conf,
                             const char *envelope_from,
                             const char *const *rcpts, const char *data,
                             gsize len, gint64 now, cad_inbound_result *out,
                             GError **error);

/*
 * cad_inbound_describe - one log fragment for r: "enrollment=42
 * prospect=... cadence=cold step=3 match=thread kind=human_reply
 * outcome=replied consumed=0". Caller frees.
 */
char *cad_inbound_describe(const cad_inbound_result *r);

/*
 * cad_inbound_wanted - decide from the envelope and a few headers, with
 * B-tree lookups only, whether a message may concern an enrollment, so
 * that the milter fetches the body of only those: a token recipient, a
 * null sender or a mailer-daemon From (bounces), a Message-ID of ours in
 * In-Reply-To/References, or a From that is a live prospect. Header
 * values are raw (NULL when absent). Returns FALSE with error when the
 * store failed.
 */
gboolean cad_inbound_wanted(cad_store *store, const cad_conf *conf,
                            const char *envelope_from, const char *const *rcpts,
                            const char *from, const char *in_reply_to,
                            const char *references, gboolean *wanted,
                            GError **error);

#endif
