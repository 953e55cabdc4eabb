/*
 * compose.c: outbound mail with GMime. Headers go through GMime's API (it
 * folds and RFC 2047-encodes), bodies through text parts that are encoded
 * for a 7-bit path before writing, and the result is written with CRLF,
 * which libesmtp requires.
 */
#include "mail/compose.h"

#include <string.h>

#include "common/util.h"
#include "mail/gmime_auto.h"

/* Headers the composer owns: a template's copy is ignored, so a template
 * can neither forge the envelope view nor break threading. */
static const char *const owned_headers[] = {"From",
                                            "To",
                                            "Cc",
                                            "Bcc",
                                            "Date",
                                            "Message-ID",
                                            "In-Reply-To",
                                            "References",
                                            "Sender",
                                            "Return-Path",
                                            "List-Unsubscribe",
                                            "List-Unsubscribe-Post",
                                            "MIME-Version",
                                            "Content-Type",
                                            "Content-Transfer-Encoding",
                                            "Content-Disposition",
                                            "Received",
                                            "Resent-From",
                                            "Resent-To",
                                            "Resent-Date",
                                            "Resent-Message-ID",
                                            "Resent-Sender"};

char *
cad_compose_msgid(const cad_conf *conf)
{
	const char *host = conf->hostname != NULL && *conf->hostname != '\0'
	                       ? conf->hostname
	                       : "localhost.localdomain";

	/* Never NULL: GMime would ask DNS for our name (REFERENCE §3). */
	return g_mime_utils_generate_message_id(host);
}

char *
cad_compose_tagged(const char *address, const char *delim, const char *token)
{
	const char *at;

	if (address == NULL || (at = strrchr(address, '@')) == NULL)
		return NULL;
	if (token == NULL || *token == '\0')
		return g_strdup(address);
	return g_strdup_printf("%.*s%s%s%s", (int)(at - address), address,
	                       delim != NULL && *delim != '\0' ? delim : "+",
	                       token, at);
}

char *
cad_compose_subject(const char *own, const char *thread_subject)
{
	const char *ts = thread_subject != NULL ? thread_subject : "";

	if (own != NULL) {
		g_autofree char *c = cad_header_value_clean(own);
		if (*c != '\0')
			return g_steal_pointer(&c);
	}
	while (*ts == ' ' || *ts == '\t')
		ts++;
	if (g_ascii_strncasecmp(ts, "Re:", 3) == 0)
		return cad_header_value_clean(ts);
	{
		g_autofree char *c = cad_header_value_clean(ts);
		return g_strconcat("Re: ", c, NULL);
	}
}

const char *
cad_compose_field(const char *name, void *arg)
{
	const cad_compose_in *in = arg;

	if (strcmp(name, "rep_name") == 0)
		return in->rep != NULL ? in->rep->name : NULL;
	if (strcmp(name, "rep_signature") == 0)
		return in->rep != NULL ? in->rep->signature : NULL;
	if (strcmp(name, "rep_email") == 0)
		return in->e->rep;
	return cad_prospect_field(in->p, name);
}

cad_field_kind
cad_compose_field_kind(const char *name)
{
	/* As cad_compose_field() and cad_prospect_field() fill them. */
	static const char *const prospect[] = {"first_name", "last_name",
	                                       "company", "title", "timezone"};

	if (strcmp(name, "rep_name") == 0 || strcmp(name, "rep_signature") == 0)
		return CAD_FIELD_REP;
	if (strcmp(name, "rep_email") == 0 || strcmp(name, "email") == 0 ||
	    strcmp(name, "address") == 0)
		return CAD_FIELD_ALWAYS;
	for (gsize i = 0; i < G_N_ELEMENTS(prospect); i++)
		if (strcmp(name, prospect[i]) == 0)
			return CAD_FIELD_PROSPECT;
	return CAD_FIELD_FREE;
}

/* display_name - "First Last" of the prospect, or NULL. Caller frees. */
static char *
display_name(const cad_prospect *p)
{
	const char *f = cad_prospect_field(p, "first_name");
	const char *l = cad_prospect_field(p, "last_name");
	g_autofree char *joined = NULL;

	if (f == NULL && l == NULL)
		return NULL;
	joined = g_strjoin(" ", f != NULL ? f : "", l != NULL ? l : "", NULL);
	return cad_header_value_clean(joined);
}

static gboolean
is_owned(const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(owned_headers); i++)
		if (g_ascii_strcasecmp(name, owned_headers[i]) == 0)
			return TRUE;
	return FALSE;
}

/* to_wire - encode for 7 bit and write with CRLF. */
static GBytes *
to_wire(GMimeMessage *m)
{
	g_autoptr(GMimeFormatOptions) fo = g_mime_format_options_clone(NULL);
	g_autoptr(GMimeStream) ms = g_mime_stream_mem_new();
	GByteArray *ba;

	g_mime_object_encode((GMimeObject *)m, GMIME_ENCODING_CONSTRAINT_7BIT);
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	g_mime_object_write_to_stream((GMimeObject *)m, fo, ms);
	g_mime_stream_flush(ms);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
	return g_bytes_new(ba->data, ba->len);
}

static GMimeTextPart *
text_part(const char *subtype, const char *text)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_text(tp, text);
	return tp;
}

/* set_body - text alone, or multipart/alternative text + html. */
static void
set_body(GMimeMessage *m, const char *text, const char *html)
{
	g_autoptr(GMimeTextPart) tp = text_part("plain", text);

	if (html == NULL) {
		g_mime_message_set_mime_part(m, (GMimeObject *)tp);
		return;
	}
	g_autoptr(GMimeMultipart) alt =
	    g_mime_multipart_new_with_subtype("alternative");
	g_autoptr(GMimeTextPart) hp = text_part("html", html);
	g_mime_multipart_add(alt, (GMimeObject *)tp);
	g_mime_multipart_add(alt, (GMimeObject *)hp);
	g_mime_message_set_mime_part(m, (GMimeObject *)alt);
}

static void
set_date(GMimeMessage *m, gint64 now)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(now);

	g_mime_message_set_date(m, dt);
}

/* set_threading - In-Reply-To the last id of refs, References all. */
static void
set_threading(GMimeMessage *m, const char *refs)
{
	g_autofree char *clean = NULL;
	const char *last;

	if (refs == NULL)
		return;
	clean = cad_header_value_clean(refs);
	last = strrchr(clean, '<');
	if (last == NULL)
		return;
	g_mime_object_set_header((GMimeObject *)m, "In-Reply-To", last, NULL);
	g_mime_object_set_header((GMimeObject *)m, "References", clean, NULL);
}

static void
set_unsubscribe(GMimeMessage *m, const cad_compose_in *in)
{
	const cad_conf *conf = in->conf;
	g_autofree char *mailto = NULL, *url = NULL, *value = NULL;

	if (conf->unsubscribe_address == NULL || in->e->unsub_token == NULL)
		return;
	mailto =
	    cad_compose_tagged(conf->unsubscribe_address,
	                       conf->recipient_delimiter, in->e->unsub_token);
	if (mailto == NULL)
		return;
	if (conf->unsubscribe_url != NULL && *conf->unsubscribe_url != '\0') {
		g_autoptr(GString) u = g_string_new(NULL);
		const char *pct = strstr(conf->unsubscribe_url, "%s");
		if (pct != NULL) {
			g_string_append_len(u, conf->unsubscribe_url,
			                    pct - conf->unsubscribe_url);
			g_string_append(u, in->e->unsub_token);
			g_string_append(u, pct + 2);
		} else
			g_string_append(u, conf->unsubscribe_url);
		url = g_string_free(g_steal_pointer(&u), FALSE);
	}
	if (url != NULL)
		value = g_strdup_printf("<%s>, <mailto:%s?subject=unsubscribe>",
		                        url, mailto);
	else
		value =
		    g_strdup_printf("<mailto:%s?subject=unsubscribe>", mailto);
	g_mime_object_set_header((GMimeObject *)m, "List-Unsubscribe", value,
	                         NULL);
	if (url != NULL)
		g_mime_object_set_header((GMimeObject *)m,
		                         "List-Unsubscribe-Post",
		                         "List-Unsubscribe=One-Click", NULL);
}

GBytes *
cad_compose_step(const cad_compose_in *in, const cad_template *t,
                 char **missing_out, GError **error)
{
	g_autoptr(cad_rendered) r = NULL;
	g_autoptr(GMimeMessage) m = NULL;
	g_autofree char *subject = NULL, *to_name = NULL;
	const char *rep_name = in->rep != NULL ? in->rep->name : NULL;

	r = cad_template_render(t, cad_compose_field, (void *)in, missing_out,
	                        error);
	if (r == NULL)
		return NULL;
	m = g_mime_message_new(TRUE);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, rep_name,
	                           in->e->rep);
	to_name = display_name(in->p);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, to_name,
	                           in->p->address);
	subject = cad_compose_subject(r->subject, in->e->thread_subject);
	g_mime_message_set_subject(m, subject, "utf-8");
	set_date(m, in->now);
	g_mime_message_set_message_id(m, in->msgid);
	set_threading(m, in->e->thread_refs);
	set_unsubscribe(m, in);
	for (guint i = 0; i < r->headers->len; i++) {
		const cad_header *h = g_ptr_array_index(r->headers, i);
		if (is_owned(h->name) || *h->value == '\0')
			continue;
		g_mime_object_set_header((GMimeObject *)m, h->name, h->value,
		                         "utf-8");
	}
	set_body(m, r->text, r->html);
	return to_wire(m);
}

/* append_field - "  name: value" with the value cleaned and bounded. */
static void
append_field(GString *out, const char *name, const char *value)
{
	g_autofree char *v = NULL;

	if (value == NULL || *value == '\0')
		return;
	v = cad_printable(value, -1, CAD_COMPOSE_FIELD_SHOW_MAX);
	g_string_append_printf(out, "  %s: %s\n", name, v);
}

static int
cmp_str_ptr(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
append_fields(GString *out, const cad_prospect *p)
{
	static const char *const named[] = {"first_name", "last_name",
	                                    "company", "title", "timezone"};
	g_autoptr(GPtrArray) keys = NULL;

	g_string_append(out, "Prospect:\n");
	append_field(out, "email", p->address);
	for (gsize i = 0; i < G_N_ELEMENTS(named); i++)
		append_field(out, named[i], cad_prospect_field(p, named[i]));
	if (p->fields == NULL)
		return;
	keys = g_ptr_array_new();
	{
		GHashTableIter it;
		gpointer k;
		g_hash_table_iter_init(&it, p->fields);
		while (g_hash_table_iter_next(&it, &k, NULL))
			g_ptr_array_add(keys, k);
	}
	g_ptr_array_sort(keys, cmp_str_ptr);
	for (guint i = 0; i < keys->len && i < CAD_COMPOSE_FIELDS_SHOW_MAX;
	     i++) {
		const char *k = g_ptr_array_index(keys, i);
		g_autofree char *kp = cad_printable(k, -1, 64);
		append_field(out, kp, g_hash_table_lookup(p->fields, k));
	}
}

static char *
task_body(const cad_compose_in *in, const cad_cadence *c, const cad_step *step,
          gint64 timeout_at)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *who = display_name(in->p);
	g_autofree char *when = cad_format_time(timeout_at);
	const char *company = cad_prospect_field(in->p, "company");

	g_string_append_printf(
	    out, "Step %u of cadence \"%s\" for %s <%s>%s%s is a %s task.\n\n",
	    step->number, c->name, who != NULL ? who : in->p->address,
	    in->p->address, company != NULL ? " at " : "",
	    company != NULL ? company : "", cad_channel_name(step->channel));
	if (step->note != NULL)
		g_string_append_printf(out, "Note: %s\n\n", step->note);
	append_fields(out, in->p);
	g_string_append(
	    out, "\nReply to this message with one word on the first line:\n"
	         "  done       the task is done; the cadence goes on\n"
	         "  skip       the task is skipped; the cadence goes on\n"
	         "  stop       stop the cadence for this prospect\n"
	         "  connected  (a call) done, and the call connected\n"
	         "  meeting    done, and a meeting was booked\n");
	g_string_append_printf(
	    out, "\nWithout an answer the cadence goes on by itself at %s.\n",
	    when);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

GBytes *
cad_compose_task(const cad_compose_in *in, const cad_cadence *c,
                 const cad_step *step, gint64 timeout_at, GError **error)
{
	const cad_conf *conf = in->conf;
	g_autoptr(GMimeMessage) m = g_mime_message_new(TRUE);
	g_autofree char *from = NULL, *who = NULL, *subject = NULL;
	g_autofree char *body = NULL;
	const char *company = cad_prospect_field(in->p, "company");

	from = cad_compose_tagged(conf->task_address, conf->recipient_delimiter,
	                          in->e->task_token);
	if (from == NULL) {
		g_set_error(
		    error, CAD_ERROR, CAD_ERROR_INVALID,
		    "[milter] task_address is not set: cannot send task "
		    "reminders");
		return NULL;
	}
	who = display_name(in->p);
	subject = g_strdup_printf(
	    "Task: %s %s%s%s%s (step %u of %s)",
	    cad_channel_name(step->channel), who != NULL ? who : in->p->address,
	    company != NULL ? " (" : "", company != NULL ? company : "",
	    company != NULL ? ")" : "", step->number, c->name);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, "Cadence tasks",
	                           from);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_REPLY_TO, NULL, from);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO,
	                           in->rep != NULL ? in->rep->name : NULL,
	                           in->e->rep);
	g_mime_message_set_subject(m, subject, "utf-8");
	set_date(m, in->now);
	g_mime_message_set_message_id(m, in->msgid);
	g_mime_object_set_header((GMimeObject *)m, "Auto-Submitted",
	                         "auto-generated", NULL);
	body = task_body(in, c, step, timeout_at);
	set_body(m, body, NULL);
	return to_wire(m);
}

GBytes *
cad_compose_notice(const cad_conf *conf, const cad_notice *n, const char *msgid,
                   gint64 now, GError **error)
{
	g_autoptr(GMimeMessage) m = g_mime_message_new(TRUE);
	const char *from = conf->notify_from != NULL ? conf->notify_from
	                                             : conf->bounce_address;

	if (from == NULL || n->rep == NULL) {
		g_set_error_literal(error, CAD_ERROR, CAD_ERROR_INVALID,
		                    "notice without a sender or a recipient");
		return NULL;
	}
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, "Cadence", from);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL, n->rep);
	{
		g_autofree char *s = cad_header_value_clean(
		    n->subject != NULL ? n->subject : "cadence notice");
		g_mime_message_set_subject(m, s, "utf-8");
	}
	set_date(m, now);
	g_mime_message_set_message_id(m, msgid);
	g_mime_object_set_header((GMimeObject *)m, "Auto-Submitted",
	                         "auto-generated", NULL);
	set_body(m, n->body != NULL ? n->body : "", NULL);
	return to_wire(m);
}
