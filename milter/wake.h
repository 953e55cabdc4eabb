/*
 * wake.h: end libmilter's wait on its listening socket at shutdown.
 * libmilter's listener polls the socket with a 5 s timeout (MI_CHK_TIME)
 * while it holds the lock that smfi_stop() needs, so an idle milter took
 * up to 5 s to stop. A connection to our own socket ends that poll at
 * once. The address is worked out from the socket spec at start-up,
 * before daemon(3) changes directory, so that nothing is resolved while
 * stopping.
 */
#ifndef CAD_MILTER_WAKE_H
#define CAD_MILTER_WAKE_H

#include <sys/socket.h>

#include <glib.h>

typedef struct {
	struct sockaddr_storage addr;
	socklen_t len; /* 0: no address known */
} cad_wake;

/*
 * cad_wake_init - the address to connect to for the libmilter socket spec
 * spec, in libmilter's syntax: "unix:PATH", "local:PATH" or a bare PATH
 * (a relative PATH taken from the current directory); "inet:PORT[@HOST]"
 * or "inet6:PORT[@HOST]", where no HOST or an unspecified address
 * (0.0.0.0, ::) means the loopback address. Returns FALSE with error (and
 * w->len 0) when the spec cannot be read or HOST not resolved.
 */
gboolean cad_wake_init(cad_wake *w, const char *spec, GError **error);

/*
 * cad_wake_poke - connect to w's address and close at once, without
 * sending anything (libmilter's session for it ends at the end of file
 * and calls no filter callback but close). Returns FALSE when the
 * connection failed: no address, or nobody listens any more.
 */
gboolean cad_wake_poke(const cad_wake *w);

#endif
