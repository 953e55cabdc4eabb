/*
 * enroll.c: turn a rep's BCC to the cadence address into enrollments,
 * and tell the rep by notice about every prospect that was refused.
 */
#include "inbound/enroll.h"

#include <string.h>

#include <gmime/gmime.h>

#include "common/log.h"
#include "common/util.h"
#include "core/actions.h"
#include "inbound/address.h"
#include "inbound/names.h"
#include "mail/gmime_auto.h"
#include "mail/headers.h"

/* Bytes of a Message-ID field read: RFC 5322 lines are at most 998. */
#define CAD_ENROLL_MSGID_MAX 998

/* Longest subject quoted back to the rep in a notice. */
#define CAD_NOTICE_SUBJECT_QUOTE_MAX 120

void
cad_enroll_plan_free(cad_enroll_plan *plan)
{
	if (plan == NULL)
		return;
	g_free(plan->cadence);
	g_free(plan->rep);
	g_free(plan->root_msgid);
	g_free(plan->subject);
	if (plan->prospects != NULL)
		g_ptr_array_unref(plan->prospects);
	g_free(plan);
}

/* Fill p's name and company from a To/Cc mailbox. */
static void
prospect_fields(cad_prospect *p, const char *display)
{
	char *first = NULL, *last = NULL;

	if (cad_name_split(display, &first, &last)) {
		p->first_name = first;
		p->last_name = last;
	}
	p->company = cad_company_from_domain(cad_address_domain(p->address));
}

static gboolean
plan_has(const cad_enroll_plan *plan, const char *addr)
{
	for (guint i = 0; i < plan->prospects->len; i++) {
		const cad_prospect *p = g_ptr_array_index(plan->prospects, i);
		if (strcmp(p->address, addr) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Consider one mailbox of To or Cc as a prospect. */
static void
plan_add(cad_enroll_plan *plan, const cad_conf *conf, InternetAddress *ia)
{
	const char *raw =
	    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	g_autofree char *addr = cad_address_normalize(raw);
	cad_prospect *p;

	if (addr == NULL || plan_has(plan, addr))
		return;
	if (cad_address_classify(conf, addr, NULL) != CAD_ADDR_OTHER)
		return; /* the cadence, bounce, ... addresses themselves */
	if (cad_conf_is_rep(conf, addr) || strcmp(addr, plan->rep) == 0) {
		plan->colleagues++;
		return;
	}
	if (plan->prospects->len >= CAD_ENROLL_PROSPECTS_MAX) {
		plan->over_limit++;
		return;
	}
	p = cad_prospect_new(addr);
	prospect_fields(p, internet_address_get_name(ia));
	g_ptr_array_add(plan->prospects, p);
}

/* Walk a To or Cc list, groups included, reading at most *budget. */
static void
plan_add_list(cad_enroll_plan *plan, const cad_conf *conf,
              InternetAddressList *list, int *budget)
{
	int n = list != NULL ? internet_address_list_length(list) : 0;

	for (int i = 0; i<n && * budget> 0; i++) {
		InternetAddress *ia =
		    internet_address_list_get_address(list, i);
		(*budget)--;
		if (INTERNET_ADDRESS_IS_GROUP(ia))
			plan_add_list(plan, conf,
			              internet_address_group_get_members(
			                  INTERNET_ADDRESS_GROUP(ia)),
			              budget);
		else if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			plan_add(plan, conf, ia);
	}
}

/*
 * Every To (or Cc) field, in order, through GMime's address parser, which
 * knows groups, quoted display names and RFC 2047 words: an address
 * parser, not a second header reader.
 */
static void
plan_add_field(cad_enroll_plan *plan, const cad_conf *conf,
               const cad_headers *h, const char *name, int *budget)
{
	guint i = 0;
	gsize vlen;
	const char *raw;

	while (*budget > 0 && (raw = cad_header_next(h, name, &i, &vlen))) {
		g_autofree char *v =
		    cad_header_unfold(raw, vlen, CAD_MAIL_MAX_HEADER_BYTES);
		g_autoptr(InternetAddressList) list =
		    internet_address_list_parse(NULL, v);
		plan_add_list(plan, conf, list, budget);
	}
}

cad_enroll_plan *
cad_enroll_plan_new(const cad_conf *conf, const char *cadence, const char *rep,
                    const char *data, gsize len, GError **error)
{
	g_autoptr(cad_enroll_plan) plan = g_new0(cad_enroll_plan, 1);
	g_auto(cad_headers) h = {0};
	g_autofree char *id = NULL;
	gsize body;
	int budget = CAD_ENROLL_ADDRESSES_MAX;

	plan->rep = cad_address_normalize(rep);
	if (plan->rep == NULL) {
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "sender is not an address");
		return NULL;
	}
	plan->cadence = g_strdup(cadence != NULL && *cadence != '\0'
	                             ? cadence
	                             : conf->default_cadence);
	plan->prospects =
	    g_ptr_array_new_with_free_func((GDestroyNotify)cad_prospect_free);
	cad_headers_parse(&h, data, len, &body);
	if (h.fields->len == 0) {
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "message headers do not parse");
		return NULL;
	}
	id = cad_header_get(&h, "Message-ID", CAD_ENROLL_MSGID_MAX);
	plan->root_msgid = cad_msgid_strip(id);
	plan->subject = cad_header_decoded(&h, "Subject");
	plan_add_field(plan, conf, &h, "To", &budget);
	plan_add_field(plan, conf, &h, "Cc", &budget);
	return g_steal_pointer(&plan);
}

const char *
cad_enroll_status_describe(cad_enroll_status s)
{
	switch (s) {
	case CAD_ENROLL_OK:
		return "enrolled";
	case CAD_ENROLL_SUPPRESSED:
		return "on the suppression list (bounced, unsubscribed or "
		       "blocked)";
	case CAD_ENROLL_ACTIVE:
		return "already active in a cadence";
	case CAD_ENROLL_UNKNOWN_CADENCE:
		return "no such cadence";
	case CAD_ENROLL_UNTRUSTED:
		return "sender may not enroll";
	case CAD_ENROLL_OVER_LIMIT:
		return "too many recipients in one message";
	case CAD_ENROLL_FAILED:
		return "internal error, see the mail log";
	}
	return "unknown";
}

static void
outcome_clear(gpointer data)
{
	cad_enroll_outcome *o = data;

	g_free(o->address);
}

void
cad_enroll_result_free(cad_enroll_result *r)
{
	if (r == NULL)
		return;
	g_array_unref(r->outcomes);
	g_free(r);
}

/* The notice to the rep listing the prospects that were not enrolled. */
static char *
notice_body(const cad_enroll_plan *plan, const cad_enroll_result *r)
{
	GString *b = g_string_new(NULL);
	g_autofree char *subj =
	    cad_printable(plan->subject, -1, CAD_NOTICE_SUBJECT_QUOTE_MAX);

	g_string_append_printf(
	    b, "Your message \"%s\" asked for cadence \"%s\".\n\n", subj,
	    plan->cadence);
	for (guint i = 0; i < r->outcomes->len; i++) {
		const cad_enroll_outcome *o =
		    &g_array_index(r->outcomes, cad_enroll_outcome, i);
		g_string_append_printf(b, "%s: %s\n", o->address,
		                       cad_enroll_status_describe(o->status));
	}
	if (plan->over_limit > 0)
		g_string_append_printf(
		    b,
		    "%u more recipients: not enrolled, at most %d per "
		    "message.\n",
		    plan->over_limit, CAD_ENROLL_PROSPECTS_MAX);
	g_string_append(b, "\nYour message itself was delivered as usual.\n");
	return g_string_free(b, FALSE);
}

static cad_enroll_status
enroll_one(cad_store *store, const cad_conf *conf, const cad_enroll_plan *plan,
           const cad_prospect *p, const char *tag, gint64 now, guint64 *id)
{
	cad_enroll_req req = {
	    .cadence = plan->cadence,
	    .rep = plan->rep,
	    .root_msgid = plan->root_msgid,
	    .subject = plan->subject,
	};
	g_autoptr(GError) err = NULL;

	if (cad_enroll(store, conf, p, &req, now, TRUE, id, &err)) {
		log_info("%s: enrolled prospect=%s cadence=%s rep=%s "
		         "id=%" G_GUINT64_FORMAT,
		         tag, p->address, plan->cadence, plan->rep, *id);
		return CAD_ENROLL_OK;
	}
	if (g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_SUPPRESSED) ||
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_ACTIVE)) {
		cad_enroll_status s = err->code == CAD_STORE_ERROR_SUPPRESSED
		                          ? CAD_ENROLL_SUPPRESSED
		                          : CAD_ENROLL_ACTIVE;
		log_info("%s: refused prospect=%s cadence=%s rep=%s: %s", tag,
		         p->address, plan->cadence, plan->rep,
		         cad_enroll_status_describe(s));
		return s;
	}
	if (g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND))
		return CAD_ENROLL_UNKNOWN_CADENCE;
	/* A store fault: the mail goes on, the request is not lost in
	 * silence (the rep's notice names it, the log says why). */
	log_warnx("%s: enroll prospect=%s cadence=%s rep=%s failed, not "
	          "enrolled: %s",
	          tag, p->address, plan->cadence, plan->rep, err->message);
	return CAD_ENROLL_FAILED;
}

/* Record a refused event for an unknown cadence (cad_enroll does not). */
static void
refuse_unknown(cad_store *store, const cad_enroll_plan *plan, const char *tag,
               gint64 now)
{
	g_autoptr(GError) err = NULL;

	log_info("%s: refused cadence=%s rep=%s: no such cadence", tag,
	         plan->cadence, plan->rep);
	if (!cad_refusal_record(store, NULL, plan->cadence, plan->rep,
	                        "no such cadence", NULL, now, &err))
		log_warnx("%s: record refusal: %s", tag, err->message);
}

static void
notify_rep(cad_store *store, const cad_enroll_plan *plan, cad_enroll_result *r,
           const char *tag, gint64 now)
{
	g_autofree char *body = notice_body(plan, r);
	g_autofree char *subject = g_strdup_printf(
	    "cadence: %u of %u prospects not enrolled in \"%s\"",
	    r->refused + r->failed + plan->over_limit,
	    r->outcomes->len + plan->over_limit, plan->cadence);
	cad_notice_req n = {plan->rep, subject, body, 0};
	g_autoptr(GError) err = NULL;

	if (cad_notice_queue(store, &n, now, &err))
		r->noticed = TRUE;
	else
		log_warnx("%s: queue notice to %s: %s", tag, plan->rep,
		          err->message);
}

cad_enroll_result *
cad_enroll_run(cad_store *store, const cad_conf *conf,
               const cad_enroll_plan *plan, const char *tag, gint64 now)
{
	cad_enroll_result *r = g_new0(cad_enroll_result, 1);
	gboolean known = cad_conf_cadence(conf, plan->cadence) != NULL;

	r->outcomes = g_array_new(FALSE, TRUE, sizeof(cad_enroll_outcome));
	g_array_set_clear_func(r->outcomes, outcome_clear);
	if (tag == NULL)
		tag = "-";
	if (!known && plan->prospects->len > 0)
		refuse_unknown(store, plan, tag, now);
	for (guint i = 0; i < plan->prospects->len; i++) {
		const cad_prospect *p = g_ptr_array_index(plan->prospects, i);
		cad_enroll_outcome o = {.address = g_strdup(p->address)};
		o.status =
		    known ? enroll_one(store, conf, plan, p, tag, now, &o.id)
		          : CAD_ENROLL_UNKNOWN_CADENCE;
		if (o.status == CAD_ENROLL_OK)
			r->enrolled++;
		else if (o.status == CAD_ENROLL_FAILED)
			r->failed++;
		else
			r->refused++;
		g_array_append_val(r->outcomes, o);
	}
	if (plan->prospects->len == 0)
		log_info("%s: cadence=%s rep=%s: no prospect in To or Cc", tag,
		         plan->cadence, plan->rep);
	if (r->refused + r->failed > 0 || plan->over_limit > 0)
		notify_rep(store, plan, r, tag, now);
	return r;
}

gboolean
cad_enroll_refuse_untrusted(cad_store *store, const cad_conf *conf,
                            const char *sender, const char *cadence,
                            cad_trust why, const char *tag, gint64 now)
{
	g_autofree char *who = cad_address_normalize(sender);
	const char *name = cadence != NULL ? cadence : conf->default_cadence;
	g_autofree char *body = NULL;
	cad_notice_req n = {0};
	g_autoptr(GError) err = NULL;

	log_info("%s: refused cadence=%s sender=%s: %s",
	         tag != NULL ? tag : "-", name, who != NULL ? who : "<>",
	         cad_trust_describe(why));
	if (who != NULL && cad_conf_is_rep(conf, who)) {
		body = g_strdup_printf(
		    "Your message to the cadence address enrolled nobody: it "
		    "was sent without logging in to the mail server (SMTP "
		    "AUTH) and not from the office network.\n\n"
		    "Send it again from your usual mail account to enroll "
		    "the prospects in \"%s\".\n",
		    name);
		n.rep = who;
		n.subject = "cadence: nobody enrolled (not logged in)";
		n.body = body;
	}
	if (!cad_refusal_record(store, NULL, name, who != NULL ? who : "<>",
	                        cad_trust_describe(why),
	                        n.rep != NULL ? &n : NULL, now, &err)) {
		log_warnx("%s: record refusal: %s", tag != NULL ? tag : "-",
		          err->message);
		return FALSE;
	}
	return TRUE;
}
