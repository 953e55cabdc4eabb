/*
 * template_check.h: what cadencectl check-config says of a template
 * before the sender ever starts: the parser's problems, each at its line,
 * and the fields that some enrollment could not fill.
 */
#ifndef CAD_TEMPLATE_CHECK_H
#define CAD_TEMPLATE_CHECK_H

#include <glib.h>

#include "conf/conf.h"
#include "mail/template.h"

/*
 * cad_template_check - every problem of the template file at path, as
 * cad_template_problem* in the order of its lines: the parser's errors
 * (the sender refuses the file) and warnings, then, for a file that
 * parses, warnings for each placeholder without a fallback whose field
 * some enrollment may lack:
 *  - a field that is not a standard one (a free field of the prospects
 *    or a typo: nothing offline tells them apart), since every prospect
 *    must then carry it;
 *  - rep_name or rep_signature, which come from [rep ADDRESS] groups
 *    while any address of rep_domains may enroll, with or without one.
 * A file that cannot be read is one error at line 0. Caller frees.
 */
GPtrArray *cad_template_check(const char *path, const cad_conf *conf);

#endif
