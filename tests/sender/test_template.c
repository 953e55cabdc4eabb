/*
 * test_template.c: templates and composition without a network:
 * placeholders and fallbacks, missing fields, header injection through
 * field values, non-ASCII names, the HTML part, threading headers,
 * List-Unsubscribe, and the task reminder. Each message is checked as it
 * would go on the wire (CRLF, 7-bit) and parsed back with GMime.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "common/util.h"
#include "mail/compose.h"
#include "mail/gmime_auto.h"
#include "mail/template.h"

static void
setup(void)
{
	g_mime_init();
}

static void
teardown(void)
{
	g_mime_shutdown();
}

TestSuite(template, .init = setup, .fini = teardown);

/* A lookup over a NULL-terminated name/value list. */
static const char *
list_lookup(const char *name, void *arg)
{
	const char **kv = arg;

	for (; kv[0] != NULL; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

static cad_rendered *
render(const char *text, const char **kv, char **missing, GError **error)
{
	g_autoptr(cad_template) t =
	    cad_template_parse(text, strlen(text), "t.eml", error);

	if (t == NULL)
		return NULL;
	return cad_template_render(t, list_lookup, kv, missing, error);
}

Test(template, fields_and_fallbacks)
{
	const char *kv[] = {"first_name", "Jane", "company", "  ", NULL};
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_rendered) r = render(
	    "Subject: For {{ first_name }}\n\n"
	    "Hi {{first_name|there}}, {{company|your team}} {{title|}}!\n",
	    kv, NULL, &err);

	cr_assert(r != NULL, "%s", err ? err->message : "");
	cr_assert_str_eq(r->subject, "For Jane");
	/* A blank value counts as none: the fallback is used. */
	cr_assert_str_eq(r->text, "Hi Jane, your team !\n");
	cr_assert_null(r->html);
}

Test(template, missing_field_names_it)
{
	const char *kv[] = {"first_name", "Jane", NULL};
	g_autoptr(GError) err = NULL;
	g_autofree char *missing = NULL;
	g_autoptr(cad_rendered) r = render("\nHi {{first_name}} at "
	                                   "{{company}}\n",
	                                   kv, &missing, &err);

	cr_assert_null(r);
	cr_assert(g_error_matches(err, CAD_TEMPLATE_ERROR,
	                          CAD_TEMPLATE_ERROR_MISSING));
	cr_assert_str_eq(missing, "company");
	cr_assert(strstr(err->message, "\"company\"") != NULL, "%s",
	          err->message);
}

Test(template, syntax_errors_say_where)
{
	static const char *bad[] = {
	    "Subject: x\n\nline two\nHi {{first_name\n",
	    "Subject: x\n\nHi {{}}\n",
	    "Subject: x\n\nHi {{bad name}}\n",
	    "no header line here\n\nbody\n",
	};
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;
		g_autoptr(cad_template) t =
		    cad_template_parse(bad[i], strlen(bad[i]), "bad.eml", &err);
		cr_assert_null(t, "case %zu parsed", i);
		cr_assert(g_error_matches(err, CAD_TEMPLATE_ERROR,
		                          CAD_TEMPLATE_ERROR_SYNTAX));
		cr_assert(g_str_has_prefix(err->message, "bad.eml: "), "%s",
		          err->message);
	}
	{
		g_autoptr(GError) err = NULL;
		g_autoptr(cad_template) t =
		    cad_template_parse(bad[0], strlen(bad[0]), "bad.eml", &err);
		cr_assert(strstr(err->message, "line 4") != NULL, "%s",
		          err->message);
	}
}

/* Found by fuzz/fuzz_template: a control character written in a
 * template's header went into the message as it was. It is refused with
 * the line, so check-config reports it; TAB (folding) is not. */
Test(template, control_character_in_a_header_is_a_syntax_error)
{
	static const char bad[] = "From: {{rep_email}}\nSubject: Hi \x02 "
	                          "there\n\nbody\n";
	static const char folded[] = "Subject: Hi\n\tthere\n\nbody\n";
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_template) t =
	    cad_template_parse(bad, strlen(bad), "bad.eml", &err);
	g_autoptr(cad_template) ok =
	    cad_template_parse(folded, strlen(folded), "ok.eml", NULL);

	cr_assert_null(t);
	cr_assert(g_error_matches(err, CAD_TEMPLATE_ERROR,
	                          CAD_TEMPLATE_ERROR_SYNTAX));
	cr_assert_str_eq(err->message, "bad.eml: line 2: a control character "
	                               "(0x02) in the Subject header");
	cr_assert_not_null(ok, "a folded header is no control character");
}

Test(template, header_values_cannot_break_lines)
{
	const char *kv[] = {"company", "Acme\r\nBcc: evil@attacker.test\n",
	                    NULL};
	g_autoptr(cad_rendered) r =
	    render("Subject: For {{company}}\nX-Campaign: {{company}}\n\n"
	           "Dear {{company}}\n",
	           kv, NULL, NULL);

	cr_assert(r != NULL);
	cr_assert_str_eq(r->subject, "For Acme Bcc: evil@attacker.test");
	cr_assert_eq(r->headers->len, 1);
	cr_assert_str_eq(((cad_header *)r->headers->pdata[0])->value,
	                 "Acme Bcc: evil@attacker.test");
	/* In the body a line break is only a line break. */
	cr_assert_str_eq(r->text, "Dear Acme\nBcc: evil@attacker.test\n\n");
}

Test(template, html_part_escapes_values)
{
	const char *kv[] = {"first_name", "<b>Jo & Co</b>", NULL};
	g_autoptr(cad_rendered) r =
	    render("Subject: hi\n\nHi {{first_name}}\n--- html ---\n"
	           "<p>Hi {{first_name}}</p>\n",
	           kv, NULL, NULL);

	cr_assert(r != NULL);
	cr_assert_str_eq(r->text, "Hi <b>Jo & Co</b>\n");
	cr_assert_str_eq(r->html, "<p>Hi &lt;b&gt;Jo &amp; Co&lt;/b&gt;</p>\n");
}

Test(template, crlf_templates_and_folded_headers)
{
	const char *kv[] = {"first_name", "Jane", NULL};
	g_autoptr(cad_rendered) r = render(
	    "Subject: a long\r\n subject for {{first_name}}\r\n\r\nBody\r\n",
	    kv, NULL, NULL);

	cr_assert(r != NULL);
	cr_assert_str_eq(r->subject, "a long subject for Jane");
	cr_assert_str_eq(r->text, "Body\n");
}

/* ---- composition ---- */

typedef struct {
	cad_conf conf;
	cad_enrollment e;
	cad_prospect *p;
	cad_rep rep;
	cad_compose_in in;
} fixture;

static void
fixture_init(fixture *f, const char *first, const char *last)
{
	memset(f, 0, sizeof(*f));
	f->conf.hostname = "cadence.test";
	f->conf.bounce_address = "bounces@example.com";
	f->conf.unsubscribe_address = "unsubscribe@example.com";
	f->conf.task_address = "tasks@example.com";
	f->conf.recipient_delimiter = "+";
	f->e.id = 7;
	f->e.address = "jane@acme.test";
	f->e.cadence = "t";
	f->e.rep = "alice@example.com";
	f->e.thread_subject = "Quick question";
	f->e.thread_refs = "<root@example.com> <step2@cadence.test>";
	f->e.unsub_token = "unsubtok";
	f->e.verp_token = "verptok";
	f->e.task_token = "tasktok";
	f->p = cad_prospect_new("jane@acme.test");
	if (first != NULL)
		cad_prospect_set_field(f->p, "first_name", first);
	if (last != NULL)
		cad_prospect_set_field(f->p, "last_name", last);
	cad_prospect_set_field(f->p, "company", "Acme");
	cad_prospect_set_field(f->p, "crm_id", "A-42");
	f->rep.address = "alice@example.com";
	f->rep.name = "Alice Martin";
	f->rep.signature = "Alice Martin\nAccount Executive";
	f->in = (cad_compose_in){
	    &f->conf, &f->e, f->p, &f->rep, "m1.abc@cadence.test", 1796115600};
}

static void
fixture_clear(fixture *f)
{
	cad_prospect_free(f->p);
}

/* compose - a step from template text; checks the wire form. */
static GMimeMessage *
compose(fixture *f, const char *text, GBytes **wire_out)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_template) t =
	    cad_template_parse(text, strlen(text), "t.eml", &err);
	GBytes *wire;
	gsize len;
	const char *data;

	cr_assert(t != NULL, "%s", err ? err->message : "");
	wire = cad_compose_step(&f->in, t, NULL, &err);
	cr_assert(wire != NULL, "%s", err ? err->message : "");
	data = g_bytes_get_data(wire, &len);
	for (gsize i = 0; i < len; i++) {
		cr_assert((unsigned char)data[i] < 128, "8-bit byte at %zu", i);
		if (data[i] == '\n')
			cr_assert(i > 0 && data[i - 1] == '\r',
			          "bare LF at %zu", i);
		if (data[i] == '\r')
			cr_assert(i + 1 < len && data[i + 1] == '\n');
	}
	{
		g_autoptr(GMimeStream) s =
		    g_mime_stream_mem_new_with_buffer(data, len);
		g_autoptr(GMimeParser) p = g_mime_parser_new_with_stream(s);
		GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
		cr_assert(m != NULL);
		if (wire_out != NULL)
			*wire_out = wire;
		else
			g_bytes_unref(wire);
		return m;
	}
}

/* crlf_to_lf - the decoded text of a part read from the wire has CRLF. */
static char *
crlf_to_lf(char *s)
{
	char *w = s;

	if (s == NULL)
		return NULL;
	for (char *r = s; *r != '\0'; r++)
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';
	return s;
}

static char *
body_text(GMimeMessage *m, const char *subtype)
{
	GMimeObject *body = g_mime_message_get_body(m);

	if (GMIME_IS_MULTIPART(body)) {
		GMimeMultipart *mp = GMIME_MULTIPART(body);
		for (int i = 0; i < g_mime_multipart_get_count(mp); i++) {
			GMimeObject *o = g_mime_multipart_get_part(mp, i);
			if (GMIME_IS_TEXT_PART(o) &&
			    g_mime_content_type_is_type(
			        g_mime_object_get_content_type(o), "text",
			        subtype))
				return crlf_to_lf(g_mime_text_part_get_text(
				    GMIME_TEXT_PART(o)));
		}
		return NULL;
	}
	cr_assert(GMIME_IS_TEXT_PART(body));
	return crlf_to_lf(g_mime_text_part_get_text(GMIME_TEXT_PART(body)));
}

Test(template, threading_headers_of_a_follow_up)
{
	fixture f;
	fixture_init(&f, "Jane", "Doe");
	g_autoptr(GMimeMessage) m =
	    compose(&f,
	            "Content-Type: text/plain\n\nHi {{first_name}}\n\n"
	            "{{rep_signature}}\n",
	            NULL);
	GMimeObject *o = (GMimeObject *)m;
	g_autofree char *text = body_text(m, "plain");
	InternetAddressList *from = g_mime_message_get_from(m);

	cr_assert_str_eq(g_mime_message_get_subject(m), "Re: Quick question");
	cr_assert_str_eq(g_mime_message_get_message_id(m),
	                 "m1.abc@cadence.test");
	cr_assert_str_eq(g_mime_object_get_header(o, "In-Reply-To"),
	                 "<step2@cadence.test>");
	cr_assert_str_eq(g_mime_object_get_header(o, "References"),
	                 "<root@example.com> <step2@cadence.test>");
	cr_assert_str_eq(
	    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
	        internet_address_list_get_address(from, 0))),
	    "alice@example.com");
	cr_assert_not_null(g_mime_message_get_date(m));
	cr_assert_str_eq(text, "Hi Jane\n\nAlice Martin\nAccount Executive\n");
	cr_assert_str_eq(
	    g_mime_object_get_header(o, "List-Unsubscribe"),
	    "<mailto:unsubscribe+unsubtok@example.com?subject=unsubscribe>");
	cr_assert_null(g_mime_object_get_header(o, "List-Unsubscribe-Post"));
	fixture_clear(&f);
}

Test(template, own_subject_keeps_the_thread_ids)
{
	fixture f;
	fixture_init(&f, "Jane", NULL);
	f.e.thread_subject = "Re: Quick question";
	g_autoptr(GMimeMessage) m =
	    compose(&f, "Subject: A new idea for {{company}}\n\nHello\n", NULL);
	g_autoptr(GMimeMessage) m2 = compose(&f, "\nHello\n", NULL);

	cr_assert_str_eq(g_mime_message_get_subject(m), "A new idea for Acme");
	cr_assert_str_eq(
	    g_mime_object_get_header((GMimeObject *)m, "In-Reply-To"),
	    "<step2@cadence.test>");
	/* No "Re: Re:" when the rep's subject already says Re:. */
	cr_assert_str_eq(g_mime_message_get_subject(m2), "Re: Quick question");
	fixture_clear(&f);
}

Test(template, one_click_unsubscribe_when_configured)
{
	fixture f;
	fixture_init(&f, "Jane", NULL);
	f.conf.unsubscribe_url = "https://u.example.com/u/%s?x=1";
	g_autoptr(GMimeMessage) m = compose(&f, "\nHello\n", NULL);
	GMimeObject *o = (GMimeObject *)m;

	cr_assert_str_eq(
	    g_mime_object_get_header(o, "List-Unsubscribe"),
	    "<https://u.example.com/u/unsubtok?x=1>, "
	    "<mailto:unsubscribe+unsubtok@example.com?subject=unsubscribe>");
	cr_assert_str_eq(g_mime_object_get_header(o, "List-Unsubscribe-Post"),
	                 "List-Unsubscribe=One-Click");
	fixture_clear(&f);
}

Test(template, injection_through_a_field_makes_no_header)
{
	fixture f;
	fixture_init(&f, "Jane\r\nBcc: evil@attacker.test", NULL);
	cad_prospect_set_field(f.p, "company",
	                       "Acme\nX-Injected: yes\r\n\r\nbody");
	g_autoptr(GBytes) wire = NULL;
	g_autoptr(GMimeMessage) m =
	    compose(&f,
	            "Subject: For {{company}}\nX-Campaign: {{first_name}}\n\n"
	            "Hi {{first_name}}\n",
	            &wire);
	GMimeObject *o = (GMimeObject *)m;
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	InternetAddressList *to = g_mime_message_get_to(m);

	cr_assert_null(g_mime_object_get_header(o, "Bcc"));
	cr_assert_null(g_mime_object_get_header(o, "X-Injected"));
	cr_assert_str_eq(g_mime_message_get_subject(m),
	                 "For Acme X-Injected: yes body");
	cr_assert_str_eq(g_mime_object_get_header(o, "X-Campaign"),
	                 "Jane Bcc: evil@attacker.test");
	cr_assert_eq(internet_address_list_length(to), 1);
	cr_assert_str_eq(
	    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
	        internet_address_list_get_address(to, 0))),
	    "jane@acme.test");
	for (int i = 0; i < g_mime_header_list_get_count(hl); i++) {
		const char *n = g_mime_header_get_name(
		    g_mime_header_list_get_header_at(hl, i));
		cr_assert(g_ascii_strcasecmp(n, "Bcc") != 0);
	}
	fixture_clear(&f);
}

Test(template, non_ascii_names_survive_the_wire)
{
	fixture f;
	fixture_init(&f, "Zoë", "Ñúñez-Łukasz");
	f.rep.name = "Ålice Märtin";
	cad_prospect_set_field(f.p, "company", "Café Ümlaut 東京");
	g_autoptr(GMimeMessage) m =
	    compose(&f,
	            "Subject: Für {{company}}\n\nHallo {{first_name}} — "
	            "{{company}}\n",
	            NULL);
	InternetAddressList *to = g_mime_message_get_to(m);
	InternetAddressList *from = g_mime_message_get_from(m);
	g_autofree char *text = body_text(m, "plain");

	cr_assert_str_eq(g_mime_message_get_subject(m), "Für Café Ümlaut 東京");
	cr_assert_str_eq(
	    internet_address_get_name(internet_address_list_get_address(to, 0)),
	    "Zoë Ñúñez-Łukasz");
	cr_assert_str_eq(internet_address_get_name(
	                     internet_address_list_get_address(from, 0)),
	                 "Ålice Märtin");
	cr_assert_str_eq(text, "Hallo Zoë — Café Ümlaut 東京\n");
	fixture_clear(&f);
}

Test(template, html_alternative)
{
	fixture f;
	fixture_init(&f, "Jo & <Co>", NULL);
	g_autoptr(GMimeMessage) m =
	    compose(&f,
	            "Subject: hi\n\nHi {{first_name}}\n--- html ---\n"
	            "<p>Hi {{first_name}}</p>\n",
	            NULL);
	GMimeObject *body = g_mime_message_get_body(m);
	g_autofree char *text = body_text(m, "plain");
	g_autofree char *html = body_text(m, "html");

	cr_assert(GMIME_IS_MULTIPART(body));
	cr_assert(g_mime_content_type_is_type(
	    g_mime_object_get_content_type(body), "multipart", "alternative"));
	cr_assert_str_eq(text, "Hi Jo & <Co>\n");
	cr_assert_str_eq(html, "<p>Hi Jo &amp; &lt;Co&gt;</p>\n");
	fixture_clear(&f);
}

Test(template, long_lines_are_encoded_for_7bit)
{
	fixture f;
	fixture_init(&f, "Jane", NULL);
	g_autofree char *longline = g_strnfill(1500, 'x');
	g_autofree char *tmpl = g_strdup_printf("\n%s\nFrom here\n", longline);
	g_autoptr(GBytes) wire = NULL;
	g_autoptr(GMimeMessage) m = compose(&f, tmpl, &wire);
	g_autofree char *text = body_text(m, "plain");
	gsize len;
	const char *d = g_bytes_get_data(wire, &len);
	gsize run = 0;

	for (gsize i = 0; i < len; i++) {
		run = d[i] == '\n' ? 0 : run + 1;
		cr_assert(run <= 998, "line longer than 998 at %zu", i);
	}
	cr_assert(g_str_has_prefix(text, longline));
	fixture_clear(&f);
}

Test(template, task_reminder)
{
	fixture f;
	cad_cadence c = {.name = "t"};
	cad_step st = {.number = 4,
	               .day = 6,
	               .channel = CAD_CHANNEL_CALL,
	               .note = "Call; mention the case study",
	               .timeout_days = 2};
	g_autoptr(GError) err = NULL;
	fixture_init(&f, "Jane", "Doe");
	g_autoptr(GBytes) wire =
	    cad_compose_task(&f.in, &c, &st, 1796288400, &err);
	cr_assert(wire != NULL, "%s", err ? err->message : "");
	gsize len;
	const char *d = g_bytes_get_data(wire, &len);
	g_autoptr(GMimeStream) s = g_mime_stream_mem_new_with_buffer(d, len);
	g_autoptr(GMimeParser) p = g_mime_parser_new_with_stream(s);
	g_autoptr(GMimeMessage) m = g_mime_parser_construct_message(p, NULL);
	g_autofree char *text = body_text(m, "plain");
	InternetAddressList *from = g_mime_message_get_from(m);
	InternetAddressList *rt = g_mime_message_get_reply_to(m);
	InternetAddressList *to = g_mime_message_get_to(m);

	cr_assert_str_eq(
	    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
	        internet_address_list_get_address(from, 0))),
	    "tasks+tasktok@example.com");
	cr_assert_str_eq(
	    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
	        internet_address_list_get_address(rt, 0))),
	    "tasks+tasktok@example.com");
	cr_assert_str_eq(
	    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
	        internet_address_list_get_address(to, 0))),
	    "alice@example.com");
	cr_assert(strstr(g_mime_message_get_subject(m), "Jane Doe") != NULL);
	cr_assert(strstr(g_mime_message_get_subject(m), "Acme") != NULL);
	cr_assert(strstr(text, "Step 4 of cadence \"t\"") != NULL, "%s", text);
	cr_assert(strstr(text, "Note: Call; mention the case study") != NULL);
	cr_assert(strstr(text, "  crm_id: A-42\n") != NULL, "%s", text);
	cr_assert(strstr(text, "  company: Acme\n") != NULL);
	cr_assert(strstr(text, "  done ") != NULL && strstr(text, "  skip ") &&
	          strstr(text, "  stop "));
	cr_assert(strstr(text, "2026-12-03T09:00:00Z") != NULL, "%s", text);
	cr_assert_str_eq(
	    g_mime_object_get_header((GMimeObject *)m, "Auto-Submitted"),
	    "auto-generated");
	fixture_clear(&f);
}

Test(template, tagged_addresses)
{
	g_autofree char *a =
	    cad_compose_tagged("bounces@example.com", "+", "tok");
	g_autofree char *b =
	    cad_compose_tagged("bounces@example.com", "-", "tok");
	g_autofree char *c = cad_compose_tagged("nodomain", "+", "tok");

	cr_assert_str_eq(a, "bounces+tok@example.com");
	cr_assert_str_eq(b, "bounces-tok@example.com");
	cr_assert_null(c);
}
