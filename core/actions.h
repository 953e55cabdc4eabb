/*
 * actions.h: the changes of state every program makes, each in one write
 * transaction with the event that records it: advance to the next step,
 * halt on a reply (with account exit), pause on an auto-reply, bounce,
 * unsubscribe or complaint, task answers, and the admin's pause, resume,
 * stop and skip. Every one is checked against the table of core/states.h.
 * The milter, the sender and cadencectl call these (and core/enroll.h,
 * core/steps.h, core/notices.h, core/suppress.h, core/throttle.h) and
 * nothing else to change the store: core/ is its only writer.
 */
#ifndef CAD_ACTIONS_H
#define CAD_ACTIONS_H

#include <glib.h>

#include "conf/conf.h"
#include "core/enroll.h"
#include "core/notices.h"
#include "store/store.h"

/*
 * cad_advance_txn - the current step is done (sent, task done or timed
 * out, skipped): move to the next step and schedule it, or complete the
 * enrollment after the last. Appends "completed" when it completes.
 * Clears step_status and attempts. Errors: STATE for a final enrollment
 * (CAD_ON_ADVANCE), NOT_FOUND for a cadence gone from conf.
 */
gboolean cad_advance_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                         gint64 now, GError **error);

/*
 * cad_resume_txn - a paused enrollment goes on (the admin's resume):
 * active again, its current step rescheduled no earlier than the next
 * open slot after now, and a "resumed" event. Errors: STATE "..., not
 * paused" for an enrollment that is not paused.
 */
gboolean cad_resume_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                        const char *who, gint64 now, GError **error);

/*
 * cad_pause_over_txn - the same when an auto-reply's pause ends (the
 * sender, when such an enrollment comes due): STATE for any other pause,
 * which waits for the admin.
 */
gboolean cad_pause_over_txn(cad_txn *txn, const cad_conf *conf,
                            cad_enrollment *e, const char *who, gint64 now,
                            GError **error);

/* The step number (cadence numbering) last done: 1 before any follow-up. */
guint32 cad_last_step_number(const cad_conf *conf, const cad_enrollment *e);

/* One planned step of an enrollment, for `cadencectl schedule`. */
typedef struct {
	guint32 index; /* 0-based step index */
	const cad_step *step;
	gint64 when; /* planned time */
} cad_planned_step;

/*
 * cad_plan - the planned time of each remaining step of e (from e->step
 * on), in order; empty for a final state. Caller frees the GArray of
 * cad_planned_step.
 */
GArray *cad_plan(cad_txn *txn, const cad_conf *conf, const cad_enrollment *e,
                 GError **error);

/*
 * Inbound outcomes, each in its own write transaction. detail is free
 * text for the event (classification, status code, who). Enrollments in a
 * final state are left alone (the event is still recorded).
 *
 * cad_act_reply: e replied; every other live enrollment of the prospect
 * halts too, and with [milter] account_exit every live enrollment at the
 * same domain ("account_exit" events).
 * cad_act_auto_reply: paused until `until` (0: now + auto_reply_pause_days),
 * then resumed by the sender.
 * cad_act_bounce: hard: bounced, address suppressed; soft: counted, and
 * treated as hard at soft_bounce_limit.
 * cad_act_unsubscribe: unsubscribed and suppressed (complaint: the event
 * is "complaint").
 */
gboolean cad_act_reply(cad_store *store, const cad_conf *conf, guint64 id,
                       const char *detail, gint64 now, GError **error);
gboolean cad_act_auto_reply(cad_store *store, const cad_conf *conf, guint64 id,
                            gint64 until, const char *detail, gint64 now,
                            GError **error);
gboolean cad_act_bounce(cad_store *store, const cad_conf *conf, guint64 id,
                        const char *address, gboolean hard, const char *detail,
                        gint64 now, GError **error);
gboolean cad_act_unsubscribe(cad_store *store, const cad_conf *conf, guint64 id,
                             gboolean complaint, const char *detail, gint64 now,
                             GError **error);

typedef enum {
	CAD_ANSWER_DONE,
	CAD_ANSWER_SKIP,
	CAD_ANSWER_STOP,
	CAD_ANSWER_CONNECTED, /* a call step: done, and the call connected */
	CAD_ANSWER_MEETING,   /* done, and a meeting was booked */
} cad_answer;

gboolean cad_answer_parse(const char *word, cad_answer *out);

/* A rep's answer to a task reminder (or cadencectl done/skip). */
gboolean cad_act_task_answer(cad_store *store, const cad_conf *conf, guint64 id,
                             cad_answer answer, const char *who, gint64 now,
                             GError **error);

/* Admin actions. who names the actor for the event detail. */
gboolean cad_act_pause(cad_store *store, guint64 id, const char *who,
                       gint64 now, GError **error);
gboolean cad_act_resume(cad_store *store, const cad_conf *conf, guint64 id,
                        const char *who, gint64 now, GError **error);
gboolean cad_act_stop(cad_store *store, guint64 id, const char *who, gint64 now,
                      GError **error);
gboolean cad_act_skip(cad_store *store, const cad_conf *conf, guint64 id,
                      const char *who, gint64 now, GError **error);

/*
 * cad_act_error - pause e with an "error" event naming what went wrong
 * (a missing template field, a message the relay refused, a delivery
 * given up): the step is not sent until resumed. notice, when not NULL,
 * is queued for the rep in the same transaction. Errors: STATE for a
 * final enrollment (nothing written, no notice).
 */
gboolean cad_act_error(cad_store *store, guint64 id, const char *what,
                       const cad_notice_req *notice, gint64 now,
                       GError **error);

/*
 * cad_core_write - run fn in one write transaction of store, for a
 * program that batches several changes in one commit (the sender: the
 * "sending" marks of a batch with the outcomes of the last). fn changes
 * the store only through core/'s ..._txn functions; like
 * cad_store_write, it may run again from the start when the map grows,
 * so it must have no effect outside the transaction.
 */
typedef gboolean (*cad_core_write_fn)(cad_txn *txn, void *arg, GError **error);
gboolean cad_core_write(cad_store *store, cad_core_write_fn fn, void *arg,
                        GError **error);

#endif
