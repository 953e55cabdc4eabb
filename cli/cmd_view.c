/*
 * cmd_view.c: reading enrollments: `list` (filtered, one enrollment a
 * row), `show` (a prospect with its fields, enrollments, events and next
 * step) and `schedule` (when each remaining step is planned).
 */
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "common/util.h"
#include "core/actions.h"

/* The step number (cadence numbering) at index, or 0 past the end. */
static guint32
step_number(const cad_conf *conf, const cad_enrollment *e, guint32 index)
{
	const cad_step *s =
	    cad_cadence_step(cad_conf_cadence(conf, e->cadence), index);

	return s != NULL ? s->number : 0;
}

typedef struct {
	cad_cli *cli;
	const char *cadence;
	char *rep;
	gboolean has_state;
	cad_state state;
	cad_table *t;
} list_ctx;

static gboolean
list_one(cad_txn *txn, const cad_enrollment *e, void *arg)
{
	list_ctx *lc = arg;
	guint32 next;

	if ((lc->cadence != NULL && g_strcmp0(lc->cadence, e->cadence) != 0) ||
	    (lc->rep != NULL && g_strcmp0(lc->rep, e->rep) != 0) ||
	    (lc->has_state && lc->state != e->state))
		return TRUE;
	next = cad_state_is_final(e->state)
	           ? 0
	           : step_number(lc->cli->conf, e, e->step);
	cad_table_row(lc->t);
	cad_table_add_uint(lc->t, e->id);
	cad_table_add(lc->t, e->address);
	cad_table_add(lc->t, e->cadence);
	cad_table_add(lc->t, e->rep);
	cad_table_add(lc->t, cad_state_name(e->state));
	if (next != 0)
		cad_table_add_uint(lc->t, next);
	else
		cad_table_add(lc->t, NULL);
	cad_table_add_time(lc->t, e->next_due);
	cad_table_add_time(lc->t, e->enrolled_at);
	cad_table_add(lc->t, e->last_error);
	return TRUE;
}

int
cad_cmd_list(cad_cli *cli)
{
	list_ctx lc = {cli,
	               cad_cli_opt_value(cli, "cadence"),
	               NULL,
	               FALSE,
	               CAD_STATE_ACTIVE,
	               NULL};
	const char *state = cad_cli_opt_value(cli, "state");
	const char *rep = cad_cli_opt_value(cli, "rep");
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_table) t = cad_table_new();
	g_autofree char *rep_norm = NULL;

	if (state != NULL &&
	    !(lc.has_state = cad_state_parse(state, &lc.state)))
		return cad_cli_fail(
		    cli, CAD_EX_USAGE,
		    "--state '%s': expected "
		    "active, paused, waiting, replied, bounced, unsubscribed, "
		    "completed or stopped",
		    state);
	if (rep != NULL && (rep_norm = cad_address_normalize(rep)) == NULL)
		return cad_cli_fail(cli, CAD_EX_USAGE,
		                    "--rep '%s' is not an "
		                    "address",
		                    rep);
	lc.rep = rep_norm;
	cad_table_column(t, "id", CAD_COL_NUMBER);
	cad_table_column(t, "address", CAD_COL_TEXT);
	cad_table_column(t, "cadence", CAD_COL_TEXT);
	cad_table_column(t, "rep", CAD_COL_TEXT);
	cad_table_column(t, "state", CAD_COL_TEXT);
	cad_table_column(t, "next_step", CAD_COL_NUMBER);
	cad_table_column(t, "next_due", CAD_COL_TEXT);
	cad_table_column(t, "enrolled", CAD_COL_TEXT);
	cad_table_column(t, "error", CAD_COL_TEXT);
	lc.t = t;
	/* A store may hold millions: rows go out as they are read. */
	cad_cli_stream(cli, t);
	if (!cad_cli_walk_enrollments(cli, t, list_one, &lc, &err))
		return cad_cli_fail_error(cli, err);
	return cad_cli_finish(cli, t);
}

/* ---- show ---- */

static void
event_free(gpointer p)
{
	cad_event_free(p);
}

static gboolean
collect_event(const cad_event *ev, void *arg)
{
	cad_event *c = g_new0(cad_event, 1);

	*c = *ev;
	c->type = g_strdup(ev->type);
	c->detail = g_strdup(ev->detail);
	g_ptr_array_add(arg, c);
	return TRUE;
}

/* One enrollment as show needs it: the record, its events, next step. */
typedef struct {
	cad_enrollment *e;
	GPtrArray *events;    /* cad_event* */
	const cad_step *next; /* NULL: none */
	guint32 next_number;
	gint64 next_when;
} shown_enr;

static void
shown_clear(gpointer p)
{
	shown_enr *s = p;

	cad_enrollment_free(s->e);
	g_ptr_array_unref(s->events);
}

static gboolean
load_enrollment(cad_cli *cli, cad_txn *txn, guint64 id, GArray *out,
                GError **error)
{
	shown_enr s = {0};
	g_autoptr(GArray) plan = NULL;

	s.e = cad_store_enrollment_get(txn, id, error);
	if (s.e == NULL)
		return FALSE;
	s.events = g_ptr_array_new_with_free_func(event_free);
	g_array_append_val(out, s);
	if (!cad_store_events_of(txn, id, collect_event, s.events, error))
		return FALSE;
	plan = cad_plan(txn, cli->conf, s.e, NULL);
	if (plan != NULL && plan->len > 0) {
		cad_planned_step *p = &g_array_index(plan, cad_planned_step, 0);
		shown_enr *last = &g_array_index(out, shown_enr, out->len - 1);

		last->next = p->step;
		last->next_number = p->step->number;
		last->next_when = p->when;
	}
	return TRUE;
}

static gint
cmp_enr(gconstpointer a, gconstpointer b)
{
	guint64 x = ((const shown_enr *)a)->e->id;
	guint64 y = ((const shown_enr *)b)->e->id;

	return x < y ? -1 : x > y;
}

static const char *const std_fields[] = {"first_name", "last_name", "company",
                                         "title", "timezone"};

static void
show_json(cad_cli *cli, const cad_prospect *p, GArray *enrs)
{
	g_autoptr(GString) o = g_string_new("{\"address\":");
	GHashTableIter it;
	gpointer k, v;
	gboolean first = TRUE;

	cad_json_string(o, p->address);
	g_string_append(o, ",\"fields\":{");
	for (gsize i = 0; i < G_N_ELEMENTS(std_fields); i++) {
		const char *val = cad_prospect_field(p, std_fields[i]);
		if (val == NULL)
			continue;
		g_string_append_printf(o, "%s\"%s\":", first ? "" : ",",
		                       std_fields[i]);
		cad_json_string(o, val);
		first = FALSE;
	}
	g_hash_table_iter_init(&it, p->fields);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		if (!first)
			g_string_append_c(o, ',');
		cad_json_string(o, k);
		g_string_append_c(o, ':');
		cad_json_string(o, v);
		first = FALSE;
	}
	g_string_append(o, "},\"enrollments\":[");
	for (guint i = 0; i < enrs->len; i++) {
		const shown_enr *s = &g_array_index(enrs, shown_enr, i);
		g_autofree char *due =
		    s->next_when ? cad_format_time(s->next_when) : NULL;
		g_autofree char *at = cad_format_time(s->e->enrolled_at);

		g_string_append_printf(
		    o, "%s{\"id\":%" G_GUINT64_FORMAT ",\"cadence\":",
		    i ? "," : "", s->e->id);
		cad_json_string(o, s->e->cadence);
		g_string_append(o, ",\"rep\":");
		cad_json_string(o, s->e->rep);
		g_string_append_printf(o,
		                       ",\"state\":\"%s\",\"enrolled\":\"%s\""
		                       ",\"next_step\":",
		                       cad_state_name(s->e->state), at);
		if (s->next != NULL)
			g_string_append_printf(o, "%u", s->next_number);
		else
			g_string_append(o, "null");
		g_string_append(o, ",\"next_channel\":");
		cad_json_string(o, s->next ? cad_channel_name(s->next->channel)
		                           : NULL);
		g_string_append(o, ",\"next_due\":");
		cad_json_string(o, due);
		g_string_append(o, ",\"error\":");
		cad_json_string(o, s->e->last_error);
		g_string_append(o, ",\"events\":[");
		for (guint j = 0; j < s->events->len; j++) {
			const cad_event *ev = g_ptr_array_index(s->events, j);
			g_autofree char *t = cad_format_time(ev->time);

			g_string_append_printf(
			    o, "%s{\"time\":\"%s\",\"type\":", j ? "," : "", t);
			cad_json_string(o, ev->type);
			g_string_append_printf(
			    o, ",\"step\":%u,\"detail\":", ev->step);
			cad_json_string(o, ev->detail);
			g_string_append_c(o, '}');
		}
		g_string_append(o, "]}");
	}
	g_string_append(o, "]}\n");
	fputs(o->str, cli->out);
}

static void
event_rows(cad_table *t, const shown_enr *s, gboolean with_id)
{
	for (guint j = 0; j < s->events->len; j++) {
		const cad_event *ev = g_ptr_array_index(s->events, j);

		cad_table_row(t);
		if (with_id)
			cad_table_add_uint(t, s->e->id);
		cad_table_add_time(t, ev->time);
		cad_table_add(t, ev->type);
		cad_table_add_uint(t, ev->step);
		cad_table_add(t, ev->detail);
	}
}

static cad_table *
events_table(gboolean with_id)
{
	cad_table *t = cad_table_new();

	if (with_id)
		cad_table_column(t, "enrollment", CAD_COL_NUMBER);
	cad_table_column(t, "time", CAD_COL_TEXT);
	cad_table_column(t, "event", CAD_COL_TEXT);
	cad_table_column(t, "step", CAD_COL_NUMBER);
	cad_table_column(t, "detail", CAD_COL_TEXT);
	return t;
}

static void
show_fields(cad_cli *cli, const cad_prospect *p)
{
	g_autoptr(cad_table) t = cad_table_new();
	g_autoptr(GList) keys = g_hash_table_get_keys(p->fields);

	cad_table_column(t, "field", CAD_COL_TEXT);
	cad_table_column(t, "value", CAD_COL_TEXT);
	cad_table_row(t);
	cad_table_add(t, "address");
	cad_table_add(t, p->address);
	for (gsize i = 0; i < G_N_ELEMENTS(std_fields); i++) {
		cad_table_row(t);
		cad_table_add(t, std_fields[i]);
		cad_table_add(t, cad_prospect_field(p, std_fields[i]));
	}
	keys = g_list_sort(keys, (GCompareFunc)strcmp);
	for (GList *l = keys; l != NULL; l = l->next) {
		cad_table_row(t);
		cad_table_add(t, l->data);
		cad_table_add(t, g_hash_table_lookup(p->fields, l->data));
	}
	if (p->created != 0) {
		cad_table_row(t);
		cad_table_add(t, "created");
		cad_table_add_time(t, p->created);
	}
	cad_cli_print(cli, t);
}

static void
show_table(cad_cli *cli, const cad_prospect *p, GArray *enrs)
{
	show_fields(cli, p);
	for (guint i = 0; i < enrs->len; i++) {
		const shown_enr *s = &g_array_index(enrs, shown_enr, i);
		g_autoptr(cad_table) t = events_table(FALSE);

		fprintf(cli->out,
		        "\nenrollment %" G_GUINT64_FORMAT ": cadence "
		        "%s, rep %s, %s\n",
		        s->e->id, s->e->cadence, s->e->rep,
		        cad_state_name(s->e->state));
		if (s->e->last_error != NULL) {
			g_autofree char *le =
			    cad_printable(s->e->last_error, -1, 200);
			fprintf(cli->out, "  error: %s\n", le);
		}
		if (s->next != NULL) {
			g_autofree char *when = cad_format_time(s->next_when);
			fprintf(
			    cli->out, "  next: step %u (%s%s%s) at %s\n",
			    s->next_number, cad_channel_name(s->next->channel),
			    s->next->template ? ", " : "",
			    s->next->template ? s->next->template : "", when);
		} else {
			fprintf(cli->out, "  next: nothing\n");
		}
		event_rows(t, s, FALSE);
		cad_cli_print(cli, t);
	}
}

int
cad_cmd_show(cad_cli *cli)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_txn) txn = cad_store_read_begin(cli->store, &err);
	g_autoptr(cad_enrollment) which = NULL;
	g_autoptr(cad_prospect) p = NULL;
	g_autoptr(GArray) ids = NULL;
	g_autoptr(GArray) enrs = g_array_new(FALSE, TRUE, sizeof(shown_enr));

	g_array_set_clear_func(enrs, shown_clear);
	if (txn == NULL ||
	    (which = cad_cli_resolve(txn, cad_cli_arg(cli, 0), &err)) == NULL)
		return cad_cli_fail_error(cli, err);
	p = cad_store_prospect_get(txn, which->address, &err);
	if (p == NULL &&
	    !g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND))
		return cad_cli_fail_error(cli, err);
	g_clear_error(&err);
	if (p == NULL)
		p = cad_prospect_new(which->address);
	ids = cad_store_enrollments_of(txn, which->address, &err);
	if (ids == NULL)
		return cad_cli_fail_error(cli, err);
	for (guint i = 0; i < ids->len; i++)
		if (!load_enrollment(cli, txn, g_array_index(ids, guint64, i),
		                     enrs, &err))
			return cad_cli_fail_error(cli, err);
	g_array_sort(enrs, cmp_enr);
	if (cli->format == CAD_FMT_JSON) {
		show_json(cli, p, enrs);
	} else if (cli->format == CAD_FMT_CSV) {
		g_autoptr(cad_table) t = events_table(TRUE);
		for (guint i = 0; i < enrs->len; i++)
			event_rows(t, &g_array_index(enrs, shown_enr, i), TRUE);
		cad_cli_print(cli, t);
	} else {
		show_table(cli, p, enrs);
	}
	return CAD_CLI_OK;
}

/* ---- schedule ---- */

int
cad_cmd_schedule(cad_cli *cli)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_txn) txn = cad_store_read_begin(cli->store, &err);
	g_autoptr(cad_enrollment) e = NULL;
	g_autoptr(GArray) plan = NULL;
	g_autoptr(cad_table) t = cad_table_new();

	if (txn == NULL ||
	    (e = cad_cli_resolve(txn, cad_cli_arg(cli, 0), &err)) == NULL ||
	    (plan = cad_plan(txn, cli->conf, e, &err)) == NULL)
		return cad_cli_fail_error(cli, err);
	cad_table_column(t, "enrollment", CAD_COL_NUMBER);
	cad_table_column(t, "step", CAD_COL_NUMBER);
	cad_table_column(t, "day", CAD_COL_NUMBER);
	cad_table_column(t, "channel", CAD_COL_TEXT);
	cad_table_column(t, "when", CAD_COL_TEXT);
	cad_table_column(t, "what", CAD_COL_TEXT);
	for (guint i = 0; i < plan->len; i++) {
		const cad_planned_step *p =
		    &g_array_index(plan, cad_planned_step, i);

		cad_table_row(t);
		cad_table_add_uint(t, e->id);
		cad_table_add_uint(t, p->step->number);
		cad_table_add_int(t, p->step->day);
		cad_table_add(t, cad_channel_name(p->step->channel));
		cad_table_add_time(t, p->when);
		cad_table_add(t, p->step->template != NULL ? p->step->template
		                                           : p->step->note);
	}
	if (plan->len == 0 && cli->format == CAD_FMT_TABLE)
		fprintf(cli->out,
		        "enrollment %" G_GUINT64_FORMAT " of %s is "
		        "%s: no steps remain\n",
		        e->id, e->address, cad_state_name(e->state));
	cad_cli_print(cli, t);
	return CAD_CLI_OK;
}
