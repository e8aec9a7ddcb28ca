/* The queue: adding, claiming, progress, epochs, the end of a run, and the
 * requests people make of runs (store.h). Every write is one short
 * transaction. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* A statement that changes rows, with *changes receiving how many did
 * (may be NULL). Binding is done by the caller between prepare and step. */
static int step_done(struct store *s, sqlite3_stmt *st, const char *what, int *changes,
		     struct dl_error *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, what, err);
	if (changes)
		*changes = sqlite3_changes(s->db);
	return DL_OK;
}

/* UPDATE ... WHERE id = ?1 with one text (or NULL) parameter ?2. */
static int update_text(struct store *s, const char *sql, int64_t id, const char *text,
		       const char *what, int *changes, struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, sql, &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	return step_done(s, st, what, changes, err);
}

int store_add_run(struct store *s, const struct store_new_run *r, int64_t *id,
		  struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, "INSERT INTO runs (name, yaml, status, priority, after_id, "
			  "sweep_id, sweep_point, repeat_index, threads, params, created) "
			  "VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			  &st, "cannot queue the run", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_text(st, 1, r->name ? r->name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->yaml ? r->yaml : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, r->priority);
	if (r->after > 0)
		sqlite3_bind_int64(st, 4, r->after);
	if (r->sweep_id > 0)
		sqlite3_bind_int64(st, 5, r->sweep_id);
	if (r->sweep_point)
		sqlite3_bind_text(st, 6, r->sweep_point, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, r->repeat);
	sqlite3_bind_int(st, 8, r->threads > 0 ? r->threads : 1);
	sqlite3_bind_int64(st, 9, r->params);
	sqlite3_bind_double(st, 10, store_now());
	if (step_done(s, st, "cannot queue the run", NULL, err) != DL_OK)
		return DL_ERR;
	*id = sqlite3_last_insert_rowid(s->db);
	return DL_OK;
}

void store_claim_free(struct store_claim *c)
{
	free(c->yaml);
	c->yaml = NULL;
}

static int queue_paused(struct store *s, int *paused, struct dl_error *err)
{
	sqlite3_stmt *st;

	*paused = 0;
	if (store_prepare(s, "SELECT value FROM settings WHERE key = 'queue_paused'", &st,
			  "cannot read the queue state", err) != DL_OK)
		return DL_ERR;
	if (sqlite3_step(st) == SQLITE_ROW)
		*paused = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return DL_OK;
}

int store_queue_paused(struct store *s, int *paused, struct dl_error *err)
{
	return queue_paused(s, paused, err);
}

/* The next claimable run, inside the caller's transaction. A run waits for
 * its `after` run while that one may still run; a removed one waits for
 * nothing. */
static int next_run(struct store *s, struct store_claim *out, int *found,
		    struct dl_error *err)
{
	sqlite3_stmt *st;
	const unsigned char *yaml;

	*found = 0;
	if (store_prepare(s, "SELECT id, name, yaml, threads, checkpoint FROM runs r "
			  "WHERE status IN ('queued', 'interrupted') AND NOT EXISTS "
			  "(SELECT 1 FROM runs a WHERE a.id = r.after_id AND a.status IN "
			  "('queued', 'running', 'interrupted', 'paused')) "
			  "ORDER BY priority DESC, id LIMIT 1", &st,
			  "cannot look for a queued run", err) != DL_OK)
		return DL_ERR;
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		store_column_text(st, 1, out->name, sizeof out->name);
		yaml = sqlite3_column_text(st, 2);
		out->yaml = strdup(yaml ? (const char *)yaml : "");
		out->threads = sqlite3_column_int(st, 3);
		store_column_text(st, 4, out->checkpoint, sizeof out->checkpoint);
		*found = out->yaml != NULL;
	}
	sqlite3_finalize(st);
	if (!*found && out->id && !out->yaml)
		return dl_error_set(err, "out of memory claiming run %lld", (long long)out->id);
	return DL_OK;
}

int store_claim_run(struct store *s, const char *worker, struct store_claim *out,
		    int *claimed, struct dl_error *err)
{
	sqlite3_stmt *st;
	int paused, found = 0;
	double now = store_now();

	memset(out, 0, sizeof *out);
	*claimed = 0;
	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (queue_paused(s, &paused, err) != DL_OK || (!paused && next_run(s, out, &found, err)))
		goto fail;
	if (!found) {
		store_rollback(s);
		return DL_OK;
	}
	if (store_prepare(s, "UPDATE runs SET status = 'running', worker = ?2, "
			  "started = coalesce(started, ?3), heartbeat = ?3, request = 0 "
			  "WHERE id = ?1", &st, "cannot claim the run", err) != DL_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, out->id);
	sqlite3_bind_text(st, 2, worker, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 3, now);
	if (step_done(s, st, "cannot claim the run", NULL, err) != DL_OK ||
	    store_commit(s, err) != DL_OK)
		goto fail;
	*claimed = 1;
	return DL_OK;
fail:
	store_rollback(s);
	store_claim_free(out);
	return DL_ERR;
}

int store_heartbeat(struct store *s, int64_t id, struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, "UPDATE runs SET heartbeat = ?2 WHERE id = ?1", &st,
			  "cannot record the heartbeat", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_double(st, 2, store_now());
	return step_done(s, st, "cannot record the heartbeat", NULL, err);
}

int store_set_progress(struct store *s, int64_t id, int epoch, int batch, int batches,
		       double samples_per_s, double eta_s, struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, "UPDATE runs SET epoch = ?2, batch = ?3, batches = ?4, "
			  "samples_per_s = ?5, eta_s = ?6, heartbeat = ?7 WHERE id = ?1", &st,
			  "cannot record progress", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, epoch);
	sqlite3_bind_int(st, 3, batch);
	sqlite3_bind_int(st, 4, batches);
	store_bind_real(st, 5, samples_per_s);
	store_bind_real(st, 6, eta_s);
	sqlite3_bind_double(st, 7, store_now());
	return step_done(s, st, "cannot record progress", NULL, err);
}

/* UPDATE ... WHERE id = ?1 with one integer parameter ?2. */
static int update_int(struct store *s, const char *sql, int64_t id, int64_t value,
		      const char *what, struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, sql, &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, value);
	return step_done(s, st, what, NULL, err);
}

int store_set_params(struct store *s, int64_t id, int64_t params, struct dl_error *err)
{
	return update_int(s, "UPDATE runs SET params = ?2 WHERE id = ?1", id, params,
			  "cannot record the parameter count", err);
}

int store_set_checkpoint(struct store *s, int64_t id, const char *path, struct dl_error *err)
{
	return update_text(s, "UPDATE runs SET checkpoint = ?2 WHERE id = ?1", id, path,
			   "cannot record the checkpoint", NULL, err);
}

int store_add_epoch(struct store *s, int64_t id, const struct store_epoch *e,
		    struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (store_prepare(s, "INSERT OR REPLACE INTO epochs (run_id, epoch, loss, accuracy, "
			  "val_loss, val_accuracy, lr, seconds, events) VALUES "
			  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st,
			  "cannot record the epoch", err) != DL_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, e->epoch);
	store_bind_real(st, 3, e->loss);
	store_bind_real(st, 4, e->accuracy);
	store_bind_real(st, 5, e->val_loss);
	store_bind_real(st, 6, e->val_accuracy);
	store_bind_real(st, 7, e->lr);
	store_bind_real(st, 8, e->seconds);
	if (e->events && e->events[0])
		sqlite3_bind_text(st, 9, e->events, -1, SQLITE_TRANSIENT);
	if (step_done(s, st, "cannot record the epoch", NULL, err) != DL_OK)
		goto fail;
	/* the run's summary columns follow its history */
	if (store_prepare(s, "UPDATE runs SET epochs = ?2, loss = ?3, accuracy = ?4, "
			  "val_loss = ?5, val_accuracy = ?6, best_val_accuracy = "
			  "(SELECT max(val_accuracy) FROM epochs WHERE run_id = ?1) WHERE id = ?1",
			  &st, "cannot record the epoch", err) != DL_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, e->epoch);
	store_bind_real(st, 3, e->loss);
	store_bind_real(st, 4, e->accuracy);
	store_bind_real(st, 5, e->val_loss);
	store_bind_real(st, 6, e->val_accuracy);
	if (step_done(s, st, "cannot record the epoch", NULL, err) != DL_OK)
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return DL_ERR;
}

int store_finish_run(struct store *s, int64_t id, const struct store_result *r,
		     struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, "UPDATE runs SET status = ?2, epochs = ?3, loss = ?4, "
			  "accuracy = ?5, val_loss = ?6, val_accuracy = ?7, test_loss = ?8, "
			  "test_accuracy = ?9, seconds = ?10, message = ?11, finished = ?12, "
			  "request = 0 WHERE id = ?1", &st, "cannot record the end of the run",
			  err) != DL_OK)
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
	if (r->message && r->message[0])
		sqlite3_bind_text(st, 11, r->message, -1, SQLITE_TRANSIENT);
	if (r->status == STORE_INTERRUPTED)
		sqlite3_bind_null(st, 12);      /* it will go on */
	else
		sqlite3_bind_double(st, 12, store_now());
	return step_done(s, st, "cannot record the end of the run", NULL, err);
}

int store_request(struct store *s, int64_t id, enum store_request req, int *changed,
		  struct dl_error *err)
{
	sqlite3_stmt *st;
	int n = 0;

	*changed = 0;
	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	/* not started: nothing to keep, it ends now */
	if (store_prepare(s, "UPDATE runs SET status = 'cancelled', finished = ?2 "
			  "WHERE id = ?1 AND status IN ('queued', 'paused', 'interrupted')",
			  &st, "cannot cancel the run", err) != DL_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_double(st, 2, store_now());
	if (step_done(s, st, "cannot cancel the run", &n, err) != DL_OK)
		goto fail;
	*changed = n;
	if (store_prepare(s, "UPDATE runs SET request = ?2 WHERE id = ?1 AND status = 'running'",
			  &st, "cannot send the request", err) != DL_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, (int)req);
	if (step_done(s, st, "cannot send the request", &n, err) != DL_OK)
		goto fail;
	*changed += n;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return DL_ERR;
}

int store_requested(struct store *s, int64_t id, enum store_request *req,
		    struct dl_error *err)
{
	sqlite3_stmt *st;

	*req = STORE_REQUEST_NONE;
	if (store_prepare(s, "SELECT request FROM runs WHERE id = ?1", &st,
			  "cannot read the run's requests", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*req = (enum store_request)sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return DL_OK;
}

int store_pause_run(struct store *s, int64_t id, int pause, int *changed,
		    struct dl_error *err)
{
	return update_text(s, pause ? "UPDATE runs SET status = 'paused' WHERE id = ?1 "
				      "AND status = 'queued'"
				    : "UPDATE runs SET status = 'queued' WHERE id = ?1 "
				      "AND status = 'paused'",
			   id, NULL, "cannot pause or resume the run", changed, err);
}

int store_retry_run(struct store *s, int64_t id, int *changed, struct dl_error *err)
{
	return update_text(s, "UPDATE runs SET status = 'queued', finished = NULL, "
			   "message = NULL, worker = NULL, request = 0 WHERE id = ?1 AND status "
			   "IN ('failed', 'diverged', 'cancelled', 'interrupted')",
			   id, NULL, "cannot retry the run", changed, err);
}

int store_set_priority(struct store *s, int64_t id, int priority, struct dl_error *err)
{
	return update_int(s, "UPDATE runs SET priority = ?2 WHERE id = ?1", id, priority,
			  "cannot set the priority", err);
}

int store_pause_queue(struct store *s, int pause, struct dl_error *err)
{
	return store_exec(s, pause ? "INSERT OR REPLACE INTO settings VALUES ('queue_paused', 1)"
				   : "DELETE FROM settings WHERE key = 'queue_paused'",
			  "cannot pause or resume the queue", err);
}

int store_recover_stale(struct store *s, double max_age, int *count, struct dl_error *err)
{
	sqlite3_stmt *st;

	*count = 0;
	if (store_prepare(s, "UPDATE runs SET status = 'interrupted', worker = NULL "
			  "WHERE status = 'running' AND (heartbeat IS NULL OR heartbeat < ?1)",
			  &st, "cannot recover stale runs", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_double(st, 1, store_now() - max_age);
	return step_done(s, st, "cannot recover stale runs", count, err);
}

int store_interrupt_worker(struct store *s, const char *worker, int *count,
			   struct dl_error *err)
{
	sqlite3_stmt *st;

	*count = 0;
	if (store_prepare(s, "UPDATE runs SET status = 'interrupted', worker = NULL "
			  "WHERE status = 'running' AND worker = ?1", &st,
			  "cannot interrupt the worker's runs", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_text(st, 1, worker, -1, SQLITE_TRANSIENT);
	return step_done(s, st, "cannot interrupt the worker's runs", count, err);
}

int store_tag(struct store *s, int64_t id, const char *tag, int add, struct dl_error *err)
{
	return update_text(s, add ? "INSERT OR IGNORE INTO tags (run_id, tag) "
				    "SELECT id, ?2 FROM runs WHERE id = ?1"
				  : "DELETE FROM tags WHERE run_id = ?1 AND tag = ?2",
			   id, tag, "cannot change the tags", NULL, err);
}

int store_note(struct store *s, int64_t id, const char *text, struct dl_error *err)
{
	return update_text(s, "UPDATE runs SET notes = ?2 WHERE id = ?1", id, text,
			   "cannot write the note", NULL, err);
}

int store_remove_run(struct store *s, int64_t id, int *removed, struct dl_error *err)
{
	return update_text(s, "DELETE FROM runs WHERE id = ?1", id, NULL,
			   "cannot remove the run", removed, err);
}
