/*
 * dates.c: the date an out-of-office reply says its writer is back
 * ("back on 3 December", "de retour le 12/01", "bis 3. Dezember",
 * "12月3日"), so that a cadence can pause until then. Dates without a year
 * are the next such day after now; GDateTime checks every date.
 */
#include <string.h>

#include "mail/mail_internal.h"

/* Bytes of an auto-reply searched for dates. */
#define MAX_DATE_TEXT 8192
/* Dates collected before choosing one. */
#define MAX_DATES     32
/* How far before a date a return cue may stand, in bytes. */
#define CUE_WINDOW    40
/* A date this many days before now still counts as this year's. */
#define GRACE_DAYS    7

typedef struct {
	const char *name;
	int month;
} month_name;

/* Longer names first so "juni" is not read as "jun" + "i". */
static const month_name months[] = {
    {"januari", 1},    {"january", 1},   {"janvier", 1},   {"januar", 1},
    {"jänner", 1},     {"janeiro", 1},   {"gennaio", 1},   {"enero", 1},
    {"jan", 1},        {"februari", 2},  {"february", 2},  {"février", 2},
    {"fevrier", 2},    {"februar", 2},   {"fevereiro", 2}, {"febbraio", 2},
    {"febrero", 2},    {"feb", 2},       {"maart", 3},     {"march", 3},
    {"märz", 3},       {"maerz", 3},     {"mars", 3},      {"março", 3},
    {"marco", 3},      {"marzo", 3},     {"mar", 3},       {"april", 4},
    {"avril", 4},      {"abril", 4},     {"aprile", 4},    {"apr", 4},
    {"maggio", 5},     {"mayo", 5},      {"maio", 5},      {"may", 5},
    {"mai", 5},        {"mei", 5},       {"june", 6},      {"juni", 6},
    {"juin", 6},       {"junio", 6},     {"junho", 6},     {"giugno", 6},
    {"jun", 6},        {"july", 7},      {"juli", 7},      {"juillet", 7},
    {"julio", 7},      {"julho", 7},     {"luglio", 7},    {"jul", 7},
    {"augustus", 8},   {"august", 8},    {"août", 8},      {"aout", 8},
    {"agosto", 8},     {"aug", 8},       {"september", 9}, {"septembre", 9},
    {"septiembre", 9}, {"setiembre", 9}, {"settembre", 9}, {"setembro", 9},
    {"sept", 9},       {"sep", 9},       {"october", 10},  {"oktober", 10},
    {"octobre", 10},   {"octubre", 10},  {"ottobre", 10},  {"outubro", 10},
    {"oct", 10},       {"okt", 10},      {"november", 11}, {"novembre", 11},
    {"noviembre", 11}, {"novembro", 11}, {"nov", 11},      {"december", 12},
    {"dezember", 12},  {"décembre", 12}, {"decembre", 12}, {"diciembre", 12},
    {"dicembre", 12},  {"dezembro", 12}, {"dec", 12},      {"dez", 12},
    {"dic", 12}};

/* Words before the day of return ("back on", "de retour le"). */
static const char *const return_cues[] = {
    "back",    "return", "retour",  "zurück",     "zurueck",    "wieder",
    "regres",  "vuelta", "volver",  "rientr",     "ritorn",     "terug",
    "retorno", "volto",  "estarei", "a partir d", "à partir d", "ab dem",
    "ab ",     "vanaf",  "戻",      NULL};

/* Words before the last day away ("until", "bis", "jusqu'au"). */
static const char *const until_cues[] = {
    "until", "till",   "through", "jusqu",      "bis ",
    "hasta", "fino a", "fino al", "tot en met", "t/m",
    "tot ",  "até",    "ate ",    "まで",       NULL};

/* The distinct first bytes of the month names, once. */
static const char *
month_starts(void)
{
	static char set[G_N_ELEMENTS(months) + 1];
	static gsize done;

	if (g_once_init_enter(&done)) {
		gsize k = 0;
		for (gsize i = 0; i < G_N_ELEMENTS(months); i++)
			if (strchr(set, months[i].name[0]) == NULL)
				set[k++] = months[i].name[0];
		g_once_init_leave(&done, 1);
	}
	return set;
}

static gsize
month_at(const char *s, int *month)
{
	/* Most bytes start no month name: look only at those that do. */
	if (strchr(month_starts(), *s) == NULL || *s == '\0')
		return 0;
	for (gsize i = 0; i < G_N_ELEMENTS(months); i++) {
		gsize n = strlen(months[i].name);
		if (strncmp(s, months[i].name, n) == 0 &&
		    !g_ascii_isalpha(s[n])) {
			*month = months[i].month;
			if (s[n] == '.')
				n++;
			return n;
		}
	}
	return 0;
}

/* Digits at s (at most max), their value in *v; 0 if none. */
static gsize
number_at(const char *s, int max, int *v)
{
	gsize n = 0;

	*v = 0;
	while (g_ascii_isdigit(s[n]) && (int)n < max)
		*v = *v * 10 + (s[n++] - '0');
	if (g_ascii_isdigit(s[n]))
		return 0;
	return n;
}

/* Day with its ordinal ending: "3", "3rd", "3.", "1er", "3º". */
static gsize
day_at(const char *s, int *d)
{
	gsize n = number_at(s, 2, d);

	if (n == 0 || *d < 1 || *d > 31)
		return 0;
	if (strncmp(s + n, "st", 2) == 0 || strncmp(s + n, "nd", 2) == 0 ||
	    strncmp(s + n, "rd", 2) == 0 || strncmp(s + n, "th", 2) == 0 ||
	    strncmp(s + n, "er", 2) == 0)
		n += 2;
	else if (strncmp(s + n, "º", strlen("º")) == 0)
		n += strlen("º");
	else if (s[n] == '.')
		n++;
	return n;
}

static gsize
skip_fill(const char *s)
{
	gsize n = 0;

	for (;;) {
		while (s[n] == ' ' || s[n] == ',')
			n++;
		if (strncmp(s + n, "of ", 3) == 0 ||
		    strncmp(s + n, "de ", 3) == 0 ||
		    strncmp(s + n, "di ", 3) == 0)
			n += 3;
		else
			return n;
	}
}

/* An optional year after a day and month: ", 2025" or " 25". */
static void
year_after(const char *s, int *y)
{
	gsize n = skip_fill(s);
	int v;

	if (number_at(s + n, 4, &v) == 4 && v >= 1970 && v < 2200)
		*y = v;
}

/* A date written at s; month-first numerics are tried when day-first is
 * impossible. Returns TRUE and fills y (0 when absent), m, d. */
static gboolean
date_at(const char *s, int *y, int *m, int *d)
{
	gsize n, k;
	int a, b, c;

	*y = 0;
	if ((n = number_at(s, 4, &a)) == 4 && s[4] == '-' &&
	    number_at(s + 5, 2, &b) == 2 && s[7] == '-' &&
	    number_at(s + 8, 2, &c) == 2) {
		*y = a, *m = b, *d = c;
		return TRUE;
	}
	if (n == 4 && strncmp(s + 4, "年", strlen("年")) == 0) {
		*y = a;
		s += 4 + strlen("年");
		n = number_at(s, 2, &a);
	}
	if (n > 0 && n <= 2 && strncmp(s + n, "月", strlen("月")) == 0) {
		k = n + strlen("月");
		if (number_at(s + k, 2, &b) > 0) {
			*m = a, *d = b;
			return TRUE;
		}
	}
	if ((n = day_at(s, &a)) > 0) {
		k = n + skip_fill(s + n);
		if ((n = month_at(s + k, m)) > 0) {
			*d = a;
			year_after(s + k + n, y);
			return TRUE;
		}
	}
	if ((n = month_at(s, m)) > 0) {
		k = n + skip_fill(s + n);
		if ((n = day_at(s + k, d)) > 0) {
			year_after(s + k + n, y);
			return TRUE;
		}
		return FALSE;
	}
	/* 12/01, 12.01., 12-01-2025: day first, as outside the US. */
	if ((n = number_at(s, 2, &a)) > 0 &&
	    (s[n] == '/' || s[n] == '.' || s[n] == '-') &&
	    (k = number_at(s + n + 1, 2, &b)) > 0) {
		char sep = s[n];
		const char *t = s + n + 1 + k;
		if (sep == '-' && *t != '-')
			return FALSE;
		if (sep == '.' && *t != '.')
			return FALSE;
		if (*t == sep && number_at(t + 1, 4, &c) == 4)
			*y = c;
		else if (*t == sep && number_at(t + 1, 2, &c) == 2)
			*y = 2000 + c;
		*d = a, *m = b;
		if (b > 12 && a <= 12)
			*d = b, *m = a;
		return TRUE;
	}
	return FALSE;
}

/* The date as a GDateTime, the year chosen relative to now. */
static GDateTime *
resolve(int y, int m, int d, GDateTime *now)
{
	GDateTime *t;

	if (m < 1 || m > 12 || d < 1 || d > 31)
		return NULL;
	if (y != 0) {
		if (!g_date_valid_dmy(d, m, y))
			return NULL;
		return g_date_time_new_utc(y, m, d, 0, 0, 0);
	}
	y = g_date_time_get_year(now);
	if (!g_date_valid_dmy(d, m, y) && !g_date_valid_dmy(d, m, y + 1))
		return NULL;
	if (g_date_valid_dmy(d, m, y)) {
		t = g_date_time_new_utc(y, m, d, 0, 0, 0);
		if (g_date_time_difference(t, now) >=
		    -(GTimeSpan)GRACE_DAYS * G_TIME_SPAN_DAY)
			return t;
		g_date_time_unref(t);
	}
	if (!g_date_valid_dmy(d, m, y + 1))
		return NULL;
	return g_date_time_new_utc(y + 1, m, d, 0, 0, 0);
}

/* 2 when a return cue stands just before pos, 1 an "until" cue, else 0. */
static int
cue_before(const char *s, gsize pos)
{
	gsize from = pos > CUE_WINDOW ? pos - CUE_WINDOW : 0;
	g_autofree char *win = g_strndup(s + from, pos - from);

	if (cad_text_has_any(win, return_cues))
		return 2;
	return cad_text_has_any(win, until_cues) ? 1 : 0;
}

char *
cad_return_date(const char *text, gint64 now)
{
	g_autofree char *f = NULL;
	g_autoptr(GDateTime) tnow = g_date_time_new_from_unix_utc(now);
	GDateTime *best = NULL;
	int best_cue = -1, found = 0;
	char *out;

	if (text == NULL || tnow == NULL)
		return NULL;
	f = cad_text_fold(text, MIN(strlen(text), (gsize)MAX_DATE_TEXT));
	for (gsize i = 0; f[i] != '\0' && found < MAX_DATES; i++) {
		int y, m, d, cue;
		GDateTime *t;

		if (i > 0 && g_ascii_isalnum(f[i - 1]))
			continue;
		if (!date_at(f + i, &y, &m, &d))
			continue;
		t = resolve(y, m, d, tnow);
		if (t == NULL)
			continue;
		found++;
		cue = cue_before(f, i);
		/* The first date after the strongest cue; without a cue the
		 * latest date named ("away 1 to 5 May" returns after it). */
		if (cue > best_cue || (cue == 0 && best_cue == 0 &&
		                       g_date_time_compare(t, best) > 0)) {
			if (best != NULL)
				g_date_time_unref(best);
			best = t;
			best_cue = cue;
		} else
			g_date_time_unref(t);
		while (f[i + 1] != '\0' && g_ascii_isalnum(f[i + 1]))
			i++;
	}
	if (best == NULL)
		return NULL;
	out = g_date_time_format(best, "%Y-%m-%d");
	g_date_time_unref(best);
	return out;
}
