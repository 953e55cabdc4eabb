/*
 * conf.c: load and validate cadence.conf and the cadence files. Every
 * problem is reported as one line naming the file, the group, the key and
 * what is expected; loading continues so that all problems are shown at
 * once, and the result is refused if there was any.
 */
#include "conf/conf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	GString *text;
	guint count;
} errlist;

static void G_GNUC_PRINTF(5, 6)
    conf_err(errlist *el, const char *file, const char *group, const char *key,
             const char *fmt, ...)
{
	va_list ap;

	if (el->text->len > 0)
		g_string_append_c(el->text, '\n');
	g_string_append_printf(el->text, "%s:", file);
	if (group != NULL)
		g_string_append_printf(el->text, " [%s]", group);
	if (key != NULL)
		g_string_append_printf(el->text, " %s", key);
	g_string_append(el->text, group != NULL || key != NULL ? ": " : " ");
	va_start(ap, fmt);
	g_string_append_vprintf(el->text, fmt, ap);
	va_end(ap);
	el->count++;
}

static void
expected(errlist *el, const char *file, const char *group, const cad_key *k,
         const char *value)
{
	g_autofree char *v = cad_printable(value, -1, 120);

	conf_err(el, file, group, k->name, "expected %s, got '%s'", k->check,
	         v);
}

/* ---- small parsers ---- */

const char *
cad_channel_name(cad_channel c)
{
	static const char *const names[] = {"email", "call", "linkedin",
	                                    "task"};

	return (unsigned)c < G_N_ELEMENTS(names) ? names[c] : "?";
}

static gboolean
channel_parse(const char *s, cad_channel *out)
{
	for (int c = CAD_CHANNEL_EMAIL; c <= CAD_CHANNEL_TASK; c++)
		if (g_ascii_strcasecmp(s, cad_channel_name(c)) == 0) {
			*out = (cad_channel)c;
			return TRUE;
		}
	return FALSE;
}

static gboolean
hhmm(const char *s, int *min)
{
	int h, m;
	char tail;

	if (sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 ||
	    m < 0 || m > 59 || (h == 24 && m != 0))
		return FALSE;
	*min = h * 60 + m;
	return TRUE;
}

gboolean
cad_window_parse(const char *s, cad_window *out)
{
	g_auto(GStrv) parts = g_strsplit(s, "-", 0);
	g_autofree char *a = NULL, *b = NULL;

	if (g_strv_length(parts) != 2)
		return FALSE;
	a = g_strstrip(g_strdup(parts[0]));
	b = g_strstrip(g_strdup(parts[1]));
	if (!hhmm(a, &out->start_min) || !hhmm(b, &out->end_min))
		return FALSE;
	return out->start_min < out->end_min;
}

static int
day_index(const char *s)
{
	static const char *const names[] = {"mon", "tue", "wed", "thu",
	                                    "fri", "sat", "sun"};

	for (int i = 0; i < 7; i++)
		if (g_ascii_strncasecmp(s, names[i], 3) == 0 && strlen(s) == 3)
			return i;
	return -1;
}

gboolean
cad_days_parse(const char *s, guint8 *out)
{
	g_auto(GStrv) items = g_strsplit_set(s, ", ", 0);
	guint8 mask = 0;

	for (char **it = items; *it != NULL; it++) {
		g_auto(GStrv) r = NULL;
		int a, b;
		if (**it == '\0')
			continue;
		r = g_strsplit(*it, "-", 0);
		if (g_strv_length(r) == 1) {
			if ((a = day_index(r[0])) < 0)
				return FALSE;
			mask |= (guint8)(1u << a);
			continue;
		}
		if (g_strv_length(r) != 2 || (a = day_index(r[0])) < 0 ||
		    (b = day_index(r[1])) < 0)
			return FALSE;
		for (int d = a;; d = (d + 1) % 7) {
			mask |= (guint8)(1u << d);
			if (d == b)
				break;
		}
	}
	*out = mask;
	return mask != 0;
}

static gboolean
parse_size(const char *s, gint64 *out)
{
	char *end;
	guint64 v;

	errno = 0;
	v = g_ascii_strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return FALSE;
	switch (g_ascii_toupper(*end)) {
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'G':
		v <<= 30;
		end++;
		break;
	case 'T':
		v <<= 40;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || v > (guint64)G_MAXINT64)
		return FALSE;
	*out = (gint64)v;
	return TRUE;
}

static gboolean
parse_bool(const char *s, gboolean *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (gsize i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (g_ascii_strcasecmp(s, yes[i]) == 0) {
			*out = TRUE;
			return TRUE;
		}
		if (g_ascii_strcasecmp(s, no[i]) == 0) {
			*out = FALSE;
			return TRUE;
		}
	}
	return FALSE;
}

static char **
split_list(const char *s)
{
	g_auto(GStrv) raw = g_strsplit_set(s, ", \t", 0);
	GPtrArray *out = g_ptr_array_new();

	for (char **it = raw; *it != NULL; it++)
		if (**it != '\0')
			g_ptr_array_add(out, g_strdup(*it));
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean
valid_timezone(const char *s)
{
	GTimeZone *tz = g_time_zone_new_identifier(s);

	if (tz == NULL)
		return FALSE;
	g_time_zone_unref(tz);
	return TRUE;
}

static gboolean
valid_date(const char *s)
{
	int y, m, d;
	char tail;

	return strlen(s) == 10 &&
	       sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
	       g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y);
}

static gboolean
network_parse(const char *s, cad_network *n)
{
	g_autofree char *addr = g_strdup(s);
	char *slash = strchr(addr, '/');
	int max;

	memset(n, 0, sizeof(*n));
	if (slash != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, addr, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else {
		return FALSE;
	}
	n->prefix = max;
	if (slash != NULL) {
		char *end;
		long p = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || p < 0 || p > max)
			return FALSE;
		n->prefix = (int)p;
	}
	return TRUE;
}

/* ---- reading values ---- */

/*
 * value_of - the value of key in group with a trailing " # comment"
 * removed (GKeyFile only knows whole-line comments), or NULL.
 */
static char *
value_of(GKeyFile *kf, const char *group, const char *key)
{
	char *v = g_key_file_get_value(kf, group, key, NULL);
	char *p;

	if (v == NULL)
		return NULL;
	for (p = v; *p != '\0'; p++)
		if (*p == '#' && p > v && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	return g_strstrip(v);
}

static char *
resolve_path(const char *base_dir, const char *v)
{
	if (*v == '\0')
		return NULL;
	if (g_path_is_absolute(v))
		return g_strdup(v);
	return g_build_filename(base_dir, v, NULL);
}

typedef struct {
	const char *file;
	const char *group; /* the group's real name, for messages */
	const char *base_dir;
	errlist *el;
} ctx;

/*
 * set_value - parse v for key k and store it at k->offset in obj. Types
 * without an offset (window, days, enum, lists with their own shape) are
 * handled by the caller; this checks them only.
 */
static void
set_value(ctx *c, const cad_key *k, const char *v, void *obj)
{
	char *slot = k->offset >= 0 ? (char *)obj + k->offset : NULL;
	gint64 n;
	gboolean b;

	switch (k->type) {
	case CAD_KEY_STRING:
		if (slot != NULL)
			*(char **)slot = *v != '\0' ? g_strdup(v) : NULL;
		return;
	case CAD_KEY_PATH:
		if (slot != NULL)
			*(char **)slot = resolve_path(c->base_dir, v);
		return;
	case CAD_KEY_ADDRESS: {
		char *a = *v != '\0' ? cad_address_normalize(v) : NULL;
		if (*v != '\0' && a == NULL)
			expected(c->el, c->file, c->group, k, v);
		if (slot != NULL)
			*(char **)slot = a;
		else
			g_free(a);
		return;
	}
	case CAD_KEY_INT:
	case CAD_KEY_SIZE: {
		char *end;
		gboolean ok;
		if (k->type == CAD_KEY_INT) {
			errno = 0;
			n = g_ascii_strtoll(v, &end, 10);
			ok = errno == 0 && end != v && *end == '\0';
		} else {
			ok = parse_size(v, &n);
		}
		if (!ok || (k->max > 0 && (n < k->min || n > k->max))) {
			expected(c->el, c->file, c->group, k, v);
			return;
		}
		if (slot != NULL && k->type == CAD_KEY_INT)
			*(int *)slot = (int)n;
		else if (slot != NULL &&
		         k->offset ==
		             (gssize)offsetof(cad_conf, max_body_bytes))
			*(gsize *)slot = (gsize)n;
		else if (slot != NULL)
			*(guint64 *)slot = (guint64)n;
		return;
	}
	case CAD_KEY_BOOL:
		if (!parse_bool(v, &b))
			expected(c->el, c->file, c->group, k, v);
		else if (slot != NULL)
			*(gboolean *)slot = b;
		return;
	case CAD_KEY_TIMEZONE:
		if (*v != '\0' && !valid_timezone(v))
			expected(c->el, c->file, c->group, k, v);
		else if (slot != NULL)
			*(char **)slot = *v != '\0' ? g_strdup(v) : NULL;
		return;
	case CAD_KEY_LIST:
		if (slot != NULL)
			*(char ***)slot = split_list(v);
		return;
	case CAD_KEY_WINDOW: {
		cad_window w;
		if (*v != '\0' && !cad_window_parse(v, &w))
			expected(c->el, c->file, c->group, k, v);
		return;
	}
	case CAD_KEY_DAYS: {
		guint8 d;
		if (*v != '\0' && !cad_days_parse(v, &d))
			expected(c->el, c->file, c->group, k, v);
		return;
	}
	case CAD_KEY_ENUM:
		return;
	}
}

/* The keys of table that belong to group pattern gpat. */
static const cad_key *
find_key(const cad_key *table, const char *gpat, const char *name)
{
	for (const cad_key *k = table; k->name != NULL; k++)
		if (strcmp(k->group, gpat) == 0 && strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static void
unknown_keys(ctx *c, GKeyFile *kf, const cad_key *table, const char *gpat)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, c->group, NULL, NULL);

	for (char **k = keys; k != NULL && *k != NULL; k++)
		if (find_key(table, gpat, *k) == NULL) {
			g_autofree char *name = cad_printable(*k, -1, 80);
			conf_err(c->el, c->file, c->group, name, "unknown key");
		}
}

/*
 * load_group - every key of table in group pattern gpat, read from the
 * file's group c->group or taken from its default; returns the values in
 * a table "key" -> value (defaults included) for the caller's specials.
 */
static GHashTable *
load_group(ctx *c, GKeyFile *kf, const cad_key *table, const char *gpat,
           void *obj, GHashTable *effective)
{
	GHashTable *vals =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

	unknown_keys(c, kf, table, gpat);
	for (const cad_key *k = table; k->name != NULL; k++) {
		char *v;
		if (strcmp(k->group, gpat) != 0)
			continue;
		v = value_of(kf, c->group, k->name);
		if (v == NULL && k->def == NULL) {
			conf_err(c->el, c->file, c->group, k->name,
			         "missing required key: expected %s", k->check);
			continue;
		}
		if (v == NULL)
			v = g_strdup(k->def);
		set_value(c, k, v, obj);
		if (effective != NULL)
			g_hash_table_replace(
			    effective,
			    g_strdup_printf("%s.%s", c->group, k->name),
			    g_strdup(v));
		g_hash_table_replace(vals, (gpointer)k->name, v);
	}
	return vals;
}

static GKeyFile *
read_keyfile(const char *path, errlist *el)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) err = NULL;
	g_autofree char *data = NULL;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, &err)) {
		conf_err(el, path, NULL, NULL, "cannot read: %s", err->message);
		return NULL;
	}
	if (len > CAD_CONF_FILE_MAX) {
		conf_err(el, path, NULL, NULL,
		         "file of %zu bytes: expected at most %d", len,
		         CAD_CONF_FILE_MAX);
		return NULL;
	}
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &err)) {
		conf_err(el, path, NULL, NULL, "not an INI file: %s",
		         err->message);
		return NULL;
	}
	return g_steal_pointer(&kf);
}

/* ---- cadence files ---- */

static void
step_free(cad_step *s)
{
	g_free(s->template);
	g_free(s->template_path);
	g_free(s->note);
	g_free(s);
}

static void
cadence_free(cad_cadence *c)
{
	g_free(c->name);
	g_free(c->description);
	g_free(c->file);
	g_free(c->timezone);
	if (c->steps != NULL)
		g_ptr_array_unref(c->steps);
	g_free(c);
}

static gboolean
valid_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return FALSE;
	for (const char *p = s; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
			return FALSE;
	return TRUE;
}

static cad_step *
load_step(ctx *c, GKeyFile *kf, const cad_conf *conf, guint32 number)
{
	cad_step *s = g_new0(cad_step, 1);
	g_autoptr(GHashTable) v = NULL;
	const char *ch, *tpl;

	s->number = number;
	v = load_group(c, kf, cad_conf_cadence_keys(), "step N", s, NULL);
	ch = g_hash_table_lookup(v, "channel");
	if (ch != NULL && !channel_parse(ch, &s->channel))
		expected(c->el, c->file, c->group,
		         find_key(cad_conf_cadence_keys(), "step N", "channel"),
		         ch);
	tpl = s->template;
	if (s->channel == CAD_CHANNEL_EMAIL && ch != NULL && tpl == NULL)
		conf_err(c->el, c->file, c->group, "template",
		         "missing required key for an email step: expected a "
		         "file name in the templates directory");
	if (tpl != NULL) {
		if (strstr(tpl, "..") != NULL || g_path_is_absolute(tpl)) {
			conf_err(c->el, c->file, c->group, "template",
			         "expected a file name in the templates "
			         "directory, got '%s'",
			         tpl);
		} else if (conf->templates_dir != NULL) {
			s->template_path =
			    g_build_filename(conf->templates_dir, tpl, NULL);
			if (!g_file_test(s->template_path,
			                 G_FILE_TEST_IS_REGULAR))
				conf_err(c->el, c->file, c->group, "template",
				         "template %s does not exist",
				         s->template_path);
		}
	}
	return s;
}

static gint
step_cmp(gconstpointer a, gconstpointer b)
{
	const cad_step *x = *(cad_step *const *)a, *y = *(cad_step *const *)b;

	return x->number < y->number ? -1 : x->number > y->number;
}

static void
check_step_order(ctx *c, cad_cadence *cad)
{
	for (guint i = 1; i < cad->steps->len; i++) {
		cad_step *prev = cad->steps->pdata[i - 1];
		cad_step *s = cad->steps->pdata[i];
		if (s->day < prev->day) {
			g_autofree char *g =
			    g_strdup_printf("step %u", s->number);
			conf_err(
			    c->el, c->file, g, "day",
			    "expected a day not before day %d of [step %u], "
			    "got '%d': step days go backwards",
			    prev->day, prev->number, s->day);
		}
	}
}

static void
cadence_specials(ctx *c, GHashTable *v, cad_cadence *cad)
{
	const char *w = g_hash_table_lookup(v, "window");
	const char *d = g_hash_table_lookup(v, "days");

	if (w != NULL && *w != '\0')
		cad->has_window = cad_window_parse(w, &cad->window);
	if (d != NULL && *d != '\0' && !cad_days_parse(d, &cad->days))
		cad->days = 0;
	if (cad->name != NULL && !valid_name(cad->name))
		expected(c->el, c->file, "cadence",
		         find_key(cad_conf_cadence_keys(), "cadence", "name"),
		         cad->name);
}

static cad_cadence *
load_cadence(const char *path, const cad_conf *conf, errlist *el)
{
	g_autoptr(GKeyFile) kf = read_keyfile(path, el);
	g_auto(GStrv) groups = NULL;
	cad_cadence *cad;
	ctx c = {.file = path, .el = el};

	if (kf == NULL)
		return NULL;
	cad = g_new0(cad_cadence, 1);
	cad->file = g_strdup(path);
	cad->steps = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
	groups = g_key_file_get_groups(kf, NULL);
	if (!g_key_file_has_group(kf, "cadence"))
		conf_err(el, path, "cadence", NULL,
		         "missing group: expected [cadence] with name = ...");
	for (char **g = groups; *g != NULL; g++) {
		guint64 n;
		char *end;
		c.group = *g;
		if (strcmp(*g, "cadence") == 0) {
			g_autoptr(GHashTable) v =
			    load_group(&c, kf, cad_conf_cadence_keys(),
			               "cadence", cad, NULL);
			cadence_specials(&c, v, cad);
			continue;
		}
		if (strncmp(*g, "step ", 5) == 0) {
			n = g_ascii_strtoull(*g + 5, &end, 10);
			if (*end == '\0' && n >= 2 && n <= CAD_CONF_STEPS_MAX) {
				g_ptr_array_add(
				    cad->steps,
				    load_step(&c, kf, conf, (guint32)n));
				continue;
			}
			conf_err(
			    el, path, *g, NULL,
			    "expected a step number from 2 to %d (step 1 is "
			    "the rep's own email)",
			    CAD_CONF_STEPS_MAX);
			continue;
		}
		g_autofree char *gp = cad_printable(*g, -1, 80);
		conf_err(el, path, gp, NULL,
		         "unknown group: expected [cadence] or [step N]");
	}
	g_ptr_array_sort(cad->steps, step_cmp);
	if (cad->steps->len == 0)
		conf_err(el, path, "cadence", NULL,
		         "no steps: expected at least one [step N] group");
	check_step_order(&c, cad);
	return cad;
}

static gint
str_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
load_cadences(cad_conf *conf, errlist *el)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	conf->cadences =
	    g_ptr_array_new_with_free_func((GDestroyNotify)cadence_free);
	if (conf->cadences_dir == NULL)
		return;
	dir = g_dir_open(conf->cadences_dir, 0, &err);
	if (dir == NULL) {
		conf_err(el, conf->file, "cadences", "dir",
		         "expected a readable directory: %s", err->message);
		return;
	}
	while ((name = g_dir_read_name(dir)) != NULL &&
	       files->len < CAD_CONF_CADENCES_MAX)
		if (g_str_has_suffix(name, ".conf"))
			g_ptr_array_add(
			    files,
			    g_build_filename(conf->cadences_dir, name, NULL));
	g_ptr_array_sort(files, str_cmp);
	for (guint i = 0; i < files->len; i++) {
		cad_cadence *c = load_cadence(files->pdata[i], conf, el);
		if (c == NULL)
			continue;
		if (c->name != NULL && cad_conf_cadence(conf, c->name)) {
			conf_err(el, c->file, "cadence", "name",
			         "cadence '%s' is already defined", c->name);
			cadence_free(c);
			continue;
		}
		g_ptr_array_add(conf->cadences, c);
	}
	if (conf->cadences->len == 0)
		conf_err(el, conf->file, "cadences", "dir",
		         "expected at least one NAME.conf cadence file in %s",
		         conf->cadences_dir);
}

/* ---- the main file ---- */

static void
rep_free(cad_rep *r)
{
	g_free(r->address);
	g_free(r->name);
	g_free(r->signature);
	g_free(r->timezone);
	g_free(r);
}

static void
load_rep(ctx *c, GKeyFile *kf, cad_conf *conf)
{
	cad_rep *r = g_new0(cad_rep, 1);
	g_autoptr(GHashTable) v = NULL;
	const char *sig;

	r->address = cad_address_normalize(c->group + 4);
	if (r->address == NULL)
		conf_err(c->el, c->file, c->group, NULL,
		         "expected [rep ADDRESS] with the rep's address");
	v = load_group(c, kf, cad_conf_keys(), "rep ADDRESS", NULL, NULL);
	r->name = g_strdup(g_hash_table_lookup(v, "name"));
	sig = g_hash_table_lookup(v, "signature");
	r->signature = g_strcompress(sig != NULL ? sig : "");
	r->timezone = g_strdup(g_hash_table_lookup(v, "timezone"));
	if (r->timezone != NULL && *r->timezone == '\0')
		g_clear_pointer(&r->timezone, g_free);
	g_ptr_array_add(conf->reps, r);
}

static void
main_specials(ctx *c, GHashTable *v, cad_conf *conf)
{
	const char *s;

	if (strcmp(c->group, "milter") == 0) {
		g_auto(GStrv) nets =
		    split_list(g_hash_table_lookup(v, "trusted_networks"));
		for (char **n = nets; *n != NULL; n++) {
			cad_network net;
			if (network_parse(*n, &net))
				g_array_append_val(conf->trusted_networks, net);
			else
				expected(c->el, c->file, c->group,
				         find_key(cad_conf_keys(), "milter",
				                  "trusted_networks"),
				         *n);
		}
		return;
	}
	if (strcmp(c->group, "sender") != 0)
		return;
	s = g_hash_table_lookup(v, "starttls");
	if (g_strcmp0(s, "no") == 0)
		conf->starttls = CAD_STARTTLS_NO;
	else if (g_strcmp0(s, "if-available") == 0)
		conf->starttls = CAD_STARTTLS_IF_AVAILABLE;
	else if (g_strcmp0(s, "required") == 0)
		conf->starttls = CAD_STARTTLS_REQUIRED;
	else
		expected(c->el, c->file, c->group,
		         find_key(cad_conf_keys(), "sender", "starttls"), s);
	cad_window_parse(g_hash_table_lookup(v, "window"), &conf->window);
	cad_days_parse(g_hash_table_lookup(v, "days"), &conf->days);
	conf->holidays = split_list(g_hash_table_lookup(v, "holidays"));
	for (char **h = conf->holidays; *h != NULL; h++)
		if (!valid_date(*h))
			expected(
			    c->el, c->file, c->group,
			    find_key(cad_conf_keys(), "sender", "holidays"),
			    *h);
	qsort(conf->holidays, g_strv_length(conf->holidays), sizeof(char *),
	      str_cmp);
}

static char *
derive_address(const char *addr, const char *suffix)
{
	const char *at = strrchr(addr, '@');

	return g_strdup_printf("%.*s%s%s", (int)(at - addr), addr, suffix, at);
}

static void
check_local(ctx *c, const char *key, const char *addr, const char *delim)
{
	const char *at;

	if (addr == NULL || delim == NULL)
		return;
	at = strrchr(addr, '@');
	if (at != NULL && memchr(addr, delim[0], (size_t)(at - addr)) != NULL)
		conf_err(
		    c->el, c->file, "milter", key,
		    "expected a local part without the recipient delimiter "
		    "'%s', got '%s'",
		    delim, addr);
}

/* Checks that span keys, and defaults derived from other keys. */
static void
cross_checks(cad_conf *conf, errlist *el)
{
	ctx c = {.file = conf->file, .el = el, .group = "milter"};

	if (conf->recipient_delimiter == NULL ||
	    strlen(conf->recipient_delimiter) != 1)
		conf_err(el, conf->file, "milter", "recipient_delimiter",
		         "expected one character such as +, got '%s'",
		         conf->recipient_delimiter ? conf->recipient_delimiter
		                                   : "");
	if (conf->enroll_address != NULL) {
		if (conf->task_address == NULL)
			conf->task_address =
			    derive_address(conf->enroll_address, "-tasks");
		if (conf->notify_from == NULL)
			conf->notify_from = g_strdup(conf->enroll_address);
		if (conf->hostname == NULL)
			conf->hostname =
			    g_strdup(cad_address_domain(conf->enroll_address));
	}
	check_local(&c, "enroll_address", conf->enroll_address,
	            conf->recipient_delimiter);
	check_local(&c, "bounce_address", conf->bounce_address,
	            conf->recipient_delimiter);
	check_local(&c, "unsubscribe_address", conf->unsubscribe_address,
	            conf->recipient_delimiter);
	if (conf->rep_domains != NULL && conf->rep_domains[0] == NULL)
		conf_err(el, conf->file, "milter", "rep_domains",
		         "expected at least one domain");
	if (conf->unsubscribe_url != NULL &&
	    (!g_str_has_prefix(conf->unsubscribe_url, "https://") ||
	     strstr(conf->unsubscribe_url, "%s") == NULL ||
	     strchr(strstr(conf->unsubscribe_url, "%s") + 1, '%') != NULL))
		conf_err(
		    el, conf->file, "sender", "unsubscribe_url",
		    "expected an https:// URL containing %%s once, got '%s'",
		    conf->unsubscribe_url);
	if (conf->map_size > conf->max_map_size)
		conf_err(el, conf->file, "store", "max_map_size",
		         "expected a size not below map_size");
	if (conf->templates_dir != NULL &&
	    !g_file_test(conf->templates_dir, G_FILE_TEST_IS_DIR))
		conf_err(el, conf->file, "cadences", "templates",
		         "expected a directory, got '%s'", conf->templates_dir);
}

static void
load_main(cad_conf *conf, GKeyFile *kf, errlist *el)
{
	static const char *const fixed[] = {"store", "milter", "sender",
	                                    "cadences"};
	g_autofree char *base = g_path_get_dirname(conf->file);
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	ctx c = {.file = conf->file, .base_dir = base, .el = el};

	for (char **g = groups; *g != NULL; g++) {
		gboolean known = strncmp(*g, "rep ", 4) == 0;
		for (gsize i = 0; i < G_N_ELEMENTS(fixed); i++)
			known |= strcmp(*g, fixed[i]) == 0;
		if (!known) {
			g_autofree char *gp = cad_printable(*g, -1, 80);
			conf_err(el, conf->file, gp, NULL,
			         "unknown group: expected [store], [milter], "
			         "[sender], [cadences] or [rep ADDRESS]");
		}
	}
	for (gsize i = 0; i < G_N_ELEMENTS(fixed); i++) {
		g_autoptr(GHashTable) v = NULL;
		c.group = fixed[i];
		v = load_group(&c, kf, cad_conf_keys(), fixed[i], conf,
		               conf->effective);
		main_specials(&c, v, conf);
	}
	for (char **g = groups; *g != NULL; g++) {
		if (strncmp(*g, "rep ", 4) != 0)
			continue;
		c.group = *g;
		load_rep(&c, kf, conf);
	}
}

cad_conf *
cad_conf_load(const char *path, GError **error)
{
	errlist el = {g_string_new(NULL), 0};
	g_autoptr(GKeyFile) kf = NULL;
	cad_conf *conf = g_new0(cad_conf, 1);

	conf->file = g_strdup(path);
	conf->trusted_networks = g_array_new(FALSE, TRUE, sizeof(cad_network));
	conf->reps = g_ptr_array_new_with_free_func((GDestroyNotify)rep_free);
	conf->effective =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	kf = read_keyfile(path, &el);
	if (kf != NULL) {
		load_main(conf, kf, &el);
		cross_checks(conf, &el);
		load_cadences(conf, &el);
		if (conf->default_cadence != NULL && conf->cadences->len > 0 &&
		    cad_conf_cadence(conf, conf->default_cadence) == NULL)
			conf_err(
			    &el, path, "milter", "default_cadence",
			    "expected the name of a cadence in %s, got '%s'",
			    conf->cadences_dir, conf->default_cadence);
	}
	if (el.count > 0) {
		g_set_error_literal(error, CAD_ERROR, CAD_ERROR_INVALID,
		                    el.text->str);
		g_string_free(el.text, TRUE);
		cad_conf_free(conf);
		return NULL;
	}
	g_string_free(el.text, TRUE);
	return conf;
}

void
cad_conf_free(cad_conf *conf)
{
	if (conf == NULL)
		return;
	g_free(conf->file);
	g_free(conf->store_path);
	g_free(conf->milter_socket);
	g_free(conf->enroll_address);
	g_free(conf->default_cadence);
	g_free(conf->bounce_address);
	g_free(conf->unsubscribe_address);
	g_free(conf->task_address);
	g_free(conf->recipient_delimiter);
	if (conf->trusted_networks != NULL)
		g_array_unref(conf->trusted_networks);
	g_strfreev(conf->rep_domains);
	g_free(conf->milter_user);
	g_free(conf->pid_file);
	g_free(conf->notify_from);
	g_free(conf->relay);
	g_free(conf->auth_user);
	g_free(conf->auth_password_file);
	g_free(conf->timezone);
	g_strfreev(conf->holidays);
	g_free(conf->hostname);
	g_free(conf->unsubscribe_url);
	g_free(conf->sender_pid_file);
	g_free(conf->cadences_dir);
	g_free(conf->templates_dir);
	if (conf->cadences != NULL)
		g_ptr_array_unref(conf->cadences);
	if (conf->reps != NULL)
		g_ptr_array_unref(conf->reps);
	if (conf->effective != NULL)
		g_hash_table_unref(conf->effective);
	g_free(conf);
}

/* ---- queries ---- */

const cad_cadence *
cad_conf_cadence(const cad_conf *conf, const char *name)
{
	if (name == NULL || conf->cadences == NULL)
		return NULL;
	for (guint i = 0; i < conf->cadences->len; i++) {
		const cad_cadence *c = conf->cadences->pdata[i];
		if (c->name != NULL && g_ascii_strcasecmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

const cad_step *
cad_cadence_step(const cad_cadence *c, guint32 index)
{
	if (c == NULL || index >= c->steps->len)
		return NULL;
	return c->steps->pdata[index];
}

const cad_rep *
cad_conf_rep(const cad_conf *conf, const char *address)
{
	g_autofree char *a = cad_address_normalize(address);

	for (guint i = 0; a != NULL && i < conf->reps->len; i++) {
		const cad_rep *r = conf->reps->pdata[i];
		if (g_strcmp0(r->address, a) == 0)
			return r;
	}
	return NULL;
}

gboolean
cad_conf_is_rep(const cad_conf *conf, const char *address)
{
	const char *dom = cad_address_domain(address);

	for (char **d = conf->rep_domains; d != NULL && *d != NULL; d++)
		if (g_ascii_strcasecmp(dom, *d) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
in_network(const cad_network *n, int family, const unsigned char *addr)
{
	int full = n->prefix / 8, rest = n->prefix % 8;

	if (n->family != family)
		return FALSE;
	if (memcmp(n->addr, addr, (size_t)full) != 0)
		return FALSE;
	if (rest == 0)
		return TRUE;
	return ((n->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}

static gboolean
trusted_raw(const cad_conf *conf, int family, const unsigned char *addr)
{
	for (guint i = 0; i < conf->trusted_networks->len; i++)
		if (in_network(
		        &g_array_index(conf->trusted_networks, cad_network, i),
		        family, addr))
			return TRUE;
	return FALSE;
}

/* The first 12 bytes of an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2). */
static const unsigned char v4mapped_prefix[12] = {[10] = 0xff, [11] = 0xff};

gboolean
cad_conf_is_trusted_text(const cad_conf *conf, const char *ip)
{
	unsigned char a[16];

	if (ip == NULL)
		return FALSE;
	if (inet_pton(AF_INET, ip, a) == 1)
		return trusted_raw(conf, AF_INET, a);
	if (inet_pton(AF_INET6, ip, a) != 1)
		return FALSE;
	/* An IPv4-mapped client (::ffff:a.b.c.d, what a dual-stack listener
	 * reports for an IPv4 connection) is judged by its IPv4 address, or by
	 * a network written in the mapped form. */
	if (memcmp(a, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0 &&
	    trusted_raw(conf, AF_INET, a + 12))
		return TRUE;
	return trusted_raw(conf, AF_INET6, a);
}

/* ---- output ---- */

void
cad_conf_dump(const cad_conf *conf, GString *out)
{
	for (const cad_key *k = cad_conf_keys(); k->name != NULL; k++) {
		g_autofree char *name =
		    g_strdup_printf("%s.%s", k->group, k->name);
		const char *v = g_hash_table_lookup(conf->effective, name);
		if (v != NULL)
			g_string_append_printf(out, "%s = %s\n", name, v);
	}
	g_string_append_printf(out, "milter.task_address (effective) = %s\n",
	                       conf->task_address ? conf->task_address : "");
	g_string_append_printf(out, "sender.hostname (effective) = %s\n",
	                       conf->hostname ? conf->hostname : "");
}

static void
window_text(char buf[48], const cad_window *w)
{
	snprintf(buf, 48, "%02d:%02d-%02d:%02d", w->start_min / 60,
	         w->start_min % 60, w->end_min / 60, w->end_min % 60);
}

void
cad_conf_describe(const cad_conf *conf, GString *out)
{
	char wbuf[48];

	window_text(wbuf, &conf->window);
	g_string_append_printf(
	    out, "configuration %s: %u cadence(s), default %s, window %s %s\n",
	    conf->file, conf->cadences->len, conf->default_cadence, wbuf,
	    conf->timezone);
	for (guint i = 0; i < conf->cadences->len; i++) {
		const cad_cadence *c = conf->cadences->pdata[i];
		g_string_append_printf(
		    out, "\ncadence %s: %s (%s%s)\n", c->name,
		    c->description ? c->description : "", c->file,
		    c->business_days ? ", business days" : "");
		g_string_append_printf(out, "  %-5s %-4s %-9s %s\n", "step",
		                       "day", "channel", "template or note");
		g_string_append_printf(out, "  %-5d %-4d %-9s %s\n", 1, 1,
		                       "email", "(the rep's own email)");
		for (guint j = 0; j < c->steps->len; j++) {
			const cad_step *s = c->steps->pdata[j];
			g_string_append_printf(out, "  %-5u %-4d %-9s %s\n",
			                       s->number, s->day,
			                       cad_channel_name(s->channel),
			                       s->channel == CAD_CHANNEL_EMAIL
			                           ? s->template
			                           : (s->note ? s->note : ""));
		}
	}
}
