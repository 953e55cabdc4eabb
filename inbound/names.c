/*
 * names.c: first/last name from a display name and a company from a
 * domain, for the template fields of a prospect enrolled by BCC.
 */
#include "inbound/names.h"

#include <string.h>

/* Domains of personal mailboxes: the company is unknown there. */
static const char *const freemail[] = {
    "gmail.com",   "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com",
    "outlook.com", "live.com",       "msn.com",   "icloud.com",  "me.com",
    "mac.com",     "aol.com",        "gmx.de",    "gmx.net",     "web.de",
    "proton.me",   "protonmail.com", "yandex.ru", "mail.ru",     "qq.com",
    "163.com",     "orange.fr",      "free.fr",   "t-online.de", "libero.it",
};

/* Second-level labels under a country code: co.uk, com.au, ... */
static const char *const second_level[] = {
    "co",  "com", "net", "org", "ac", "gov", "edu",
    "ltd", "plc", "or",  "ne",  "gv", "nom",
};

/* Most labels we look at in a domain (DNS allows 127). */
#define CAD_DOMAIN_LABELS_MAX 16

static gboolean
in_list(const char *s, const char *const *list, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (g_ascii_strcasecmp(s, list[i]) == 0)
			return TRUE;
	return FALSE;
}

/* Title-case a copy of s, with '-' and '_' turned into spaces. */
static char *
company_words(const char *s)
{
	GString *out = g_string_new(NULL);
	gboolean start = TRUE;

	for (const char *p = s; *p != '\0'; p++) {
		char c = (*p == '-' || *p == '_') ? ' ' : *p;
		if (c == ' ') {
			if (!start)
				g_string_append_c(out, ' ');
			start = TRUE;
			continue;
		}
		g_string_append_c(out, start ? g_ascii_toupper(c)
		                             : g_ascii_tolower(c));
		start = FALSE;
	}
	while (out->len > 0 && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

char *
cad_company_from_domain(const char *domain)
{
	g_auto(GStrv) labels = NULL;
	guint n;

	if (domain == NULL || *domain == '\0' || strlen(domain) > 253)
		return NULL;
	for (const char *p = domain; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
			return NULL;
	if (in_list(domain, freemail, G_N_ELEMENTS(freemail)))
		return NULL;
	labels = g_strsplit(domain, ".", CAD_DOMAIN_LABELS_MAX);
	n = g_strv_length(labels);
	if (n < 2 || strchr(labels[n - 1], '.') != NULL)
		return NULL;
	for (guint i = 0; i < n; i++)
		if (*labels[i] == '\0')
			return NULL;
	/* labels[n-1] is the TLD; skip a second level such as co.uk. */
	n--;
	if (n >= 2 && strlen(labels[n]) == 2 &&
	    in_list(labels[n - 1], second_level, G_N_ELEMENTS(second_level)))
		n--;
	return company_words(labels[n - 1]);
}

/* Copy s without quotes and parenthesised comments, spaces squeezed. */
static char *
name_clean(const char *s)
{
	GString *out = g_string_new(NULL);
	int depth = 0;

	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '(') {
			depth++;
			continue;
		}
		if (*p == ')') {
			if (depth > 0)
				depth--;
			continue;
		}
		if (depth > 0 || *p == '"')
			continue;
		if (g_ascii_isspace(*p) || (guchar)*p < 0x20) {
			if (out->len > 0 && out->str[out->len - 1] != ' ')
				g_string_append_c(out, ' ');
			continue;
		}
		g_string_append_c(out, *p);
	}
	/* Outlook writes 'Jane Doe' with single quotes around the name. */
	while (out->len > 0 && (out->str[out->len - 1] == ' ' ||
	                        out->str[out->len - 1] == '\''))
		g_string_truncate(out, out->len - 1);
	while (out->len > 0 && (out->str[0] == ' ' || out->str[0] == '\''))
		g_string_erase(out, 0, 1);
	return g_string_free(out, FALSE);
}

gboolean
cad_name_split(const char *display, char **first, char **last)
{
	g_autofree char *name = NULL;
	const char *comma, *sp;

	*first = *last = NULL;
	if (display == NULL || strlen(display) > CAD_NAME_MAX ||
	    !g_utf8_validate(display, -1, NULL))
		return FALSE;
	name = name_clean(display);
	if (*name == '\0' || strchr(name, '@') != NULL)
		return FALSE;
	comma = strchr(name, ',');
	if (comma != NULL) {
		/* "Doe, Jane": the last name comes first. */
		g_autofree char *l = g_strstrip(g_strndup(name, comma - name));
		g_autofree char *f = g_strstrip(g_strdup(comma + 1));
		sp = strchr(f, ' ');
		if (sp != NULL) /* "Doe, Jane M." keeps only "Jane" */
			f[sp - f] = '\0';
		if (*f == '\0' || *l == '\0')
			return FALSE;
		*first = g_steal_pointer(&f);
		*last = g_steal_pointer(&l);
		return TRUE;
	}
	sp = strchr(name, ' ');
	if (sp == NULL) {
		*first = g_steal_pointer(&name);
		return TRUE;
	}
	*first = g_strndup(name, sp - name);
	*last = g_strdup(sp + 1);
	return TRUE;
}
