/*
 * internal.h - what the store's files share: the connection struct and
 * small wrappers that turn SQLite's result codes into struct dl_error.
 * Not for use outside src/store.
 */
#ifndef DL_STORE_INTERNAL_H
#define DL_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

struct store {
	sqlite3 *db;
	char path[4096];
};

/* Wall-clock time, unix seconds. */
double store_now(void);

/* Fill err with what SQLite says went wrong while doing `what`; DL_ERR. */
int store_fail(struct store *s, const char *what, struct dl_error *err);

/* Prepare sql, or fail naming `what`. */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st, const char *what,
		  struct dl_error *err);

/* Run statements without results (BEGIN, COMMIT, DDL). */
int store_exec(struct store *s, const char *sql, const char *what, struct dl_error *err);

/* BEGIN IMMEDIATE: take the write lock now, waiting out the busy timeout,
 * so a read-then-write transaction cannot be overtaken by another writer. */
int store_begin(struct store *s, struct dl_error *err);
int store_commit(struct store *s, struct dl_error *err);
void store_rollback(struct store *s);

/* Bind a double that may be NaN as NULL; read a NULL column back as NaN. */
void store_bind_real(sqlite3_stmt *st, int i, double v);
double store_column_real(sqlite3_stmt *st, int i);

/* Copy a text column into buf ("" for NULL). */
void store_column_text(sqlite3_stmt *st, int i, char *buf, size_t size);

#endif
