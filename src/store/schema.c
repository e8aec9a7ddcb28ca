/* Opening a store: the directory and file modes, the connection settings,
 * the schema and its migrations (store.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/internal.h"

#define DEFAULT_BUSY_MS 5000

/* Migration i takes a database from version i to i + 1. Add a step to move
 * the schema on; never edit one that has shipped. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" name TEXT NOT NULL, yaml TEXT NOT NULL,"
	" status TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 0,"
	" after_id INTEGER, sweep_id INTEGER, sweep_point TEXT,"
	" repeat_index INTEGER NOT NULL DEFAULT 0, threads INTEGER NOT NULL DEFAULT 1,"
	" params INTEGER NOT NULL DEFAULT 0,"
	" created REAL NOT NULL, started REAL, finished REAL,"
	" worker TEXT, heartbeat REAL, request INTEGER NOT NULL DEFAULT 0,"
	" epoch INTEGER NOT NULL DEFAULT 0, batch INTEGER NOT NULL DEFAULT 0,"
	" batches INTEGER NOT NULL DEFAULT 0, samples_per_s REAL, eta_s REAL,"
	" epochs INTEGER NOT NULL DEFAULT 0,"
	" loss REAL, accuracy REAL, val_loss REAL, val_accuracy REAL,"
	" test_loss REAL, test_accuracy REAL, best_val_accuracy REAL, seconds REAL,"
	" message TEXT, checkpoint TEXT, notes TEXT);"
	"CREATE INDEX runs_queue ON runs(status, priority DESC, id);"
	"CREATE INDEX runs_name ON runs(name);"
	"CREATE TABLE epochs ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" epoch INTEGER NOT NULL, loss REAL, accuracy REAL, val_loss REAL,"
	" val_accuracy REAL, lr REAL, seconds REAL, events TEXT,"
	" PRIMARY KEY (run_id, epoch)) WITHOUT ROWID;"
	"CREATE TABLE tags ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" tag TEXT NOT NULL, PRIMARY KEY (run_id, tag)) WITHOUT ROWID;"
	"CREATE INDEX tags_tag ON tags(tag);"
	"CREATE TABLE confusion ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" split TEXT NOT NULL, n INTEGER NOT NULL, counts BLOB NOT NULL,"
	" PRIMARY KEY (run_id, split)) WITHOUT ROWID;"
	"CREATE TABLE misclassified ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" split TEXT NOT NULL, idx INTEGER NOT NULL, truth INTEGER NOT NULL,"
	" predicted INTEGER NOT NULL, confidence REAL, h INTEGER NOT NULL,"
	" w INTEGER NOT NULL, pixels BLOB NOT NULL, saliency BLOB,"
	" PRIMARY KEY (run_id, split, idx)) WITHOUT ROWID;"
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;",
};

double store_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int store_fail(struct store *s, const char *what, struct dl_error *err)
{
	return dl_error_set(err, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st, const char *what,
		  struct dl_error *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return store_fail(s, what, err);
	}
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
	return store_exec(s, "BEGIN IMMEDIATE", "cannot start a transaction", err);
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

void store_column_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

static const char *const status_names[] = {
	[STORE_QUEUED] = "queued", [STORE_RUNNING] = "running", [STORE_DONE] = "done",
	[STORE_FAILED] = "failed", [STORE_DIVERGED] = "diverged",
	[STORE_CANCELLED] = "cancelled", [STORE_INTERRUPTED] = "interrupted",
	[STORE_PAUSED] = "paused",
};

const char *store_status_name(enum store_status st)
{
	if ((int)st < 0 || (size_t)st >= sizeof status_names / sizeof status_names[0])
		return "?";
	return status_names[st];
}

int store_status_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
		if (!strcmp(name, status_names[i]))
			return (int)i;
	return -1;
}

/* ---- the directory and the file ---- */

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *dir, struct dl_error *err)
{
	char buf[4096];

	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
		return dl_error_set(err, "%s: path too long", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return dl_error_set(err, "%s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return dl_error_set(err, "%s: %s", buf, strerror(errno));
	return DL_OK;
}

static int default_dir(char *buf, size_t size, struct dl_error *err)
{
	const char *v;

	if ((v = getenv("DIGITLAB_HOME")) && *v)
		snprintf(buf, size, "%s", v);
	else if ((v = getenv("XDG_DATA_HOME")) && *v)
		snprintf(buf, size, "%s/digitlab", v);
	else if ((v = getenv("HOME")) && *v)
		snprintf(buf, size, "%s/.local/share/digitlab", v);
	else
		return dl_error_set(err, "no store directory: set DIGITLAB_HOME or HOME");
	return DL_OK;
}

/* The directory 0700 and the database 0600, whoever made them: the store
 * holds people's experiments. The file is created here, before SQLite
 * opens it, so it never exists with a wider mode. */
static int secure_files(const char *dir, const char *path, struct dl_error *err)
{
	int fd;

	if (chmod(dir, 0700) != 0)
		return dl_error_set(err, "%s: %s", dir, strerror(errno));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	if (fchmod(fd, 0600) != 0) {
		close(fd);
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	}
	close(fd);
	return DL_OK;
}

/* ---- the schema ---- */

static int schema_version(struct store *s, int *version, struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, "PRAGMA user_version", &st, "cannot read the schema version",
			  err) != DL_OK)
		return DL_ERR;
	*version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return DL_OK;
}

static int migrate(struct store *s, struct dl_error *err)
{
	int version;
	char sql[64];

	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (schema_version(s, &version, err) != DL_OK)
		goto fail;
	if (version > STORE_SCHEMA_VERSION) {
		dl_error_set(err, "%s: the store is of schema version %d, newer than this "
			     "digitlab knows (%d); it was left untouched", s->path, version,
			     STORE_SCHEMA_VERSION);
		goto fail;
	}
	for (int v = version; v < STORE_SCHEMA_VERSION; v++)
		if (store_exec(s, migrations[v], "cannot upgrade the schema", err) != DL_OK)
			goto fail;
	if (version < STORE_SCHEMA_VERSION) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		if (store_exec(s, sql, "cannot set the schema version", err) != DL_OK)
			goto fail;
	}
	return store_commit(s, err);
fail:
	store_rollback(s);
	return DL_ERR;
}

int store_open(struct store **out, const char *dir, struct dl_error *err)
{
	char dbuf[4096];
	struct store *s;

	*out = NULL;
	if (!dir) {
		if (default_dir(dbuf, sizeof dbuf, err) != DL_OK)
			return DL_ERR;
		dir = dbuf;
	}
	if (make_dirs(dir, err) != DL_OK)
		return DL_ERR;
	s = calloc(1, sizeof *s);
	if (!s)
		return dl_error_set(err, "out of memory opening the store");
	if (snprintf(s->path, sizeof s->path, "%s/runs.db", dir) >= (int)sizeof s->path) {
		free(s);
		return dl_error_set(err, "%s: path too long", dir);
	}
	if (secure_files(dir, s->path, err) != DL_OK) {
		free(s);
		return DL_ERR;
	}
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		dl_error_set(err, "%s: %s", s->path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		store_close(s);
		return DL_ERR;
	}
	sqlite3_busy_timeout(s->db, DEFAULT_BUSY_MS);
	if (store_exec(s, "PRAGMA journal_mode = WAL", "cannot use WAL mode", err) != DL_OK ||
	    store_exec(s, "PRAGMA foreign_keys = ON", "cannot enforce foreign keys", err) != DL_OK ||
	    store_exec(s, "PRAGMA synchronous = NORMAL", "cannot set synchronous", err) != DL_OK ||
	    migrate(s, err) != DL_OK) {
		store_close(s);
		return DL_ERR;
	}
	*out = s;
	return DL_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

void store_set_busy_timeout(struct store *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms);
}

int64_t store_data_version(struct store *s)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}
