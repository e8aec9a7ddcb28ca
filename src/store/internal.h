/*
 * internal.h - what the store's files share: the connection, and small
 * wrappers that turn SQLite's result codes into a struct dl_error.
 * Not for use outside src/store.
 */
#ifndef DL_STORE_INTERNAL_H
#define DL_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

/* One connection, used by one thread at a time (SQLITE_OPEN_NOMUTEX). */
struct store {
	sqlite3 *db;
	char path[4096];        /* DIR/runs.db */
	enum store_health health;       /* what store_open found */
	char health_why[1024];  /* its sentence for the person; "" when healthy */
	int pages_checked;      /* store_check has run on this connection: it
				 * runs before the first write, so nothing is
				 * written into damage the open check missed */
};

/* The store's health (health.c, which calls SQLite and nothing else of
 * the store's). store_set_health: the state and the sentence
 * store_health() gives. store_is_damage: whether an SQLite result code
 * means a damaged file. store_mark_damaged: the store is damaged (first is
 * the first problem found, of problems): it is read from then on, and
 * PRAGMA query_only makes SQLite refuse every write, since writing into a
 * damaged b-tree spreads the damage. store_run_check: run a check pragma,
 * keeping the first problem in first, appending each to *report (when not
 * NULL) and counting them in *problems; a check that cannot go on (damage
 * it cannot step over) is a problem too. */
void store_set_health(struct store *s, enum store_health h, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int store_is_damage(int code);
int store_mark_damaged(struct store *s, const char *first, int problems, struct dl_error *err);
int store_run_check(struct store *s, const char *sql, char *first, size_t first_size,
		    char **report, int *problems, struct dl_error *err);

/* Whether the store refuses every write (read-only or damaged): store_begin
 * refuses at once, and store_fail explains a refused write with the
 * store's health rather than SQLite's "readonly database". */
int store_refuses_writes(const struct store *s);

/* Build a new, empty database of the current schema at path, whole, before
 * it appears there (schema.c); an existing file is left as it is. */
int store_create_file(const char *path, struct dl_error *err);

/* Wall-clock time, unix seconds. */
double store_now(void);

/* The same in SQL, for statements whose time depends on the row's own
 * state (a pending cancel ends a run now). Millisecond resolution; SQLite
 * keeps it constant within one statement. */
#define STORE_NOW_SQL "((julianday('now') - 2440587.5) * 86400.0)"

/* Fill err with "PATH: WHAT: sqlite's message"; returns DL_ERR. A write
 * refused by a read-only or damaged store gets the store's health
 * sentence instead of SQLite's message, and a failure from damage found
 * on the way (SQLITE_CORRUPT) says what to do about it. */
int store_fail(struct store *s, const char *what, struct dl_error *err);

/* Prepare sql, or fail naming `what` (*st is NULL then). */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st, const char *what,
		  struct dl_error *err);

/* Step a statement that returns no rows and finalize it; *changes (may be
 * NULL) receives how many rows it changed. */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what, int *changes,
		    struct dl_error *err);

/* Run statements without results (DDL, PRAGMAs). */
int store_exec(struct store *s, const char *sql, const char *what, struct dl_error *err);

/* BEGIN IMMEDIATE: take the write lock before reading, so that a
 * read-then-write transaction (a claim) cannot be overtaken by another
 * writer. Busy is waited out by the busy timeout, then retried a few times.
 * A connection's first transaction checks every page first (store_check),
 * and is refused when one is damaged. */
int store_begin(struct store *s, struct dl_error *err);
/* COMMIT, rolling back when it fails. */
int store_commit(struct store *s, struct dl_error *err);
/* Roll back the open transaction, if any. */
void store_rollback(struct store *s);

/* Insert one run, its YAML and its summary, inside the caller's
 * transaction (queue.c). */
int store_insert_run(struct store *s, const struct store_new_run *r, double now, int64_t *id,
		     struct dl_error *err);

/* "no run ID"; returns DL_ERR. */
int store_no_run(int64_t id, struct dl_error *err);

/* Whether run id exists (*exists): tells "no such run" from "nothing to
 * change" after an UPDATE that changed nothing. */
int store_run_exists(struct store *s, int64_t id, int *exists, struct dl_error *err);

/* Step an UPDATE of one run (already bound, finalized here) and fail with
 * "no run ID" when it changed no row. */
int store_update_run(struct store *s, sqlite3_stmt *st, int64_t id, const char *what,
		     struct dl_error *err);

/* UPDATE ... WHERE id = ?1 of one run with one text (or NULL) or integer
 * parameter ?2; "no run ID" when there is no such run. */
int store_update_text(struct store *s, const char *sql, int64_t id, const char *text,
		      const char *what, struct dl_error *err);
int store_update_int(struct store *s, const char *sql, int64_t id, int64_t value,
		     const char *what, struct dl_error *err);

/* Bind a double that may be NaN as NULL; read a NULL column back as NaN. */
void store_bind_real(sqlite3_stmt *st, int i, double v);
double store_column_real(sqlite3_stmt *st, int i);

/* Bind text that may be NULL (binds NULL). */
void store_bind_text(sqlite3_stmt *st, int i, const char *text);

/* A checkpoint path as stored: relative to the store's directory when it
 * lies inside it ("checkpoints/run-3.model"), so that a store moved
 * elsewhere still finds its checkpoints; any other path as given. */
void store_checkpoint_relative(const struct store *s, const char *path, char *out,
			       size_t size);

/* A stored checkpoint path made usable: a relative one is joined to the
 * store's directory. An absolute one that is gone (written by a digitlab
 * that stored absolute paths, in a store since moved) is looked for in
 * this store's checkpoints directory under its own file name. "" stays "". */
void store_checkpoint_resolve(const struct store *s, const char *stored, char *out,
			      size_t size);

/* Copy a text column into buf ("" for NULL), cut to fit. */
void store_column_text(sqlite3_stmt *st, int i, char *buf, size_t size);

/* INSERT OR REPLACE the run's summary, inside the caller's transaction or
 * on its own; the run must exist (the foreign key says so otherwise). */
int store_write_summary(struct store *s, int64_t id, const char *text, struct dl_error *err);

/* Request names as stored in runs.request ("none", "cancel", "stop"). */
const char *store_request_name(enum store_request req);
enum store_request store_request_from_name(const char *name);

#endif
