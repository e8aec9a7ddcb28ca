/*
 * cmd_manage.c - changing what the store keeps of runs: `digitlab rm`,
 * `tag` and `note`.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/report.h"
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

static const char rm_help[] =
	"usage: digitlab rm RUN... [--sweep N]...\n"
	"\n"
	"Remove runs with their history, artifacts, tags and checkpoint. RUN is a\n"
	"run id, a range of ids (12-20: those of them that exist) or a name (the\n"
	"newest run of that name); --sweep N removes every run of sweep N (as\n"
	"`digitlab queue add` and `ls --group` number them). A running run is\n"
	"refused: cancel it first.\n";

/* A range of run ids "A-B" (both whole numbers); 0 when arg is not one. */
static int parse_range(const char *arg, int64_t *from, int64_t *to)
{
	char *end;
	long long a, b;

	if (!isdigit((unsigned char)arg[0]))
		return 0;
	a = strtoll(arg, &end, 10);
	if (*end != '-' || !isdigit((unsigned char)end[1]))
		return 0;
	b = strtoll(end + 1, &end, 10);
	if (*end)
		return 0;
	*from = a;
	*to = b;
	return 1;
}

/* Add to ids (no duplicates) the runs the filter selects with ids in
 * [from, to]. Returns how many were added, -1 on error (printed). */
static int add_ids(struct store *s, const struct store_filter *f, int64_t from, int64_t to,
		   int64_t **ids, int *n)
{
	struct store_row *rows;
	struct dl_error err;
	int count, added = 0;

	dl_error_clear(&err);
	if (store_list_runs(s, f, &rows, &count, &err) != DL_OK) {
		cli_print_error(&err);
		return -1;
	}
	for (int i = 0; i < count; i++) {
		int64_t *grown;
		int seen = 0;

		if (rows[i].id < from || rows[i].id > to)
			continue;
		for (int k = 0; k < *n && !seen; k++)
			seen = (*ids)[k] == rows[i].id;
		if (seen)
			continue;
		if (!(grown = realloc(*ids, sizeof **ids * (size_t)(*n + 1)))) {
			free(rows);
			fprintf(stderr, "digitlab rm: out of memory\n");
			return -1;
		}
		*ids = grown;
		(*ids)[(*n)++] = rows[i].id;
		added++;
	}
	free(rows);
	return added;
}

/* Every argument of rm as run ids, in the order given. Returns 0, or the
 * exit status of the first argument that names nothing (the runs the
 * others name are kept, and removed). */
static int collect_runs(struct store *s, int argc, char **argv, int64_t **ids, int *n)
{
	struct store_filter all = {.status = -1};
	int status = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int64_t from, to, id;
		int taken, rc;

		if ((taken = cli_option_value("rm", argc, argv, &i, "--sweep", &v))) {
			struct store_filter f = {.status = -1};
			char *end;

			if (taken < 0)
				return EXIT_USAGE;
			f.sweep_id = strtoll(v, &end, 10);
			if (!*v || *end || f.sweep_id < 1)
				return cli_usage_error("rm", "--sweep: expected a sweep number, found '%s'",
						       v);
			if ((taken = add_ids(s, &f, 1, INT64_MAX, ids, n)) < 0)
				return 1;
			if (taken == 0) {
				fprintf(stderr, "digitlab rm: no runs of sweep %lld\n",
					(long long)f.sweep_id);
				status = status ? status : EXIT_USAGE;
			}
		} else if (a[0] == '-' && a[1]) {
			return cli_unknown_option("rm", argc, argv, i);
		} else if (parse_range(a, &from, &to)) {
			if (from > to)
				return cli_usage_error("rm", "%s: a range goes from the smaller id to the "
						       "larger", a);
			if ((taken = add_ids(s, &all, from, to, ids, n)) < 0)
				return 1;
			if (taken == 0) {
				fprintf(stderr, "digitlab rm: no runs with ids %s\n", a);
				status = status ? status : EXIT_USAGE;
			}
		} else if ((rc = cli_run_id("rm", s, a, &id))) {
			status = status ? status : rc;
		} else if (add_ids(s, &all, id, id, ids, n) < 0) {
			return 1;
		}
	}
	return status;
}

int cmd_rm(int argc, char **argv)
{
	struct store *s;
	int64_t *ids = NULL;
	int n = 0, status;

	if (cli_wants_help(argc, argv, rm_help))
		return 0;
	if (argc < 2)
		return cli_usage_error("rm", "which runs? (ids, ranges, names or --sweep N; see "
				       "digitlab ls)");
	if (cli_open_store(&s) != DL_OK)
		return 1;
	status = collect_runs(s, argc, argv, &ids, &n);
	for (int i = 0; i < n; i++) {
		struct store_run r;
		struct dl_error err;
		char name[300];
		int found = 0;

		dl_error_clear(&err);
		if (store_get_run(s, ids[i], &r, &found, &err) != DL_OK) {
			cli_print_error(&err);
			status = status ? status : 1;
			continue;
		}
		if (!found)             /* removed meanwhile by someone else */
			continue;
		if (store_rm_run(s, ids[i], &err) != DL_OK) {
			cli_print_error(&err);
			status = status ? status : 1;
			store_run_free(&r);
			continue;
		}
		remove_checkpoint(s, r.checkpoint);
		printf("removed run %lld ", (long long)ids[i]);
		text_fputs(report_run_name(&r.row, 0, name, sizeof name), stdout, TEXT_ONE_LINE);
		putchar('\n');
		store_run_free(&r);
	}
	free(ids);
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
