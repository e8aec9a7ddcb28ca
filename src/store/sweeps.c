/* Sweeps: what each is for and how it searches (store.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

int store_add_sweep(struct store *s, const char *name, int64_t *sweep_id,
		    struct dl_error *err)
{
	struct store_sweep sw = {.maximize = 1, .constraint_at_least = 1, .prune_min_epochs = 1,
				 .prune_factor = 3, .prune_min_runs = 5};

	snprintf(sw.name, sizeof sw.name, "%s", name ? name : "");
	snprintf(sw.objective, sizeof sw.objective, "val_accuracy");
	snprintf(sw.search, sizeof sw.search, "grid");
	return store_create_sweep(s, &sw, sweep_id, err);
}

int store_create_sweep(struct store *s, const struct store_sweep *sw, int64_t *sweep_id,
		       struct dl_error *err)
{
	const char *what = "cannot create the sweep";
	sqlite3_stmt *st;

	if (store_prepare(s, "INSERT INTO sweeps (name, created, objective, maximize, "
			  "constraint_metric, constraint_at_least, constraint_value, search, "
			  "planned_points, prune, prune_min_epochs, prune_factor, prune_min_runs, "
			  "stopped) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
			  "?14)", &st, what, err) != DL_OK)
		return DL_ERR;
	store_bind_text(st, 1, sw->name);
	sqlite3_bind_double(st, 2, store_now());
	store_bind_text(st, 3, sw->objective[0] ? sw->objective : "val_accuracy");
	sqlite3_bind_int(st, 4, sw->maximize != 0);
	store_bind_text(st, 5, sw->constraint_metric);
	sqlite3_bind_int(st, 6, sw->constraint_at_least != 0);
	sqlite3_bind_double(st, 7, sw->constraint_value);
	store_bind_text(st, 8, sw->search[0] ? sw->search : "grid");
	sqlite3_bind_int(st, 9, sw->planned_points);
	store_bind_text(st, 10, sw->prune);
	sqlite3_bind_int(st, 11, sw->prune_min_epochs);
	sqlite3_bind_int(st, 12, sw->prune_factor);
	sqlite3_bind_int(st, 13, sw->prune_min_runs);
	sqlite3_bind_int(st, 14, sw->stopped != 0);
	if (store_step_done(s, st, what, NULL, err) != DL_OK)
		return DL_ERR;
	*sweep_id = sqlite3_last_insert_rowid(s->db);
	return DL_OK;
}

int store_get_sweep(struct store *s, int64_t sweep_id, struct store_sweep *out,
		    struct dl_error *err)
{
	const char *what = "cannot read the sweep";
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	/* a sweep from before planned_points was kept has the runs it has */
	if (store_prepare(s, "SELECT id, name, objective, maximize, constraint_metric, "
			  "constraint_at_least, constraint_value, search, CASE WHEN planned_points "
			  "> 0 THEN planned_points ELSE (SELECT count(*) FROM runs WHERE sweep_id = "
			  "?1) END, prune, prune_min_epochs, prune_factor, prune_min_runs, stopped, "
			  "created FROM sweeps WHERE id = ?1", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, sweep_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		store_column_text(st, 1, out->name, sizeof out->name);
		store_column_text(st, 2, out->objective, sizeof out->objective);
		out->maximize = sqlite3_column_int(st, 3);
		store_column_text(st, 4, out->constraint_metric, sizeof out->constraint_metric);
		out->constraint_at_least = sqlite3_column_int(st, 5);
		out->constraint_value = sqlite3_column_double(st, 6);
		store_column_text(st, 7, out->search, sizeof out->search);
		out->planned_points = sqlite3_column_int(st, 8);
		store_column_text(st, 9, out->prune, sizeof out->prune);
		out->prune_min_epochs = sqlite3_column_int(st, 10);
		out->prune_factor = sqlite3_column_int(st, 11);
		out->prune_min_runs = sqlite3_column_int(st, 12);
		out->stopped = sqlite3_column_int(st, 13);
		out->created = sqlite3_column_double(st, 14);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return DL_OK;
	if (rc != SQLITE_DONE)
		return store_fail(s, what, err);
	return dl_error_set(err, "no sweep %lld", (long long)sweep_id);
}

int store_set_sweep_source(struct store *s, int64_t sweep_id, const char *text,
			   const char *path, const char *sets, struct dl_error *err)
{
	const char *what = "cannot keep the sweep's experiment";
	sqlite3_stmt *st;

	if (store_prepare(s, "UPDATE sweeps SET source = ?2, source_path = ?3, source_sets = ?4 "
			  "WHERE id = ?1", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, sweep_id);
	store_bind_text(st, 2, text);
	store_bind_text(st, 3, path);
	store_bind_text(st, 4, sets);
	return store_step_done(s, st, what, NULL, err);
}

static char *column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return strdup(t ? (const char *)t : "");
}

int store_get_sweep_source(struct store *s, int64_t sweep_id, char **text, char **path,
			   char **sets, struct dl_error *err)
{
	const char *what = "cannot read the sweep's experiment";
	sqlite3_stmt *st;
	int rc;

	*text = *path = *sets = NULL;
	if (store_prepare(s, "SELECT source, source_path, source_sets FROM sweeps WHERE id = ?1 "
			  "AND source IS NOT NULL", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, sweep_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*text = column_dup(st, 0);
		*path = column_dup(st, 1);
		*sets = column_dup(st, 2);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW && *text && *path && *sets)
		return DL_OK;
	free(*text);
	free(*path);
	free(*sets);
	*text = *path = *sets = NULL;
	if (rc == SQLITE_ROW)
		return dl_error_set(err, "out of memory reading sweep %lld", (long long)sweep_id);
	if (rc != SQLITE_DONE)
		return store_fail(s, what, err);
	return dl_error_set(err, "sweep %lld keeps no experiment to grow from",
			    (long long)sweep_id);
}

enum column_type { COLUMN_INT64, COLUMN_DOUBLE };

/* Step st to its end and finalise it, appending the first column of each
 * row to *out (an array of int64_t or double as type says, grown as
 * needed; *n items). On an error *out is freed and NULL, and *n is 0. */
static int collect_column(struct store *s, sqlite3_stmt *st, enum column_type type,
			  void **out, int *n, const char *what, struct dl_error *err)
{
	size_t size = type == COLUMN_INT64 ? sizeof(int64_t) : sizeof(double);
	int rc, cap = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			void *more = realloc(*out, size * (size_t)(cap = cap ? 2 * cap : 16));

			if (!more) {
				rc = SQLITE_NOMEM;
				break;
			}
			*out = more;
		}
		if (type == COLUMN_INT64)
			((int64_t *)*out)[(*n)++] = sqlite3_column_int64(st, 0);
		else
			((double *)*out)[(*n)++] = sqlite3_column_double(st, 0);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return DL_OK;
	free(*out);
	*out = NULL;
	*n = 0;
	if (rc == SQLITE_NOMEM)
		return dl_error_set(err, "out of memory: %s", what);
	return store_fail(s, what, err);
}

int store_list_growing(struct store *s, int ready_only, int64_t **ids, int *n,
		       struct dl_error *err)
{
	const char *what = "cannot read the growing sweeps";
	sqlite3_stmt *st;

	*ids = NULL;
	*n = 0;
	if (store_prepare(s, "SELECT w.id FROM sweeps w WHERE w.search = 'tpe' AND w.stopped = 0 "
			  "AND w.source IS NOT NULL AND w.planned_points > (SELECT count(*) FROM "
			  "runs r WHERE r.sweep_id = w.id) AND (?1 = 0 OR NOT EXISTS (SELECT 1 FROM "
			  "runs r WHERE r.sweep_id = w.id AND r.status IN ('queued', 'interrupted', "
			  "'paused'))) ORDER BY w.id", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int(st, 1, ready_only != 0);
	return collect_column(s, st, COLUMN_INT64, (void **)ids, n, what, err);
}

int store_sweep_runs(struct store *s, int64_t sweep_id, struct store_sweep_run **out, int *n,
		     struct dl_error *err)
{
	const char *what = "cannot read the sweep's runs";
	sqlite3_stmt *st;
	int rc, cap = 0;

	*out = NULL;
	*n = 0;
	if (store_prepare(s, "SELECT id, status, sweep_values, params, seconds, loss, val_loss, "
			  "val_accuracy, test_accuracy, epochs FROM runs WHERE sweep_id = ?1 "
			  "ORDER BY id", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, sweep_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_sweep_run *r;
		char word[32];
		int k;

		if (*n == cap) {
			struct store_sweep_run *more = realloc(*out, sizeof **out *
							       (size_t)(cap = cap ? 2 * cap : 16));

			if (!more) {
				sqlite3_finalize(st);
				free(*out);
				*out = NULL;
				*n = 0;
				return dl_error_set(err, "out of memory reading a sweep");
			}
			*out = more;
		}
		r = &(*out)[(*n)++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(st, 0);
		store_column_text(st, 1, word, sizeof word);
		k = store_status_from_name(word);
		r->status = k < 0 ? STORE_FAILED : (enum store_status)k;
		store_column_text(st, 2, r->values, sizeof r->values);
		r->params = sqlite3_column_int64(st, 3);
		r->seconds = store_column_real(st, 4);
		r->loss = store_column_real(st, 5);
		r->val_loss = store_column_real(st, 6);
		r->val_accuracy = store_column_real(st, 7);
		r->test_accuracy = store_column_real(st, 8);
		r->epochs = sqlite3_column_int(st, 9);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return store_fail(s, what, err);
	}
	return DL_OK;
}

int store_grow_sweep(struct store *s, int64_t sweep_id, const struct store_new_run *r,
		     int expected, int64_t *id, int *added, struct dl_error *err)
{
	const char *what = "cannot grow the sweep";
	sqlite3_stmt *st;
	int ok;

	*added = 0;
	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (store_prepare(s, "SELECT 1 FROM sweeps w WHERE w.id = ?1 AND w.stopped = 0 AND "
			  "w.planned_points > ?2 AND (SELECT count(*) FROM runs WHERE sweep_id = "
			  "?1) = ?2", &st, what, err) != DL_OK) {
		store_rollback(s);
		return DL_ERR;
	}
	sqlite3_bind_int64(st, 1, sweep_id);
	sqlite3_bind_int(st, 2, expected);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	/* another process grew it first, or it was stopped: nothing to do */
	if (!ok) {
		store_rollback(s);
		return DL_OK;
	}
	if (store_insert_run(s, r, store_now(), id, err) != DL_OK) {
		store_rollback(s);
		return DL_ERR;
	}
	if (store_commit(s, err) != DL_OK)
		return DL_ERR;
	*added = 1;
	return DL_OK;
}

int store_stop_sweep(struct store *s, int64_t sweep_id, struct dl_error *err)
{
	const char *what = "cannot stop the sweep";
	sqlite3_stmt *st;
	int changes;

	if (store_prepare(s, "UPDATE sweeps SET stopped = 1 WHERE id = ?1", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, sweep_id);
	if (store_step_done(s, st, what, &changes, err) != DL_OK)
		return DL_ERR;
	return changes ? DL_OK : dl_error_set(err, "no sweep %lld", (long long)sweep_id);
}

/* The columns pruning may compare, by name: never SQL from elsewhere. */
static const char *const epoch_columns[] = {"loss", "accuracy", "val_loss", "val_accuracy", NULL};

int store_epoch_values(struct store *s, int64_t sweep_id, int epoch, const char *column,
		       int64_t except_run, int done_only, double **values, int *n,
		       struct dl_error *err)
{
	const char *what = "cannot read the sweep's epochs";
	char sql[400];
	sqlite3_stmt *st;
	int k = 0;

	*values = NULL;
	*n = 0;
	while (epoch_columns[k] && strcmp(epoch_columns[k], column))
		k++;
	if (!epoch_columns[k])
		return dl_error_set(err, "no epoch metric '%s'", column);
	snprintf(sql, sizeof sql, "SELECT e.%s FROM epochs e JOIN runs r ON r.id = e.run_id "
		 "WHERE r.sweep_id = ?1 AND e.epoch = ?2 AND e.run_id != ?3 AND e.%s IS NOT NULL "
		 "AND (?4 = 0 OR r.status = 'done')", epoch_columns[k], epoch_columns[k]);
	if (store_prepare(s, sql, &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, sweep_id);
	sqlite3_bind_int(st, 2, epoch);
	sqlite3_bind_int64(st, 3, except_run);
	sqlite3_bind_int(st, 4, done_only != 0);
	return collect_column(s, st, COLUMN_DOUBLE, (void **)values, n, what, err);
}
