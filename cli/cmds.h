/*
 * cmds.h: the command functions of cadencectl, one file per group
 * (cmd_enroll.c, cmd_view.c, cmd_state.c, cmd_suppress.c, cmd_admin.c,
 * cmd_stats.c, cmd_mail.c); commands.c lists them in the table.
 */
#ifndef CAD_CLI_CMDS_H
#define CAD_CLI_CMDS_H

#include "cli/cli.h"

int cad_cmd_enroll(cad_cli *cli);
int cad_cmd_import(cad_cli *cli);

int cad_cmd_list(cad_cli *cli);
int cad_cmd_show(cad_cli *cli);
int cad_cmd_schedule(cad_cli *cli);

int cad_cmd_pause(cad_cli *cli);
int cad_cmd_resume(cad_cli *cli);
int cad_cmd_stop(cad_cli *cli);
int cad_cmd_skip(cad_cli *cli);
int cad_cmd_done(cad_cli *cli);
int cad_cmd_set_field(cad_cli *cli);

int cad_cmd_suppress_add(cad_cli *cli);
int cad_cmd_suppress_remove(cad_cli *cli);
int cad_cmd_suppress_list(cad_cli *cli);

int cad_cmd_stuck(cad_cli *cli);
int cad_cmd_backup(cad_cli *cli);
int cad_cmd_restore(cad_cli *cli);
int cad_cmd_check_config(cad_cli *cli);

int cad_cmd_stats(cad_cli *cli);
int cad_cmd_report(cad_cli *cli);

int cad_cmd_classify(cad_cli *cli);
int cad_cmd_ingest(cad_cli *cli);

#endif
