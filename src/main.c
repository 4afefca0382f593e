/*
 * fcgiserve: the command line.  Loads the configuration and hands it to
 * the master, or with -t checks it and every app, then exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "log.h"
#include "master.h"

#ifndef FCGISERVE_CONF
#define FCGISERVE_CONF	"/etc/fcgiserve/fcgiserve.conf"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"unknown"
#endif
#ifdef FCGISERVE_STATIC_BINARY
#define BUILD_NOTE	" (static binary)"	/* configure --enable-static-binary */
#else
#define BUILD_NOTE	""
#endif

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: fcgiserve [-c file] [-t] [-V] [-h]\n"
	    "       fcgiserve request [-c file [-p pool] | app.lua] METHOD PATH\n"
	    "                 [-H 'Name: value']... [-d body | -d @file]\n"
	    "       fcgiserve request -t [-c file [-p pool] | app.lua]\n"
	    "  -c file  configuration file (default %s)\n"
	    "  -t       test the configuration and load every app, then exit\n"
	    "  -V       print the version and exit\n"
	    "  -h       print this help and exit (also --help; --version is -V)\n"
	    "  request  run one request through the app without a server and\n"
	    "           print the answer as curl -i does (fcgiserve(8)); -t\n"
	    "           only loads the app\n"
	    "For development: reload_on_change = yes reloads when the app's Lua\n"
	    "files change, error_log_format = json logs JSON lines, and\n"
	    "require \"fcgiserve.test\" runs requests from a busted suite.\n"
	    "Confinement: sandbox = on (Landlock, seccomp).  Every key:\n"
	    "fcgiserve.conf(5); the Lua API (fcgiserve.http, .log, .shared, .stream,\n"
	    "fcgiserve.test): fcgiserve-lua(7).\n",
	    FCGISERVE_CONF);
}

int
main(int argc, char *argv[])
{
	const char	*path = FCGISERVE_CONF;
	struct conf	*conf;
	char		 err[1024];
	int		 ch, test = 0, rc;

	if (argc > 1 && strcmp(argv[1], "request") == 0) {
		log_open("stderr", LOG_LVL_INFO, 0);
		return cli_request(argc - 1, argv + 1);
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		argv[1] = "-V";
	while ((ch = getopt(argc, argv, "c:thV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("fcgiserve %s%s\n", PACKAGE_VERSION, BUILD_NOTE);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}

	log_open("stderr", LOG_LVL_INFO, 0);
	if ((conf = conf_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fcgiserve: %s\n", err);
		return 1;
	}
	if (log_open(conf->error_log, (enum log_level)conf->log_level,
	    conf->error_log_format == CONF_LOG_JSON) == -1) {
		fprintf(stderr, "fcgiserve: error_log %s: %s\n", conf->error_log,
		    strerror(errno));
		conf_free(conf);
		return 1;
	}
	if (test) {
		rc = master_test_apps(conf);
		if (rc == 0)
			fprintf(stderr, "fcgiserve: configuration file %s test "
			    "is successful\n", path);
		conf_free(conf);
		return rc == 0 ? 0 : 1;
	}
	return master_run(conf);
}
