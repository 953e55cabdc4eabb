/*
 * address.h: the milter's own addresses: the cadence address with an
 * optional +NAME, and the VERP, unsubscribe and task addresses with a
 * +TOKEN, as they appear in an envelope recipient or a To/Cc header.
 */
#ifndef CAD_INBOUND_ADDRESS_H
#define CAD_INBOUND_ADDRESS_H

#include <glib.h>

#include "conf/conf.h"

/* Longest extension (+NAME or +TOKEN) we accept: names and tokens are short. */
#define CAD_MILTER_EXT_MAX 64

/* The delimiter when [milter] recipient_delimiter is unset (Postfix's usual).
 */
#define CAD_MILTER_DELIM_DEFAULT "+"

/*
 * cad_address_ext - match addr against base ("local@domain"), with or
 * without an extension: "local" DELIM EXT "@domain", where DELIM is any one
 * of the characters of delims (as Postfix's recipient_delimiter). Both are
 * compared without case, and addr may carry angle brackets.
 * Returns TRUE on a match and sets *ext (ext may be NULL) to a lower-cased
 * copy of the extension, or NULL when there is none; caller frees.
 * An extension that is empty, longer than CAD_MILTER_EXT_MAX, or holds
 * anything but letters, digits, '-', '_' and '.' does not match.
 */
gboolean cad_address_ext(const char *addr, const char *base, const char *delims,
                         char **ext);

/* Which of the milter's addresses an address is. */
typedef enum {
	CAD_ADDR_OTHER = 0,
	CAD_ADDR_ENROLL,      /* cadence@, cadence+NAME@ */
	CAD_ADDR_BOUNCE,      /* bounces+TOKEN@ (VERP) */
	CAD_ADDR_UNSUBSCRIBE, /* unsubscribe+TOKEN@ */
	CAD_ADDR_TASK,        /* tasks+TOKEN@: a rep's answer to a reminder */
} cad_addr_kind;

/*
 * cad_address_classify - which of conf's addresses addr is, with its
 * extension in *ext (caller frees; NULL when none). Addresses the
 * configuration leaves unset never match.
 */
cad_addr_kind cad_address_classify(const cad_conf *conf, const char *addr,
                                   char **ext);

#endif
