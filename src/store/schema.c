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
#define WAL_ATTEMPTS 5

/*
 * Migration i takes a database from version i to i + 1; store_open applies
 * the missing ones in order, in one transaction. To change the schema, add
 * a step and raise STORE_SCHEMA_VERSION; never edit a step that has been
 * released, since databases out there are already past it.
 *
 * Layout choices:
 *  - The YAML lives in its own table (specs), not in runs: `digitlab ls`
 *    reads every runs row, and a few kilobytes of YAML per row would make
 *    it read (and overflow-chain through) megabytes it never shows. For the
 *    same reason the long texts of runs (checkpoint, message, notes) come
 *    last in the row, after everything a listing reads.
 *  - Statuses and requests are words, not numbers, so that the database
 *    explains itself to the sqlite3 shell; CHECK keeps them to the known set.
 *  - runs_claimable is a partial index in claim order: a claim walks it
 *    and stops at the first run whose `after` run is done.
 *  - Large blobs (pixels, artifacts) are in rowid tables; WITHOUT ROWID only
 *    for small rows, where it saves the second b-tree.
 */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE sweeps (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT,"
	" created REAL NOT NULL);"
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" name TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running',"
	"  'done', 'failed', 'diverged', 'cancelled', 'interrupted', 'paused')),"
	" priority INTEGER NOT NULL DEFAULT 0,"
	" after_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,"
	" sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL,"
	" sweep_point TEXT, repeat_index INTEGER NOT NULL DEFAULT 0,"
	" threads INTEGER NOT NULL DEFAULT 1, params INTEGER NOT NULL DEFAULT 0,"
	" created REAL NOT NULL, started REAL, finished REAL, worker TEXT, heartbeat REAL,"
	" request TEXT NOT NULL DEFAULT 'none' CHECK (request IN ('none', 'cancel', 'stop')),"
	" epoch INTEGER NOT NULL DEFAULT 0, batch INTEGER NOT NULL DEFAULT 0,"
	" batches INTEGER NOT NULL DEFAULT 0, samples_per_s REAL, eta_s REAL, progress_at REAL,"
	" epochs INTEGER NOT NULL DEFAULT 0, loss REAL, accuracy REAL, val_loss REAL,"
	" val_accuracy REAL, test_loss REAL, test_accuracy REAL, best_val_accuracy REAL,"
	" seconds REAL, checkpoint TEXT, message TEXT, notes TEXT);"
	"CREATE TABLE specs ("
	" run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,"
	" yaml TEXT NOT NULL);"
	"CREATE INDEX runs_claimable ON runs(priority DESC, id)"
	" WHERE status IN ('queued', 'interrupted');"
	"CREATE INDEX runs_status ON runs(status);"
	"CREATE INDEX runs_name ON runs(name);"
	"CREATE INDEX runs_after ON runs(after_id) WHERE after_id IS NOT NULL;"
	"CREATE INDEX runs_sweep ON runs(sweep_id) WHERE sweep_id IS NOT NULL;"
	"CREATE TABLE epochs ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" epoch INTEGER NOT NULL, loss REAL, accuracy REAL, val_loss REAL,"
	" val_accuracy REAL, lr REAL, seconds REAL, events TEXT,"
	" PRIMARY KEY (run_id, epoch)) WITHOUT ROWID;"
	"CREATE TABLE tags ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" tag TEXT NOT NULL, PRIMARY KEY (run_id, tag)) WITHOUT ROWID;"
	"CREATE INDEX tags_tag ON tags(tag, run_id);"
	"CREATE TABLE confusion ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" split TEXT NOT NULL, n_classes INTEGER NOT NULL, counts BLOB NOT NULL,"
	" PRIMARY KEY (run_id, split)) WITHOUT ROWID;"
	"CREATE TABLE misclassified ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" split TEXT NOT NULL, idx INTEGER NOT NULL, truth INTEGER NOT NULL,"
	" predicted INTEGER NOT NULL, confidence REAL, h INTEGER NOT NULL, w INTEGER NOT NULL,"
	" pixels BLOB NOT NULL, saliency BLOB, UNIQUE (run_id, split, idx));"
	"CREATE TABLE artifacts ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, h INTEGER NOT NULL, w INTEGER NOT NULL, data BLOB,"
	" UNIQUE (run_id, name));",
	/* 1 -> 2: what the dashboard shows of a run's model, so that it never
	 * loads a checkpoint: the first weighted layer's weight images (one row
	 * per run, replaced every epoch) and the model summary */
	"CREATE TABLE weights ("
	" run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,"
	" layer INTEGER NOT NULL, epoch INTEGER NOT NULL, n INTEGER NOT NULL,"
	" h INTEGER NOT NULL, w INTEGER NOT NULL, unit_name TEXT NOT NULL,"
	" pixels BLOB NOT NULL);"
	"CREATE TABLE summaries ("
	" run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,"
	" text TEXT NOT NULL);",
	/* 2 -> 3: class names, for data sets whose classes are not digits */
	"CREATE TABLE classes ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" label INTEGER NOT NULL, name TEXT NOT NULL,"
	" PRIMARY KEY (run_id, label)) WITHOUT ROWID;",
	/* 3 -> 4: the epochs a run is to train, for its progress */
	"ALTER TABLE runs ADD COLUMN planned_epochs INTEGER NOT NULL DEFAULT 0;",
	/* 4 -> 5: sweeps that search and prune. A status 'pruned' joins the
	 * CHECK of runs.status. SQLite cannot alter a CHECK, and rebuilding
	 * runs is not possible here: with foreign keys on (they cannot be
	 * turned off inside the migration's transaction) dropping it would
	 * delete every run's history. Widening an IN list leaves every stored
	 * row valid, the case for which SQLite's ALTER TABLE page allows
	 * editing sqlite_schema; the ALTER TABLEs after it change the schema
	 * cookie, so every connection (this one too) reads the new text. The
	 * edit comes first: ADD COLUMN splices the text at offsets taken from
	 * the parsed schema. */
	"PRAGMA writable_schema = ON;"
	"UPDATE sqlite_schema SET sql = replace(sql, '''paused'')', '''paused'', ''pruned'')')"
	" WHERE type = 'table' AND name = 'runs';"
	"PRAGMA writable_schema = OFF;"
	"ALTER TABLE sweeps ADD COLUMN objective TEXT NOT NULL DEFAULT 'val_accuracy';"
	"ALTER TABLE sweeps ADD COLUMN maximize INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE sweeps ADD COLUMN constraint_metric TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE sweeps ADD COLUMN constraint_at_least INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE sweeps ADD COLUMN constraint_value REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE sweeps ADD COLUMN search TEXT NOT NULL DEFAULT 'grid';"
	"ALTER TABLE sweeps ADD COLUMN planned_points INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sweeps ADD COLUMN prune TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE sweeps ADD COLUMN prune_min_epochs INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE sweeps ADD COLUMN prune_factor INTEGER NOT NULL DEFAULT 3;"
	"ALTER TABLE sweeps ADD COLUMN prune_min_runs INTEGER NOT NULL DEFAULT 5;"
	"ALTER TABLE sweeps ADD COLUMN stopped INTEGER NOT NULL DEFAULT 0;"
	/* a growing sweep's experiment, to make its next points from */
	"ALTER TABLE sweeps ADD COLUMN source TEXT;"
	"ALTER TABLE sweeps ADD COLUMN source_path TEXT;"
	"ALTER TABLE sweeps ADD COLUMN source_sets TEXT;"
	/* a run's coordinates in its sweep's search space */
	"ALTER TABLE runs ADD COLUMN sweep_values TEXT;",
	/* 5 -> 6: answers sample by sample: a split's labels, every epoch's
	 * answers, and the digits of the samples that were ever wrong */
	"CREATE TABLE sample_sets ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" split TEXT NOT NULL, n INTEGER NOT NULL, n_classes INTEGER NOT NULL,"
	" h INTEGER NOT NULL, w INTEGER NOT NULL, fingerprint INTEGER NOT NULL,"
	" labels BLOB NOT NULL, PRIMARY KEY (run_id, split));"
	"CREATE TABLE answers ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" split TEXT NOT NULL, epoch INTEGER NOT NULL, predicted BLOB NOT NULL,"
	" confidence BLOB, PRIMARY KEY (run_id, split, epoch));"
	"CREATE TABLE digits ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" split TEXT NOT NULL, idx INTEGER NOT NULL, pixels BLOB NOT NULL,"
	" PRIMARY KEY (run_id, split, idx));",
	/* 6 -> 7: where a run trains when not in a local worker: its executor
	 * ('slurm'), the scheduler's job and node, and how far its spool log
	 * has been imported. A run without a row trained locally. */
	"CREATE TABLE jobs ("
	" run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,"
	" executor TEXT NOT NULL, job_name TEXT NOT NULL DEFAULT '',"
	" job_id INTEGER NOT NULL DEFAULT 0, array_task INTEGER NOT NULL DEFAULT -1,"
	" node TEXT NOT NULL DEFAULT '', state TEXT NOT NULL DEFAULT '',"
	" spool_offset INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
	" submitted REAL);",
	/* 7 -> 8: the peak memory of the process that trained a run (bytes;
	 * NULL: not known, as for every run trained before) */
	"ALTER TABLE runs ADD COLUMN peak_rss INTEGER;",
};

/* ---- the directory and the file ---- */

int store_default_dir(char *buf, size_t size, struct dl_error *err)
{
	const char *v;
	int n;

	if ((v = getenv("DIGITLAB_HOME")) && *v)
		n = snprintf(buf, size, "%s", v);
	else if ((v = getenv("XDG_DATA_HOME")) && *v)
		n = snprintf(buf, size, "%s/digitlab", v);
	else if ((v = getenv("HOME")) && *v)
		n = snprintf(buf, size, "%s/.local/share/digitlab", v);
	else
		return dl_error_set(err, "no store directory: set DIGITLAB_HOME or HOME");
	if (n < 0 || (size_t)n >= size)
		return dl_error_set(err, "the store directory's path is too long");
	return DL_OK;
}

/* One directory of the path: made 0700 when missing. The mode is set
 * explicitly because mkdir's is filtered through the umask. */
static int make_dir(const char *path, struct dl_error *err)
{
	if (mkdir(path, 0700) == 0) {
		if (chmod(path, 0700) != 0)
			return dl_error_set(err, "%s: %s", path, strerror(errno));
		return DL_OK;
	}
	if (errno != EEXIST)
		return dl_error_set(err, "%s: cannot create the directory: %s", path,
				    strerror(errno));
	return DL_OK;
}

/* mkdir -p, then make sure the store directory itself is private. */
static int make_dirs(const char *dir, struct dl_error *err)
{
	char buf[4096];
	struct stat st;

	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
		return dl_error_set(err, "%s: path too long", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		if (make_dir(buf, err) != DL_OK)
			return DL_ERR;
		*p = '/';
	}
	if (make_dir(buf, err) != DL_OK)
		return DL_ERR;
	if (stat(dir, &st) != 0)
		return dl_error_set(err, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return dl_error_set(err, "%s: not a directory", dir);
	/* A store directory someone else can read is made private, when it is
	 * ours to change; a shared sticky directory such as /tmp is left alone
	 * (the file itself is 0600 in any case). */
	if ((st.st_mode & 077) && st.st_uid == geteuid() && !(st.st_mode & S_ISVTX) &&
	    chmod(dir, 0700) != 0)
		return dl_error_set(err, "%s: cannot make it 0700: %s", dir, strerror(errno));
	return DL_OK;
}

/* Take group and other access away from an existing file; a file that is
 * not there is fine. Nothing is ever added: a file its owner made
 * read-only (0400) stays so, and is opened for reading.
 * This works on the path, never on a descriptor: POSIX record locks belong
 * to the process, and closing any descriptor of the database drops every
 * lock SQLite holds on it for the other connections of this process, which
 * can corrupt the database (SQLite's "How To Corrupt" notes, section 2.2). */
static int private_mode(const char *path, struct dl_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno == ENOENT ? DL_OK : dl_error_set(err, "%s: %s", path, strerror(errno));
	if ((st.st_mode & 077) && st.st_uid == geteuid() &&
	    chmod(path, st.st_mode & 0700) != 0)
		return dl_error_set(err, "%s: cannot make it private: %s", path, strerror(errno));
	return DL_OK;
}

/* The database and its -wal and -shm (which SQLite creates with the
 * database's mode): kept private. */
static int secure_files(const char *path, struct dl_error *err)
{
	static const char *const suffixes[] = {"-wal", "-shm"};
	char side[4200];

	if (private_mode(path, err) != DL_OK)
		return DL_ERR;
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
		if (private_mode(side, err) != DL_OK)
			return DL_ERR;
	}
	return DL_OK;
}

/* ---- the schema ---- */

static int schema_version(struct store *s, int *version, struct dl_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, "PRAGMA user_version", &st, "cannot read the schema version",
			  err) != DL_OK)
		return DL_ERR;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_fail(s, "cannot read the schema version", err);
		sqlite3_finalize(st);
		return DL_ERR;
	}
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return DL_OK;
}

static int too_new(struct store *s, int version, struct dl_error *err)
{
	return dl_error_set(err, "%s: the store is of schema version %d, newer than this "
			    "digitlab knows (%d); it was left untouched", s->path, version,
			    STORE_SCHEMA_VERSION);
}

/* Bring the schema up to date. The version is read again under the write
 * lock: another process may have migrated since the first look. */
static int migrate(struct store *s, struct dl_error *err)
{
	char sql[64];
	int version;

	if (schema_version(s, &version, err) != DL_OK)
		return DL_ERR;
	if (version == STORE_SCHEMA_VERSION)
		return DL_OK;
	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (schema_version(s, &version, err) != DL_OK)
		goto fail;
	if (version > STORE_SCHEMA_VERSION) {
		too_new(s, version, err);
		goto fail;
	}
	for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
		if (store_exec(s, migrations[v], "cannot upgrade the schema", err) != DL_OK) {
			dl_error_prefix(err, "migration %d -> %d", v, v + 1);
			goto fail;
		}
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	if (store_exec(s, sql, "cannot set the schema version", err) != DL_OK)
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return DL_ERR;
}

/* Switch to WAL. It is persistent, so this changes the file only once; a
 * connection opening the file at the same moment may hold it briefly. */
static int use_wal(struct store *s, struct dl_error *err)
{
	sqlite3_stmt *st;
	char mode[16] = "";
	int rc = SQLITE_BUSY;

	for (int i = 0; i < WAL_ATTEMPTS && (rc & 0xff) == SQLITE_BUSY; i++) {
		if (store_prepare(s, "PRAGMA journal_mode = WAL", &st, "cannot use WAL mode",
				  err) != DL_OK)
			return DL_ERR;
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			store_column_text(st, 0, mode, sizeof mode);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_ROW)
		return store_fail(s, "cannot use WAL mode", err);
	/* WAL needs shared memory; some network file systems refuse it */
	if (strcmp(mode, "wal") != 0)
		return dl_error_set(err, "%s: cannot use WAL mode (the journal stays '%s'); "
				    "is the store on a network file system?", s->path, mode);
	return DL_OK;
}

/* A file that cannot even be opened as a database (its header or schema
 * is unreadable): nothing can be read, only recovered. */
static int damaged_past_opening(struct store *s, const char *what, struct dl_error *err)
{
	dl_error_set(err, "%s: %s: %s. The store is damaged past opening: 'digitlab store "
		     "recover' rebuilds what can be read of it (the damaged file is kept "
		     "beside it), or restore a backup", s->path, what, sqlite3_errmsg(s->db));
	return STORE_ERR_DAMAGED;
}

/*
 * At every open, the tables every command reads (the schema, the runs,
 * sweeps, tags and settings) are checked page by page with PRAGMA
 * quick_check(TABLE): their size grows with the number of runs, not with
 * what each run keeps, so the cost stays small (digitlab bench --store
 * measures it on 10,000 runs). The large tables (history, YAML, samples,
 * artifacts) are checked by store_check(), which a pool runs before it
 * writes anything and `digitlab store check` runs in full; a page of
 * theirs that a query trips over fails that query with SQLITE_CORRUPT,
 * which store_fail() explains.
 */
static int check_core_tables(struct store *s, struct dl_error *err)
{
	static const char *const tables[] = {"settings", "sweeps", "runs", "tags"};
	char first[300] = "", sql[64];
	int problems = 0;

	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		snprintf(sql, sizeof sql, "PRAGMA quick_check(%s)", tables[i]);
		if (store_run_check(s, sql, first, sizeof first, NULL, &problems, err) != DL_OK)
			return DL_ERR;
	}
	return problems ? store_mark_damaged(s, first, problems, err) : DL_OK;
}

/* The connection's settings, and the schema, refusing a newer one before
 * anything is written: even switching to WAL rewrites the file's header.
 * A read-only or damaged store is only read: no WAL switch, no migration. */
static int configure(struct store *s, struct dl_error *err)
{
	int version, rc;

	sqlite3_busy_timeout(s->db, DEFAULT_BUSY_MS);
	if (store_exec(s, "PRAGMA foreign_keys = ON", "cannot enforce foreign keys", err) != DL_OK)
		return DL_ERR;
	if (schema_version(s, &version, err) != DL_OK)
		return store_is_damage(sqlite3_errcode(s->db)) ?
		       damaged_past_opening(s, "cannot read the schema", err) : DL_ERR;
	if (version > STORE_SCHEMA_VERSION) {
		/* leave the newer digitlab's write-ahead log to it */
		sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		return too_new(s, version, err);
	}
	if (version > 0 && (rc = check_core_tables(s, err)) != DL_OK)
		return rc;
	if (store_refuses_writes(s)) {
		if (version < STORE_SCHEMA_VERSION)
			return dl_error_set(err, "%s: the store is of schema version %d, older than "
					    "this digitlab's (%d), and cannot be upgraded: %s", s->path,
					    version, STORE_SCHEMA_VERSION, s->health_why);
		return DL_OK;
	}
	/* NORMAL is safe in WAL mode (a power cut may lose the last commits,
	 * never corrupt) and saves an fsync per progress update */
	if (use_wal(s, err) != DL_OK ||
	    store_exec(s, "PRAGMA synchronous = NORMAL", "cannot set synchronous", err) != DL_OK)
		return DL_ERR;
	return migrate(s, err);
}

/* Whether path exists and this process may write it. */
static int can_write(const char *path)
{
	return access(path, W_OK) == 0;
}

/* A store is written through the file and, in WAL mode, its -wal and -shm
 * beside it, which SQLite creates in the directory when they are missing. */
static int store_writable(const char *path)
{
	char dir[4096], wal[4200], shm[4200];
	char *slash;

	if (!can_write(path))
		return 0;
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(shm, sizeof shm, "%s-shm", path);
	return can_write(slash ? dir : ".") || (can_write(wal) && can_write(shm));
}

/* The file as a URI that opens it immutable: no locks and no -shm, which
 * SQLite cannot create in a directory it cannot write. */
static void immutable_uri(const char *path, char *uri, size_t size)
{
	size_t used = (size_t)snprintf(uri, size, "file:");

	for (const char *p = path; *p && used + 4 < size; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			used += (size_t)snprintf(uri + used, size - used, "%%%02X", (unsigned char)*p);
		else
			uri[used++] = *p;
	}
	snprintf(uri + used, size - used, "?immutable=1");
}

/* Open s->path for reading only. A store in WAL mode needs its -shm; when
 * it cannot be made and there is no log to read, the file is opened
 * immutable, which is right for a store nobody can write either. */
static int open_read_only(struct store *s, struct dl_error *err)
{
	char wal[4200], uri[8400];
	struct stat st;

	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
			    NULL) == SQLITE_OK &&
	    sqlite3_exec(s->db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL) ==
		    SQLITE_OK)
		return DL_OK;
	if (!s->db || store_is_damage(sqlite3_errcode(s->db)))
		return DL_OK;   /* configure() reads and reports it */
	snprintf(wal, sizeof wal, "%s-wal", s->path);
	if (stat(wal, &st) == 0 && st.st_size > 0)
		return dl_error_set(err, "%s: cannot be read: it is read-only, and its write-ahead "
				    "log needs a -shm file that cannot be made in its directory",
				    s->path);
	sqlite3_close(s->db);
	s->db = NULL;
	immutable_uri(s->path, uri, sizeof uri);
	if (sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return dl_error_set(err, "%s: %s", s->path,
				    s->db ? sqlite3_errmsg(s->db) : "cannot open");
	return DL_OK;
}

/*
 * The log ends inside a frame (each frame is a 24-byte header and a page,
 * after the log's own 32-byte header): a crash cut a write off, or the
 * file was cut short. SQLite stops at the last whole commit and says
 * nothing; we say what was lost, looking again under the write lock (a
 * writer appends a frame in two writes, so a look without it may catch
 * one half done), and checkpoint the log away so that the next opener is
 * not told again.
 */
static long wal_tail(const struct store *s, int page_size)
{
	char wal[4200];
	struct stat st;

	snprintf(wal, sizeof wal, "%s-wal", s->path);
	if (stat(wal, &st) != 0 || st.st_size == 0)
		return 0;
	if (st.st_size < 32)
		return (long)st.st_size;
	return (long)((st.st_size - 32) % (page_size + 24));
}

static int check_wal(struct store *s, struct dl_error *err)
{
	sqlite3_stmt *st;
	int page_size = 0;
	long tail;

	if (store_prepare(s, "PRAGMA page_size", &st, "cannot read the page size", err) != DL_OK)
		return DL_ERR;
	if (sqlite3_step(st) == SQLITE_ROW)
		page_size = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (page_size <= 0 || !wal_tail(s, page_size))
		return DL_OK;
	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	tail = wal_tail(s, page_size);
	store_rollback(s);
	if (!tail)
		return DL_OK;
	store_set_health(s, STORE_LOG_CUT, "%s-wal ended inside a frame (its last %ld bytes): a "
			 "crash cut a write off, or the log was cut short. Any change committed "
			 "after its last whole frame is lost; the store is as it was before it",
			 s->path, tail);
	/* a reader still in the log keeps it; the next opener is told again */
	sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return DL_OK;
}

/* Open s->path and bring it up to date; a file this process cannot write
 * is opened for reading (STORE_READ_ONLY). */
static int connect(struct store *s, struct dl_error *err)
{
	int rc;

	if (!store_writable(s->path)) {
		store_set_health(s, STORE_READ_ONLY, "%s cannot be written (the file or its "
				 "directory is read-only): it is read, but nothing is written to it",
				 s->path);
		if (open_read_only(s, err) != DL_OK)
			return DL_ERR;
		return configure(s, err);
	}
	/* NOMUTEX: a store belongs to one thread, so SQLite's own locking of
	 * the connection would only cost */
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return dl_error_set(err, "%s: %s", s->path,
				    s->db ? sqlite3_errmsg(s->db) : "cannot open");
	if ((rc = configure(s, err)) != DL_OK)
		return rc;
	return s->health == STORE_HEALTHY ? check_wal(s, err) : DL_OK;
}

/*
 * A new database is built whole under a private name (mkstemp: mode 0600)
 * and then linked into place, so that no connection ever sees it half made.
 * Letting every opener race to set up an empty file instead (WAL switch and
 * first schema at once) corrupted it in our concurrency test: an empty file
 * has no header to say it is in WAL mode, and connections disagree. Nor may
 * we open() the live database ourselves: POSIX record locks belong to the
 * process, and closing any descriptor of the file drops the locks SQLite
 * holds on it for the other connections of this process. When link() finds
 * the name taken, another opener was first, and its database is used.
 */
static int create_database(const char *path, struct dl_error *err)
{
	struct store tmp = {0};
	struct stat st;
	int fd, rc;

	if (stat(path, &st) == 0) {
		/* never made by us (a new database is linked into place whole):
		 * the store's contents were lost, and it must not silently
		 * start again empty */
		if (st.st_size == 0)
			return dl_error_set(err, "%s is empty (0 bytes): the store it held is lost. "
					    "Restore a backup (digitlab store backup makes one), or "
					    "remove the file to start an empty store", path),
			       STORE_ERR_DAMAGED;
		return DL_OK;
	}
	if (errno != ENOENT)
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	if (snprintf(tmp.path, sizeof tmp.path, "%s.new-XXXXXX", path) >= (int)sizeof tmp.path)
		return dl_error_set(err, "%s: path too long", path);
	fd = mkstemp(tmp.path);
	if (fd < 0)
		return dl_error_set(err, "%s: cannot create the database: %s", path,
				    strerror(errno));
	close(fd);
	rc = connect(&tmp, err);
	sqlite3_close(tmp.db);  /* checkpoints and removes the temporary -wal, -shm */
	if (rc == DL_OK && link(tmp.path, path) != 0 && errno != EEXIST)
		rc = dl_error_set(err, "%s: cannot create the database: %s", path,
				  strerror(errno));
	unlink(tmp.path);
	return rc;
}

int store_create_file(const char *path, struct dl_error *err)
{
	return create_database(path, err);
}

int store_open(struct store **out, const char *dir, struct dl_error *err)
{
	char dbuf[4096];
	struct store *s;
	int rc;

	*out = NULL;
	if (!dir) {
		if (store_default_dir(dbuf, sizeof dbuf, err) != DL_OK)
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
	if ((rc = create_database(s->path, err)) != DL_OK ||
	    (rc = secure_files(s->path, err)) != DL_OK || (rc = connect(s, err)) != DL_OK) {
		store_close(s);
		return rc;
	}
	*out = s;
	return DL_OK;
}

enum store_health store_health(const struct store *s, char *why, size_t size)
{
	if (why && size)
		snprintf(why, size, "%s", s->health_why);
	return s->health;
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

	if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}
