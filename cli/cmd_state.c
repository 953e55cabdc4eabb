/*
 * cmd_state.c: the admin's changes to enrollments: pause, resume, stop,
 * skip and done (each on addresses or enrollment ids, through
 * core/actions.h), and set-field for a prospect's template fields.
 */
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "common/util.h"
#include "core/actions.h"

typedef enum {
	ACT_PAUSE,
	ACT_RESUME,
	ACT_STOP,
	ACT_SKIP,
	ACT_DONE,
} act_kind;

static const char *const act_names[] = {"pause", "resume", "stop", "skip",
                                        "done"};

/*
 * Refuse before asking core what it would refuse anyway, so that the
 * user gets exit 1 and a reason ("... is replied") rather than a store
 * error.
 */
static const char *
refusal(const cad_conf *conf, act_kind k, const cad_enrollment *e)
{
	const cad_step *st;

	if (k == ACT_RESUME)
		return e->state == CAD_STATE_PAUSED ? NULL : "not paused";
	if (cad_state_is_final(e->state))
		return "finished";
	if (k == ACT_PAUSE && e->state == CAD_STATE_PAUSED)
		return "already paused";
	if (k == ACT_DONE) {
		st = cad_cadence_step(cad_conf_cadence(conf, e->cadence),
		                      e->step);
		if (st == NULL)
			return "past its last step";
		if (st->channel == CAD_CHANNEL_EMAIL)
			return "on an email step, not a task (use skip)";
	}
	return NULL;
}

static gboolean
apply(cad_cli *cli, act_kind k, guint64 id, cad_answer answer, GError **error)
{
	g_autofree char *who = cad_cli_actor();

	switch (k) {
	case ACT_PAUSE:
		return cad_act_pause(cli->store, id, who, cli->now, error);
	case ACT_RESUME:
		return cad_act_resume(cli->store, cli->conf, id, who, cli->now,
		                      error);
	case ACT_STOP:
		return cad_act_stop(cli->store, id, who, cli->now, error);
	case ACT_SKIP:
		return cad_act_skip(cli->store, cli->conf, id, who, cli->now,
		                    error);
	case ACT_DONE:
		return cad_act_task_answer(cli->store, cli->conf, id, answer,
		                           who, cli->now, error);
	}
	return FALSE;
}

/* The enrollment an argument names, read in its own transaction. */
static cad_enrollment *
resolve(cad_cli *cli, const char *arg, GError **error)
{
	g_autoptr(cad_txn) txn = cad_store_read_begin(cli->store, error);

	return txn != NULL ? cad_cli_resolve(txn, arg, error) : NULL;
}

static void
result_row(cad_table *t, const char *arg, const cad_enrollment *e,
           const char *result)
{
	cad_table_row(t);
	if (e != NULL)
		cad_table_add_uint(t, e->id);
	else
		cad_table_add(t, NULL);
	cad_table_add(t, e != NULL ? e->address : arg);
	cad_table_add(t, e != NULL ? cad_state_name(e->state) : NULL);
	cad_table_add(t, result);
}

/* One argument: resolve, check, act, read back. Returns the status. */
static int
act_one(cad_cli *cli, act_kind k, const char *arg, cad_answer answer,
        cad_table *t)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_enrollment) e = resolve(cli, arg, &err);
	g_autoptr(cad_enrollment) after = NULL;
	const char *why;

	if (e == NULL) {
		result_row(t, arg, NULL, "not found");
		return cad_cli_fail_error(cli, err);
	}
	if ((why = refusal(cli->conf, k, e)) != NULL) {
		result_row(t, arg, e, why);
		return cad_cli_fail(
		    cli, CAD_CLI_REFUSED,
		    "enrollment %" G_GUINT64_FORMAT " of %s is %s: %s", e->id,
		    e->address, cad_state_name(e->state), why);
	}
	if (!apply(cli, k, e->id, answer, &err)) {
		result_row(t, arg, e, "failed");
		return cad_cli_fail_error(cli, err);
	}
	g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, e->id);
	after = resolve(cli, id, NULL);
	result_row(t, arg, after != NULL ? after : e, act_names[k]);
	return CAD_CLI_OK;
}

static int
act_all(cad_cli *cli, act_kind k, cad_answer answer)
{
	g_autoptr(cad_table) t = cad_table_new();
	int status = CAD_CLI_OK;

	cad_table_column(t, "id", CAD_COL_NUMBER);
	cad_table_column(t, "address", CAD_COL_TEXT);
	cad_table_column(t, "state", CAD_COL_TEXT);
	cad_table_column(t, "result", CAD_COL_TEXT);
	for (guint i = 0; i < cli->args->len; i++) {
		int rc = act_one(cli, k, cad_cli_arg(cli, i), answer, t);
		/* The worst status wins: an error over a refusal. */
		if (rc > status)
			status = rc;
	}
	cad_cli_print(cli, t);
	return status;
}

int
cad_cmd_pause(cad_cli *cli)
{
	return act_all(cli, ACT_PAUSE, CAD_ANSWER_DONE);
}

int
cad_cmd_resume(cad_cli *cli)
{
	return act_all(cli, ACT_RESUME, CAD_ANSWER_DONE);
}

int
cad_cmd_stop(cad_cli *cli)
{
	return act_all(cli, ACT_STOP, CAD_ANSWER_DONE);
}

int
cad_cmd_skip(cad_cli *cli)
{
	return act_all(cli, ACT_SKIP, CAD_ANSWER_DONE);
}

int
cad_cmd_done(cad_cli *cli)
{
	const char *outcome = cad_cli_opt_value(cli, "outcome");
	cad_answer a = CAD_ANSWER_DONE;

	if (outcome != NULL &&
	    (!cad_answer_parse(outcome, &a) ||
	     (a != CAD_ANSWER_CONNECTED && a != CAD_ANSWER_MEETING)))
		return cad_cli_fail(cli, CAD_EX_USAGE,
		                    "--outcome '%s': "
		                    "expected connected or meeting",
		                    outcome);
	return act_all(cli, ACT_DONE, a);
}

/* ---- set-field ---- */

int
cad_cmd_set_field(cad_cli *cli)
{
	g_autofree char *addr = cad_address_normalize(cad_cli_arg(cli, 0));
	g_autoptr(cad_prospect) p = NULL;
	g_autoptr(GError) err = NULL;

	if (addr == NULL)
		return cad_cli_fail(cli, CAD_EX_DATAERR,
		                    "'%s' is not an "
		                    "address",
		                    cad_cli_arg(cli, 0));
	p = cad_prospect_new(addr);
	for (guint i = 1; i < cli->args->len; i++) {
		int st = cad_cli_apply_field(cli, p, cad_cli_arg(cli, i), "");
		if (st != 0)
			return st;
	}
	if (!cad_prospect_update(cli->store, p, &err)) {
		if (g_error_matches(err, CAD_STORE_ERROR,
		                    CAD_STORE_ERROR_NOT_FOUND))
			return cad_cli_fail(cli, CAD_CLI_EX_NOUSER,
			                    "no "
			                    "prospect %s (enroll it first)",
			                    addr);
		return cad_cli_fail_error(cli, err);
	}
	if (cli->format == CAD_FMT_TABLE)
		fprintf(cli->out, "%s: %u field%s set\n", addr,
		        cli->args->len - 1, cli->args->len == 2 ? "" : "s");
	return CAD_CLI_OK;
}
