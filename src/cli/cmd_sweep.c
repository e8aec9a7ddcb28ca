/*
 * cmd_sweep.c - `digitlab sweep ls` and `digitlab sweep show ID`: what the
 * sweeps of the store found, as the dashboard's sweep view draws it,
 * printed as text.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tui/views.h"
#include "util/text.h"

#define SHOW_WIDTH 80

static const char sweep_help[] =
	"usage: digitlab sweep ls\n"
	"       digitlab sweep show ID [--ascii]\n"
	"\n"
	"ls     one line per sweep: its id, name, keys, points, runs by status and\n"
	"       the best objective so far\n"
	"show   what sweep ID found, as the dashboard's sweep view (w on a run of\n"
	"       the sweep) draws it: the objective against one key (mean and\n"
	"       spread over repeats, a log axis for log-spaced values), a heatmap\n"
	"       of two keys, parallel coordinates of three or more; the keys by\n"
	"       the share of the objective's variance each explains (eta squared:\n"
	"       the sum of squares between the key's value means over the total);\n"
	"       the best point with its runs and the best run; the progress\n"
	"\n"
	"  --ascii   ASCII characters instead of Unicode (also chosen when the\n"
	"            locale is not UTF-8)\n"
	"\n"
	"The objective is the sweep's own (objective: and subject_to: in its\n"
	"file; by default val_accuracy maximised, or test_accuracy without a\n"
	"validation set). Only done runs count towards it; with a constraint the\n"
	"best run meeting it is named, or the page says that none did.\n";

/* Every run of the store, by id; prints the error. */
static int read_rows(struct store *s, struct store_row **rows, int *n)
{
	struct dl_error err;

	dl_error_clear(&err);
	if (store_list_runs(s, NULL, rows, n, &err) != DL_OK) {
		cli_print_error(&err);
		return DL_ERR;
	}
	return DL_OK;
}

/* The page's state for sweep id: its goal as stored, or the default for a
 * sweep the store has no row for. */
static int sweep_build(struct store *s, struct sweep_state *st, const struct store_row *rows,
		       int n, int64_t id, struct dl_error *err)
{
	struct store_sweep sw;
	int stored = store_get_sweep(s, id, &sw, err) == DL_OK;

	return sweep_state_build(st, rows, n, id, stored ? &sw : NULL, err);
}

static void print_cell(const char *s, int width)
{
	char cell[4 * 64 + 1];

	fputs(text_cell(cell, sizeof cell, s, width), stdout);
}

static int sweep_ls(void)
{
	struct store_row *rows = NULL;
	struct store *s;
	int n = 0, status = 0, listed = 0;

	if (cli_open_store(&s) != DL_OK)
		return 1;
	if (read_rows(s, &rows, &n) != DL_OK) {
		store_close(s);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct sweep_state st = {0};
		struct dl_error err;
		char keys[96] = "", best[16];
		int seen = 0;

		if (!rows[i].sweep_id)
			continue;
		for (int j = 0; j < i && !seen; j++)
			seen = rows[j].sweep_id == rows[i].sweep_id;
		if (seen)
			continue;
		if (sweep_build(s, &st, rows, n, rows[i].sweep_id, &err) != DL_OK) {
			cli_print_error(&err);
			status = 1;
			break;
		}
		if (!listed++)
			printf("%5s  %-24s %-24s %6s %5s %5s %7s %6s %6s  %s\n", "SWEEP", "NAME", "KEYS",
			       "POINTS", "RUNS", "DONE", "RUNNING", "PRUNED", "QUEUED", "BEST");
		for (int k = 0; k < st.stats.n_keys; k++)
			snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", k ? "," : "",
				 st.stats.keys[k].name);
		printf("%5lld  ", (long long)rows[i].sweep_id);
		print_cell(st.stats.name, 24);
		putchar(' ');
		print_cell(keys, 24);
		printf(" %6d %5d %5d %7d %6d %6d  %s %s\n", st.stats.n_points, st.stats.progress.runs,
		       st.stats.progress.done, st.stats.progress.running, st.stats.progress.pruned,
		       st.stats.progress.queued,
		       st.stats.best_trial < 0 ? "-" :
		       sweep_format(&st.stats.goal, st.stats.trials[st.stats.best_trial].objective,
				    best, sizeof best), st.stats.goal.objective);
		sweep_state_free(&st);
	}
	if (!listed && !status)
		printf("no sweeps in the store (queue an experiment file with a sweep: section)\n");
	free(rows);
	store_close(s);
	return status;
}

static int parse_sweep_id(const char *arg, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || *end || end == arg || v < 1)
		return cli_usage_error("sweep", "'%s' is not a sweep id (a number that 'digitlab sweep "
				       "ls' lists)", arg);
	*id = v;
	return 0;
}

static int sweep_show(int64_t id, int ascii)
{
	struct sweep_state st = {0};
	struct store_row *rows = NULL;
	struct store *s;
	struct canvas *c;
	struct dl_error err;
	int n = 0, status = 0;

	if (cli_open_store(&s) != DL_OK)
		return 1;
	if (read_rows(s, &rows, &n) != DL_OK) {
		store_close(s);
		return 1;
	}
	if (sweep_build(s, &st, rows, n, id, &err) != DL_OK) {
		cli_print_error(&err);
		status = 1;
	} else if (st.stats.progress.runs == 0) {
		fprintf(stderr, "digitlab: sweep %lld: no runs in the store ('digitlab sweep ls' "
			"lists the sweeps)\n", (long long)id);
		status = EXIT_USAGE;
	} else {
		int h = sweep_page_rows(&st, sweep_page_chart_rows(&st));

		st.printed = 1;
		if ((c = canvas_new(SHOW_WIDTH, h, ascii, 0))) {
			sweep_page_draw(&st, c, 0, h);
			canvas_write(c, stdout);
			canvas_free(c);
		}
	}
	sweep_state_free(&st);
	free(rows);
	store_close(s);
	return status;
}

int cmd_sweep(int argc, char **argv)
{
	int ascii = !canvas_locale_is_utf8();
	const char *id_arg = NULL;
	int64_t id = 0;

	if (cli_wants_help(argc, argv, sweep_help))
		return 0;
	if (argc < 2)
		return cli_usage_error("sweep", "expected ls or show ID");
	if (!strcmp(argv[1], "ls")) {
		if (argc > 2)
			return cli_unknown_option("sweep", argc, argv, 2);
		return sweep_ls();
	}
	if (strcmp(argv[1], "show"))
		return cli_usage_error("sweep", "unknown subcommand '%s' (expected ls or show)",
				       argv[1]);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--ascii"))
			ascii = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(sweep_help, stdout) < 0;
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_unknown_option("sweep", argc, argv, i);
		else if (id_arg)
			return cli_usage_error("sweep", "show: one sweep id, not '%s' too", argv[i]);
		else
			id_arg = argv[i];
	}
	if (!id_arg)
		return cli_usage_error("sweep", "show: expected a sweep id");
	if (parse_sweep_id(id_arg, &id))
		return EXIT_USAGE;
	return sweep_show(id, ascii);
}
