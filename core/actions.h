/*
 * actions.h: the changes of state every program makes, each in one write
 * transaction with the event that records it: enroll, advance to the next
 * step, halt on a reply (with account exit), pause on an auto-reply,
 * bounce, unsubscribe or complaint, task answers, and the admin's pause,
 * resume, stop and skip. The milter, the sender and cadencectl call these
 * and nothing else to change an enrollment, so the rules live in one place.
 */
#ifndef CAD_ACTIONS_H
#define CAD_ACTIONS_H

#include <glib.h>

#include "conf/conf.h"
#include "store/store.h"

typedef struct {
	const char *cadence;    /* name; must exist in conf */
	const char *rep;        /* owner's address */
	const char *root_msgid; /* the rep's Message-ID, with or without <> */
	const char *subject;    /* the rep's Subject */
} cad_enroll_req;

/*
 * cad_enroll - enroll prospect p: writes the prospect (fields merged), the
 * enrollment with step 0 due per the schedule, its tokens, the thread
 * root's Message-ID, and an "enrolled" event. Errors: CAD_STORE_ERROR
 * SUPPRESSED or ACTIVE (nothing written but a "refused" event when
 * record_refusal), NOT_FOUND for an unknown cadence.
 */
gboolean cad_enroll(cad_store *store, const cad_conf *conf,
                    const cad_prospect *p, const cad_enroll_req *req,
                    gint64 now, gboolean record_refusal, guint64 *id_out,
                    GError **error);

/* The same inside the caller's write transaction (for batch imports). */
gboolean cad_enroll_txn(cad_txn *txn, const cad_conf *conf,
                        const cad_prospect *p, const cad_enroll_req *req,
                        gint64 now, guint64 *id_out, GError **error);

/*
 * cad_advance_txn - the current step is done (sent, task done or timed
 * out, skipped): move to the next step and schedule it, or complete the
 * enrollment after the last. Appends "completed" when it completes.
 * Clears step_status and attempts.
 */
gboolean cad_advance_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                         gint64 now, GError **error);

/*
 * cad_resume_txn - a paused enrollment goes on: active again, its current
 * step rescheduled no earlier than the next open slot after now, and a
 * "resumed" event. The sender calls it when an auto-reply pause ends
 * (a paused enrollment with paused_until comes due).
 */
gboolean cad_resume_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                        const char *who, gint64 now, GError **error);

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
 * (a missing template field): the step is not sent until resumed.
 */
gboolean cad_act_error(cad_store *store, guint64 id, const char *what,
                       gint64 now, GError **error);

#endif
