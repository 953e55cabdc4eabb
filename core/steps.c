/*
 * steps.c: the sender's changes to a step, by the table of states.c, in
 * the caller's transaction. See steps.h.
 */
#include "core/steps.h"

#include "core/internal.h"
#include "core/states.h"

gboolean
cad_step_reschedule_txn(cad_txn *txn, cad_enrollment *e, gint64 when,
                        GError **error)
{
	if (!cad_rule_check(e, CAD_ON_WINDOW, error))
		return FALSE;
	e->next_due = when;
	return cad_transition_txn(txn, NULL, e, CAD_ON_WINDOW, NULL, 0, NULL, 0,
	                          error);
}

gboolean
cad_step_stop_suppressed_txn(cad_txn *txn, cad_enrollment *e, guint32 step,
                             const char *why, gint64 now, GError **error)
{
	return cad_transition_txn(txn, NULL, e, CAD_ON_SUPPRESSED,
	                          CAD_EV_STOPPED, step, why, now, error);
}

gboolean
cad_step_task_timeout_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                          guint32 step, gint64 now, GError **error)
{
	return cad_transition_txn(txn, conf, e, CAD_ON_TASK_TIMEOUT,
	                          CAD_EV_TASK_TIMEOUT, step,
	                          "no answer from the rep", now, error);
}

gboolean
cad_step_mark_sending_txn(cad_txn *txn, cad_enrollment *e, cad_throttle *thr,
                          guint32 step, const char *msgid, gint64 now,
                          GError **error)
{
	g_autofree char *detail = NULL;
	gboolean suppressed;

	if (!cad_rule_check(e, CAD_ON_MARK_SENDING, error) ||
	    !cad_store_is_suppressed(txn, e->address, &suppressed, NULL, error))
		return FALSE;
	if (suppressed) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_SUPPRESSED,
		            "%s is on the suppression list", e->address);
		return FALSE;
	}
	e->step_status = CAD_STEP_SENDING;
	g_free(e->sending_msgid);
	e->sending_msgid = g_strdup(msgid);
	e->next_due = 0;
	e->attempts++;
	detail = g_strdup_printf("<%s>", msgid);
	return cad_transition_txn(txn, NULL, e, CAD_ON_MARK_SENDING,
	                          CAD_EV_SENDING, step, detail, now, error) &&
	       (thr == NULL || cad_throttle_record(
	                           thr, txn, e->rep,
	                           cad_address_domain(e->address), now, error));
}

static void
clear_sending(cad_enrollment *e)
{
	e->step_status = CAD_STEP_IDLE;
	g_clear_pointer(&e->sending_msgid, g_free);
}

gboolean
cad_step_sent_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                  guint32 step, const char *msgid, const char *reply,
                  gint64 now, GError **error)
{
	char *refs;

	if (!cad_store_msgid_put(txn, msgid, e->id, step, error))
		return FALSE;
	refs = e->thread_refs != NULL && *e->thread_refs
	           ? g_strdup_printf("%s <%s>", e->thread_refs, msgid)
	           : g_strdup_printf("<%s>", msgid);
	g_free(e->thread_refs);
	e->thread_refs = refs;
	/* Halted while it was on the wire (a reply): recorded, kept. */
	if (cad_rule_of(e, CAD_ON_SENT).kind != CAD_RULE_STEP) {
		clear_sending(e);
		e->attempts = 0;
	}
	return cad_transition_txn(txn, conf, e, CAD_ON_SENT, CAD_EV_SENT, step,
	                          reply, now, error);
}

gboolean
cad_step_task_sent_txn(cad_txn *txn, cad_enrollment *e, guint32 step,
                       const char *msgid, const char *reply, gint64 timeout_at,
                       gint64 now, GError **error)
{
	if (!cad_store_msgid_put(txn, msgid, e->id, step, error))
		return FALSE;
	clear_sending(e);
	e->attempts = 0;
	if (cad_rule_of(e, CAD_ON_TASK_SENT).kind == CAD_RULE_MOVE)
		e->next_due = timeout_at;
	return cad_transition_txn(txn, NULL, e, CAD_ON_TASK_SENT, CAD_EV_TASK,
	                          step, reply, now, error);
}

gint64
cad_step_backoff(guint32 attempts)
{
	gint64 d = CAD_STEP_BACKOFF_FIRST;

	for (guint32 i = 1; i < attempts && d < CAD_STEP_BACKOFF_MAX; i++)
		d *= 2;
	return MIN(d, CAD_STEP_BACKOFF_MAX);
}

/* given_up - TRUE when the back-offs so far reach retry_max_hours. */
static gboolean
given_up(const cad_conf *conf, guint32 attempts)
{
	gint64 total = 0;

	for (guint32 k = 1; k <= attempts; k++)
		total += cad_step_backoff(k);
	return total >= (gint64)conf->retry_max_hours * 3600;
}

gboolean
cad_step_deferred_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                      guint32 step, const char *reply, gint64 now,
                      gboolean *gave_up, GError **error)
{
	clear_sending(e);
	*gave_up = given_up(conf, e->attempts);
	e->next_due = *gave_up ? now : now + cad_step_backoff(e->attempts);
	return cad_transition_txn(txn, NULL, e, CAD_ON_DEFERRED,
	                          CAD_EV_DEFERRED, step, reply, now, error);
}

gboolean
cad_step_relay_refused_txn(cad_txn *txn, cad_enrollment *e, gint64 now,
                           GError **error)
{
	clear_sending(e);
	e->next_due = now;
	return cad_transition_txn(txn, NULL, e, CAD_ON_RELAY_REFUSED, NULL, 0,
	                          NULL, now, error);
}
