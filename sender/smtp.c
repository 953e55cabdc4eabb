/*
 * smtp.c: libESMTP sessions to the relay. Works around libESMTP 1.1.0's
 * freed static SSL_CTX by passing our own context to every session
 * (REFERENCE §4), and judges each message by its recipient and transfer
 * status, never by smtp_start_session()'s return alone.
 */
#include "sender/smtp.h"

#include <signal.h>
#include <string.h>

/* libesmtp.h declares smtp_starttls_set_ctx only after <openssl/ssl.h>
 * and smtp_auth_set_context only after <auth-client.h>: keep the order. */
/* clang-format off */
#include <openssl/ssl.h>
#include <auth-client.h>
#include <libesmtp.h>
/* clang-format on */

#include "common/log.h"
#include "common/util.h"

struct cad_smtp {
	char *relay;
	cad_starttls starttls;
	char *user, *password;
	SSL_CTX *ssl;
	gboolean cert_warned;
};

/* The data reader's position, allocated with malloc: libESMTP frees it. */
typedef struct {
	gsize off;
} reader;

const char *
cad_smtp_outcome_name(cad_smtp_outcome o)
{
	switch (o) {
	case CAD_SMTP_SENT:
		return "sent";
	case CAD_SMTP_DEFERRED:
		return "deferred";
	case CAD_SMTP_RCPT_REFUSED:
		return "recipient refused";
	case CAD_SMTP_REFUSED:
		return "refused";
	case CAD_SMTP_UNKNOWN:
		return "unknown";
	}
	return "?";
}

void
cad_smtp_msg_clear(cad_smtp_msg *m)
{
	g_clear_pointer(&m->text, g_free);
	m->code = 0;
	m->outcome = CAD_SMTP_DEFERRED;
	m->data_started = FALSE;
}

static char *
read_password(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	gsize len;

	if (!g_file_get_contents(path, &text, &len, error))
		return NULL;
	if (len > CAD_SMTP_PASSWORD_MAX) {
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "%s: longer than %d bytes", path,
		            CAD_SMTP_PASSWORD_MAX);
		return NULL;
	}
	text[strcspn(text, "\r\n")] = '\0';
	return g_steal_pointer(&text);
}

cad_smtp *
cad_smtp_new(const cad_conf *conf, GError **error)
{
	g_autofree char *password = NULL;
	cad_smtp *s;
	static gsize once;

	if (conf->auth_user != NULL && *conf->auth_user != '\0') {
		if (conf->auth_password_file == NULL) {
			g_set_error_literal(
			    error, CAD_ERROR, CAD_ERROR_INVALID,
			    "[sender] auth_user needs auth_password_file");
			return NULL;
		}
		password = read_password(conf->auth_password_file, error);
		if (password == NULL)
			return NULL;
	}
	if (g_once_init_enter(&once)) {
		auth_client_init();
		g_once_init_leave(&once, 1);
	}
	signal(SIGPIPE, SIG_IGN);
	s = g_new0(cad_smtp, 1);
	s->relay = g_strdup(conf->relay != NULL ? conf->relay : "127.0.0.1:25");
	s->starttls = conf->starttls;
	s->user = g_strdup(conf->auth_user);
	s->password = g_steal_pointer(&password);
	if (s->starttls != CAD_STARTTLS_NO)
		s->ssl = SSL_CTX_new(TLS_client_method());
	return s;
}

void
cad_smtp_free(cad_smtp *s)
{
	if (s == NULL)
		return;
	g_free(s->relay);
	g_free(s->user);
	if (s->password != NULL)
		memset(s->password, 0, strlen(s->password));
	g_free(s->password);
	if (s->ssl != NULL)
		SSL_CTX_free(s->ssl);
	g_free(s);
}

void
cad_smtp_set_relay(cad_smtp *s, const char *relay)
{
	g_free(s->relay);
	s->relay = g_strdup(relay);
}

/* read_data - libESMTP's message callback over a GBytes. */
static const char *
read_data(void **ctx, int *len, void *arg)
{
	cad_smtp_msg *m = arg;
	reader *r = *ctx;
	gsize size;
	const char *data = g_bytes_get_data(m->data, &size);

	if (r == NULL) {
		r = malloc(sizeof(*r));
		if (r == NULL)
			return NULL;
		r->off = 0;
		*ctx = r;
	}
	if (len == NULL) {
		r->off = 0;
		return NULL;
	}
	m->data_started = TRUE;
	if (r->off >= size) {
		*len = 0;
		return NULL;
	}
	*len = (int)MIN(size - r->off, (gsize)G_MAXINT);
	data += r->off;
	r->off += (gsize)*len;
	return data;
}

/* on_event - accept the relay's certificate: see cadence-sender(8). */
static void
on_event(smtp_session_t session, int event, void *arg, ...)
{
	cad_smtp *s = arg;
	va_list ap;
	int *ok;

	va_start(ap, arg);
	switch (event) {
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		(void)va_arg(ap, long);
		ok = va_arg(ap, int *);
		*ok = 1;
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		ok = va_arg(ap, int *);
		*ok = 1;
		break;
	default:
		ok = NULL;
	}
	va_end(ap);
	if (ok != NULL && !s->cert_warned) {
		s->cert_warned = TRUE;
		log_info("relay %s: certificate not verified (accepted: the "
		         "relay is a configured local hop)",
		         s->relay);
	}
}

static int
on_auth(auth_client_request_t req, char **result, int fields, void *arg)
{
	cad_smtp *s = arg;

	for (int i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = s->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = s->password;
		else
			return 0;
	}
	return 1;
}

static void
set_timeouts(smtp_session_t session)
{
	static const int which[] = {Timeout_GREETING, Timeout_ENVELOPE,
	                            Timeout_DATA, Timeout_TRANSFER,
	                            Timeout_DATA2};

	for (gsize i = 0; i < G_N_ELEMENTS(which); i++)
		smtp_set_timeout(session,
		                 which[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
		                 CAD_SMTP_TIMEOUT_MS);
}

static char *
status_text(const smtp_status_t *st)
{
	g_autofree char *raw = g_strdup(st->text != NULL ? st->text : "");
	g_autofree char *t = NULL;

	g_strchomp(raw); /* the reply's CRLF */
	t = cad_printable(raw, -1, 200);
	return g_strdup_printf("%d %s", st->code, t);
}

/*
 * judge - the outcome of one message from its statuses. The order of the
 * tests follows the transaction: MAIL, RCPT, then the data.
 */
static void
judge(cad_smtp_msg *m, smtp_message_t msg, smtp_recipient_t rcpt,
      const char *session_error)
{
	const smtp_status_t *mail = smtp_reverse_path_status(msg);
	const smtp_status_t *rs = smtp_recipient_status(rcpt);
	const smtp_status_t *ts = smtp_message_transfer_status(msg);
	const smtp_status_t *decider = NULL;

	if (mail != NULL && mail->code >= 400) {
		decider = mail;
		m->outcome =
		    mail->code >= 500 ? CAD_SMTP_REFUSED : CAD_SMTP_DEFERRED;
	} else if (rs != NULL && rs->code >= 400) {
		decider = rs;
		m->outcome =
		    rs->code >= 500 ? CAD_SMTP_RCPT_REFUSED : CAD_SMTP_DEFERRED;
	} else if (ts != NULL && ts->code >= 200) {
		decider = ts;
		if (ts->code < 300)
			m->outcome = CAD_SMTP_SENT;
		else if (ts->code < 500)
			m->outcome = CAD_SMTP_DEFERRED;
		else
			m->outcome = CAD_SMTP_REFUSED;
	} else {
		/* No final reply: safe to retry only if no data went out. */
		m->outcome =
		    m->data_started ? CAD_SMTP_UNKNOWN : CAD_SMTP_DEFERRED;
	}
	g_free(m->text);
	if (decider != NULL) {
		m->code = decider->code;
		m->text = status_text(decider);
	} else {
		m->code = 0;
		m->text = g_strdup(session_error != NULL ? session_error
		                                         : "no reply");
	}
}

gboolean
cad_smtp_send(cad_smtp *s, cad_smtp_msg *msgs, guint n, GError **error)
{
	smtp_session_t session;
	auth_context_t auth = NULL;
	g_autofree smtp_message_t *mh = g_new0(smtp_message_t, n + 1);
	g_autofree smtp_recipient_t *rh = g_new0(smtp_recipient_t, n + 1);
	g_autofree char *session_error = NULL;
	int ok;

	session = smtp_create_session();
	if (session == NULL) {
		g_set_error_literal(error, CAD_ERROR, CAD_ERROR_FAILED,
		                    "libESMTP cannot create a session");
		return FALSE;
	}
	smtp_set_server(session, s->relay);
	smtp_set_eventcb(session, on_event, s);
	set_timeouts(session);
	if (s->ssl != NULL) {
		smtp_starttls_set_ctx(session, s->ssl);
		smtp_starttls_enable(session,
		                     s->starttls == CAD_STARTTLS_REQUIRED
		                         ? Starttls_REQUIRED
		                         : Starttls_ENABLED);
	} else
		smtp_starttls_enable(session, Starttls_DISABLED);
	if (s->user != NULL) {
		auth = auth_create_context();
		auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(auth, on_auth, s);
		smtp_auth_set_context(session, auth);
	}
	for (guint i = 0; i < n; i++) {
		cad_smtp_msg_clear(&msgs[i]);
		mh[i] = smtp_add_message(session);
		smtp_set_reverse_path(mh[i], msgs[i].reverse_path);
		rh[i] = smtp_add_recipient(mh[i], msgs[i].recipient);
		smtp_set_messagecb(mh[i], read_data, &msgs[i]);
	}
	ok = smtp_start_session(session);
	if (!ok) {
		char buf[256];
		session_error = g_strdup_printf(
		    "relay %s: %s", s->relay,
		    smtp_strerror(smtp_errno(), buf, sizeof(buf)));
	}
	for (guint i = 0; i < n; i++)
		judge(&msgs[i], mh[i], rh[i], session_error);
	smtp_destroy_session(session);
	if (auth != NULL)
		auth_destroy_context(auth);
	if (session_error != NULL) {
		g_set_error_literal(error, CAD_ERROR, CAD_ERROR_FAILED,
		                    session_error);
		return FALSE;
	}
	return TRUE;
}
