/*
 * stats.c: the statistics engine behind stats.h. Events are folded into
 * one small record per enrollment of the cohort; cad_stats_finish then
 * adds each record to the total and to its group.
 */
#include "cli/stats.h"

#include <math.h>
#include <string.h>

typedef enum {
	TASK_OPEN,
	TASK_DONE,
	TASK_SKIPPED,
	TASK_TIMED_OUT,
} task_outcome;

typedef struct {
	guint32 step;
	gint64 time;
	task_outcome outcome;
} task_rec;

typedef struct {
	guint64 id;
	char *cadence, *rep, *week;
	gboolean excluded; /* outside the filters: events ignored */
	gint64 enrolled_at, replied_at;
	gboolean final, hard, soft, auto_reply, unsub, complaint;
	gboolean completed, stopped;
	guint32 last_step, reply_step;
	GArray *sent;  /* guint32 step of each send */
	GArray *tasks; /* task_rec */
	guint connected, meetings;
} enr_rec;

struct cad_stats {
	cad_stats_filter filter;
	char *cadence, *rep; /* owned copies of the filter's strings */
	cad_stats_by by;
	cad_stats_lookup_fn lookup;
	void *lookup_arg;
	GHashTable *enr;  /* guint64* -> enr_rec* */
	GPtrArray *order; /* enr_rec*, in enrollment order */
	cad_stats_group total;
	GPtrArray *groups;      /* cad_stats_group* */
	GHashTable *reply_week; /* week -> count (GUINT_TO_POINTER) */
	GPtrArray *weeks;       /* sorted keys of reply_week */
	gboolean finished;
};

typedef struct {
	const char *name;
	cad_stats_by by;
} by_name;

gboolean
cad_stats_by_parse(const char *s, cad_stats_by *out)
{
	static const by_name names[] = {
	    {"step", CAD_STATS_BY_STEP},
	    {"rep", CAD_STATS_BY_REP},
	    {"cadence", CAD_STATS_BY_CADENCE},
	    {"week", CAD_STATS_BY_WEEK},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(s, names[i].name) == 0) {
			*out = names[i].by;
			return TRUE;
		}
	return FALSE;
}

static void
enr_free(gpointer p)
{
	enr_rec *e = p;

	g_free(e->cadence);
	g_free(e->rep);
	g_free(e->week);
	g_array_unref(e->sent);
	g_array_unref(e->tasks);
	g_free(e);
}

static void
group_init(cad_stats_group *g, const char *key)
{
	memset(g, 0, sizeof(*g));
	g->key = g_strdup(key);
	g->reply_secs = g_array_new(FALSE, FALSE, sizeof(gint64));
	g->steps = g_array_new(FALSE, FALSE, sizeof(cad_stats_step));
}

static void
group_clear(cad_stats_group *g)
{
	g_free(g->key);
	if (g->reply_secs != NULL)
		g_array_unref(g->reply_secs);
	if (g->steps != NULL)
		g_array_unref(g->steps);
}

static void
group_free(gpointer p)
{
	group_clear(p);
	g_free(p);
}

cad_stats *
cad_stats_new(const cad_stats_filter *f, cad_stats_by by,
              cad_stats_lookup_fn lookup, void *arg)
{
	cad_stats *st = g_new0(cad_stats, 1);

	if (f != NULL)
		st->filter = *f;
	st->cadence = g_strdup(st->filter.cadence);
	st->rep = g_strdup(st->filter.rep);
	st->filter.cadence = st->cadence;
	st->filter.rep = st->rep;
	if (st->filter.overdue_after <= 0)
		st->filter.overdue_after = CAD_STATS_TASK_OVERDUE_DEFAULT;
	st->by = by;
	st->lookup = lookup;
	st->lookup_arg = arg;
	st->enr = g_hash_table_new(g_int64_hash, g_int64_equal);
	st->order = g_ptr_array_new_with_free_func(enr_free);
	group_init(&st->total, "total");
	st->groups = g_ptr_array_new_with_free_func(group_free);
	st->reply_week =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	st->weeks = g_ptr_array_new();
	return st;
}

void
cad_stats_free(cad_stats *st)
{
	if (st == NULL)
		return;
	g_hash_table_unref(st->enr);
	g_ptr_array_unref(st->order);
	group_clear(&st->total);
	g_ptr_array_unref(st->groups);
	g_ptr_array_unref(st->weeks);
	g_hash_table_unref(st->reply_week);
	g_free(st->cadence);
	g_free(st->rep);
	g_free(st);
}

/* ISO 8601 week of t in UTC, "2026-W48". */
static char *
iso_week(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

	return dt != NULL ? g_date_time_format(dt, "%G-W%V")
	                  : g_strdup("unknown");
}

static enr_rec *
enr_new(cad_stats *st, const cad_event *ev)
{
	enr_rec *e = g_new0(enr_rec, 1);
	const char *cadence = NULL, *rep = NULL;

	e->id = ev->enrollment;
	e->enrolled_at = ev->time;
	e->last_step = 1; /* the rep's own email */
	e->sent = g_array_new(FALSE, FALSE, sizeof(guint32));
	e->tasks = g_array_new(FALSE, FALSE, sizeof(task_rec));
	e->week = iso_week(ev->time);
	if (ev->time < st->filter.since ||
	    !st->lookup(ev->enrollment, &cadence, &rep, st->lookup_arg)) {
		e->excluded = TRUE;
	} else {
		e->cadence = g_strdup(cadence);
		e->rep = g_strdup(rep);
		if (st->filter.cadence != NULL &&
		    g_strcmp0(st->filter.cadence, cadence) != 0)
			e->excluded = TRUE;
		if (st->filter.rep != NULL &&
		    g_ascii_strcasecmp(st->filter.rep,
		                       rep != NULL ? rep : "") != 0)
			e->excluded = TRUE;
	}
	g_ptr_array_add(st->order, e);
	g_hash_table_insert(st->enr, &e->id, e);
	return e;
}

/* The open task of step (the latest), or a new closed record. */
static task_rec *
task_find(enr_rec *e, guint32 step, gint64 t)
{
	task_rec rec = {step, t, TASK_OPEN};

	for (guint i = e->tasks->len; i > 0; i--) {
		task_rec *r = &g_array_index(e->tasks, task_rec, i - 1);
		if (r->step == step)
			return r;
	}
	g_array_append_val(e->tasks, rec);
	return &g_array_index(e->tasks, task_rec, e->tasks->len - 1);
}

static void
task_close(enr_rec *e, const cad_event *ev, task_outcome outcome)
{
	task_rec *r = task_find(e, ev->step, ev->time);

	if (r->outcome == TASK_OPEN)
		r->outcome = outcome;
}

/* An admin's skip closes the step's task if one is open. */
static void
task_skip_if_open(enr_rec *e, const cad_event *ev)
{
	for (guint i = e->tasks->len; i > 0; i--) {
		task_rec *r = &g_array_index(e->tasks, task_rec, i - 1);
		if (r->step == ev->step) {
			if (r->outcome == TASK_OPEN)
				r->outcome = TASK_SKIPPED;
			return;
		}
	}
}

static void
note_reply(cad_stats *st, enr_rec *e, gint64 t)
{
	g_autofree char *week = NULL;
	guint n;

	if (e->replied_at != 0)
		return;
	e->replied_at = MAX(t, e->enrolled_at);
	e->reply_step = e->last_step;
	week = iso_week(t);
	n = GPOINTER_TO_UINT(g_hash_table_lookup(st->reply_week, week));
	g_hash_table_replace(st->reply_week, g_steal_pointer(&week),
	                     GUINT_TO_POINTER(n + 1));
}

static void
note_send(enr_rec *e, guint32 step)
{
	if (step == 0 || step > CAD_STATS_STEP_MAX)
		return;
	g_array_append_val(e->sent, step);
	e->last_step = step;
}

/* The types that end an enrollment. */
static gboolean
is_final_type(const char *t)
{
	static const char *const finals[] = {
	    CAD_EV_REPLIED,     CAD_EV_HARD_BOUNCE, CAD_EV_UNSUBSCRIBED,
	    CAD_EV_COMPLAINT,   CAD_EV_COMPLETED,   CAD_EV_STOPPED,
	    CAD_EV_ACCOUNT_EXIT};

	for (gsize i = 0; i < G_N_ELEMENTS(finals); i++)
		if (strcmp(t, finals[i]) == 0)
			return TRUE;
	return FALSE;
}

static void
apply_event(cad_stats *st, enr_rec *e, const cad_event *ev)
{
	const char *t = ev->type;

	if (strcmp(t, CAD_EV_SENT) == 0)
		note_send(e, ev->step);
	else if (strcmp(t, CAD_EV_TASK) == 0) {
		note_send(e, ev->step);
		task_find(e, ev->step, ev->time)->time = ev->time;
	} else if (strcmp(t, CAD_EV_REPLIED) == 0)
		note_reply(st, e, ev->time);
	else if (strcmp(t, CAD_EV_HARD_BOUNCE) == 0)
		e->hard = TRUE;
	else if (strcmp(t, CAD_EV_SOFT_BOUNCE) == 0)
		e->soft = TRUE;
	else if (strcmp(t, CAD_EV_AUTO_REPLY) == 0)
		e->auto_reply = TRUE;
	else if (strcmp(t, CAD_EV_UNSUBSCRIBED) == 0)
		e->unsub = TRUE;
	else if (strcmp(t, CAD_EV_COMPLAINT) == 0)
		e->complaint = TRUE;
	else if (strcmp(t, CAD_EV_COMPLETED) == 0)
		e->completed = TRUE;
	else if (strcmp(t, CAD_EV_STOPPED) == 0)
		e->stopped = TRUE;
	else if (strcmp(t, CAD_EV_TASK_DONE) == 0)
		task_close(e, ev, TASK_DONE);
	else if (strcmp(t, CAD_EV_TASK_SKIPPED) == 0)
		task_close(e, ev, TASK_SKIPPED);
	else if (strcmp(t, CAD_EV_SKIPPED) == 0)
		task_skip_if_open(e, ev);
	else if (strcmp(t, CAD_EV_TASK_TIMEOUT) == 0)
		task_close(e, ev, TASK_TIMED_OUT);
	else if (strcmp(t, CAD_EV_CONNECTED) == 0) {
		task_close(e, ev, TASK_DONE);
		e->connected++;
	} else if (strcmp(t, CAD_EV_MEETING) == 0) {
		task_close(e, ev, TASK_DONE);
		e->meetings++;
	}
	if (is_final_type(t))
		e->final = TRUE;
}

void
cad_stats_event(cad_stats *st, const cad_event *ev)
{
	enr_rec *e;

	g_return_if_fail(!st->finished);
	if (ev->enrollment == 0 || ev->type == NULL)
		return;
	e = g_hash_table_lookup(st->enr, &ev->enrollment);
	if (e == NULL) {
		/* Events before the enrollment's are outside the cohort. */
		if (strcmp(ev->type, CAD_EV_ENROLLED) != 0)
			return;
		e = enr_new(st, ev);
		return;
	}
	if (!e->excluded && strcmp(ev->type, CAD_EV_ENROLLED) != 0)
		apply_event(st, e, ev);
}

static cad_stats_step *
group_step(cad_stats_group *g, guint32 step)
{
	cad_stats_step s = {step, 0, 0};
	guint i;

	for (i = 0; i < g->steps->len; i++) {
		cad_stats_step *cur =
		    &g_array_index(g->steps, cad_stats_step, i);
		if (cur->step == step)
			return cur;
		if (cur->step > step)
			break;
	}
	g_array_insert_val(g->steps, i, s);
	return &g_array_index(g->steps, cad_stats_step, i);
}

static void
group_add_tasks(const cad_stats *st, cad_stats_group *g, const enr_rec *e)
{
	for (guint i = 0; i < e->tasks->len; i++) {
		const task_rec *r = &g_array_index(e->tasks, task_rec, i);
		switch (r->outcome) {
		case TASK_DONE:
			g->tasks_done++;
			break;
		case TASK_SKIPPED:
			g->tasks_skipped++;
			break;
		case TASK_TIMED_OUT:
			g->tasks_timed_out++;
			break;
		case TASK_OPEN:
			if (!e->final &&
			    st->filter.now - r->time > st->filter.overdue_after)
				g->tasks_overdue++;
			break;
		}
	}
}

static void
group_add(const cad_stats *st, cad_stats_group *g, const enr_rec *e)
{
	g->enrolled++;
	g->active += !e->final;
	g->completed += e->completed;
	g->stopped += e->stopped;
	g->bounced_hard += e->hard;
	g->bounced_soft += e->soft;
	g->auto_replied += e->auto_reply;
	g->unsubscribed += e->unsub;
	g->complaints += e->complaint;
	g->connected += e->connected;
	g->meetings += e->meetings;
	group_step(g, 1)->sent++;
	for (guint i = 0; i < e->sent->len; i++)
		group_step(g, g_array_index(e->sent, guint32, i))->sent++;
	if (e->replied_at != 0) {
		gint64 secs = e->replied_at - e->enrolled_at;

		g->replied++;
		g_array_append_val(g->reply_secs, secs);
		group_step(g, e->reply_step)->replies++;
	}
	group_add_tasks(st, g, e);
}

static const char *
group_key(const cad_stats *st, const enr_rec *e)
{
	switch (st->by) {
	case CAD_STATS_BY_REP:
		return e->rep != NULL ? e->rep : "";
	case CAD_STATS_BY_STEP:
	case CAD_STATS_BY_CADENCE:
		return e->cadence != NULL ? e->cadence : "";
	case CAD_STATS_BY_WEEK:
		return e->week;
	case CAD_STATS_BY_NONE:
		break;
	}
	return NULL;
}

static gint
cmp_i64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

static gint
cmp_group(gconstpointer a, gconstpointer b)
{
	const cad_stats_group *x = *(cad_stats_group *const *)a;
	const cad_stats_group *y = *(cad_stats_group *const *)b;

	return strcmp(x->key, y->key);
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
cad_stats_finish(cad_stats *st)
{
	g_autoptr(GHashTable) by_key =
	    g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter it;
	gpointer k;

	g_return_if_fail(!st->finished);
	st->finished = TRUE;
	for (guint i = 0; i < st->order->len; i++) {
		const enr_rec *e = g_ptr_array_index(st->order, i);
		const char *key = group_key(st, e);
		cad_stats_group *g;

		if (e->excluded)
			continue;
		group_add(st, &st->total, e);
		if (key == NULL)
			continue;
		g = g_hash_table_lookup(by_key, key);
		if (g == NULL) {
			g = g_new0(cad_stats_group, 1);
			group_init(g, key);
			g_ptr_array_add(st->groups, g);
			g_hash_table_insert(by_key, g->key, g);
		}
		group_add(st, g, e);
	}
	g_ptr_array_sort(st->groups, cmp_group);
	g_array_sort(st->total.reply_secs, cmp_i64);
	for (guint i = 0; i < st->groups->len; i++) {
		cad_stats_group *g = g_ptr_array_index(st->groups, i);
		g_array_sort(g->reply_secs, cmp_i64);
	}
	g_hash_table_iter_init(&it, st->reply_week);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(st->weeks, k);
	g_ptr_array_sort(st->weeks, cmp_str);
}

const cad_stats_group *
cad_stats_total(const cad_stats *st)
{
	return &st->total;
}

guint
cad_stats_n_groups(const cad_stats *st)
{
	return st->groups->len;
}

const cad_stats_group *
cad_stats_group_at(const cad_stats *st, guint i)
{
	return i < st->groups->len ? g_ptr_array_index(st->groups, i) : NULL;
}

GPtrArray *
cad_stats_reply_weeks(const cad_stats *st)
{
	return st->weeks;
}

guint
cad_stats_reply_week_count(const cad_stats *st, const char *week)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(st->reply_week, week));
}

double
cad_stats_rate(guint num, guint den)
{
	return den == 0 ? NAN : (double)num / (double)den;
}

gint64
cad_stats_percentile(const cad_stats_group *g, int p)
{
	guint n = g->reply_secs->len;
	guint rank;

	if (n == 0 || p <= 0 || p > 100)
		return -1;
	rank = (guint)((p * (guint64)n + 99) / 100); /* ceil(p/100 * n) */
	return g_array_index(g->reply_secs, gint64, MAX(rank, 1) - 1);
}

char *
cad_stats_duration(gint64 secs)
{
	if (secs < 0)
		return g_strdup("-");
	if (secs >= 86400)
		return g_strdup_printf("%" G_GINT64_FORMAT "d %" G_GINT64_FORMAT
		                       "h",
		                       secs / 86400, secs % 86400 / 3600);
	if (secs >= 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "h %" G_GINT64_FORMAT
		                       "m",
		                       secs / 3600, secs % 3600 / 60);
	if (secs >= 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "m", secs / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "s", secs);
}
