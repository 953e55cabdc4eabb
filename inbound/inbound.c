/*
 * inbound.c: tie an inbound message to an enrollment (tokens in the
 * envelope, our Message-IDs, the sender) and record what it means
 * through core/actions.h: reply, auto-reply, bounce, unsubscribe,
 * complaint or a rep's answer to a task reminder.
 */
#include "inbound/inbound.h"

#include <string.h>

#include <gmime/gmime.h>

#include "common/log.h"
#include "common/util.h"
#include "core/actions.h"
#include "inbound/address.h"
#include "mail/gmime_auto.h"
#include "mail/headers.h"

/* Message-IDs read from In-Reply-To and References: the newest 64 of a
 * thread are plenty, ours are among the last. */
#define CAD_INBOUND_THREAD_IDS_MAX 64

/* Bytes of an In-Reply-To or References value read: all of it (the
 * header block is bounded by CAD_MAIL_MAX_HEADER_BYTES), since the
 * newest Message-IDs, ours among them, are at the end. */
#define THREAD_FIELD_MAX CAD_MAIL_MAX_HEADER_BYTES

/* Longest reply text quoted to a rep in a notice. */
#define CAD_INBOUND_QUOTE_MAX 500

typedef struct {
	cad_match_kind kind;
	guint64 id;
	GArray *token_rcpts; /* guint: rcpts holding a token for id */
} match;

const char *
cad_match_kind_name(cad_match_kind m)
{
	static const char *const names[] = {
	    [CAD_MATCH_NONE] = "none",
	    [CAD_MATCH_VERP] = "verp",
	    [CAD_MATCH_UNSUBSCRIBE] = "unsubscribe",
	    [CAD_MATCH_TASK] = "task",
	    [CAD_MATCH_THREAD] = "thread",
	    [CAD_MATCH_RETURNED] = "returned",
	    [CAD_MATCH_SENDER] = "sender",
	};

	return (guint)m < G_N_ELEMENTS(names) ? names[m] : "none";
}

const char *
cad_outcome_name(cad_outcome o)
{
	static const char *const names[] = {
	    [CAD_OUTCOME_NONE] = "none",
	    [CAD_OUTCOME_REPLIED] = CAD_EV_REPLIED,
	    [CAD_OUTCOME_AUTO_REPLY] = CAD_EV_AUTO_REPLY,
	    [CAD_OUTCOME_HARD_BOUNCE] = CAD_EV_HARD_BOUNCE,
	    [CAD_OUTCOME_SOFT_BOUNCE] = CAD_EV_SOFT_BOUNCE,
	    [CAD_OUTCOME_UNSUBSCRIBED] = CAD_EV_UNSUBSCRIBED,
	    [CAD_OUTCOME_COMPLAINT] = CAD_EV_COMPLAINT,
	    [CAD_OUTCOME_TASK_ANSWER] = "task_answer",
	};

	return (guint)o < G_N_ELEMENTS(names) ? names[o] : "none";
}

void
cad_inbound_result_clear(cad_inbound_result *r)
{
	g_free(r->prospect);
	g_free(r->cadence);
	g_free(r->header);
	if (r->consumed != NULL)
		g_array_unref(r->consumed);
	memset(r, 0, sizeof(*r));
}

static cad_match_kind
token_match_kind(cad_addr_kind a, cad_token_purpose p)
{
	if (a == CAD_ADDR_BOUNCE && p == CAD_TOKEN_VERP)
		return CAD_MATCH_VERP;
	if (a == CAD_ADDR_UNSUBSCRIBE && p == CAD_TOKEN_UNSUBSCRIBE)
		return CAD_MATCH_UNSUBSCRIBE;
	if (a == CAD_ADDR_TASK && p == CAD_TOKEN_TASK)
		return CAD_MATCH_TASK;
	return CAD_MATCH_NONE;
}

/*
 * Resolve one recipient to (kind, enrollment) if it is one of our token
 * addresses holding a known token of the right purpose. An unknown token
 * is not an error: it is someone else's guess or a purged enrollment.
 */
static gboolean
rcpt_token(cad_txn *txn, const cad_conf *conf, const char *rcpt,
           cad_match_kind *kind, guint64 *id, GError **error)
{
	g_autofree char *ext = NULL;
	g_autoptr(GError) err = NULL;
	cad_addr_kind a = cad_address_classify(conf, rcpt, &ext);
	cad_token_purpose p;

	*kind = CAD_MATCH_NONE;
	if (ext == NULL || (a != CAD_ADDR_BOUNCE && a != CAD_ADDR_UNSUBSCRIBE &&
	                    a != CAD_ADDR_TASK))
		return TRUE;
	if (!cad_store_token_get(txn, ext, id, &p, &err)) {
		if (g_error_matches(err, CAD_STORE_ERROR,
		                    CAD_STORE_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&err));
		return FALSE;
	}
	*kind = token_match_kind(a, p);
	return TRUE;
}

/* The token recipients: the best kind wins (VERP, then unsubscribe,
 * then task); every recipient naming that enrollment is consumed. */
static gboolean
match_tokens(cad_txn *txn, const cad_conf *conf, const char *const *rcpts,
             match *m, GError **error)
{
	guint n = 0;
	g_autoptr(GArray) kinds = g_array_new(FALSE, FALSE, sizeof(int));
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint64));

	for (; rcpts != NULL && rcpts[n] != NULL && n < CAD_INBOUND_RCPTS_MAX;
	     n++) {
		cad_match_kind k;
		guint64 id = 0;
		int ki;
		if (!rcpt_token(txn, conf, rcpts[n], &k, &id, error))
			return FALSE;
		ki = (int)k;
		g_array_append_val(kinds, ki);
		g_array_append_val(ids, id);
		if (k != CAD_MATCH_NONE &&
		    (m->kind == CAD_MATCH_NONE || k < m->kind)) {
			m->kind = k;
			m->id = id;
		}
	}
	for (guint i = 0; m->kind != CAD_MATCH_NONE && i < n; i++)
		if (g_array_index(kinds, int, i) != CAD_MATCH_NONE &&
		    g_array_index(ids, guint64, i) == m->id)
			g_array_append_val(m->token_rcpts, i);
	return TRUE;
}

/* Append the Message-IDs of an In-Reply-To or References value. */
static void
thread_ids_add(GPtrArray *ids, const char *value)
{
	GMimeReferences *refs;

	if (value == NULL)
		return;
	refs = g_mime_references_parse(NULL, value);
	if (refs == NULL)
		return;
	/* Newest last in References: walk from the end. */
	for (int i = g_mime_references_length(refs) - 1;
	     i >= 0 && ids->len < CAD_INBOUND_THREAD_IDS_MAX; i--)
		g_ptr_array_add(
		    ids, g_strdup(g_mime_references_get_message_id(refs, i)));
	g_mime_references_free(refs);
}

static GPtrArray *
thread_ids(const char *in_reply_to, const char *references)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	thread_ids_add(ids, in_reply_to);
	thread_ids_add(ids, references);
	return ids;
}

/* The first id in ids that is one of ours; FALSE with error on failure. */
static gboolean
match_ids(cad_txn *txn, GPtrArray *ids, guint64 *id, gboolean *found,
          GError **error)
{
	*found = FALSE;
	for (guint i = 0; ids != NULL && i < ids->len; i++) {
		g_autoptr(GError) err = NULL;
		guint32 step;
		if (cad_store_msgid_get(txn, g_ptr_array_index(ids, i), id,
		                        &step, &err)) {
			*found = TRUE;
			return TRUE;
		}
		if (!g_error_matches(err, CAD_STORE_ERROR,
		                     CAD_STORE_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&err));
			return FALSE;
		}
	}
	return TRUE;
}

/* A live enrollment of the sender; found FALSE when there is none. */
static gboolean
match_sender(cad_txn *txn, const char *from, guint64 *id, gboolean *found,
             GError **error)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_enrollment) e = NULL;

	*found = FALSE;
	if (from == NULL || *from == '\0')
		return TRUE;
	e = cad_store_enrollment_live(txn, from, &err);
	if (err != NULL) {
		g_propagate_error(error, g_steal_pointer(&err));
		return FALSE;
	}
	if (e != NULL) {
		*id = e->id;
		*found = TRUE;
	}
	return TRUE;
}

/*
 * Match in DESIGN.md's order. Message-IDs from the classifier that are
 * not in In-Reply-To/References come from a returned message. Senders in
 * rep_domains are matched by token or thread only (task answers).
 */
static gboolean
match_message(cad_txn *txn, const cad_conf *conf, const char *const *rcpts,
              GPtrArray *thread, GPtrArray *all_ids, const char *from,
              gboolean from_rep, match *m, GError **error)
{
	gboolean found;

	if (!match_tokens(txn, conf, rcpts, m, error))
		return FALSE;
	if (m->kind != CAD_MATCH_NONE)
		return TRUE;
	if (!match_ids(txn, thread, &m->id, &found, error))
		return FALSE;
	if (found) {
		m->kind = CAD_MATCH_THREAD;
		return TRUE;
	}
	if (from_rep)
		return TRUE;
	if (!match_ids(txn, all_ids, &m->id, &found, error))
		return FALSE;
	if (found) {
		m->kind = CAD_MATCH_RETURNED;
		return TRUE;
	}
	if (!match_sender(txn, from, &m->id, &found, error))
		return FALSE;
	if (found)
		m->kind = CAD_MATCH_SENDER;
	return TRUE;
}

/*
 * A new message (not an answer, so the classifier says "other") from a
 * live prospect's own address is a person writing back, unless it is
 * list mail (mail/headers.h's one definition) or a report (read receipts
 * are multipart/report).
 */
static gboolean
looks_personal(const cad_headers *h)
{
	/* The media type is all that is read of Content-Type. */
	g_autofree char *ct = cad_header_get(h, "Content-Type", 64);

	if (ct != NULL && g_ascii_strncasecmp(ct, "multipart/report", 16) == 0)
		return FALSE;
	return !cad_list_mail(h);
}

/* What the message means for enrollment e, given how it matched. */
static cad_outcome
decide(cad_match_kind m, cad_kind k, gboolean from_rep, const char *from,
       const cad_enrollment *e, gboolean personal)
{
	if (m == CAD_MATCH_TASK)
		return from_rep ? CAD_OUTCOME_TASK_ANSWER : CAD_OUTCOME_NONE;
	if (from_rep) {
		/* A rep answering the reminder in its thread. */
		gboolean own =
		    from != NULL && g_ascii_strcasecmp(from, e->rep) == 0;
		return m == CAD_MATCH_THREAD && own &&
		               e->state == CAD_STATE_WAITING
		           ? CAD_OUTCOME_TASK_ANSWER
		           : CAD_OUTCOME_NONE;
	}
	switch (k) {
	case CAD_KIND_HARD_BOUNCE:
		return CAD_OUTCOME_HARD_BOUNCE;
	case CAD_KIND_SOFT_BOUNCE:
		return CAD_OUTCOME_SOFT_BOUNCE;
	case CAD_KIND_AUTO_REPLY:
		return CAD_OUTCOME_AUTO_REPLY;
	case CAD_KIND_FEEDBACK_REPORT:
		return CAD_OUTCOME_COMPLAINT;
	case CAD_KIND_UNSUBSCRIBE:
		return CAD_OUTCOME_UNSUBSCRIBED;
	case CAD_KIND_HUMAN_REPLY:
		/* Any words sent to the unsubscribe address ask for it. */
		return m == CAD_MATCH_UNSUBSCRIBE ? CAD_OUTCOME_UNSUBSCRIBED
		                                  : CAD_OUTCOME_REPLIED;
	case CAD_KIND_OTHER:
		break;
	}
	if (m == CAD_MATCH_UNSUBSCRIBE)
		return CAD_OUTCOME_UNSUBSCRIBED;
	if (m == CAD_MATCH_SENDER && personal)
		return CAD_OUTCOME_REPLIED;
	return CAD_OUTCOME_NONE;
}

/* The end of an auto-reply pause: its return date, if in the future. */
static gint64
pause_until(const cad_classification *c, gint64 now)
{
	gint64 t;

	if (c->return_date == NULL || !cad_parse_time(c->return_date, &t, NULL))
		return 0;
	return t > now ? t : 0;
}

static gboolean
record_task_answer(cad_store *store, const cad_conf *conf,
                   const cad_enrollment *e, const cad_classification *c,
                   const char *who, gint64 now, gboolean *recorded,
                   GError **error)
{
	const char *word = cad_reply_answer(c->reply_text);
	cad_answer a;

	*recorded = FALSE;
	if (cad_state_is_final(e->state))
		return TRUE; /* an answer to a finished enrollment: nothing to
		                do */
	if (word == NULL || !cad_answer_parse(word, &a))
		return TRUE; /* no answer word: an ordinary mail to the rep */
	if (!cad_act_task_answer(store, conf, e->id, a, who, now, error))
		return FALSE;
	*recorded = TRUE;
	return TRUE;
}

/* Record outcome o for e; *recorded FALSE when nothing was to be done. */
static gboolean
record(cad_store *store, const cad_conf *conf, cad_outcome o, cad_match_kind m,
       const cad_enrollment *e, const cad_classification *c, const char *who,
       gint64 now, gboolean *recorded, GError **error)
{
	g_autofree char *detail =
	    g_strdup_printf("%s via %s from %s", cad_kind_name(c->kind),
	                    cad_match_kind_name(m), who != NULL ? who : "<>");
	g_autofree char *bdetail = g_strdup_printf(
	    "%s %s via %s", c->status != NULL ? c->status : "-",
	    c->reason != NULL ? c->reason : cad_kind_name(c->kind),
	    cad_match_kind_name(m));

	*recorded = TRUE;
	switch (o) {
	case CAD_OUTCOME_REPLIED:
		return cad_act_reply(store, conf, e->id, detail, now, error);
	case CAD_OUTCOME_AUTO_REPLY:
		return cad_act_auto_reply(store, conf, e->id,
		                          pause_until(c, now), detail, now,
		                          error);
	case CAD_OUTCOME_HARD_BOUNCE:
	case CAD_OUTCOME_SOFT_BOUNCE:
		return cad_act_bounce(store, conf, e->id, e->address,
		                      o == CAD_OUTCOME_HARD_BOUNCE, bdetail,
		                      now, error);
	case CAD_OUTCOME_UNSUBSCRIBED:
	case CAD_OUTCOME_COMPLAINT:
		return cad_act_unsubscribe(store, conf, e->id,
		                           o == CAD_OUTCOME_COMPLAINT, detail,
		                           now, error);
	case CAD_OUTCOME_TASK_ANSWER:
		return record_task_answer(store, conf, e, c, who, now, recorded,
		                          error);
	case CAD_OUTCOME_NONE:
		break;
	}
	*recorded = FALSE;
	return TRUE;
}

/* Tell the rep that a prospect unsubscribed or complained. */
static void
notify_rep(cad_store *store, const cad_enrollment *e, cad_outcome o,
           guint32 step, const cad_classification *c, gint64 now)
{
	g_autofree char *quote =
	    cad_printable(c->reply_text, -1, CAD_INBOUND_QUOTE_MAX);
	g_autofree char *subject = g_strdup_printf(
	    "cadence: %s %s", e->address,
	    o == CAD_OUTCOME_COMPLAINT ? "reported your mail as spam"
	                               : "unsubscribed");
	g_autofree char *body = g_strdup_printf(
	    "%s %s (cadence \"%s\", after step %u).\n"
	    "The enrollment is stopped and the address is on the "
	    "suppression list: no cadence will write to it again.\n%s%s%s",
	    e->address,
	    o == CAD_OUTCOME_COMPLAINT
	        ? "reported a message of your cadence as spam to their "
	          "mail provider"
	        : "asked not to be contacted again",
	    e->cadence, step, *quote != '\0' ? "\nTheir words:\n\n" : "", quote,
	    *quote != '\0' ? "\n" : "");
	cad_notice_req n = {e->rep, subject, body, e->id};
	g_autoptr(GError) err = NULL;

	if (!cad_notice_queue(store, &n, now, &err))
		log_warnx("notice to %s for enrollment %" G_GUINT64_FORMAT
		          ": %s",
		          e->rep, e->id, err->message);
}

/* Bounces come from these local parts even when the sender is not <>. */
static gboolean
is_daemon(const char *addr)
{
	return addr != NULL &&
	       (g_ascii_strncasecmp(addr, "mailer-daemon@", 14) == 0 ||
	        g_ascii_strncasecmp(addr, "postmaster@", 11) == 0);
}

/* The sender for matching and events: From, else the envelope sender. */
static char *
sender_of(const cad_classification *c, const char *envelope_from)
{
	if (c->from != NULL && *c->from != '\0')
		return g_strdup(c->from);
	return cad_address_normalize(envelope_from);
}

/* The newest enrollment of address, live or not; NULL when none. */
static cad_enrollment *
newest_enrollment(cad_txn *txn, const char *address, GError **error)
{
	g_autoptr(GArray) ids = cad_store_enrollments_of(txn, address, error);
	guint64 newest = 0;

	for (guint i = 0; ids != NULL && i < ids->len; i++)
		newest = MAX(newest, g_array_index(ids, guint64, i));
	return newest != 0 ? cad_store_enrollment_get(txn, newest, error)
	                   : NULL;
}

/*
 * One rep's message can enroll several prospects, so its Message-ID
 * names one of their enrollments only. When the message comes from (or,
 * for a bounce or report, is about) another prospect with a live
 * enrollment (else any enrollment), that enrollment is the one meant;
 * a colleague of the prospect answering keeps the one matched.
 */
static gboolean
refine(cad_txn *txn, const cad_classification *c, const char *from, match *m,
       cad_enrollment **e, GError **error)
{
	const char *who = from;
	g_autoptr(GError) err = NULL;
	cad_enrollment *other;

	if (c->recipients != NULL && c->recipients->len > 0)
		who = ((cad_bounce_rcpt *)g_ptr_array_index(c->recipients, 0))
		          ->address;
	if (who == NULL || g_ascii_strcasecmp(who, (*e)->address) == 0)
		return TRUE;
	other = cad_store_enrollment_live(txn, who, &err);
	if (other == NULL && err == NULL)
		other = newest_enrollment(txn, who, &err);
	if (err != NULL) {
		g_propagate_error(error, g_steal_pointer(&err));
		return FALSE;
	}
	if (other != NULL) {
		cad_enrollment_free(*e);
		*e = other;
		m->id = other->id;
	}
	return TRUE;
}

/* Find the enrollment of the message; *e NULL when there is none. */
static gboolean
find_enrollment(cad_store *store, const cad_conf *conf,
                const char *const *rcpts, const cad_headers *h,
                const cad_classification *c, const char *from,
                gboolean from_rep, match *m, cad_enrollment **e, GError **error)
{
	g_autofree char *irt =
	    cad_header_get(h, "In-Reply-To", THREAD_FIELD_MAX);
	g_autofree char *refs =
	    cad_header_get(h, "References", THREAD_FIELD_MAX);
	g_autoptr(GPtrArray) thread = thread_ids(irt, refs);
	g_autoptr(cad_txn) txn = cad_store_read_begin(store, error);
	g_autoptr(GError) err = NULL;

	*e = NULL;
	if (txn == NULL)
		return FALSE;
	if (!match_message(txn, conf, rcpts, thread, c->message_ids, from,
	                   from_rep, m, error))
		return FALSE;
	if (m->kind == CAD_MATCH_NONE)
		return TRUE;
	*e = cad_store_enrollment_get(txn, m->id, &err);
	if (*e == NULL &&
	    !g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND)) {
		g_propagate_error(error, g_steal_pointer(&err));
		return FALSE;
	}
	if (*e == NULL) {
		m->kind = CAD_MATCH_NONE; /* a token or id left by a purge */
		return TRUE;
	}
	if (m->kind == CAD_MATCH_THREAD || m->kind == CAD_MATCH_RETURNED)
		return refine(txn, c, from, m, e, error);
	return TRUE;
}

static void
result_fill(cad_inbound_result *out, const cad_conf *conf, const match *m,
            const cad_enrollment *e)
{
	out->match = m->kind;
	out->enrollment = e->id;
	out->prospect = g_strdup(e->address);
	out->cadence = g_strdup(e->cadence);
	out->step = cad_last_step_number(conf, e);
}

gboolean
cad_inbound_process(cad_store *store, const cad_conf *conf,
                    const char *envelope_from, const char *const *rcpts,
                    const char *data, gsize len, gint64 now,
                    cad_inbound_result *out, GError **error)
{
	g_autoptr(cad_enrollment) e = NULL;
	cad_classification *c;
	g_autofree char *from = NULL;
	match m = {.token_rcpts = g_array_new(FALSE, FALSE, sizeof(guint))};
	g_auto(cad_headers) h = {0};
	gsize body;
	gboolean from_rep, recorded = FALSE, ok;

	memset(out, 0, sizeof(*out));
	out->consumed = g_array_new(FALSE, FALSE, sizeof(guint));
	c = cad_classify(data, len, now);
	out->kind = c->kind;
	from = sender_of(c, envelope_from);
	/* The relay's own bounces come from MAILER-DAEMON@ a rep domain. */
	from_rep =
	    from != NULL && !is_daemon(from) && cad_conf_is_rep(conf, from);
	cad_headers_parse(&h, data, len, &body);
	ok = find_enrollment(store, conf, rcpts, &h, c, from, from_rep, &m, &e,
	                     error);
	if (ok && e != NULL) {
		cad_outcome o =
		    decide(m.kind, c->kind, from_rep, from, e,
		           m.kind == CAD_MATCH_SENDER && looks_personal(&h));
		result_fill(out, conf, &m, e);
		ok = record(store, conf, o, m.kind, e, c, from, now, &recorded,
		            error);
		if (ok && recorded) {
			out->outcome = o;
			g_array_append_vals(out->consumed, m.token_rcpts->data,
			                    m.token_rcpts->len);
			out->header = g_strdup_printf(
			    "%s %s step %u id %" G_GUINT64_FORMAT,
			    cad_outcome_name(o), e->cadence, out->step, e->id);
			if (o == CAD_OUTCOME_UNSUBSCRIBED ||
			    o == CAD_OUTCOME_COMPLAINT)
				notify_rep(store, e, o, out->step, c, now);
		}
	}
	g_array_unref(m.token_rcpts);
	cad_classification_free(c);
	return ok;
}

char *
cad_inbound_describe(const cad_inbound_result *r)
{
	if (r->enrollment == 0)
		return g_strdup_printf("kind=%s match=none",
		                       cad_kind_name(r->kind));
	return g_strdup_printf("enrollment=%" G_GUINT64_FORMAT
	                       " prospect=%s cadence=%s step=%u match=%s "
	                       "kind=%s outcome=%s consumed=%u",
	                       r->enrollment, r->prospect, r->cadence, r->step,
	                       cad_match_kind_name(r->match),
	                       cad_kind_name(r->kind),
	                       cad_outcome_name(r->outcome), r->consumed->len);
}

/* The bare address of a raw From value, or NULL. */
static char *
from_address(const char *raw)
{
	g_autoptr(InternetAddressList) list = NULL;
	InternetAddress *ia;

	if (raw == NULL)
		return NULL;
	list = internet_address_list_parse(NULL, raw);
	if (list == NULL || internet_address_list_length(list) < 1)
		return NULL;
	ia = internet_address_list_get_address(list, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return NULL;
	return cad_address_normalize(
	    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
}

static gboolean
has_token_rcpt(const cad_conf *conf, const char *const *rcpts)
{
	for (guint i = 0;
	     rcpts != NULL && rcpts[i] != NULL && i < CAD_INBOUND_RCPTS_MAX;
	     i++) {
		g_autofree char *ext = NULL;
		cad_addr_kind k = cad_address_classify(conf, rcpts[i], &ext);
		if (ext != NULL &&
		    (k == CAD_ADDR_BOUNCE || k == CAD_ADDR_UNSUBSCRIBE ||
		     k == CAD_ADDR_TASK))
			return TRUE;
	}
	return FALSE;
}

gboolean
cad_inbound_wanted(cad_store *store, const cad_conf *conf,
                   const char *envelope_from, const char *const *rcpts,
                   const char *from, const char *in_reply_to,
                   const char *references, gboolean *wanted, GError **error)
{
	g_autofree char *sender = cad_address_normalize(envelope_from);
	g_autofree char *faddr = from_address(from);
	g_autoptr(GPtrArray) thread = NULL;
	g_autoptr(cad_txn) txn = NULL;
	guint64 id;
	gboolean found;

	*wanted = TRUE;
	if (sender == NULL || is_daemon(sender) || is_daemon(faddr) ||
	    has_token_rcpt(conf, rcpts))
		return TRUE;
	thread = thread_ids(in_reply_to, references);
	txn = cad_store_read_begin(store, error);
	if (txn == NULL)
		return FALSE;
	if (!match_ids(txn, thread, &id, &found, error))
		return FALSE;
	if (found)
		return TRUE;
	if (faddr == NULL)
		faddr = g_strdup(sender);
	if (cad_conf_is_rep(conf, faddr)) {
		*wanted = FALSE;
		return TRUE;
	}
	if (!match_sender(txn, faddr, &id, &found, error))
		return FALSE;
	*wanted = found;
	return TRUE;
}
