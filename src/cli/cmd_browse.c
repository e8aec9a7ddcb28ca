/*
 * cmd_browse.c - reading the store from the command line: `digitlab ls`,
 * `queue ls`, `show`, `compare` and `export`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "run/executor.h"
#include "cli/report.h"
#include "run/enqueue.h"
#include "util/format.h"
#include "util/text.h"

/* The NAME column of ls and queue ls: a run's name and its sweep point. */
#define NAME_WIDTH 30

/* What the status column says: the status, and a running run's progress. */
static const char *fmt_status(const struct store_row *r, char *buf, size_t size)
{
	/* epoch:percent of it; a full-batch epoch has no inside to show */
	if (r->status == STORE_RUNNING && r->batches > 1)
		snprintf(buf, size, "running %d:%d%%", r->epoch, 100 * r->batch / r->batches);
	else if (r->status == STORE_RUNNING && r->epoch > 0)
		snprintf(buf, size, "running %d", r->epoch);
	else
		snprintf(buf, size, "%s", store_status_name(r->status));
	return buf;
}

/* ---- ls ---- */

static const char ls_help[] =
	"usage: digitlab ls [--status S] [--name GLOB] [--tag T] [--sort KEY]\n"
	"                   [--limit N] [--columns LIST] [--group] [--json]\n"
	"\n"
	"List the runs of the store, one line each: id, name, status, parameters,\n"
	"epochs, train and test accuracy, time.\n"
	"\n"
	"  --status S   only runs with that status (queued, running, done, failed,\n"
	"               diverged, cancelled, interrupted, paused, pruned)\n"
	"  --name GLOB  only runs whose name matches (*, ?, [...]; case-sensitive)\n"
	"  --tag T      only runs tagged T\n"
	"  --sort KEY   id, name, status, params, epochs, train_acc, val_acc,\n"
	"               test_acc, seconds or created (or test_accuracy,\n"
	"               val_accuracy, as --json names them); -KEY sorts descending.\n"
	"               Runs without the value come last. Default: id\n"
	"  --limit N    at most N runs\n"
	"  --columns LIST  more columns: METRIC (its last value, best value and\n"
	"               epoch of the best) or METRIC:last, METRIC:best or\n"
	"               METRIC:best_epoch, comma-separated; METRIC is loss,\n"
	"               accuracy, val_loss or val_accuracy; best is the least loss\n"
	"               or the most accuracy, its epoch the first to reach it\n"
	"  --group      one line per sweep point: the repeats' count, and the mean\n"
	"               and spread (sample standard deviation) of test accuracy\n"
	"  --json       an array of objects instead of the table\n";

static const char *const sort_keys[] = {"id", "name", "status", "params", "epochs",
	"train_acc", "val_acc", "test_acc", "seconds", "created", NULL};
/* The names `ls --json` gives the same values. */
static const char *const sort_json_names[][2] = {
	{"train_accuracy", "train_acc"}, {"val_accuracy", "val_acc"},
	{"test_accuracy", "test_acc"},
};

static const char *sort_key_name(const char *v)
{
	for (size_t i = 0; i < sizeof sort_json_names / sizeof sort_json_names[0]; i++)
		if (!strcmp(v, sort_json_names[i][0]))
			return sort_json_names[i][1];
	return v;
}

static const char *const statuses[] = {"queued", "running", "done", "failed", "diverged",
	"cancelled", "interrupted", "paused", "pruned", NULL};

struct ls_options {
	struct store_filter filter;
	int json, group;
	struct metric_column columns[REPORT_MAX_COLUMNS];
	int n_columns;
};

static int parse_ls(int argc, char **argv, struct ls_options *o)
{
	memset(o, 0, sizeof *o);
	o->filter.status = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int taken;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(ls_help, stdout);
			return -1;
		} else if (!strcmp(a, "--json")) {
			o->json = 1;
		} else if (!strcmp(a, "--group")) {
			o->group = 1;
		} else if ((taken = cli_option_value("ls", argc, argv, &i, "--status", &v))) {
			if (taken < 0)
				return EXIT_USAGE;
			if ((o->filter.status = store_status_from_name(v)) < 0)
				return cli_unknown_value("ls", "--status", v, statuses);
		} else if ((taken = cli_option_value("ls", argc, argv, &i, "--name", &v))) {
			if (taken < 0)
				return EXIT_USAGE;
			o->filter.name_glob = v;
		} else if ((taken = cli_option_value("ls", argc, argv, &i, "--columns", &v))) {
			if (taken < 0)
				return EXIT_USAGE;
			if (report_parse_columns("ls", v, o->columns, &o->n_columns))
				return EXIT_USAGE;
		} else if ((taken = cli_option_value("ls", argc, argv, &i, "--tag", &v))) {
			if (taken < 0)
				return EXIT_USAGE;
			o->filter.tag = v;
		} else if ((taken = cli_option_value("ls", argc, argv, &i, "--sort", &v))) {
			int key;

			if (taken < 0)
				return EXIT_USAGE;
			o->filter.descending = v[0] == '-';
			if ((key = store_sort_from_name(sort_key_name(v + o->filter.descending))) < 0)
				return cli_unknown_value("ls", "--sort", v + o->filter.descending,
							 sort_keys);
			o->filter.sort = (enum store_sort)key;
		} else if ((taken = cli_option_value("ls", argc, argv, &i, "--limit", &v))) {
			if (taken < 0 || (o->filter.limit = cli_parse_count("ls", "--limit", v,
									    100000000)) < 0)
				return EXIT_USAGE;
		} else {
			return cli_usage_error("ls", "unknown argument '%s'", a);
		}
	}
	if (o->group && o->n_columns)
		return cli_usage_error("ls", "--columns shows runs, --group sweep points: one or "
				       "the other");
	return 0;
}

/* A metric column is as wide as its name, and at least a metric's 9. */
static int column_width(const struct metric_column *c)
{
	int n = (int)strlen(c->name);

	return n > 9 ? n : 9;
}

static void print_table_head(const struct ls_options *o)
{
	printf("%5s  %-*s %-14s %9s %6s %9s %9s %8s", "ID", NAME_WIDTH, "NAME", "STATUS",
	       "PARAMS", "EPOCHS", "TRAIN ACC", "TEST ACC", "TIME");
	for (int i = 0; i < o->n_columns; i++)
		printf(" %*s", column_width(&o->columns[i]), o->columns[i].name);
	putchar('\n');
}

/* The metric columns of one run, from its summaries: a value, an epoch,
 * or -. */
static void print_metric_cells(const struct ls_options *o,
			       const struct store_metric_summary sums[STORE_METRIC_COUNT])
{
	for (int i = 0; i < o->n_columns; i++) {
		const struct metric_column *c = &o->columns[i];
		double v = report_column_value(c, sums);
		char buf[16];

		if (c->part == STORE_PART_BEST_EPOCH && !isnan(v))
			snprintf(buf, sizeof buf, "%.0f", v);
		else
			fmt_metric(v, buf, sizeof buf);
		printf(" %*s", column_width(c), buf);
	}
}

static void print_table_row(const struct store_row *r)
{
	char st[32], p[32], a[16], t[16], s[16], name[300], cell[4 * NAME_WIDTH + 1];
	double secs = r->seconds;

	if (r->status == STORE_RUNNING && r->started > 0)
		secs = (double)time(NULL) - r->started;
	printf("%5lld  %s %-14s %9s %6d %9s %9s %8s", (long long)r->id,
	       text_cell(cell, sizeof cell, report_run_name(r, NAME_WIDTH, name, sizeof name),
			 NAME_WIDTH),
	       fmt_status(r, st, sizeof st), fmt_count(r->params, p, sizeof p), r->epochs,
	       fmt_metric(r->accuracy, a, sizeof a), fmt_metric(r->test_accuracy, t, sizeof t),
	       format_duration(secs, s, sizeof s));
}

static void json_row(FILE *out, const struct store_row *r, const struct ls_options *o,
		     const struct store_metric_summary sums[STORE_METRIC_COUNT])
{
	fputc('{', out);
	report_row_json(out, r);
	for (int i = 0; i < o->n_columns; i++) {
		fputc(',', out);
		json_string(out, o->columns[i].name);
		fputc(':', out);
		json_number(out, report_column_value(&o->columns[i], sums));
	}
	if (r->status == STORE_RUNNING)
		fprintf(out, ",\"progress\":{\"epoch\":%d,\"batch\":%d,\"batches\":%d}", r->epoch,
			r->batch, r->batches);
	fputc('}', out);
}

/* --group: rows of one sweep point (same sweep id and point) together. */
static void print_groups(const struct store_row *rows, int n)
{
	int *seen = calloc((size_t)(n ? n : 1), sizeof *seen);

	printf("%5s  %-24s %-28s %4s %9s %8s %8s\n", "SWEEP", "NAME", "POINT", "RUNS",
	       "DONE", "TEST ACC", "SPREAD");
	for (int i = 0; seen && i < n; i++) {
		double sum = 0, sq = 0;
		int count = 0, done = 0;
		char mean[16], spread[16], name[4 * 24 + 1], point[4 * 28 + 1];

		if (seen[i])
			continue;
		for (int j = i; j < n; j++) {
			if (seen[j] || rows[j].sweep_id != rows[i].sweep_id ||
			    strcmp(rows[j].sweep_point, rows[i].sweep_point) ||
			    (rows[i].sweep_id == 0 && j != i))
				continue;
			seen[j] = 1;
			count++;
			if (!isnan(rows[j].test_accuracy)) {
				done++;
				sum += rows[j].test_accuracy;
				sq += rows[j].test_accuracy * rows[j].test_accuracy;
			}
		}
		fmt_metric(done ? sum / done : NAN, mean, sizeof mean);
		fmt_metric(done > 1 ? sqrt(fmax(0, (sq - sum * sum / done) / (done - 1))) : NAN,
			   spread, sizeof spread);
		printf("%5lld  %s %s %4d %9d %8s %8s\n", (long long)rows[i].sweep_id,
		       text_cell(name, sizeof name, rows[i].name, 24),
		       text_cell(point, sizeof point, rows[i].sweep_id ? rows[i].sweep_point : "-", 28),
		       count, done, mean, spread);
	}
	free(seen);
}

/* One run of ls, its metrics read when metric columns ask for them. */
static int print_run(struct store *s, const struct store_row *r, const struct ls_options *o,
		     int first)
{
	struct store_metric_summary sums[STORE_METRIC_COUNT];
	struct dl_error err;

	dl_error_clear(&err);
	if (o->n_columns && store_run_metrics(s, r->id, sums, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	if (o->json) {
		if (!first)
			putchar(',');
		json_row(stdout, r, o, sums);
	} else {
		print_table_row(r);
		print_metric_cells(o, sums);
		putchar('\n');
	}
	return 0;
}

int cmd_ls(int argc, char **argv)
{
	struct ls_options o;
	struct store_row *rows;
	struct store *s;
	struct dl_error err;
	int n, status;

	if ((status = parse_ls(argc, argv, &o)))
		return status < 0 ? 0 : status;
	if (cli_open_store(&s) != DL_OK)
		return 1;
	dl_error_clear(&err);
	if (store_list_runs(s, &o.filter, &rows, &n, &err) != DL_OK) {
		cli_print_error(&err);
		store_close(s);
		return 1;
	}
	if (o.group) {
		print_groups(rows, n);
	} else {
		if (o.json)
			putchar('[');
		else
			print_table_head(&o);
		for (int i = 0; i < n && status == 0; i++)
			status = print_run(s, &rows[i], &o, i == 0);
		if (o.json && status == 0)
			puts("]");
	}
	free(rows);
	store_close(s);
	return status;
}

/* ---- queue ls ---- */

static int waiting_or_running(enum store_status st)
{
	return st == STORE_QUEUED || st == STORE_RUNNING || st == STORE_PAUSED ||
	       st == STORE_INTERRUPTED;
}

/* Running first, then in the order the queue takes them. */
static int queue_order(const void *pa, const void *pb)
{
	const struct store_row *a = pa, *b = pb;
	int ra = a->status != STORE_RUNNING, rb = b->status != STORE_RUNNING;

	if (ra != rb)
		return ra - rb;
	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Runs that wait `after` a run that did not end done: said below the queue. */
static int print_blocked(struct store *s)
{
	struct store_blocked *b;
	struct dl_error err;
	int n;

	dl_error_clear(&err);
	if (store_list_blocked(s, &b, &n, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	for (int i = 0; i < n; i++)
		printf("run %lld waits for run %lld, which %s: it starts once run %lld is retried "
		       "and done\n", (long long)b[i].id, (long long)b[i].after,
		       b[i].after_status == STORE_CANCELLED ? "was cancelled" :
		       b[i].after_status == STORE_DIVERGED ? "diverged" : "failed",
		       (long long)b[i].after);
	free(b);
	return 0;
}

/* The threads a run asks for, or once claimed trains with (the pool may
 * give fewer while other runs wait: pool_grant); "all" for threads: auto
 * until a pool resolves it. */
static const char *run_threads(struct store *s, int64_t id, char *buf, size_t size)
{
	struct store_run r;
	struct dl_error err;
	int found;

	if (store_get_run(s, id, &r, &found, &err) != DL_OK || !found)
		return "?";
	if (r.threads >= ENQUEUE_THREADS_ALL)
		snprintf(buf, size, "all");
	else
		snprintf(buf, size, "%d", r.threads < 1 ? 1 : r.threads);
	store_run_free(&r);
	return buf;
}

/* Sweeps whose runs are still to be proposed (search tpe): not in the
 * queue yet, but they will be. */
static int print_growing(struct store *s)
{
	struct store_sweep_run *runs;
	struct store_sweep sw;
	struct dl_error err;
	int64_t *ids;
	int n, made;

	dl_error_clear(&err);
	if (store_list_growing(s, 0, &ids, &n, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char name[TEXT_ESCAPED_SIZE(sizeof sw.name)];

		if (store_get_sweep(s, ids[i], &sw, &err) != DL_OK ||
		    store_sweep_runs(s, ids[i], &runs, &made, &err) != DL_OK) {
			cli_print_error(&err);
			free(ids);
			return 1;
		}
		free(runs);
		printf("sweep %lld %s (tpe): %d of %d runs made; the next are proposed as workers "
		       "free up (digitlab cancel --sweep %lld stops it)\n", (long long)ids[i],
		       text_escape(name, sizeof name, sw.name, TEXT_ONE_LINE), made,
		       sw.planned_points, (long long)ids[i]);
	}
	free(ids);
	return 0;
}

int cli_list_queue(int argc, char **argv)
{
	struct store_filter f = {.status = -1};
	struct store_row *rows;
	struct store *s;
	struct dl_error err;
	int n, kept = 0, all = argc > 1 && !strcmp(argv[1], "--all"), paused = 0, status;
	struct store_job *jobs = NULL;
	int n_jobs = 0;

	if (argc > 1 + all)
		return cli_usage_error("queue", "ls takes only --all");
	if (cli_open_store(&s) != DL_OK)
		return 1;
	dl_error_clear(&err);
	if (store_list_runs(s, &f, &rows, &n, &err) != DL_OK ||
	    store_queue_paused(s, &paused, &err) != DL_OK ||
	    store_list_jobs(s, &jobs, &n_jobs, &err) != DL_OK) {
		cli_print_error(&err);
		store_close(s);
		return 1;
	}
	for (int i = 0; i < n; i++)
		if (all || waiting_or_running(rows[i].status))
			rows[kept++] = rows[i];
	qsort(rows, (size_t)kept, sizeof *rows, queue_order);
	if (paused)
		printf("the queue is paused: nothing more is started (digitlab queue resume)\n");
	printf("%5s  %-*s %-14s %4s %3s %-13s %10s %8s  %-6s %-10s %-10s %s\n", "ID",
	       NAME_WIDTH, "NAME", "STATUS", "PRIO", "THR", "EPOCH", "SAMPLES/S", "ETA", "EXEC",
	       "JOB", "NODE", "WORKER");
	for (int i = 0; i < kept; i++) {
		const struct store_row *r = &rows[i];
		char st[32], ep[32], sps[16], eta[16], name[300], cell[4 * NAME_WIDTH + 1], thr[16];
		char job[TEXT_ESCAPED_SIZE(48)], node[TEXT_ESCAPED_SIZE(64)];
		char worker[TEXT_ESCAPED_SIZE(sizeof r->worker)];
		struct executor_cells where;

		snprintf(ep, sizeof ep, "%d", r->epochs);
		if (r->status == STORE_RUNNING)
			snprintf(ep, sizeof ep, "%d %d/%d", r->epoch, r->batch, r->batches);
		snprintf(sps, sizeof sps, "-");
		if (r->status == STORE_RUNNING && !isnan(r->samples_per_s))
			snprintf(sps, sizeof sps, "%.0f", r->samples_per_s);
		executor_cells(r, executor_find_job(jobs, n_jobs, r->id), &where);
		printf("%5lld  %s %-14s %4d %3s %-13s %10s %8s  %-6s %-10s %-10s %s\n",
		       (long long)r->id,
		       text_cell(cell, sizeof cell, report_run_name(r, NAME_WIDTH, name, sizeof name),
				 NAME_WIDTH), fmt_status(r, st, sizeof st),
		       r->priority, run_threads(s, r->id, thr, sizeof thr), ep, sps,
		       r->status == STORE_RUNNING ? format_duration(r->eta_s, eta, sizeof eta) : "-",
		       where.executor, text_escape(job, sizeof job, where.job, TEXT_ONE_LINE),
		       text_escape(node, sizeof node, where.node, TEXT_ONE_LINE),
		       text_escape(worker, sizeof worker, r->status == STORE_RUNNING ? r->worker : "",
				   TEXT_ONE_LINE));
	}
	free(rows);
	free(jobs);
	status = print_blocked(s);
	if (!status)
		status = print_growing(s);
	store_close(s);
	return status;
}
