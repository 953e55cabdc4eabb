/*
 * reply.c: what a person wrote in a reply: the new text above the quoted
 * original, whether it asks to be left alone (unsubscribe, "remove me",
 * "not interested, stop"), and a rep's one-word answer to a task reminder.
 */
#include <string.h>

#include "mail/mail_internal.h"

/* Bytes of a reply's new text searched for an unsubscribe request; a
 * request is short and comes first. */
#define UNSUB_SCAN 1024

/* Lines that start the quoted original (or a signature) in the common
 * mail clients and languages. */
static const char *const quote_starts[] = {"-----original message",
                                           "----- original message",
                                           "-------- original message",
                                           "---------- forwarded message",
                                           "-------- message d'origine",
                                           "-----ursprüngliche nachricht",
                                           "----- ursprüngliche nachricht",
                                           "-----mensaje original",
                                           "-----messaggio originale",
                                           "-----oorspronkelijk bericht",
                                           "-----mensagem original",
                                           "________________________________",
                                           "sent from my ",
                                           "get outlook for",
                                           "envoyé de mon",
                                           "von meinem",
                                           "enviado desde mi",
                                           "inviato da",
                                           NULL};

/* Endings of an attribution line ("On <date>, X wrote:"). */
static const char *const wrote[] = {
    "wrote:",      "schrieb:", "a écrit :", "a écrit:", "escribió:",
    "ha scritto:", "schreef:", "escreveu:", "napisał:", "skrev:",
    "kirjoitti:",  "написал:", "wrote :",   NULL};

static gboolean
starts_quote(const char *line, const char *next)
{
	g_autofree char *f = cad_text_fold(line, strlen(line));

	if (strcmp(f, "--") == 0 || g_str_has_prefix(line, "-- "))
		return TRUE;
	for (gsize i = 0; quote_starts[i] != NULL; i++)
		if (g_str_has_prefix(f, quote_starts[i]))
			return TRUE;
	for (gsize i = 0; wrote[i] != NULL; i++)
		if (g_str_has_suffix(f, wrote[i]))
			return TRUE;
	/* Outlook: "From: X" then "Sent:"/"Date:" on the next line. */
	if ((g_str_has_prefix(f, "from:") || g_str_has_prefix(f, "von:") ||
	     g_str_has_prefix(f, "de :") || g_str_has_prefix(f, "de:")) &&
	    next != NULL &&
	    (g_ascii_strncasecmp(next, "sent:", 5) == 0 ||
	     g_ascii_strncasecmp(next, "date:", 5) == 0 ||
	     g_ascii_strncasecmp(next, "gesendet:", 9) == 0 ||
	     g_ascii_strncasecmp(next, "envoyé :", 9) == 0 ||
	     g_ascii_strncasecmp(next, "to:", 3) == 0))
		return TRUE;
	/* "On Mon, 3 Dec 2024 at 10:00, X <x@y>" folded over two lines. */
	if (g_str_has_prefix(f, "on ") && next != NULL) {
		g_autofree char *fn = cad_text_fold(next, strlen(next));
		for (gsize i = 0; wrote[i] != NULL; i++)
			if (g_str_has_suffix(fn, wrote[i]))
				return TRUE;
	}
	return FALSE;
}

char *
cad_reply_extract(const char *text)
{
	g_autofree char *copy = NULL;
	g_autofree char **lines = NULL;
	GString *out;

	if (text == NULL)
		return NULL;
	copy = g_strdup(text);
	lines = cad_text_lines(copy, 2000);
	out = g_string_new(NULL);
	for (guint i = 0; lines[i] != NULL; i++) {
		char *l = g_strchomp(lines[i]);
		if (starts_quote(l, lines[i + 1]))
			break;
		if (l[0] == '>')
			continue;
		if (out->len + strlen(l) + 1 > CAD_REPLY_TEXT_MAX)
			break;
		g_string_append(out, l);
		g_string_append_c(out, '\n');
	}
	g_strstrip(out->str);
	out->len = strlen(out->str);
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	{
		char *r =
		    cad_text_clean(out->str, out->len, CAD_REPLY_TEXT_MAX);
		g_string_free(out, TRUE);
		return r;
	}
}

/* Requests to be left alone, in the common languages. */
static const char *const unsub[] = {"unsubscribe",
                                    "remove me",
                                    "take me off",
                                    "opt me out",
                                    "opt out",
                                    "opt-out",
                                    "stop emailing",
                                    "stop e-mailing",
                                    "stop sending",
                                    "stop contacting",
                                    "stop mailing",
                                    "stop writing",
                                    "do not contact",
                                    "don't contact",
                                    "dont contact",
                                    "do not email",
                                    "don't email",
                                    "do not e-mail",
                                    "no more emails",
                                    "no more e-mails",
                                    "please stop",
                                    "leave me alone",
                                    "remove my email",
                                    "remove my address",
                                    "remove us",
                                    "take us off",
                                    "delete my email",
                                    "delete my address",
                                    "not interested, stop",
                                    "not interested. stop",
                                    "abmelden",
                                    "austragen",
                                    "nicht mehr kontaktieren",
                                    "keine weiteren e-mails",
                                    "keine e-mails mehr",
                                    "entfernen sie mich",
                                    "bitte entfernen",
                                    "désabonner",
                                    "desabonner",
                                    "désinscrire",
                                    "desinscrire",
                                    "désinscription",
                                    "retirez-moi",
                                    "ne plus recevoir",
                                    "ne me contactez plus",
                                    "darme de baja",
                                    "dar de baja",
                                    "darse de baja",
                                    "no me contacte",
                                    "no quiero recibir",
                                    "elimíname",
                                    "eliminarme",
                                    "disiscrivi",
                                    "disiscrivermi",
                                    "cancellami",
                                    "non contattarmi",
                                    "rimuovimi",
                                    "rimuovetemi",
                                    "afmelden",
                                    "uitschrijven",
                                    "verwijder mij",
                                    "niet meer mailen",
                                    "descadastrar",
                                    "descadastre",
                                    "me remova",
                                    "não quero receber",
                                    "nao quero receber",
                                    "配信停止",
                                    "退订",
                                    NULL};

gboolean
cad_reply_unsubscribe(const char *reply_text, const char *subject)
{
	g_autofree char *fs = NULL, *ft = NULL;

	if (subject != NULL) {
		gboolean re;
		const char *s = cad_subject_strip(subject, &re);
		fs = cad_text_fold(s, strlen(s));
		if (g_str_has_prefix(fs, "unsubscribe") ||
		    g_str_has_prefix(fs, "remove me") ||
		    g_str_has_prefix(fs, "abmelden") ||
		    g_str_has_prefix(fs, "désabonner"))
			return TRUE;
	}
	if (reply_text == NULL)
		return FALSE;
	ft = cad_text_fold(reply_text,
	                   MIN(strlen(reply_text), (gsize)UNSUB_SCAN));
	if (strcmp(ft, "stop") == 0 || g_str_has_prefix(ft, "stop.") ||
	    g_str_has_prefix(ft, "stop!"))
		return TRUE;
	if (strstr(ft, "not interested") != NULL &&
	    (strstr(ft, "stop") != NULL || strstr(ft, "remove") != NULL))
		return TRUE;
	return cad_text_has_any(ft, unsub);
}

const char *
cad_reply_answer(const char *reply_text)
{
	static const char *const answers[] = {"done",      "skip",    "stop",
	                                      "connected", "meeting", NULL};
	const char *p = reply_text;
	gsize n = 0;

	if (p == NULL)
		return NULL;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	while (g_ascii_isalpha(p[n]) && n < 16)
		n++;
	if (g_ascii_isalnum(p[n]) || p[n] == '@')
		return NULL;
	for (gsize i = 0; answers[i] != NULL; i++)
		if (strlen(answers[i]) == n &&
		    g_ascii_strncasecmp(p, answers[i], n) == 0)
			return answers[i];
	return NULL;
}
