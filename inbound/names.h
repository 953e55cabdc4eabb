/*
 * names.h: template fields guessed from a To/Cc header: first and last
 * name from the display name, company from the address's domain.
 */
#ifndef CAD_INBOUND_NAMES_H
#define CAD_INBOUND_NAMES_H

#include <glib.h>

/* Longest display name we split: a real name is far shorter. */
#define CAD_NAME_MAX 200

/*
 * cad_name_split - split a decoded display name into first and last name:
 * "Jane Doe" gives Jane / Doe, "Doe, Jane" gives Jane / Doe, "Jean-Luc van
 * der Berg" gives Jean-Luc / van der Berg, a single word gives only a
 * first name. Quotes, parenthesised comments and a display name that is
 * itself an address give nothing. Sets *first and *last to new strings
 * or NULL; caller frees. Returns FALSE when no name was found.
 */
gboolean cad_name_split(const char *display, char **first, char **last);

/*
 * cad_company_from_domain - a company name from a domain: the label left
 * of the public suffix ("mail.acme-corp.co.uk" gives "Acme Corp"), or
 * NULL for free-mail providers (gmail.com, ...) and for anything that is
 * not a plain domain. Caller frees.
 */
char *cad_company_from_domain(const char *domain);

#endif
