/*
 * main.c - the digitlab command: dispatch to one function per command.
 * What the commands share is in cli.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cli/cli.h"
#include "nn/gemm.h"
#include "nn/model.h"
#include "util/text.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"run", cmd_run, "train an experiment file and print its metrics"},
	{"check", cmd_check, "validate experiment files"},
	{"summary", cmd_summary, "print an experiment's model as a table of layers"},
	{"data", cmd_data, "fetch data sets into the cache and list them"},
	{"augment-preview", cmd_augment_preview, "draw training digits beside their augmented versions"},
	{"predict", cmd_predict, "classify images, folders, IDX or CSV files with a saved model"},
	{"weights", cmd_weights, "draw a layer's weights as images"},
	{"bench", cmd_bench, "measure training speed on MNIST"},
	{"queue", cmd_queue, "queue experiment files (sweeps too); list, pause or resume the queue"},
	{"serve", cmd_serve, "train the queue with a pool of workers, headless"},
	{"worker", cmd_worker, "train one spooled run (the command of Slurm jobs)"},
	{"cancel", cmd_request, "stop runs now"},
	{"stop", cmd_request, "stop runs after their current epoch, keeping the checkpoint"},
	{"pause", cmd_request, "hold queued runs"},
	{"resume", cmd_request, "queue paused or stopped runs again"},
	{"retry", cmd_request, "queue failed, diverged, cancelled or interrupted runs again"},
	{"priority", cmd_priority, "change a run's place in the queue"},
	{"ls", cmd_ls, "list the runs of the store"},
	{"show", cmd_show, "one run in detail: history, confusion, misclassified digits"},
	{"sweep", cmd_sweep, "what sweeps found: list them, or draw one (sweep show ID)"},
	{"compare", cmd_compare, "runs side by side"},
	{"export", cmd_export, "runs as CSV or JSON"},
	{"export-model", cmd_export_model, "a trained model as an ONNX file"},
	{"rm", cmd_rm, "remove runs"},
	{"tag", cmd_tag, "tag runs"},
	{"note", cmd_note, "keep a note with a run"},
	{"store", cmd_store, "check the store, back it up, recover a damaged one"},
	{"ui", cmd_ui, "the dashboard (also: digitlab with no command)"},
};

static void print_help(FILE *out)
{
	fprintf(out,
		"usage: digitlab [COMMAND [ARGS]]\n"
		"\n"
		"A workbench for neural-network experiments on digit images.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"`digitlab COMMAND --help` describes a command; man digitlab has it all,\n"
		"man digitlab-experiment the experiment file format.\n");
}

/* DIGITLAB_CONV chooses the convolution kernels (nn_conv_select); 0, or
 * EXIT_USAGE after saying what is wrong with its value. */
static int choose_conv_kernels(void)
{
	const char *v = getenv("DIGITLAB_CONV");
	char msg[128];

	if (!v || !*v || nn_conv_select(v, msg, sizeof msg) == DL_OK)
		return 0;
	fputs("digitlab: DIGITLAB_CONV=", stderr);
	text_fputs(v, stderr, TEXT_ONE_LINE);
	fprintf(stderr, ": %s\n", msg);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	/* BLAS runs single-threaded: a run's threads split its batches above
	 * it (nn_model_set_threads), and OpenBLAS's own threads, which spin for
	 * a while after each product, would take the cores those need. */
	nn_gemm_set_threads(1);
	if (choose_conv_kernels() != 0)
		return EXIT_USAGE;
	if (argc < 2)
		return cmd_ui(argc, argv);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("digitlab %s\n", PACKAGE_VERSION);
		return 0;
	}
	/* `digitlab --ascii` is the dashboard with an option */
	if (!strcmp(argv[1], "--ascii") || !strncmp(argv[1], "--workers", 9))
		return cmd_ui(argc, argv);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	{
		const char *names[sizeof commands / sizeof commands[0] + 1];

		for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
			names[i] = commands[i].name;
		names[sizeof commands / sizeof commands[0]] = NULL;
		return cli_unknown_command(argv[1], names);
	}
}
