/*
 * cli.c - what the command files share (cli.h): printing errors and usage
 * errors, reading options, and loading experiment files.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "train/trainer.h"
#include "util/text.h"

void cli_print_error(const struct dl_error *err)
{
	char buf[2048];

	dl_error_format(err, buf, sizeof buf);
	fputs("digitlab: ", stderr);
	text_fputs(buf, stderr, TEXT_ONE_LINE);
	fputc('\n', stderr);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	/* the message quotes what was typed: escaped like any user text */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "digitlab %s: ", command);
	text_fputs(msg, stderr, TEXT_ONE_LINE);
	fprintf(stderr, "\nTry 'digitlab %s --help'.\n", command);
	return EXIT_USAGE;
}

int cli_take_set(const char *command, int argc, char **argv, int *i,
		 const char **sets, int *n_sets)
{
	const char *a = argv[*i], *value;

	if (!strcmp(a, "--set"))
		value = *i + 1 < argc ? argv[++*i] : NULL;
	else if (!strncmp(a, "--set=", 6))
		value = a + 6;
	else
		return 0;
	if (!value)
		return cli_usage_error(command, "--set needs KEY=VALUE"), -1;
	if (*n_sets == CLI_MAX_SETS)
		return cli_usage_error(command, "at most %d --set options", CLI_MAX_SETS), -1;
	sets[(*n_sets)++] = value;
	return 1;
}

int cli_parse_count(const char *command, const char *option, const char *value,
		    int max)
{
	char *end;
	long n;

	if (!value)
		return cli_usage_error(command, "%s needs a value", option), -1;
	n = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || n < 1 || n > max) {
		cli_usage_error(command, "%s: expected a whole number from 1 to %d, found '%s'",
				option, max, value);
		return -1;
	}
	return (int)n;
}

int cli_parse_threads(const char *command, const char *value, int *threads)
{
	if (value && !strcmp(value, "auto")) {
		*threads = TRAIN_THREADS_AUTO;
		return 0;
	}
	if (value && *value && strspn(value, "0123456789") != strlen(value)) {
		cli_usage_error(command, "--threads: expected a whole number from 1 to 256 or auto, "
				"found '%s'", value);
		return -1;
	}
	return (*threads = cli_parse_count(command, "--threads", value, 256)) < 0 ? -1 : 0;
}

int cli_load_experiment(struct experiment *exp, const char *path,
			const char *const *sets, int n_sets)
{
	struct dl_error err;
	char found[4096];

	dl_error_clear(&err);
	if (experiment_find(path, found, sizeof found, &err) != DL_OK ||
	    trainer_load_experiment(exp, found, sets, n_sets, &err) != DL_OK) {
		cli_print_error(&err);
		return DL_ERR;
	}
	return DL_OK;
}

int cli_parse_experiment(struct experiment *exp, const char *yaml, const char *display_name)
{
	struct dl_error err;

	dl_error_clear(&err);
	if (trainer_parse_experiment(exp, yaml, strlen(yaml), display_name, NULL, 0, &err) != DL_OK) {
		cli_print_error(&err);
		return DL_ERR;
	}
	return DL_OK;
}

int cli_option_value(const char *command, int argc, char **argv, int *i,
		     const char *name, const char **value)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*value = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		cli_usage_error(command, "%s needs a value", name);
		return -1;
	}
	*value = argv[++*i];
	return 1;
}

int cli_wants_help(int argc, char **argv, const char *help)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(help, stdout);
		return 1;
	}
	return 0;
}
