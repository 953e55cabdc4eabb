/*
 * wake.c: the address of our own listening socket, read from the socket
 * spec as libmilter reads it, and one connection to it to end libmilter's
 * poll at shutdown.
 */
#include "milter/wake.h"

#include <netinet/in.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

/*
 * How long a TCP poke may take to connect. On loopback the handshake is
 * done in microseconds; the bound only keeps a firewalled port from
 * holding shutdown.
 */
#define CAD_WAKE_CONNECT_MS 200

static gboolean
wake_unix(cad_wake *w, const char *path, GError **error)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&w->addr;
	g_autofree char *abs = NULL;

	if (*path == '\0') {
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "empty socket path");
		return FALSE;
	}
	abs = g_path_is_absolute(path) ? g_strdup(path)
	                               : g_canonicalize_filename(path, NULL);
	if (strlen(abs) >= sizeof(sun->sun_path)) {
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "socket path too long: %s", abs);
		return FALSE;
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, abs, strlen(abs) + 1);
	w->len = sizeof(*sun);
	return TRUE;
}

/* The loopback address of family in place of an unspecified one. */
static void
unspecified_to_loopback(cad_wake *w)
{
	if (w->addr.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&w->addr;
		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (w->addr.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&w->addr;
		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			in6->sin6_addr = in6addr_loopback;
	}
}

/* "PORT" or "PORT@HOST" (HOST possibly in brackets) of family. */
static gboolean
wake_inet(cad_wake *w, int family, const char *rest, GError **error)
{
	g_autofree char *port = g_strdup(rest);
	char *host = strchr(port, '@');
	struct addrinfo hints = {.ai_family = family,
	                         .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	gsize hl;
	int rc;

	if (host != NULL) {
		*host++ = '\0';
		hl = strlen(host);
		if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
			host[hl - 1] = '\0';
			host++;
		}
		if (*host == '\0')
			host = NULL;
	}
	if (*port == '\0') {
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "no port in socket spec");
		return FALSE;
	}
	/* No host: libmilter listens on every address; loopback is one. */
	if (host == NULL)
		hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "cannot resolve %s port %s: %s", host ? host : "*",
		            port, rc != 0 ? gai_strerror(rc) : "no address");
		return FALSE;
	}
	memcpy(&w->addr, res->ai_addr, res->ai_addrlen);
	w->len = res->ai_addrlen;
	freeaddrinfo(res);
	unspecified_to_loopback(w);
	return TRUE;
}

gboolean
cad_wake_init(cad_wake *w, const char *spec, GError **error)
{
	const char *colon;

	memset(w, 0, sizeof(*w));
	if (spec == NULL || *spec == '\0') {
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "empty socket spec");
		return FALSE;
	}
	colon = strchr(spec, ':');
	if (colon == NULL)
		return wake_unix(w, spec, error);
	if (g_str_has_prefix(spec, "unix:") || g_str_has_prefix(spec, "local:"))
		return wake_unix(w, colon + 1, error);
	if (g_str_has_prefix(spec, "inet:"))
		return wake_inet(w, AF_INET, colon + 1, error);
	if (g_str_has_prefix(spec, "inet6:"))
		return wake_inet(w, AF_INET6, colon + 1, error);
	g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
	            "unknown socket type in %s", spec);
	return FALSE;
}

/*
 * Non-blocking, since a unix socket whose backlog is full would block
 * connect(); the backlog being full means the listener's poll has ended
 * anyway, so that counts as a poke.
 */
gboolean
cad_wake_poke(const cad_wake *w)
{
	struct pollfd pfd = {.events = POLLOUT};
	int fd, rc, err = 0;
	socklen_t len = sizeof(err);

	if (w->len == 0)
		return FALSE;
	fd = socket(w->addr.ss_family,
	            SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return FALSE;
	rc = connect(fd, (const struct sockaddr *)&w->addr, w->len);
	if (rc != 0)
		err = errno;
	if (rc != 0 && err == EINPROGRESS) {
		pfd.fd = fd;
		if (poll(&pfd, 1, CAD_WAKE_CONNECT_MS) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err == 0)
			rc = 0;
	}
	(void)close(fd);
	return rc == 0 || err == EAGAIN;
}
