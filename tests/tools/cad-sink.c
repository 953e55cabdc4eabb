/*
 * cad-sink.c: the project's SMTP sink, "the internet" of the tests and
 * benchmarks. It listens on a loopback port, answers each command by rules
 * (250 by default; 451/550 or a dropped connection on command) and stores
 * every accepted transaction as one file: envelope lines, then the raw data.
 *
 * Usage: cad-sink [options]
 *   -l ADDR:PORT  listen there (loopback only; default 127.0.0.1:0, a free
 *                 port chosen by the kernel)
 *   -p FILE       write the bound port to FILE once listening (written to
 *                 FILE.tmp and renamed, so a reader never sees half of it)
 *   -d DIR        store each accepted message as DIR/T.PID.SEQ.eml; without
 *                 -d messages are counted and discarded
 *   -r RULE       an answering rule (repeatable), see RULES
 *   -f FILE       rules from FILE, one per line, '#' starts a comment; the
 *                 file is read again whenever its mtime or size changes
 *                 (checked at every MAIL), so a test can change answers
 *                 while the sink runs
 *   -N            no built-in rules
 *   -a USER:PASS  offer AUTH PLAIN and LOGIN and require it before MAIL
 *   -s BYTES      the SIZE limit (default 20971520)
 *   -m N          at most N connections at once (default 64); others 421
 *   -H NAME       host name in the greeting (default cad-sink.test)
 *   -c            print "messages: N" and "recipients: N" on exit
 *   -v            log every transaction to stderr
 *   -h, --help    this text
 * SIGTERM or SIGINT ends it (after -c's counts); SIGPIPE is ignored.
 *
 * RULES: "STAGE PATTERN ANSWER". PATTERN is a shell glob (fnmatch, case-
 * insensitive) matched against the address: for "mail" the MAIL FROM
 * address, for "rcpt" the RCPT TO address, for "data", "drop" and "lose"
 * any accepted recipient of the transaction. ANSWER is a reply code with
 * optional text ("451 4.3.0 try later"); CODExN ("451x2") answers so only
 * the first N times the rule matches, then the rule no longer applies.
 *   mail GLOB ANSWER   reply to MAIL FROM
 *   rcpt GLOB ANSWER   reply to RCPT TO
 *   data GLOB ANSWER   reply to the end of DATA (stored only if 2xx)
 *   drop GLOB          after the data, close without a reply; not stored
 *   lose GLOB          store the message, then close without a reply (the
 *                      "reply lost after the final dot" case, RFC 1047)
 * The first matching rule of a stage wins; -r rules come before -f rules,
 * which come before the built-in ones:
 *   rcpt bounce-*@* 550 5.1.1 no such user
 *   rcpt defer-*@*  451 4.2.0 mailbox busy, try later
 *   drop drop-*@*
 *   lose lose-*@*
 *
 * Stored file: "X-Sink-Mail-From: <addr>" and one "X-Sink-Rcpt-To: <addr>"
 * per accepted recipient, each ending in CRLF, then the message data as
 * received (dot-unstuffed, CRLF kept). The file is complete (written under
 * a temporary name, then renamed) before the 250 is sent.
 *
 * Only DATA is offered (no CHUNKING, no STARTTLS). PIPELINING is offered
 * and honoured: replies are flushed when no more input is waiting.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Longest command line; RFC 5321 §4.5.3.1.4 says 512, we allow slack. */
#define SINK_CMD_MAX      2048
/* Read and write buffers per connection. */
#define SINK_BUF          65536
/* Most recipients per transaction (RFC 5321 §4.5.3.1.8 asks for 100). */
#define SINK_RCPT_MAX     1000
/* Most rules in all; a rule line's length. */
#define SINK_RULES_MAX    256
#define SINK_RULE_LINE    512
/* Default SIZE limit and concurrent connections. */
#define SINK_SIZE_DEFAULT (20L * 1024 * 1024)
#define SINK_CONN_DEFAULT 64

enum stage { ST_MAIL, ST_RCPT, ST_DATA, ST_DROP, ST_LOSE };

struct rule {
	enum stage stage;
	char pattern[256];
	int code;
	char text[200];
	long limit; /* -1: always */
	long used;
};

struct ruleset {
	struct rule r[SINK_RULES_MAX];
	int n;
};

static struct ruleset cmdline_rules, file_rules, builtin_rules;
static pthread_mutex_t rules_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *rule_file;
static struct timespec rule_file_mtime;
static off_t rule_file_size = -1;

static const char *store_dir;
static const char *auth_user, *auth_pass;
static const char *hostname = "cad-sink.test";
static long size_limit = SINK_SIZE_DEFAULT;
static int max_conn = SINK_CONN_DEFAULT;
static int verbose;
static atomic_long n_messages, n_recipients, n_seq;
static atomic_int n_conn;

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("cad-sink: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
usage(FILE *fp)
{
	fputs("usage: cad-sink [-cNv] [-l ADDR:PORT] [-p PORTFILE] [-d DIR]\n"
	      "                [-r RULE]... [-f RULEFILE] [-a USER:PASS]\n"
	      "                [-s BYTES] [-m MAXCONN] [-H HOSTNAME]\n"
	      "An SMTP sink on loopback for tests. RULE is \"STAGE GLOB "
	      "ANSWER\":\n"
	      "  mail|rcpt|data GLOB CODE[xN] [TEXT]   answer CODE (N times)\n"
	      "  drop GLOB    close after the data without reply, not stored\n"
	      "  lose GLOB    store, then close without reply\n"
	      "Built-in (unless -N): rcpt bounce-*@* 550, rcpt defer-*@* 451,\n"
	      "drop drop-*@*, lose lose-*@*. Each accepted message is stored\n"
	      "as DIR/T.PID.SEQ.eml: X-Sink-Mail-From, X-Sink-Rcpt-To lines,\n"
	      "then the data. -f rules are re-read when the file changes.\n"
	      "-p writes the bound port; -c prints counts on SIGTERM.\n",
	      fp);
}

/* parse_rule - one "STAGE GLOB ANSWER" line into r; -1 on a bad line. */
static int
parse_rule(const char *line, struct rule *r)
{
	char stage[16], pat[256], ans[32];
	int off = 0;
	char *x;

	memset(r, 0, sizeof(*r));
	r->limit = -1;
	if (sscanf(line, "%15s %255s %n", stage, pat, &off) < 2)
		return -1;
	if (strcmp(stage, "mail") == 0)
		r->stage = ST_MAIL;
	else if (strcmp(stage, "rcpt") == 0)
		r->stage = ST_RCPT;
	else if (strcmp(stage, "data") == 0)
		r->stage = ST_DATA;
	else if (strcmp(stage, "drop") == 0)
		r->stage = ST_DROP;
	else if (strcmp(stage, "lose") == 0)
		r->stage = ST_LOSE;
	else
		return -1;
	snprintf(r->pattern, sizeof(r->pattern), "%s", pat);
	if (r->stage == ST_DROP || r->stage == ST_LOSE)
		return 0;
	line += off;
	if (sscanf(line, "%31s %n", ans, &off) < 1)
		return -1;
	r->code = (int)strtol(ans, &x, 10);
	if (r->code < 200 || r->code > 599)
		return -1;
	if (*x == 'x') {
		r->limit = strtol(x + 1, &x, 10);
		if (r->limit < 0)
			return -1;
	}
	if (*x != '\0')
		return -1;
	line += off;
	snprintf(r->text, sizeof(r->text), "%s", line);
	r->text[strcspn(r->text, "\r\n")] = '\0';
	return 0;
}

static void
add_rule(struct ruleset *rs, const char *line, const char *where)
{
	if (rs->n >= SINK_RULES_MAX)
		die("%s: more than %d rules", where, SINK_RULES_MAX);
	if (parse_rule(line, &rs->r[rs->n]) < 0)
		die("%s: bad rule \"%s\": expected STAGE GLOB [CODE[xN] TEXT]",
		    where, line);
	rs->n++;
}

/* reload_rule_file - read -f again if it changed; rules_lock held. */
static void
reload_rule_file(void)
{
	struct stat st;
	char line[SINK_RULE_LINE];
	FILE *fp;

	if (rule_file == NULL)
		return;
	if (stat(rule_file, &st) < 0) {
		file_rules.n = 0;
		rule_file_size = -1;
		return;
	}
	if (st.st_size == rule_file_size &&
	    st.st_mtim.tv_sec == rule_file_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == rule_file_mtime.tv_nsec)
		return;
	if ((fp = fopen(rule_file, "r")) == NULL)
		return;
	file_rules.n = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		if (file_rules.n >= SINK_RULES_MAX ||
		    parse_rule(p, &file_rules.r[file_rules.n]) < 0) {
			fprintf(stderr, "cad-sink: %s: bad rule ignored: %s",
			        rule_file, p);
			continue;
		}
		file_rules.n++;
	}
	fclose(fp);
	rule_file_size = st.st_size;
	rule_file_mtime = st.st_mtim;
}

/*
 * match_rule - the first rule of stage that matches one of addrs (n of
 * them); its use is counted. Copies it to out; 0 when none matched.
 */
static int
match_rule(enum stage stage, char **addrs, int n, struct rule *out)
{
	struct ruleset *sets[] = {&cmdline_rules, &file_rules, &builtin_rules};
	int found = 0;

	pthread_mutex_lock(&rules_lock);
	for (size_t s = 0; s < 3 && !found; s++) {
		for (int i = 0; i < sets[s]->n && !found; i++) {
			struct rule *r = &sets[s]->r[i];
			if (r->stage != stage ||
			    (r->limit >= 0 && r->used >= r->limit))
				continue;
			for (int a = 0; a < n; a++) {
				if (fnmatch(r->pattern, addrs[a],
				            FNM_CASEFOLD) == 0) {
					r->used++;
					*out = *r;
					found = 1;
					break;
				}
			}
		}
	}
	pthread_mutex_unlock(&rules_lock);
	return found;
}

/* One connection. */
struct conn {
	int fd;
	char in[SINK_BUF];
	size_t in_len, in_off;
	char out[SINK_BUF];
	size_t out_len;
	int authed;
	char *mail_from;
	char *rcpt[SINK_RCPT_MAX];
	int nrcpt;
};

static int
flush_out(struct conn *c)
{
	size_t off = 0;

	while (off < c->out_len) {
		ssize_t n = write(c->fd, c->out + off, c->out_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	c->out_len = 0;
	return 0;
}

/* reply - queue a reply; flushed when input runs dry (pipelining). */
static int
reply(struct conn *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n > sizeof(buf) - 3)
		n = (int)sizeof(buf) - 3;
	memcpy(buf + n, "\r\n", 2);
	n += 2;
	if (c->out_len + (size_t)n > sizeof(c->out) && flush_out(c) < 0)
		return -1;
	memcpy(c->out + c->out_len, buf, (size_t)n);
	c->out_len += (size_t)n;
	return 0;
}

/* fill - read more input; flushes pending replies first when none is
 * buffered. Returns bytes read, 0 on EOF, -1 on error. */
static ssize_t
fill(struct conn *c)
{
	ssize_t n;

	if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	if (c->in_len == sizeof(c->in))
		return -1;
	if (c->out_len > 0 && flush_out(c) < 0)
		return -1;
	do
		n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		c->in_len += (size_t)n;
	return n;
}

/*
 * get_line - the next line (CRLF or LF stripped) into line and len, pointing
 * into the buffer until the next call. Lines longer than the buffer are
 * returned in pieces with *partial set. 1: a line; 0: EOF; -1: error.
 */
static int
get_line(struct conn *c, char **line, size_t *len, int *partial)
{
	for (;;) {
		char *start = c->in + c->in_off;
		size_t avail = c->in_len - c->in_off;
		char *nl = memchr(start, '\n', avail);
		if (nl != NULL) {
			size_t l = (size_t)(nl - start);
			c->in_off += l + 1;
			if (l > 0 && start[l - 1] == '\r')
				l--;
			*line = start;
			*len = l;
			*partial = 0;
			return 1;
		}
		if (c->in_off == 0 && avail == sizeof(c->in)) {
			/* A line longer than the buffer: hand out a piece. */
			c->in_off = avail - 1;
			*line = start;
			*len = avail - 1;
			*partial = 1;
			return 1;
		}
		ssize_t n = fill(c);
		if (n <= 0)
			return (int)n;
	}
}

static void
reset_txn(struct conn *c)
{
	free(c->mail_from);
	c->mail_from = NULL;
	for (int i = 0; i < c->nrcpt; i++)
		free(c->rcpt[i]);
	c->nrcpt = 0;
}

/* path_arg - the address inside <...> after "FROM:"/"TO:"; malloc'd. */
static char *
path_arg(const char *arg)
{
	const char *lt, *gt;

	arg += strspn(arg, " ");
	lt = strchr(arg, '<');
	if (lt == NULL)
		return strndup(arg, strcspn(arg, " "));
	gt = strchr(lt, '>');
	if (gt == NULL)
		return NULL;
	return strndup(lt + 1, (size_t)(gt - lt - 1));
}

static int
b64val(int ch)
{
	const char *tab =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = ch ? strchr(tab, ch) : NULL;

	return p ? (int)(p - tab) : -1;
}

/* b64dec - decode base64 text into out (NUL-terminated); length or -1. */
static int
b64dec(const char *in, size_t len, char *out, size_t outsz)
{
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len && in[i] != '='; i++) {
		int v = b64val((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return (int)o;
}

/* check_plain - "authzid\0user\0pass" against -a. */
static int
check_plain(const char *b64, size_t len)
{
	char buf[512];
	int n = b64dec(b64, len, buf, sizeof(buf));
	const char *user, *pass;

	if (n < 0)
		return 0;
	user = memchr(buf, '\0', (size_t)n);
	if (user == NULL)
		return 0;
	user++;
	pass = memchr(user, '\0', (size_t)(buf + n - user));
	if (pass == NULL)
		return 0;
	pass++;
	return strcmp(user, auth_user) == 0 && strcmp(pass, auth_pass) == 0;
}

/* read_b64_line - one base64 continuation line of AUTH LOGIN, decoded. */
static int
read_b64_line(struct conn *c, char *out, size_t outsz)
{
	char *line;
	size_t len;
	int partial;

	if (get_line(c, &line, &len, &partial) <= 0 || partial)
		return -1;
	return b64dec(line, len, out, outsz);
}

static int
do_auth(struct conn *c, const char *arg)
{
	char user[256], pass[256];

	if (auth_user == NULL)
		return reply(c, "502 5.5.1 AUTH not offered");
	if (strncasecmp(arg, "PLAIN", 5) == 0) {
		const char *ir = arg + 5;
		char *line;
		size_t len;
		int partial;
		ir += strspn(ir, " ");
		if (*ir == '\0') {
			if (reply(c, "334 ") < 0)
				return -1;
			if (get_line(c, &line, &len, &partial) <= 0)
				return -1;
			c->authed = check_plain(line, len);
		} else
			c->authed = check_plain(ir, strlen(ir));
	} else if (strncasecmp(arg, "LOGIN", 5) == 0) {
		if (reply(c, "334 VXNlcm5hbWU6") < 0 ||
		    read_b64_line(c, user, sizeof(user)) < 0 ||
		    reply(c, "334 UGFzc3dvcmQ6") < 0 ||
		    read_b64_line(c, pass, sizeof(pass)) < 0)
			return -1;
		c->authed = strcmp(user, auth_user) == 0 &&
		            strcmp(pass, auth_pass) == 0;
	} else
		return reply(c, "504 5.5.4 mechanism not supported");
	return c->authed ? reply(c, "235 2.7.0 authenticated")
	                 : reply(c, "535 5.7.8 bad credentials");
}

/* open_store - a temporary file in -d for the transaction; -1 if none. */
static int
open_store(char *tmp, size_t tmpsz)
{
	int fd;

	if (store_dir == NULL)
		return -1;
	snprintf(tmp, tmpsz, "%s/.tmp.%ld.%ld", store_dir, (long)getpid(),
	         atomic_fetch_add(&n_seq, 1));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "cad-sink: %s: %s\n", tmp, strerror(errno));
	return fd;
}

/* Buffered writes to the stored file. */
struct obuf {
	int fd;
	char buf[SINK_BUF];
	size_t len;
	int err;
};

static void
ob_flush(struct obuf *o)
{
	size_t off = 0;

	while (o->fd >= 0 && !o->err && off < o->len) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->err = 1;
			break;
		}
		off += (size_t)n;
	}
	o->len = 0;
}

static void
ob_put(struct obuf *o, const char *s, size_t n)
{
	if (o->fd < 0)
		return;
	while (n > 0) {
		size_t k = sizeof(o->buf) - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == sizeof(o->buf))
			ob_flush(o);
	}
}

/*
 * do_data - read the data up to the lone dot, store it and answer.
 * Returns -1 when the connection must close.
 */
static int
do_data(struct conn *c)
{
	static struct obuf zero;
	struct obuf *o;
	struct rule r;
	char tmp[4096], final[4096];
	char *line;
	size_t len;
	long total = 0;
	int partial, prev_partial = 0, drop = 0, lose = 0, code = 250;
	char text[256] = "2.0.0 queued as";

	if (c->nrcpt == 0)
		return reply(c, "554 5.5.1 no valid recipients");
	if (reply(c, "354 End data with <CR><LF>.<CR><LF>") < 0)
		return -1;
	o = malloc(sizeof(*o));
	if (o == NULL)
		return -1;
	*o = zero;
	o->fd = open_store(tmp, sizeof(tmp));
	if (o->fd >= 0) {
		char hdr[SINK_CMD_MAX + 64];
		int n = snprintf(hdr, sizeof(hdr), "X-Sink-Mail-From: <%s>\r\n",
		                 c->mail_from);
		ob_put(o, hdr, (size_t)n);
		for (int i = 0; i < c->nrcpt; i++) {
			n = snprintf(hdr, sizeof(hdr),
			             "X-Sink-Rcpt-To: <%s>\r\n", c->rcpt[i]);
			ob_put(o, hdr, (size_t)n);
		}
	}
	for (;;) {
		int rc = get_line(c, &line, &len, &partial);
		if (rc <= 0) {
			if (o->fd >= 0) {
				close(o->fd);
				unlink(tmp);
			}
			free(o);
			return -1;
		}
		if (!prev_partial && len == 1 && line[0] == '.' && !partial)
			break;
		if (!prev_partial && len > 0 && line[0] == '.') {
			line++;
			len--;
		}
		total += (long)len + 2;
		if (total <= size_limit) {
			ob_put(o, line, len);
			if (!partial)
				ob_put(o, "\r\n", 2);
		}
		prev_partial = partial;
	}
	if (total > size_limit) {
		code = 552;
		snprintf(text, sizeof(text), "5.3.4 message too big");
	} else if (match_rule(ST_DROP, c->rcpt, c->nrcpt, &r))
		drop = 1;
	else if (match_rule(ST_LOSE, c->rcpt, c->nrcpt, &r))
		lose = 1;
	else if (match_rule(ST_DATA, c->rcpt, c->nrcpt, &r)) {
		code = r.code;
		snprintf(text, sizeof(text), "%s", r.text);
	}
	if (o->fd >= 0) {
		ob_flush(o);
		if (close(o->fd) < 0 || o->err) {
			code = 451;
			snprintf(text, sizeof(text), "4.3.0 cannot store");
		}
		if (code / 100 == 2 && !drop) {
			long seq = atomic_fetch_add(&n_seq, 1);
			snprintf(final, sizeof(final), "%s/%lld.%ld.%ld.eml",
			         store_dir, (long long)time(NULL),
			         (long)getpid(), seq);
			if (rename(tmp, final) < 0) {
				unlink(tmp);
				code = 451;
				snprintf(text, sizeof(text),
				         "4.3.0 cannot store");
			}
		} else
			unlink(tmp);
	}
	free(o);
	if (code / 100 == 2 && !drop) {
		atomic_fetch_add(&n_messages, 1);
		atomic_fetch_add(&n_recipients, c->nrcpt);
		if (verbose)
			fprintf(stderr,
			        "cad-sink: from=<%s> nrcpt=%d size=%ld%s\n",
			        c->mail_from, c->nrcpt, total,
			        lose ? " reply lost" : "");
	}
	reset_txn(c);
	if (drop || lose)
		return -1;
	if (code == 250)
		return reply(c, "250 %s %ld", text, atomic_load(&n_messages));
	return reply(c, "%d %s", code, text);
}

static int
do_mail(struct conn *c, const char *arg)
{
	struct rule r;
	char *addr;

	if (auth_user != NULL && !c->authed)
		return reply(c, "530 5.7.0 authentication required");
	if (c->mail_from != NULL)
		return reply(c, "503 5.5.1 nested MAIL command");
	if (strncasecmp(arg, "FROM:", 5) != 0 ||
	    (addr = path_arg(arg + 5)) == NULL)
		return reply(c, "501 5.5.4 syntax: MAIL FROM:<address>");
	pthread_mutex_lock(&rules_lock);
	reload_rule_file();
	pthread_mutex_unlock(&rules_lock);
	if (match_rule(ST_MAIL, &addr, 1, &r) && r.code / 100 != 2) {
		free(addr);
		return reply(c, "%d %s", r.code, r.text);
	}
	c->mail_from = addr;
	return reply(c, "250 2.1.0 ok");
}

static int
do_rcpt(struct conn *c, const char *arg)
{
	struct rule r;
	char *addr;

	if (c->mail_from == NULL)
		return reply(c, "503 5.5.1 need MAIL first");
	if (strncasecmp(arg, "TO:", 3) != 0 ||
	    (addr = path_arg(arg + 3)) == NULL || *addr == '\0') {
		return reply(c, "501 5.5.4 syntax: RCPT TO:<address>");
	}
	if (c->nrcpt >= SINK_RCPT_MAX) {
		free(addr);
		return reply(c, "452 4.5.3 too many recipients");
	}
	if (match_rule(ST_RCPT, &addr, 1, &r) && r.code / 100 != 2) {
		free(addr);
		return reply(c, "%d %s", r.code, r.text);
	}
	c->rcpt[c->nrcpt++] = addr;
	return reply(c, "250 2.1.5 ok");
}

/* command - one SMTP command; -1 ends the connection. */
static int
command(struct conn *c, char *line)
{
	char *arg = line + strcspn(line, " ");

	arg += strspn(arg, " ");
	if (strncasecmp(line, "EHLO", 4) == 0) {
		reset_txn(c);
		if (reply(c, "250-%s", hostname) < 0 ||
		    reply(c, "250-PIPELINING") < 0 ||
		    reply(c, "250-8BITMIME") < 0 ||
		    reply(c, "250-ENHANCEDSTATUSCODES") < 0 ||
		    (auth_user != NULL && reply(c, "250-AUTH PLAIN LOGIN") < 0))
			return -1;
		return reply(c, "250 SIZE %ld", size_limit);
	}
	if (strncasecmp(line, "HELO", 4) == 0) {
		reset_txn(c);
		return reply(c, "250 %s", hostname);
	}
	if (strncasecmp(line, "MAIL ", 5) == 0)
		return do_mail(c, arg);
	if (strncasecmp(line, "RCPT ", 5) == 0)
		return do_rcpt(c, arg);
	if (strcasecmp(line, "DATA") == 0)
		return do_data(c);
	if (strncasecmp(line, "AUTH ", 5) == 0)
		return do_auth(c, arg);
	if (strcasecmp(line, "RSET") == 0) {
		reset_txn(c);
		return reply(c, "250 2.0.0 ok");
	}
	if (strcasecmp(line, "NOOP") == 0)
		return reply(c, "250 2.0.0 ok");
	if (strcasecmp(line, "QUIT") == 0) {
		reply(c, "221 2.0.0 bye");
		return -1;
	}
	return reply(c, "502 5.5.2 command not recognized");
}

static void *
session(void *arg)
{
	struct conn *c = arg;
	char cmd[SINK_CMD_MAX + 1];
	char *line;
	size_t len;
	int partial, one = 1;

	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (atomic_fetch_add(&n_conn, 1) >= max_conn) {
		reply(c, "421 4.3.2 too many connections");
		goto out;
	}
	if (reply(c, "220 %s ESMTP cad-sink", hostname) < 0)
		goto out;
	for (;;) {
		int rc = get_line(c, &line, &len, &partial);
		if (rc <= 0)
			break;
		if (partial || len > SINK_CMD_MAX) {
			/* Skip the rest of the overlong line. */
			while (partial &&
			       get_line(c, &line, &len, &partial) > 0)
				;
			if (reply(c, "500 5.5.2 line too long") < 0)
				break;
			continue;
		}
		memcpy(cmd, line, len);
		cmd[len] = '\0';
		if (command(c, cmd) < 0)
			break;
	}
out:
	if (c->out_len > 0)
		flush_out(c);
	atomic_fetch_sub(&n_conn, 1);
	reset_txn(c);
	close(c->fd);
	free(c);
	return NULL;
}

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = 1;
}

/* listen_on - bind a loopback address "ADDR:PORT" or "[ADDR]:PORT". */
static int
listen_on(const char *spec, int *port_out)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char host[128];
	const char *colon = strrchr(spec, ':');
	int fd, one = 1;
	long port;

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(host))
		die("-l %s: expected ADDR:PORT", spec);
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (port < 0 || port > 65535)
		die("-l %s: bad port", spec);
	memset(&ss, 0, sizeof(ss));
	if (host[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		host[strcspn(host, "]")] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1 ||
		    !IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			die("-l %s: not a loopback address", spec);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1 ||
		    (ntohl(s4->sin_addr.s_addr) >> 24) != 127)
			die("-l %s: not a loopback address", spec);
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		die("bind %s: %s", spec, strerror(errno));
	if (listen(fd, 128) < 0)
		die("listen %s: %s", spec, strerror(errno));
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port_out = ntohs(ss.ss_family == AF_INET6
	                      ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                      : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void
write_port(const char *file, int port)
{
	char tmp[4096];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	if ((fp = fopen(tmp, "w")) == NULL)
		die("%s: %s", tmp, strerror(errno));
	fprintf(fp, "%d\n", port);
	if (fclose(fp) != 0 || rename(tmp, file) < 0)
		die("%s: %s", file, strerror(errno));
}

int
main(int argc, char **argv)
{
	const char *listen_spec = "127.0.0.1:0", *port_file = NULL;
	int ch, lfd, port, counts = 0, builtins = 1;
	struct sigaction sa;
	pthread_attr_t attr;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
	while ((ch = getopt(argc, argv, "a:cd:f:hH:l:m:Np:r:s:v")) != -1) {
		switch (ch) {
		case 'a': {
			char *colon = strchr(optarg, ':');
			if (colon == NULL)
				die("-a %s: expected USER:PASS", optarg);
			auth_user = strndup(optarg, (size_t)(colon - optarg));
			auth_pass = colon + 1;
			break;
		}
		case 'c':
			counts = 1;
			break;
		case 'd':
			store_dir = optarg;
			break;
		case 'f':
			rule_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'H':
			hostname = optarg;
			break;
		case 'l':
			listen_spec = optarg;
			break;
		case 'm':
			max_conn = atoi(optarg);
			break;
		case 'N':
			builtins = 0;
			break;
		case 'p':
			port_file = optarg;
			break;
		case 'r':
			add_rule(&cmdline_rules, optarg, "-r");
			break;
		case 's':
			size_limit = atol(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 64;
	}
	if (max_conn < 1 || size_limit < 1)
		die("-m and -s must be positive");
	if (builtins) {
		add_rule(&builtin_rules,
		         "rcpt bounce-*@* 550 5.1.1 no such user", "built-in");
		add_rule(&builtin_rules,
		         "rcpt defer-*@* 451 4.2.0 mailbox busy, try later",
		         "built-in");
		add_rule(&builtin_rules, "drop drop-*@*", "built-in");
		add_rule(&builtin_rules, "lose lose-*@*", "built-in");
	}
	if (store_dir != NULL) {
		struct stat st;
		if (stat(store_dir, &st) < 0 || !S_ISDIR(st.st_mode))
			die("-d %s: not a directory", store_dir);
	}
	pthread_mutex_lock(&rules_lock);
	reload_rule_file();
	pthread_mutex_unlock(&rules_lock);

	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	lfd = listen_on(listen_spec, &port);
	if (port_file != NULL)
		write_port(port_file, port);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	while (!stop) {
		struct pollfd pfd = {.fd = lfd, .events = POLLIN};
		pthread_t t;
		struct conn *c;
		int fd;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		if (pthread_create(&t, &attr, session, c) != 0) {
			close(fd);
			free(c);
		}
	}
	if (counts) {
		printf("messages: %ld\nrecipients: %ld\n",
		       atomic_load(&n_messages), atomic_load(&n_recipients));
		fflush(stdout);
	}
	return 0;
}
