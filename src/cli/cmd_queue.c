/*
 * cmd_queue.c - putting runs in the queue and asking things of them:
 * `digitlab queue add|ls|pause|resume`, `cancel`, `stop`, `pause`,
 * `resume`, `retry` and `priority`.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "run/enqueue.h"
#include "util/text.h"

static const char queue_help[] =
	"usage: digitlab queue add FILE... [--set KEY=VALUE]... [--priority N]\n"
	"                          [--after RUN] [--threads N|auto]\n"
	"       digitlab queue ls [--all]\n"
	"       digitlab queue experiments\n"
	"       digitlab queue pause | resume\n"
	"\n"
	"add     queue each experiment file (or NAME: experiments/NAME.yaml here,\n"
	"        else the installed experiment NAME); a file with `sweep:` becomes one run\n"
	"        per grid point and repeat, grouped by a sweep id. Every run is\n"
	"        checked before any is queued, and a file's runs are queued at once.\n"
	"  --set KEY=VALUE  override a key of every file (repeatable)\n"
	"  --priority N     higher runs first (default 0; -1000000 to 1000000)\n"
	"  --after RUN      start only once RUN is done (when RUN fails instead,\n"
	"                   they wait for a retry of it; queue ls names them)\n"
	"  --threads N      threads each run asks for (default: its train.threads,\n"
	"                   else 1); auto: as many as pay for its model\n"
	"ls      the runs waiting or running, in the order they will be taken;\n"
	"        --all adds the runs that ended\n"
	"pause   claim nothing more (running runs go on); resume undoes it\n"
	"experiments  the experiments queue add finds by name, and their files\n"
	"\n"
	"`digitlab serve` trains the queue. RUN is a run id or a run name (the\n"
	"newest run of that name).\n";

struct add_options {
	const char *files[256];
	int n_files;
	const char *sets[CLI_MAX_SETS];
	int n_sets;
	int priority, threads;
	const char *after;
};

#define PRIORITY_MAX 1000000

static int parse_priority(const char *command, const char *v, int *out)
{
	char *end;
	long p = strtol(v, &end, 10);

	if (!*v || *end || p < -PRIORITY_MAX || p > PRIORITY_MAX)
		return cli_usage_error(command, "--priority: expected a whole number from %d to %d, "
				       "found '%s'", -PRIORITY_MAX, PRIORITY_MAX, v);
	*out = (int)p;
	return 0;
}

static int parse_add(int argc, char **argv, struct add_options *o)
{
	memset(o, 0, sizeof *o);
	o->threads = 0;         /* each file's train.threads, else 1 */
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v;
		int taken;

		if ((taken = cli_take_set("queue", argc, argv, &i, o->sets, &o->n_sets))) {
			if (taken < 0)
				return EXIT_USAGE;
		} else if ((taken = cli_option_value("queue", argc, argv, &i, "--priority", &v))) {
			if (taken < 0 || parse_priority("queue", v, &o->priority))
				return EXIT_USAGE;
		} else if ((taken = cli_option_value("queue", argc, argv, &i, "--after", &v))) {
			if (taken < 0)
				return EXIT_USAGE;
			o->after = v;
		} else if ((taken = cli_option_value("queue", argc, argv, &i, "--threads", &v))) {
			if (taken < 0 || cli_parse_threads("queue", v, &o->threads) < 0)
				return EXIT_USAGE;
		} else if (a[0] == '-' && a[1]) {
			return cli_unknown_option("queue", argc, argv, i);
		} else if (o->n_files == 256) {
			return cli_usage_error("queue", "at most 256 files at once");
		} else {
			o->files[o->n_files++] = a;
		}
	}
	if (!o->n_files)
		return cli_usage_error("queue", "which experiment files? (e.g. experiments/quickstart.yaml)");
	return 0;
}

/* Queue one file's checked plan; prints what was queued. */
static int queue_plan(struct store *s, struct sweep_plan *plan, const struct enqueue_opts *eo)
{
	struct dl_error err;
	int64_t first, last, sweep;
	char name[TEXT_ESCAPED_SIZE(sizeof plan->runs[0].exp.name)];

	dl_error_clear(&err);
	if (enqueue_queue(s, plan, eo, &first, &last, &sweep, &err) != DL_OK) {
		cli_print_error(&err);
		return DL_ERR;
	}
	text_escape(name, sizeof name, plan->runs[0].exp.name, TEXT_ONE_LINE);
	if (plan->growing)
		printf("queued sweep %lld %s: run %lld, and %d more proposed as workers free "
		       "up (tpe)\n", (long long)sweep, name, (long long)first, plan->planned - 1);
	else if (plan->n == 1)
		printf("queued run %lld %s\n", (long long)first, name);
	else
		printf("queued sweep %lld %s: runs %lld-%lld (%d)\n", (long long)sweep, name,
		       (long long)first, (long long)last, plan->n);
	return DL_OK;
}

static int queue_add(int argc, char **argv)
{
	struct add_options o;
	struct sweep_plan plans[256];
	struct enqueue_opts eo;
	struct store *s;
	struct dl_error err;
	int status, n = 0;

	if ((status = parse_add(argc, argv, &o)))
		return status;
	eo = (struct enqueue_opts){.sets = o.sets, .n_sets = o.n_sets, .priority = o.priority,
				   .threads = o.threads};
	/* every file checked before anything is queued */
	for (; n < o.n_files; n++) {
		char path[4096];

		dl_error_clear(&err);
		if (experiment_find(o.files[n], path, sizeof path, &err) != DL_OK ||
		    enqueue_plan(&plans[n], path, &eo, &err) != DL_OK) {
			cli_print_error(&err);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (cli_open_store(&s) != DL_OK) {
		status = 1;
		goto out;
	}
	if (o.after)
		status = cli_run_id("queue", s, o.after, &eo.after);
	for (int i = 0; !status && i < n; i++)
		if (queue_plan(s, &plans[i], &eo) != DL_OK)
			status = 1;
	/* to a person (not a script): queued runs wait for a serve */
	if (!status && isatty(STDERR_FILENO)) {
		char dir[4096];

		cli_store_dir(s, dir, sizeof dir);
		if (!cli_serve_running(dir))
			fputs("digitlab queue: no serve is running, so nothing trains them yet: start "
			      "one (digitlab serve --detach) or open the dashboard (digitlab)\n", stderr);
	}
	store_close(s);
out:
	for (int i = 0; i < n; i++)
		sweep_plan_free(&plans[i]);
	return status;
}

static int queue_pause(int pause)
{
	struct store *s;
	struct dl_error err;
	int rc;

	if (cli_open_store(&s) != DL_OK)
		return 1;
	dl_error_clear(&err);
	rc = pause ? store_pause_queue(s, &err) : store_resume_queue(s, &err);
	if (rc != DL_OK)
		cli_print_error(&err);
	else
		printf("the queue is %s\n", pause ? "paused: nothing more is started"
					       : "running again");
	store_close(s);
	return rc == DL_OK ? 0 : 1;
}

/* The experiments found by name: ./experiments, then the installed ones
 * that it does not shadow. */
static int queue_experiments(void)
{
	const char *dirs[2] = {"experiments", experiment_install_dir()};
	char pattern[4200], shown[4096] = "|";

	for (int d = 0; d < 2; d++) {
		glob_t g;

		snprintf(pattern, sizeof pattern, "%s/*.yaml", dirs[d]);
		if (glob(pattern, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *base = strrchr(g.gl_pathv[i], '/') + 1;
			char name[256], key[260], shown_name[TEXT_ESCAPED_SIZE(256)];

			snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - 5), base);
			snprintf(key, sizeof key, "|%s|", name);
			if (strstr(shown, key))
				continue;       /* ./experiments comes first */
			if (strlen(shown) + strlen(name) + 2 < sizeof shown)
				strcat(strcat(shown, name), "|");
			printf("%-28s ", text_escape(shown_name, sizeof shown_name, name,
						     TEXT_ONE_LINE));
			text_fputs(g.gl_pathv[i], stdout, TEXT_ONE_LINE);
			putchar('\n');
		}
		globfree(&g);
	}
	return 0;
}

int cmd_queue(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(queue_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "add"))
		return queue_add(argc, argv);
	if (!strcmp(argv[1], "ls"))
		return cli_list_queue(argc - 1, argv + 1);
	if (!strcmp(argv[1], "experiments") && argc == 2)
		return queue_experiments();
	if (!strcmp(argv[1], "pause") && argc == 2)
		return queue_pause(1);
	if (!strcmp(argv[1], "resume") && argc == 2)
		return queue_pause(0);
	return cli_usage_error("queue", "expected add, ls, experiments, pause or resume, found '%s'",
			       argv[1]);
}

/* ---- requests of runs ---- */

static const char request_help[] =
	"usage: digitlab cancel RUN...   stop now; the run ends cancelled\n"
	"       digitlab cancel --sweep N  cancel every run of sweep N not yet ended,\n"
	"                                and a sweep that grows (tpe) grows no more\n"
	"       digitlab stop RUN...     end after the current epoch, keeping the\n"
	"                                checkpoint; `resume` continues it\n"
	"       digitlab pause RUN...    hold a queued run (a running one stops\n"
	"                                after its epoch, as with stop)\n"
	"       digitlab resume RUN...   queue a paused or stopped run again\n"
	"       digitlab retry RUN...    queue a failed, diverged, cancelled or\n"
	"                                interrupted run again\n"
	"\n"
	"RUN is a run id or a run name. Exit status 1 when a run was in no state\n"
	"for the request (it is named), 2 for a run that does not exist.\n";

struct request_kind {
	const char *command;
	enum store_request req;
	const char *done;               /* what happened to a run that was not running */
	const char *running;            /* what happens to one that was */
};

static const struct request_kind request_kinds[] = {
	{"cancel", STORE_REQUEST_CANCEL, "cancelled", "cancelling (it stops at its next batch)"},
	{"stop", STORE_REQUEST_STOP, "paused (`resume` queues it again)",
	 "stopping (it ends after its epoch)"},
	{"pause", STORE_REQUEST_PAUSE, "paused", "stopping (it ends after its epoch)"},
	{"resume", STORE_REQUEST_RESUME, "resumed", "going on (the stop is withdrawn)"},
	{"retry", STORE_REQUEST_RETRY, "queued again", "queued again"},
};

/* The run's status before the request, -1 when it cannot be read (the
 * request then reports the error). */
static int status_before(struct store *s, int64_t id)
{
	struct store_run r;
	struct dl_error err;
	int found, st = -1;

	if (store_get_run(s, id, &r, &found, &err) == DL_OK && found) {
		st = (int)r.row.status;
		store_run_free(&r);
	}
	return st;
}

/* cancel --sweep N: the sweep grows no more, and its runs that have not
 * ended are cancelled. */
static int cancel_sweep(struct store *s, const char *arg)
{
	struct store_filter f = {.status = -1};
	struct store_row *rows;
	struct dl_error err;
	char *end;
	int n, cancelled = 0, changed;

	f.sweep_id = strtoll(arg, &end, 10);
	if (!*arg || *end || f.sweep_id < 1)
		return cli_usage_error("cancel", "--sweep: expected a sweep number, found '%s'", arg);
	dl_error_clear(&err);
	if (store_stop_sweep(s, f.sweep_id, &err) != DL_OK ||
	    store_list_runs(s, &f, &rows, &n, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		enum store_status st = rows[i].status;

		if (st != STORE_QUEUED && st != STORE_RUNNING && st != STORE_PAUSED &&
		    st != STORE_INTERRUPTED)
			continue;
		if (store_request(s, rows[i].id, STORE_REQUEST_CANCEL, &changed, &err) != DL_OK) {
			cli_print_error(&err);
			free(rows);
			return 1;
		}
		cancelled += changed;
	}
	free(rows);
	printf("sweep %lld: stopped; %d run%s cancelled\n", (long long)f.sweep_id, cancelled,
	       cancelled == 1 ? "" : "s");
	return 0;
}

int cmd_request(int argc, char **argv)
{
	const struct request_kind *k = NULL;
	struct store *s;
	int status = 0;

	for (size_t i = 0; i < sizeof request_kinds / sizeof request_kinds[0]; i++)
		if (!strcmp(argv[0], request_kinds[i].command))
			k = &request_kinds[i];
	if (cli_wants_help(argc, argv, request_help))
		return 0;
	if (argc < 2)
		return cli_usage_error(k->command, "which runs? (ids or names; see digitlab ls)");
	if (cli_open_store(&s) != DL_OK)
		return 1;
	for (int i = 1; i < argc; i++) {
		struct store_run r;
		struct dl_error err;
		int64_t id;
		int changed, found, rc, before;

		dl_error_clear(&err);
		if (k->req == STORE_REQUEST_CANCEL && !strcmp(argv[i], "--sweep")) {
			if (i + 1 == argc) {
				status = cli_usage_error("cancel", "--sweep: which sweep?");
				break;
			}
			if ((rc = cancel_sweep(s, argv[++i])))
				status = rc;
			continue;
		}
		if ((rc = cli_run_id(k->command, s, argv[i], &id))) {
			status = rc;
			continue;
		}
		before = status_before(s, id);
		if (store_request(s, id, k->req, &changed, &err) != DL_OK) {
			cli_print_error(&err);
			status = 1;
			continue;
		}
		if (changed) {
			printf("run %lld: %s\n", (long long)id,
			       before == STORE_RUNNING ? k->running : k->done);
			continue;
		}
		status = status ? status : 1;
		if (store_get_run(s, id, &r, &found, &err) != DL_OK) {
			cli_print_error(&err);
		} else if (found) {
			fprintf(stderr, "digitlab %s: run %lld is %s: nothing to %s\n", k->command,
				(long long)id, store_status_name(r.row.status), k->command);
			store_run_free(&r);
		}
	}
	store_close(s);
	return status;
}

int cmd_priority(int argc, char **argv)
{
	struct store *s;
	struct dl_error err;
	int64_t id;
	int priority, status = 0;

	if (cli_wants_help(argc, argv, "usage: digitlab priority RUN N\n\nSet a run's "
			   "priority: the queue takes higher first, then older.\n"))
		return 0;
	if (argc != 3)
		return cli_usage_error("priority", "expected a run and a priority");
	if (parse_priority("priority", argv[2], &priority))
		return EXIT_USAGE;
	if (cli_open_store(&s) != DL_OK)
		return 1;
	dl_error_clear(&err);
	if ((status = cli_run_id("priority", s, argv[1], &id))) {
		/* said */
	} else if (store_set_priority(s, id, priority, &err) != DL_OK) {
		cli_print_error(&err);
		status = 1;
	} else {
		printf("run %lld: priority %d\n", (long long)id, priority);
	}
	store_close(s);
	return status;
}
