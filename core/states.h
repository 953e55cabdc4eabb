/*
 * states.h: the one table of an enrollment's states: for every state and
 * every trigger (what happened to it), whether the change is legal and
 * the state it leads to. Every change of an enrollment in core/ is
 * checked here first and written by cad_transition_txn, so the rules of
 * DESIGN.md's state diagram live in one place (core/states.c), tested
 * pair by pair (tests/core/test_states.c).
 */
#ifndef CAD_STATES_H
#define CAD_STATES_H

#include <glib.h>

#include "conf/conf.h"
#include "store/store.h"

/*
 * The rows of the table: the eight states, with paused split in two,
 * since an auto-reply's pause (paused_until set) and the admin's or an
 * error's pause (paused_until 0) answer an auto-reply differently: the
 * first is extended, the second is never shortened.
 */
typedef enum {
	CAD_ROW_ACTIVE,
	CAD_ROW_PAUSED, /* by the admin or an error: paused_until 0 */
	CAD_ROW_PAUSED_AUTO,
	CAD_ROW_WAITING,
	CAD_ROW_REPLIED,
	CAD_ROW_BOUNCED,
	CAD_ROW_UNSUBSCRIBED,
	CAD_ROW_COMPLETED,
	CAD_ROW_STOPPED,
	CAD_ROW_COUNT,
} cad_row;

/* What happened to an enrollment: the columns of the table. */
typedef enum {
	/* The current step is done and the next is scheduled. */
	CAD_ON_ADVANCE,
	/* The admin's pause, resume, stop; a step that cannot be sent. */
	CAD_ON_PAUSE,
	CAD_ON_RESUME,
	CAD_ON_STOP,
	CAD_ON_ERROR,
	/* The sender: an auto-reply pause is over. */
	CAD_ON_PAUSE_OVER,
	/* Inbound mail about this enrollment. */
	CAD_ON_REPLY,
	CAD_ON_AUTO_REPLY,
	CAD_ON_HARD_BOUNCE,
	CAD_ON_SOFT_BOUNCE,
	CAD_ON_UNSUBSCRIBE, /* an unsubscribe request or a complaint */
	/* Another enrollment of the same prospect replied, bounced or
	 * unsubscribed; one at the same company replied (account exit). */
	CAD_ON_HALT_REPLIED,
	CAD_ON_HALT_BOUNCED,
	CAD_ON_HALT_UNSUBSCRIBED,
	CAD_ON_ACCOUNT_EXIT,
	/* A rep's answer to a task: "done", "connected", "skip" advance;
	 * "stop" and "meeting" are CAD_ON_STOP. The admin's skip. */
	CAD_ON_TASK_DONE,
	CAD_ON_SKIP,
	/* The sender's steps. */
	CAD_ON_TASK_TIMEOUT,  /* a task left unanswered past its timeout */
	CAD_ON_WINDOW,        /* due outside the window: moved to a slot */
	CAD_ON_SUPPRESSED,    /* the address is suppressed: stop */
	CAD_ON_MARK_SENDING,  /* marked "sending" before DATA */
	CAD_ON_SENT,          /* an email step delivered (2xx) */
	CAD_ON_TASK_SENT,     /* a task reminder delivered to the rep */
	CAD_ON_DEFERRED,      /* 4xx or no connection: retried */
	CAD_ON_RELAY_REFUSED, /* 5xx: handed back, due now, for the act */
	CAD_ON_COUNT,
} cad_trigger;

typedef enum {
	CAD_RULE_MOVE,   /* legal: the state becomes rule.next */
	CAD_RULE_STEP,   /* legal: the current step is done; active at the
	                    next step, or completed after the last */
	CAD_RULE_KEEP,   /* legal: recorded, the state stays */
	CAD_RULE_IGNORE, /* left alone: nothing is written */
	CAD_RULE_REFUSE, /* illegal: CAD_STORE_ERROR_STATE, nothing written */
} cad_rule_kind;

typedef struct {
	cad_rule_kind kind;
	cad_state next; /* CAD_RULE_MOVE only */
} cad_rule;

/* The row of e: its state, paused split by paused_until. */
cad_row cad_row_of(const cad_enrollment *e);
/* The rule at (row, on): the table itself. */
cad_rule cad_rule_at(cad_row row, cad_trigger on);
/* The rule for e and on: cad_rule_at(cad_row_of(e), on). */
cad_rule cad_rule_of(const cad_enrollment *e, cad_trigger on);
/* Names for messages and tests: "paused (auto-reply)", "task_done". */
const char *cad_row_name(cad_row row);
const char *cad_trigger_name(cad_trigger on);

/*
 * cad_rule_check - TRUE when the table lets on happen to e; else FALSE
 * with CAD_STORE_ERROR_STATE, "enrollment N of ADDRESS is STATE" (for a
 * resume: "..., not paused").
 */
gboolean cad_rule_check(const cad_enrollment *e, cad_trigger on,
                        GError **error);

/*
 * cad_transition_txn - on happens to e, in the caller's write
 * transaction, as the table says, recorded by an event (type, step,
 * detail; no event when type is NULL):
 *   MOVE    e->state becomes the rule's next (a final state clears the
 *           due time and the step's "sending"); e and the event written;
 *   STEP    the event written, then the step advances (cad_advance_txn:
 *           e active at its next step, or completed with a "completed"
 *           event); conf must not be NULL;
 *   KEEP    e (with whatever the caller changed) and the event written;
 *   IGNORE  nothing written; TRUE;
 *   REFUSE  nothing written; FALSE with CAD_STORE_ERROR_STATE.
 * Errors: the store's, and NOT_FOUND for a cadence missing from conf.
 */
gboolean cad_transition_txn(cad_txn *txn, const cad_conf *conf,
                            cad_enrollment *e, cad_trigger on, const char *type,
                            guint32 step, const char *detail, gint64 now,
                            GError **error);

#endif
