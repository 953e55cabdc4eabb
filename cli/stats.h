/*
 * stats.h: cadence statistics computed from the event log alone, so any
 * figure can be recomputed and checked: feed every event in time order,
 * then read the groups.
 *
 * The population is a cohort: the enrollments whose "enrolled" event
 * falls at or after `since` (and match the cadence and rep filters);
 * every later event of theirs counts. Definitions (all per enrollment):
 *   replied      has a "replied" event; time to reply is from enrollment
 *   bounced      hard: a "hard_bounce" event; soft: at least one
 *                "soft_bounce" event
 *   completed    a "completed" event: every step went out, no answer
 *   active       no final event yet (replied, hard_bounce, unsubscribed,
 *                complaint, completed, stopped, account_exit)
 *   rates        replied / enrolled, hard bounced / enrolled,
 *                (unsubscribed + complaints) / enrolled, completed /
 *                enrolled; a step's reply rate is its replies / sent
 *   steps        step 1 is the rep's own email (sent at enrollment);
 *                "sent" (email) and "task" (a reminder to the rep) events
 *                send later steps. A reply is attributed to the last
 *                step sent before it.
 *   tasks        done ("task_done", "connected" or "meeting" closes the
 *                task once), skipped (the rep's "task_skipped", or an
 *                admin's "skipped" of an open task), timed out, and
 *                overdue: still open longer than overdue_after on a live
 *                enrollment
 *   percentiles  nearest rank over the times to reply, in seconds
 */
#ifndef CAD_CLI_STATS_H
#define CAD_CLI_STATS_H

#include <glib.h>

#include "core/stuck.h"
#include "store/store.h"

/* A task open longer than this is overdue (one working day): the same
 * limit as cadencectl stuck's (core/stuck.h). */
#define CAD_STATS_TASK_OVERDUE_DEFAULT CAD_STUCK_TASK_SECS
/* Highest step number counted per step; events beyond it are ignored. */
#define CAD_STATS_STEP_MAX             256

typedef enum {
	CAD_STATS_BY_NONE,
	CAD_STATS_BY_STEP, /* per cadence, with its step rows */
	CAD_STATS_BY_REP,
	CAD_STATS_BY_CADENCE,
	CAD_STATS_BY_WEEK, /* ISO week of enrollment, "2026-W48" */
} cad_stats_by;

gboolean cad_stats_by_parse(const char *s, cad_stats_by *out);

typedef struct {
	const char *cadence;  /* NULL: all */
	const char *rep;      /* NULL: all */
	gint64 since;         /* cohort start; 0: all */
	gint64 now;           /* for overdue tasks */
	gint64 overdue_after; /* 0: CAD_STATS_TASK_OVERDUE_DEFAULT */
} cad_stats_filter;

typedef struct {
	guint32 step;
	guint sent;
	guint replies;
} cad_stats_step;

typedef struct {
	char *key; /* "total", a rep, a cadence or a week */
	guint enrolled, active, completed, replied, stopped;
	guint bounced_hard, bounced_soft, auto_replied;
	guint unsubscribed, complaints;
	guint tasks_done, tasks_skipped, tasks_timed_out, tasks_overdue;
	guint connected, meetings;
	GArray *reply_secs; /* gint64, sorted after cad_stats_finish */
	GArray *steps;      /* cad_stats_step, by step number */
} cad_stats_group;

typedef struct cad_stats cad_stats;

/*
 * The identity of an enrollment, which events do not carry: the engine
 * asks once per enrollment. Return FALSE when unknown (its events are
 * then ignored). *cadence and *rep are copied.
 */
typedef gboolean (*cad_stats_lookup_fn)(guint64 id, const char **cadence,
                                        const char **rep, void *arg);

cad_stats *cad_stats_new(const cad_stats_filter *f, cad_stats_by by,
                         cad_stats_lookup_fn lookup, void *arg);
void cad_stats_free(cad_stats *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_stats, cad_stats_free)

/* cad_stats_event - count one event; events must come in time order. */
void cad_stats_event(cad_stats *st, const cad_event *ev);
/* cad_stats_finish - fold the enrollments into groups; call once. */
void cad_stats_finish(cad_stats *st);

const cad_stats_group *cad_stats_total(const cad_stats *st);
/* The groups of --by, sorted by key; none for CAD_STATS_BY_NONE. */
guint cad_stats_n_groups(const cad_stats *st);
const cad_stats_group *cad_stats_group_at(const cad_stats *st, guint i);

/*
 * Replies per ISO week of the reply (for "replies over time"): keys
 * "2026-W48" sorted, values counts. Borrowed.
 */
GPtrArray *cad_stats_reply_weeks(const cad_stats *st);
guint cad_stats_reply_week_count(const cad_stats *st, const char *week);

/* num / den, NaN when den is 0. */
double cad_stats_rate(guint num, guint den);
/* Nearest-rank percentile p (0-100] of g's reply times; -1 if none. */
gint64 cad_stats_percentile(const cad_stats_group *g, int p);

/* "3d 4h", "2h 5m", "45m", "30s": a duration for people. */
char *cad_stats_duration(gint64 secs);

/*
 * cad_stats_collect - walk the events of store from f->since (each in one
 * read transaction) into st, looking enrollments up in the store, then
 * finish. FALSE and error when the store fails.
 */
gboolean cad_stats_collect(cad_store *store, const cad_stats_filter *f,
                           cad_stats_by by, cad_stats **out, GError **error);

#endif
