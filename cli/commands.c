/*
 * commands.c: the table of cadencectl's commands. Dispatch, `help`, the
 * usage lines and the man page's list are all read from here; a command
 * is added by adding a line.
 */
#include "cli/cli.h"
#include "cli/cmds.h"

static const cad_cli_opt enroll_opts[] = {
    {"cadence", 0, "NAME", "the cadence to enroll in", CAD_CLI_OPT_REQUIRED},
    {"rep", 0, "REP", "the owning rep's address", CAD_CLI_OPT_REQUIRED},
    {"field", 0, "K=V",
     "a prospect field: first_name, last_name, "
     "company, title, timezone or any template field",
     CAD_CLI_OPT_REPEAT},
    {"subject", 0, "TEXT",
     "subject of the thread the follow-ups "
     "answer (\"Re: TEXT\")",
     0},
    {"dry-run", 'n', NULL, "say what would happen, change nothing", 0},
    {NULL, 0, NULL, NULL, 0},
};

static const cad_cli_opt import_opts[] = {
    {"cadence", 0, "NAME", "the cadence to enroll in", CAD_CLI_OPT_REQUIRED},
    {"rep", 0, "REP", "the owning rep's address", CAD_CLI_OPT_REQUIRED},
    {"subject", 0, "TEXT",
     "subject of the thread the follow-ups "
     "answer",
     0},
    {"dry-run", 'n', NULL, "check every row and say what would happen", 0},
    {"verbose", 'v', NULL, "print the outcome of every row", 0},
    {NULL, 0, NULL, NULL, 0},
};

static const cad_cli_opt list_opts[] = {
    {"cadence", 0, "NAME", "only this cadence", 0},
    {"rep", 0, "REP", "only this rep's enrollments", 0},
    {"state", 0, "STATE",
     "only this state: active, paused, waiting, "
     "replied, bounced, unsubscribed, completed, stopped",
     0},
    {NULL, 0, NULL, NULL, 0},
};

static const cad_cli_opt done_opts[] = {
    {"outcome", 0, "WORD",
     "connected (a call got through) or meeting "
     "(a meeting was booked; ends the cadence)",
     0},
    {NULL, 0, NULL, NULL, 0},
};

static const cad_cli_opt suppress_opts[] = {
    {"reason", 0, "TEXT", "why (kept with the entry)", 0},
    {NULL, 0, NULL, NULL, 0},
};

static const cad_cli_opt check_opts[] = {
    {"dump", 0, NULL,
     "print every key of the effective configuration, "
     "like postconf -n",
     0},
    {"strict", 0, NULL, "fail on a template warning too", 0},
    {NULL, 0, NULL, NULL, 0},
};

static const cad_cli_opt restore_opts[] = {
    {"force", 'f', NULL, "replace a store that holds enrollments", 0},
    {NULL, 0, NULL, NULL, 0},
};

static const cad_cli_opt stats_opts[] = {
    {"cadence", 0, "NAME", "only this cadence", 0},
    {"rep", 0, "REP", "only this rep's enrollments", 0},
    {"since", 0, "DATE", "only enrollments made on or after DATE", 0},
    {"by", 0, "KEY", "one row per step, rep, cadence or week", 0},
    {NULL, 0, NULL, NULL, 0},
};

static const cad_cli_opt report_opts[] = {
    {"html", 0, "FILE", "write the report to FILE", CAD_CLI_OPT_REQUIRED},
    {"cadence", 0, "NAME", "only this cadence", 0},
    {"rep", 0, "REP", "only this rep's enrollments", 0},
    {"since", 0, "DATE", "only enrollments made on or after DATE", 0},
    {"title", 0, "TEXT", "the page title", 0},
    {NULL, 0, NULL, NULL, 0},
};

static const cad_cli_opt ingest_opts[] = {
    {"recipient", 0, "ADDR",
     "the envelope recipient (Postfix: "
     "${recipient})",
     CAD_CLI_OPT_REPEAT | CAD_CLI_OPT_REQUIRED},
    {"sender", 0, "ADDR", "the envelope sender (Postfix: ${sender})", 0},
    {NULL, 0, NULL, NULL, 0},
};

#define ENR  "Enrollments"
#define SUP  "Suppression list"
#define ADM  "Administration"
#define STA  "Statistics"
#define MAIL "Mail"

static const cad_cli_cmd commands[] = {
    {ENR, "enroll", "ADDRESS", 1, 1, enroll_opts, CAD_CLI_NEEDS_STORE,
     cad_cmd_enroll, "enroll one prospect in a cadence"},
    {ENR, "import", "FILE.csv", 1, 1, import_opts, CAD_CLI_NEEDS_STORE,
     cad_cmd_import,
     "enroll every row of a CRM export (CSV with a "
     "header row; '-' is stdin)"},
    {ENR, "list", "", 0, 0, list_opts, CAD_CLI_NEEDS_STORE_RO, cad_cmd_list,
     "list enrollments"},
    {ENR, "show", "ADDRESS|ID", 1, 1, NULL, CAD_CLI_NEEDS_STORE_RO,
     cad_cmd_show,
     "a prospect's fields, enrollments, events and next "
     "step"},
    {ENR, "schedule", "ADDRESS|ID", 1, 1, NULL, CAD_CLI_NEEDS_STORE_RO,
     cad_cmd_schedule, "the planned time of each remaining step"},
    {ENR, "pause", "ADDRESS|ID...", 1, -1, NULL, CAD_CLI_NEEDS_STORE,
     cad_cmd_pause, "pause enrollments until resumed"},
    {ENR, "resume", "ADDRESS|ID...", 1, -1, NULL, CAD_CLI_NEEDS_STORE,
     cad_cmd_resume, "resume paused enrollments"},
    {ENR, "stop", "ADDRESS|ID...", 1, -1, NULL, CAD_CLI_NEEDS_STORE,
     cad_cmd_stop, "stop enrollments for good"},
    {ENR, "skip", "ADDRESS|ID...", 1, -1, NULL, CAD_CLI_NEEDS_STORE,
     cad_cmd_skip, "skip the current step and schedule the next"},
    {ENR, "done", "ADDRESS|ID...", 1, -1, done_opts, CAD_CLI_NEEDS_STORE,
     cad_cmd_done,
     "mark the current task step (call, LinkedIn, "
     "task) done"},
    {ENR, "set-field", "ADDRESS NAME=VALUE...", 2, -1, NULL,
     CAD_CLI_NEEDS_STORE, cad_cmd_set_field,
     "set template fields of "
     "a prospect (then resume an enrollment paused on a missing "
     "field)"},
    {SUP, "suppress add", "ADDRESS|@DOMAIN", 1, 1, suppress_opts,
     CAD_CLI_NEEDS_STORE, cad_cmd_suppress_add,
     "never enroll or mail "
     "this address or domain"},
    {SUP, "suppress remove", "ADDRESS|@DOMAIN", 1, 1, NULL, CAD_CLI_NEEDS_STORE,
     cad_cmd_suppress_remove,
     "take an entry off "
     "the suppression list"},
    {SUP, "suppress list", "", 0, 0, NULL, CAD_CLI_NEEDS_STORE_RO,
     cad_cmd_suppress_list, "print the suppression list"},
    {STA, "stats", "", 0, 0, stats_opts, CAD_CLI_NEEDS_STORE_RO, cad_cmd_stats,
     "figures computed from the event log"},
    {STA, "report", "", 0, 0, report_opts, CAD_CLI_NEEDS_STORE_RO,
     cad_cmd_report,
     "write the figures as one self-contained HTML "
     "page"},
    {ADM, "stuck", "", 0, 0, NULL, CAD_CLI_NEEDS_STORE_RO, cad_cmd_stuck,
     "what needs a person: interrupted sends, errors, "
     "overdue tasks, each with its fix"},
    {ADM, "check-config", "", 0, 0, check_opts, CAD_CLI_NEEDS_NOTHING,
     cad_cmd_check_config,
     "check the configuration and print the "
     "cadences and their step plans"},
    {ADM, "backup", "DIR", 1, 1, NULL, CAD_CLI_NEEDS_STORE_RO, cad_cmd_backup,
     "a consistent, compacted copy of the store, safe "
     "while the daemons run"},
    {ADM, "restore", "DIR", 1, 1, restore_opts, CAD_CLI_NEEDS_CONF,
     cad_cmd_restore,
     "put a backup back in place (the daemons must "
     "be stopped)"},
    {MAIL, "classify", "FILE...", 1, -1, NULL, CAD_CLI_NEEDS_NOTHING,
     cad_cmd_classify,
     "say what each message is (bounce, auto-reply, "
     "reply, ...); '-' is stdin"},
    {MAIL, "ingest", "", 0, 0, ingest_opts, CAD_CLI_NEEDS_NOTHING,
     cad_cmd_ingest,
     "record one message from stdin, for a Postfix "
     "pipe(8) transport"},
    {NULL, NULL, NULL, 0, 0, NULL, 0, NULL, NULL},
};

const cad_cli_cmd *
cad_cli_commands(void)
{
	return commands;
}
