/*
 * cli.h - what the command files in src/cli share.
 *
 * Each command is a function `int cmd_NAME(int argc, char **argv)` that
 * returns the process exit status; main.c maps names to them. Only this
 * layer prints errors and chooses exit statuses:
 *   0 success, 1 the work failed (missing data, I/O), 2 bad usage or a bad
 *   experiment file, 3 the run diverged, 130 interrupted.
 */
#ifndef DL_CLI_CLI_H
#define DL_CLI_CLI_H

#include "spec/experiment.h"
#include "store/store.h"
#include "util/error.h"

#define EXIT_USAGE 2
#define EXIT_DIVERGED 3
#define EXIT_INTERRUPTED 130

#define CLI_MAX_SETS 256

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_augment_preview(int argc, char **argv);
int cmd_weights(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_queue(int argc, char **argv);
int cmd_request(int argc, char **argv);      /* cancel, stop, pause, resume, retry */
int cmd_priority(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_sweep(int argc, char **argv);       /* sweep ls, sweep show */
int cmd_compare(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_export_model(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_note(int argc, char **argv);
int cmd_ui(int argc, char **argv);
int cmd_store(int argc, char **argv);       /* check, backup, recover */

/* `digitlab bench --store` (bench_store.c): the cost of the store's checks
 * on a store of `runs` runs; returns the exit status. */
int cli_bench_store(int runs, int samples, int json);

/* ---- what every command shares (cli.c) ---- */

/* Print err to stderr as "digitlab: FILE:LINE:COL: error: ..." style. */
void cli_print_error(const struct dl_error *err);

/* Print "digitlab: MESSAGE" plus a hint to run --help, return EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Take a --set KEY=VALUE (or --set=KEY=VALUE) at argv[*i] into sets,
 * advancing *i past its value. Returns 1 when taken, 0 when argv[*i] is not
 * --set, -1 after printing a usage error. */
int cli_take_set(const char *command, int argc, char **argv, int *i,
		 const char **sets, int *n_sets);

/* Take an option NAME VALUE or NAME=VALUE at argv[*i] (advancing *i past
 * a separate value). 1: taken, 0: not this option, -1: no value (printed). */
int cli_option_value(const char *command, int argc, char **argv, int *i,
		     const char *name, const char **value);

/* When argv[1] is --help or -h: print help to stdout and return 1. */
int cli_wants_help(int argc, char **argv, const char *help);

/* ---- mistakes, with the fix suggested (hints.c) ---- */

/* "digitlab: unknown command 'trian' (did you mean 'run'?)" and a pointer
 * to --help, for argv[1] that names none of `names` (NULL-terminated).
 * Returns EXIT_USAGE. */
int cli_unknown_command(const char *word, const char *const *names);

/* argv[i] is an option `command` does not know: say so, with --set for one
 * that names a key of the experiment ("--epochs 1": "use --set
 * train.epochs=1"). Returns EXIT_USAGE. */
int cli_unknown_option(const char *command, int argc, char **argv, int i);

/* "--sort: unknown key 'accuracy' (expected one of: id, name, ...)" with
 * the closest name when one is close. Returns EXIT_USAGE. */
int cli_unknown_value(const char *command, const char *option, const char *value,
		      const char *const *names);

/* Parse --threads: a count from 1 to 256, or "auto" (TRAIN_THREADS_AUTO)
 * into *threads; on failure print and return -1, else 0. */
int cli_parse_threads(const char *command, const char *value, int *threads);

/* Parse a positive integer option value; on failure print and return -1. */
int cli_parse_count(const char *command, const char *option, const char *value,
		    int max);

/* Load an experiment file (or one found by name: experiment_find) with
 * overrides, its model input shape filled (trainer_load_experiment). Prints the error and returns DL_ERR on failure. */
int cli_load_experiment(struct experiment *exp, const char *path,
			const char *const *sets, int n_sets);

/* Parse experiment text (from a model file) named display_name, its input
 * shape filled (trainer_parse_experiment). Prints the error and returns
 * DL_ERR on failure. */
int cli_parse_experiment(struct experiment *exp, const char *yaml, const char *display_name);

/* ---- the store commands (store_args.c) ---- */

/* Open the default store ($DIGITLAB_HOME, ...); prints the error. */
int cli_open_store(struct store **s);

/* The store's directory (where runs.db, checkpoints/ and serve.pid live). */
void cli_store_dir(const struct store *s, char *buf, size_t size);

/* A RUN argument: a run id, or a name (the newest run of that name).
 * Returns 0, or after printing what is wrong the exit status to use:
 * EXIT_USAGE for a RUN that names no run, 1 when the store failed. */
int cli_run_id(const char *command, struct store *s, const char *arg, int64_t *id);

/* `digitlab serve --stop` (serve_stop.c): SIGTERM to the serve holding the
 * store's lock, then wait for it to exit. Returns the exit status. */
int cli_serve_stop(void);

/* Whether a serve (or a dashboard training the queue) holds the lock of
 * the store in dir. */
int cli_serve_running(const char *dir);

/* `digitlab queue ls` (cmd_browse.c). */
int cli_list_queue(int argc, char **argv);

#endif
