/*
 * trust.h: who may enroll prospects: a rep, i.e. a sender in rep_domains
 * who either logged in (SASL, Postfix's {auth_authen}) or connects from
 * one of trusted_networks.
 */
#ifndef CAD_INBOUND_TRUST_H
#define CAD_INBOUND_TRUST_H

#include <glib.h>

#include "conf/conf.h"

typedef enum {
	CAD_TRUST_REP = 0,         /* trusted: may enroll */
	CAD_TRUST_UNAUTHENTICATED, /* no SASL login, not a trusted network */
	CAD_TRUST_NOT_REP,         /* sender outside rep_domains */
} cad_trust;

/*
 * cad_trust_sender - decide whether the sender may enroll. auth_authen is
 * the SASL login or NULL/"" when none; client_ip the client's address in
 * text form or NULL when unknown (a non-SMTP submission); sender the bare
 * envelope sender (or the From address when the envelope sender is null).
 */
cad_trust cad_trust_sender(const cad_conf *conf, const char *auth_authen,
                           const char *client_ip, const char *sender);

/* A few words for logs and notices: "not authenticated", ... */
const char *cad_trust_describe(cad_trust t);

#endif
