/*
 * fcgiserve's subcommands besides serving: `fcgiserve request` (cli.c).
 */
#ifndef FCGISERVE_CLI_H
#define FCGISERVE_CLI_H

/* `fcgiserve request ...` (argv[0] is "request"): the exit status. */
int	cli_request(int argc, char *argv[]);

#endif
