/*
 * actions.c: every change of an enrollment's state, each written in one
 * transaction together with the event that records it, by the rules of
 * core/states.c. See actions.h.
 */
#include "core/actions.h"

#include <string.h>

#include "common/log.h"
#include "core/internal.h"
#include "core/notices.h"
#include "core/sched.h"
#include "core/states.h"

#define DAY            (24 * 60 * 60)
/*
 * The number of the current step where no configuration is at hand:
 * steps are numbered from 2 (step 1 is the rep's email), one per index.
 */
#define STEP_NUMBER(e) ((e)->step + 2)

const cad_cadence *
cad_core_cadence(const cad_conf *conf, const char *name, GError **error)
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

gboolean
cad_core_prospect_tz(cad_txn *txn, const char *address, char **tz,
                     GError **error)
{
	g_autoptr(cad_prospect) p = NULL;

	*tz = NULL;
	if (!cad_store_prospect_find(txn, address, &p, error))
		return FALSE;
	if (p != NULL)
		*tz = g_strdup(p->timezone);
	return TRUE;
}

/*
 * cad_core_step_when - the time of step index of e: its day counted from
 * enrollment, and never sooner after prev_when than the days between the
 * two steps, so that a delay (a pause, a late answer) does not send two
 * steps on one day.
 */
gint64
cad_core_step_when(const cad_sched *s, const cad_cadence *c,
                   const cad_enrollment *e, guint32 index, gint64 prev_when,
                   int prev_day)
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
	const cad_cadence *c = cad_core_cadence(conf, e->cadence, error);
	g_autofree char *tz = NULL;
	GArray *out;
	gint64 prev = 0;
	int prev_day = 0;
	cad_sched s;

	if (c == NULL)
		return NULL;
	out = g_array_new(FALSE, TRUE, sizeof(cad_planned_step));
	if (cad_state_is_final(e->state))
		return out;
	if (!cad_core_prospect_tz(txn, e->address, &tz, error)) {
		g_array_unref(out);
		return NULL;
	}
	cad_sched_init(&s, conf, c, tz);
	for (guint32 i = e->step; i < c->steps->len; i++) {
		cad_planned_step p = {i, cad_cadence_step(c, i), 0};
		if (i == e->step && e->next_due != 0)
			p.when = e->next_due;
		else
			p.when =
			    cad_core_step_when(&s, c, e, i, prev, prev_day);
		g_array_append_val(out, p);
		prev = p.when;
		prev_day = p.step->day;
	}
	cad_sched_clear(&s);
	return out;
}

/* ---- advance and resume ---- */

void
cad_core_clear_step(cad_enrollment *e)
{
	e->step_status = CAD_STEP_IDLE;
	e->attempts = 0;
	g_clear_pointer(&e->sending_msgid, g_free);
}

gboolean
cad_core_advance_step(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                      gint64 now, GError **error)
{
	const cad_cadence *c = cad_core_cadence(conf, e->cadence, error);
	const cad_step *done;
	g_autofree char *tz = NULL;
	cad_sched s;

	if (c == NULL)
		return FALSE;
	done = cad_cadence_step(c, e->step);
	cad_core_clear_step(e);
	e->step++;
	if (cad_cadence_step(c, e->step) == NULL) {
		e->state = CAD_STATE_COMPLETED;
		e->next_due = 0;
		return cad_store_enrollment_put(txn, e, error) &&
		       cad_store_event_add(txn, e->id, CAD_EV_COMPLETED,
		                           done != NULL ? done->number : 1,
		                           "last step done", now, error);
	}
	if (!cad_core_prospect_tz(txn, e->address, &tz, error))
		return FALSE;
	cad_sched_init(&s, conf, c, tz);
	e->next_due = cad_core_step_when(&s, c, e, e->step, now,
	                                 done != NULL ? done->day : 1);
	cad_sched_clear(&s);
	e->state = CAD_STATE_ACTIVE;
	return cad_store_enrollment_put(txn, e, error);
}

gboolean
cad_advance_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                gint64 now, GError **error)
{
	return cad_transition_txn(txn, conf, e, CAD_ON_ADVANCE, NULL, 0, NULL,
	                          now, error);
}

/*
 * resume - e active again at its current step, rescheduled no earlier
 * than the next open slot after now: the admin's resume or the end of
 * an auto-reply's pause (on).
 */
static gboolean
resume(cad_txn *txn, const cad_conf *conf, cad_enrollment *e, cad_trigger on,
       const char *who, gint64 now, GError **error)
{
	const cad_cadence *c;
	g_autofree char *tz = NULL;
	g_autofree char *detail = g_strdup_printf("by %s", who);
	cad_rule r = cad_rule_of(e, on);
	cad_sched s;

	if (!cad_rule_check(e, on, error))
		return FALSE;
	c = cad_core_cadence(conf, e->cadence, error);
	if (c == NULL || !cad_core_prospect_tz(txn, e->address, &tz, error))
		return FALSE;
	cad_sched_init(&s, conf, c, tz);
	e->paused_until = 0;
	g_clear_pointer(&e->last_error, g_free);
	e->next_due = MAX(cad_core_step_when(&s, c, e, e->step, 0, 0),
	                  cad_sched_next_slot(&s, now));
	cad_sched_clear(&s);
	return cad_core_apply(txn, conf, e, r, on, CAD_EV_RESUMED,
	                      current_step_number(conf, e), detail, now, error);
}

gboolean
cad_resume_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
               const char *who, gint64 now, GError **error)
{
	return resume(txn, conf, e, CAD_ON_RESUME, who, now, error);
}

gboolean
cad_pause_over_txn(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                   const char *who, gint64 now, GError **error)
{
	return resume(txn, conf, e, CAD_ON_PAUSE_OVER, who, now, error);
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
	const cad_notice_req *notice; /* queued with an error's pause */
} act_ctx;

/*
 * indexed - the enrollment an index entry names: TRUE with *e NULL when
 * its record is gone (nothing to halt), FALSE when it cannot be read.
 */
static gboolean
indexed(cad_txn *txn, guint64 id, cad_enrollment **e, GError **error)
{
	g_autoptr(GError) err = NULL;

	*e = cad_store_enrollment_get(txn, id, &err);
	if (*e != NULL ||
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&err));
	return FALSE;
}

/*
 * halt_others - the prospect's other live enrollments end (on: replied,
 * bounced or unsubscribed), with a "stopped" event naming why (so that
 * stats count the cause once); the table leaves final ones alone.
 */
static gboolean
halt_others(cad_txn *txn, const cad_enrollment *e, cad_trigger on,
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
		if (!indexed(txn, id, &o, error))
			return FALSE;
		if (o != NULL &&
		    !cad_transition_txn(txn, NULL, o, on, CAD_EV_STOPPED,
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
		g_autoptr(cad_enrollment) o = NULL;
		if (!indexed(txn, g_array_index(ids, guint64, i), &o, error))
			return FALSE;
		if (o == NULL || o->id == e->id ||
		    strcmp(o->address, e->address) == 0)
			continue;
		if (!cad_transition_txn(txn, NULL, o, CAD_ON_ACCOUNT_EXIT,
		                        CAD_EV_ACCOUNT_EXIT, o->step + 1, why,
		                        now, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
reply_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;
	guint32 step = cad_last_step_number(c->conf, e);
	gboolean moves = cad_rule_of(e, CAD_ON_REPLY).kind == CAD_RULE_MOVE;
	g_autofree char *why =
	    g_strdup_printf("replied to enrollment %" G_GUINT64_FORMAT, e->id);

	if (!cad_transition_txn(txn, c->conf, e, CAD_ON_REPLY, CAD_EV_REPLIED,
	                        step, c->detail, c->now, error))
		return FALSE;
	if (!moves)
		return TRUE;
	if (!halt_others(txn, e, CAD_ON_HALT_REPLIED, why, c->now, error))
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

	if (cad_rule_of(e, CAD_ON_AUTO_REPLY).kind != CAD_RULE_MOVE)
		return cad_transition_txn(txn, c->conf, e, CAD_ON_AUTO_REPLY,
		                          CAD_EV_AUTO_REPLY, step, c->detail,
		                          c->now, error);
	e->paused_until =
	    c->until > c->now
	        ? c->until
	        : c->now + (gint64)c->conf->auto_reply_pause_days * DAY;
	e->next_due = e->paused_until;
	until = cad_format_time(e->paused_until);
	detail = g_strdup_printf("%s; paused until %s",
	                         c->detail ? c->detail : "auto-reply", until);
	return cad_transition_txn(txn, c->conf, e, CAD_ON_AUTO_REPLY,
	                          CAD_EV_AUTO_REPLY, step, detail, c->now,
	                          error);
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
	gboolean moves =
	    cad_rule_of(e, CAD_ON_HARD_BOUNCE).kind == CAD_RULE_MOVE;

	if (!cad_store_suppress_add(txn, addr, reason, "bounce", c->now, error))
		return FALSE;
	return cad_transition_txn(txn, c->conf, e, CAD_ON_HARD_BOUNCE,
	                          CAD_EV_HARD_BOUNCE, step, detail, c->now,
	                          error) &&
	       (!moves || halt_others(txn, e, CAD_ON_HALT_BOUNCED,
	                              "address bounced", c->now, error));
}

/* soft_count - one more soft bounce on the prospect's record; *p NULL
 * when the prospect has no record. */
static gboolean
soft_count(cad_txn *txn, const cad_enrollment *e, cad_prospect **p,
           GError **error)
{
	if (!cad_store_prospect_find(txn, e->address, p, error))
		return FALSE;
	if (*p == NULL)
		return TRUE;
	(*p)->soft_bounces++;
	return cad_store_prospect_put(txn, *p, error);
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
	if (!soft_count(txn, e, &p, error) ||
	    !cad_transition_txn(txn, c->conf, e, CAD_ON_SOFT_BOUNCE,
	                        CAD_EV_SOFT_BOUNCE, step, c->detail, c->now,
	                        error))
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
	gboolean moves =
	    cad_rule_of(e, CAD_ON_UNSUBSCRIBE).kind == CAD_RULE_MOVE;
	g_autofree char *reason =
	    g_strdup_printf("%s: %s", c->flag ? "complaint" : "unsubscribed",
	                    c->detail ? c->detail : "");

	if (!cad_store_suppress_add(txn, e->address, reason,
	                            c->flag ? "complaint" : "unsubscribe",
	                            c->now, error))
		return FALSE;
	return cad_transition_txn(txn, c->conf, e, CAD_ON_UNSUBSCRIBE, type,
	                          step, c->detail, c->now, error) &&
	       (!moves || halt_others(txn, e, CAD_ON_HALT_UNSUBSCRIBED,
	                              "unsubscribed", c->now, error));
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

/* An answer is for a task; an email step is the sender's to send. */
static gboolean
answer_fits_step(const act_ctx *c, const cad_enrollment *e, GError **error)
{
	const cad_step *cur =
	    cad_cadence_step(cad_conf_cadence(c->conf, e->cadence), e->step);

	if (cur == NULL || cur->channel != CAD_CHANNEL_EMAIL ||
	    c->answer == CAD_ANSWER_STOP)
		return TRUE;
	g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_STATE,
	            "enrollment %" G_GUINT64_FORMAT " of %s is at step %u, an "
	            "email, not a task",
	            e->id, e->address, cur->number);
	return FALSE;
}

static gboolean
task_fn(cad_txn *txn, cad_enrollment *e, void *arg, GError **error)
{
	act_ctx *c = arg;
	guint32 step = current_step_number(c->conf, e);
	const char *who = c->detail;
	gboolean stops =
	    c->answer == CAD_ANSWER_STOP || c->answer == CAD_ANSWER_MEETING;

	if (!cad_rule_check(e, stops ? CAD_ON_STOP : CAD_ON_TASK_DONE, error) ||
	    !answer_fits_step(c, e, error))
		return FALSE;
	switch (c->answer) {
	case CAD_ANSWER_STOP:
		return cad_transition_txn(txn, c->conf, e, CAD_ON_STOP,
		                          CAD_EV_STOPPED, step, who, c->now,
		                          error);
	case CAD_ANSWER_SKIP:
		return cad_transition_txn(txn, c->conf, e, CAD_ON_TASK_DONE,
		                          CAD_EV_TASK_SKIPPED, step, who,
		                          c->now, error);
	case CAD_ANSWER_MEETING:
		/* A booked meeting is the cadence's success: stop it. */
		return cad_store_event_add(txn, e->id, CAD_EV_MEETING, step,
		                           who, c->now, error) &&
		       cad_store_event_add(txn, e->id, CAD_EV_TASK_DONE, step,
		                           who, c->now, error) &&
		       cad_transition_txn(txn, c->conf, e, CAD_ON_STOP,
		                          CAD_EV_STOPPED, step,
		                          "meeting booked", c->now, error);
	case CAD_ANSWER_CONNECTED:
		if (!cad_store_event_add(txn, e->id, CAD_EV_CONNECTED, step,
		                         who, c->now, error))
			return FALSE;
		/* fall through */
	case CAD_ANSWER_DONE:
		return cad_transition_txn(txn, c->conf, e, CAD_ON_TASK_DONE,
		                          CAD_EV_TASK_DONE, step, who, c->now,
		                          error);
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

	if (!cad_rule_check(e, CAD_ON_PAUSE, error))
		return FALSE;
	e->paused_until = 0;
	e->next_due = 0;
	return cad_transition_txn(txn, NULL, e, CAD_ON_PAUSE, CAD_EV_PAUSED,
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

	return cad_transition_txn(txn, NULL, e, CAD_ON_STOP, CAD_EV_STOPPED,
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

	return cad_transition_txn(txn, c->conf, e, CAD_ON_SKIP, CAD_EV_SKIPPED,
	                          current_step_number(c->conf, e), d, c->now,
	                          error);
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

	if (!cad_rule_check(e, CAD_ON_ERROR, error))
		return FALSE;
	g_free(e->last_error);
	e->last_error = g_strdup(c->detail);
	e->paused_until = 0;
	e->next_due = 0;
	cad_core_clear_step(e);
	if (!cad_transition_txn(txn, NULL, e, CAD_ON_ERROR, CAD_EV_ERROR,
	                        STEP_NUMBER(e), c->detail, c->now, error))
		return FALSE;
	return c->notice == NULL ||
	       cad_notice_queue_txn(txn, c->notice, c->now, error);
}

gboolean
cad_act_error(cad_store *store, guint64 id, const char *what,
              const cad_notice_req *notice, gint64 now, GError **error)
{
	act_ctx c = {.detail = what, .now = now, .notice = notice};

	return act(store, id, error_fn, &c, error);
}

/* ---- a batch of changes in one transaction ---- */

gboolean
cad_core_write(cad_store *store, cad_core_write_fn fn, void *arg,
               GError **error)
{
	return cad_store_write(store, fn, arg, error);
}
