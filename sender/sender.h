/*
 * sender.h: the sender's run loop over the store's due index. One pass
 * takes what is due at `now` in due-time order and, in batches: decides in
 * one read transaction (state, suppression, window, throttles), composes,
 * marks each message "sending" with its Message-ID in one committed write
 * transaction, submits the batch over one SMTP session, and records the
 * outcomes. A step left "sending" by a crash is never sent again.
 * Every change to the store goes through core/ (core/steps.h for the
 * steps, core/actions.h for pauses and bounces, core/notices.h).
 *
 * A store fault never sends: when a record cannot be read (LMDB fails,
 * or the suppression list, a throttle counter cannot be) the run ends
 * with the error and what it had not marked stays due; a record of one
 * enrollment that does not decode leaves that enrollment due (logged
 * once) and the run goes on with the others.
 */
#ifndef CAD_SENDER_H
#define CAD_SENDER_H

#include <signal.h>

#include <glib.h>

#include "conf/conf.h"
#include "sender/smtp.h"
#include "store/store.h"

/*
 * Messages per SMTP session and per "sending" transaction. Larger batches
 * cost fewer fsyncs and connections; a crash leaves at most this many
 * steps "sending" for the admin to check.
 */
#define CAD_SENDER_BATCH_DEFAULT    20
#define CAD_SENDER_BATCH_MAX        1000
/*
 * Batches on the wire at once, each in its own thread and SMTP session,
 * while the main thread records the last and prepares the next. A crash
 * leaves at most sessions x batch steps "sending".
 */
#define CAD_SENDER_SESSIONS_DEFAULT 4
#define CAD_SENDER_SESSIONS_MAX     32
/* Notices to reps delivered per pass. */
#define CAD_SENDER_NOTICES_MAX      100
/* Retry back-off after a 4xx: core/steps.h, CAD_STEP_BACKOFF_*. */
/* Passes of one run at a fixed time before it stops (each pass does at
 * least one thing, so this bounds a run at steps x enrollments). */
#define CAD_SENDER_PASSES_MAX       1000

typedef struct {
	guint batch;       /* 0: CAD_SENDER_BATCH_DEFAULT */
	guint sessions;    /* 0: CAD_SENDER_SESSIONS_DEFAULT */
	const char *relay; /* overrides [sender] relay when not NULL */
	/* When set and non-zero, a run starts no new batch (SIGTERM): the
	 * batches on the wire land and are recorded first. */
	const volatile sig_atomic_t *stop;
} cad_sender_options;

typedef struct {
	guint sent;      /* steps delivered (2xx) */
	guint tasks;     /* task reminders delivered */
	guint deferred;  /* 4xx or no connection: retried later */
	guint bounced;   /* 5xx for the recipient: hard bounce */
	guint refused;   /* 5xx for the message: paused with an error */
	guint unknown;   /* no reply after the data: left "sending" */
	guint errors;    /* not composed (missing field, template) */
	guint throttled; /* due but waiting for a throttle slot */
	guint window;    /* due outside the window: moved to the next */
	guint resumed;   /* auto-reply pauses ended */
	guint timeouts;  /* task steps advanced without an answer */
	guint stopped;   /* stopped because the address is suppressed */
	guint notices;   /* notices delivered to reps */
	guint stuck;     /* seen "sending" from an earlier run */
} cad_sender_stats;

typedef struct cad_sender cad_sender;

/*
 * cad_sender_new - a sender over conf and store (both borrowed, and
 * must outlive it). Loads every template the cadences name, so a broken
 * one stops start-up with its file and line. Errors: template, password
 * file.
 */
cad_sender *cad_sender_new(const cad_conf *conf, cad_store *store,
                           const cad_sender_options *opts, GError **error);
void cad_sender_free(cad_sender *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_sender, cad_sender_free)

/*
 * cad_sender_run - do everything due at now: passes over the due index
 * until a pass changes nothing (a sent step may make the next one due
 * at the same `now`). Adds to stats. FALSE with error only when the store
 * fails; SMTP failures are outcomes, not errors.
 */
gboolean cad_sender_run(cad_sender *s, gint64 now, cad_sender_stats *stats,
                        GError **error);

/*
 * cad_sender_next_wake - when the daemon should look again: the earliest
 * of the next due time in the store and the next throttle slot of the
 * last run; 0 when nothing is planned.
 */
gint64 cad_sender_next_wake(cad_sender *s, gint64 now);

/*
 * cad_sender_stuck - write one line per interrupted send at now (id,
 * address, step, Message-ID): a step left "sending" that core/stuck.h
 * calls stuck; returns how many.
 */
guint cad_sender_stuck(cad_sender *s, gint64 now, GString *out, GError **error);

/*
 * cad_sender_plan - the dry run: one line per remaining step of each live
 * enrollment, "ID ADDRESS step N CHANNEL TIME", and whether it is due at
 * now. Sends nothing, writes nothing.
 */
gboolean cad_sender_plan(cad_sender *s, gint64 now, GString *out,
                         GError **error);

/* One line "sent=N deferred=N ..." for logs and --once's summary. */
char *cad_sender_stats_line(const cad_sender_stats *st);

#endif
