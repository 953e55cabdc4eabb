/*
 * actions.c: every change of an enrollment's state, each written in one
 * transaction together with the event that records it. See actions.h.
 */
#include "core/actions.h"

#include <string.h>

#include "common/log.h"
#include "core/sched.h"

#define DAY            (24 * 60 * 60)
/*
 * The number of the current step where no configuration is at hand:
 * steps are numbered from 2 (step 1 is the rep's email), one per index.
 */
#define STEP_NUMBER(e) ((e)->step + 2)

static const cad_cadence *
cadence_of(const cad_conf *conf, const char *name, GError **error)
{
	const cad_cadence *c = cad_conf_cadence(conf, name);

	if (c == NULL)
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND,
		            "no cadence '%s' in %s", name ? name : "",
		            conf->cadences_dir ? conf->cadences_dir : "?");
	return c;
}

static guint32
seed_of(const cad_enrollment *e, guint32 index)
{
	return (guint32)(e->id * 2654435761u) ^ (index * 40503u);
}

static char *
prospect_tz(cad_txn *txn, const char *address)
{
	g_autoptr(cad_prospect) p = cad_store_prospect_get(txn, address, NULL);

	return p != NULL ? g_strdup(p->timezone) : NULL;
}

/*
 * step_when - the time of step index of e: its day counted from
 * enrollment, and never sooner after prev_when than the days between the
 * two steps, so that a delay (a pause, a late answer) does not send two
 * steps on one day.
 */
static gint64
step_when(const cad_sched *s, const cad_cadence *c, const cad_enrollment *e,
          guint32 index, gint64 prev_when, int prev_day)
{
	const cad_step *st = cad_cadence_step(c, index);
	gint64 planned, spaced;

	if (st == NULL)
		return 0;
	planned =
	    cad_sched_step_time(s, e->enrolled_at, st->day, seed_of(e, index));
	if (prev_when == 0)
		return planned;
	spaced = cad_sched_step_time(s, prev_when, 1 + st->day - prev_day,
	                             seed_of(e, index));
	return MAX(planned, spaced);
}

guint32
cad_last_step_number(const cad_conf *conf, const cad_enrollment *e)
{
	const cad_step *st;

	if (e->step == 0)
		return 1;
	st = cad_cadence_step(cad_conf_cadence(conf, e->cadence), e->step - 1);
	return st != NULL ? st->number : e->step + 1;
}

static guint32
current_step_number(const cad_conf *conf, const cad_enrollment *e)
{
	const cad_step *st =
	    cad_cadence_step(cad_conf_cadence(conf, e->cadence), e->step);

	return st != NULL ? st->number : cad_last_step_number(conf, e);
}

GArray *
cad_plan(cad_txn *txn, const cad_conf *conf, const cad_enrollment *e,
         GError **error)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(cad_planned_step));
	const cad_cadence *c = cadence_of(conf, e->cadence, error);
	g_autofree char *tz = NULL;
	gint64 prev = 0;
	int prev_day = 0;
	cad_sched s;

	if (c == NULL) {
		g_array_unref(out);
		return NULL;
	}
	if (cad_state_is_final(e->state))
		return out;
	tz = prospect_tz(txn, e->address);
	cad_sched_init(&s, conf, c, tz);
	for (guint32 i = e->step; i < c->steps->len; i++) {
		cad_planned_step p = {i, cad_cadence_step(c, i), 0};
		if (i == e->step && e->next_due != 0)
			p.when = e->next_due;
		else
			p.when = step_when(&s, c, e, i, prev, prev_day);
		g_array_append_val(out, p);
		prev = p.when;
		prev_day = p.step->day;
	}
	cad_sched_clear(&s);
	return out;
}

/* ---- enroll ---- */

gboolean
cad_enroll_txn(cad_txn *txn, const cad_conf *conf, const cad_prospect *p,
               const cad_enroll_req *req, gint64 now, guint64 *id_out,
               GError **error)
{
	const cad_cadence *c = cadence_of(conf, req->cadence, error);
	g_autoptr(cad_enrollment) e = NULL;
	g_autofree char *root = NULL, *tz = NULL;
	cad_sched s;

	if (c == NULL)
		return FALSE;
	e = g_new0(cad_enrollment, 1);
	e->cadence = g_strdup(c->name);
	e->rep = cad_address_normalize(req->rep);
	if (e->rep == NULL)
		e->rep = g_strdup(req->rep != NULL ? req->rep : "");
	e->enrolled_at = now;
	e->thread_subject = g_strdup(req->subject);
	root = cad_msgid_strip(req->root_msgid);
	if (root != NULL)
		e->thread_refs = g_strdup_printf("<%s>", root);
	tz = p->timezone != NULL ? g_strdup(p->timezone)
	                         : prospect_tz(txn, p->address);
	cad_sched_init(&s, conf, c, tz);
	e->next_due = step_when(&s, c, e, 0, 0, 0);
	cad_sched_clear(&s);
	if (!cad_store_enroll(txn, p, e, now, error))
		return FALSE;
	if (id_out != NULL)
		*id_out = e->id;
	return TRUE;
}

typedef struct {
	const cad_conf *conf;
	const cad_prospect *p;
	const cad_enroll_req *req;
	gint64 now;
	guint64 id;
	const char *reason;
} enroll_args;

static gboolean
enroll_fn(cad_txn *txn, void *arg, GError **error)
{
	enroll_args *a = arg;

	return cad_enroll_txn(txn, a->conf, a->p, a->req, a->now, &a->id,
	                      error);
}

static gboolean
refusal_fn(cad_txn *txn, void *arg, GError **error)
{
	enroll_args *a = arg;
	g_autofree char *d = g_strdup_printf("address=%s cadence=%s rep=%s "
	                                     "reason=%s",
	                                     a->p->address, a->req->cadence,
	                                     a->req->rep, a->reason);

	return cad_store_event_add(txn, 0, CAD_EV_REFUSED, 1, d, a->now, error);
}

gboolean
cad_enroll(cad_store *store, const cad_conf *conf, const cad_prospect *p,
           const cad_enroll_req *req, gint64 now, gboolean record_refusal,
           guint64 *id_out, GError **error)
{
	enroll_args a = {conf, p, req, now, 0, NULL};
	GError *err = NULL;

	if (cad_store_write(store, enroll_fn, &a, &err)) {
		if (id_out != NULL)
			*id_out = a.id;
		return TRUE;
	}
	if (record_refusal && err->domain == CAD_STORE_ERROR &&
	    (err->code == CAD_STORE_ERROR_SUPPRESSED ||
	     err->code == CAD_STORE_ERROR_ACTIVE ||
	     err->code == CAD_STORE_ERROR_NOT_FOUND)) {
		a.reason = err->message;
		if (!cad_store_write(store, refusal_fn, &a, NULL))
			log_warnx("could not record the refusal of %s",
			          p->address);
	}
	g_propagate_error(error, err);
	return FALSE;
}

/* ---- advance and resume ---- */

static void
clear_step(cad_enrollment *e)
{
	e->step_status = CAD_STEP_IDLE;
	e->attempts = 0;
	g_clear_pointer(&e->sending_msgid, g_free);
}

gboolean
cad_advance_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                gint64 now, GError **error)
{
	const cad_cadence *c = cadence_of(conf, e->cadence, error);
	const cad_step *done;
	g_autofree char *tz = NULL;
	cad_sched s;

	if (c == NULL)
		return FALSE;
	done = cad_cadence_step(c, e->step);
	clear_step(e);
	e->step++;
	if (cad_cadence_step(c, e->step) == NULL)
		return cad_store_transition(txn, e, CAD_STATE_COMPLETED,
		                            CAD_EV_COMPLETED,
		                            done != NULL ? done->number : 1,
		                            "last step done", now, error);
	tz = prospect_tz(txn, e->address);
	cad_sched_init(&s, conf, c, tz);
	e->next_due =
	    step_when(&s, c, e, e->step, now, done != NULL ? done->day : 1);
	cad_sched_clear(&s);
	e->state = CAD_STATE_ACTIVE;
	return cad_store_enrollment_put(txn, e, error);
}

gboolean
cad_resume_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
               const char *who, gint64 now, GError **error)
{
	const cad_cadence *c = cadence_of(conf, e->cadence, error);
	g_autofree char *tz = NULL;
	g_autofree char *detail = g_strdup_printf("by %s", who);
	cad_sched s;

	if (c == NULL)
		return FALSE;
	tz = prospect_tz(txn, e->address);
	cad_sched_init(&s, conf, c, tz);
	e->paused_until = 0;
	g_clear_pointer(&e->last_error, g_free);
	e->next_due = MAX(step_when(&s, c, e, e->step, 0, 0),
	                  cad_sched_next_slot(&s, now));
	cad_sched_clear(&s);
	return cad_store_transition(txn, e, CAD_STATE_ACTIVE, CAD_EV_RESUMED,
	                            current_step_number(conf, e), detail, now,
	                            error);
}

/* ---- one-enrollment actions in their own transaction ---- */

typedef gboolean (*act_fn)(cad_txn *txn, cad_enrollment *e, void *arg,
                           GError **error);

typedef struct {
	guint64 id;
	act_fn fn;
	void *arg;
} act_args;

static gboolean
act_txn(cad_txn *txn, void *arg, GError **error)
{
	act_args *a = arg;
	g_autoptr(cad_enrollment) e =
	    cad_store_enrollment_get(txn, a->id, error);

	return e != NULL && a->fn(txn, e, a->arg, error);
}

static gboolean
act(cad_store *store, guint64 id, act_fn fn, void *arg, GError **error)
{
	act_args a = {id, fn, arg};

	return cad_store_write(store, act_txn, &a, error);
}

typedef struct {
	const cad_conf *conf;
	const char *detail;
	gint64 now;
	gint64 until;
	const char *address;
	gboolean flag;
	cad_answer answer;
} act_ctx;

/*
 * halt_others - the prospect's other live enrollments end in state, with
 * a "stopped" event naming why (so that stats count the cause once).
 */
static gboolean
halt_others(cad_txn *txn, const cad_enrollment *e, cad_state state,
            const char *why, gint64 now, GError **error)
{
	g_autoptr(GArray) ids =
	    cad_store_enrollments_of(txn, e->address, error);

	if (ids == NULL)
		return FALSE;
	for (guint i = 0; i < ids->len; i++) {
		guint64 id = g_array_index(ids, guint64, i);
		g_autoptr(cad_enrollment) o = NULL;
		if (id == e->id)
			continue;
		o = cad_store_enrollment_get(txn, id, NULL);
		if (o == NULL || cad_state_is_final(o->state))
			continue;
		if (!cad_store_transition(txn, o, state, CAD_EV_STOPPED,
		                          o->step + 1, why, now, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
account_exit(cad_txn *txn, const cad_enrollment *e, gint64 now, GError **error)
{
	const char *dom = cad_address_domain(e->address);
	g_autoptr(GArray) ids =
	    cad_store_enrollments_at_domain(txn, dom, error);
	g_autofree char *why = g_strdup_printf("%s at the same company "
	                                       "replied",
	                                       e->address);

	if (ids == NULL)
		return FALSE;
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(cad_enrollment) o = cad_store_enrollment_get(
		    txn, g_array_index(ids, guint64, i), NULL);
		if (o == NULL || o->id == e->id ||
		    strcmp(o->address, e->address) == 0 ||
		    cad_state_is_final(o->state))
			continue;
		if (!cad_store_transition(txn, o, CAD_STATE_STOPPED,
		                          CAD_EV_ACCOUNT_EXIT, o->step + 1, why,
		                          now, error))
			return FALSE;
	}
	return TRUE;
}

/* A reply or bounce can still change an enrollment that completed. */
static gboolean
open_to_outcome(cad_state s)
{
	return !cad_state_is_final(s) || s == CAD_STATE_COMPLETED;
}

static gboolean
reply_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;
	guint32 step = cad_last_step_number(c->conf, e);
	g_autofree char *why =
	    g_strdup_printf("replied to enrollment %" G_GUINT64_FORMAT, e->id);

	if (!open_to_outcome(e->state))
		return cad_store_event_add(txn, e->id, CAD_EV_REPLIED, step,
		                           c->detail, c->now, error);
	if (!cad_store_transition(txn, e, CAD_STATE_REPLIED, CAD_EV_REPLIED,
	                          step, c->detail, c->now, error) ||
	    !halt_others(txn, e, CAD_STATE_REPLIED, why, c->now, error))
		return FALSE;
	return !c->conf->account_exit || account_exit(txn, e, c->now, error);
}

gboolean
cad_act_reply(cad_store *store, const cad_conf *conf, guint64 id,
              const char *detail, gint64 now, GError **error)
{
	act_ctx c = {.conf = conf, .detail = detail, .now = now};

	return act(store, id, reply_fn, &c, error);
}

static gboolean
auto_reply_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;
	g_autofree char *until = NULL, *detail = NULL;
	guint32 step = cad_last_step_number(c->conf, e);

	if (e->state != CAD_STATE_ACTIVE && e->state != CAD_STATE_PAUSED)
		return cad_store_event_add(txn, e->id, CAD_EV_AUTO_REPLY, step,
		                           c->detail, c->now, error);
	/* An admin's pause (no paused_until) is not shortened by this. */
	if (e->state == CAD_STATE_PAUSED && e->paused_until == 0)
		return cad_store_event_add(txn, e->id, CAD_EV_AUTO_REPLY, step,
		                           c->detail, c->now, error);
	e->paused_until =
	    c->until > c->now
	        ? c->until
	        : c->now + (gint64)c->conf->auto_reply_pause_days * DAY;
	e->next_due = e->paused_until;
	until = cad_format_time(e->paused_until);
	detail = g_strdup_printf("%s; paused until %s",
	                         c->detail ? c->detail : "auto-reply", until);
	return cad_store_transition(txn, e, CAD_STATE_PAUSED, CAD_EV_AUTO_REPLY,
	                            step, detail, c->now, error);
}

gboolean
cad_act_auto_reply(cad_store *store, const cad_conf *conf, guint64 id,
                   gint64 until, const char *detail, gint64 now, GError **error)
{
	act_ctx c = {
	    .conf = conf, .detail = detail, .now = now, .until = until};

	return act(store, id, auto_reply_fn, &c, error);
}

static gboolean
hard_bounce(cad_txn *txn, cad_enrollment *e, act_ctx *c, guint32 step,
            const char *detail, GError **error)
{
	g_autofree char *reason =
	    g_strdup_printf("hard bounce: %s", detail ? detail : "");
	const char *addr = c->address != NULL ? c->address : e->address;

	if (!cad_store_suppress_add(txn, addr, reason, "bounce", c->now, error))
		return FALSE;
	if (!open_to_outcome(e->state))
		return cad_store_event_add(txn, e->id, CAD_EV_HARD_BOUNCE, step,
		                           detail, c->now, error);
	return cad_store_transition(txn, e, CAD_STATE_BOUNCED,
	                            CAD_EV_HARD_BOUNCE, step, detail, c->now,
	                            error) &&
	       halt_others(txn, e, CAD_STATE_BOUNCED, "address bounced", c->now,
	                   error);
}

static gboolean
bounce_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;
	guint32 step = cad_last_step_number(c->conf, e);
	g_autoptr(cad_prospect) p = NULL;
	g_autofree char *detail = NULL;

	if (c->flag)
		return hard_bounce(txn, e, c, step, c->detail, error);
	e->soft_bounces++;
	p = cad_store_prospect_get(txn, e->address, NULL);
	if (p != NULL) {
		p->soft_bounces++;
		if (!cad_store_prospect_put(txn, p, error))
			return FALSE;
	}
	if (!cad_store_enrollment_put(txn, e, error) ||
	    !cad_store_event_add(txn, e->id, CAD_EV_SOFT_BOUNCE, step,
	                         c->detail, c->now, error))
		return FALSE;
	if (p == NULL || p->soft_bounces < (guint32)c->conf->soft_bounce_limit)
		return TRUE;
	detail = g_strdup_printf("%u soft bounces (soft_bounce_limit %d): %s",
	                         p->soft_bounces, c->conf->soft_bounce_limit,
	                         c->detail ? c->detail : "");
	return hard_bounce(txn, e, c, step, detail, error);
}

gboolean
cad_act_bounce(cad_store *store, const cad_conf *conf, guint64 id,
               const char *address, gboolean hard, const char *detail,
               gint64 now, GError **error)
{
	act_ctx c = {.conf = conf,
	             .detail = detail,
	             .now = now,
	             .address = address,
	             .flag = hard};

	return act(store, id, bounce_fn, &c, error);
}

static gboolean
unsubscribe_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;
	const char *type = c->flag ? CAD_EV_COMPLAINT : CAD_EV_UNSUBSCRIBED;
	guint32 step = cad_last_step_number(c->conf, e);
	g_autofree char *reason =
	    g_strdup_printf("%s: %s", c->flag ? "complaint" : "unsubscribed",
	                    c->detail ? c->detail : "");

	if (!cad_store_suppress_add(txn, e->address, reason,
	                            c->flag ? "complaint" : "unsubscribe",
	                            c->now, error))
		return FALSE;
	if (!open_to_outcome(e->state) && e->state != CAD_STATE_STOPPED &&
	    e->state != CAD_STATE_REPLIED)
		return cad_store_event_add(txn, e->id, type, step, c->detail,
		                           c->now, error);
	return cad_store_transition(txn, e, CAD_STATE_UNSUBSCRIBED, type, step,
	                            c->detail, c->now, error) &&
	       halt_others(txn, e, CAD_STATE_UNSUBSCRIBED, "unsubscribed",
	                   c->now, error);
}

gboolean
cad_act_unsubscribe(cad_store *store, const cad_conf *conf, guint64 id,
                    gboolean complaint, const char *detail, gint64 now,
                    GError **error)
{
	act_ctx c = {
	    .conf = conf, .detail = detail, .now = now, .flag = complaint};

	return act(store, id, unsubscribe_fn, &c, error);
}

/* ---- task answers ---- */

gboolean
cad_answer_parse(const char *word, cad_answer *out)
{
	static const struct {
		const char *w;
		cad_answer a;
	} words[] = {
	    {"done", CAD_ANSWER_DONE},
	    {"skip", CAD_ANSWER_SKIP},
	    {"stop", CAD_ANSWER_STOP},
	    {"connected", CAD_ANSWER_CONNECTED},
	    {"meeting", CAD_ANSWER_MEETING},
	};

	for (gsize i = 0; word != NULL && i < G_N_ELEMENTS(words); i++)
		if (g_ascii_strcasecmp(word, words[i].w) == 0) {
			*out = words[i].a;
			return TRUE;
		}
	return FALSE;
}

static gboolean
not_live(cad_enrollment *e, GError **error)
{
	g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_STATE,
	            "enrollment %" G_GUINT64_FORMAT " of %s is %s", e->id,
	            e->address, cad_state_name(e->state));
	return FALSE;
}

static gboolean
task_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;
	guint32 step = current_step_number(c->conf, e);
	const char *who = c->detail;

	const cad_step *cur =
	    cad_cadence_step(cad_conf_cadence(c->conf, e->cadence), e->step);

	if (cad_state_is_final(e->state))
		return not_live(e, error);
	/* An answer is for a task; an email step is the sender's to send. */
	if (cur != NULL && cur->channel == CAD_CHANNEL_EMAIL &&
	    c->answer != CAD_ANSWER_STOP) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_STATE,
		            "enrollment %" G_GUINT64_FORMAT
		            " of %s is at step %u, an "
		            "email, not a task",
		            e->id, e->address, cur->number);
		return FALSE;
	}
	switch (c->answer) {
	case CAD_ANSWER_STOP:
		return cad_store_transition(txn, e, CAD_STATE_STOPPED,
		                            CAD_EV_STOPPED, step, who, c->now,
		                            error);
	case CAD_ANSWER_SKIP:
		return cad_store_event_add(txn, e->id, CAD_EV_TASK_SKIPPED,
		                           step, who, c->now, error) &&
		       cad_advance_txn(txn, c->conf, e, c->now, error);
	case CAD_ANSWER_MEETING:
		/* A booked meeting is the cadence's success: stop it. */
		return cad_store_event_add(txn, e->id, CAD_EV_MEETING, step,
		                           who, c->now, error) &&
		       cad_store_event_add(txn, e->id, CAD_EV_TASK_DONE, step,
		                           who, c->now, error) &&
		       cad_store_transition(txn, e, CAD_STATE_STOPPED,
		                            CAD_EV_STOPPED, step,
		                            "meeting booked", c->now, error);
	case CAD_ANSWER_CONNECTED:
		if (!cad_store_event_add(txn, e->id, CAD_EV_CONNECTED, step,
		                         who, c->now, error))
			return FALSE;
		/* fall through */
	case CAD_ANSWER_DONE:
		return cad_store_event_add(txn, e->id, CAD_EV_TASK_DONE, step,
		                           who, c->now, error) &&
		       cad_advance_txn(txn, c->conf, e, c->now, error);
	}
	return FALSE;
}

gboolean
cad_act_task_answer(cad_store *store, const cad_conf *conf, guint64 id,
                    cad_answer answer, const char *who, gint64 now,
                    GError **error)
{
	act_ctx c = {.conf = conf, .detail = who, .now = now, .answer = answer};

	return act(store, id, task_fn, &c, error);
}

/* ---- admin actions ---- */

static gboolean
pause_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;
	g_autofree char *d = g_strdup_printf("by %s", c->detail);

	if (cad_state_is_final(e->state))
		return not_live(e, error);
	e->paused_until = 0;
	e->next_due = 0;
	return cad_store_transition(txn, e, CAD_STATE_PAUSED, CAD_EV_PAUSED,
	                            STEP_NUMBER(e), d, c->now, error);
}

gboolean
cad_act_pause(cad_store *store, guint64 id, const char *who, gint64 now,
              GError **error)
{
	act_ctx c = {.detail = who, .now = now};

	return act(store, id, pause_fn, &c, error);
}

static gboolean
resume_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;

	if (e->state != CAD_STATE_PAUSED) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_STATE,
		            "enrollment %" G_GUINT64_FORMAT
		            " of %s is %s, not paused",
		            e->id, e->address, cad_state_name(e->state));
		return FALSE;
	}
	return cad_resume_txn(txn, c->conf, e, c->detail, c->now, error);
}

gboolean
cad_act_resume(cad_store *store, const cad_conf *conf, guint64 id,
               const char *who, gint64 now, GError **error)
{
	act_ctx c = {.conf = conf, .detail = who, .now = now};

	return act(store, id, resume_fn, &c, error);
}

static gboolean
stop_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;
	g_autofree char *d = g_strdup_printf("by %s", c->detail);

	if (cad_state_is_final(e->state))
		return not_live(e, error);
	return cad_store_transition(txn, e, CAD_STATE_STOPPED, CAD_EV_STOPPED,
	                            STEP_NUMBER(e), d, c->now, error);
}

gboolean
cad_act_stop(cad_store *store, guint64 id, const char *who, gint64 now,
             GError **error)
{
	act_ctx c = {.detail = who, .now = now};

	return act(store, id, stop_fn, &c, error);
}

static gboolean
skip_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;
	g_autofree char *d = g_strdup_printf("by %s", c->detail);

	if (cad_state_is_final(e->state))
		return not_live(e, error);
	return cad_store_event_add(txn, e->id, CAD_EV_SKIPPED,
	                           current_step_number(c->conf, e), d, c->now,
	                           error) &&
	       cad_advance_txn(txn, c->conf, e, c->now, error);
}

gboolean
cad_act_skip(cad_store *store, const cad_conf *conf, guint64 id,
             const char *who, gint64 now, GError **error)
{
	act_ctx c = {.conf = conf, .detail = who, .now = now};

	return act(store, id, skip_fn, &c, error);
}

static gboolean
error_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;

	if (cad_state_is_final(e->state))
		return not_live(e, error);
	g_free(e->last_error);
	e->last_error = g_strdup(c->detail);
	e->paused_until = 0;
	e->next_due = 0;
	clear_step(e);
	return cad_store_transition(txn, e, CAD_STATE_PAUSED, CAD_EV_ERROR,
	                            STEP_NUMBER(e), c->detail, c->now, error);
}

gboolean
cad_act_error(cad_store *store, guint64 id, const char *what, gint64 now,
              GError **error)
{
	act_ctx c = {.detail = what, .now = now};

	return act(store, id, error_fn, &c, error);
}
