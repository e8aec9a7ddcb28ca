/*
 * cmd_store.c - `digitlab store check|backup|recover`: the store's own
 * health, a copy of it, and a rebuild of a damaged one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "run/serve.h"
#include "util/text.h"

static const char store_help[] =
	"usage: digitlab store check\n"
	"       digitlab store backup FILE\n"
	"       digitlab store recover\n"
	"\n"
	"check    check every page and index of the store (PRAGMA integrity_check)\n"
	"         and list what is damaged; exit status 1 when anything is\n"
	"backup   copy the store as it is now into FILE, a new file, while serve\n"
	"         and the dashboard go on (SQLite's online backup); a damaged store\n"
	"         is copied damage and all, so that recovery can be tried on a copy\n"
	"recover  rebuild a damaged store from what can be read of it: the damaged\n"
	"         database is kept beside it as runs.db.damaged-TIME. Stop serve and\n"
	"         the dashboard first (recover refuses while a serve holds the store)\n"
	"\n"
	"Every command warns when the store it opens is damaged, and nothing is\n"
	"written into a damaged store until it is recovered.\n";

static void print_text(FILE *out, const char *s)
{
	text_fputs(s, out, TEXT_ONE_LINE);
}

static int store_check_cmd(void)
{
	struct store *s;
	struct dl_error err;
	char *report = NULL, why[1024];
	int problems, status = 0;

	if (cli_open_store(&s) != DL_OK)
		return 1;
	dl_error_clear(&err);
	if (store_check(s, 1, &report, &problems, &err) != DL_OK) {
		cli_print_error(&err);
		store_close(s);
		return 1;
	}
	print_text(stdout, store_path(s));
	if (problems) {
		printf(": damaged, %d problem%s:\n", problems, problems == 1 ? "" : "s");
		for (char *line = strtok(report, "\n"); line; line = strtok(NULL, "\n")) {
			fputs("  ", stdout);
			print_text(stdout, line);
			putchar('\n');
		}
		printf("Nothing is written into it until it is recovered. 'digitlab store backup "
		       "FILE' keeps a copy as it is; 'digitlab store recover' rebuilds it from what "
		       "can be read.\n");
		status = 1;
	} else {
		printf(": ok (every page and index checked)\n");
	}
	if (store_health(s, why, sizeof why) == STORE_READ_ONLY) {
		print_text(stdout, why);
		putchar('\n');
	}
	free(report);
	store_close(s);
	return status;
}

static int store_backup_cmd(const char *file)
{
	struct store *s;
	struct dl_error err;

	if (cli_open_store(&s) != DL_OK)
		return 1;
	dl_error_clear(&err);
	if (store_backup(s, file, &err) != DL_OK) {
		cli_print_error(&err);
		store_close(s);
		return 1;
	}
	fputs("backed up ", stdout);
	print_text(stdout, store_path(s));
	fputs(" to ", stdout);
	print_text(stdout, file);
	putchar('\n');
	store_close(s);
	return 0;
}

/* Hold the store's serve lock (run/serve.h) for as long as the recovery
 * lasts, so that no serve starts during it. 0 when taken; else it said why. */
static int hold_serve_lock(const char *dir, struct serve_lock *lock)
{
	struct dl_error err;

	dl_error_clear(&err);
	switch (serve_lock_take(lock, dir, &err)) {
	case SERVE_LOCK_HELD:
		return 0;
	case SERVE_LOCK_TAKEN:
		fputs("digitlab store: a serve is using ", stderr);
		print_text(stderr, dir);
		fputs("; stop it (and the dashboard) before recovering\n", stderr);
		return -1;
	case SERVE_LOCK_ERROR:
		break;
	}
	fputs("digitlab store: ", stderr);
	print_text(stderr, err.msg);
	fputc('\n', stderr);
	return -1;
}

static int store_recover_cmd(void)
{
	struct store_recovery r;
	struct dl_error err;
	char dir[4096];
	struct serve_lock lock;

	dl_error_clear(&err);
	if (store_default_dir(dir, sizeof dir, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	if (hold_serve_lock(dir, &lock) != 0)
		return 1;
	if (store_recover(dir, &r, &err) != DL_OK) {
		cli_print_error(&err);
		serve_lock_release(&lock);
		return 1;
	}
	printf("recovered %d run%s (%ld rows)", r.runs, r.runs == 1 ? "" : "s", r.rows);
	if (r.placeholders)
		printf("; %d run%s whose own row was lost came back from %s experiment as "
		       "failed", r.placeholders, r.placeholders == 1 ? "" : "s",
		       r.placeholders == 1 ? "its" : "their");
	if (r.dropped)
		printf("; %ld row%s that belonged to no surviving run were dropped", r.dropped,
		       r.dropped == 1 ? "" : "s");
	fputs("\nthe damaged database is kept as ", stdout);
	print_text(stdout, r.kept);
	putchar('\n');
	serve_lock_release(&lock);
	return 0;
}

int cmd_store(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(store_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "check") && argc == 2)
		return store_check_cmd();
	if (!strcmp(argv[1], "recover") && argc == 2)
		return store_recover_cmd();
	if (!strcmp(argv[1], "backup") && argc == 3)
		return store_backup_cmd(argv[2]);
	if (!strcmp(argv[1], "backup"))
		return cli_usage_error("store", "backup takes one FILE (a new file)");
	return cli_usage_error("store", "expected check, backup FILE or recover, found '%s'",
			       argv[1]);
}
