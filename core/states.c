/*
 * states.c: the table of (state, trigger) -> rule, and the one function
 * that writes a change of state by it. See states.h.
 */
#include "core/states.h"

#include "core/internal.h"

/* The cells of the table, short so that its columns line up. */
// clang-format off
#define TO(s) {CAD_RULE_MOVE, CAD_STATE_##s}
#define STEP  {CAD_RULE_STEP, CAD_STATE_ACTIVE}
#define KEEP  {CAD_RULE_KEEP, CAD_STATE_ACTIVE}
#define SKIP  {CAD_RULE_IGNORE, CAD_STATE_ACTIVE}
#define NO    {CAD_RULE_REFUSE, CAD_STATE_ACTIVE}
// clang-format on

/*
 * One line per trigger, one column per row: the live rows (active,
 * paused by the admin or an error, paused by an auto-reply, waiting on a
 * task), then the final ones. TO(S) moves to state S; STEP ends the step
 * (active at the next, completed after the last); KEEP records and keeps
 * the state; SKIP leaves the enrollment alone; NO refuses (STATE).
 *
 * A reply or a hard bounce still changes an enrollment that completed.
 * An auto-reply pauses an active enrollment or extends its own pause;
 * the admin's pause is not shortened, a task's wait and a final state
 * stay. Asking to be left alone overrides a stop, a reply or the end.
 * Only an auto-reply's pause ends by itself (pause_over); the admin's
 * waits for a resume. A step delivered while its enrollment was halted
 * or paused meanwhile is recorded and moves nothing. The sender's steps
 * are refused outside the state the sender decided on, so that a change
 * made under its feet is never written over.
 */
// clang-format off
static const cad_rule table[CAD_ON_COUNT][CAD_ROW_COUNT] = {
/*                         active        paused        paused_auto   waiting       replied   bounced  unsubscr.  completed     stopped */
[CAD_ON_ADVANCE]        = {STEP,         STEP,         STEP,         STEP,         NO,       NO,      NO,        NO,           NO},
[CAD_ON_PAUSE]          = {TO(PAUSED),   TO(PAUSED),   TO(PAUSED),   TO(PAUSED),   NO,       NO,      NO,        NO,           NO},
[CAD_ON_RESUME]         = {NO,           TO(ACTIVE),   TO(ACTIVE),   NO,           NO,       NO,      NO,        NO,           NO},
[CAD_ON_STOP]           = {TO(STOPPED),  TO(STOPPED),  TO(STOPPED),  TO(STOPPED),  NO,       NO,      NO,        NO,           NO},
[CAD_ON_ERROR]          = {TO(PAUSED),   TO(PAUSED),   TO(PAUSED),   TO(PAUSED),   NO,       NO,      NO,        NO,           NO},
[CAD_ON_PAUSE_OVER]     = {NO,           NO,           TO(ACTIVE),   NO,           NO,       NO,      NO,        NO,           NO},
[CAD_ON_REPLY]          = {TO(REPLIED),  TO(REPLIED),  TO(REPLIED),  TO(REPLIED),  KEEP,     KEEP,    KEEP,      TO(REPLIED),  KEEP},
[CAD_ON_AUTO_REPLY]     = {TO(PAUSED),   KEEP,         TO(PAUSED),   KEEP,         KEEP,     KEEP,    KEEP,      KEEP,         KEEP},
[CAD_ON_HARD_BOUNCE]    = {TO(BOUNCED),  TO(BOUNCED),  TO(BOUNCED),  TO(BOUNCED),  KEEP,     KEEP,    KEEP,      TO(BOUNCED),  KEEP},
[CAD_ON_SOFT_BOUNCE]    = {KEEP,         KEEP,         KEEP,         KEEP,         KEEP,     KEEP,    KEEP,      KEEP,         KEEP},
[CAD_ON_UNSUBSCRIBE]    = {TO(UNSUBSCRIBED), TO(UNSUBSCRIBED), TO(UNSUBSCRIBED), TO(UNSUBSCRIBED),
                           TO(UNSUBSCRIBED), KEEP,  KEEP,      TO(UNSUBSCRIBED), TO(UNSUBSCRIBED)},
[CAD_ON_HALT_REPLIED]   = {TO(REPLIED),  TO(REPLIED),  TO(REPLIED),  TO(REPLIED),  SKIP,     SKIP,    SKIP,      SKIP,         SKIP},
[CAD_ON_HALT_BOUNCED]   = {TO(BOUNCED),  TO(BOUNCED),  TO(BOUNCED),  TO(BOUNCED),  SKIP,     SKIP,    SKIP,      SKIP,         SKIP},
[CAD_ON_HALT_UNSUBSCRIBED] = {TO(UNSUBSCRIBED), TO(UNSUBSCRIBED), TO(UNSUBSCRIBED), TO(UNSUBSCRIBED),
                           SKIP,         SKIP,         SKIP,         SKIP,         SKIP},
[CAD_ON_ACCOUNT_EXIT]   = {TO(STOPPED),  TO(STOPPED),  TO(STOPPED),  TO(STOPPED),  SKIP,     SKIP,    SKIP,      SKIP,         SKIP},
[CAD_ON_TASK_DONE]      = {STEP,         STEP,         STEP,         STEP,         NO,       NO,      NO,        NO,           NO},
[CAD_ON_SKIP]           = {STEP,         STEP,         STEP,         STEP,         NO,       NO,      NO,        NO,           NO},
[CAD_ON_TASK_TIMEOUT]   = {NO,           NO,           NO,           STEP,         NO,       NO,      NO,        NO,           NO},
[CAD_ON_WINDOW]         = {KEEP,         NO,           NO,           NO,           NO,       NO,      NO,        NO,           NO},
[CAD_ON_SUPPRESSED]     = {TO(STOPPED),  NO,           NO,           NO,           NO,       NO,      NO,        NO,           NO},
[CAD_ON_MARK_SENDING]   = {KEEP,         NO,           NO,           NO,           NO,       NO,      NO,        NO,           NO},
[CAD_ON_SENT]           = {STEP,         KEEP,         KEEP,         KEEP,         KEEP,     KEEP,    KEEP,      KEEP,         KEEP},
[CAD_ON_TASK_SENT]      = {TO(WAITING),  KEEP,         KEEP,         KEEP,         KEEP,     KEEP,    KEEP,      KEEP,         KEEP},
[CAD_ON_DEFERRED]       = {KEEP,         KEEP,         KEEP,         KEEP,         KEEP,     KEEP,    KEEP,      KEEP,         KEEP},
[CAD_ON_RELAY_REFUSED]  = {KEEP,         KEEP,         KEEP,         KEEP,         KEEP,     KEEP,    KEEP,      KEEP,         KEEP},
};

// clang-format on

cad_row
cad_row_of(const cad_enrollment *e)
{
	static const cad_row rows[CAD_STATE_COUNT] = {
	    [CAD_STATE_ACTIVE] = CAD_ROW_ACTIVE,
	    [CAD_STATE_PAUSED] = CAD_ROW_PAUSED,
	    [CAD_STATE_WAITING] = CAD_ROW_WAITING,
	    [CAD_STATE_REPLIED] = CAD_ROW_REPLIED,
	    [CAD_STATE_BOUNCED] = CAD_ROW_BOUNCED,
	    [CAD_STATE_UNSUBSCRIBED] = CAD_ROW_UNSUBSCRIBED,
	    [CAD_STATE_COMPLETED] = CAD_ROW_COMPLETED,
	    [CAD_STATE_STOPPED] = CAD_ROW_STOPPED,
	};

	if ((guint)e->state >= CAD_STATE_COUNT)
		g_error("enrollment %" G_GUINT64_FORMAT " in state %d", e->id,
		        (int)e->state);
	if (e->state == CAD_STATE_PAUSED && e->paused_until != 0)
		return CAD_ROW_PAUSED_AUTO;
	return rows[e->state];
}

cad_rule
cad_rule_at(cad_row row, cad_trigger on)
{
	g_return_val_if_fail((guint)row < CAD_ROW_COUNT &&
	                         (guint)on < CAD_ON_COUNT,
	                     (cad_rule)NO);
	return table[on][row];
}

cad_rule
cad_rule_of(const cad_enrollment *e, cad_trigger on)
{
	return cad_rule_at(cad_row_of(e), on);
}

const char *
cad_row_name(cad_row row)
{
	static const char *const names[CAD_ROW_COUNT] = {
	    [CAD_ROW_ACTIVE] = "active",
	    [CAD_ROW_PAUSED] = "paused",
	    [CAD_ROW_PAUSED_AUTO] = "paused (auto-reply)",
	    [CAD_ROW_WAITING] = "waiting",
	    [CAD_ROW_REPLIED] = "replied",
	    [CAD_ROW_BOUNCED] = "bounced",
	    [CAD_ROW_UNSUBSCRIBED] = "unsubscribed",
	    [CAD_ROW_COMPLETED] = "completed",
	    [CAD_ROW_STOPPED] = "stopped",
	};

	return (guint)row < CAD_ROW_COUNT ? names[row] : "?";
}

const char *
cad_trigger_name(cad_trigger on)
{
	static const char *const names[CAD_ON_COUNT] = {
	    [CAD_ON_ADVANCE] = "advance",
	    [CAD_ON_PAUSE] = "pause",
	    [CAD_ON_RESUME] = "resume",
	    [CAD_ON_STOP] = "stop",
	    [CAD_ON_ERROR] = "error",
	    [CAD_ON_PAUSE_OVER] = "pause_over",
	    [CAD_ON_REPLY] = "reply",
	    [CAD_ON_AUTO_REPLY] = "auto_reply",
	    [CAD_ON_HARD_BOUNCE] = "hard_bounce",
	    [CAD_ON_SOFT_BOUNCE] = "soft_bounce",
	    [CAD_ON_UNSUBSCRIBE] = "unsubscribe",
	    [CAD_ON_HALT_REPLIED] = "halt_replied",
	    [CAD_ON_HALT_BOUNCED] = "halt_bounced",
	    [CAD_ON_HALT_UNSUBSCRIBED] = "halt_unsubscribed",
	    [CAD_ON_ACCOUNT_EXIT] = "account_exit",
	    [CAD_ON_TASK_DONE] = "task_done",
	    [CAD_ON_SKIP] = "skip",
	    [CAD_ON_TASK_TIMEOUT] = "task_timeout",
	    [CAD_ON_WINDOW] = "window",
	    [CAD_ON_SUPPRESSED] = "suppressed",
	    [CAD_ON_MARK_SENDING] = "mark_sending",
	    [CAD_ON_SENT] = "sent",
	    [CAD_ON_TASK_SENT] = "task_sent",
	    [CAD_ON_DEFERRED] = "deferred",
	    [CAD_ON_RELAY_REFUSED] = "relay_refused",
	};

	return (guint)on < CAD_ON_COUNT ? names[on] : "?";
}

gboolean
cad_rule_check(const cad_enrollment *e, cad_trigger on, GError **error)
{
	if (cad_rule_of(e, on).kind != CAD_RULE_REFUSE)
		return TRUE;
	g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_STATE,
	            "enrollment %" G_GUINT64_FORMAT " of %s is %s%s", e->id,
	            e->address, cad_state_name(e->state),
	            on == CAD_ON_RESUME ? ", not paused" : "");
	return FALSE;
}

static gboolean
add_event(cad_txn *txn, const cad_enrollment *e, const char *type, guint32 step,
          const char *detail, gint64 now, GError **error)
{
	return type == NULL ||
	       cad_store_event_add(txn, e->id, type, step, detail, now, error);
}

gboolean
cad_transition_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                   cad_trigger on, const char *type, guint32 step,
                   const char *detail, gint64 now, GError **error)
{
	return cad_core_apply(txn, conf, e, cad_rule_of(e, on), on, type, step,
	                      detail, now, error);
}

gboolean
cad_core_apply(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
               cad_rule r, cad_trigger on, const char *type, guint32 step,
               const char *detail, gint64 now, GError **error)
{
	switch (r.kind) {
	case CAD_RULE_REFUSE:
		return cad_rule_check(e, on, error);
	case CAD_RULE_IGNORE:
		return TRUE;
	case CAD_RULE_STEP:
		g_return_val_if_fail(conf != NULL, FALSE);
		return add_event(txn, e, type, step, detail, now, error) &&
		       cad_core_advance_step(txn, conf, e, now, error);
	case CAD_RULE_MOVE:
		e->state = r.next;
		if (cad_state_is_final(r.next)) {
			e->next_due = 0;
			e->step_status = CAD_STEP_IDLE;
		}
		break;
	case CAD_RULE_KEEP:
		break;
	}
	return cad_store_enrollment_put(txn, e, error) &&
	       add_event(txn, e, type, step, detail, now, error);
}
