/*
 * steps.h: the sender's changes to an enrollment's current step, each in
 * the caller's write transaction (the sender commits the "sending" marks
 * of a batch together with the outcomes of the last, through
 * cad_core_write), each checked against core/states.h and recorded by
 * its event:
 *
 *   due outside the window    cad_step_reschedule_txn     (no event)
 *   address suppressed        cad_step_stop_suppressed_txn "stopped"
 *   task left unanswered      cad_step_task_timeout_txn   "task_timeout"
 *   before DATA               cad_step_mark_sending_txn   "sending"
 *   2xx for an email          cad_step_sent_txn           "sent"
 *   2xx for a task reminder   cad_step_task_sent_txn      "task"
 *   4xx, no connection        cad_step_deferred_txn       "deferred"
 *   5xx                       cad_step_relay_refused_txn  (no event)
 *
 * An auto-reply pause that ends is cad_pause_over_txn, a step past the
 * last cad_advance_txn (core/actions.h). The caller re-reads e in the
 * same transaction and checks it is still as it decided.
 */
#ifndef CAD_STEPS_H
#define CAD_STEPS_H

#include <glib.h>

#include "conf/conf.h"
#include "core/throttle.h"
#include "store/store.h"

/* Retry back-off after a 4xx: 1, 2, 4 ... minutes, at most an hour. */
#define CAD_STEP_BACKOFF_FIRST 60
#define CAD_STEP_BACKOFF_MAX   3600

/*
 * cad_step_reschedule_txn - e's current step comes due at when (the next
 * open slot of its sending window) instead. STATE unless e is active.
 */
gboolean cad_step_reschedule_txn(cad_txn *txn, cad_enrollment *e, gint64 when,
                                 GError **error);

/*
 * cad_step_stop_suppressed_txn - e is stopped because its address (or
 * domain) is on the suppression list: a "stopped" event at step (cadence
 * numbering) with why. STATE unless e is active.
 */
gboolean cad_step_stop_suppressed_txn(cad_txn *txn, cad_enrollment *e,
                                      guint32 step, const char *why, gint64 now,
                                      GError **error);

/*
 * cad_step_task_timeout_txn - the rep did not answer the task at step in
 * its timeout: a "task_timeout" event, and e goes on to its next step
 * (or completes). STATE unless e is waiting.
 */
gboolean cad_step_task_timeout_txn(cad_txn *txn, const cad_conf *conf,
                                   cad_enrollment *e, guint32 step, gint64 now,
                                   GError **error);

/*
 * cad_step_mark_sending_txn - the step is about to go out with Message-ID
 * msgid: e marked "sending" (never sent twice: after a crash it is left
 * for the admin), not due, one more attempt, with a "sending" event; an
 * email (thr not NULL) is counted against the caps in the same
 * transaction. Checked first, nothing written when it may not go:
 * STATE unless e is active; SUPPRESSED when its address or domain is on
 * the suppression list (checked again here, right before DATA); the
 * store's error when that cannot be told.
 */
gboolean cad_step_mark_sending_txn(cad_txn *txn, cad_enrollment *e,
                                   cad_throttle *thr, guint32 step,
                                   const char *msgid, gint64 now,
                                   GError **error);

/*
 * cad_step_sent_txn - the email step marked with msgid was accepted
 * (reply: the relay's words): its Message-ID recorded for replies, the
 * thread's References extended, a "sent" event; an active e goes on to
 * its next step (or completes), one halted or paused meanwhile stays as
 * it is with its step done.
 */
gboolean cad_step_sent_txn(cad_txn *txn, const cad_conf *conf,
                           cad_enrollment *e, guint32 step, const char *msgid,
                           const char *reply, gint64 now, GError **error);

/*
 * cad_step_task_sent_txn - the task reminder at step was accepted: its
 * Message-ID recorded (the rep answers in its thread), a "task" event; an
 * active e waits on the rep until timeout_at.
 */
gboolean cad_step_task_sent_txn(cad_txn *txn, cad_enrollment *e, guint32 step,
                                const char *msgid, const char *reply,
                                gint64 timeout_at, gint64 now, GError **error);

/*
 * cad_step_deferred_txn - the step was not delivered (4xx, no
 * connection): "sending" cleared, a "deferred" event, and the step due
 * again after a back-off that doubles with each attempt. *gave_up is TRUE
 * when the back-offs so far reach [sender] retry_max_hours: the step is
 * then due now, for the caller to pause e with an error (cad_act_error)
 * once this transaction is committed.
 */
gboolean cad_step_deferred_txn(cad_txn *txn, const cad_conf *conf,
                               cad_enrollment *e, guint32 step,
                               const char *reply, gint64 now, gboolean *gave_up,
                               GError **error);

/*
 * cad_step_relay_refused_txn - the relay refused the step for good (5xx):
 * "sending" cleared and the step due now, for the act the caller does
 * once this is committed (a hard bounce, or a pause with an error). Were
 * the caller to die in between, the step comes due again and is refused
 * again: never sent.
 */
gboolean cad_step_relay_refused_txn(cad_txn *txn, cad_enrollment *e, gint64 now,
                                    GError **error);

/* The back-off before attempt attempts + 1 (seconds). */
gint64 cad_step_backoff(guint32 attempts);

#endif
