/*
 * nullmilter.c: the do-nothing milter of the throughput benchmark: every
 * callback answers "continue" and nothing is negotiated away, so its cost
 * is what the milter protocol itself costs Postfix. Usage: nullmilter SOCKET
 */
#include <stdio.h>
#include <stdlib.h>

#include <libmilter/mfapi.h>

static sfsistat
go_on(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
go_on_args(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;
}

static sfsistat
on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	return SMFIS_CONTINUE;
}

static sfsistat
on_helo(SMFICTX *ctx, char *helo)
{
	return SMFIS_CONTINUE;
}

static sfsistat
on_header(SMFICTX *ctx, char *name, char *value)
{
	return SMFIS_CONTINUE;
}

static sfsistat
on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc desc = {
	    .xxfi_name = "nullmilter",
	    .xxfi_version = SMFI_VERSION,
	    .xxfi_connect = on_connect,
	    .xxfi_helo = on_helo,
	    .xxfi_envfrom = go_on_args,
	    .xxfi_envrcpt = go_on_args,
	    .xxfi_header = on_header,
	    .xxfi_eoh = go_on,
	    .xxfi_body = on_body,
	    .xxfi_eom = go_on,
	    .xxfi_abort = go_on,
	    .xxfi_close = go_on,
	};

	if (argc != 2) {
		fprintf(stderr, "usage: nullmilter SOCKET\n");
		return 64;
	}
	if (smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_register(desc) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot listen on %s\n", argv[1]);
		return 71;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
