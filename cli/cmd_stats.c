/*
 * cmd_stats.c: `stats` and `report`: the figures of stats.h from the
 * event log, as a table (or JSON/CSV), or as the HTML page of report.h.
 */
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/report.h"
#include "cli/stats.h"
#include "common/util.h"

typedef struct {
	cad_stats_filter f;
	char *rep;
} stats_args;

static int
parse_filter(cad_cli *cli, stats_args *a)
{
	const char *since = cad_cli_opt_value(cli, "since");
	const char *rep = cad_cli_opt_value(cli, "rep");
	const char *cadence = cad_cli_opt_value(cli, "cadence");
	g_autoptr(GError) err = NULL;

	memset(a, 0, sizeof(*a));
	a->f.now = cli->now;
	a->f.cadence = cadence;
	if (cadence != NULL && cad_conf_cadence(cli->conf, cadence) == NULL)
		cad_cli_warn(cli,
		             "no cadence '%s' in the configuration now; "
		             "counting its history anyway",
		             cadence);
	if (rep != NULL && (a->rep = cad_address_normalize(rep)) == NULL)
		return cad_cli_fail(cli, CAD_EX_USAGE,
		                    "--rep '%s' is not an "
		                    "address",
		                    rep);
	a->f.rep = a->rep;
	if (since != NULL && !cad_parse_time(since, &a->f.since, &err))
		return cad_cli_fail(cli, CAD_EX_USAGE, "--since: %s",
		                    err->message);
	return CAD_CLI_OK;
}

static void
add_duration(cad_table *t, gint64 secs)
{
	if (secs < 0)
		cad_table_add(t, NULL);
	else
		cad_table_add_int(t, secs);
}

static void
group_columns(cad_table *t, const char *key)
{
	static const char *const counts[] = {
	    "enrolled",        "active",
	    "completed",       "replied",
	    "reply_rate",      "bounced_hard",
	    "bounced_soft",    "bounce_rate",
	    "auto_replied",    "unsubscribed",
	    "complaints",      "unsubscribe_rate",
	    "completion_rate", "median_reply_secs",
	    "p90_reply_secs",  "tasks_done",
	    "tasks_skipped",   "tasks_timed_out",
	    "tasks_overdue",   "calls_connected",
	    "meetings_booked"};

	cad_table_column(t, key, CAD_COL_TEXT);
	for (gsize i = 0; i < G_N_ELEMENTS(counts); i++)
		cad_table_column(t, counts[i], CAD_COL_NUMBER);
}

static void
group_row(cad_table *t, const cad_stats_group *g)
{
	cad_table_row(t);
	cad_table_add(t, g->key);
	cad_table_add_uint(t, g->enrolled);
	cad_table_add_uint(t, g->active);
	cad_table_add_uint(t, g->completed);
	cad_table_add_uint(t, g->replied);
	cad_table_add_rate(t, cad_stats_rate(g->replied, g->enrolled));
	cad_table_add_uint(t, g->bounced_hard);
	cad_table_add_uint(t, g->bounced_soft);
	cad_table_add_rate(t, cad_stats_rate(g->bounced_hard, g->enrolled));
	cad_table_add_uint(t, g->auto_replied);
	cad_table_add_uint(t, g->unsubscribed);
	cad_table_add_uint(t, g->complaints);
	cad_table_add_rate(
	    t, cad_stats_rate(g->unsubscribed + g->complaints, g->enrolled));
	cad_table_add_rate(t, cad_stats_rate(g->completed, g->enrolled));
	add_duration(t, cad_stats_percentile(g, 50));
	add_duration(t, cad_stats_percentile(g, 90));
	cad_table_add_uint(t, g->tasks_done);
	cad_table_add_uint(t, g->tasks_skipped);
	cad_table_add_uint(t, g->tasks_timed_out);
	cad_table_add_uint(t, g->tasks_overdue);
	cad_table_add_uint(t, g->connected);
	cad_table_add_uint(t, g->meetings);
}

static void
fig(cad_table *t, const char *name, guint v)
{
	cad_table_row(t);
	cad_table_add(t, name);
	cad_table_add_uint(t, v);
}

static void
fig_rate(cad_table *t, const char *name, guint num, guint den)
{
	cad_table_row(t);
	cad_table_add(t, name);
	cad_table_add_rate(t, cad_stats_rate(num, den));
}

static void
fig_time(cad_table *t, const char *name, gint64 secs)
{
	g_autofree char *d = cad_stats_duration(secs);

	cad_table_row(t);
	cad_table_add(t, name);
	cad_table_add(t, d);
}

/* The total on screen: one figure a line, durations for people. */
static void
total_vertical(cad_cli *cli, const cad_stats_group *g)
{
	g_autoptr(cad_table) t = cad_table_new();

	cad_table_column(t, "figure", CAD_COL_TEXT);
	cad_table_column(t, "value", CAD_COL_NUMBER);
	fig(t, "enrolled", g->enrolled);
	fig(t, "active", g->active);
	fig(t, "completed", g->completed);
	fig(t, "replied", g->replied);
	fig(t, "bounced (hard)", g->bounced_hard);
	fig(t, "bounced (soft)", g->bounced_soft);
	fig(t, "auto-replied", g->auto_replied);
	fig(t, "unsubscribed", g->unsubscribed);
	fig(t, "complaints", g->complaints);
	fig_rate(t, "reply rate", g->replied, g->enrolled);
	fig_rate(t, "bounce rate", g->bounced_hard, g->enrolled);
	fig_rate(t, "unsubscribe rate", g->unsubscribed + g->complaints,
	         g->enrolled);
	fig_rate(t, "completion rate", g->completed, g->enrolled);
	fig_time(t, "median time to reply", cad_stats_percentile(g, 50));
	fig_time(t, "p90 time to reply", cad_stats_percentile(g, 90));
	fig(t, "tasks done", g->tasks_done);
	fig(t, "tasks skipped", g->tasks_skipped);
	fig(t, "tasks timed out", g->tasks_timed_out);
	fig(t, "tasks overdue", g->tasks_overdue);
	fig(t, "calls connected", g->connected);
	fig(t, "meetings booked", g->meetings);
	cad_cli_print(cli, t);
}

static void
step_rows(cad_table *t, const cad_stats_group *g, const cad_conf *conf)
{
	const cad_cadence *c = cad_conf_cadence(conf, g->key);

	for (guint i = 0; i < g->steps->len; i++) {
		const cad_stats_step *s =
		    &g_array_index(g->steps, cad_stats_step, i);
		const char *channel = s->step == 1 ? "email" : NULL;

		for (guint j = 0; c != NULL && j < c->steps->len; j++) {
			const cad_step *st = g_ptr_array_index(c->steps, j);
			if (st->number == s->step)
				channel = cad_channel_name(st->channel);
		}
		cad_table_row(t);
		cad_table_add(t, g->key);
		cad_table_add_uint(t, s->step);
		cad_table_add(t, channel);
		cad_table_add_uint(t, s->sent);
		cad_table_add_uint(t, s->replies);
		cad_table_add_rate(t, cad_stats_rate(s->replies, s->sent));
	}
}

static cad_table *
steps_table(void)
{
	cad_table *t = cad_table_new();

	cad_table_column(t, "cadence", CAD_COL_TEXT);
	cad_table_column(t, "step", CAD_COL_NUMBER);
	cad_table_column(t, "channel", CAD_COL_TEXT);
	cad_table_column(t, "sent", CAD_COL_NUMBER);
	cad_table_column(t, "replies", CAD_COL_NUMBER);
	cad_table_column(t, "reply_rate", CAD_COL_NUMBER);
	return t;
}

static void
print_stats(cad_cli *cli, const cad_stats *st, cad_stats_by by)
{
	static const char *const keys[] = {[CAD_STATS_BY_NONE] = "group",
	                                   [CAD_STATS_BY_STEP] = "cadence",
	                                   [CAD_STATS_BY_REP] = "rep",
	                                   [CAD_STATS_BY_CADENCE] = "cadence",
	                                   [CAD_STATS_BY_WEEK] = "week"};
	g_autoptr(cad_table) t = NULL;

	if (by == CAD_STATS_BY_STEP) {
		t = steps_table();
		for (guint i = 0; i < cad_stats_n_groups(st); i++)
			step_rows(t, cad_stats_group_at(st, i), cli->conf);
		cad_cli_print(cli, t);
		return;
	}
	if (by == CAD_STATS_BY_NONE && cli->format == CAD_FMT_TABLE) {
		total_vertical(cli, cad_stats_total(st));
		return;
	}
	t = cad_table_new();
	group_columns(t, keys[by]);
	for (guint i = 0; i < cad_stats_n_groups(st); i++)
		group_row(t, cad_stats_group_at(st, i));
	group_row(t, cad_stats_total(st));
	cad_cli_print(cli, t);
}

int
cad_cmd_stats(cad_cli *cli)
{
	const char *bys = cad_cli_opt_value(cli, "by");
	cad_stats_by by = CAD_STATS_BY_NONE;
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_stats) st = NULL;
	stats_args a;
	int rc;

	if (bys != NULL && !cad_stats_by_parse(bys, &by))
		return cad_cli_fail(cli, CAD_EX_USAGE,
		                    "--by '%s': expected "
		                    "step, rep, cadence or week",
		                    bys);
	if ((rc = parse_filter(cli, &a)) != CAD_CLI_OK)
		return rc;
	g_autofree char *rep = a.rep;
	if (!cad_stats_collect(cli->store, &a.f, by, &st, &err))
		return cad_cli_fail_error(cli, err);
	print_stats(cli, st, by);
	if (by == CAD_STATS_BY_NONE && cli->format == CAD_FMT_TABLE) {
		g_autoptr(cad_stats) steps = NULL;
		g_autoptr(cad_table) t = steps_table();

		if (!cad_stats_collect(cli->store, &a.f, CAD_STATS_BY_STEP,
		                       &steps, &err))
			return cad_cli_fail_error(cli, err);
		for (guint i = 0; i < cad_stats_n_groups(steps); i++)
			step_rows(t, cad_stats_group_at(steps, i), cli->conf);
		fputc('\n', cli->out);
		cad_cli_print(cli, t);
	}
	return CAD_CLI_OK;
}

/* ---- report ---- */

static char *
label_step(const char *cadence, guint32 step, void *arg)
{
	const cad_cadence *c = cad_conf_cadence(arg, cadence);

	if (step == 1)
		return g_strdup("Step 1 \xc2\xb7 email");
	for (guint j = 0; c != NULL && j < c->steps->len; j++) {
		const cad_step *st = g_ptr_array_index(c->steps, j);
		if (st->number == step)
			return g_strdup_printf("Step %u \xc2\xb7 %s", step,
			                       cad_channel_name(st->channel));
	}
	return NULL;
}

static char *
filters_text(cad_cli *cli)
{
	GString *s = g_string_new(NULL);
	const char *names[] = {"cadence", "rep", "since"};

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		const char *v = cad_cli_opt_value(cli, names[i]);
		if (v != NULL)
			g_string_append_printf(s, "%s%s %s", s->len ? ", " : "",
			                       names[i], v);
	}
	return g_string_free(s, s->len == 0);
}

int
cad_cmd_report(cad_cli *cli)
{
	const char *file = cad_cli_opt_value(cli, "html");
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_stats) st = NULL;
	g_autofree char *html = NULL;
	g_autofree char *filters = NULL;
	cad_report_opts o = {0};
	stats_args a;
	int rc;

	if ((rc = parse_filter(cli, &a)) != CAD_CLI_OK)
		return rc;
	g_autofree char *rep = a.rep;
	if (!cad_stats_collect(cli->store, &a.f, CAD_STATS_BY_CADENCE, &st,
	                       &err))
		return cad_cli_fail_error(cli, err);
	filters = filters_text(cli);
	o.title = cad_cli_opt_value(cli, "title");
	o.generated = cli->now;
	o.filters = filters;
	o.step_label = label_step;
	o.step_label_arg = cli->conf;
	html = cad_report_html(st, &o);
	if (!g_file_set_contents(file, html, -1, &err))
		return cad_cli_fail(cli, CAD_EX_CANTCREAT, "%s", err->message);
	if (cli->format == CAD_FMT_TABLE)
		fprintf(cli->out, "report written to %s\n", file);
	return CAD_CLI_OK;
}
