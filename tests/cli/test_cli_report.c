/*
 * test_cli_report.c: `stats` and `report` through the command line on
 * the hand-built history of history.c (answers worked out by hand), and
 * the HTML report rendered by a real browser: headless Chromium loads
 * the page, a probe measures the drawn SVG, and the rendered DOM must
 * show the figures. Skipped when chromium is not installed.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "fixture.h"
#include "history.h"

#define CHROMIUM "/usr/bin/chromium"
#define NOW      "--at=2026-11-22T09:00:00Z" /* HIST_NOW */

static void
setup(void)
{
	fx_setup();
	history_build(fx_store);
}

TestSuite(cli_report, .init = setup, .fini = fx_teardown);

Test(cli_report, stats_json_total)
{
	g_autoptr(cli_run) r = fx_cli(NOW, "stats", "--json", NULL);

	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(
	    r->out,
	    "{\"group\":\"total\",\"enrolled\":10,"
	    "\"active\":2,\"completed\":1,\"replied\":3,\"reply_rate\":0.3000,"
	    "\"bounced_hard\":1,\"bounced_soft\":1,\"bounce_rate\":0.1000,"
	    "\"auto_replied\":1,\"unsubscribed\":1,\"complaints\":1,"
	    "\"unsubscribe_rate\":0.2000,\"completion_rate\":0.1000,"
	    "\"median_reply_secs\":216000,\"p90_reply_secs\":259200,"
	    "\"tasks_done\":2,\"tasks_skipped\":1,\"tasks_timed_out\":1,"
	    "\"tasks_overdue\":1,\"calls_connected\":1,\"meetings_booked\":1}"
	    "\n");
}

static gboolean
has_line(const char *text, const char *re)
{
	return g_regex_match_simple(re, text, G_REGEX_MULTILINE, 0);
}

Test(cli_report, stats_table_for_people)
{
	g_autoptr(cli_run) r = fx_cli(NOW, "stats", NULL);

	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(has_line(r->out, "^reply rate +30\\.0%$"), "%s", r->out);
	cr_assert(has_line(r->out, "^median time to reply +2d 12h$"));
	cr_assert(has_line(r->out, "^p90 time to reply +3d 0h$"));
	cr_assert(has_line(r->out, "^tasks overdue +1$"));
	/* The per-step table follows: cold step 2 went to 4, 1 replied. */
	cr_assert(has_line(r->out, "^cold +2 +linkedin +4 +1 +25\\.0%$"));
}

Test(cli_report, stats_by_group)
{
	g_autoptr(cli_run) c =
	    fx_cli(NOW, "stats", "--by", "cadence", "--csv", NULL);
	g_autoptr(cli_run) w =
	    fx_cli(NOW, "stats", "--by", "week", "--json", NULL);
	g_autoptr(cli_run) rp =
	    fx_cli(NOW, "stats", "--by", "rep", "--json", NULL);
	g_autoptr(cli_run) s = fx_cli(NOW, "stats", "--by", "step", "--json",
	                              "--cadence", "warm", NULL);
	g_autoptr(cli_run) bad = fx_cli("stats", "--by", "month", NULL);
	g_auto(GStrv) lines = g_strsplit(c->out, "\r\n", -1);

	cr_assert_eq(c->status, 0, "%s", c->err);
	cr_assert(g_str_has_prefix(lines[0], "cadence,enrolled,active,"));
	cr_assert(g_str_has_prefix(lines[1], "cold,6,0,1,2,0.3333,1,1,0.1667,"),
	          "%s", lines[1]);
	cr_assert(g_str_has_prefix(lines[2], "warm,4,2,0,1,0.2500,0,0,0.0000,"),
	          "%s", lines[2]);
	cr_assert(g_str_has_prefix(lines[3], "total,10,2,1,3,0.3000,"));
	cr_assert(strstr(w->out, "{\"week\":\"2026-W45\",\"enrolled\":6") !=
	              NULL,
	          "%s", w->out);
	cr_assert(strstr(w->out, "{\"week\":\"2026-W46\",\"enrolled\":4") !=
	          NULL);
	cr_assert(strstr(rp->out,
	                 "{\"rep\":\"r2@example.com\",\"enrolled\":4") != NULL,
	          "%s", rp->out);
	cr_assert(strstr(s->err, "no cadence 'warm'") != NULL, "a warning");
	cr_assert_str_eq(
	    s->out,
	    "{\"cadence\":\"warm\",\"step\":1,\"channel\":\"email\",\"sent\":4,"
	    "\"replies\":0,\"reply_rate\":0.0000}\n"
	    "{\"cadence\":\"warm\",\"step\":2,\"channel\":null,\"sent\":4,"
	    "\"replies\":1,\"reply_rate\":0.2500}\n"
	    "{\"cadence\":\"warm\",\"step\":3,\"channel\":null,\"sent\":2,"
	    "\"replies\":0,\"reply_rate\":0.0000}\n");
	cr_assert_eq(bad->status, 64);
}

Test(cli_report, stats_filters)
{
	g_autoptr(cli_run) since =
	    fx_cli(NOW, "stats", "--json", "--since", "2026-11-09", NULL);
	g_autoptr(cli_run) rep =
	    fx_cli(NOW, "stats", "--json", "--rep", "R1@Example.com", NULL);
	g_autoptr(cli_run) bad = fx_cli("stats", "--since", "last week", NULL);

	cr_assert(strstr(since->out, "\"enrolled\":4,") != NULL, "%s",
	          since->out);
	cr_assert(strstr(rep->out, "\"enrolled\":6,") != NULL);
	cr_assert(strstr(rep->out, "\"tasks_done\":0,") != NULL);
	cr_assert_eq(bad->status, 64);
}

static char *
write_report(void)
{
	char *html = g_build_filename(fx_dir, "report.html", NULL);
	g_autoptr(cli_run) r = fx_cli(NOW, "report", "--html", html, "--title",
	                              "Q4 <outreach>", NULL);

	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "report written to") != NULL);
	return html;
}

Test(cli_report, report_is_self_contained)
{
	g_autofree char *path = write_report();
	g_autofree char *html = NULL;

	cr_assert(g_file_get_contents(path, &html, NULL, NULL));
	cr_assert(g_str_has_prefix(html, "<!DOCTYPE html>"));
	/* Nothing to fetch: no URLs, scripts, links or images. */
	cr_assert_null(strstr(html, "http"));
	cr_assert_null(strstr(html, "<script"));
	cr_assert_null(strstr(html, "<link"));
	cr_assert_null(strstr(html, "<img"));
	/* The title is escaped; a funnel and bars per cadence. */
	cr_assert_not_null(strstr(html, "<h1>Q4 &lt;outreach&gt;</h1>"));
	cr_assert_eq(fx_count(html, "<svg class=\"funnel\""), 2);
	cr_assert_eq(fx_count(html, "<svg class=\"step-bars\""), 2);
	cr_assert_eq(fx_count(html, "<svg class=\"weeks\""), 1);
	cr_assert_not_null(strstr(html, "Step 2 \xc2\xb7 linkedin"));
	g_autoptr(cli_run) usage = fx_cli("report", NULL);
	cr_assert_eq(usage->status, 64);
}

/*
 * A probe run by the browser after layout: how many SVG shapes were
 * drawn with a size, and how many labels fall outside their chart.
 */
static const char probe[] =
    "<script>window.addEventListener('load',function(){"
    "var drawn=0,out=0,texts=0,overlap=0,what='';"
    "document.querySelectorAll('svg').forEach(function(s){"
    "var b=s.getBoundingClientRect(),seen=[];"
    "s.querySelectorAll('rect').forEach(function(r){"
    "var q=r.getBoundingClientRect();if(q.width>0&&q.height>0)drawn++;});"
    "s.querySelectorAll('text').forEach(function(t){texts++;"
    "var q=t.getBoundingClientRect();"
    "if(q.width<=0||q.left<b.left-1||q.right>b.right+1||"
    "q.top<b.top-1||q.bottom>b.bottom+1)out++;"
    "seen.forEach(function(o){if(q.left<o.right-1&&o.left<q.right-1&&"
    "q.top<o.bottom-1&&o.top<q.bottom-1){overlap++;"
    "what+=' ['+o.t+'|'+t.textContent+']';}});"
    "q={left:q.left,right:q.right,top:q.top,bottom:q.bottom,"
    "t:t.textContent};seen.push(q);});});"
    "var p=document.createElement('pre');p.id='probe';"
    "p.textContent='drawn='+drawn+' texts='+texts+' outside='+out+"
    "' overlap='+overlap+what;"
    "document.body.appendChild(p);});</script>";

static char *
chromium(const char *what, const char *url)
{
	g_autofree char *profile = g_build_filename(fx_dir, "chromium", NULL);
	g_autofree char *profile_arg =
	    g_strconcat("--user-data-dir=", profile, NULL);
	const char *argv[] = {"timeout",
	                      "90",
	                      CHROMIUM,
	                      "--headless",
	                      "--no-sandbox",
	                      "--disable-gpu",
	                      "--disable-quic",
	                      "--no-first-run",
	                      "--disable-background-networking",
	                      "--disable-component-update",
	                      "--disable-sync",
	                      "--hide-scrollbars",
	                      "--window-size=1200,2400",
	                      profile_arg,
	                      what,
	                      url,
	                      NULL};
	g_autofree char *err = NULL;
	char *out = NULL;
	int status = 0;

	cr_assert(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
	                       NULL, NULL, &out, &err, &status, NULL));
	cr_assert(g_spawn_check_wait_status(status, NULL), "chromium: %s", err);
	return out;
}

Test(cli_report, renders_in_chromium, .timeout = 240)
{
	g_autofree char *path = NULL;
	g_autofree char *html = NULL;
	g_autofree char *probed = NULL;
	g_autofree char *url = NULL;
	g_autofree char *dom = NULL;
	g_autofree char *shot = NULL;
	g_autofree char *shot_arg = NULL;
	g_autofree char *png = NULL;
	gsize png_len = 0;

	if (!g_file_test(CHROMIUM, G_FILE_TEST_IS_EXECUTABLE))
		cr_skip_test("%s is not installed", CHROMIUM);
	path = write_report();
	cr_assert(g_file_get_contents(path, &html, NULL, NULL));
	GString *s = g_string_new(html);
	g_string_replace(s, "</body>", probe, 1);
	g_string_append(s, "</body></html>\n");
	probed = fx_write("probed.html", s->str);
	g_string_free(s, TRUE);

	url = g_strconcat("file://", probed, NULL);
	dom = chromium("--dump-dom", url);
	/* Every bar drawn, every label inside its chart. */
	const char *pr = strstr(dom, "<pre id=\"probe\">drawn=");
	cr_assert_not_null(pr);
	/* Shapes: funnels 2 x (enrolled, 3 steps, replied), the 3 step bars
	 * above 0%, 2 weeks: 15. Labels: funnels 2 x 5 x 2; step bars (rate,
	 * 1 or 2 name lines, n/m) 12 + 10; weeks 2 x 2: 46. None outside its
	 * chart nor on top of another. */
	cr_assert(g_str_has_prefix(pr, "<pre id=\"probe\">drawn=15 texts=46 "
	                               "outside=0 overlap=0</pre>"),
	          "%.200s", pr);
	/* The figures are in the rendered page. */
	cr_assert_not_null(strstr(dom, "<div class=\"card\" id=\"card-reply-"
	                               "rate\"><div class=\"v\">30.0%</div>"));
	cr_assert_not_null(strstr(dom, "<div class=\"v\">2d 12h</div>"));
	cr_assert_not_null(strstr(dom, ">25.0%</text>"), "cold step 2");
	cr_assert_not_null(strstr(dom, ">2026-W45</text>"));
	cr_assert_not_null(strstr(
	    dom, "<td>total</td><td>10</td><td>2</td>"
	         "<td>1</td><td>3</td><td>1</td><td>1</td><td>1</td><td>1</td>"
	         "<td>1</td></tr>"));
	cr_assert_not_null(strstr(
	    dom, "<td>total</td><td>30.0%</td>"
	         "<td>10.0%</td><td>20.0%</td><td>10.0%</td><td>2d 12h</td>"
	         "<td>3d 0h</td></tr>"));
	cr_assert_not_null(strstr(dom, "<table id=\"tasks\">"));

	/* A screenshot for people, kept in the build tree. */
	shot = g_build_filename(CAD_BINARY_DIR, "cli-report.png", NULL);
	shot_arg = g_strconcat("--screenshot=", shot, NULL);
	g_autofree char *url2 = g_strconcat("file://", path, NULL);
	g_free(chromium(shot_arg, url2));
	cr_assert(g_file_get_contents(shot, &png, &png_len, NULL));
	cr_assert(png_len > 20000, "a real picture, not a blank page");
	cr_assert_eq(memcmp(png, "\x89PNG", 4), 0);
}
