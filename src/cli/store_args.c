/*
 * store_args.c - what the store commands share: opening the store, and
 * turning RUN arguments into run ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/text.h"

int cli_open_store(struct store **s)
{
	struct dl_error err;

	char why[1024];

	dl_error_clear(&err);
	if (store_open(s, NULL, &err) != DL_OK) {
		cli_print_error(&err);
		return DL_ERR;
	}
	/* damage and lost writes are said at every command until repaired; a
	 * read-only store says so only when a write is refused */
	switch (store_health(*s, why, sizeof why)) {
	case STORE_DAMAGED:
	case STORE_LOG_CUT:
		fputs("digitlab: warning: ", stderr);
		text_fputs(why, stderr, TEXT_ONE_LINE);
		fputc('\n', stderr);
		break;
	case STORE_HEALTHY:
	case STORE_READ_ONLY:
		break;
	}
	return DL_OK;
}

void cli_store_dir(const struct store *s, char *buf, size_t size)
{
	char *slash;

	snprintf(buf, size, "%s", store_path(s));
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
}

/* The newest run called `name`, 0 when there is none. */
static int64_t run_by_name(struct store *s, const char *name, struct dl_error *err)
{
	struct store_filter f = {.status = -1, .sort = STORE_SORT_ID, .descending = 1,
				 .limit = 1};
	struct store_row *rows;
	int64_t id = 0;
	int n;

	/* GLOB with the name's own metacharacters escaped would be exact;
	 * names with them are rare enough that the plain name is tried first */
	f.name_glob = name;
	if (store_list_runs(s, &f, &rows, &n, err) != DL_OK)
		return -1;
	if (n == 1 && !strcmp(rows[0].name, name))
		id = rows[0].id;
	free(rows);
	return id;
}

int cli_run_id(const char *command, struct store *s, const char *arg, int64_t *id)
{
	struct dl_error err;
	char *end;
	long long v = strtoll(arg, &end, 10);
	int found;
	struct store_run r;

	dl_error_clear(&err);
	if (*arg && !*end) {
		if (v < 1)
			return cli_usage_error(command, "'%s' is not a run id", arg);
		if (store_get_run(s, v, &r, &found, &err) != DL_OK) {
			cli_print_error(&err);
			return 1;
		}
		if (!found) {
			fprintf(stderr, "digitlab %s: no run %lld in ", command, v);
			text_fputs(store_path(s), stderr, TEXT_ONE_LINE);
			fputc('\n', stderr);
			return EXIT_USAGE;
		}
		store_run_free(&r);
		*id = v;
		return 0;
	}
	*id = run_by_name(s, arg, &err);
	if (*id < 0) {
		cli_print_error(&err);
		return 1;
	}
	if (*id == 0) {
		fprintf(stderr, "digitlab %s: no run named '", command);
		text_fputs(arg, stderr, TEXT_ONE_LINE);
		fputs("' in ", stderr);
		text_fputs(store_path(s), stderr, TEXT_ONE_LINE);
		fputc('\n', stderr);
		return EXIT_USAGE;
	}
	return 0;
}
