/*
 * autoreply.c: is a message an automatic response? RFC 3834's
 * Auto-Submitted, the vendors' non-standard headers, vacation subjects in
 * the common languages, and challenge-response notices. List mail is told
 * apart by headers.c's cad_list_mail(), since Precedence: bulk alone says
 * "list", not "away".
 */
#include <string.h>

#include "mail/mail_internal.h"

/* Subject phrases of out-of-office and automatic replies, anywhere. */
static const char *const subject_any[] = {"automatic reply",
                                          "auto-reply",
                                          "autoreply",
                                          "auto reply",
                                          "auto response",
                                          "auto-response",
                                          "autoresponse",
                                          "automated response",
                                          "automated reply",
                                          "out of office",
                                          "out of the office",
                                          "out-of-office",
                                          "automatische antwort",
                                          "abwesenheitsnotiz",
                                          "abwesenheitsmeldung",
                                          "automatische rückantwort",
                                          "réponse automatique",
                                          "reponse automatique",
                                          "absence du bureau",
                                          "respuesta automática",
                                          "respuesta automatica",
                                          "fuera de la oficina",
                                          "fuera de oficina",
                                          "risposta automatica",
                                          "fuori ufficio",
                                          "fuori sede",
                                          "automatisch antwoord",
                                          "afwezigheidsbericht",
                                          "resposta automática",
                                          "resposta automatica",
                                          "ausência temporária",
                                          "fora do escritório",
                                          "automatyczna odpowiedź",
                                          "automatyczna odpowiedz",
                                          "automatiskt svar",
                                          "automaattinen vastaus",
                                          "automatická odpověď",
                                          "automatisk svar",
                                          "автоматический ответ",
                                          "自动回复",
                                          "自動回覆",
                                          "自動応答",
                                          "自動返信",
                                          "自動回信",
                                          "不在通知",
                                          "자동 회신",
                                          "자동응답",
                                          "otomatik yanıt",
                                          "otomatik yanit",
                                          "on vacation",
                                          "on holiday",
                                          "on leave",
                                          NULL};

/* Shorter words that mean "automatic" only at the start of a subject. */
static const char *const subject_prefix[] = {
    "auto:",   "autosvar", "vacation", "away",    "absent", "abwesend",
    "absence", "ausente",  "assente",  "afwezig", "ooo",    "[auto",
    "(auto",   "不在",     "urlaub",   "congés",  "conges", "vacaciones",
    "ferie",   "vakantie", "férias",   "ferias",  NULL};

/* Bytes of a notice searched for a challenge: the request comes first. */
#define CHALLENGE_SCAN 2048

/* Challenge-response systems: the mail waits until the sender proves to
 * be a person (RFC 3834 counts these as automatic responses). */
static const char *const challenge[] = {"boxbe",
                                        "bluebottle",
                                        "spamarrest",
                                        "spam arrest",
                                        "choicemail",
                                        "mailblocks",
                                        "sender not pre-approved",
                                        "guest list",
                                        "please verify your email",
                                        "verify that you are a human",
                                        "prove that you are human",
                                        "confirm that you are a human",
                                        "click the link below to verify",
                                        "my spam filter requires",
                                        "challenge-response",
                                        NULL};

gboolean
cad_autoreply_subject(const char *subject)
{
	g_autofree char *f = NULL;
	gboolean reply;
	const char *s;

	if (subject == NULL)
		return FALSE;
	f = cad_text_fold(subject, strlen(subject));
	if (cad_text_has_any(f, subject_any))
		return TRUE;
	s = cad_subject_strip(f, &reply);
	for (gsize i = 0; subject_prefix[i] != NULL; i++)
		if (g_str_has_prefix(s, subject_prefix[i]))
			return TRUE;
	return FALSE;
}

/* Lower-cased, unfolded value of a header, or NULL. Caller frees. */
static char *
hval(const cad_headers *h, const char *name)
{
	g_autofree char *v = cad_header_get(h, name, 256);

	return v != NULL ? cad_text_fold(v, strlen(v)) : NULL;
}

gboolean
cad_autoreply_headers(const cad_headers *h, const char *subject)
{
	g_autofree char *as = hval(h, "Auto-Submitted");
	g_autofree char *prec = hval(h, "Precedence");
	g_autofree char *xar = hval(h, "X-Autoreply");
	g_autofree char *apple = hval(h, "X-Apple-Action");
	g_autofree char *xag = hval(h, "X-Autogenerated");
	g_autofree char *dto = hval(h, "Delivered-To");
	g_autofree char *ms = hval(h, "X-MS-Exchange-Generated-Message-Source");
	gsize vlen;
	gboolean subj = cad_autoreply_subject(subject);

	if (as != NULL && g_str_has_prefix(as, "auto-replied"))
		return TRUE;
	if (xar != NULL && strcmp(xar, "no") != 0 && strcmp(xar, "0") != 0)
		return TRUE;
	if (cad_header_raw(h, "X-Autorespond", &vlen) != NULL ||
	    cad_header_raw(h, "X-Autoresponder", &vlen) != NULL ||
	    cad_header_raw(h, "X-Vacation", &vlen) != NULL)
		return TRUE;
	if (prec != NULL && (strstr(prec, "auto_reply") != NULL ||
	                     strstr(prec, "auto-reply") != NULL))
		return TRUE;
	if (apple != NULL && strstr(apple, "vacation") != NULL)
		return TRUE;
	if (xag != NULL && strstr(xag, "reply") != NULL)
		return TRUE;
	if (dto != NULL && strstr(dto, "autoresponder") != NULL)
		return TRUE;
	if (subj)
		return TRUE;
	/* Weak signals: machine-made, and answering something. */
	if ((as != NULL && strcmp(as, "no") != 0) ||
	    (ms != NULL && strstr(ms, "mailbox rules agent") != NULL)) {
		gboolean reply = FALSE;
		cad_subject_strip(subject, &reply);
		return reply || cad_header_raw(h, "In-Reply-To", &vlen) != NULL;
	}
	return FALSE;
}

static const cad_phrases *
challenge_phrases(void)
{
	static cad_phrases *set;
	static const char *const *const lists[] = {challenge};

	if (g_once_init_enter(&set))
		g_once_init_leave(&set, cad_phrases_new(lists, 1, TRUE));
	return set;
}

gboolean
cad_autoreply_challenge(const cad_headers *h, const char *text)
{
	g_autofree char *from = hval(h, "From");

	if (from != NULL && cad_text_has_any(from, challenge))
		return TRUE;
	if (text == NULL)
		return FALSE;
	return cad_phrases_scan(challenge_phrases(), text,
	                        strnlen(text, CHALLENGE_SCAN)) != 0;
}
