/*
 * cmd_ui.c - `digitlab` with no command, or `digitlab ui`: the dashboard.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "spec/experiment.h"
#include "tui/dashboard.h"

static const char ui_help[] =
	"usage: digitlab [ui] [--ascii] [--workers N]\n"
	"\n"
	"The dashboard on the run store: every queued, running and past run, live\n"
	"curves, confusion matrices that open onto their misclassified digits, and\n"
	"the actions of the queue commands. With no `digitlab serve` on the store\n"
	"it trains the queue itself (the header says so). ? shows every key.\n"
	"\n"
	"  --ascii      ASCII characters only (also chosen when the locale is not UTF-8)\n"
	"  --workers N  in-process workers when no serve runs (default: one per core)\n"
	"\n"
	"NO_COLOR (set to anything) turns colours off.\n";

int cmd_ui(int argc, char **argv)
{
	static char self[4096];
	/* ./experiments when there is one, else the installed examples */
	struct dashboard_opts o = {.experiments_dir = experiment_default_dir()};
	struct dl_error err;
	ssize_t n;

	for (int i = 1; i < argc; i++) {
		const char *v;
		int taken;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(ui_help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--ascii")) {
			o.ascii = 1;
		} else if ((taken = cli_option_value("ui", argc, argv, &i, "--workers", &v))) {
			if (taken < 0 || (o.workers = cli_parse_count("ui", "--workers", v, 64)) < 0)
				return EXIT_USAGE;
		} else {
			return cli_usage_error("ui", "unknown argument '%s'", argv[i]);
		}
	}
	/* the program itself, to start `serve --detach` and `augment-preview` */
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';
	o.self = n > 0 ? self : "digitlab";
	dl_error_clear(&err);
	if (dashboard_run(&o, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	return 0;
}
