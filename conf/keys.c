/*
 * keys.c: the one table of configuration keys. The parser, check-config,
 * the dump of the effective configuration and the documentation test all
 * read it; a key added here and missing from cadence.conf(5) fails a test.
 */
#include <stddef.h>

#include "conf/conf.h"

#define OFF(f)  ((gssize)offsetof(cad_conf, f))
#define COFF(f) ((gssize)offsetof(cad_cadence, f))
#define SOFF(f) ((gssize)offsetof(cad_step, f))
#define NOLIM   0, 0

static const cad_key main_keys[] = {
    {"store", "path", CAD_KEY_PATH, CADENCE_LOCALSTATEDIR,
     "directory of the LMDB store, shared by all cadence programs",
     "a directory path", OFF(store_path), NOLIM},
    {"store", "map_size", CAD_KEY_SIZE, "1G",
     "initial size of the memory map (address space, not disk)",
     "a size such as 512M or 1G", OFF(map_size), 1 << 20,
     G_GINT64_CONSTANT(1) << 40},
    {"store", "max_map_size", CAD_KEY_SIZE, "64G",
     "the map doubles when full, up to this size", "a size such as 8G or 64G",
     OFF(max_map_size), 1 << 20, G_GINT64_CONSTANT(1) << 44},

    {"milter", "socket", CAD_KEY_STRING,
     "unix:/var/spool/postfix/cadence/milter.sock",
     "libmilter socket: unix:/path or inet:port@host",
     "unix:/path or inet:port@host", OFF(milter_socket), NOLIM},
    {"milter", "enroll_address", CAD_KEY_ADDRESS, NULL,
     "BCC this address to enroll; local+NAME@domain picks cadence NAME",
     "an address local@domain", OFF(enroll_address), NOLIM},
    {"milter", "default_cadence", CAD_KEY_STRING, NULL,
     "cadence used when enroll_address has no +NAME",
     "the name of a cadence in [cadences] dir", OFF(default_cadence), NOLIM},
    {"milter", "bounce_address", CAD_KEY_ADDRESS, NULL,
     "envelope sender of follow-ups; bounces come back to local+TOKEN",
     "an address local@domain", OFF(bounce_address), NOLIM},
    {"milter", "unsubscribe_address", CAD_KEY_ADDRESS, NULL,
     "List-Unsubscribe mailto address; requests come to local+TOKEN",
     "an address local@domain", OFF(unsubscribe_address), NOLIM},
    {"milter", "task_address", CAD_KEY_ADDRESS, "",
     "sender of task reminders; reps answer to local+TOKEN "
     "(default: LOCAL-tasks@domain of enroll_address)",
     "an address local@domain", OFF(task_address), NOLIM},
    {"milter", "recipient_delimiter", CAD_KEY_STRING, "+",
     "separates local part and token or cadence name, as Postfix's "
     "recipient_delimiter",
     "one character such as + or -", OFF(recipient_delimiter), NOLIM},
    {"milter", "trusted_networks", CAD_KEY_LIST, "127.0.0.0/8, ::1/128",
     "clients allowed to enroll without SMTP AUTH",
     "a list of networks such as 127.0.0.0/8, 10.0.0.0/8, ::1/128", -1, NOLIM},
    {"milter", "rep_domains", CAD_KEY_LIST, NULL,
     "domains of the reps: senders allowed to enroll, and colleagues "
     "never enrolled",
     "a list of domains such as example.com", OFF(rep_domains), NOLIM},
    {"milter", "account_exit", CAD_KEY_BOOL, "false",
     "a human reply from anyone at a prospect's domain halts every "
     "enrollment at that domain",
     "true or false", OFF(account_exit), NOLIM},
    {"milter", "auto_reply_pause_days", CAD_KEY_INT, "7",
     "pause after an auto-reply that names no return date", "days from 1 to 90",
     OFF(auto_reply_pause_days), 1, 90},
    {"milter", "soft_bounce_limit", CAD_KEY_INT, "3",
     "soft bounces of one prospect after which it is treated as hard",
     "a count from 1 to 100", OFF(soft_bounce_limit), 1, 100},
    {"milter", "max_body_bytes", CAD_KEY_SIZE, "256K",
     "body bytes buffered per message for classification",
     "a size from 16K to 16M", OFF(max_body_bytes), 16 << 10, 16 << 20},
    {"milter", "user", CAD_KEY_STRING, "cadence",
     "unprivileged user the milter runs as after opening its socket",
     "a user name", OFF(milter_user), NOLIM},
    {"milter", "pid_file", CAD_KEY_PATH, "",
     "write the milter's process id here", "a file path", OFF(pid_file), NOLIM},
    {"milter", "notify_from", CAD_KEY_ADDRESS, "",
     "sender of notices to reps (default: enroll_address)",
     "an address local@domain", OFF(notify_from), NOLIM},

    {"sender", "relay", CAD_KEY_STRING, "127.0.0.1:25",
     "SMTP relay the follow-ups are submitted to", "host:port", OFF(relay),
     NOLIM},
    {"sender", "starttls", CAD_KEY_ENUM, "if-available",
     "STARTTLS to the relay: no, if-available or required",
     "no, if-available or required", -1, NOLIM},
    {"sender", "auth_user", CAD_KEY_STRING, "",
     "SMTP AUTH user at the relay (empty: no AUTH)", "a user name",
     OFF(auth_user), NOLIM},
    {"sender", "auth_password_file", CAD_KEY_PATH, "",
     "file holding the SMTP AUTH password on its first line", "a file path",
     OFF(auth_password_file), NOLIM},
    {"sender", "daily_cap_per_rep", CAD_KEY_INT, "200",
     "most follow-ups one rep sends per day (0: no cap)",
     "a count from 0 to 100000", OFF(daily_cap_per_rep), 0, 100000},
    {"sender", "rate_per_minute", CAD_KEY_INT, "60",
     "most follow-ups sent per minute in all (0: no limit)",
     "a count from 0 to 100000", OFF(rate_per_minute), 0, 100000},
    {"sender", "domain_rate_per_hour", CAD_KEY_INT, "20",
     "most follow-ups per recipient domain per hour (0: no limit)",
     "a count from 0 to 100000", OFF(domain_rate_per_hour), 0, 100000},
    {"sender", "min_gap_seconds", CAD_KEY_INT, "60",
     "least time between two follow-ups of one rep", "seconds from 0 to 86400",
     OFF(min_gap_seconds), 0, 86400},
    {"sender", "window", CAD_KEY_WINDOW, "09:00-17:00",
     "sending window in the prospect's local time",
     "HH:MM-HH:MM with the start before the end", -1, NOLIM},
    {"sender", "days", CAD_KEY_DAYS, "mon-fri",
     "weekdays on which follow-ups are sent",
     "days such as mon-fri or mon,wed,fri", -1, NOLIM},
    {"sender", "timezone", CAD_KEY_TIMEZONE, "UTC",
     "time zone of prospects and cadences that name none",
     "an IANA time zone such as Europe/Berlin", OFF(timezone), NOLIM},
    {"sender", "holidays", CAD_KEY_LIST, "", "dates on which nothing is sent",
     "a list of dates YYYY-MM-DD", -1, NOLIM},
    {"sender", "jitter_minutes", CAD_KEY_INT, "20",
     "steps leave at a random minute up to this far into the window",
     "minutes from 0 to 240", OFF(jitter_minutes), 0, 240},
    {"sender", "hostname", CAD_KEY_STRING, "",
     "right-hand side of our Message-IDs (default: the domain of "
     "enroll_address)",
     "a domain name", OFF(hostname), NOLIM},
    {"sender", "unsubscribe_url", CAD_KEY_STRING, "",
     "HTTPS one-click unsubscribe URL, %s standing for the token "
     "(empty: mailto only)",
     "an https:// URL containing %s", OFF(unsubscribe_url), NOLIM},
    {"sender", "poll_seconds", CAD_KEY_INT, "15",
     "longest sleep of the daemon between two looks at the store",
     "seconds from 1 to 3600", OFF(poll_seconds), 1, 3600},
    {"sender", "retry_max_hours", CAD_KEY_INT, "48",
     "give up retrying a step deferred (4xx) for this long",
     "hours from 1 to 720", OFF(retry_max_hours), 1, 720},
    {"sender", "pid_file", CAD_KEY_PATH, "",
     "write the sender's process id here", "a file path", OFF(sender_pid_file),
     NOLIM},

    {"cadences", "dir", CAD_KEY_PATH, NULL,
     "directory with one NAME.conf file per cadence", "a directory path",
     OFF(cadences_dir), NOLIM},
    {"cadences", "templates", CAD_KEY_PATH, NULL,
     "directory of the email templates named by steps", "a directory path",
     OFF(templates_dir), NOLIM},

    {"rep ADDRESS", "name", CAD_KEY_STRING, "",
     "the rep's name, template field rep_name", "text", -1, NOLIM},
    {"rep ADDRESS", "signature", CAD_KEY_STRING, "",
     "the rep's signature, template field rep_signature (\\n for "
     "newlines)",
     "text", -1, NOLIM},
    {"rep ADDRESS", "timezone", CAD_KEY_TIMEZONE, "",
     "the rep's time zone, for task reminders",
     "an IANA time zone such as America/New_York", -1, NOLIM},
    {NULL, NULL, 0, NULL, NULL, NULL, -1, NOLIM},
};

static const cad_key cadence_keys[] = {
    {"cadence", "name", CAD_KEY_STRING, NULL,
     "the cadence's name, as in cadence+NAME@", "letters, digits, - and _",
     COFF(name), NOLIM},
    {"cadence", "description", CAD_KEY_STRING, "", "one line for reports",
     "text", COFF(description), NOLIM},
    {"cadence", "business_days", CAD_KEY_BOOL, "false",
     "count step days in business days (skipping non-sending days)",
     "true or false", COFF(business_days), NOLIM},
    {"cadence", "timezone", CAD_KEY_TIMEZONE, "",
     "time zone of this cadence's prospects that name none",
     "an IANA time zone", COFF(timezone), NOLIM},
    {"cadence", "window", CAD_KEY_WINDOW, "",
     "sending window overriding [sender] window",
     "HH:MM-HH:MM with the start before the end", -1, NOLIM},
    {"cadence", "days", CAD_KEY_DAYS, "",
     "sending days overriding [sender] days", "days such as mon-fri", -1,
     NOLIM},
    {"step N", "day", CAD_KEY_INT, NULL,
     "day of the step; the rep's own email is day 1",
     "a day from 1 to 365, not before the previous step's", SOFF(day), 1, 365},
    {"step N", "channel", CAD_KEY_ENUM, NULL,
     "email is sent; call, linkedin and task remind the rep",
     "email, call, linkedin or task", -1, NOLIM},
    {"step N", "template", CAD_KEY_STRING, "",
     "template file in [cadences] templates (email steps)",
     "a file name in the templates directory", SOFF(template), NOLIM},
    {"step N", "note", CAD_KEY_STRING, "",
     "what the rep should do (task steps)", "text", SOFF(note), NOLIM},
    {"step N", "timeout_days", CAD_KEY_INT, "2",
     "a task not answered advances after this many days", "days from 1 to 60",
     SOFF(timeout_days), 1, 60},
    {NULL, NULL, 0, NULL, NULL, NULL, -1, NOLIM},
};

const cad_key *
cad_conf_keys(void)
{
	return main_keys;
}

const cad_key *
cad_conf_cadence_keys(void)
{
	return cadence_keys;
}
