/* The queue and everything written about a run while it lives: adding,
 * claiming, progress, epochs, its end, the requests people make of it,
 * recovery from dead workers, tags, notes and removal (store.h).
 *
 * Every write is one short transaction: a single statement on its own, or
 * BEGIN IMMEDIATE ... COMMIT when it must read before it writes. */

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/text.h"

/* Where a running run comes to rest when its worker goes away without
 * finishing it (these read the row's old values): a pending stop holds it
 * paused, a pending cancel ends it, otherwise it is interrupted and the
 * next claim resumes it. */
#define REST_STATUS \
	"CASE request WHEN 'stop' THEN 'paused' WHEN 'cancel' THEN 'cancelled' " \
	"ELSE 'interrupted' END"
#define REST_FINISHED "CASE request WHEN 'cancel' THEN " STORE_NOW_SQL " ELSE NULL END"

/* ---- queueing ---- */

/* A new run's references must exist: a run waiting for a run that does
 * not exist would never start. */
static int check_references(struct store *s, const struct store_new_run *r,
			    struct dl_error *err)
{
	sqlite3_stmt *st;
	int found;

	if (r->after > 0) {
		if (store_run_exists(s, r->after, &found, err) != DL_OK)
			return DL_ERR;
		if (!found)
			return dl_error_set(err, "cannot queue '%s': it is to wait for run %lld, "
					    "which does not exist", r->name ? r->name : "",
					    (long long)r->after);
	}
	if (r->sweep_id > 0) {
		if (store_prepare(s, "SELECT 1 FROM sweeps WHERE id = ?1", &st,
				  "cannot read the sweep", err) != DL_OK)
			return DL_ERR;
		sqlite3_bind_int64(st, 1, r->sweep_id);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (!found)
			return dl_error_set(err, "cannot queue '%s': no sweep %lld",
					    r->name ? r->name : "", (long long)r->sweep_id);
	}
	return DL_OK;
}

/* Insert one run, its YAML and its summary, inside the caller's transaction. */
int store_insert_run(struct store *s, const struct store_new_run *r, double now, int64_t *id,
		     struct dl_error *err)
{
	const char *what = "cannot queue the run";
	sqlite3_stmt *st;
	char why[128];

	/* names are identifiers (util/text.h); the experiment parser refuses
	 * a bad one first, this keeps any other caller to the same rule */
	if (text_check_identifier(r->name ? r->name : "", why, sizeof why))
		return dl_error_set(err, "cannot queue the run: its name %s", why);
	if (check_references(s, r, err) != DL_OK ||
	    store_prepare(s, "INSERT INTO runs (name, priority, after_id, sweep_id, "
			  "sweep_point, repeat_index, threads, params, created, planned_epochs, "
			  "sweep_values) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &st,
			  what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_text(st, 1, r->name ? r->name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, r->priority);
	if (r->after > 0)
		sqlite3_bind_int64(st, 3, r->after);
	if (r->sweep_id > 0)
		sqlite3_bind_int64(st, 4, r->sweep_id);
	store_bind_text(st, 5, r->sweep_point);
	sqlite3_bind_int(st, 6, r->repeat);
	sqlite3_bind_int(st, 7, r->threads > 0 ? r->threads : 1);
	sqlite3_bind_int64(st, 8, r->params);
	sqlite3_bind_double(st, 9, now);
	sqlite3_bind_int(st, 10, r->planned_epochs > 0 ? r->planned_epochs : 0);
	store_bind_text(st, 11, r->sweep_values);
	if (store_step_done(s, st, what, NULL, err) != DL_OK)
		return DL_ERR;
	*id = sqlite3_last_insert_rowid(s->db);
	if (store_prepare(s, "INSERT INTO specs (run_id, yaml) VALUES (?1, ?2)", &st, what,
			  err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_text(st, 2, r->yaml ? r->yaml : "", -1, SQLITE_TRANSIENT);
	if (store_step_done(s, st, what, NULL, err) != DL_OK)
		return DL_ERR;
	return r->summary ? store_write_summary(s, *id, r->summary, err) : DL_OK;
}

int store_add_runs(struct store *s, const struct store_new_run *runs, int n, int64_t *ids,
		   struct dl_error *err)
{
	double now = store_now();

	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	for (int i = 0; i < n; i++) {
		if (store_insert_run(s, &runs[i], now, &ids[i], err) != DL_OK) {
			store_rollback(s);
			return DL_ERR;
		}
	}
	return store_commit(s, err);
}

int store_add_run(struct store *s, const struct store_new_run *r, int64_t *id,
		  struct dl_error *err)
{
	return store_add_runs(s, r, 1, id, err);
}

/* ---- claiming ---- */

void store_claim_free(struct store_claim *c)
{
	free(c->yaml);
	c->yaml = NULL;
}

int store_queue_paused(struct store *s, int *paused, struct dl_error *err)
{
	sqlite3_stmt *st;
	int rc;

	*paused = 0;
	if (store_prepare(s, "SELECT value FROM settings WHERE key = 'queue_paused'", &st,
			  "cannot read the queue state", err) != DL_OK)
		return DL_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*paused = sqlite3_column_int(st, 0) != 0;
	else if (rc != SQLITE_DONE)
		store_fail(s, "cannot read the queue state", err);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DL_OK : DL_ERR;
}

/* The cores a run asking for `threads` takes in a pool of `cores`. */
static int run_cores(int threads, int cores)
{
	if (threads < 1)
		return 1;
	return threads < cores ? threads : cores;
}

/* The next claimable run, inside the caller's transaction; *found is 0
 * when there is none or when the first in claim order does not fit in
 * free_cores (store.h says why it is not passed over). The status term
 * matches runs_claimable's, so the query walks that index in claim order. */
static int next_run(struct store *s, int cores, int free_cores, struct store_claim *out,
		    int *found, struct dl_error *err)
{
	const char *what = "cannot look for a queued run";
	const unsigned char *yaml;
	char stored[4096];
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	if (store_prepare(s, "SELECT r.id, r.name, p.yaml, r.threads, r.checkpoint "
			  "FROM runs r LEFT JOIN specs p ON p.run_id = r.id "
			  "WHERE r.status IN ('queued', 'interrupted') AND (r.after_id IS NULL "
			  "OR EXISTS (SELECT 1 FROM runs a WHERE a.id = r.after_id "
			  "AND a.status = 'done')) "
			  "ORDER BY r.priority DESC, r.id LIMIT 1",
			  &st, what, err) != DL_OK)
		return DL_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && run_cores(sqlite3_column_int(st, 3), cores) > free_cores) {
		rc = SQLITE_DONE;       /* it waits for cores, and the runs behind it too */
	} else if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		store_column_text(st, 1, out->name, sizeof out->name);
		yaml = sqlite3_column_text(st, 2);
		out->yaml = strdup(yaml ? (const char *)yaml : "");
		out->threads = sqlite3_column_int(st, 3);
		store_column_text(st, 4, stored, sizeof stored);
		store_checkpoint_resolve(s, stored, out->checkpoint, sizeof out->checkpoint);
		*found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(s, what, err);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return DL_ERR;
	if (*found && !out->yaml)
		return dl_error_set(err, "out of memory claiming run %lld", (long long)out->id);
	return DL_OK;
}

/* Mark the found run as taken by worker, inside the transaction. */
static int take_run(struct store *s, int64_t id, const char *worker, struct dl_error *err)
{
	const char *what = "cannot claim the run";
	sqlite3_stmt *st;

	if (store_prepare(s, "UPDATE runs SET status = 'running', worker = ?2, "
			  "started = coalesce(started, ?3), heartbeat = ?3, finished = NULL, "
			  "request = 'none', message = NULL WHERE id = ?1", &st, what,
			  err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, worker);
	sqlite3_bind_double(st, 3, store_now());
	return store_step_done(s, st, what, NULL, err);
}

int store_claim_run(struct store *s, const char *worker, struct store_claim *out,
		    int *claimed, struct dl_error *err)
{
	return store_claim_run_within(s, worker, INT_MAX, INT_MAX, out, claimed, err);
}

int store_claim_run_within(struct store *s, const char *worker, int cores, int free_cores,
			   struct store_claim *out, int *claimed, struct dl_error *err)
{
	int paused, found = 0;

	memset(out, 0, sizeof *out);
	*claimed = 0;
	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (store_queue_paused(s, &paused, err) != DL_OK ||
	    (!paused && next_run(s, cores, free_cores, out, &found, err) != DL_OK))
		goto fail;
	if (!found) {
		store_rollback(s);      /* nothing was written */
		memset(out, 0, sizeof *out);
		return DL_OK;
	}
	if (take_run(s, out->id, worker, err) != DL_OK || store_commit(s, err) != DL_OK)
		goto fail;
	*claimed = 1;
	return DL_OK;
fail:
	store_rollback(s);
	store_claim_free(out);
	memset(out, 0, sizeof *out);
	return DL_ERR;
}

int store_count_claimable(struct store *s, int *n, struct dl_error *err)
{
	const char *what = "cannot count the queued runs";
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if (store_prepare(s, "SELECT count(*) FROM runs r "
			  "WHERE r.status IN ('queued', 'interrupted') AND (r.after_id IS NULL "
			  "OR EXISTS (SELECT 1 FROM runs a WHERE a.id = r.after_id "
			  "AND a.status = 'done'))", &st, what, err) != DL_OK)
		return DL_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	else
		store_fail(s, what, err);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? DL_OK : DL_ERR;
}

int store_set_threads(struct store *s, int64_t id, int threads, struct dl_error *err)
{
	return store_update_int(s, "UPDATE runs SET threads = ?2 WHERE id = ?1", id,
				threads < 1 ? 1 : threads, "cannot record the run's threads", err);
}

/* ---- a running run ---- */

int store_heartbeat(struct store *s, int64_t id, struct dl_error *err)
{
	const char *what = "cannot record the heartbeat";
	sqlite3_stmt *st;

	if (store_prepare(s, "UPDATE runs SET heartbeat = ?2 WHERE id = ?1", &st, what,
			  err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_double(st, 2, store_now());
	return store_update_run(s, st, id, what, err);
}

int store_set_progress(struct store *s, int64_t id, int epoch, int batch, int batches,
		       double samples_per_s, double eta_s, struct dl_error *err)
{
	const char *what = "cannot record progress";
	sqlite3_stmt *st;
	double now = store_now();

	if (store_prepare(s, "UPDATE runs SET epoch = ?2, batch = ?3, batches = ?4, "
			  "samples_per_s = ?5, eta_s = ?6, progress_at = ?7, heartbeat = ?7 "
			  "WHERE id = ?1", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, epoch);
	sqlite3_bind_int(st, 3, batch);
	sqlite3_bind_int(st, 4, batches);
	store_bind_real(st, 5, samples_per_s);
	store_bind_real(st, 6, eta_s);
	sqlite3_bind_double(st, 7, now);
	return store_update_run(s, st, id, what, err);
}

int store_set_params(struct store *s, int64_t id, int64_t params, struct dl_error *err)
{
	return store_update_int(s, "UPDATE runs SET params = ?2 WHERE id = ?1", id, params,
			  "cannot record the parameter count", err);
}

int store_set_planned_epochs(struct store *s, int64_t id, int epochs, struct dl_error *err)
{
	return store_update_int(s, "UPDATE runs SET planned_epochs = ?2 WHERE id = ?1", id, epochs,
				"cannot record the planned epochs", err);
}

int store_set_checkpoint(struct store *s, int64_t id, const char *path, struct dl_error *err)
{
	char stored[4096];

	store_checkpoint_relative(s, path, stored, sizeof stored);
	return store_update_text(s, "UPDATE runs SET checkpoint = ?2 WHERE id = ?1", id, stored,
			   "cannot record the checkpoint", err);
}

static void bind_epoch_metrics(sqlite3_stmt *st, int first, const struct store_epoch *e)
{
	store_bind_real(st, first, e->loss);
	store_bind_real(st, first + 1, e->accuracy);
	store_bind_real(st, first + 2, e->val_loss);
	store_bind_real(st, first + 3, e->val_accuracy);
}

/* The run's summary columns follow its latest epoch. Updated first, so
 * that a run that does not exist is reported as such. */
static int epoch_summary(struct store *s, int64_t id, const struct store_epoch *e,
			 struct dl_error *err)
{
	const char *what = "cannot record the epoch";
	sqlite3_stmt *st;

	if (store_prepare(s, "UPDATE runs SET epochs = ?2, loss = ?3, accuracy = ?4, "
			  "val_loss = ?5, val_accuracy = ?6 WHERE id = ?1", &st, what,
			  err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, e->epoch);
	bind_epoch_metrics(st, 3, e);
	return store_update_run(s, st, id, what, err);
}

/* n epochs through one prepared statement. */
static int insert_epochs(struct store *s, int64_t id, const struct store_epoch *e, int n,
			 struct dl_error *err)
{
	const char *what = "cannot record the epoch";
	sqlite3_stmt *st;

	if (store_prepare(s, "INSERT OR REPLACE INTO epochs (run_id, epoch, loss, accuracy, "
			  "val_loss, val_accuracy, lr, seconds, events) VALUES "
			  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st, what, err) != DL_OK)
		return DL_ERR;
	for (int i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, e[i].epoch);
		bind_epoch_metrics(st, 3, &e[i]);
		store_bind_real(st, 7, e[i].lr);
		store_bind_real(st, 8, e[i].seconds);
		store_bind_text(st, 9, e[i].events && e[i].events[0] ? e[i].events : NULL);
		if (sqlite3_step(st) != SQLITE_DONE) {
			store_fail(s, what, err);
			sqlite3_finalize(st);
			return DL_ERR;
		}
	}
	sqlite3_finalize(st);
	return DL_OK;
}

/* best_val_accuracy is over the whole history: a replaced epoch may have
 * been the best. */
static int best_val_accuracy(struct store *s, int64_t id, struct dl_error *err)
{
	const char *what = "cannot record the epoch";
	sqlite3_stmt *st;

	if (store_prepare(s, "UPDATE runs SET best_val_accuracy = (SELECT max(val_accuracy) "
			  "FROM epochs WHERE run_id = ?1) WHERE id = ?1", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	return store_step_done(s, st, what, NULL, err);
}

int store_add_epochs(struct store *s, int64_t id, const struct store_epoch *e, int n,
		     struct dl_error *err)
{
	if (n <= 0)
		return DL_OK;
	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (epoch_summary(s, id, &e[n - 1], err) != DL_OK ||
	    insert_epochs(s, id, e, n, err) != DL_OK || best_val_accuracy(s, id, err) != DL_OK) {
		store_rollback(s);
		return DL_ERR;
	}
	return store_commit(s, err);
}

int store_add_epoch(struct store *s, int64_t id, const struct store_epoch *e,
		    struct dl_error *err)
{
	return store_add_epochs(s, id, e, 1, err);
}

int store_finish_run(struct store *s, int64_t id, const struct store_result *r,
		     struct dl_error *err)
{
	const char *what = "cannot record the end of the run";
	sqlite3_stmt *st;

	if (store_prepare(s, "UPDATE runs SET "
			  "status = CASE WHEN ?2 <> 'interrupted' THEN ?2 ELSE " REST_STATUS " END, "
			  "finished = CASE WHEN ?2 <> 'interrupted' THEN ?12 ELSE " REST_FINISHED
			  " END, request = 'none', epochs = max(epochs, ?3), "
			  "loss = coalesce(?4, loss), accuracy = coalesce(?5, accuracy), "
			  "val_loss = coalesce(?6, val_loss), "
			  "val_accuracy = coalesce(?7, val_accuracy), "
			  "test_loss = coalesce(?8, test_loss), "
			  "test_accuracy = coalesce(?9, test_accuracy), "
			  "seconds = coalesce(?10, seconds), message = ?11, "
			  "peak_rss = CASE WHEN ?13 IS NULL THEN peak_rss "
			  "ELSE max(coalesce(peak_rss, 0), ?13) END WHERE id = ?1",
			  &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, store_status_name(r->status), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->epochs);
	store_bind_real(st, 4, r->loss);
	store_bind_real(st, 5, r->accuracy);
	store_bind_real(st, 6, r->val_loss);
	store_bind_real(st, 7, r->val_accuracy);
	store_bind_real(st, 8, r->test_loss);
	store_bind_real(st, 9, r->test_accuracy);
	store_bind_real(st, 10, r->seconds);
	store_bind_text(st, 11, r->message && r->message[0] ? r->message : NULL);
	sqlite3_bind_double(st, 12, store_now());
	if (r->peak_rss > 0)
		sqlite3_bind_int64(st, 13, r->peak_rss);
	else
		sqlite3_bind_null(st, 13);
	return store_update_run(s, st, id, what, err);
}

int store_mark_interrupted(struct store *s, int64_t id, const char *message, int *changed,
			   struct dl_error *err)
{
	const char *what = "cannot mark the run interrupted";
	sqlite3_stmt *st;
	int exists;

	*changed = 0;
	if (store_prepare(s, "UPDATE runs SET status = " REST_STATUS ", finished = "
			  REST_FINISHED ", request = 'none', message = coalesce(?2, message) "
			  "WHERE id = ?1 AND status = 'running'", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, message);
	if (store_step_done(s, st, what, changed, err) != DL_OK)
		return DL_ERR;
	if (*changed)
		return DL_OK;
	if (store_run_exists(s, id, &exists, err) != DL_OK)
		return DL_ERR;
	return exists ? DL_OK : store_no_run(id, err);
}

int store_recover_stale(struct store *s, double max_age, int *count, struct dl_error *err)
{
	const char *what = "cannot recover stale runs";
	sqlite3_stmt *st;

	*count = 0;
	if (store_prepare(s, "UPDATE runs SET status = " REST_STATUS ", finished = "
			  REST_FINISHED ", request = 'none' WHERE status = 'running' "
			  "AND (heartbeat IS NULL OR heartbeat < ?1) "
			  /* a Slurm job waits or trains without a heartbeat here:
			   * its serve follows it (store.h, "executors") */
			  "AND worker NOT LIKE 'slurm:%'", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_double(st, 1, store_now() - max_age);
	return store_step_done(s, st, what, count, err);
}

int store_interrupt_worker(struct store *s, const char *worker, int *count,
			   struct dl_error *err)
{
	const char *what = "cannot interrupt the worker's runs";
	sqlite3_stmt *st;

	*count = 0;
	if (store_prepare(s, "UPDATE runs SET status = " REST_STATUS ", finished = "
			  REST_FINISHED ", request = 'none' WHERE status = 'running' "
			  "AND worker = ?1", &st, what, err) != DL_OK)
		return DL_ERR;
	store_bind_text(st, 1, worker);
	return store_step_done(s, st, what, count, err);
}
