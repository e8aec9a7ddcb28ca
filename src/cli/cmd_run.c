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
#include "util/format.h"
#include "spec/sweep.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "util/text.h"

static const char run_help[] =
	"usage: digitlab run FILE [--set KEY=VALUE]... [--threads N|auto] [--json]\n"
	"                    [--quiet | --log-every N] [--checkpoint PATH]\n"
	"       digitlab run --resume PATH [--threads N|auto] [--json] [--quiet | --log-every N]\n"
	"\n"
	"Train the experiment in FILE and print a line per epoch, then the test\n"
	"accuracy, the confusion matrix and the error of each class. A file with\n"
	"`sweep:` trains only its base experiment here; `digitlab queue add FILE`\n"
	"queues every point of the sweep.\n"
	"\n"
	"  --set KEY=VALUE  override a key of the file (e.g. train.epochs=3,\n"
	"                   model.layers[0].dense.units=64); repeatable\n"
	"  --threads N      threads for the matrix products and convolutions (default:\n"
	"                   the file's train.threads, else 1); auto: as many as pay\n"
	"  --json           print one line of JSON describing the run on standard\n"
	"                   output, and everything else on standard error\n"
	"  --quiet          no line per epoch and no progress bar: only the result\n"
	"                   (with --json, only the JSON)\n"
	"  --log-every N    a line every N epochs, and for the first, the last and\n"
	"                   any epoch with an event (default 1; runs of more than\n"
	"                   1000 epochs print about 100 lines)\n"
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

/* Runs longer than this many epochs print about CONSOLE_AUTO_LINES of them
 * unless --log-every says otherwise. */
#define CONSOLE_AUTO_EPOCHS 1000
#define CONSOLE_AUTO_LINES 100

struct console {
	const struct experiment *exp;
	const struct data_split *data;
	FILE *out;              /* stdout, or stderr with --json */
	int quiet;
	int silent;             /* --quiet --json: the JSON is the result */
	int log_every;          /* 0: chosen from the number of epochs */
	int tty;                /* out is a terminal: draw a progress bar */
	int bar_shown;          /* a progress bar is on the current line */
	int batch_size;
	int has_val;            /* the table has validation columns */
	int epoch_width;        /* of the EPOCH column: "20569/40000" */
};

/* 1, 2 or 5 times a power of ten, at least n. */
static int round_up_nice(int n)
{
	for (int p = 1;; p *= 10) {
		if (n <= p)
			return p;
		if (n <= 2 * p)
			return 2 * p;
		if (n <= 5 * p)
			return 5 * p;
	}
}

static void console_started(void *ctx, const struct run_info *info)
{
	struct console *c = ctx;
	const struct train_spec *t = &info->exp->train;
	char every[64] = "", line[512], escaped[TEXT_ESCAPED_SIZE(512)];

	c->batch_size = info->batch_size;
	c->has_val = info->data->val.n > 0;
	c->epoch_width = 2 * snprintf(NULL, 0, "%d", t->epochs) + 1;
	if (c->epoch_width < 5)
		c->epoch_width = 5;
	if (!c->log_every)
		c->log_every = t->epochs > CONSOLE_AUTO_EPOCHS ?
			       round_up_nice(t->epochs / CONSOLE_AUTO_LINES) : 1;
	if (c->quiet)
		return;
	if (c->log_every > 1)
		snprintf(every, sizeof every, ", a line every %d", c->log_every);
	/* the name and the description (a file name in it) are the user's */
	snprintf(line, sizeof line, "%s: %s", info->exp->name, info->data->description);
	report_wrapped(c->out, text_escape(escaped, sizeof escaped, line, TEXT_ONE_LINE), 4);
	fprintf(c->out, "model: %zu parameters; %s lr %g; batch %d; %d epoch%s%s\n\n",
		info->params, nn_optim_name(t->optimizer.type), t->optimizer.lr,
		info->batch_size, t->epochs, t->epochs == 1 ? "" : "s", every);
	report_epoch_header(c->out, c->epoch_width, c->has_val);
	fflush(c->out);
}

/* "3/6 [=======>......] 1234/1875 - ETA 12s - loss: 0.2345", within 79
 * columns so that the terminal never wraps it. */
static void console_progress(void *ctx, const struct train_progress *p)
{
	struct console *c = ctx;
	enum { WIDTH = 20 };
	int filled = p->batches ? WIDTH * p->batch / p->batches : WIDTH;
	double left = (double)(p->batches - p->batch) * c->batch_size;
	char line[160], eta[16], epoch[32];
	int n;

	if (!c->tty || c->quiet)
		return;
	snprintf(epoch, sizeof epoch, "%d/%d", p->epoch, c->exp->train.epochs);
	n = snprintf(line, sizeof line, "%*s [", c->epoch_width, epoch);
	for (int i = 0; i < WIDTH; i++)
		line[n++] = i < filled ? '=' : (i == filled ? '>' : '.');
	snprintf(line + n, sizeof line - (size_t)n, "] %d/%d - ETA %s - loss: %.4f", p->batch,
		 p->batches, format_duration(p->samples_per_s > 0 ? left / p->samples_per_s : NAN,
					 eta, sizeof eta), p->loss);
	line[79] = '\0';
	fprintf(c->out, "\r%s\033[K", line);
	fflush(c->out);
	c->bar_shown = 1;
}

static void clear_bar(struct console *c)
{
	if (c->bar_shown)
		fprintf(c->out, "\r\033[K");
	c->bar_shown = 0;
}

/* The first, the last, every log_every-th and every epoch with an event. */
static int epoch_shown(const struct console *c, const struct epoch_metrics *m)
{
	return m->epoch == 1 || m->epoch == c->exp->train.epochs || m->events[0] ||
	       m->epoch % c->log_every == 0;
}

static void console_epoch(void *ctx, const struct epoch_metrics *m)
{
	struct console *c = ctx;

	clear_bar(c);
	if (c->quiet || !epoch_shown(c, m))
		return;
	report_epoch_row(c->out, m, c->exp->train.epochs, c->epoch_width, c->has_val);
	fflush(c->out);
}

static void console_finished(void *ctx, const struct run_result *r)
{
	struct console *c = ctx;
	const struct epoch_metrics *last = r->epochs ? &r->history[r->epochs - 1] : NULL;

	clear_bar(c);
	/* an early stop or an interruption ends on an epoch the table may have skipped */
	if (!c->quiet && last && !epoch_shown(c, last))
		report_epoch_row(c->out, last, c->exp->train.epochs, c->epoch_width, c->has_val);
	if (r->status != RUN_DONE || c->silent)
		return;
	fprintf(c->out, "%sTest accuracy: %.4f - test loss: %.4f (%d samples) - %d epoch%s in %.1fs\n\n",
		c->quiet ? "" : "\n", r->test.accuracy, r->test.loss, r->test.n, r->epochs,
		r->epochs == 1 ? "" : "s", r->seconds);
	report_confusion(c->out, &r->test, c->data->class_names);
	fprintf(c->out, "\n");
	report_per_class_error(c->out, &r->test, c->data->class_names);
	fflush(c->out);
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
	int json, quiet, log_every;
	const char *checkpoint;
	const char *resume;
};

/* Returns 0, or an exit status to return at once (-1 for help printed). */
static int online_cores(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	return cores < 1 ? 1 : (int)cores;
}

static int parse_run_options(int argc, char **argv, struct run_options *o)
{
	int taken;

	memset(o, 0, sizeof *o);
	o->threads = 0;         /* the file's train.threads, else 1 */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(run_help, stdout);
			return -1;
		} else if (!strcmp(a, "--json")) {
			o->json = 1;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o->quiet = 1;
		} else if ((taken = cli_option_value("run", argc, argv, &i, "--log-every", &v))) {
			if (taken < 0 ||
			    (o->log_every = cli_parse_count("run", "--log-every", v, 1000000)) < 0)
				return EXIT_USAGE;
		} else if (!strcmp(a, "--threads") || !strncmp(a, "--threads=", 10)) {
			v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
			if (cli_parse_threads("run", v, &o->threads) < 0)
				return EXIT_USAGE;
		} else if (!strcmp(a, "--checkpoint") || !strcmp(a, "--resume")) {
			if (i + 1 >= argc)
				return cli_usage_error("run", "%s needs a path", a);
			*(a[2] == 'c' ? &o->checkpoint : &o->resume) = argv[++i];
		} else if ((taken = cli_take_set("run", argc, argv, &i, o->sets, &o->n_sets))) {
			if (taken < 0)
				return EXIT_USAGE;
		} else if (a[0] == '-' && a[1] != '\0') {
			return cli_unknown_option("run", argc, argv, i);
		} else if (o->file) {
			return cli_usage_error("run", "one experiment file at a time ('%s' and '%s')",
					       o->file, a);
		} else {
			o->file = a;
		}
	}
	if (o->quiet && o->log_every)
		return cli_usage_error("run", "--quiet prints no epochs: drop --log-every or --quiet");
	if (o->resume && (o->file || o->n_sets))
		return cli_usage_error("run", "--resume continues a saved run as it was: no FILE or --set");
	if (!o->file && !o->resume)
		return cli_usage_error("run", "which experiment file? (e.g. experiments/quickstart.yaml)");
	if (o->resume && !o->checkpoint)
		o->checkpoint = o->resume;
	return 0;
}

/* `run` trains a file's base experiment; a sweep in it is said to be left
 * out, with the command that trains it. */
static void note_sweep(const struct run_options *o)
{
	struct sweep_plan plan;
	struct dl_error err;

	dl_error_clear(&err);
	if (sweep_plan_load(&plan, o->file, o->sets, o->n_sets, &err) != DL_OK)
		return;         /* the experiment itself was fine: check reports the sweep */
	if (plan.has_sweep) {
		fputs("digitlab run: ", stderr);
		text_fputs(o->file, stderr, TEXT_ONE_LINE);
		fprintf(stderr, " has a sweep of %d runs; run trains only the experiment without "
			"it.\nTo train the sweep: digitlab queue add ", plan.n);
		text_fputs(o->file, stderr, TEXT_ONE_LINE);
		fputs(", then digitlab serve --drain\n", stderr);
	}
	sweep_plan_free(&plan);
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
	} else {
		note_sweep(&o);
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

	console = (struct console){
		.exp = &exp, .data = &data, .out = o.json ? stderr : stdout, .quiet = o.quiet,
		.silent = o.quiet && o.json,
		.log_every = o.log_every, .tty = isatty(o.json ? STDERR_FILENO : STDOUT_FILENO),
	};
	sink = (struct run_sink){
		.ctx = &console, .started = console_started, .progress = console_progress,
		.epoch_done = console_epoch, .finished = console_finished,
	};
	if (o.resume && !o.quiet) {
		fputs("resuming ", console.out);
		text_fputs(o.resume, console.out, TEXT_ONE_LINE);
		fprintf(console.out, " after epoch %d\n", resume.epoch);
	}
	opts = (struct train_options){
		.cancel = &interrupted, .checkpoint_path = o.checkpoint,
		.resume = o.resume ? &resume : NULL,
		.threads = trainer_threads(&exp, data.train.n, o.threads, online_cores()),
	};
	status = trainer_run(&exp, &data, &sink, &opts, &result, &err);
	checkpoint_free(&resume);
	if (status != DL_OK) {
		cli_print_error(&err);
		data_split_free(&data);
		return 1;
	}
	if (o.json) {
		report_run_json(stdout, &exp, &result, opts.threads);
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
