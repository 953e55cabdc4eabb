/*
 * test_e2e.c: the end-to-end checks of the demo scenario (demo.sh --keep
 * E2E_DIR, run first by CTest as the fixture e2e_scenario): every message
 * the sink received (envelope, headers, threading, order, days) and every
 * enrollment's state after each stage, its history and the suppression.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "common/util.h"
#include "mail/gmime_auto.h"

#define ROOT_ID    "first.2026-03-02@laptop.example.com"
#define SUBJECT    "Quick question about your outbound"
#define BOB        "bob@acme.test"
#define CAROL      "carol@globex.test"
#define DAVE       "dave@initech.test"
#define ALICE      "alice@example.com"
/* The scenario's messages: root, 3 LinkedIn reminders, 2 day-4 follow-ups,
 * Bob's reply, the call reminder, the day-8 and day-10 emails. */
#define SINK_COUNT 10

typedef struct {
	char *file;
	char *env_from;
	GPtrArray *rcpts; /* char* */
	GMimeMessage *msg;
	int day; /* of the Date header, 1 = 2026-03-02 */
	int hour;
} sunk;

static const char *
dir(void)
{
	const char *d = g_getenv("E2E_DIR");

	cr_assert(d != NULL, "E2E_DIR is not set (CTest sets it)");
	return d;
}

static void
sunk_free(sunk *s)
{
	g_free(s->file);
	g_free(s->env_from);
	g_ptr_array_unref(s->rcpts);
	g_clear_object(&s->msg);
	g_free(s);
}

static const char *
hdr(const sunk *s, const char *name)
{
	return g_mime_object_get_header((GMimeObject *)s->msg, name);
}

/* "<a@b>" -> "a@b" (a new string). */
static char *
unbracket(const char *v)
{
	g_autofree char *t = g_strstrip(g_strdup(v != NULL ? v : ""));
	gsize n = strlen(t);

	if (n >= 2 && t[0] == '<' && t[n - 1] == '>')
		return g_strndup(t + 1, n - 2);
	return g_strdup(t);
}

/* The sequence number in T.PID.SEQ.eml. */
static int
seq_of(const char *name)
{
	g_auto(GStrv) p = g_strsplit(name, ".", -1);

	return g_strv_length(p) >= 3 ? atoi(p[2]) : 0;
}

static gint
by_seq(gconstpointer a, gconstpointer b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return seq_of(x) - seq_of(y);
}

static sunk *
load_one(const char *path)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *data = NULL;
	g_autoptr(GMimeStream) st = NULL;
	g_autoptr(GMimeParser) p = NULL;
	GMimeHeaderList *hl;
	GDateTime *dt;
	gsize len;
	sunk *s = g_new0(sunk, 1);

	cr_assert(g_file_get_contents(path, &data, &len, &err), "%s: %s", path,
	          err ? err->message : "?");
	st = g_mime_stream_mem_new_with_buffer(data, len);
	p = g_mime_parser_new_with_stream(st);
	s->msg = g_mime_parser_construct_message(p, NULL);
	cr_assert_not_null(s->msg, "%s: not a message", path);
	s->file = g_strdup(path);
	s->rcpts = g_ptr_array_new_with_free_func(g_free);
	hl = g_mime_object_get_header_list((GMimeObject *)s->msg);
	for (int i = 0; i < g_mime_header_list_get_count(hl); i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *n = g_mime_header_get_name(h);
		if (g_ascii_strcasecmp(n, "X-Sink-Mail-From") == 0)
			s->env_from = unbracket(g_mime_header_get_value(h));
		else if (g_ascii_strcasecmp(n, "X-Sink-Rcpt-To") == 0)
			g_ptr_array_add(s->rcpts,
			                unbracket(g_mime_header_get_value(h)));
	}
	cr_assert_not_null(s->env_from, "%s: no envelope sender", path);
	dt = g_mime_message_get_date(s->msg);
	cr_assert_not_null(dt, "%s: no Date", path);
	s->day = g_date_time_get_day_of_month(dt) - 1;
	cr_assert_eq(g_date_time_get_month(dt), 3, "%s: Date not in March 2026",
	             path);
	s->hour = g_date_time_get_hour(dt);
	return s;
}

/* Every message of the sink, in the order the sink stored them. */
static GPtrArray *
load_sink(void)
{
	g_autofree char *d = g_build_filename(dir(), "sink", NULL);
	g_autoptr(GDir) gd = g_dir_open(d, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *out =
	    g_ptr_array_new_with_free_func((GDestroyNotify)sunk_free);
	const char *n;

	cr_assert_not_null(gd, "no sink directory %s: did demo.sh run?", d);
	while ((n = g_dir_read_name(gd)) != NULL)
		if (g_str_has_suffix(n, ".eml"))
			g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, by_seq);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *p = g_build_filename(d, names->pdata[i], NULL);
		g_ptr_array_add(out, load_one(p));
	}
	return out;
}

static gboolean
rcpts_are(const sunk *s, const char *a, const char *b, const char *c)
{
	const char *want[] = {a, b, c};
	guint n = 0;

	for (guint i = 0; i < G_N_ELEMENTS(want); i++)
		if (want[i] != NULL)
			n++;
	if (s->rcpts->len != n)
		return FALSE;
	for (guint i = 0; i < n; i++) {
		gboolean found = FALSE;
		for (guint j = 0; j < s->rcpts->len; j++)
			found |= g_ascii_strcasecmp(s->rcpts->pdata[j],
			                            want[i]) == 0;
		if (!found)
			return FALSE;
	}
	return TRUE;
}

static gboolean
is_reminder(const sunk *s)
{
	const char *subj = g_mime_message_get_subject(s->msg);

	return subj != NULL && g_str_has_prefix(subj, "Task: ");
}

static gboolean
is_follow_up(const sunk *s)
{
	return g_str_has_prefix(s->env_from, "bounces+");
}

/* The follow-ups to one prospect, in order. */
static GPtrArray *
follow_ups(GPtrArray *all, const char *to)
{
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; i < all->len; i++) {
		sunk *s = all->pdata[i];
		if (is_follow_up(s) && rcpts_are(s, to, NULL, NULL))
			g_ptr_array_add(out, s);
	}
	return out;
}

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

TestSuite(e2e, .init = setup, .fini = teardown);

Test(e2e, every_message_in_the_sink_in_order)
{
	g_autoptr(GPtrArray) all = load_sink();

	/* Expected: day, kind, recipients. r = reminder, f = follow-up,
	 * m = mail of a person. */
	static const struct {
		int day;
		char kind;
		const char *to;
	} want[SINK_COUNT] = {
	    {1, 'm', NULL}, {2, 'r', ALICE}, {2, 'r', ALICE}, {2, 'r', ALICE},
	    {4, 'f', NULL}, {4, 'f', NULL},  {4, 'm', ALICE}, {6, 'r', ALICE},
	    {8, 'f', DAVE}, {10, 'f', DAVE},
	};

	cr_assert_eq(all->len, SINK_COUNT,
	             "the sink holds %u messages, "
	             "expected %d",
	             all->len, SINK_COUNT);
	for (guint i = 0; i < all->len; i++) {
		sunk *s = all->pdata[i];
		char kind = is_reminder(s) ? 'r' : is_follow_up(s) ? 'f' : 'm';
		cr_expect_eq(s->day, want[i].day,
		             "message %u (%s): day %d, "
		             "expected day %d",
		             i + 1, s->file, s->day, want[i].day);
		cr_expect_eq(kind, want[i].kind,
		             "message %u (%s): kind %c, "
		             "expected %c",
		             i + 1, s->file, kind, want[i].kind);
		if (want[i].to != NULL)
			cr_expect(rcpts_are(s, want[i].to, NULL, NULL),
			          "message %u (%s) not to %s alone", i + 1,
			          s->file, want[i].to);
		/* Nobody's mail ever goes to the cadence address. */
		for (guint j = 0; j < s->rcpts->len; j++)
			cr_expect(
			    !g_str_has_prefix(s->rcpts->pdata[j], "cadence@"),
			    "%s: the cadence address was not removed", s->file);
	}
	/* The rep's email: to the three, the BCC gone, untouched. */
	cr_expect(rcpts_are(all->pdata[0], BOB, CAROL, DAVE));
	cr_expect_str_eq(((sunk *)all->pdata[0])->env_from, ALICE);
	/* Day 4: Bob and Dave; Carol's was refused and never stored. */
	cr_expect(rcpts_are(all->pdata[4], BOB, NULL, NULL) ||
	          rcpts_are(all->pdata[4], DAVE, NULL, NULL));
	cr_expect(rcpts_are(all->pdata[5], BOB, NULL, NULL) ||
	          rcpts_are(all->pdata[5], DAVE, NULL, NULL));
	cr_expect(!rcpts_are(all->pdata[4],
	                     ((sunk *)all->pdata[5])->rcpts->pdata[0], NULL,
	                     NULL));
	/* Bob's reply reaches the rep, marked by the milter. */
	cr_expect_str_eq(((sunk *)all->pdata[6])->env_from, BOB);
	cr_expect(g_str_has_prefix(hdr(all->pdata[6], "X-Cadence"), "replied"),
	          "Bob's reply has no X-Cadence: replied header");
}

Test(e2e, nothing_after_a_reply_or_a_bounce)
{
	g_autoptr(GPtrArray) all = load_sink();

	for (guint i = 0; i < all->len; i++) {
		sunk *s = all->pdata[i];
		const char *subj = g_mime_message_get_subject(s->msg);
		gboolean names_bob = strstr(subj, "Bob Stone") != NULL;
		gboolean names_carol = strstr(subj, "Carol Reyes") != NULL;

		if (s->day > 4) {
			cr_expect(!rcpts_are(s, BOB, NULL, NULL) && !names_bob,
			          "%s: Bob replied on day 4, yet day %d mail "
			          "concerns "
			          "him",
			          s->file, s->day);
			cr_expect(!names_carol,
			          "%s: Carol bounced on day 4, "
			          "yet day %d mail concerns her",
			          s->file, s->day);
		}
		if (s->day > 1)
			for (guint j = 0; j < s->rcpts->len; j++)
				cr_expect(g_ascii_strcasecmp(s->rcpts->pdata[j],
				                             CAROL) != 0,
				          "%s: mail to Carol stored", s->file);
	}
}

/* A prospect's follow-ups: threaded under the rep's email and each other,
 * each leaving at 10:00 on its step's day. */
static void
check_thread(GPtrArray *all, const char *to, const int *days, guint n)
{
	g_autoptr(GPtrArray) f = follow_ups(all, to);
	g_autoptr(GString) refs = g_string_new("<" ROOT_ID ">");
	g_autofree char *parent = g_strdup(ROOT_ID);
	g_autofree char *token = NULL;

	cr_assert_eq(f->len, n, "%u follow-ups to %s, expected %u", f->len, to,
	             n);
	for (guint i = 0; i < f->len; i++) {
		sunk *s = f->pdata[i];
		g_autofree char *irt = unbracket(hdr(s, "In-Reply-To"));
		g_autofree char *id = unbracket(hdr(s, "Message-Id"));
		g_autofree char *ref = NULL;
		const char *lu = hdr(s, "List-Unsubscribe");
		InternetAddressList *from = g_mime_message_get_from(s->msg);
		const char *tok = s->env_from + strlen("bounces+");

		cr_expect_eq(s->day, days[i],
		             "%s: follow-up %u to %s left on "
		             "day %d, expected %d",
		             s->file, i + 1, to, s->day, days[i]);
		cr_expect_eq(s->hour, 10, "%s: left at %d:00, not 10:00",
		             s->file, s->hour);
		cr_expect_str_eq(g_mime_message_get_subject(s->msg),
		                 "Re: " SUBJECT);
		cr_expect_str_eq(irt, parent,
		                 "%s: In-Reply-To %s, expected "
		                 "<%s>",
		                 s->file, irt, parent);
		ref =
		    g_strdup(hdr(s, "References") ? hdr(s, "References") : "");
		{
			g_auto(GStrv) got =
			    g_strsplit_set(g_strstrip(ref), " \t\r\n", -1);
			g_autoptr(GString) norm = g_string_new(NULL);
			for (char **g = got; *g != NULL; g++)
				if (**g != '\0')
					g_string_append_printf(
					    norm, "%s%s", norm->len ? " " : "",
					    *g);
			cr_expect_str_eq(norm->str, refs->str,
			                 "%s: References %s, expected %s",
			                 s->file, norm->str, refs->str);
		}
		cr_expect(from != NULL &&
		              internet_address_list_length(from) == 1 &&
		              strcmp(internet_address_mailbox_get_addr(
		                         INTERNET_ADDRESS_MAILBOX(
		                             internet_address_list_get_address(
		                                 from, 0))),
		                     ALICE) == 0,
		          "%s: From is not the rep", s->file);
		cr_expect(g_str_has_suffix(s->env_from, "@example.com") &&
		              strlen(tok) > strlen("@example.com"),
		          "%s: envelope sender %s is not a VERP address",
		          s->file, s->env_from);
		if (token == NULL)
			token = g_strdup(tok);
		cr_expect_str_eq(tok, token,
		                 "%s: the VERP token changed "
		                 "within one enrollment",
		                 s->file);
		cr_expect(lu != NULL &&
		              strstr(lu, "mailto:unsubscribe+") != NULL,
		          "%s: no List-Unsubscribe mailto token", s->file);
		cr_expect(g_str_has_suffix(id, "@example.com"),
		          "%s: Message-ID %s not ours", s->file, id);
		g_string_append_printf(refs, " <%s>", id);
		g_free(parent);
		parent = g_strdup(id);
	}
}

Test(e2e, follow_ups_thread_under_the_rep_email_on_their_days)
{
	g_autoptr(GPtrArray) all = load_sink();
	static const int bob[] = {4}, dave[] = {4, 8, 10};

	check_thread(all, BOB, bob, G_N_ELEMENTS(bob));
	check_thread(all, DAVE, dave, G_N_ELEMENTS(dave));
	{
		g_autoptr(GPtrArray) f = follow_ups(all, CAROL);
		cr_expect_eq(f->len, 0, "a follow-up to Carol was stored");
	}
}

Test(e2e, task_reminders_reach_the_rep)
{
	g_autoptr(GPtrArray) all = load_sink();
	static const char *const want[] = {
	    "Task: linkedin Bob Stone (Acme) (step 2 of cold)",
	    "Task: linkedin Carol Reyes (Globex) (step 2 of cold)",
	    "Task: linkedin Dave Kim (Initech) (step 2 of cold)",
	    "Task: call Dave Kim (Initech) (step 4 of cold)",
	};
	guint found = 0;

	for (guint i = 0; i < all->len; i++) {
		sunk *s = all->pdata[i];
		const char *subj = g_mime_message_get_subject(s->msg);
		const char *rt = hdr(s, "Reply-To");
		if (!is_reminder(s))
			continue;
		found++;
		cr_expect(rcpts_are(s, ALICE, NULL, NULL));
		cr_expect_eq(s->hour, 10, "%s: sent at %d:00", s->file,
		             s->hour);
		cr_expect(rt != NULL && g_str_has_prefix(rt, "cadence-tasks+"),
		          "%s: Reply-To %s carries no task token", s->file, rt);
		cr_expect_str_eq(hdr(s, "Auto-Submitted"), "auto-generated");
		cr_expect_eq(s->day, strstr(subj, "call") ? 6 : 2);
		gboolean known = FALSE;
		for (guint j = 0; j < G_N_ELEMENTS(want); j++)
			known |= strcmp(subj, want[j]) == 0;
		cr_expect(known, "%s: unexpected reminder \"%s\"", s->file,
		          subj);
	}
	cr_expect_eq(found, G_N_ELEMENTS(want));
}

/* ---- states ---- */

/* The value of "key":"..." in one JSON line of cadencectl's output. */
static char *
json_str(const char *line, const char *key)
{
	g_autofree char *pat = g_strdup_printf("\"%s\":\"", key);
	const char *p = strstr(line, pat), *e;

	if (p == NULL)
		return NULL;
	p += strlen(pat);
	e = strchr(p, '"');
	return e != NULL ? g_strndup(p, (gsize)(e - p)) : NULL;
}

/* The state of address in the snapshot whose name ends in label. */
static char *
state_at(const char *label, const char *address)
{
	g_autofree char *d = g_build_filename(dir(), "states", NULL);
	g_autoptr(GDir) gd = g_dir_open(d, 0, NULL);
	g_autofree char *path = NULL, *data = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree char *want = g_strdup_printf("%s.jsonl", label);
	const char *n;

	cr_assert_not_null(gd, "no %s", d);
	while ((n = g_dir_read_name(gd)) != NULL)
		if (g_str_has_suffix(n, want))
			path = g_build_filename(d, n, NULL);
	cr_assert_not_null(path, "no snapshot %s in %s", label, d);
	cr_assert(g_file_get_contents(path, &data, NULL, NULL));
	lines = g_strsplit(data, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		g_autofree char *a = json_str(*l, "address");
		if (g_strcmp0(a, address) == 0)
			return json_str(*l, "state");
	}
	return NULL;
}

Test(e2e, every_state_after_every_stage)
{
	static const struct {
		const char *label, *bob, *carol, *dave;
	} want[] = {
	    {"day01-enrolled", "active", "active", "active"},
	    {"day02-sent", "waiting", "waiting", "waiting"},
	    {"day02-after", "active", "active", "active"},
	    {"day03-after", "active", "active", "active"},
	    {"day04-sent", "active", "bounced", "active"},
	    {"day04-after", "replied", "bounced", "active"},
	    {"day05-after", "replied", "bounced", "active"},
	    {"day06-sent", "replied", "bounced", "waiting"},
	    {"day06-after", "replied", "bounced", "active"},
	    {"day08-after", "replied", "bounced", "active"},
	    {"day09-after", "replied", "bounced", "active"},
	    {"day10-sent", "replied", "bounced", "completed"},
	    {"day10-after", "replied", "bounced", "completed"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		const char *who[] = {BOB, CAROL, DAVE};
		const char *st[] = {want[i].bob, want[i].carol, want[i].dave};
		for (guint j = 0; j < 3; j++) {
			g_autofree char *got = state_at(want[i].label, who[j]);
			cr_expect_str_eq(got ? got : "(none)", st[j],
			                 "%s: %s is %s, expected %s",
			                 want[i].label, who[j],
			                 got ? got : "(none)", st[j]);
		}
	}
}

/* The event types of a prospect's history, space-separated, in order. */
static char *
history(const char *address)
{
	g_autofree char *name = g_strdup_printf("%s.json", address);
	g_autofree char *p = g_build_filename(dir(), "show", name, NULL);
	g_autofree char *data = NULL;
	GString *out = g_string_new(NULL);
	const char *c;

	cr_assert(g_file_get_contents(p, &data, NULL, NULL), "no %s", p);
	for (c = strstr(data, "\"type\":\""); c != NULL;
	     c = strstr(c + 1, "\"type\":\"")) {
		const char *v = c + 8, *e = strchr(v, '"');
		g_string_append_printf(out, "%s%.*s", out->len ? " " : "",
		                       (int)(e - v), v);
	}
	return g_string_free(out, FALSE);
}

Test(e2e, histories_and_suppression)
{
	g_autofree char *bob = history(BOB);
	g_autofree char *carol = history(CAROL);
	g_autofree char *dave = history(DAVE);
	g_autofree char *sp = g_build_filename(dir(), "suppress.jsonl", NULL);
	g_autofree char *supp = NULL;

	cr_expect_str_eq(bob, "enrolled sending task task_done sending sent "
	                      "replied");
	cr_expect_str_eq(carol, "enrolled sending task task_done sending sent "
	                        "hard_bounce");
	cr_expect_str_eq(
	    dave, "enrolled sending task task_done sending sent "
	          "sending task task_done sending sent sending sent completed");
	cr_assert(g_file_get_contents(sp, &supp, NULL, NULL));
	cr_expect(strstr(supp, "\"entry\":\"" CAROL "\"") != NULL,
	          "carol is not on the suppression list: %s", supp);
	cr_expect(strstr(supp, BOB) == NULL && strstr(supp, DAVE) == NULL,
	          "a prospect who did not bounce is suppressed: %s", supp);
}

Test(e2e, stats_and_report)
{
	g_autofree char *sp = g_build_filename(dir(), "stats.txt", NULL);
	g_autofree char *rp = g_build_filename(dir(), "report.html", NULL);
	g_autofree char *stats = NULL, *html = NULL;
	static const char *const want[][2] = {
	    {"enrolled", "3"},       {"completed", "1"},  {"replied", "1"},
	    {"bounced (hard)", "1"}, {"tasks done", "4"},
	};

	cr_assert(g_file_get_contents(sp, &stats, NULL, NULL));
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		g_autoptr(GRegex) re = NULL;
		g_autofree char *esc = g_regex_escape_string(want[i][0], -1);
		g_autofree char *pat =
		    g_strdup_printf("(?m)^%s +%s$", esc, want[i][1]);
		re = g_regex_new(pat, 0, 0, NULL);
		cr_expect(g_regex_match(re, stats, 0, NULL),
		          "cadencectl stats does not say \"%s %s\":\n%s",
		          want[i][0], want[i][1], stats);
	}
	cr_assert(g_file_get_contents(rp, &html, NULL, NULL), "no %s", rp);
	cr_expect(strstr(html, "<html") != NULL && strstr(html, "<svg") != NULL,
	          "the report is not an HTML page with a chart");
}
