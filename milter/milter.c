/*
 * milter.c: the libmilter callbacks of cadence-milter. Each one copies
 * what it is given into the connection or message context and hands the
 * work to enroll.c and inbound.c; nothing here ever rejects or delays
 * mail: an internal failure logs one line and the message goes on.
 */
#include "milter/milter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string.h>

#include <libmilter/mfapi.h>

#include "common/log.h"
#include "common/util.h"
#include "inbound/address.h"
#include "inbound/enroll.h"
#include "inbound/inbound.h"
#include "inbound/trust.h"
#include "milter/msgbuf.h"

/* The configuration snapshot: a reference held per message. */
typedef struct {
	cad_conf *conf;
} conf_box;

/* Daemon-wide state: set once at start, then only the snapshot changes. */
static struct {
	cad_store *store;
	GMutex lock; /* guards conf, active and stopping */
	GCond drained;
	conf_box *conf;
	guint active;      /* connections with a context (connctx) */
	gboolean stopping; /* set by cad_milter_drain: no new context */
} milter;

/* Per message: the envelope, what was asked of us, the buffer. */
typedef struct {
	conf_box *cb;
	char *sender;      /* bare, lower-cased; NULL for <> */
	char *auth_authen; /* SASL login or NULL */
	char *qid;         /* Postfix queue id, known from DATA on */
	GPtrArray *rcpts;  /* as passed to envrcpt, for smfi_delrcpt */
	gboolean enroll;   /* a cadence address is among the recipients */
	char *cadence;     /* its +NAME, or NULL for the default */
	gboolean want_body;
	guint forged; /* X-Cadence fields the message arrived with */
	cad_msgbuf mb;
} msgctx;

/* Per connection: the client and the message under way. */
typedef struct {
	char *client_ip;      /* text; NULL for a non-SMTP submission */
	unsigned long pflags; /* protocol flags agreed in negotiate */
	msgctx *msg;
} connctx;

static void
conf_box_clear(gpointer data)
{
	conf_box *b = data;

	cad_conf_free(b->conf);
}

static conf_box *
conf_acquire(void)
{
	conf_box *b;

	g_mutex_lock(&milter.lock);
	b = g_atomic_rc_box_acquire(milter.conf);
	g_mutex_unlock(&milter.lock);
	return b;
}

static void
conf_release(conf_box *b)
{
	if (b != NULL)
		g_atomic_rc_box_release_full(b, conf_box_clear);
}

static void
msgctx_free(msgctx *m)
{
	if (m == NULL)
		return;
	conf_release(m->cb);
	g_free(m->sender);
	g_free(m->auth_authen);
	g_free(m->qid);
	g_ptr_array_unref(m->rcpts);
	g_free(m->cadence);
	cad_msgbuf_clear(&m->mb);
	g_free(m);
}

static connctx *
conn_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* The reply for a step the MTA was told not to wait for. */
static sfsistat
noreply(const connctx *cc, unsigned long nr_flag)
{
	return cc != NULL && (cc->pflags & nr_flag) ? SMFIS_NOREPLY
	                                            : SMFIS_CONTINUE;
}

/* The message's tag for log lines: its queue id once known. */
static const char *
tag(const msgctx *m)
{
	return m != NULL && m->qid != NULL ? m->qid : "NOQUEUE";
}

/* A copy of a macro value, or NULL when the MTA did not send it. */
static char *
macro(SMFICTX *ctx, const char *name)
{
	const char *v = smfi_getsymval(ctx, (char *)name);

	return v != NULL && *v != '\0' ? g_strdup(v) : NULL;
}

/*
 * The connection's context, made at its first callback (negotiate, with
 * any MTA) and counted in milter.active until close, so that shutdown
 * waits for it before the store closes. libmilter calls close for every
 * session that reached a callback: mi_engine ends with it unless QUIT
 * already did. A connection first heard from once shutdown has begun gets
 * no context (NULL) and is not served: it would outlive the store.
 */
static connctx *
conn_open(SMFICTX *ctx)
{
	connctx *cc = conn_get(ctx);

	if (cc != NULL)
		return cc;
	g_mutex_lock(&milter.lock);
	if (!milter.stopping) {
		cc = g_new0(connctx, 1);
		milter.active++;
	}
	g_mutex_unlock(&milter.lock);
	if (cc != NULL)
		smfi_setpriv(ctx, cc);
	return cc;
}

/*
 * Ask only for what we use, and for no replies where the answer is
 * always "continue": each reply Postfix waits for costs a round trip.
 */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
             unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long want_actions =
	    SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT;
	const unsigned long want_steps =
	    SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_CONN |
	    SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY;
	connctx *cc;

	if ((f0 & want_actions) != want_actions)
		return SMFIS_REJECT; /* cannot work: libmilter gives up */
	if ((cc = conn_open(ctx)) == NULL)
		return SMFIS_REJECT; /* stopping: the MTA's default_action */
	cc->pflags = f1 & want_steps;
	*pf0 = want_actions;
	*pf1 = cc->pflags;
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	connctx *cc = conn_open(ctx);
	char buf[INET6_ADDRSTRLEN];
	const void *addr = NULL;

	if (cc == NULL)
		return SMFIS_CONTINUE;
	if (sa != NULL && sa->sa_family == AF_INET)
		addr = &((struct sockaddr_in *)(void *)sa)->sin_addr;
	else if (sa != NULL && sa->sa_family == AF_INET6)
		addr = &((struct sockaddr_in6 *)(void *)sa)->sin6_addr;
	g_free(cc->client_ip);
	cc->client_ip = NULL;
	if (addr != NULL && inet_ntop(sa->sa_family, addr, buf, sizeof(buf)))
		cc->client_ip = g_strdup(buf);
	log_debug("connection from %s", cc->client_ip ? cc->client_ip : "-");
	return noreply(cc, SMFIP_NR_CONN);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	connctx *cc = conn_open(ctx);
	g_autofree char *mail_addr = macro(ctx, "{mail_addr}");
	msgctx *m;

	if (cc == NULL)
		return SMFIS_CONTINUE;
	msgctx_free(cc->msg);
	m = cc->msg = g_new0(msgctx, 1);
	m->cb = conf_acquire();
	m->rcpts = g_ptr_array_new_with_free_func(g_free);
	m->sender =
	    cad_address_normalize(mail_addr != NULL ? mail_addr : argv[0]);
	m->auth_authen = macro(ctx, "{auth_authen}");
	m->qid = macro(ctx, "i");
	cad_msgbuf_init(&m->mb, m->cb->conf->max_body_bytes);
	return noreply(cc, SMFIP_NR_MAIL);
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	connctx *cc = conn_get(ctx);
	msgctx *m = cc != NULL ? cc->msg : NULL;
	g_autofree char *ext = NULL;

	if (m == NULL || m->rcpts->len >= CAD_INBOUND_RCPTS_MAX)
		return noreply(cc, SMFIP_NR_RCPT);
	g_ptr_array_add(m->rcpts, g_strdup(argv[0]));
	if (cad_address_classify(m->cb->conf, argv[0], &ext) ==
	    CAD_ADDR_ENROLL) {
		if (!m->enroll)
			m->cadence = g_steal_pointer(&ext);
		m->enroll = TRUE;
	}
	return noreply(cc, SMFIP_NR_RCPT);
}

/* Count the X-Cadence fields (any case) for strip_forged, and keep the
 * fields matching needs. */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	connctx *cc = conn_get(ctx);
	msgctx *m = cc != NULL ? cc->msg : NULL;

	if (m == NULL)
		return noreply(cc, SMFIP_NR_HDR);
	if (g_ascii_strcasecmp(name, CAD_MILTER_HEADER) == 0 &&
	    m->forged < G_MAXUINT)
		m->forged++;
	cad_msgbuf_header(&m->mb, name, value);
	return noreply(cc, SMFIP_NR_HDR);
}

/* Forget the message: nothing more is needed from it. */
static sfsistat
let_go(connctx *cc)
{
	msgctx_free(cc->msg);
	cc->msg = NULL;
	return SMFIS_ACCEPT;
}

/*
 * End of headers: a message that asks for no enrollment and cannot
 * concern one (no token address, not a bounce, no Message-ID of ours, not
 * from a live prospect) is accepted here, so its body never travels;
 * unless it carries X-Cadence fields, which only eom may remove.
 */
/*
 * Could the message concern an enrollment? Asks inbound/ with the fields
 * it matches on, read from the header block kept (each at most the
 * whole block: References is read from its newest end).
 */
static gboolean
eoh_wanted(msgctx *m)
{
	g_auto(cad_headers) h = {0};
	g_autofree char *from = NULL, *irt = NULL, *refs = NULL;
	g_autoptr(GError) err = NULL;
	gboolean wanted = FALSE;

	cad_msgbuf_headers(&m->mb, &h);
	from = cad_header_get(&h, "From", CAD_MSGBUF_HEADER_MAX);
	irt = cad_header_get(&h, "In-Reply-To", CAD_MSGBUF_HEADER_MAX);
	refs = cad_header_get(&h, "References", CAD_MSGBUF_HEADER_MAX);
	g_ptr_array_add(m->rcpts, NULL);
	if (!cad_inbound_wanted(milter.store, m->cb->conf, m->sender,
	                        (const char *const *)m->rcpts->pdata, from, irt,
	                        refs, &wanted, &err)) {
		log_warnx("%s: store lookup failed, message passes: %s", tag(m),
		          err->message);
		wanted = FALSE;
	}
	g_ptr_array_remove_index(m->rcpts, m->rcpts->len - 1);
	return wanted;
}

/*
 * End of headers: a message that asks for no enrollment and cannot
 * concern one (no token address, not a bounce, no Message-ID of ours, not
 * from a live prospect) is accepted here, so its body never travels;
 * unless it carries X-Cadence fields, which only eom may remove.
 */
static sfsistat
cb_eoh(SMFICTX *ctx)
{
	connctx *cc = conn_get(ctx);
	msgctx *m = cc != NULL ? cc->msg : NULL;

	if (m == NULL)
		return SMFIS_CONTINUE;
	if (m->qid == NULL)
		m->qid = macro(ctx, "i");
	cad_msgbuf_eoh(&m->mb);
	/* A rep's request needs only the headers. Anyone else writing to
	 * the cadence address (a prospect answering all, the address left in
	 * Cc) may still be a reply: look further, and never let go, since
	 * eom removes the cadence address. */
	if (m->enroll &&
	    cad_trust_sender(m->cb->conf, m->auth_authen, cc->client_ip,
	                     m->sender) == CAD_TRUST_REP)
		return SMFIS_CONTINUE;
	if (!eoh_wanted(m))
		return m->enroll || m->forged > 0 ? SMFIS_CONTINUE : let_go(cc);
	m->want_body = TRUE;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	connctx *cc = conn_get(ctx);

	if (cc != NULL && cc->msg != NULL && cc->msg->want_body)
		cad_msgbuf_body(&cc->msg->mb, chunk, len);
	return noreply(cc, SMFIP_NR_BODY);
}

/* Remove recipient i (the form envrcpt saw); logs when libmilter fails. */
static void
delrcpt(SMFICTX *ctx, msgctx *m, guint i)
{
	const char *r = g_ptr_array_index(m->rcpts, i);

	if (smfi_delrcpt(ctx, (char *)r) != MI_SUCCESS)
		log_warnx("%s: could not remove recipient %s", tag(m), r);
}

/*
 * Remove every X-Cadence field the message arrived with, whoever sent it:
 * only this milter writes that header, and reps and their mail filters
 * act on it. Index n is the n-th field of that name. From the last to the
 * first, since MTAs number the fields left after a removal differently:
 * Postfix no longer counts a removed field (removing 1 then 2 would skip
 * one), Sendmail still does; from the last down, both agree.
 */
static void
strip_forged(SMFICTX *ctx, msgctx *m)
{
	guint n = MIN(m->forged, CAD_MILTER_STRIP_MAX);

	for (guint i = n; i >= 1; i--)
		if (smfi_chgheader(ctx, CAD_MILTER_HEADER, (int)i, NULL) !=
		    MI_SUCCESS) {
			log_warnx("%s: could not remove %s field %u", tag(m),
			          CAD_MILTER_HEADER, i);
			return;
		}
	if (m->forged > n)
		log_warnx("%s: %u %s fields, the first %u removed", tag(m),
		          m->forged, CAD_MILTER_HEADER, n);
	else
		log_info("%s: removed %u %s field(s) the message arrived with",
		         tag(m), n, CAD_MILTER_HEADER);
}

static void
eom_enroll(SMFICTX *ctx, connctx *cc, msgctx *m, gint64 now)
{
	const cad_conf *conf = m->cb->conf;
	cad_trust t =
	    cad_trust_sender(conf, m->auth_authen, cc->client_ip, m->sender);
	g_autoptr(GError) err = NULL;

	/* The cadence address is no mailbox: it never reaches delivery. */
	for (guint i = 0; i < m->rcpts->len; i++)
		if (cad_address_classify(conf, g_ptr_array_index(m->rcpts, i),
		                         NULL) == CAD_ADDR_ENROLL)
			delrcpt(ctx, m, i);
	if (t != CAD_TRUST_REP) {
		cad_enroll_refuse_untrusted(milter.store, conf, m->sender,
		                            m->cadence, t, tag(m), now);
		return;
	}
	g_autoptr(cad_enroll_plan) plan =
	    cad_enroll_plan_new(conf, m->cadence, m->sender, m->mb.data->str,
	                        m->mb.data->len, &err);
	if (plan == NULL) {
		log_warnx("%s: enrollment request from %s ignored: %s", tag(m),
		          m->sender, err->message);
		return;
	}
	g_autoptr(cad_enroll_result) r =
	    cad_enroll_run(milter.store, conf, plan, tag(m), now);
	log_info("%s: enrollment cadence=%s rep=%s enrolled=%u refused=%u "
	         "failed=%u colleagues=%u",
	         tag(m), plan->cadence, plan->rep, r->enrolled, r->refused,
	         r->failed, plan->colleagues);
}

static void
eom_inbound(SMFICTX *ctx, msgctx *m, gint64 now)
{
	cad_inbound_result r;
	g_autoptr(GError) err = NULL;
	g_autofree char *what = NULL;

	g_ptr_array_add(m->rcpts, NULL);
	if (!cad_inbound_process(milter.store, m->cb->conf, m->sender,
	                         (const char *const *)m->rcpts->pdata,
	                         m->mb.data->str, m->mb.data->len, now, &r,
	                         &err)) {
		log_warnx("%s: inbound not recorded, message passes: %s",
		          tag(m), err->message);
		cad_inbound_result_clear(&r);
		return;
	}
	g_ptr_array_remove_index(m->rcpts, m->rcpts->len - 1);
	what = cad_inbound_describe(&r);
	if (r.outcome != CAD_OUTCOME_NONE)
		log_info("%s: %s", tag(m), what);
	else
		log_debug("%s: %s", tag(m), what);
	for (guint i = 0; i < r.consumed->len; i++)
		delrcpt(ctx, m, g_array_index(r.consumed, guint, i));
	if (r.header != NULL &&
	    smfi_addheader(ctx, CAD_MILTER_HEADER, r.header) != MI_SUCCESS)
		log_warnx("%s: could not add %s header", tag(m),
		          CAD_MILTER_HEADER);
	cad_inbound_result_clear(&r);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	connctx *cc = conn_get(ctx);
	msgctx *m = cc != NULL ? cc->msg : NULL;

	if (m == NULL)
		return SMFIS_CONTINUE;
	if (m->qid == NULL)
		m->qid = macro(ctx, "i");
	cad_msgbuf_eoh(&m->mb);
	/* Before ours is added: ours is then the only one. */
	if (m->forged > 0)
		strip_forged(ctx, m);
	if (m->enroll)
		eom_enroll(ctx, cc, m, cad_now());
	if (m->want_body)
		eom_inbound(ctx, m, cad_now());
	msgctx_free(m);
	cc->msg = NULL;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	connctx *cc = conn_get(ctx);

	if (cc != NULL) {
		msgctx_free(cc->msg);
		cc->msg = NULL;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	connctx *cc = conn_get(ctx);

	if (cc == NULL)
		return SMFIS_CONTINUE;
	smfi_setpriv(ctx, NULL);
	msgctx_free(cc->msg);
	g_free(cc->client_ip);
	g_free(cc);
	log_debug("connection closed");
	/* Last: once active reaches 0, shutdown closes the store. */
	g_mutex_lock(&milter.lock);
	if (--milter.active == 0)
		g_cond_broadcast(&milter.drained);
	g_mutex_unlock(&milter.lock);
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
    .xxfi_name = CAD_MILTER_NAME,
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT,
    .xxfi_connect = cb_connect,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_eoh = cb_eoh,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_negotiate = cb_negotiate,
};

void
cad_milter_set_store(cad_store *store)
{
	milter.store = store;
}

gboolean
cad_milter_init(cad_conf *conf, GError **error)
{
	milter.conf = g_atomic_rc_box_new0(conf_box);
	milter.conf->conf = conf;
	if (smfi_register(desc) != MI_SUCCESS) {
		g_set_error(error, CAD_ERROR, CAD_ERROR_FAILED,
		            "libmilter refused to register the filter");
		return FALSE;
	}
	return TRUE;
}

void
cad_milter_set_conf(cad_conf *conf)
{
	conf_box *b = g_atomic_rc_box_new0(conf_box), *old;

	b->conf = conf;
	g_mutex_lock(&milter.lock);
	old = milter.conf;
	milter.conf = b;
	g_mutex_unlock(&milter.lock);
	conf_release(old);
}

guint
cad_milter_active(void)
{
	guint n;

	g_mutex_lock(&milter.lock);
	n = milter.active;
	g_mutex_unlock(&milter.lock);
	return n;
}

guint
cad_milter_drain(gint64 timeout_ms)
{
	gint64 end = g_get_monotonic_time() + timeout_ms * 1000;
	guint n;

	g_mutex_lock(&milter.lock);
	milter.stopping = TRUE;
	/* Logged once the flag is up, so that a reader of the log (the stop
	 * tests) knows a new connection is refused from here on. */
	log_info("draining: %u connections open, new ones refused",
	         milter.active);
	while (milter.active > 0 &&
	       g_cond_wait_until(&milter.drained, &milter.lock, end))
		;
	n = milter.active;
	g_mutex_unlock(&milter.lock);
	return n;
}

void
cad_milter_shutdown(void)
{
	g_mutex_lock(&milter.lock);
	conf_release(milter.conf);
	milter.conf = NULL;
	g_mutex_unlock(&milter.lock);
}
