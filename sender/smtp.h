/*
 * smtp.h: submission to the relay with libESMTP. One call sends a batch of
 * messages over one session (one connection, PIPELINING when offered) and
 * reports, for each message, what the relay said: sent, deferred (4xx or
 * no connection: retry), recipient refused (5xx at RCPT: hard bounce),
 * content refused (5xx at DATA), or unknown (the data may have reached
 * the relay but no reply came back: never resent, see cad_smtp_outcome).
 */
#ifndef CAD_SMTP_H
#define CAD_SMTP_H

#include <glib.h>

#include "conf/conf.h"

/* SMTP timeouts. libESMTP counts in milliseconds (REFERENCE §4); the relay
 * is local, so two minutes of silence means it is stuck, not slow. */
#define CAD_SMTP_TIMEOUT_MS   (120 * 1000)
/* Longest password file we read. */
#define CAD_SMTP_PASSWORD_MAX 1024

typedef enum {
	CAD_SMTP_SENT,         /* 2xx after the data */
	CAD_SMTP_DEFERRED,     /* 4xx, or the data was never handed over */
	CAD_SMTP_RCPT_REFUSED, /* 5xx for the recipient: a hard bounce */
	CAD_SMTP_REFUSED,      /* 5xx for the message (MAIL or DATA) */
	CAD_SMTP_UNKNOWN,      /* data handed over, no reply: ambiguous */
} cad_smtp_outcome;

const char *cad_smtp_outcome_name(cad_smtp_outcome o);

typedef struct {
	/* in */
	const char *reverse_path; /* envelope sender */
	const char *recipient;
	GBytes *data; /* the message, CRLF line ends */
	/* out */
	cad_smtp_outcome outcome;
	int code;   /* the reply code that decided, 0 when none */
	char *text; /* "451 4.3.0 try later" or the local error; printable */
	gboolean data_started; /* libESMTP read the data to send it */
} cad_smtp_msg;

void cad_smtp_msg_clear(cad_smtp_msg *m);

typedef struct cad_smtp cad_smtp;

/*
 * cad_smtp_new - a client for conf's [sender] relay, starttls, auth_user
 * and auth_password_file (read here). Ignores SIGPIPE for the process: a
 * relay that closes the connection must not kill the sender. Errors:
 * the password file cannot be read.
 */
cad_smtp *cad_smtp_new(const cad_conf *conf, GError **error);
void cad_smtp_free(cad_smtp *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_smtp, cad_smtp_free)

/* Override the relay ("host:port"), e.g. for tests. */
void cad_smtp_set_relay(cad_smtp *s, const char *relay);

/*
 * cad_smtp_send - one session carrying msgs[0..n). Every message gets an
 * outcome. Returns FALSE (and error) when the session failed as a whole
 * (no connection, TLS required but not offered, AUTH refused); messages
 * then are DEFERRED, or UNKNOWN when their data had started to go out.
 */
gboolean cad_smtp_send(cad_smtp *s, cad_smtp_msg *msgs, guint n,
                       GError **error);

#endif
