/*
 * trust.c: the trust decision for enrollment requests.
 */
#include "inbound/trust.h"

cad_trust
cad_trust_sender(const cad_conf *conf, const char *auth_authen,
                 const char *client_ip, const char *sender)
{
	gboolean authenticated = auth_authen != NULL && *auth_authen != '\0';
	gboolean trusted_net = client_ip != NULL && *client_ip != '\0' &&
	                       cad_conf_is_trusted_text(conf, client_ip);

	if (sender == NULL || *sender == '\0' || !cad_conf_is_rep(conf, sender))
		return CAD_TRUST_NOT_REP;
	if (!authenticated && !trusted_net)
		return CAD_TRUST_UNAUTHENTICATED;
	return CAD_TRUST_REP;
}

const char *
cad_trust_describe(cad_trust t)
{
	switch (t) {
	case CAD_TRUST_REP:
		return "trusted rep";
	case CAD_TRUST_UNAUTHENTICATED:
		return "sender neither authenticated nor in trusted_networks";
	case CAD_TRUST_NOT_REP:
		return "sender not in rep_domains";
	}
	return "unknown";
}
