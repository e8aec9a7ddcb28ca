/*
 * cmd_run.c - `digitlab run`: train one experiment in the foreground and
 * print Keras-like progress, then the test evaluation.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "util/text.h"

static const char run_help[] =
	"usage: digitlab run FILE [--set KEY=VALUE]... [--threads N] [--json]\n"
	"                    [--checkpoint PATH]\n"
	"       digitlab run --resume PATH [--threads N] [--json]\n"
	"\n"
	"Train the experiment in FILE and print one line per epoch, then the test\n"
	"accuracy, the confusion matrix and the error of each class.\n"
	"\n"
	"  --set KEY=VALUE  override a key of the file (e.g. train.epochs=3,\n"
	"                   model.layers[0].dense.units=64); repeatable\n"
	"  --threads N      threads for the matrix products and convolutions (default 1)\n"
	"  --json           end with one line of JSON describing the run\n"
	"  --checkpoint PATH  write a model file there after every epoch\n"
	"  --resume PATH    continue the run saved in that model file (and keep\n"
	"                   checkpointing to it); the result is bit-identical to\n"
	"                   a run that was never interrupted\n"
	"\n"
	"Exit status: 0 done, 1 the data could not be loaded, 2 bad usage or a bad\n"
	"experiment file, 3 the run diverged, 130 interrupted.\n";

/* Set by SIGINT, SIGTERM or SIGHUP; the trainer checks it between batches. */
static volatile int interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct console {
	const struct experiment *exp;
	const struct data_split *data;
	int tty;                /* stdout is a terminal: draw a progress bar */
	int bar_shown;          /* a progress bar is on the current line */
};

static void console_started(void *ctx, const struct run_info *info)
{
	const struct train_spec *t = &info->exp->train;

	text_fputs(info->exp->name, stdout, TEXT_ONE_LINE);
	fputs(": ", stdout);
	text_fputs(info->data->description, stdout, TEXT_ONE_LINE);
	putchar('\n');
	printf("model: %zu parameters; %s lr %g; batch %d; %d epochs\n",
	       info->params, nn_optim_name(t->optimizer.type), t->optimizer.lr,
	       info->batch_size, t->epochs);
	fflush(stdout);
	(void)ctx;
}

static void console_progress(void *ctx, int epoch, int batch, int batches,
			     double samples_per_s)
{
	struct console *c = ctx;
	enum { WIDTH = 30 };
	int filled = batches ? WIDTH * batch / batches : WIDTH;

	if (!c->tty)
		return;
	printf("\r%d/%d %5d/%-5d [", epoch, c->exp->train.epochs, batch, batches);
	for (int i = 0; i < WIDTH; i++)
		putchar(i < filled ? '=' : (i == filled ? '>' : '.'));
	printf("] %8.0f samples/s", samples_per_s);
	fflush(stdout);
	c->bar_shown = 1;
}

static void clear_bar(struct console *c)
{
	if (c->bar_shown)
		printf("\r\033[K");
	c->bar_shown = 0;
}

static void console_epoch(void *ctx, const struct epoch_metrics *m)
{
	struct console *c = ctx;

	clear_bar(c);
	report_epoch_line(stdout, m, c->exp->train.epochs);
	fflush(stdout);
}

static void console_finished(void *ctx, const struct run_result *r)
{
	struct console *c = ctx;

	clear_bar(c);
	if (r->status != RUN_DONE)
		return;
	printf("\nTest accuracy: %.4f - test loss: %.4f (%d samples) - %d epochs in %.1fs\n\n",
	       r->test.accuracy, r->test.loss, r->test.n, r->epochs, r->seconds);
	report_confusion(stdout, &r->test, c->data->class_names);
	printf("\n");
	report_per_class_error(stdout, &r->test, c->data->class_names);
	fflush(stdout);
}

/* "digitlab: FILE: WHAT: WHY", without cli_print_error's "error: ": an
 * interrupted run is not an error, and scripts read this line. */
static void print_end(const struct dl_error *end)
{
	fputs("digitlab: ", stderr);
	text_fputs(end->file, stderr, TEXT_ONE_LINE);
	fputs(": ", stderr);
	text_fputs(end->msg, stderr, TEXT_ONE_LINE);
	fputc('\n', stderr);
}

struct run_options {
	const char *file;
	const char *sets[CLI_MAX_SETS];
	int n_sets;
	int threads;
	int json;
	const char *checkpoint;
	const char *resume;
};

/* Returns 0, or an exit status to return at once (-1 for help printed). */
static int parse_run_options(int argc, char **argv, struct run_options *o)
{
	int taken;

	memset(o, 0, sizeof *o);
	o->threads = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(run_help, stdout);
			return -1;
		} else if (!strcmp(a, "--json")) {
			o->json = 1;
		} else if (!strcmp(a, "--threads") || !strncmp(a, "--threads=", 10)) {
			const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
			if ((o->threads = cli_parse_count("run", "--threads", v, 256)) < 0)
				return EXIT_USAGE;
		} else if (!strcmp(a, "--checkpoint") || !strcmp(a, "--resume")) {
			if (i + 1 >= argc)
				return cli_usage_error("run", "%s needs a path", a);
			*(a[2] == 'c' ? &o->checkpoint : &o->resume) = argv[++i];
		} else if ((taken = cli_take_set("run", argc, argv, &i, o->sets, &o->n_sets))) {
			if (taken < 0)
				return EXIT_USAGE;
		} else if (a[0] == '-' && a[1] != '\0') {
			return cli_usage_error("run", "unknown option '%s'", a);
		} else if (o->file) {
			return cli_usage_error("run", "one experiment file at a time ('%s' and '%s')",
					       o->file, a);
		} else {
			o->file = a;
		}
	}
	if (o->resume && (o->file || o->n_sets))
		return cli_usage_error("run", "--resume continues a saved run as it was: no FILE or --set");
	if (!o->file && !o->resume)
		return cli_usage_error("run", "which experiment file? (e.g. experiments/quickstart.yaml)");
	if (o->resume && !o->checkpoint)
		o->checkpoint = o->resume;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_options o;
	struct experiment exp;
	struct data_split data;
	struct run_result result;
	struct console console;
	struct run_sink sink;
	struct train_options opts;
	struct dl_error err;
	struct checkpoint resume = {0};
	char cache[DATA_PATH_MAX];
	int status;

	status = parse_run_options(argc, argv, &o);
	if (status)
		return status < 0 ? 0 : status;
	dl_error_clear(&err);
	if (o.resume) {
		if (checkpoint_read(o.resume, &resume, &err) != DL_OK) {
			cli_print_error(&err);
			return 1;
		}
		o.file = o.resume;
		if (cli_parse_experiment(&exp, resume.yaml, o.resume) != DL_OK) {
			checkpoint_free(&resume);
			return 1;
		}
	} else if (cli_load_experiment(&exp, o.file, o.sets, o.n_sets) != DL_OK) {
		return EXIT_USAGE;
	}
	if (data_load(&exp.data, data_cache_dir(cache, sizeof cache), exp.seed, &data, &err) != DL_OK) {
		cli_print_error(&err);
		checkpoint_free(&resume);
		return 1;
	}
	if (trainer_check_model(&exp, data.train.n_classes, &err) != DL_OK) {
		snprintf(err.file, sizeof err.file, "%s", o.file);
		cli_print_error(&err);
		data_split_free(&data);
		checkpoint_free(&resume);
		return EXIT_USAGE;
	}
	/* a closed terminal (SIGHUP) stops the run as SIGTERM does: at the
	 * next batch, keeping the last epoch's checkpoint, with a word */
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	signal(SIGHUP, on_interrupt);

	console = (struct console){.exp = &exp, .data = &data, .tty = isatty(STDOUT_FILENO)};
	sink = (struct run_sink){
		.ctx = &console, .started = console_started, .progress = console_progress,
		.epoch_done = console_epoch, .finished = console_finished,
	};
	if (o.resume) {
		fputs("resuming ", stdout);
		text_fputs(o.resume, stdout, TEXT_ONE_LINE);
		printf(" after epoch %d\n", resume.epoch);
	}
	opts = (struct train_options){
		.cancel = &interrupted, .checkpoint_path = o.checkpoint,
		.resume = o.resume ? &resume : NULL, .threads = o.threads,
	};
	status = trainer_run(&exp, &data, &sink, &opts, &result, &err);
	checkpoint_free(&resume);
	if (status != DL_OK) {
		cli_print_error(&err);
		data_split_free(&data);
		return 1;
	}
	if (o.json) {
		report_run_json(stdout, &exp, &result, o.threads);
		fputc('\n', stdout);
	}
	fflush(stdout);
	status = 0;
	if (result.status == RUN_DIVERGED || result.status == RUN_CANCELLED) {
		struct dl_error end;

		dl_error_at(&end, o.file, 0, 0, "%s: %s", result.status == RUN_DIVERGED ?
			    "run diverged" : "interrupted", result.message);
		print_end(&end);
		status = result.status == RUN_DIVERGED ? EXIT_DIVERGED : EXIT_INTERRUPTED;
	}
	run_result_free(&result);
	data_split_free(&data);
	return status;
}
