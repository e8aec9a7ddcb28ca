/* Sweeps: what each is for and how it searches (store.h). */

#include <stdio.h>
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
