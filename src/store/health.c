/*
 * health.c - the store's health: the page checks and the damaged state.
 *
 * A store found damaged is marked so once (store_mark_damaged), and from
 * then on it is read, never written: PRAGMA query_only makes SQLite refuse
 * every write, and store_health() gives the sentence for the person. This
 * file calls SQLite and nothing else of the store's, so that the statement
 * helpers in sql.c can run the page check before a connection's first
 * write (schema.c checks the core tables at open).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

void store_set_health(struct store *s, enum store_health h, const char *fmt, ...)
{
	va_list ap;

	s->health = h;
	va_start(ap, fmt);
	vsnprintf(s->health_why, sizeof s->health_why, fmt, ap);
	va_end(ap);
}

int store_is_damage(int code)
{
	code &= 0xff;
	return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

/* Append "LINE\n" to the malloc'd string *text. */
static int append_line(char **text, const char *line)
{
	size_t have = strlen(*text), add = strlen(line);
	char *grown = realloc(*text, have + add + 2);

	if (!grown)
		return DL_ERR;
	memcpy(grown + have, line, add);
	grown[have + add] = '\n';
	grown[have + add + 1] = '\0';
	*text = grown;
	return DL_OK;
}

/* The store is damaged: it is read (what can be), but query_only makes
 * SQLite itself refuse every write, since writing into a damaged b-tree
 * spreads the damage. */
int store_mark_damaged(struct store *s, const char *first, int problems, struct dl_error *err)
{
	store_set_health(s, STORE_DAMAGED, "%s is damaged (%s%s): what can be read is shown, "
			 "but nothing is written to it. 'digitlab store check' lists the "
			 "damage; 'digitlab store backup FILE' keeps a copy; 'digitlab store "
			 "recover' rebuilds the store from what can be read", s->path, first,
			 problems > 1 ? ", and more" : "");
	if (sqlite3_exec(s->db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK)
		return dl_error_set(err, "%s: cannot stop writes: %s", s->path, sqlite3_errmsg(s->db));
	return DL_OK;
}

/* Run a check pragma, appending each problem it reports to *report (when
 * not NULL) and counting them in *problems. A check that cannot go on
 * (damage it cannot step over) is a problem too. */
int store_run_check(struct store *s, const char *sql, char *first, size_t first_size,
		    char **report, int *problems, struct dl_error *err)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		if (!store_is_damage(sqlite3_errcode(s->db)))
			return dl_error_set(err, "%s: cannot check the database: %s", s->path,
					    sqlite3_errmsg(s->db));
		st = NULL;
	}
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);

		if (line && !strcmp(line, "ok"))
			continue;
		/* the first problem comes after a heading line: drop it */
		if (line && !strncmp(line, "*** in database ", 16) && strchr(line, '\n'))
			line = strchr(line, '\n') + 1;
		if (!(*problems)++)
			snprintf(first, first_size, "%s", line ? line : "?");
		if (report && append_line(report, line ? line : "?") != DL_OK) {
			sqlite3_finalize(st);
			return dl_error_set(err, "out of memory checking the database");
		}
	}
	if (!st || rc != SQLITE_DONE) {
		const char *msg = sqlite3_errmsg(s->db);

		if (!(*problems)++)
			snprintf(first, first_size, "%s", msg);
		if (report && append_line(report, msg) != DL_OK) {
			sqlite3_finalize(st);
			return dl_error_set(err, "out of memory checking the database");
		}
	}
	sqlite3_finalize(st);
	return DL_OK;
}

int store_check(struct store *s, int full, char **report, int *problems, struct dl_error *err)
{
	char first[300] = "";

	*problems = 0;
	s->pages_checked = 1;
	if (report) {
		*report = calloc(1, 1);
		if (!*report)
			return dl_error_set(err, "out of memory checking the database");
	}
	if (store_run_check(s, full ? "PRAGMA integrity_check" : "PRAGMA quick_check", first,
		      sizeof first, report, problems, err) != DL_OK)
		goto fail;
	if (*problems && s->health != STORE_DAMAGED &&
	    store_mark_damaged(s, first, *problems, err) != DL_OK)
		goto fail;
	return DL_OK;
fail:
	if (report) {
		free(*report);
		*report = NULL;
	}
	return DL_ERR;
}
