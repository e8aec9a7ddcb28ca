/* The small SQL helpers every file of the store uses (internal.h). */

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/internal.h"

#define BEGIN_ATTEMPTS 5        /* each waits out the busy timeout first */

double store_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int store_refuses_writes(const struct store *s)
{
	return s->health == STORE_READ_ONLY || s->health == STORE_DAMAGED;
}

int store_fail(struct store *s, const char *what, struct dl_error *err)
{
	int code = sqlite3_errcode(s->db) & 0xff;

	if (code == SQLITE_READONLY && store_refuses_writes(s))
		return dl_error_set(err, "%s: %s", what, s->health_why);
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return dl_error_set(err, "%s: %s: %s; the store is damaged: 'digitlab store "
				    "check' names the damage, 'digitlab store recover' rebuilds "
				    "what can be read", s->path, what, sqlite3_errmsg(s->db));
	return dl_error_set(err, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

int store_no_run(int64_t id, struct dl_error *err)
{
	return dl_error_set(err, "no run %lld", (long long)id);
}

/* The open check reads only the core tables (schema.c says why); before
 * its first write a connection reads every page, so that nothing is
 * written into damage that check missed. store_check marks the store
 * damaged when a page is, and every write is refused from then on. */
static int check_before_first_write(struct store *s, const char *what, struct dl_error *err)
{
	int problems;

	if (s->pages_checked)
		return DL_OK;
	if (store_check(s, 0, NULL, &problems, err) != DL_OK)
		return DL_ERR;
	if (problems)
		return dl_error_set(err, "%s: %s", what, s->health_why);
	return DL_OK;
}

int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st, const char *what,
		  struct dl_error *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return store_fail(s, what, err);
	}
	/* a statement that changes rows; the connection's own settings
	 * (PRAGMA journal_mode at open) are not data */
	if (!sqlite3_stmt_readonly(*st) && strncmp(sql, "PRAGMA", 6) != 0 &&
	    check_before_first_write(s, what, err) != DL_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return DL_ERR;
	}
	return DL_OK;
}

int store_step_done(struct store *s, sqlite3_stmt *st, const char *what, int *changes,
		    struct dl_error *err)
{
	int rc = sqlite3_step(st);

	/* the message must be read before finalize resets it */
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(s, what, err);
		sqlite3_finalize(st);
		return DL_ERR;
	}
	sqlite3_finalize(st);
	if (changes)
		*changes = sqlite3_changes(s->db);
	return DL_OK;
}

int store_exec(struct store *s, const char *sql, const char *what, struct dl_error *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, what, err);
	return DL_OK;
}

int store_begin(struct store *s, struct dl_error *err)
{
	int rc = SQLITE_BUSY;

	if (store_refuses_writes(s))
		return dl_error_set(err, "cannot start a transaction: %s", s->health_why);
	if (check_before_first_write(s, "cannot start a transaction", err) != DL_OK)
		return DL_ERR;
	/* The busy timeout already waits; retrying covers the rare busy
	 * answers SQLite gives without calling the busy handler (a WAL being
	 * recovered by another connection). */
	for (int i = 0; i < BEGIN_ATTEMPTS; i++) {
		rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
	}
	if (rc != SQLITE_OK)
		return store_fail(s, "cannot start a transaction", err);
	return DL_OK;
}

int store_commit(struct store *s, struct dl_error *err)
{
	if (store_exec(s, "COMMIT", "cannot commit", err) != DL_OK) {
		store_rollback(s);
		return DL_ERR;
	}
	return DL_OK;
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

void store_bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

double store_column_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

void store_bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* The store's directory: its path less "/runs.db". */
static size_t dir_length(const struct store *s)
{
	const char *slash = strrchr(s->path, '/');

	return slash ? (size_t)(slash - s->path) : 0;
}

void store_checkpoint_relative(const struct store *s, const char *path, char *out,
			       size_t size)
{
	size_t n = dir_length(s);

	if (n && !strncmp(path, s->path, n) && path[n] == '/' && path[n + 1])
		snprintf(out, size, "%s", path + n + 1);
	else
		snprintf(out, size, "%s", path);
}

void store_checkpoint_resolve(const struct store *s, const char *stored, char *out,
			      size_t size)
{
	int n = (int)dir_length(s);
	const char *base, *dir;

	if (!stored[0]) {
		snprintf(out, size, "%s", "");
		return;
	}
	if (stored[0] != '/') {
		snprintf(out, size, "%.*s/%s", n, s->path, stored);
		return;
	}
	snprintf(out, size, "%s", stored);
	base = strrchr(stored, '/');
	dir = strstr(stored, "/checkpoints/");
	if (access(stored, F_OK) != 0 && dir && dir + strlen("/checkpoints") == base) {
		char moved[4200];

		snprintf(moved, sizeof moved, "%.*s/checkpoints%s", n, s->path, base);
		if (access(moved, F_OK) == 0)
			snprintf(out, size, "%s", moved);
	}
}

void store_column_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

static const char *const status_names[] = {
	[STORE_QUEUED] = "queued", [STORE_RUNNING] = "running", [STORE_DONE] = "done",
	[STORE_FAILED] = "failed", [STORE_DIVERGED] = "diverged",
	[STORE_CANCELLED] = "cancelled", [STORE_INTERRUPTED] = "interrupted",
	[STORE_PAUSED] = "paused", [STORE_PRUNED] = "pruned",
};
#define N_STATUS (int)(sizeof status_names / sizeof status_names[0])

const char *store_status_name(enum store_status st)
{
	return (int)st >= 0 && (int)st < N_STATUS ? status_names[st] : "?";
}

int store_status_from_name(const char *name)
{
	for (int i = 0; i < N_STATUS; i++)
		if (!strcmp(name, status_names[i]))
			return i;
	return -1;
}

/* Only the requests a worker acts on are ever stored. */
const char *store_request_name(enum store_request req)
{
	switch (req) {
	case STORE_REQUEST_CANCEL: return "cancel";
	case STORE_REQUEST_STOP: return "stop";
	default: return "none";
	}
}

enum store_request store_request_from_name(const char *name)
{
	if (name && !strcmp(name, "cancel"))
		return STORE_REQUEST_CANCEL;
	if (name && !strcmp(name, "stop"))
		return STORE_REQUEST_STOP;
	return STORE_REQUEST_NONE;
}

int store_run_exists(struct store *s, int64_t id, int *exists, struct dl_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, "SELECT 1 FROM runs WHERE id = ?1", &st, "cannot read the run",
			  err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	*exists = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "cannot read the run", err);
		sqlite3_finalize(st);
		return DL_ERR;
	}
	sqlite3_finalize(st);
	return DL_OK;
}

int store_update_run(struct store *s, sqlite3_stmt *st, int64_t id, const char *what,
		      struct dl_error *err)
{
	int changes;

	if (store_step_done(s, st, what, &changes, err) != DL_OK)
		return DL_ERR;
	return changes ? DL_OK : store_no_run(id, err);
}

int store_update_text(struct store *s, const char *sql, int64_t id, const char *text,
		       const char *what, struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, sql, &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, text);
	return store_update_run(s, st, id, what, err);
}

int store_update_int(struct store *s, const char *sql, int64_t id, int64_t value,
		      const char *what, struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, sql, &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, value);
	return store_update_run(s, st, id, what, err);
}
