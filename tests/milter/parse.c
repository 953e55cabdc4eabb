/*
 * parse.c: the milter's pure parsing: cadence/VERP/token addresses, names
 * and companies from To/Cc, the bounded message buffer, header lookup
 * with the one reader (mail/headers.h), the trust decision, and the
 * address shutdown pokes (the socket spec read as libmilter reads it).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "inbound/address.h"
#include "inbound/names.h"
#include "inbound/trust.h"
#include "milter/msgbuf.h"
#include "milter/wake.h"
#include "tests/milter/helpers.h"

Test(address, ext_matches_base_and_extension)
{
	char *ext = NULL;

	cr_assert(cad_address_ext("cadence@example.com", "cadence@example.com",
	                          "+", &ext));
	cr_assert_null(ext);
	cr_assert(cad_address_ext("<Cadence+Hot@EXAMPLE.com>",
	                          "cadence@example.com", "+", &ext));
	cr_assert_str_eq(ext, "hot");
	g_free(ext);
	cr_assert(cad_address_ext("cadence-hot@example.com",
	                          "cadence@example.com", "+-", &ext));
	cr_assert_str_eq(ext, "hot");
	g_free(ext);
}

Test(address, ext_rejects_near_misses)
{
	char *ext = (char *)"x";

	cr_assert_not(cad_address_ext("cadencex@example.com",
	                              "cadence@example.com", "+", &ext));
	cr_assert_null(ext);
	cr_assert_not(cad_address_ext("cadence@example.org",
	                              "cadence@example.com", "+", NULL));
	cr_assert_not(cad_address_ext("cadence+@example.com",
	                              "cadence@example.com", "+", NULL));
	cr_assert_not(cad_address_ext("cadence+a/b@example.com",
	                              "cadence@example.com", "+", NULL));
	cr_assert_not(cad_address_ext("x.cadence@example.com",
	                              "cadence@example.com", "+", NULL));
	/* An extension longer than CAD_MILTER_EXT_MAX is refused. */
	g_autofree char *big = g_strdup_printf("cadence+%0*d@example.com",
	                                       CAD_MILTER_EXT_MAX + 1, 0);
	cr_assert_not(cad_address_ext(big, "cadence@example.com", "+", NULL));
	cr_assert_not(cad_address_ext("<>", "cadence@example.com", "+", NULL));
	cr_assert_not(cad_address_ext(NULL, "cadence@example.com", "+", NULL));
}

Test(names, display_names_split)
{
	static const struct {
		const char *in, *first, *last;
	} cases[] = {
	    {"Jane Doe", "Jane", "Doe"},
	    {"Doe, Jane", "Jane", "Doe"},
	    {"Doe, Jane M.", "Jane", "Doe"},
	    {"\"Jane  Doe\"", "Jane", "Doe"},
	    {"'Jane Doe'", "Jane", "Doe"},
	    {"Jean-Luc van der Berg", "Jean-Luc", "van der Berg"},
	    {"Jane Doe (ACME)", "Jane", "Doe"},
	    {"Cher", "Cher", NULL},
	    {"Jürgen Müller", "Jürgen", "Müller"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *first = NULL, *last = NULL;
		cr_assert(cad_name_split(cases[i].in, &first, &last), "%s",
		          cases[i].in);
		cr_assert_str_eq(first, cases[i].first, "%s", cases[i].in);
		if (cases[i].last == NULL)
			cr_assert_null(last, "%s", cases[i].in);
		else
			cr_assert_str_eq(last, cases[i].last, "%s",
			                 cases[i].in);
	}
}

Test(names, no_name_from_addresses_or_junk)
{
	char *first = NULL, *last = NULL;
	g_autofree char *huge = g_strnfill(CAD_NAME_MAX + 1, 'a');

	cr_assert_not(cad_name_split("jane@acme.com", &first, &last));
	cr_assert_not(cad_name_split("", &first, &last));
	cr_assert_not(cad_name_split(NULL, &first, &last));
	cr_assert_not(cad_name_split("\xff\xfe", &first, &last));
	cr_assert_not(cad_name_split(huge, &first, &last));
	cr_assert_null(first);
	cr_assert_null(last);
}

Test(names, company_from_domain)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"acme.com", "Acme"},
	    {"mail.acme-corp.com", "Acme Corp"},
	    {"mueller.co.uk", "Mueller"},
	    {"shop.example.com.au", "Example"},
	    {"ACME.DE", "Acme"},
	    {"gmail.com", NULL},
	    {"com", NULL},
	    {"acme..com", NULL},
	    {"ac me.com", NULL},
	    {"", NULL},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *c = cad_company_from_domain(cases[i].in);
		if (cases[i].out == NULL)
			cr_assert_null(c, "%s gave %s", cases[i].in, c);
		else
			cr_assert_str_eq(c, cases[i].out, "%s", cases[i].in);
	}
}

Test(msgbuf, headers_rebuilt_with_crlf)
{
	cad_msgbuf mb;

	cad_msgbuf_init(&mb, 100);
	cr_assert(cad_msgbuf_header(&mb, "Subject", "folded\n\tline"));
	cr_assert(cad_msgbuf_header(&mb, "From", "a@b.c"));
	cr_assert(cad_msgbuf_body(&mb, "hello\r\n", 7));
	cr_assert_str_eq(
	    mb.data->str,
	    "Subject: folded\r\n\tline\r\nFrom: a@b.c\r\n\r\nhello\r\n");
	{
		g_auto(cad_headers) h = {0};
		const cad_headers *hp = cad_msgbuf_headers(&mb, &h);
		g_autofree char *from = cad_header_get(hp, "From", 100);
		g_autofree char *to = cad_header_get(hp, "To", 100);
		g_autofree char *subj = cad_header_get(hp, "subject", 100);

		cr_assert_str_eq(from, "a@b.c");
		cr_assert_null(to);
		cr_assert_str_eq(subj, "folded line");
	}
	cad_msgbuf_clear(&mb);
}

Test(msgbuf, body_cut_at_cap)
{
	cad_msgbuf mb;
	char chunk[64];

	memset(chunk, 'x', sizeof(chunk));
	cad_msgbuf_init(&mb, 100);
	cr_assert(cad_msgbuf_body(&mb, chunk, sizeof(chunk)));
	cr_assert_not(cad_msgbuf_body(&mb, chunk, sizeof(chunk)));
	cr_assert_not(cad_msgbuf_body(&mb, chunk, sizeof(chunk)));
	cr_assert_eq(mb.data->len - mb.body_start, 100);
	cr_assert(mb.body_truncated);
	cad_msgbuf_clear(&mb);
}

Test(msgbuf, header_block_capped)
{
	cad_msgbuf mb;
	g_autofree char *v = g_strnfill(1000, 'v');
	guint kept = 0;

	cad_msgbuf_init(&mb, 0);
	for (int i = 0; i < 1000; i++)
		kept += cad_msgbuf_header(&mb, "X-Big", v) ? 1 : 0;
	cr_assert(mb.header_truncated);
	cr_assert_leq(mb.data->len, CAD_MSGBUF_HEADER_MAX);
	cr_assert_gt(kept, 200);
	cr_assert_lt(kept, 1000);
	/* A header that fits is still refused once the block was cut. */
	cad_msgbuf_eoh(&mb);
	cr_assert_not(cad_msgbuf_header(&mb, "To", "late@x.y"));
	cad_msgbuf_clear(&mb);
}

/* The one header reader (mail/headers.h), as inbound/ reads a raw
 * message handed to cadencectl ingest: LF or CRLF, folded, any case. */
Test(msgbuf, raw_header_unfolds_and_stops_at_body)
{
	const char *msg =
	    "From: a@b.c\r\nReferences: <1@x>\r\n <2@x>\n\t<3@x>\r\n"
	    "Subject: s\r\n\r\nIn-Reply-To: <body@x>\r\n";
	g_auto(cad_headers) h = {0};
	gsize body;
	gsize hl = cad_headers_parse(&h, msg, strlen(msg), &body);
	g_autofree char *refs = cad_header_get(&h, "references", 1000);
	g_autofree char *irt = cad_header_get(&h, "In-Reply-To", 1000);
	g_autofree char *subj = cad_header_get(&h, "Subject", 1000);

	cr_assert_str_eq(refs, "<1@x> <2@x> <3@x>");
	cr_assert_null(irt);
	cr_assert_str_eq(subj, "s");
	cr_assert_str_eq(msg + body, "In-Reply-To: <body@x>\r\n");
	cr_assert_eq(hl, body - 2);
}

static fixture fx;

static void
setup(void)
{
	fx_setup(&fx, NULL);
}

static void
teardown(void)
{
	fx_teardown(&fx);
}

TestSuite(conf, .init = setup, .fini = teardown);

Test(conf, address_kinds)
{
	g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;

	cr_assert_eq(cad_address_classify(fx.conf, "cadence@example.com", &e1),
	             CAD_ADDR_ENROLL);
	cr_assert_null(e1);
	cr_assert_eq(
	    cad_address_classify(fx.conf, "<cadence+hot@example.com>", &e2),
	    CAD_ADDR_ENROLL);
	cr_assert_str_eq(e2, "hot");
	cr_assert_eq(
	    cad_address_classify(fx.conf, "bounces+babc@example.com", &e3),
	    CAD_ADDR_BOUNCE);
	cr_assert_str_eq(e3, "babc");
	cr_assert_eq(cad_address_classify(fx.conf, "tasks+tq@example.com", &e4),
	             CAD_ADDR_TASK);
	cr_assert_eq(
	    cad_address_classify(fx.conf, "unsubscribe@example.com", NULL),
	    CAD_ADDR_UNSUBSCRIBE);
	cr_assert_eq(cad_address_classify(fx.conf, "alice@example.com", NULL),
	             CAD_ADDR_OTHER);
}

Test(conf, trust_needs_rep_domain_and_login_or_network)
{
	cr_assert_eq(cad_trust_sender(fx.conf, "alice", "192.0.2.7",
	                              "alice@example.com"),
	             CAD_TRUST_REP);
	cr_assert_eq(
	    cad_trust_sender(fx.conf, NULL, "127.0.0.1", "alice@example.com"),
	    CAD_TRUST_REP);
	cr_assert_eq(
	    cad_trust_sender(fx.conf, NULL, "10.1.2.3", "bob@example.org"),
	    CAD_TRUST_REP);
	cr_assert_eq(
	    cad_trust_sender(fx.conf, "", "192.0.2.7", "alice@example.com"),
	    CAD_TRUST_UNAUTHENTICATED);
	cr_assert_eq(cad_trust_sender(fx.conf, NULL, NULL, "alice@example.com"),
	             CAD_TRUST_UNAUTHENTICATED);
	/* Logging in does not make an outside address a rep. */
	cr_assert_eq(cad_trust_sender(fx.conf, "mallory", "127.0.0.1",
	                              "mallory@evil.example.net"),
	             CAD_TRUST_NOT_REP);
	cr_assert_eq(cad_trust_sender(fx.conf, "alice", "127.0.0.1", NULL),
	             CAD_TRUST_NOT_REP);
	cr_assert_eq(cad_trust_sender(fx.conf, "alice", "127.0.0.1",
	                              "alice@sub.example.com"),
	             CAD_TRUST_NOT_REP);
}

/* Postfix on a dual-stack socket names an IPv4 client ::ffff:127.0.0.1;
 * the rep on the trusted loopback may enroll without logging in. */
Test(conf, trust_ipv4_mapped_client_in_trusted_network)
{
	cr_assert_eq(cad_trust_sender(fx.conf, NULL, "::ffff:127.0.0.1",
	                              "alice@example.com"),
	             CAD_TRUST_REP);
	cr_assert_eq(cad_trust_sender(fx.conf, NULL, "::ffff:10.1.200.3",
	                              "alice@example.com"),
	             CAD_TRUST_REP);
	cr_assert_eq(cad_trust_sender(fx.conf, NULL, "::ffff:192.0.2.7",
	                              "alice@example.com"),
	             CAD_TRUST_UNAUTHENTICATED);
}

/* The text of w's address ("1.2.3.4:25", "[::1]:25", or the path). */
static char *
wake_text(const cad_wake *w)
{
	char buf[INET6_ADDRSTRLEN];

	if (w->addr.ss_family == AF_UNIX)
		return g_strdup(
		    ((const struct sockaddr_un *)&w->addr)->sun_path);
	if (w->addr.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&w->addr;
		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
		return g_strdup_printf("%s:%u", buf, ntohs(in->sin_port));
	}
	const struct sockaddr_in6 *in6 = (const void *)&w->addr;
	inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
	return g_strdup_printf("[%s]:%u", buf, ntohs(in6->sin6_port));
}

static void
expect_wake(const char *spec, const char *want)
{
	cad_wake w;
	g_autoptr(GError) err = NULL;
	g_autofree char *got = NULL;

	cr_assert(cad_wake_init(&w, spec, &err), "%s: %s", spec,
	          err ? err->message : "");
	cr_assert_gt(w.len, 0);
	got = wake_text(&w);
	cr_assert_str_eq(got, want, "%s: got %s", spec, got);
}

Test(wake, specs_as_libmilter_reads_them)
{
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *rel = g_build_filename(cwd, "run/m.sock", NULL);

	expect_wake("unix:/var/spool/postfix/cadence/milter.sock",
	            "/var/spool/postfix/cadence/milter.sock");
	expect_wake("local:/run/cadence/milter.sock",
	            "/run/cadence/milter.sock");
	expect_wake("/run/m.sock", "/run/m.sock");
	expect_wake("unix:run/m.sock", rel);
	expect_wake("inet:8891@127.0.0.1", "127.0.0.1:8891");
	expect_wake("inet:8891@192.0.2.7", "192.0.2.7:8891");
	/* No host, or every address: libmilter listens on loopback too. */
	expect_wake("inet:8891", "127.0.0.1:8891");
	expect_wake("inet:8891@0.0.0.0", "127.0.0.1:8891");
	expect_wake("inet6:8891@[::1]", "[::1]:8891");
	expect_wake("inet6:8891@::", "[::1]:8891");
	expect_wake("inet6:8891", "[::1]:8891");
}

Test(wake, bad_specs_refused)
{
	const char *bad[] = {"", "unix:", "inet:", "inet:@127.0.0.1",
	                     "tcp:8891@127.0.0.1"};
	g_autofree char *longpath = g_strnfill(200, 'a');
	g_autofree char *longspec = g_strconcat("unix:/", longpath, NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		cad_wake w;
		g_autoptr(GError) err = NULL;
		cr_assert_not(cad_wake_init(&w, bad[i], &err), "%s", bad[i]);
		cr_assert_not_null(err);
		cr_assert_eq(w.len, 0);
	}
	{
		cad_wake w;
		g_autoptr(GError) err = NULL;
		cr_assert_not(cad_wake_init(&w, longspec, &err));
	}
}

Test(wake, poke_reaches_a_listener_and_fails_without_one)
{
	g_autofree char *dir = g_dir_make_tmp("cad-wake-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "s", NULL);
	g_autofree char *spec = g_strconcat("unix:", path, NULL);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	cad_wake w;
	int fd, c;

	cr_assert(cad_wake_init(&w, spec, NULL));
	cr_assert_not(cad_wake_poke(&w), "poke with nobody listening");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	cr_assert(cad_wake_poke(&w));
	c = accept(fd, NULL, NULL);
	cr_assert_geq(c, 0, "the poke is a connection to accept");
	close(c);
	close(fd);
	unlink(path);
	rmdir(dir);
}
