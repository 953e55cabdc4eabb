/*
 * compose.h: build the mail the sender submits, with GMime: a cadence step
 * (a reply in the rep's thread, from the rep, with List-Unsubscribe), a
 * task reminder to the rep, and a notice to the rep. Every result is the
 * message as it goes on the wire: CRLF line ends, 7-bit clean (GMime
 * picks quoted-printable or base64 per part), our own Message-ID.
 */
#ifndef CAD_COMPOSE_H
#define CAD_COMPOSE_H

#include <glib.h>

#include "conf/conf.h"
#include "mail/template.h"
#include "store/store.h"

/* Longest field value shown in a task reminder, and most fields shown. */
#define CAD_COMPOSE_FIELD_SHOW_MAX  200
#define CAD_COMPOSE_FIELDS_SHOW_MAX 50

typedef struct {
	const cad_conf *conf;
	const cad_enrollment *e;
	const cad_prospect *p;
	const cad_rep *rep; /* the rep's [rep ADDRESS] settings, or NULL */
	const char *msgid;  /* our Message-ID for this mail, without <> */
	gint64 now;         /* the Date */
} cad_compose_in;

/*
 * cad_compose_step - the mail of an email step: From the rep, To the
 * prospect, Subject the template's or "Re: " + the thread's subject,
 * In-Reply-To the thread's last Message-ID and References the chain
 * (kept when the template sets its own subject, so the prospect's mail
 * client still files it with the thread), List-Unsubscribe (mailto with
 * the unsubscribe token, and the HTTPS URL with List-Unsubscribe-Post when
 * [sender] unsubscribe_url is set), the template's other headers, a
 * text/plain part or multipart/alternative with the HTML part.
 * Errors: CAD_TEMPLATE_ERROR MISSING (missing_out gets the field name),
 * SYNTAX. Returns the wire bytes.
 */
GBytes *cad_compose_step(const cad_compose_in *in, const cad_template *t,
                         char **missing_out, GError **error);

/*
 * cad_compose_task - the reminder of a call/linkedin/task step, to the
 * rep: From and Reply-To the task address with the enrollment's task
 * token (tasks+TOKEN@domain), who, which company, which step, the note,
 * the prospect's fields and how to answer; timeout_at is when the step
 * advances without an answer.
 */
GBytes *cad_compose_task(const cad_compose_in *in, const cad_cadence *c,
                         const cad_step *step, gint64 timeout_at,
                         GError **error);

/* cad_compose_notice - a notice queued for a rep (core/notices.h). */
GBytes *cad_compose_notice(const cad_conf *conf, const cad_notice *n,
                           const char *msgid, gint64 now, GError **error);

/* cad_compose_msgid - a new Message-ID (no <>) right of @ conf->hostname. */
char *cad_compose_msgid(const cad_conf *conf);

/*
 * cad_compose_tagged - address with "DELIM TOKEN" inserted before the @
 * ("bounces@x" -> "bounces+TOKEN@x"). NULL when address has no @.
 */
char *cad_compose_tagged(const char *address, const char *delim,
                         const char *token);

/* cad_compose_subject - own when set and not blank, else "Re: " + the
 * thread's subject (without doubling an existing "Re:"). Caller frees. */
char *cad_compose_subject(const char *own, const char *thread_subject);

/* The field lookup of a step: prospect fields, then rep_name,
 * rep_signature, rep_email. arg is a cad_compose_in. */
const char *cad_compose_field(const char *name, void *arg);

/* Where cad_compose_field() finds a field, for check-config. */
typedef enum {
	CAD_FIELD_ALWAYS,   /* every enrollment has it: email, rep_email */
	CAD_FIELD_PROSPECT, /* a standard prospect field: first_name, ... */
	CAD_FIELD_REP,      /* from [rep ADDRESS]: rep_name, rep_signature */
	CAD_FIELD_FREE,     /* any other: a prospect's free field, or a typo */
} cad_field_kind;

cad_field_kind cad_compose_field_kind(const char *name);

#endif
