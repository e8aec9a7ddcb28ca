/*
 * cmd_check.c - `digitlab check` (validate experiment files) and
 * `digitlab summary` (the model as a Keras-like table of layers).
 */
#include <stdio.h>
#include <string.h>

#include "util/text.h"
#include "cli/cli.h"
#include "spec/sweep.h"
#include "train/summary.h"
#include "train/trainer.h"

static const char check_help[] =
	"usage: digitlab check FILE... [--set KEY=VALUE]...\n"
	"\n"
	"Validate experiment files: YAML syntax, keys, types, ranges, and that the\n"
	"model fits its data. Prints FILE: ok per good file; errors read\n"
	"FILE:LINE:COL: error: ... Exit status 2 when any file is bad.\n";

static const char summary_help[] =
	"usage: digitlab summary FILE [--set KEY=VALUE]...\n"
	"\n"
	"Print the model of an experiment as a table: layer, output shape,\n"
	"parameters, and the total.\n";

struct file_args {
	const char *files[256];
	int n_files;
	const char *sets[CLI_MAX_SETS];
	int n_sets;
};

/* Returns 0, -1 after printing help, or an exit status. */
static int parse_file_args(const char *command, const char *help, int argc,
			   char **argv, struct file_args *a)
{
	int taken;

	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			fputs(help, stdout);
			return -1;
		} else if ((taken = cli_take_set(command, argc, argv, &i, a->sets, &a->n_sets))) {
			if (taken < 0)
				return EXIT_USAGE;
		} else if (s[0] == '-' && s[1] != '\0') {
			return cli_unknown_option(command, argc, argv, i);
		} else if (a->n_files == (int)(sizeof a->files / sizeof a->files[0])) {
			return cli_usage_error(command, "too many files");
		} else {
			a->files[a->n_files++] = s;
		}
	}
	if (a->n_files == 0)
		return cli_usage_error(command, "which experiment file?");
	return 0;
}

/* Load and check one file completely (the model against its data shape). */
static int check_one(struct experiment *exp, const char *file, const struct file_args *a)
{
	struct dl_error err;

	if (cli_load_experiment(exp, file, a->sets, a->n_sets) != DL_OK)
		return DL_ERR;
	dl_error_clear(&err);
	/* A folder's classes are known once its subfolders are read: then 0,
	 * and only the run itself checks the last layer against them. */
	if (trainer_check_model(exp, data_spec_classes(&exp->data), &err) != DL_OK) {
		snprintf(err.file, sizeof err.file, "%s", file);
		cli_print_error(&err);
		return DL_ERR;
	}
	return DL_OK;
}

/* Every point of a file's sweep, checked as the file itself is. *runs
 * receives how many runs the sweep makes (0 without one). */
static int check_sweep(const char *file, const struct file_args *a, int *runs, int *growing)
{
	struct sweep_plan plan;
	struct dl_error err;
	char path[4096];
	int rc = DL_OK;

	dl_error_clear(&err);
	*runs = 0;
	if (experiment_find(file, path, sizeof path, &err) != DL_OK ||
	    trainer_load_plan(&plan, path, a->sets, a->n_sets, &err) != DL_OK) {
		cli_print_error(&err);
		return DL_ERR;
	}
	for (int i = 0; rc == DL_OK && plan.has_sweep && i < plan.n; i++) {
		if (trainer_check_model(&plan.runs[i].exp,
					data_spec_classes(&plan.runs[i].exp.data), &err) == DL_OK)
			continue;
		snprintf(err.file, sizeof err.file, "%s", file);
		dl_error_prefix(&err, "sweep point %s", plan.runs[i].point);
		cli_print_error(&err);
		rc = DL_ERR;
	}
	*runs = plan.has_sweep ? plan.planned : 0;
	*growing = plan.growing;
	sweep_plan_free(&plan);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct file_args a;
	struct experiment exp;
	int status = parse_file_args("check", check_help, argc, argv, &a), bad = 0, runs, growing;
	char file[4096];

	if (status)
		return status < 0 ? 0 : status;
	for (int i = 0; i < a.n_files; i++) {
		if (check_one(&exp, a.files[i], &a) != DL_OK ||
		    check_sweep(a.files[i], &a, &runs, &growing) != DL_OK)
			bad++;
		else if (growing)
			printf("%s: ok (a tpe sweep of %d runs, proposed as it trains; the first "
			       "checked)\n", text_escape(file, sizeof file, a.files[i], TEXT_ONE_LINE),
			       runs);
		else if (runs)
			printf("%s: ok (a sweep of %d runs)\n",
			       text_escape(file, sizeof file, a.files[i], TEXT_ONE_LINE), runs);
		else
			printf("%s: ok\n", text_escape(file, sizeof file, a.files[i], TEXT_ONE_LINE));
	}
	return bad ? EXIT_USAGE : 0;
}

int cmd_summary(int argc, char **argv)
{
	struct file_args a;
	struct experiment exp;
	struct nn_model *model;
	struct dl_error err;
	int status = parse_file_args("summary", summary_help, argc, argv, &a);

	if (status)
		return status < 0 ? 0 : status;
	if (a.n_files != 1)
		return cli_usage_error("summary", "one experiment file at a time");
	if (check_one(&exp, a.files[0], &a) != DL_OK)
		return EXIT_USAGE;
	dl_error_clear(&err);
	if (nn_model_new(&model, &exp.model, 1, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	model_summary_print(stdout, &exp, model);
	nn_model_free(model);
	return 0;
}
