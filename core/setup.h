/*
 * setup.h: the one place that loads the configuration and opens the
 * store, for every program (cadence-milter, cadence-sender, cadencectl,
 * and cadence-web to come), so that a broken configuration or a store
 * that cannot be opened reads the same and exits the same everywhere.
 */
#ifndef CAD_SETUP_H
#define CAD_SETUP_H

#include <glib.h>

#include "conf/conf.h"
#include "store/store.h"

#define CAD_SETUP_ERROR cad_setup_error_quark()
GQuark cad_setup_error_quark(void);

/* What went wrong; cad_setup_status() gives each its exit status. */
typedef enum {
	CAD_SETUP_ERROR_CONFIG,        /* the configuration: 78 */
	CAD_SETUP_ERROR_STORE_MISSING, /* no store to read yet: 66 */
	CAD_SETUP_ERROR_STORE_ACCESS,  /* not this user's to open: 77 */
	CAD_SETUP_ERROR_STORE,         /* cannot be opened or created: 73 */
} cad_setup_error_code;

typedef enum {
	/* The configuration only (check-config, classify). */
	CAD_SETUP_CONF,
	/* And the store read-only; a missing store is an error, never
	 * created: run as root, a reading command would leave files the
	 * daemons' user cannot open (cadencectl's reading commands, the
	 * sender's --dry-run). */
	CAD_SETUP_READ,
	/* And the store read-write, created when missing (the daemons,
	 * cadencectl's changing commands, ingest). */
	CAD_SETUP_WRITE,
} cad_setup_mode;

typedef struct {
	cad_conf *conf;
	cad_store *store; /* NULL with CAD_SETUP_CONF */
} cad_setup;

/*
 * cad_setup_conf - load the configuration at path (cadence.conf with its
 * cadences and templates). Error: CAD_SETUP_ERROR_CONFIG, its message
 * every mistake found, one per line, each naming file, group and key.
 * Caller frees.
 */
cad_conf *cad_setup_conf(const char *path, GError **error);

/*
 * cad_setup_store - open the store conf names, as mode says (not
 * CAD_SETUP_CONF). Errors: CAD_SETUP_ERROR_STORE_MISSING ("store PATH
 * does not exist yet: nothing has been enrolled"), _STORE_ACCESS and
 * _STORE ("store PATH: why"). Caller closes.
 */
cad_store *cad_setup_store(const cad_conf *conf, cad_setup_mode mode,
                           GError **error);

/*
 * cad_setup_open - both: the configuration at conf_path, then the store
 * unless mode is CAD_SETUP_CONF. On failure out holds nothing. Release
 * with cad_setup_clear().
 */
gboolean cad_setup_open(const char *conf_path, cad_setup_mode mode,
                        cad_setup *out, GError **error);
void cad_setup_clear(cad_setup *s);

/*
 * cad_setup_status - the sysexits status of a setup error, the same in
 * every program: 78 configuration, 66 no store yet, 77 the store is not
 * this user's, 73 the store cannot be opened or created; 70 for any
 * other error.
 */
int cad_setup_status(const GError *error);

#endif
