/*
 * history.c: ten enrollments in two cadences and their events.
 *
 * cold (rep r1@example.com), enrolled in week 2026-W45:
 *   a1  T0      sent 2 @+2d, replied @+3d           reply to step 2, 3d
 *   a2  T0      sent 2 @+2d, sent 3 @+4d, completed
 *   a3  T0+1h   replied @+3h                        reply to step 1, 2h
 *   a4  T0      sent 2 @+2d, hard_bounce @+2d
 *   a5  T0      sent 2 @+2d, soft_bounce, auto_reply @+3d, unsubscribed @+5d
 *   a6  T0      complaint @+1d
 * warm (rep r2@example.com), enrolled in week 2026-W46 (T0+7d):
 *   b1  task 2 @+8d, connected @+8d1h, replied @+9d12h  reply to step 2, 2d12h
 *   b2  task 2 @+8d, task_skipped @+9d, sent 3 @+10d    (active)
 *   b3  task 2 @+8d                                     (active, overdue)
 *   b4  task 2 @+8d, meeting + task_done @+8d, task 3 @+9d,
 *       task_timeout @+12d, stopped @+13d
 *
 * Totals: enrolled 10, active 2, completed 1, replied 3, hard 1, soft 1,
 * auto-replied 1, unsubscribed 1, complaints 1, stopped 1. Rates: reply
 * 0.3, bounce 0.1, unsubscribe 0.2, completion 0.1. Times to reply
 * 7200, 216000, 259200: median 216000, p90 259200. Steps: 1: 10 sent,
 * 1 reply; 2: 8 sent, 2 replies; 3: 3 sent, 0. Tasks: done 2, skipped 1,
 * timed out 1, overdue 1 (at T0+20d), connected 1, meetings 1. Replies
 * per week: W45 2, W46 1.
 */
#include "history.h"

#include <criterion/criterion.h>

#include "core/enroll.h"

typedef struct {
	const char *address, *cadence, *rep;
	gint64 at;
} enr_def;

static const enr_def enrollments[] = {
    {"a1@acme.example", "cold", "r1@example.com", HIST_T0},
    {"a2@acme.example", "cold", "r1@example.com", HIST_T0},
    {"a3@beta.example", "cold", "r1@example.com", HIST_T0 + HIST_HOUR},
    {"a4@gamma.example", "cold", "r1@example.com", HIST_T0},
    {"a5@delta.example", "cold", "r1@example.com", HIST_T0},
    {"a6@eps.example", "cold", "r1@example.com", HIST_T0},
    {"b1@zeta.example", "warm", "r2@example.com", HIST_T0 + 7 * HIST_DAY},
    {"b2@eta.example", "warm", "r2@example.com", HIST_T0 + 7 * HIST_DAY},
    {"b3@theta.example", "warm", "r2@example.com", HIST_T0 + 7 * HIST_DAY},
    {"b4@iota.example", "warm", "r2@example.com", HIST_T0 + 7 * HIST_DAY},
};

typedef struct {
	int enr; /* index into enrollments; -1: no enrollment */
	const char *type;
	guint32 step;
	gint64 at; /* from the enrollment's time */
} ev_def;

#define D HIST_DAY
#define H HIST_HOUR
static const ev_def events[] = {
    {0, CAD_EV_SENT, 2, 2 * D},
    {0, CAD_EV_REPLIED, 2, 3 * D},
    {1, CAD_EV_SENT, 2, 2 * D},
    {1, CAD_EV_SENT, 3, 4 * D},
    {1, CAD_EV_COMPLETED, 3, 4 * D},
    {2, CAD_EV_REPLIED, 1, 2 * H},
    {3, CAD_EV_SENT, 2, 2 * D},
    {3, CAD_EV_HARD_BOUNCE, 2, 2 * D + H},
    {4, CAD_EV_SENT, 2, 2 * D},
    {4, CAD_EV_SOFT_BOUNCE, 2, 2 * D + H},
    {4, CAD_EV_AUTO_REPLY, 2, 3 * D},
    {4, CAD_EV_UNSUBSCRIBED, 2, 5 * D},
    {5, CAD_EV_COMPLAINT, 1, 1 * D},
    {6, CAD_EV_TASK, 2, 1 * D},
    {6, CAD_EV_CONNECTED, 2, 1 * D + H},
    {6, CAD_EV_REPLIED, 2, 2 * D + 12 * H},
    {7, CAD_EV_TASK, 2, 1 * D},
    {7, CAD_EV_TASK_SKIPPED, 2, 2 * D},
    {7, CAD_EV_SENT, 3, 3 * D},
    {8, CAD_EV_TASK, 2, 1 * D},
    {9, CAD_EV_TASK, 2, 1 * D},
    {9, CAD_EV_MEETING, 2, 1 * D + 60},
    {9, CAD_EV_TASK_DONE, 2, 1 * D + 60},
    {9, CAD_EV_TASK, 3, 2 * D},
    {9, CAD_EV_TASK_TIMEOUT, 3, 5 * D},
    {9, CAD_EV_STOPPED, 3, 6 * D},
    /* Not about an enrollment: ignored by the stats. */
    {-1, CAD_EV_ERROR, 0, 3 * D},
};
#undef D
#undef H

typedef struct {
	guint64 ids[G_N_ELEMENTS(enrollments)];
} history_ids;

static gboolean
write_enrollments(cad_txn *txn, void *arg, GError **error)
{
	history_ids *h = arg;

	for (gsize i = 0; i < G_N_ELEMENTS(enrollments); i++) {
		const enr_def *d = &enrollments[i];
		g_autoptr(cad_prospect) p = cad_prospect_new(d->address);
		g_autoptr(cad_enrollment) e = g_new0(cad_enrollment, 1);

		e->cadence = g_strdup(d->cadence);
		e->rep = g_strdup(d->rep);
		if (!cad_enroll_record_txn(txn, p, e, d->at, error))
			return FALSE;
		h->ids[i] = e->id;
	}
	return TRUE;
}

static gboolean
write_events(cad_txn *txn, void *arg, GError **error)
{
	history_ids *h = arg;

	for (gsize i = 0; i < G_N_ELEMENTS(events); i++) {
		const ev_def *d = &events[i];
		gint64 base = d->enr >= 0 ? enrollments[d->enr].at : HIST_T0;
		guint64 id = d->enr >= 0 ? h->ids[d->enr] : 0;

		if (!cad_store_event_add(txn, id, d->type, d->step, "test",
		                         base + d->at, error))
			return FALSE;
	}
	return TRUE;
}

void
history_build(const char *path)
{
	g_autoptr(GError) err = NULL;
	history_ids h = {{0}};
	cad_store *store = cad_store_open(path, NULL, &err);

	cr_assert_not_null(store, "%s", err ? err->message : "");
	cr_assert(cad_store_write(store, write_enrollments, &h, &err), "%s",
	          err ? err->message : "");
	cr_assert(cad_store_write(store, write_events, &h, &err), "%s",
	          err ? err->message : "");
	cad_store_close(store);
}
