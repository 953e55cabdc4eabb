/*
 * run.c: one pass of the sender over the due index, in batches: decide
 * (read txn), compose, mark "sending" (write txn, committed before DATA),
 * submit (one SMTP session), record the outcomes (write txn). See sender.h.
 */
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "core/actions.h"
#include "core/notices.h"
#include "core/sched.h"
#include "core/steps.h"
#include "core/stuck.h"
#include "core/throttle.h"
#include "mail/compose.h"
#include "mail/gmime_auto.h"
#include "mail/template.h"
#include "sender/sender.h"

#define DAY 86400

struct cad_sender {
	const cad_conf *conf;
	cad_store *store;
	cad_smtp *smtp;
	cad_throttle *thr;
	GHashTable *templates; /* template_path -> cad_template* */
	GHashTable *scheds;    /* "cadence\ttz" -> cad_sched* */
	GHashTable *stuck;     /* ids already reported "sending" */
	GHashTable *faulty;    /* ids already reported unreadable */
	guint batch;
	guint sessions; /* batches on the wire at once */
	const volatile sig_atomic_t *stop;
	gint64 throttle_wake; /* earliest throttle slot seen in the last run */
};

/* What the decision made of a due enrollment. */
typedef enum {
	DO_NOTHING,
	DO_EMAIL,
	DO_TASK,
	DO_RESUME,   /* auto-reply pause over */
	DO_TIMEOUT,  /* task unanswered: advance */
	DO_WINDOW,   /* outside the window: move to the next slot */
	DO_STOP,     /* address suppressed */
	DO_COMPLETE, /* past the last step */
	DO_ERROR,    /* no such cadence */
} action;

typedef struct {
	action act;
	guint64 id;
	cad_enrollment *e; /* as decided; replaced by the marked copy */
	cad_prospect *p;
	const cad_cadence *c;
	const cad_step *step;
	gint64 when; /* DO_WINDOW: new due time; DO_TASK: timeout */
	char *why;   /* DO_STOP, DO_ERROR */
	char *msgid;
	char *rcpt, *rpath;
	const cad_template *tmpl; /* email: resolved in the main thread */
	gboolean ready;           /* rendered once: composable */
	gint64 now;
	GBytes *data;     /* composed by the batch's thread */
	gboolean skip;    /* dropped at the mark (changed, throttled) */
	gboolean gave_up; /* deferred past retry_max_hours */
	cad_smtp_msg sm;
} item;

static void
item_free(gpointer p)
{
	item *it = p;

	cad_enrollment_free(it->e);
	cad_prospect_free(it->p);
	g_free(it->why);
	g_free(it->msgid);
	g_free(it->rcpt);
	g_free(it->rpath);
	if (it->data != NULL)
		g_bytes_unref(it->data);
	cad_smtp_msg_clear(&it->sm);
	g_free(it);
}

static void
sched_free(gpointer p)
{
	cad_sched_clear(p);
	g_free(p);
}

/* ---- set-up ---- */

static gboolean
load_templates(cad_sender *s, GError **error)
{
	const cad_conf *conf = s->conf;

	for (guint i = 0; conf->cadences != NULL && i < conf->cadences->len;
	     i++) {
		const cad_cadence *c = g_ptr_array_index(conf->cadences, i);
		for (guint j = 0; j < c->steps->len; j++) {
			const cad_step *st = g_ptr_array_index(c->steps, j);
			cad_template *t;
			if (st->channel != CAD_CHANNEL_EMAIL ||
			    st->template_path == NULL ||
			    g_hash_table_contains(s->templates,
			                          st->template_path))
				continue;
			t = cad_template_load(st->template_path, error);
			if (t == NULL)
				return FALSE;
			g_hash_table_insert(s->templates,
			                    g_strdup(st->template_path), t);
		}
	}
	return TRUE;
}

cad_sender *
cad_sender_new(const cad_conf *conf, cad_store *store,
               const cad_sender_options *opts, GError **error)
{
	g_autoptr(cad_sender) s = g_new0(cad_sender, 1);

	s->conf = conf;
	s->store = store;
	s->templates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                     (GDestroyNotify)cad_template_free);
	s->scheds =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, sched_free);
	s->stuck =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	s->faulty =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	s->thr = cad_throttle_new(conf);
	s->batch = opts != NULL && opts->batch > 0 ? opts->batch
	                                           : CAD_SENDER_BATCH_DEFAULT;
	s->batch = MIN(s->batch, CAD_SENDER_BATCH_MAX);
	s->sessions = opts != NULL && opts->sessions > 0
	                  ? opts->sessions
	                  : CAD_SENDER_SESSIONS_DEFAULT;
	s->sessions = MIN(s->sessions, CAD_SENDER_SESSIONS_MAX);
	s->stop = opts != NULL ? opts->stop : NULL;
	s->smtp = cad_smtp_new(conf, error);
	if (s->smtp == NULL)
		return NULL;
	if (opts != NULL && opts->relay != NULL)
		cad_smtp_set_relay(s->smtp, opts->relay);
	if (!load_templates(s, error))
		return NULL;
	return g_steal_pointer(&s);
}

void
cad_sender_free(cad_sender *s)
{
	if (s == NULL)
		return;
	cad_smtp_free(s->smtp);
	cad_throttle_free(s->thr);
	if (s->templates != NULL)
		g_hash_table_unref(s->templates);
	if (s->scheds != NULL)
		g_hash_table_unref(s->scheds);
	if (s->stuck != NULL)
		g_hash_table_unref(s->stuck);
	if (s->faulty != NULL)
		g_hash_table_unref(s->faulty);
	g_free(s);
}

/* sched_for - the schedule of a prospect zone in a cadence, cached. */
static const cad_sched *
sched_for(cad_sender *s, const cad_cadence *c, const char *tz)
{
	g_autofree char *key =
	    g_strdup_printf("%s\t%s", c->name, tz != NULL ? tz : "");
	cad_sched *sc = g_hash_table_lookup(s->scheds, key);

	if (sc == NULL) {
		sc = g_new0(cad_sched, 1);
		cad_sched_init(sc, s->conf, c, tz);
		g_hash_table_insert(s->scheds, g_steal_pointer(&key), sc);
	}
	return sc;
}

/* ---- decide: one read transaction per batch ---- */

typedef struct {
	GHashTable *blocked; /* "rep:..." / "domain:..." blocked this pass */
	gboolean all_blocked;
} pass_state;

/*
 * A step marked "sending" is never sent again. It is reported once, when
 * core/stuck.c calls it an interrupted send (a younger mark is a send
 * under way).
 */
static void
note_stuck(cad_sender *s, cad_txn *rt, const cad_enrollment *e, gint64 now,
           cad_sender_stats *st)
{
	g_autoptr(GPtrArray) why = NULL;

	if (g_hash_table_contains(s->stuck, &e->id))
		return;
	why = cad_stuck_find(rt, e, now, NULL);
	if (!cad_stuck_has(why, CAD_STUCK_SENDING))
		return;
	g_hash_table_add(s->stuck, g_memdup2(&e->id, sizeof(e->id)));
	st->stuck++;
	log_warnx("enrollment=%" G_GUINT64_FORMAT " prospect=%s step=%u "
	          "left sending by an earlier run, msgid=<%s>: not resent "
	          "(cadencectl stuck)",
	          e->id, e->address, e->step,
	          e->sending_msgid ? e->sending_msgid : "");
}

/* window_slot - the next open slot after now, with a little jitter. */
static gint64
window_slot(cad_sender *s, const cad_sched *sc, gint64 now)
{
	gint64 t = cad_sched_next_slot(sc, now);
	gint64 j =
	    s->conf->jitter_minutes > 0
	        ? cad_random_u32() % (guint32)(s->conf->jitter_minutes * 60)
	        : 0;

	return cad_sched_in_window(sc, t + j) ? t + j : t;
}

/*
 * fault - a store error met while deciding on or marking enrollment id:
 * TRUE when only that enrollment's records are at fault (one that does
 * not decode): it is left where it is, due, and logged once; FALSE for
 * any other error, which ends the run. Either way nothing is sent.
 */
static gboolean
fault(cad_sender *s, guint64 id, const GError *err)
{
	if (!g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_CORRUPT))
		return FALSE;
	if (!g_hash_table_contains(s->faulty, &id)) {
		g_hash_table_add(s->faulty, g_memdup2(&id, sizeof(id)));
		log_warnx("enrollment=%" G_GUINT64_FORMAT " not sent: %s "
		          "(left due; cadencectl show %" G_GUINT64_FORMAT ")",
		          id, err->message, id);
	}
	return TRUE;
}

/*
 * due_enrollment - enrollment id as read in rt, when it is due at now
 * and not left "sending"; *e NULL when there is nothing to do. FALSE
 * with error when it cannot be read.
 */
static gboolean
due_enrollment(cad_sender *s, cad_txn *rt, guint64 id, gint64 now,
               cad_sender_stats *st, cad_enrollment **e, GError **error)
{
	g_autoptr(GError) err = NULL;

	*e = cad_store_enrollment_get(rt, id, &err);
	if (*e == NULL) {
		/* A due entry whose record is gone: nothing to send. */
		if (g_error_matches(err, CAD_STORE_ERROR,
		                    CAD_STORE_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&err));
		return FALSE;
	}
	if ((*e)->next_due == 0 || (*e)->next_due > now) {
		g_clear_pointer(e, cad_enrollment_free);
	} else if ((*e)->step_status == CAD_STEP_SENDING) {
		note_stuck(s, rt, *e, now, st);
		g_clear_pointer(e, cad_enrollment_free);
	}
	return TRUE;
}

/*
 * by_state - what e's state asks for: DO_NOTHING, or an action that
 * needs no more checks. DO_EMAIL stands for "an active step to send":
 * suppression, window, channel and throttles decide what it becomes.
 */
static action
by_state(const cad_enrollment *e, const item *it, gint64 now)
{
	if (it->c == NULL)
		return DO_ERROR;
	switch (e->state) {
	case CAD_STATE_PAUSED:
		return e->paused_until != 0 && e->paused_until <= now
		           ? DO_RESUME
		           : DO_NOTHING;
	case CAD_STATE_WAITING:
		return it->step != NULL ? DO_TIMEOUT : DO_COMPLETE;
	case CAD_STATE_ACTIVE:
		return it->step != NULL ? DO_EMAIL : DO_COMPLETE;
	default:
		return DO_NOTHING;
	}
}

/*
 * suppressed - DO_STOP with why when e's address or domain is on the
 * suppression list. FALSE with error when the list cannot be read: the
 * step is then never sent.
 */
static gboolean
suppressed(cad_txn *rt, const cad_enrollment *e, item *it, GError **error)
{
	g_autofree char *reason = NULL;
	gboolean yes;

	if (!cad_store_is_suppressed(rt, e->address, &yes, &reason, error))
		return FALSE;
	if (yes) {
		it->act = DO_STOP;
		it->why = g_strdup_printf("address suppressed: %s",
		                          reason != NULL ? reason : "");
	}
	return TRUE;
}

/* The prospect of e (fields for the template, its zone for the window):
 * an empty one when it has no record, an error when it cannot be read. */
static cad_prospect *
prospect_of(cad_txn *rt, const cad_enrollment *e, GError **error)
{
	cad_prospect *p;

	if (!cad_store_prospect_find(rt, e->address, &p, error))
		return NULL;
	return p != NULL ? p : cad_prospect_new(e->address);
}

/* block_pass - a cap that holds for this pass: skip what it blocks. */
static void
block_pass(cad_sender *s, pass_state *ps, const char *why, gint64 retry,
           char **rk, char **dk)
{
	if (retry > 0 && (s->throttle_wake == 0 || retry < s->throttle_wake))
		s->throttle_wake = retry;
	if (why != NULL && strcmp(why, "rate_per_minute") == 0)
		ps->all_blocked = TRUE;
	else if (why != NULL && strcmp(why, "domain_rate_per_hour") == 0)
		g_hash_table_add(ps->blocked, g_steal_pointer(dk));
	else if (why != NULL)
		g_hash_table_add(ps->blocked, g_steal_pointer(rk));
}

/*
 * throttled - may e's email go now? *ok FALSE (counted, and the pass
 * remembers the cap) when a cap holds; else the send is taken in memory
 * for the rest of the batch. FALSE with error when a counter cannot be
 * read.
 */
static gboolean
throttled(cad_sender *s, cad_txn *rt, const cad_enrollment *e, gint64 now,
          pass_state *ps, cad_sender_stats *st, gboolean *ok, GError **error)
{
	const char *dom = cad_address_domain(e->address);
	g_autofree char *rk = g_strconcat("rep:", e->rep, NULL);
	g_autofree char *dk = g_strconcat("domain:", dom, NULL);
	gint64 retry = 0;
	const char *why = NULL;

	*ok = !ps->all_blocked && !g_hash_table_contains(ps->blocked, rk) &&
	      !g_hash_table_contains(ps->blocked, dk);
	if (*ok && !cad_throttle_allow(s->thr, rt, e->rep, dom, now, ok, &retry,
	                               &why, error))
		return FALSE;
	if (*ok) {
		cad_throttle_take(s->thr, e->rep, dom, now);
		return TRUE;
	}
	st->throttled++;
	block_pass(s, ps, why, retry, &rk, &dk);
	return TRUE;
}

/*
 * active_step - an active enrollment's due step: stopped when its
 * address is suppressed, moved into the window, a task, or an email
 * within the caps (DO_NOTHING when throttled).
 */
static gboolean
active_step(cad_sender *s, cad_txn *rt, item *it, gint64 now, pass_state *ps,
            cad_sender_stats *st, GError **error)
{
	const cad_sched *sc;
	gboolean ok;

	if (!suppressed(rt, it->e, it, error))
		return FALSE;
	if (it->act == DO_STOP)
		return TRUE;
	it->p = prospect_of(rt, it->e, error);
	if (it->p == NULL)
		return FALSE;
	sc = sched_for(s, it->c, it->p->timezone);
	if (!cad_sched_in_window(sc, now)) {
		it->act = DO_WINDOW;
		it->when = window_slot(s, sc, now);
		return TRUE;
	}
	if (it->step->channel != CAD_CHANNEL_EMAIL) {
		it->act = DO_TASK;
		it->when = now + (gint64)MAX(it->step->timeout_days, 1) * DAY;
		return TRUE;
	}
	if (!throttled(s, rt, it->e, now, ps, st, &ok, error))
		return FALSE;
	it->act = ok ? DO_EMAIL : DO_NOTHING;
	return TRUE;
}

/*
 * decide - what to do with enrollment id at now: *out NULL when nothing.
 * Checks, in the one read transaction: state, suppression, window and
 * (for email) the throttles. FALSE with error when the store cannot be
 * read (the run ends; nothing of it is sent); a record of this
 * enrollment's that does not decode leaves it due and decides nothing.
 */
static gboolean
decide(cad_sender *s, cad_txn *rt, guint64 id, gint64 now, pass_state *ps,
       cad_sender_stats *st, item **out, GError **error)
{
	g_autoptr(cad_enrollment) e = NULL;
	g_autoptr(GError) err = NULL;
	item *it;

	*out = NULL;
	if (!due_enrollment(s, rt, id, now, st, &e, &err))
		goto failed;
	if (e == NULL)
		return TRUE;
	it = g_new0(item, 1);
	it->id = id;
	it->sm.outcome = CAD_SMTP_DEFERRED;
	it->c = cad_conf_cadence(s->conf, e->cadence);
	if (it->c != NULL)
		it->step = cad_cadence_step(it->c, e->step);
	it->act = by_state(e, it, now);
	it->e = g_steal_pointer(&e);
	if (it->act == DO_ERROR)
		it->why = g_strdup_printf("no cadence \"%s\" in the "
		                          "configuration",
		                          it->e->cadence);
	else if (it->act == DO_EMAIL &&
	         !active_step(s, rt, it, now, ps, st, &err)) {
		item_free(it);
		goto failed;
	}
	if (it->act == DO_NOTHING)
		item_free(it);
	else
		*out = it;
	return TRUE;
failed:
	if (fault(s, id, err))
		return TRUE;
	g_propagate_prefixed_error(error, g_steal_pointer(&err),
	                           "enrollment %" G_GUINT64_FORMAT ": ", id);
	return FALSE;
}

/* ---- side actions: no mail, one write transaction for the batch ---- */

typedef struct {
	cad_sender *s;
	GPtrArray *items;
	gint64 now;
	cad_sender_stats counts; /* filled by the committed attempt */
} batch_ctx;

/* still_due - e as re-read in the write txn is as decided. */
static gboolean
still_due(const cad_enrollment *e, const item *it, gint64 now)
{
	return e != NULL && e->state == it->e->state &&
	       e->step == it->e->step && e->step_status == CAD_STEP_IDLE &&
	       e->next_due != 0 && e->next_due <= now;
}

/*
 * reread - enrollment id again in the write transaction: TRUE with *e
 * NULL when it is gone (nothing to do), FALSE when it cannot be read.
 */
static gboolean
reread(cad_txn *txn, guint64 id, cad_enrollment **e, GError **error)
{
	g_autoptr(GError) err = NULL;

	*e = cad_store_enrollment_get(txn, id, &err);
	if (*e != NULL ||
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&err));
	return FALSE;
}

static gboolean
side_one(cad_txn *txn, batch_ctx *b, item *it, GError **error)
{
	const cad_conf *conf = b->s->conf;
	g_autoptr(cad_enrollment) e = NULL;

	if (!reread(txn, it->id, &e, error))
		return FALSE;
	if (!still_due(e, it, b->now))
		return TRUE;
	switch (it->act) {
	case DO_RESUME:
		b->counts.resumed++;
		return cad_pause_over_txn(txn, conf, e,
		                          "sender: auto-reply pause over",
		                          b->now, error);
	case DO_TIMEOUT:
		b->counts.timeouts++;
		return cad_step_task_timeout_txn(txn, conf, e, it->step->number,
		                                 b->now, error);
	case DO_WINDOW:
		b->counts.window++;
		return cad_step_reschedule_txn(txn, e, it->when, error);
	case DO_STOP:
		b->counts.stopped++;
		return cad_step_stop_suppressed_txn(txn, e, it->step->number,
		                                    it->why, b->now, error);
	case DO_COMPLETE:
		return cad_advance_txn(txn, conf, e, b->now, error);
	default:
		return TRUE;
	}
}

static gboolean
side_fn(cad_txn *txn, void *arg, GError **error)
{
	batch_ctx *b = arg;

	memset(&b->counts, 0, sizeof(b->counts));
	for (guint i = 0; i < b->items->len; i++) {
		item *it = g_ptr_array_index(b->items, i);
		if (it->act == DO_EMAIL || it->act == DO_TASK ||
		    it->act == DO_ERROR)
			continue;
		if (!side_one(txn, b, it, error))
			return FALSE;
	}
	return TRUE;
}

static void
add_stats(cad_sender_stats *to, const cad_sender_stats *from)
{
	guint *t = (guint *)to;
	const guint *f = (const guint *)from;

	for (gsize i = 0; i < sizeof(*to) / sizeof(guint); i++)
		t[i] += f[i];
}

/* ---- errors: pause, and tell the rep ---- */

/* pause_with_error - cad_act_error, with a notice to the rep. */
static void
pause_with_error(cad_sender *s, const cad_enrollment *e, const char *what,
                 gint64 now)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *subject =
	    g_strdup_printf("Cadence paused for %s", e->address);
	g_autofree char *body = g_strdup_printf(
	    "The cadence \"%s\" for %s is paused: the next step could not "
	    "be sent.\n\n  %s\n\nFix the cause (for a missing field, add "
	    "it to the prospect or a fallback to the template), then resume "
	    "it with:\n\n  cadencectl resume %s\n",
	    e->cadence, e->address, what, e->address);
	cad_notice_req n = {e->rep, subject, body, e->id};

	log_warnx("enrollment=%" G_GUINT64_FORMAT " prospect=%s cadence=%s "
	          "step=%u paused: %s",
	          e->id, e->address, e->cadence, e->step, what);
	if (!cad_act_error(s->store, e->id, what, &n, now, &err))
		log_warnx("enrollment=%" G_GUINT64_FORMAT ": %s", e->id,
		          err->message);
}

/* ---- compose ---- */

static const cad_template *
template_for(cad_sender *s, const cad_step *step, GError **error)
{
	cad_template *t;

	if (step->template_path == NULL) {
		g_set_error(error, CAD_TEMPLATE_ERROR, CAD_TEMPLATE_ERROR_IO,
		            "step %u has no template", step->number);
		return NULL;
	}
	t = g_hash_table_lookup(s->templates, step->template_path);
	if (t == NULL) {
		t = cad_template_load(step->template_path, error);
		if (t == NULL)
			return NULL;
		g_hash_table_insert(s->templates, g_strdup(step->template_path),
		                    t);
	}
	return t;
}

/*
 * prepare_item - in the main thread: the envelope, our Message-ID and a
 * trial rendering, so that a missing field pauses the enrollment before
 * anything is marked. The GMime work is left to the batch's thread.
 */
static gboolean
prepare_item(cad_sender *s, item *it, gint64 now, GError **error)
{
	const cad_conf *conf = s->conf;
	cad_compose_in in = {conf, it->e, it->p, cad_conf_rep(conf, it->e->rep),
	                     NULL, now};

	it->now = now;
	if (it->act == DO_EMAIL) {
		g_autoptr(cad_rendered) r = NULL;
		it->tmpl = template_for(s, it->step, error);
		if (it->tmpl == NULL)
			return FALSE;
		r = cad_template_render(it->tmpl, cad_compose_field, &in, NULL,
		                        error);
		if (r == NULL)
			return FALSE;
		it->rcpt = g_strdup(it->e->address);
		it->rpath = cad_compose_tagged(conf->bounce_address,
		                               conf->recipient_delimiter,
		                               it->e->verp_token);
	} else {
		if (conf->task_address == NULL) {
			g_set_error_literal(
			    error, CAD_ERROR, CAD_ERROR_INVALID,
			    "[milter] task_address is not set: cannot send "
			    "task reminders");
			return FALSE;
		}
		it->rcpt = g_strdup(it->e->rep);
		it->rpath =
		    g_strdup(conf->notify_from != NULL ? conf->notify_from
		                                       : conf->bounce_address);
	}
	if (it->rpath == NULL)
		it->rpath = g_strdup("");
	it->msgid = cad_compose_msgid(conf);
	it->ready = TRUE;
	return TRUE;
}

/* compose_item - in the batch's thread: the wire bytes. */
static gboolean
compose_item(cad_sender *s, item *it, GError **error)
{
	cad_compose_in in = {s->conf,   it->e,
	                     it->p,     cad_conf_rep(s->conf, it->e->rep),
	                     it->msgid, it->now};

	if (it->act == DO_EMAIL)
		it->data = cad_compose_step(&in, it->tmpl, NULL, error);
	else
		it->data =
		    cad_compose_task(&in, it->c, it->step, it->when, error);
	return it->data != NULL;
}

/* ---- mark "sending": one committed write txn before any DATA ---- */

/*
 * mark_one - it again right before DATA (state, step, suppression, caps)
 * and marked "sending": it->skip stays TRUE when it may not go now.
 * FALSE with error when the store fails: the batch's marks are undone
 * and the run ends, so nothing of it is sent.
 */
static gboolean
mark_one(cad_txn *txn, batch_ctx *b, item *it, GError **error)
{
	cad_sender *s = b->s;
	g_autoptr(cad_enrollment) e = NULL;
	g_autoptr(GError) err = NULL;
	gboolean ok = TRUE;

	if (!reread(txn, it->id, &e, error))
		return FALSE;
	if (!still_due(e, it, b->now))
		return TRUE;
	if (it->act == DO_EMAIL &&
	    !cad_throttle_allow(s->thr, txn, e->rep,
	                        cad_address_domain(e->address), b->now, &ok,
	                        NULL, NULL, &err))
		goto failed;
	if (!ok)
		return TRUE;
	if (!cad_step_mark_sending_txn(
	        txn, e, it->act == DO_EMAIL ? s->thr : NULL, it->step->number,
	        it->msgid, b->now, &err)) {
		/* Changed meanwhile, or suppressed: the next pass decides. */
		if (g_error_matches(err, CAD_STORE_ERROR,
		                    CAD_STORE_ERROR_STATE) ||
		    g_error_matches(err, CAD_STORE_ERROR,
		                    CAD_STORE_ERROR_SUPPRESSED))
			return TRUE;
		goto failed;
	}
	it->skip = FALSE;
	return TRUE;
failed:
	if (fault(s, it->id, err))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&err));
	return FALSE;
}

static gboolean
mark_fn(cad_txn *txn, void *arg, GError **error)
{
	batch_ctx *b = arg;

	cad_throttle_reset(b->s->thr);
	for (guint i = 0; i < b->items->len; i++) {
		item *it = g_ptr_array_index(b->items, i);

		if (it->act != DO_EMAIL && it->act != DO_TASK)
			continue;
		it->skip = TRUE;
		if (it->ready && !mark_one(txn, b, it, error))
			return FALSE;
	}
	return TRUE;
}

/* ---- outcomes ---- */

static gboolean
outcome_one(cad_txn *txn, batch_ctx *b, item *it, GError **error)
{
	const cad_conf *conf = b->s->conf;
	g_autoptr(cad_enrollment) e = NULL;
	guint32 num = it->step->number;

	if (!reread(txn, it->id, &e, error))
		return FALSE;
	if (e == NULL || e->step_status != CAD_STEP_SENDING ||
	    g_strcmp0(e->sending_msgid, it->msgid) != 0)
		return TRUE; /* resolved by someone else meanwhile */
	switch (it->sm.outcome) {
	case CAD_SMTP_SENT:
		if (it->act == DO_TASK) {
			b->counts.tasks++;
			return cad_step_task_sent_txn(txn, e, num, it->msgid,
			                              it->sm.text, it->when,
			                              b->now, error);
		}
		b->counts.sent++;
		return cad_step_sent_txn(txn, conf, e, num, it->msgid,
		                         it->sm.text, b->now, error);
	case CAD_SMTP_DEFERRED:
		/* A give-up pauses with an error after the commit. */
		b->counts.deferred++;
		return cad_step_deferred_txn(txn, conf, e, num, it->sm.text,
		                             b->now, &it->gave_up, error);
	case CAD_SMTP_RCPT_REFUSED:
	case CAD_SMTP_REFUSED:
		/* The act follows the commit (after_outcomes). */
		if (it->sm.outcome == CAD_SMTP_RCPT_REFUSED)
			b->counts.bounced++;
		else
			b->counts.refused++;
		return cad_step_relay_refused_txn(txn, e, b->now, error);
	case CAD_SMTP_UNKNOWN:
		b->counts.unknown++;
		return TRUE; /* stays "sending": ambiguous, never resent */
	}
	return TRUE;
}

static gboolean
outcome_fn(cad_txn *txn, void *arg, GError **error)
{
	batch_ctx *b = arg;

	memset(&b->counts, 0, sizeof(b->counts));
	for (guint i = 0; i < b->items->len; i++) {
		item *it = g_ptr_array_index(b->items, i);
		if ((it->act != DO_EMAIL && it->act != DO_TASK) || it->skip)
			continue;
		it->gave_up = FALSE;
		if (!outcome_one(txn, b, it, error))
			return FALSE;
	}
	return TRUE;
}

static void
log_outcome(const item *it)
{
	log_info("enrollment=%" G_GUINT64_FORMAT " prospect=%s cadence=%s "
	         "step=%u %s msgid=<%s> to=<%s> status=%s: %s",
	         it->id, it->e->address, it->e->cadence, it->step->number,
	         it->act == DO_TASK ? "task" : "email", it->msgid, it->rcpt,
	         cad_smtp_outcome_name(it->sm.outcome),
	         it->sm.text != NULL ? it->sm.text : "");
}

/* after_outcomes - the actions that have their own transaction. */
static void
after_outcomes(cad_sender *s, GPtrArray *items, gint64 now)
{
	for (guint i = 0; i < items->len; i++) {
		item *it = g_ptr_array_index(items, i);
		g_autoptr(GError) err = NULL;
		g_autofree char *what = NULL;

		if ((it->act != DO_EMAIL && it->act != DO_TASK) || !it->ready ||
		    it->skip)
			continue;
		log_outcome(it);
		if (it->sm.outcome == CAD_SMTP_RCPT_REFUSED &&
		    it->act == DO_TASK) {
			/* The rep's own address: not the prospect's bounce. */
			what = g_strdup_printf("the relay refused the rep's "
			                       "address %s: %s",
			                       it->rcpt, it->sm.text);
			pause_with_error(s, it->e, what, now);
		} else if (it->sm.outcome == CAD_SMTP_RCPT_REFUSED) {
			if (!cad_act_bounce(s->store, s->conf, it->id, it->rcpt,
			                    TRUE, it->sm.text, now, &err))
				log_warnx("enrollment=%" G_GUINT64_FORMAT
				          ": %s",
				          it->id, err->message);
		} else if (it->sm.outcome == CAD_SMTP_REFUSED) {
			what = g_strdup_printf("the relay refused the "
			                       "message: %s",
			                       it->sm.text);
			pause_with_error(s, it->e, what, now);
		} else if (it->sm.outcome == CAD_SMTP_DEFERRED && it->gave_up) {
			what = g_strdup_printf("delivery deferred for "
			                       "retry_max_hours (%d): %s",
			                       s->conf->retry_max_hours,
			                       it->sm.text);
			pause_with_error(s, it->e, what, now);
		}
	}
}

/* ---- one batch ---- */

static void
prepare_all(cad_sender *s, GPtrArray *items, gint64 now, cad_sender_stats *st)
{
	for (guint i = 0; i < items->len; i++) {
		item *it = g_ptr_array_index(items, i);
		g_autoptr(GError) err = NULL;

		if (it->act == DO_ERROR) {
			pause_with_error(s, it->e, it->why, now);
			st->errors++;
			continue;
		}
		if (it->act != DO_EMAIL && it->act != DO_TASK)
			continue;
		if (!prepare_item(s, it, now, &err)) {
			it->ready = FALSE;
			pause_with_error(s, it->e, err->message, now);
			st->errors++;
		}
	}
}

/* A marked batch on its way: composed and submitted by its thread. */
typedef struct {
	cad_sender *s;
	GPtrArray *items; /* item*, owned */
	batch_ctx b;
	GThread *thread;
} flight;

static void
flight_free(flight *f)
{
	g_ptr_array_unref(f->items);
	g_free(f);
}

/* fly - the batch's thread: compose with GMime, then one SMTP session. */
static gpointer
fly(gpointer arg)
{
	flight *f = arg;
	g_autofree cad_smtp_msg *msgs = g_new0(cad_smtp_msg, f->items->len);
	g_autofree item **back = g_new0(item *, f->items->len);
	g_autoptr(GError) err = NULL;
	guint n = 0;

	for (guint i = 0; i < f->items->len; i++) {
		item *it = g_ptr_array_index(f->items, i);
		g_autoptr(GError) cerr = NULL;
		if ((it->act != DO_EMAIL && it->act != DO_TASK) || it->skip)
			continue;
		if (!compose_item(f->s, it, &cerr)) {
			/* Nothing went out: retried after a back-off. */
			it->sm.outcome = CAD_SMTP_DEFERRED;
			it->sm.text =
			    g_strdup_printf("not composed: %s", cerr->message);
			continue;
		}
		msgs[n].reverse_path = it->rpath;
		msgs[n].recipient = it->rcpt;
		msgs[n].data = it->data;
		back[n++] = it;
	}
	if (n > 0 && !cad_smtp_send(f->s->smtp, msgs, n, &err))
		log_warnx("%s", err->message);
	for (guint i = 0; i < n; i++)
		back[i]->sm = msgs[i]; /* takes text */
	return NULL;
}

/* landed - after its outcomes are committed: the acts with their own
 * transactions, the counts, and the flight freed. */
static void
landed(flight *f, cad_sender_stats *st)
{
	add_stats(st, &f->b.counts);
	after_outcomes(f->s, f->items, f->b.now);
}

/* land - wait for a flight and record its outcomes on their own. */
static gboolean
land(flight *f, cad_sender_stats *st, GError **error)
{
	gboolean ok;

	g_thread_join(f->thread);
	ok = cad_core_write(f->s->store, outcome_fn, &f->b, error);
	if (ok)
		landed(f, st);
	flight_free(f);
	return ok;
}

/*
 * One write transaction for the outcomes of a landed flight and the
 * "sending" marks of the next batch: half the commits (each an fsync),
 * and the next batch's marks are still committed before its DATA.
 */
typedef struct {
	flight *done; /* may be NULL */
	flight *next;
} turn;

static gboolean
turn_fn(cad_txn *txn, void *arg, GError **error)
{
	turn *t = arg;

	if (t->done != NULL && !outcome_fn(txn, &t->done->b, error))
		return FALSE;
	return mark_fn(txn, &t->next->b, error);
}

static gboolean
has_side(GPtrArray *items)
{
	for (guint i = 0; i < items->len; i++) {
		const item *it = g_ptr_array_index(items, i);
		if (it->act != DO_EMAIL && it->act != DO_TASK &&
		    it->act != DO_ERROR)
			return TRUE;
	}
	return FALSE;
}

/*
 * run_batch - decide on ids[*pos...] until a batch is found, prepare and
 * mark it, and send it off in its own thread (queued on inflight).
 * *progress counts what changed.
 */
static gboolean
run_batch(cad_sender *s, GArray *ids, guint *pos, gint64 now, pass_state *ps,
          GQueue *inflight, cad_sender_stats *st, guint *progress,
          GError **error)
{
	flight *f = g_new0(flight, 1);
	guint mail = 0;

	f->s = s;
	f->items = g_ptr_array_new_with_free_func(item_free);
	f->b = (batch_ctx){s, f->items, now, {0}};
	{
		g_autoptr(cad_txn) rt = cad_store_read_begin(s->store, error);
		if (rt == NULL) {
			flight_free(f);
			return FALSE;
		}
		cad_throttle_reset(s->thr);
		for (; *pos < ids->len && mail < s->batch; (*pos)++) {
			guint64 id = g_array_index(ids, guint64, *pos);
			item *it;
			if (!decide(s, rt, id, now, ps, st, &it, error)) {
				flight_free(f);
				return FALSE;
			}
			if (it == NULL)
				continue;
			if (it->act == DO_EMAIL || it->act == DO_TASK)
				mail++;
			g_ptr_array_add(f->items, it);
		}
	}
	if (f->items->len == 0) {
		flight_free(f);
		return TRUE;
	}
	*progress += f->items->len;
	if (has_side(f->items)) {
		if (!cad_core_write(s->store, side_fn, &f->b, error)) {
			flight_free(f);
			return FALSE;
		}
		add_stats(st, &f->b.counts);
	}
	prepare_all(s, f->items, now, st);
	{
		turn t = {NULL, f};
		gboolean ok;
		if (g_queue_get_length(inflight) >= s->sessions) {
			t.done = g_queue_pop_head(inflight);
			g_thread_join(t.done->thread);
		}
		ok = cad_core_write(s->store, turn_fn, &t, error);
		if (t.done != NULL) {
			if (ok)
				landed(t.done, st);
			else if (!cad_core_write(s->store, outcome_fn,
			                         &t.done->b, NULL))
				log_warnx("outcomes of a batch not recorded: "
				          "its steps stay \"sending\"");
			flight_free(t.done);
		}
		if (!ok) {
			flight_free(f);
			return FALSE;
		}
	}
	f->thread = g_thread_new("cadence-smtp", fly, f);
	g_queue_push_tail(inflight, f);
	return TRUE;
}

/* ---- notices ---- */

static gboolean
deliver_notices(cad_sender *s, gint64 now, cad_sender_stats *st, GError **error)
{
	g_autoptr(GPtrArray) list = NULL;
	g_autofree cad_smtp_msg *msgs = NULL;
	g_autoptr(GPtrArray) sent = g_ptr_array_new();
	const char *from = s->conf->notify_from != NULL
	                       ? s->conf->notify_from
	                       : s->conf->bounce_address;
	guint n = 0;

	{
		g_autoptr(cad_txn) rt = cad_store_read_begin(s->store, error);
		if (rt == NULL)
			return FALSE;
		list = cad_store_notices(rt, CAD_SENDER_NOTICES_MAX, error);
		if (list == NULL)
			return FALSE;
	}
	if (list->len == 0)
		return TRUE;
	msgs = g_new0(cad_smtp_msg, list->len);
	for (guint i = 0; i < list->len; i++) {
		cad_notice *no = g_ptr_array_index(list, i);
		g_autoptr(GError) err = NULL;
		char *id = cad_compose_msgid(s->conf);
		GBytes *b = cad_compose_notice(s->conf, no, id, now, &err);
		g_free(id);
		if (b == NULL) {
			/* Never deliverable: drop it rather than retry. */
			log_warnx("notice to %s dropped: %s", no->rep,
			          err->message);
			g_clear_error(&err);
			if (!cad_notice_done(s->store, no, &err))
				log_warnx("notice: %s", err->message);
			continue;
		}
		g_ptr_array_add(sent, no);
		msgs[n].reverse_path = from != NULL ? from : "";
		msgs[n].recipient = no->rep;
		msgs[n].data = b;
		n++;
	}
	if (n > 0)
		cad_smtp_send(s->smtp, msgs, n, NULL);
	for (guint i = 0; i < n; i++) {
		cad_notice *no = g_ptr_array_index(sent, i);
		g_autoptr(GError) err = NULL;

		if (msgs[i].outcome == CAD_SMTP_SENT)
			st->notices++;
		else
			log_warnx("notice to %s: %s: %s", no->rep,
			          cad_smtp_outcome_name(msgs[i].outcome),
			          msgs[i].text != NULL ? msgs[i].text : "");
		/* Kept for a retry only when deferred: a notice is worth
		 * at most one copy, like a step. */
		if (msgs[i].outcome != CAD_SMTP_DEFERRED &&
		    !cad_notice_done(s->store, no, &err))
			log_warnx("notice to %s: %s", no->rep, err->message);
		g_bytes_unref(msgs[i].data);
		cad_smtp_msg_clear(&msgs[i]);
	}
	return TRUE;
}

/* ---- a run ---- */

static gboolean
run_pass(cad_sender *s, gint64 now, cad_sender_stats *st, guint *progress,
         GError **error)
{
	g_autoptr(GArray) ids = NULL;
	pass_state ps = {
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
	    FALSE};
	GQueue inflight = G_QUEUE_INIT;
	guint pos = 0;
	gboolean ok = TRUE;

	{
		g_autoptr(cad_txn) rt = cad_store_read_begin(s->store, error);
		if (rt == NULL) {
			g_hash_table_unref(ps.blocked);
			return FALSE;
		}
		ids = cad_store_due(rt, now, 0, error);
	}
	if (ids == NULL) {
		g_hash_table_unref(ps.blocked);
		return FALSE;
	}
	while (ok && pos < ids->len && !ps.all_blocked &&
	       (s->stop == NULL || !*s->stop)) {
		ok = run_batch(s, ids, &pos, now, &ps, &inflight, st, progress,
		               error);
	}
	/* Whatever happened, every flight lands and is recorded. */
	while (!g_queue_is_empty(&inflight)) {
		GError *e2 = NULL;
		if (!land(g_queue_pop_head(&inflight), st, ok ? error : &e2)) {
			ok = FALSE;
			g_clear_error(&e2);
		}
	}
	g_hash_table_unref(ps.blocked);
	return ok;
}

gboolean
cad_sender_run(cad_sender *s, gint64 now, cad_sender_stats *stats,
               GError **error)
{
	cad_sender_stats local = {0};
	cad_sender_stats *st = stats != NULL ? stats : &local;

	s->throttle_wake = 0;
	if (!deliver_notices(s, now, st, error))
		return FALSE;
	for (guint pass = 0; pass < CAD_SENDER_PASSES_MAX; pass++) {
		guint progress = 0;
		guint throttled = st->throttled;
		if (!run_pass(s, now, st, &progress, error))
			return FALSE;
		/* Count throttled steps once per run, not once per pass. */
		if (pass > 0)
			st->throttled = throttled;
		if (progress == 0)
			break;
	}
	/* Errors just queued notices: deliver them now. */
	return deliver_notices(s, now, st, error);
}

gint64
cad_sender_next_wake(cad_sender *s, gint64 now)
{
	g_autoptr(cad_txn) rt = cad_store_read_begin(s->store, NULL);
	gint64 next = rt != NULL ? cad_store_next_due(rt, NULL) : 0;

	/* Still due at now means throttled (or paused): wait for a slot. */
	if (next != 0 && next <= now)
		next = s->throttle_wake > now ? s->throttle_wake : 0;
	return next;
}

typedef struct {
	cad_txn *txn;
	gint64 now;
	GString *out;
	guint n;
	GError *error;
} stuck_ctx;

static gboolean
stuck_fn(const cad_enrollment *e, void *arg)
{
	stuck_ctx *c = arg;
	g_autoptr(GPtrArray) why = NULL;

	if (e->step_status != CAD_STEP_SENDING)
		return TRUE;
	why = cad_stuck_find(c->txn, e, c->now, &c->error);
	if (why == NULL)
		return FALSE;
	if (!cad_stuck_has(why, CAD_STUCK_SENDING))
		return TRUE;
	c->n++;
	if (c->out != NULL)
		g_string_append_printf(
		    c->out,
		    "%" G_GUINT64_FORMAT " %s step-index %u msgid <%s>\n",
		    e->id, e->address, e->step,
		    e->sending_msgid ? e->sending_msgid : "");
	return TRUE;
}

guint
cad_sender_stuck(cad_sender *s, gint64 now, GString *out, GError **error)
{
	g_autoptr(cad_txn) rt = cad_store_read_begin(s->store, error);
	stuck_ctx c = {rt, now, out, 0, NULL};

	if (rt == NULL)
		return 0;
	cad_store_enrollment_foreach(rt, stuck_fn, &c, error);
	if (c.error != NULL)
		g_propagate_error(error, c.error);
	return c.n;
}

typedef struct {
	cad_sender *s;
	cad_txn *txn;
	GString *out;
	gint64 now;
} plan_ctx;

static gboolean
plan_fn(const cad_enrollment *e, void *arg)
{
	plan_ctx *c = arg;
	g_autoptr(GArray) plan = NULL;

	if (cad_state_is_final(e->state))
		return TRUE;
	plan = cad_plan(c->txn, c->s->conf, e, NULL);
	if (plan == NULL)
		return TRUE;
	for (guint i = 0; i < plan->len; i++) {
		const cad_planned_step *ps =
		    &g_array_index(plan, cad_planned_step, i);
		g_autofree char *when = cad_format_time(ps->when);
		g_string_append_printf(
		    c->out, "%" G_GUINT64_FORMAT " %s %s step %u %s %s%s%s\n",
		    e->id, e->address, cad_state_name(e->state),
		    ps->step->number, cad_channel_name(ps->step->channel), when,
		    ps->when <= c->now ? " due" : "",
		    e->step_status == CAD_STEP_SENDING && i == 0 ? " sending"
		                                                 : "");
	}
	return TRUE;
}

gboolean
cad_sender_plan(cad_sender *s, gint64 now, GString *out, GError **error)
{
	g_autoptr(cad_txn) rt = cad_store_read_begin(s->store, error);
	plan_ctx c = {s, NULL, out, now};

	if (rt == NULL)
		return FALSE;
	c.txn = rt;
	return cad_store_enrollment_foreach(rt, plan_fn, &c, error);
}

char *
cad_sender_stats_line(const cad_sender_stats *st)
{
	return g_strdup_printf(
	    "sent=%u tasks=%u deferred=%u bounced=%u "
	    "refused=%u unknown=%u errors=%u throttled=%u "
	    "window=%u resumed=%u timeouts=%u stopped=%u "
	    "notices=%u stuck=%u",
	    st->sent, st->tasks, st->deferred, st->bounced, st->refused,
	    st->unknown, st->errors, st->throttled, st->window, st->resumed,
	    st->timeouts, st->stopped, st->notices, st->stuck);
}
