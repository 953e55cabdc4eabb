/*
 * conf.h: the configuration: cadence.conf and one file per cadence in
 * [cadences] dir, read with GKeyFile and validated in full before any
 * program touches the store. One table of keys (conf/keys.c) drives the
 * parser, `cadencectl check-config`, the dump of the effective
 * configuration and the test that every key is documented in
 * cadence.conf(5).
 *
 * Every mistake gives one line "FILE: [GROUP] KEY: expected ..., got ..."
 * and loading goes on to find the others; cad_conf_load fails when there
 * was at least one.
 */
#ifndef CAD_CONF_H
#define CAD_CONF_H

#include <glib.h>

#include "common/util.h"

/* Largest configuration or template file we read. */
#define CAD_CONF_FILE_MAX     (1024 * 1024)
/* Most steps in one cadence and cadences in one directory. */
#define CAD_CONF_STEPS_MAX    64
#define CAD_CONF_CADENCES_MAX 1000

typedef enum {
	CAD_CHANNEL_EMAIL,
	CAD_CHANNEL_CALL,
	CAD_CHANNEL_LINKEDIN,
	CAD_CHANNEL_TASK,
} cad_channel;

const char *cad_channel_name(cad_channel c);

typedef enum {
	CAD_STARTTLS_NO,
	CAD_STARTTLS_IF_AVAILABLE,
	CAD_STARTTLS_REQUIRED,
} cad_starttls;

/* A sending window: minutes after local midnight, [start, end). */
typedef struct {
	int start_min, end_min;
} cad_window;

typedef struct {
	guint32 number; /* the [step N] number: 2 is the first follow-up */
	int day;        /* day offset: step 1 (the rep's email) is day 1 */
	cad_channel channel;
	char *template;      /* file name in [cadences] templates (email) */
	char *template_path; /* resolved path */
	char *note;          /* for tasks */
	int timeout_days;    /* tasks: advance after this many days */
} cad_step;

typedef struct {
	char *name;
	char *description;
	char *file;
	gboolean business_days;
	char *timezone; /* NULL: [sender] timezone */
	gboolean has_window;
	cad_window window; /* when has_window, overrides [sender] window */
	guint8 days;       /* bit 0 = Monday ... bit 6 = Sunday; 0 = inherit */
	GPtrArray *steps;  /* cad_step*, in number order */
} cad_cadence;

/* A network in trusted_networks. */
typedef struct {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;
} cad_network;

/* A rep's own settings, from a [rep ADDRESS] group. */
typedef struct {
	char *address;
	char *name;
	char *signature;
	char *timezone;
} cad_rep;

typedef struct {
	char *file; /* the main file's path */

	/* [store] */
	char *store_path;
	guint64 map_size, max_map_size;

	/* [milter] */
	char *milter_socket;
	char *enroll_address; /* local@domain; local+NAME@domain picks NAME */
	char *default_cadence;
	char *bounce_address;
	char *unsubscribe_address;
	char *task_address;
	char *recipient_delimiter;
	GArray *trusted_networks; /* cad_network */
	char **rep_domains;
	gboolean account_exit;
	int auto_reply_pause_days;
	int soft_bounce_limit;
	gsize max_body_bytes;
	char *milter_user;
	char *pid_file;
	char *notify_from; /* sender of notices to reps */

	/* [sender] */
	char *relay; /* host:port */
	cad_starttls starttls;
	char *auth_user;
	char *auth_password_file;
	int daily_cap_per_rep;
	int rate_per_minute;
	int domain_rate_per_hour;
	int min_gap_seconds;
	cad_window window;
	guint8 days;
	char *timezone;
	char **holidays; /* "YYYY-MM-DD", sorted */
	int jitter_minutes;
	char *hostname;        /* right side of our Message-IDs */
	char *unsubscribe_url; /* https://.../%s, the token in place of %s */
	int poll_seconds;
	int retry_max_hours;
	char *sender_pid_file;

	/* [cadences] */
	char *cadences_dir;
	char *templates_dir;
	GPtrArray *cadences; /* cad_cadence*, by name */

	GPtrArray *reps; /* cad_rep* */

	GHashTable *effective; /* "group.key" -> value as loaded, for dumps */
} cad_conf;

/*
 * cad_conf_load - read and validate path and the cadence files it names.
 * On failure returns NULL and sets error to every problem found, one per
 * line. Caller frees with cad_conf_free.
 */
cad_conf *cad_conf_load(const char *path, GError **error);
void cad_conf_free(cad_conf *conf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_conf, cad_conf_free)

const cad_cadence *cad_conf_cadence(const cad_conf *conf, const char *name);
/* The step at index (0-based) of a cadence, or NULL past the end. */
const cad_step *cad_cadence_step(const cad_cadence *c, guint32 index);
const cad_rep *cad_conf_rep(const cad_conf *conf, const char *address);
/* TRUE when address's domain is one of rep_domains. */
gboolean cad_conf_is_rep(const cad_conf *conf, const char *address);
/*
 * TRUE when ip, an address in text form, lies in trusted_networks; an
 * IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged by its IPv4 part.
 */
gboolean cad_conf_is_trusted_text(const cad_conf *conf, const char *ip);

/* Parse "09:00-17:00" and "mon-fri" / "mon,wed,fri". */
gboolean cad_window_parse(const char *s, cad_window *out);
gboolean cad_days_parse(const char *s, guint8 *out);

/*
 * Keys of the main file, for check-config, the dump and documentation.
 */
typedef enum {
	CAD_KEY_STRING,
	CAD_KEY_INT,
	CAD_KEY_BOOL,
	CAD_KEY_SIZE,
	CAD_KEY_LIST,
	CAD_KEY_ADDRESS,
	CAD_KEY_WINDOW,
	CAD_KEY_DAYS,
	CAD_KEY_TIMEZONE,
	CAD_KEY_PATH,
	CAD_KEY_ENUM,
} cad_key_type;

typedef struct {
	const char *group;
	const char *name;
	cad_key_type type;
	const char *def;   /* NULL: required; "" : unset by default */
	const char *doc;   /* one line for check-config and the man page */
	const char *check; /* what is expected, for error lines */
	gssize offset;     /* into cad_conf (or cad_cadence / cad_step); -1 */
	gint64 min, max;   /* INT and SIZE bounds */
} cad_key;

/* The table, ended by a NULL name. */
const cad_key *cad_conf_keys(void);
/* Keys of the cadence files ([cadence] and [step N]). */
const cad_key *cad_conf_cadence_keys(void);

/* Write "group.key = value" for every key, as loaded, to out. */
void cad_conf_dump(const cad_conf *conf, GString *out);
/* Write each cadence and its step plan (day, channel, template). */
void cad_conf_describe(const cad_conf *conf, GString *out);

#endif
