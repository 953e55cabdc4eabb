/*
 * main.c: cadencectl, the administration tool of cadence. Everything is
 * in the library cad_cli (cli/cli.h); this only sets up logging.
 */
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"

int
main(int argc, char **argv)
{
	/* Character classes for terminal widths; numbers stay in "C". */
	setlocale(LC_CTYPE, "");
	cad_log_init("cadencectl", !isatty(STDERR_FILENO), TRUE, CAD_LOG_INFO);
	return cad_cli_main(argc, argv, stdout, stderr);
}
