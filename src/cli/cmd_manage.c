/*
 * cmd_manage.c - changing what the store keeps of runs: `digitlab rm`,
 * `tag` and `note`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/text.h"

/* The run's checkpoint goes with it when it lies in the store's own
 * checkpoints directory; one the user named elsewhere is theirs. */
static void remove_checkpoint(const struct store *s, const char *path)
{
	char dir[4200];
	size_t n;

	cli_store_dir(s, dir, sizeof dir);
	strncat(dir, "/checkpoints/", sizeof dir - strlen(dir) - 1);
	n = strlen(dir);
	if (path[0] && !strncmp(path, dir, n) && !strchr(path + n, '/') &&
	    unlink(path) != 0 && errno != ENOENT) {
		fputs("digitlab rm: ", stderr);
		text_fputs(path, stderr, TEXT_ONE_LINE);
		fprintf(stderr, ": %s\n", strerror(errno));
	}
}

int cmd_rm(int argc, char **argv)
{
	struct store *s;
	int status = 0;

	if (cli_wants_help(argc, argv, "usage: digitlab rm RUN...\n\nRemove runs with their "
		       "history, artifacts, tags and checkpoint. A running run is refused:\n"
		       "cancel it first.\n"))
		return 0;
	if (argc < 2)
		return cli_usage_error("rm", "which runs? (ids or names; see digitlab ls)");
	if (cli_open_store(&s) != DL_OK)
		return 1;
	for (int i = 1; i < argc; i++) {
		struct store_run r;
		struct dl_error err;
		int64_t id;
		int found = 0, rc;

		dl_error_clear(&err);
		if ((rc = cli_run_id("rm", s, argv[i], &id))) {
			status = rc;
			continue;
		}
		if (store_get_run(s, id, &r, &found, &err) != DL_OK ||
		    store_rm_run(s, id, &err) != DL_OK) {
			cli_print_error(&err);
			status = 1;
			if (found)
				store_run_free(&r);
			continue;
		}
		remove_checkpoint(s, r.checkpoint);
		printf("removed run %lld ", (long long)id);
		text_fputs(r.row.name, stdout, TEXT_ONE_LINE);
		putchar('\n');
		store_run_free(&r);
	}
	store_close(s);
	return status;
}

int cmd_tag(int argc, char **argv)
{
	struct store *s;
	struct dl_error err;
	int64_t id;
	int status = 0, remove = 0, first_tag = 2;

	if (cli_wants_help(argc, argv, "usage: digitlab tag RUN TAG... [--remove]\n\nAdd tags to a "
		       "run (or remove them). `digitlab ls --tag TAG` lists the runs with one.\n"))
		return 0;
	for (int i = 1; i < argc; i++)
		remove |= !strcmp(argv[i], "--remove");
	if (argc - remove < 3)
		return cli_usage_error("tag", "expected a run and at least one tag");
	if (cli_open_store(&s) != DL_OK)
		return 1;
	dl_error_clear(&err);
	if ((status = cli_run_id("tag", s, argv[1], &id))) {
		store_close(s);
		return status;
	}
	for (int i = first_tag; i < argc; i++) {
		int rc;

		if (!strcmp(argv[i], "--remove"))
			continue;
		rc = remove ? store_untag(s, id, argv[i], &err) : store_tag(s, id, argv[i], &err);
		if (rc != DL_OK) {
			cli_print_error(&err);
			status = 1;
		}
	}
	if (!status) {
		char tags[512];

		if (store_get_tags(s, id, tags, sizeof tags, &err) != DL_OK) {
			cli_print_error(&err);
			status = 1;
		} else {
			printf("run %lld: tags ", (long long)id);
			text_fputs(tags[0] ? tags : "(none)", stdout, TEXT_ONE_LINE);
			putchar('\n');
		}
	}
	store_close(s);
	return status;
}

int cmd_note(int argc, char **argv)
{
	struct store *s;
	struct dl_error err;
	int64_t id;
	int status = 0;

	if (cli_wants_help(argc, argv, "usage: digitlab note RUN TEXT\n\nKeep a note with a run "
		       "(replacing its last one); an empty TEXT removes it.\n"))
		return 0;
	if (argc != 3)
		return cli_usage_error("note", "expected a run and the note's text (quoted)");
	if (cli_open_store(&s) != DL_OK)
		return 1;
	dl_error_clear(&err);
	if ((status = cli_run_id("note", s, argv[1], &id))) {
		/* said */
	} else if (store_note(s, id, argv[2][0] ? argv[2] : NULL, &err) != DL_OK) {
		cli_print_error(&err);
		status = 1;
	} else {
		printf("run %lld: %s\n", (long long)id, argv[2][0] ? "note kept" : "note removed");
	}
	store_close(s);
	return status;
}
