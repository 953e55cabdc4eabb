/*
 * test_states.c: the table of core/states.c pair by pair, on a real store
 * with the shipped sample configuration. For every row (the eight states,
 * paused split into the admin's and an auto-reply's) and every trigger,
 * an enrollment in that row takes the trigger through
 * cad_transition_txn, and what was written is compared with the grid
 * below, written out by hand from the behaviour the programs had before
 * the table (core/actions.c, sender/run.c): the next state, a step
 * advanced, a record without a change, nothing at all, or a refusal.
 * Then the programs' entry points (cad_act_*) are run on every row and
 * must do what the grid says.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common/util.h"
#include "core/actions.h"
#include "core/states.h"

static char dir[64];
static cad_conf *conf;
static cad_store *store;

#define NOW 1796119200 /* 2026-12-01T10:00:00Z, a Tuesday */
#define DAY 86400

/*
 * The expected grid. One string per trigger, one letter per row in the
 * order of cad_row: active, paused, paused (auto-reply), waiting,
 * replied, bounced, unsubscribed, completed, stopped.
 *   a p w r b u c s  moves to that state (active, paused, waiting, ...)
 *   +                the step is done: active at the next step
 *   =                recorded, the state stays
 *   .                left alone, nothing written
 *   x                refused (CAD_STORE_ERROR_STATE), nothing written
 */
static const char *const grid[CAD_ON_COUNT] = {
    [CAD_ON_ADVANCE] = "++++xxxxx",
    [CAD_ON_PAUSE] = "ppppxxxxx",
    [CAD_ON_RESUME] = "xaaxxxxxx",
    [CAD_ON_STOP] = "ssssxxxxx",
    [CAD_ON_ERROR] = "ppppxxxxx",
    [CAD_ON_PAUSE_OVER] = "xxaxxxxxx",
    [CAD_ON_REPLY] = "rrrr===r=",
    [CAD_ON_AUTO_REPLY] = "p=p======",
    [CAD_ON_HARD_BOUNCE] = "bbbb===b=",
    [CAD_ON_SOFT_BOUNCE] = "=========",
    [CAD_ON_UNSUBSCRIBE] = "uuuuu==uu",
    [CAD_ON_HALT_REPLIED] = "rrrr.....",
    [CAD_ON_HALT_BOUNCED] = "bbbb.....",
    [CAD_ON_HALT_UNSUBSCRIBED] = "uuuu.....",
    [CAD_ON_ACCOUNT_EXIT] = "ssss.....",
    [CAD_ON_TASK_DONE] = "++++xxxxx",
    [CAD_ON_SKIP] = "++++xxxxx",
    [CAD_ON_TASK_TIMEOUT] = "xxx+xxxxx",
    [CAD_ON_WINDOW] = "=xxxxxxxx",
    [CAD_ON_SUPPRESSED] = "sxxxxxxxx",
    [CAD_ON_MARK_SENDING] = "=xxxxxxxx",
    [CAD_ON_SENT] = "+========",
    [CAD_ON_TASK_SENT] = "w========",
    [CAD_ON_DEFERRED] = "=========",
    [CAD_ON_RELAY_REFUSED] = "=========",
};

static const struct {
	char c;
	cad_state s;
} letters[] = {
    {'a', CAD_STATE_ACTIVE},    {'p', CAD_STATE_PAUSED},
    {'w', CAD_STATE_WAITING},   {'r', CAD_STATE_REPLIED},
    {'b', CAD_STATE_BOUNCED},   {'u', CAD_STATE_UNSUBSCRIBED},
    {'c', CAD_STATE_COMPLETED}, {'s', CAD_STATE_STOPPED},
};

static const cad_state row_state[CAD_ROW_COUNT] = {
    [CAD_ROW_ACTIVE] = CAD_STATE_ACTIVE,
    [CAD_ROW_PAUSED] = CAD_STATE_PAUSED,
    [CAD_ROW_PAUSED_AUTO] = CAD_STATE_PAUSED,
    [CAD_ROW_WAITING] = CAD_STATE_WAITING,
    [CAD_ROW_REPLIED] = CAD_STATE_REPLIED,
    [CAD_ROW_BOUNCED] = CAD_STATE_BOUNCED,
    [CAD_ROW_UNSUBSCRIBED] = CAD_STATE_UNSUBSCRIBED,
    [CAD_ROW_COMPLETED] = CAD_STATE_COMPLETED,
    [CAD_ROW_STOPPED] = CAD_STATE_STOPPED,
};

static void
setup(void)
{
	const char *src = getenv("CAD_SOURCE_DIR") ? getenv("CAD_SOURCE_DIR")
	                                           : CAD_SOURCE_DIR;
	g_autofree char *main_file =
	    g_build_filename(src, "conf", "cadence.conf", NULL);
	g_autofree char *sdir = NULL;
	g_autoptr(GError) err = NULL;
	cad_store_options o = {.no_sync = TRUE};

	strcpy(dir, "/tmp/cad-states-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	conf = cad_conf_load(main_file, &err);
	cr_assert_not_null(conf, "%s", err ? err->message : "");
	conf->jitter_minutes = 0;
	sdir = g_build_filename(dir, "store", NULL);
	store = cad_store_open(sdir, &o, &err);
	cr_assert_not_null(store, "%s", err ? err->message : "");
}

static void
teardown(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	cad_store_close(store);
	cad_conf_free(conf);
	(void)!system(cmd);
}

TestSuite(states, .init = setup, .fini = teardown, .timeout = 120);

/* ---- fixtures: an enrollment put in a row by a raw store write ---- */

typedef struct {
	guint64 id;
	cad_row row;
} put_args;

static gboolean
put_row_fn(cad_txn *txn, void *arg, GError **error)
{
	put_args *a = arg;
	g_autoptr(cad_enrollment) e =
	    cad_store_enrollment_get(txn, a->id, error);

	if (e == NULL)
		return FALSE;
	e->state = row_state[a->row];
	e->paused_until = a->row == CAD_ROW_PAUSED_AUTO ? NOW + DAY : 0;
	if (cad_state_is_final(e->state))
		e->next_due = 0;
	return cad_store_enrollment_put(txn, e, error);
}

/* A fresh prospect's enrollment in cadence cold (step 0 of five: a
 * task), put in row. */
static guint64
enrollment_in(cad_row row, int n)
{
	g_autofree char *addr =
	    g_strdup_printf("p%d-%d@x%d.example", row, n, n);
	g_autoptr(cad_prospect) p = cad_prospect_new(addr);
	cad_enroll_req req = {"cold", "alice@example.com", NULL, "Hello"};
	g_autoptr(GError) err = NULL;
	put_args a = {0, row};

	cr_assert(cad_enroll(store, conf, p, &req, NOW, FALSE, &a.id, &err),
	          "%s", err ? err->message : "");
	cr_assert(cad_core_write(store, put_row_fn, &a, &err), "%s",
	          err ? err->message : "");
	return a.id;
}

static cad_enrollment *
get(guint64 id)
{
	g_autoptr(cad_txn) t = cad_store_read_begin(store, NULL);
	g_autoptr(GError) err = NULL;
	cad_enrollment *e = cad_store_enrollment_get(t, id, &err);

	cr_assert_not_null(e, "%s", err ? err->message : "");
	return e;
}

static gboolean
count_type(const cad_event *ev, void *arg)
{
	gpointer *a = arg;

	if (strcmp(ev->type, a[0]) == 0)
		(*(guint *)a[1])++;
	return TRUE;
}

static guint
events(guint64 id, const char *type)
{
	g_autoptr(cad_txn) t = cad_store_read_begin(store, NULL);
	guint n = 0;
	gpointer a[] = {(gpointer)type, &n};

	cr_assert(cad_store_events_of(t, id, count_type, a, NULL));
	return n;
}

static cad_state
state_of(char c)
{
	for (gsize i = 0; i < G_N_ELEMENTS(letters); i++)
		if (letters[i].c == c)
			return letters[i].s;
	cr_assert_fail("no state for '%c'", c);
	return CAD_STATE_COUNT;
}

/* ---- the table itself, pair by pair ---- */

typedef struct {
	guint64 id;
	cad_trigger on;
	gboolean ok;
	GError *error;
} probe_args;

static gboolean
probe_fn(cad_txn *txn, void *arg, GError **error)
{
	probe_args *a = arg;
	g_autoptr(cad_enrollment) e =
	    cad_store_enrollment_get(txn, a->id, error);

	if (e == NULL)
		return FALSE;
	a->ok = cad_transition_txn(txn, conf, e, a->on, "probe", 9, "test",
	                           NOW + 60, &a->error);
	if (!a->ok)
		g_propagate_error(error, g_error_copy(a->error));
	return a->ok;
}

/* The rule's kind, as the grid's letter says it. */
static cad_rule_kind
kind_of(char c)
{
	switch (c) {
	case '+':
		return CAD_RULE_STEP;
	case '=':
		return CAD_RULE_KEEP;
	case '.':
		return CAD_RULE_IGNORE;
	case 'x':
		return CAD_RULE_REFUSE;
	default:
		return CAD_RULE_MOVE;
	}
}

static void
check_pair(cad_row row, cad_trigger on, int n)
{
	char want = grid[on][row];
	cad_rule r = cad_rule_at(row, on);
	guint64 id = enrollment_in(row, n);
	g_autoptr(cad_enrollment) before = get(id);
	g_autoptr(cad_enrollment) after = NULL;
	probe_args a = {id, on, FALSE, NULL};
	const char *pair = cad_trigger_name(on);

	cr_assert_eq(cad_row_of(before), row);
	cr_assert_eq(r.kind, kind_of(want), "%s on %s: the table says %d", pair,
	             cad_row_name(row), r.kind);
	(void)cad_core_write(store, probe_fn, &a, NULL);
	after = get(id);
	if (want == 'x') {
		cr_assert_not(a.ok, "%s on %s was allowed", pair,
		              cad_row_name(row));
		cr_assert(g_error_matches(a.error, CAD_STORE_ERROR,
		                          CAD_STORE_ERROR_STATE),
		          "%s on %s", pair, cad_row_name(row));
	} else {
		cr_assert(a.ok, "%s on %s: %s", pair, cad_row_name(row),
		          a.error ? a.error->message : "");
	}
	g_clear_error(&a.error);
	/* Refused or left alone: nothing written at all. */
	cr_assert_eq(events(id, "probe"), want == 'x' || want == '.' ? 0u : 1u,
	             "%s on %s", pair, cad_row_name(row));
	if (want == '+') {
		cr_assert_eq(after->state, CAD_STATE_ACTIVE, "%s on %s", pair,
		             cad_row_name(row));
		cr_assert_eq(after->step, before->step + 1);
	} else if (kind_of(want) == CAD_RULE_MOVE) {
		cr_assert_eq(after->state, state_of(want), "%s on %s: %s", pair,
		             cad_row_name(row), cad_state_name(after->state));
		cr_assert_eq(r.next, state_of(want));
	} else {
		cr_assert_eq(after->state, before->state, "%s on %s: %s", pair,
		             cad_row_name(row), cad_state_name(after->state));
		cr_assert_eq(after->step, before->step);
	}
}

Test(states, every_state_by_every_trigger)
{
	int n = 0;

	for (int on = 0; on < CAD_ON_COUNT; on++) {
		cr_assert_not_null(grid[on], "trigger %s has no expected line",
		                   cad_trigger_name(on));
		cr_assert_eq(strlen(grid[on]), CAD_ROW_COUNT);
		for (int row = 0; row < CAD_ROW_COUNT; row++)
			check_pair(row, on, n++);
	}
}

Test(states, a_step_done_after_the_last_completes)
{
	guint64 id = enrollment_in(CAD_ROW_ACTIVE, 0);
	g_autoptr(cad_enrollment) e = NULL;

	for (int i = 0; i < 5; i++) {
		probe_args a = {id, CAD_ON_ADVANCE, FALSE, NULL};
		cr_assert(cad_core_write(store, probe_fn, &a, NULL));
	}
	e = get(id);
	cr_assert_eq(e->state, CAD_STATE_COMPLETED);
	cr_assert_eq(e->next_due, 0);
	cr_assert_eq(events(id, "completed"), 1);
}

/* ---- the programs' entry points follow the grid ---- */

typedef gboolean (*act_call)(guint64 id, GError **error);

static gboolean
do_reply(guint64 id, GError **error)
{
	return cad_act_reply(store, conf, id, "test", NOW + 60, error);
}

static gboolean
do_auto_reply(guint64 id, GError **error)
{
	return cad_act_auto_reply(store, conf, id, 0, "test", NOW + 60, error);
}

static gboolean
do_hard_bounce(guint64 id, GError **error)
{
	return cad_act_bounce(store, conf, id, NULL, TRUE, "test", NOW + 60,
	                      error);
}

static gboolean
do_unsubscribe(guint64 id, GError **error)
{
	return cad_act_unsubscribe(store, conf, id, FALSE, "test", NOW + 60,
	                           error);
}

static gboolean
do_pause(guint64 id, GError **error)
{
	return cad_act_pause(store, id, "admin", NOW + 60, error);
}

static gboolean
do_resume(guint64 id, GError **error)
{
	return cad_act_resume(store, conf, id, "admin", NOW + 60, error);
}

static gboolean
do_stop(guint64 id, GError **error)
{
	return cad_act_stop(store, id, "admin", NOW + 60, error);
}

static gboolean
do_skip(guint64 id, GError **error)
{
	return cad_act_skip(store, conf, id, "admin", NOW + 60, error);
}

static gboolean
do_task_done(guint64 id, GError **error)
{
	return cad_act_task_answer(store, conf, id, CAD_ANSWER_DONE, "rep",
	                           NOW + 60, error);
}

static gboolean
do_error(guint64 id, GError **error)
{
	return cad_act_error(store, id, "test", NULL, NOW + 60, error);
}

Test(states, actions_do_what_the_grid_says)
{
	static const struct {
		cad_trigger on;
		act_call fn;
	} acts[] = {
	    {CAD_ON_REPLY, do_reply},
	    {CAD_ON_AUTO_REPLY, do_auto_reply},
	    {CAD_ON_HARD_BOUNCE, do_hard_bounce},
	    {CAD_ON_UNSUBSCRIBE, do_unsubscribe},
	    {CAD_ON_PAUSE, do_pause},
	    {CAD_ON_RESUME, do_resume},
	    {CAD_ON_STOP, do_stop},
	    {CAD_ON_SKIP, do_skip},
	    {CAD_ON_TASK_DONE, do_task_done},
	    {CAD_ON_ERROR, do_error},
	};

	int n = 1000;

	for (gsize i = 0; i < G_N_ELEMENTS(acts); i++)
		for (int row = 0; row < CAD_ROW_COUNT; row++) {
			char want = grid[acts[i].on][row];
			guint64 id = enrollment_in(row, n++);
			g_autoptr(cad_enrollment) e = NULL;
			g_autoptr(GError) err = NULL;
			gboolean ok = acts[i].fn(id, &err);
			const char *pair = cad_trigger_name(acts[i].on);

			e = get(id);
			if (want == 'x') {
				cr_assert_not(ok, "%s on %s", pair,
				              cad_row_name(row));
				cr_assert_eq(e->state, row_state[row]);
				continue;
			}
			cr_assert(ok, "%s on %s: %s", pair, cad_row_name(row),
			          err ? err->message : "");
			if (want == '+' || want == '=' || want == '.')
				cr_assert_eq(e->state,
				             want == '+' ? CAD_STATE_ACTIVE
				                         : row_state[row],
				             "%s on %s: %s", pair,
				             cad_row_name(row),
				             cad_state_name(e->state));
			else
				cr_assert_eq(e->state, state_of(want),
				             "%s on %s: %s", pair,
				             cad_row_name(row),
				             cad_state_name(e->state));
		}
}
