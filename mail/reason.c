/*
 * reason.c: why a recipient failed, in one word, and whether the address
 * itself is dead (hard) or the failure may pass (soft). Phrases of the
 * remote diagnostic come first, in a fixed order; the RFC 3463 status
 * code decides when no phrase matches. Vocabulary and split follow
 * Sisimai's (BSD-2), so results compare; the phrase lists are our own.
 */
#include <string.h>

#include "common/util.h"
#include "mail/mail_internal.h"

typedef struct {
	const char *reason;
	int list; /* an L_ index */
} reason_rule;

static const char *const p_mailboxfull[] = {
    "mailbox full",
    "mailbox is full",
    "mailbox is over quota",
    "over quota",
    "overquota",
    "quota exceeded",
    "exceeded storage allocation",
    "quota exceeded",
    "disk quota",
    "mailfolder is full",
    "full mailbox",
    "exceeds quota",
    "exceeding its mailbox quota",
    "exceeding their quota",
    "not enough storage",
    "insufficient system storage",
    "does not have enough space",
    "mailbox size limit exceeded",
    "mailbox quota",
    "user's space has been used up",
    "too much mail data",
    "too many messages on the server",
    "boite du destinataire pleine",
    "boîte aux lettres pleine",
    "casella piena",
    "postfach voll",
    "buzón lleno",
    "buzon lleno",
    "quota violation",
    "storage limit",
    "mailbox has exceeded",
    "mailbox exceeded",
    "over the allowed quota",
    "would exceed maximum allowed storage",
    "out of storage",
    "insufficient storage",
    NULL};
static const char *const p_mesgtoobig[] = {
    "message too big",
    "message is too big",
    "message size exceeds",
    "message too large",
    "message is too large",
    "message length exceeds",
    "exceeded maximum inbound message size",
    "max message size exceeded",
    "message file too big",
    "size limit",
    "message exceeds maximum size",
    "taille limite du message",
    "message size is larger",
    "size exceeds the maximum",
    "exceeds the maximum size",
    "exceeds size limit",
    "line limit exceeded",
    NULL};
static const char *const p_exceedlimit[] = {"message header size exceeds limit",
                                            "too many recipients",
                                            "recipient limit", NULL};
static const char *const p_suspend[] = {
    "currently suspended",
    "has been suspended",
    "account suspended",
    "user suspended",
    "mailbox suspended",
    "deactivated mailbox",
    "account is disabled",
    "account has been disabled",
    "account disabled",
    "mailbox is disabled",
    "mailbox disabled",
    "mailbox is frozen",
    "inactive user",
    "temporarily inactive",
    "is inactive",
    "account is locked",
    "account inactive",
    "email account that you tried to reach is disabled",
    "mailbox unavailable or access denied",
    "no longer active",
    "has been disabled",
    "account expired",
    "account has expired",
    "temporary locked",
    NULL};
static const char *const p_hasmoved[] = {" has been replaced by ",
                                         "has moved to", "mailbox has moved",
                                         "address has changed", NULL};
static const char *const p_norelaying[] = {
    "relay access denied",
    "relaying denied",
    "relay denied",
    "relay not permitted",
    "relaying mail to ",
    "unable to relay",
    "not permitted to relay",
    "not allowed to relay",
    "as a relay",
    "not an open relay",
    "insecure mail relay",
    "not a gateway",
    "not configured to relay",
    "we don't handle mail for",
    "not in my list of allowed rcpthosts",
    "relaying not allowed",
    "relay not allowed",
    "no relaying",
    "cannot relay",
    "can't relay",
    "relaying prohibited",
    NULL};
static const char *const p_userunknown[] = {
    "user unknown", "unknown user", "no such user", "no such mailbox",
    "no such recipient", "no such person", "no such address",
    "unknown recipient", "unknown mailbox", "unknown local part",
    "unknown local-part", "unknown address", "unknown e-mail address",
    "unknown email address", "user not found", "user doesn't exist",
    "user does not exist", "user not known", "user not exist",
    "user missing home directory", "users not found", "mailbox not found",
    "mailbox does not exist", "mailbox unavailable", "mailbox is unavailable",
    "mailbox invalid", "mailbox not present", "invalid mailbox",
    "invalid recipient", "invalid address", "invalid user", "bad recipient",
    "bad-recipient", "bad_recipient", "badrcptto", "recipient unknown",
    "recipient not found", "recipient does not exist", "recipient not exist",
    "recipient is not local", "recipient not ok", "address does not exist",
    "address unknown", "address not present in directory", "addressee unknown",
    "account does not exist", "account not found", "no account by that name",
    "no mailbox here by that name", "no mailbox found", "no mail box",
    "is not a valid mailbox", "not a valid recipient", "not a valid user",
    "not a known user", "is not a valid user", "no valid recipients",
    "does not exist here", "doesn't exist here", "email address does not exist",
    "email address could not be found",
    "email account that you tried to reach does not exist",
    "no one at this address", "not our customer", "not a local address",
    "is not an active address", "this address no longer accepts mail",
    "address no longer exists", "archived recipient", "nonexistent user",
    "non-existent user", "non existent user",
    "recipient address rejected: undeliverable address",
    "undeliverable address: ", "resolver.adr.recipnotfound",
    "resolver.adr.recipientnotfound", "recipnotfound", "utilisateur inconnu",
    "destinataire inconnu", "n'existe pas", "unbekannter empfänger",
    "benutzer unbekannt", "unbekannt", "existiert nicht", "no existe",
    "usuario desconocido", "utente sconosciuto", "utente inesistente",
    "nessun utente", "onbekende gebruiker", "bestaat niet", "não existe",
    "usuário desconhecido", "nieznany uzytkownik", "no such local user",
    "unrouteable address", "unrouteable mail domain", "invalid-recipient",
    "vdeliver: invalid", "recipient address rejected: access denied",
    "invalid final delivery", "見つかりません",
    "ディレクトリのリストにありません", "存在しません", "宛先不明",
    "no such user here", "not listed in", "no mailbox by that name",
    "wasn't found at",
    "the email account that you tried to reach does not exist",
    /* Yahoo's "554 delivery error: dd This user doesn't have a
     * yahoo.com account": the account does not exist */
    "this user doesn't have a",
    /* directory gateways (CSO ph, site directories) */
    "no matches to nameserver query", "did not exactly match",
    "did not match any", "does not match any user", NULL};
static const char *const p_filtered[] = {
    "rejected by recipient", "refused due to recipient preferences",
    "message rejected due to user rules", "is not accepting any mail",
    "only accepting mail from specific",
    "you have been blocked by the recipient", "user reject", "bounced address",
    "resolver.rst.notauthorized", "due to extended inactivity",
    "this account is protected by",
    /* AOL: the member refuses mail from this sender, or attachments */
    "are not accepting mail", "is not accepting mail",
    /* au (KDDI) refuses what its member's filter blocks with "550 :
     * User unknown", the address left out; an address that does not
     * exist gets "550 <address>: User unknown". */
    "550 : user unknown", "550: : user unknown", NULL};
/* NTT docomo's receiving host, or its members' domain: docomo answers
 * RCPT TO for an address that does not exist, and "Unknown user" after
 * DATA for one whose owner's filter refuses the sender. */
static const char *const p_docomo[] = {"docomo.ne.jp", NULL};
static const char *const p_hostunknown[] = {
    "host unknown",
    "unknown host",
    "host or domain name not found",
    "domain not found",
    "no such domain",
    "domain does not exist",
    "domain is not reachable",
    "domain must exist",
    "name or service not known",
    "unknown domain",
    "host not found",
    "unroutable address",
    "mail domain mentioned in email address is unknown",
    "domain name not found",
    "no mx",
    "invalid domain",
    "the account or domain may not exist",
    NULL};
static const char *const p_spamdetected[] = {"spam",
                                             "unsolicited",
                                             "bulk mail",
                                             "bulk email",
                                             "blacklisted url",
                                             "content filter rejection",
                                             "high probability of",
                                             "message filtered",
                                             "greylisted",
                                             "junk mail",
                                             NULL};
static const char *const p_toomanyconn[] = {"too many connections",
                                            "connection rate limit",
                                            "too many concurrent",
                                            "too many smtp sessions",
                                            "too many errors from your ip",
                                            "trop de connexions",
                                            "connection limit",
                                            NULL};
static const char *const p_speeding[] = {
    "rate limit",        "rate-limit",      "rate limited", "sending rate",
    "too many messages", "try again later", "throttl",      NULL};
static const char *const p_requireptr[] = {"reverse dns",
                                           "ptr record",
                                           "no ptr",
                                           "reverse lookup",
                                           "rdns",
                                           "cannot find your hostname",
                                           "cannot resolve your address",
                                           "reverse dns validation",
                                           NULL};
static const char *const p_authfailure[] = {
    "spf",    "dkim",   "dmarc",  "sender policy framework",
    "5.7.26", "5.7.23", "5.7.25", NULL};
static const char *const p_blocked[] = {"blocked",
                                        "blacklist",
                                        "black list",
                                        "blocklist",
                                        "block list",
                                        "denylist",
                                        "rbl",
                                        "dnsbl",
                                        "spamhaus",
                                        "spamcop",
                                        "barracuda",
                                        "listed at",
                                        "listed on",
                                        "refused to talk to me",
                                        "poor reputation",
                                        "bad reputation",
                                        "ip reputation",
                                        "your ip",
                                        "client host",
                                        "connection refused",
                                        "access denied",
                                        "not allowed to send",
                                        "helo command rejected",
                                        "banned",
                                        "go away",
                                        NULL};
static const char *const p_policy[] = {"policy",
                                       "closed mailing list",
                                       "members-only list",
                                       "not subscribed to this group",
                                       "protocol violation",
                                       "header error",
                                       "illegal attachment",
                                       "organizational settings",
                                       NULL};
static const char *const p_virus[] = {
    "virus", "malware", "potentially executable", "infected", NULL};
static const char *const p_security[] = {"authentication required",
                                         "authentication failed",
                                         "authentication failure",
                                         "authentication credentials",
                                         "tls required",
                                         "starttls",
                                         "not authorized to send",
                                         "unauthenticated",
                                         "verification failure",
                                         "must authenticate",
                                         NULL};
static const char *const p_systemerror[] = {"mail loop",
                                            "loops back to myself",
                                            "local configuration error",
                                            "local error in processing",
                                            "internal error",
                                            "server configuration",
                                            "system config error",
                                            "temporary local problem",
                                            "service unavailable",
                                            "service currently unavailable",
                                            "queue file write error",
                                            "aliasing/forwarding loop",
                                            "configuration error",
                                            "timeout waiting for input",
                                            "routing loop",
                                            "loop detected",
                                            "too many hops",
                                            "hop count exceeded",
                                            NULL};
static const char *const p_networkerror[] = {"no route to host",
                                             "host is unreachable",
                                             "network is unreachable",
                                             "host name lookup failure",
                                             "malformed name server reply",
                                             "could not connect",
                                             "connection timed out",
                                             "unable to connect",
                                             "lost connection",
                                             "connection reset",
                                             "could not be resolved",
                                             "dns error",
                                             "host not found, try again",
                                             NULL};
static const char *const p_expired[] = {
    "delivery time expired",
    "message expired",
    "has been delayed",
    "giving up on",
    "failing for a long time",
    "retry time not reached",
    "in the queue too long",
    "queue too long",
    "delivery attempts will continue",
    "unable to deliver message after multiple retries",
    "could not be delivered for more than",
    "timed out",
    "retry timeout exceeded",
    "not reachable within",
    "was not delivered for",
    "delayed",
    "expired",
    "will retry",
    "still trying",
    "timeout",
    NULL};
static const char *const p_contenterror[] = {"header size exceeds",
                                             "8-bit data in message header",
                                             "mime complexity",
                                             "invalid mime",
                                             "improperly-formatted",
                                             "contenttype",
                                             NULL};
static const char *const p_systemfull[] = {
    "mail system full", "system full", "insufficient system resources", NULL};
static const char *const p_notaccept[] = {"does not accept mail",
                                          "null mx",
                                          "nullmx",
                                          "accepts no mail",
                                          "no mx record found",
                                          "does not receive mail",
                                          "indicated no smtp service",
                                          "no smtp service",
                                          NULL};
static const char *const p_mailererror[] = {
    "procmail",       "maildrop",     "mailer error",
    "command failed", "command died", "pipe to |",
    "x-unix;",        "exit status",  NULL};

static const char *const p_sender[] = {"sender rejected",
                                       "sender address rejected",
                                       "invalid sender",
                                       "sender verify failed",
                                       "sender is in my black list",
                                       "domain of sender address",
                                       "mail from not owned",
                                       "bogus mail from",
                                       "null sender is not allowed",
                                       "empty envelope senders",
                                       "returned mail not accepted",
                                       "sender not pre-approved",
                                       "sender email address rejected",
                                       "sender domain",
                                       "sender address",
                                       "administrative prohibition",
                                       "batv",
                                       NULL};

/* The SMTP command a failure answered: it tells a user unknown at RCPT
 * (the address is dead) from one reported after DATA (a filter). */
typedef enum { CMD_NONE, CMD_CONN, CMD_MAIL, CMD_RCPT, CMD_DATA } smtp_cmd;

static const char *const c_data[] = {"end of data",
                                     "after data",
                                     ">>> data",
                                     "in reply to data",
                                     "final data",
                                     "data command",
                                     "after i sent the message",
                                     "after sending message",
                                     NULL};
static const char *const c_rcpt[] = {
    "rcpt to",    ">>> rcpt",     "in reply to rcpt", "does not like recipient",
    "after rcpt", "rcpt command", "rcpt_to",          "smtp:rcpt",
    NULL};
static const char *const c_mail[] = {"after mail from", ">>> mail from",
                                     "in reply to mail from",
                                     "mail from command", NULL};
static const char *const c_conn[] = {"in reply to helo",
                                     "in reply to ehlo",
                                     ">>> helo",
                                     ">>> ehlo",
                                     "after helo",
                                     "after ehlo",
                                     "greeting",
                                     "after initial connection",
                                     NULL};

/* Every list, scanned for at once: bit L_X of a scan is list X. */
enum {
	L_MAILBOXFULL,
	L_MESGTOOBIG,
	L_EXCEEDLIMIT,
	L_SUSPEND,
	L_HASMOVED,
	L_NORELAYING,
	L_USERUNKNOWN,
	L_FILTERED,
	L_HOSTUNKNOWN,
	L_SPAMDETECTED,
	L_TOOMANYCONN,
	L_SPEEDING,
	L_REQUIREPTR,
	L_AUTHFAILURE,
	L_BLOCKED,
	L_POLICY,
	L_VIRUS,
	L_SECURITY,
	L_SYSTEMERROR,
	L_NETWORKERROR,
	L_EXPIRED,
	L_CONTENTERROR,
	L_SYSTEMFULL,
	L_NOTACCEPT,
	L_MAILERERROR,
	L_SENDER,
	L_DOCOMO,
	L_CMD_DATA,
	L_CMD_RCPT,
	L_CMD_MAIL,
	L_CMD_CONN,
	L_COUNT
};

static const char *const *const all_lists[L_COUNT] = {
    [L_MAILBOXFULL] = p_mailboxfull,
    [L_MESGTOOBIG] = p_mesgtoobig,
    [L_EXCEEDLIMIT] = p_exceedlimit,
    [L_SUSPEND] = p_suspend,
    [L_HASMOVED] = p_hasmoved,
    [L_NORELAYING] = p_norelaying,
    [L_USERUNKNOWN] = p_userunknown,
    [L_FILTERED] = p_filtered,
    [L_HOSTUNKNOWN] = p_hostunknown,
    [L_SPAMDETECTED] = p_spamdetected,
    [L_TOOMANYCONN] = p_toomanyconn,
    [L_SPEEDING] = p_speeding,
    [L_REQUIREPTR] = p_requireptr,
    [L_AUTHFAILURE] = p_authfailure,
    [L_BLOCKED] = p_blocked,
    [L_POLICY] = p_policy,
    [L_VIRUS] = p_virus,
    [L_SECURITY] = p_security,
    [L_SYSTEMERROR] = p_systemerror,
    [L_NETWORKERROR] = p_networkerror,
    [L_EXPIRED] = p_expired,
    [L_CONTENTERROR] = p_contenterror,
    [L_SYSTEMFULL] = p_systemfull,
    [L_NOTACCEPT] = p_notaccept,
    [L_MAILERERROR] = p_mailererror,
    [L_SENDER] = p_sender,
    [L_DOCOMO] = p_docomo,
    [L_CMD_DATA] = c_data,
    [L_CMD_RCPT] = c_rcpt,
    [L_CMD_MAIL] = c_mail,
    [L_CMD_CONN] = c_conn};

/* The lists compiled once, on first use; shared by all threads. */
static const cad_phrases *
reason_phrases(void)
{
	static cad_phrases *set;

	if (g_once_init_enter(&set))
		g_once_init_leave(&set,
		                  cad_phrases_new(all_lists, L_COUNT, TRUE));
	return set;
}

/* The command lists alone: a smaller table, read for every bounce. */
static const cad_phrases *
command_phrases(void)
{
	static cad_phrases *set;

	if (g_once_init_enter(&set))
		g_once_init_leave(&set,
		                  cad_phrases_new(all_lists + L_CMD_DATA,
		                                  L_COUNT - L_CMD_DATA, TRUE));
	return set;
}

/* Which lists occur in folded text f. */
static guint64
lists_in(const char *f)
{
	return f != NULL ? cad_phrases_scan(reason_phrases(), f, strlen(f)) : 0;
}

static gboolean
match(guint64 m, int list)
{
	return (m >> list) & 1;
}

static smtp_cmd
command_in(guint64 m)
{
	if (match(m, L_CMD_DATA))
		return CMD_DATA;
	if (match(m, L_CMD_RCPT))
		return CMD_RCPT;
	if (match(m, L_CMD_MAIL))
		return CMD_MAIL;
	if (match(m, L_CMD_CONN))
		return CMD_CONN;
	return CMD_NONE;
}

/* RFC 3463 code to a reason, in Sisimai's reading of each code. */
static const char *
reason_from_status(const char *st)
{
	static const struct {
		const char *code; /* without the class digit */
		const char *reason;
	} map[] = {{".1.0", "userunknown"},   {".1.1", "userunknown"},
	           {".1.2", "hostunknown"},   {".1.3", "userunknown"},
	           {".1.4", "filtered"},      {".1.6", "hasmoved"},
	           {".1.7", "rejected"},      {".1.8", "rejected"},
	           {".1.9", "systemerror"},   {".1.10", "notaccept"},
	           {".2.0", "filtered"},      {".2.1", "filtered"},
	           {".2.2", "mailboxfull"},   {".2.3", "exceedlimit"},
	           {".2.4", "filtered"},      {".3.0", "systemerror"},
	           {".3.1", "systemfull"},    {".3.2", "notaccept"},
	           {".3.3", "systemerror"},   {".3.4", "mesgtoobig"},
	           {".3.5", "systemerror"},   {".4.0", "networkerror"},
	           {".4.1", "expired"},       {".4.2", "networkerror"},
	           {".4.3", "systemerror"},   {".4.4", "hostunknown"},
	           {".4.5", "systemfull"},    {".4.6", "networkerror"},
	           {".4.7", "expired"},       {".5.3", "toomanyconn"},
	           {".5.4", "systemerror"},   {".5.5", "systemerror"},
	           {".7.1", "securityerror"}, {".7.13", "suspend"},
	           {".7.16", "mesgtoobig"},   {".7.17", "hasmoved"},
	           {".7.18", "hasmoved"},     {".7.25", "requireptr"},
	           {".7.26", "authfailure"},  {".7.27", "notaccept"}};

	if (st == NULL || st[0] == '\0' || st[0] == '2')
		return NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
		if (strcmp(st + 1, map[i].code) == 0) {
			/* A temporary 4.1.x/4.4.4 is not a dead address. */
			if (st[0] == '4' &&
			    (strcmp(map[i].reason, "userunknown") == 0 ||
			     strcmp(map[i].reason, "hostunknown") == 0))
				return NULL;
			return map[i].reason;
		}
	if (strncmp(st + 1, ".6.", 3) == 0)
		return "contenterror";
	if (strncmp(st + 1, ".7.", 3) == 0)
		return "securityerror";
	return NULL;
}

/* The SMTP command a failure answered, found when first asked: from the
 * recipient's diagnostic, else from the notice. Most failures are named
 * by a phrase before the command matters. */
typedef struct {
	guint64 md;
	cad_reason_ctx *ctx; /* NULL: no notice */
	int cmd;             /* -1 until known */
} lazy_cmd;

static smtp_cmd context_cmd(cad_reason_ctx *c);

static smtp_cmd
command(lazy_cmd *lc)
{
	if (lc->cmd < 0) {
		smtp_cmd c = command_in(lc->md);
		if (c == CMD_NONE && lc->ctx != NULL)
			c = context_cmd(lc->ctx);
		lc->cmd = (int)c;
	}
	return (smtp_cmd)lc->cmd;
}

static guint64 context_lists(cad_reason_ctx *c);

/* The failure is docomo's, by its diagnostic or its notice. */
static gboolean
from_docomo(guint64 f, lazy_cmd *lc)
{
	return match(f, L_DOCOMO) ||
	       (lc->ctx != NULL && match(context_lists(lc->ctx), L_DOCOMO));
}

/* The first pass: specific causes, then the address, judged with the
 * status code and the SMTP command. */
static const char *
first_pass(guint64 f, const char *sr, lazy_cmd *lc)
{
	if (match(f, L_MAILERERROR) && command(lc) == CMD_NONE)
		return "mailererror";
	if (match(f, L_MAILBOXFULL))
		return "mailboxfull";
	if (match(f, L_MESGTOOBIG))
		return "mesgtoobig";
	if (match(f, L_EXCEEDLIMIT))
		return "exceedlimit";
	if (match(f, L_SUSPEND))
		return "suspend";
	if (match(f, L_HASMOVED))
		return "hasmoved";
	if (match(f, L_NORELAYING))
		return "norelaying";
	if (match(f, L_NOTACCEPT))
		return "notaccept";
	if (match(f, L_FILTERED))
		return "filtered";
	if (command(lc) == CMD_MAIL || command(lc) == CMD_CONN)
		return match(f, L_BLOCKED) ? "blocked" : "rejected";
	if (match(f, L_AUTHFAILURE))
		return "authfailure";
	/* A mailbox that does not exist is unknown whatever command the
	 * server answered (RCPT, or DATA for servers that check late) and
	 * whatever code it chose (5.2.1, 5.7.1, 4xx): only a refusal of the
	 * sender named beside it says otherwise, or, for a status that
	 * says "bad mailbox", words of a block (Amazon SES files an
	 * "Access denied" under "Unknown address error"). */
	if (sr != NULL && strcmp(sr, "userunknown") == 0) {
		if (!match(f, L_BLOCKED) && !match(f, L_SENDER))
			return "userunknown";
	} else if (match(f, L_USERUNKNOWN) && !match(f, L_SENDER)) {
		if (command(lc) == CMD_DATA && from_docomo(f, lc))
			return "rejected";
		return "userunknown";
	}
	if (match(f, L_SENDER))
		return "rejected";
	if (match(f, L_NETWORKERROR))
		return "networkerror";
	if (match(f, L_HOSTUNKNOWN))
		return "hostunknown";
	if (match(f, L_VIRUS))
		return "virusdetected";
	if (match(f, L_REQUIREPTR))
		return "requireptr";
	if (match(f, L_SPAMDETECTED))
		return "spamdetected";
	if (match(f, L_TOOMANYCONN))
		return "toomanyconn";
	if (match(f, L_BLOCKED))
		return "blocked";
	return NULL;
}

/* The second pass: what a phrase says when the first found nothing. */
static const char *
second_pass(guint64 f)
{
	static const reason_rule rules[] = {
	    {"authfailure", L_AUTHFAILURE}, {"policyviolation", L_POLICY},
	    {"securityerror", L_SECURITY},  {"contenterror", L_CONTENTERROR},
	    {"systemfull", L_SYSTEMFULL},   {"systemerror", L_SYSTEMERROR},
	    {"mailererror", L_MAILERERROR}, {"speeding", L_SPEEDING},
	    {"expired", L_EXPIRED}};

	for (gsize i = 0; i < G_N_ELEMENTS(rules); i++)
		if (match(f, rules[i].list))
			return rules[i].reason;
	return NULL;
}

/* Reasons whose status code is trusted over the second pass. */
static gboolean
settled(const char *sr)
{
	return sr != NULL && strcmp(sr, "systemerror") != 0 &&
	       strcmp(sr, "securityerror") != 0 &&
	       strcmp(sr, "networkerror") != 0 &&
	       strcmp(sr, "hostunknown") != 0 && strcmp(sr, "userunknown") != 0;
}

void
cad_reason_context_init(cad_reason_ctx *c, const char *text)
{
	memset(c, 0, sizeof(*c));
	c->cmd = -1;
	c->text = text;
	if (text != NULL)
		c->len = strnlen(text, MAX_CONTEXT);
}

static guint64
context_lists(cad_reason_ctx *c)
{
	if (!c->scanned) {
		c->lists = cad_phrases_scan(reason_phrases(), c->text, c->len);
		c->scanned = TRUE;
	}
	return c->lists;
}

static smtp_cmd
context_cmd(cad_reason_ctx *c)
{
	if (c->cmd < 0)
		c->cmd = (int)command_in(
		    c->scanned
		        ? c->lists
		        : cad_phrases_scan(command_phrases(), c->text, c->len)
		              << L_CMD_DATA);
	return (smtp_cmd)c->cmd;
}

void
cad_reason_decide(cad_bounce_rcpt *r, cad_reason_ctx *context, int smtp)
{
	g_autofree char *fd = NULL;
	const char *tr = NULL, *sr;
	gboolean fc = context != NULL && context->text != NULL;
	guint64 md;
	lazy_cmd lc;
	char st[16];
	gboolean ctx_done;

	fd = cad_text_fold(r->diagnostic != NULL ? r->diagnostic : "",
	                   r->diagnostic != NULL ? strlen(r->diagnostic) : 0);
	md = lists_in(fd);
	if (r->status == NULL && cad_text_status(fd, st))
		r->status = g_strdup(st);
	if (smtp == 0)
		smtp = cad_text_smtp_code(fd);
	lc.md = md;
	lc.ctx = fc ? context : NULL;
	lc.cmd = -1;
	sr = reason_from_status(r->status);
	tr = first_pass(md, sr, &lc);
	/* A recipient without a diagnostic is judged by the notice. */
	ctx_done = tr == NULL && fc && *fd == '\0';
	if (ctx_done)
		tr = first_pass(context_lists(context), sr, &lc);
	if (tr == NULL && sr != NULL && settled(sr))
		tr = sr;
	if (tr == NULL)
		tr = second_pass(md);
	if (tr == NULL && fc && !ctx_done)
		tr = first_pass(context_lists(context), sr, &lc);
	if (tr == NULL)
		tr = sr;
	if (tr == NULL && fc)
		tr = second_pass(context_lists(context));
	if (tr == NULL)
		tr = r->diagnostic != NULL ? "onhold" : "undefined";
	g_free(r->reason);
	r->reason = g_strdup(tr);
	r->hard = cad_failure_is_hard(tr, r->status, fd);
}

/* Words of a failure the server itself calls passing: a lookup that
 * timed out, a directory that could not be asked. */
static const char *const temporary_words[] = {
    "try again",      "temporar", "timeout", "timed out",
    "lookup failure", "not yet",  "retry",   NULL};

gboolean
cad_failure_is_hard(const char *reason, const char *status, const char *text)
{
	/* suppressed: a sending service's record that the address
	 * bounced as invalid (Amazon SES's suppression list). */
	static const char *const dead[] = {"userunknown", "hasmoved",
	                                   "hostunknown", "notaccept",
	                                   "suppressed",  NULL};
	g_autofree char *ft = NULL;
	gboolean is_dead = FALSE;

	for (gsize i = 0; reason != NULL && dead[i] != NULL; i++)
		is_dead = is_dead || strcmp(reason, dead[i]) == 0;
	if (!is_dead)
		return FALSE;
	/* A temporary code is a choice many servers make for every
	 * refusal (Postfix answers an unknown domain with 450 by
	 * default): it makes the failure soft only when the text says the
	 * question could not be answered now, or when there is no text
	 * (a delay warning whose reason is the notice's guess). */
	if (status == NULL || status[0] != '4')
		return TRUE;
	if (text == NULL || *text == '\0')
		return FALSE;
	ft = cad_text_fold(text, strlen(text));
	return !cad_text_has_any(ft, temporary_words);
}

cad_bounce_rcpt *
cad_rcpt_new(const char *address)
{
	cad_bounce_rcpt *r = g_new0(cad_bounce_rcpt, 1);

	r->address = g_strdup(address);
	return r;
}

void
cad_rcpt_free(gpointer p)
{
	cad_bounce_rcpt *r = p;

	if (r == NULL)
		return;
	g_free(r->address);
	g_free(r->status);
	g_free(r->reason);
	g_free(r->diagnostic);
	g_free(r);
}

gboolean
cad_rcpt_add(GPtrArray *a, cad_bounce_rcpt *r)
{
	gboolean dup = a->len >= CAD_MAIL_MAX_RCPTS;

	for (guint i = 0; !dup && i < a->len; i++) {
		cad_bounce_rcpt *o = g_ptr_array_index(a, i);
		dup = strcmp(o->address, r->address) == 0;
	}
	if (dup) {
		cad_rcpt_free(r);
		return FALSE;
	}
	g_ptr_array_add(a, r);
	return TRUE;
}
