/* What people ask of runs and of the queue: cancel, stop, pause, resume,
 * retry, priorities, the queue-wide pause, tags, notes and removal
 * (store.h). */

#include <stdio.h>
#include <string.h>

#include "store/internal.h"
#include "util/text.h"

/* A diverged run retried starts afresh: its history, results, checkpoint
 * and weight images go (resuming would only diverge again); its summary
 * stays, since its model does not change. */
static const char *const fresh_start[] = {
	"UPDATE runs SET status = 'queued', started = NULL, finished = NULL, worker = NULL, "
	"heartbeat = NULL, request = 'none', epoch = 0, batch = 0, batches = 0, "
	"samples_per_s = NULL, eta_s = NULL, progress_at = NULL, epochs = 0, loss = NULL, "
	"accuracy = NULL, val_loss = NULL, val_accuracy = NULL, test_loss = NULL, "
	"test_accuracy = NULL, best_val_accuracy = NULL, seconds = NULL, checkpoint = NULL, "
	"message = NULL WHERE id = ?1",
	"DELETE FROM epochs WHERE run_id = ?1",
	"DELETE FROM confusion WHERE run_id = ?1",
	"DELETE FROM misclassified WHERE run_id = ?1",
	"DELETE FROM artifacts WHERE run_id = ?1",
	"DELETE FROM weights WHERE run_id = ?1",
	"DELETE FROM answers WHERE run_id = ?1",
	"DELETE FROM digits WHERE run_id = ?1",
};

/* What a request does to a run in a given state: the statements to run
 * (binding ?1 to the run id), or none when the run is in no state
 * for it. A CANCEL pending on a running run is not weakened to a STOP. */
struct change {
	const char *const *sql;
	int n;
};

static struct change one(const char *const *sql)
{
	return (struct change){sql, 1};
}

static struct change plan_request(enum store_status st, enum store_request pending,
				  enum store_request req)
{
	static const char *const cancel_now[] = {"UPDATE runs SET status = 'cancelled', "
						 "finished = " STORE_NOW_SQL " WHERE id = ?1"};
	static const char *const ask_cancel[] = {"UPDATE runs SET request = 'cancel' "
						 "WHERE id = ?1"};
	static const char *const hold[] = {"UPDATE runs SET status = 'paused' WHERE id = ?1"};
	static const char *const ask_stop[] = {"UPDATE runs SET request = 'stop' WHERE id = ?1"};
	static const char *const requeue[] = {"UPDATE runs SET status = 'queued', "
					      "finished = NULL, message = NULL WHERE id = ?1"};
	static const char *const withdraw[] = {"UPDATE runs SET request = 'none' WHERE id = ?1"};
	int waiting = st == STORE_QUEUED || st == STORE_PAUSED || st == STORE_INTERRUPTED;
	struct change none = {NULL, 0};

	switch (req) {
	case STORE_REQUEST_CANCEL:
		return waiting ? one(cancel_now) : st == STORE_RUNNING ? one(ask_cancel) : none;
	case STORE_REQUEST_STOP:
	case STORE_REQUEST_PAUSE:
		if (st == STORE_QUEUED || st == STORE_INTERRUPTED)
			return one(hold);
		return st == STORE_RUNNING && pending != STORE_REQUEST_CANCEL ? one(ask_stop)
									      : none;
	case STORE_REQUEST_RESUME:
		if (st == STORE_PAUSED)
			return one(requeue);
		return st == STORE_RUNNING && pending == STORE_REQUEST_STOP ? one(withdraw) : none;
	case STORE_REQUEST_RETRY:
		/* a failure came from outside the training (its data was gone, a
		 * write failed): its last checkpoint is good, so it continues;
		 * continuing a diverged run would diverge again */
		if (st == STORE_CANCELLED || st == STORE_INTERRUPTED || st == STORE_FAILED)
			return one(requeue);
		if (st == STORE_DIVERGED)
			return (struct change){fresh_start,
					       (int)(sizeof fresh_start / sizeof fresh_start[0])};
		return none;
	default:
		return none;
	}
}

/* The run's status and pending request, inside the caller's transaction. */
static int read_state(struct store *s, int64_t id, enum store_status *status,
		      enum store_request *pending, int *found, struct dl_error *err)
{
	sqlite3_stmt *st;
	char name[32], req[16];
	int rc, k;

	if (store_prepare(s, "SELECT status, request FROM runs WHERE id = ?1", &st,
			  "cannot read the run", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found) {
		store_column_text(st, 0, name, sizeof name);
		store_column_text(st, 1, req, sizeof req);
		k = store_status_from_name(name);
		*status = k < 0 ? STORE_FAILED : (enum store_status)k;
		*pending = store_request_from_name(req);
	} else if (rc != SQLITE_DONE) {
		store_fail(s, "cannot read the run", err);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DL_OK : DL_ERR;
}

static int apply(struct store *s, int64_t id, struct change c, struct dl_error *err)
{
	sqlite3_stmt *st;

	for (int i = 0; i < c.n; i++) {
		if (store_prepare(s, c.sql[i], &st, "cannot change the run", err) != DL_OK)
			return DL_ERR;
		sqlite3_bind_int64(st, 1, id);
		if (store_step_done(s, st, "cannot change the run", NULL, err) != DL_OK)
			return DL_ERR;
	}
	return DL_OK;
}

int store_request(struct store *s, int64_t id, enum store_request req, int *changed,
		  struct dl_error *err)
{
	enum store_status status = STORE_QUEUED;
	enum store_request pending = STORE_REQUEST_NONE;
	struct change c;
	int found;

	*changed = 0;
	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (read_state(s, id, &status, &pending, &found, err) != DL_OK)
		goto fail;
	if (!found) {
		store_no_run(id, err);
		goto fail;
	}
	c = plan_request(status, pending, req);
	if (c.n == 0) {
		store_rollback(s);      /* nothing was written */
		return DL_OK;
	}
	if (apply(s, id, c, err) != DL_OK || store_commit(s, err) != DL_OK)
		goto fail;
	*changed = 1;
	return DL_OK;
fail:
	store_rollback(s);
	return DL_ERR;
}

int store_requested(struct store *s, int64_t id, enum store_request *req,
		    struct dl_error *err)
{
	sqlite3_stmt *st;
	char name[16];
	int rc;

	*req = STORE_REQUEST_NONE;
	if (store_prepare(s, "SELECT request FROM runs WHERE id = ?1", &st,
			  "cannot read the run's requests", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_column_text(st, 0, name, sizeof name);
		*req = store_request_from_name(name);
	} else if (rc != SQLITE_DONE) {
		store_fail(s, "cannot read the run's requests", err);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return store_no_run(id, err);
	return rc == SQLITE_ROW ? DL_OK : DL_ERR;
}

int store_set_priority(struct store *s, int64_t id, int priority, struct dl_error *err)
{
	return store_update_int(s, "UPDATE runs SET priority = ?2 WHERE id = ?1", id, priority,
				"cannot set the priority", err);
}

/* ---- the queue as a whole ---- */

int store_pause_queue(struct store *s, struct dl_error *err)
{
	return store_exec(s, "INSERT OR REPLACE INTO settings (key, value) "
			  "VALUES ('queue_paused', '1')", "cannot pause the queue", err);
}

int store_resume_queue(struct store *s, struct dl_error *err)
{
	return store_exec(s, "DELETE FROM settings WHERE key = 'queue_paused'",
			  "cannot resume the queue", err);
}

/* ---- tags, notes, removal ---- */

/* Tags are read back joined with commas, so a comma cannot be in one. */
/* A new tag is an identifier (util/text.h): shown everywhere as it is.
 * Removing one is checked less, so that a tag an older digitlab let in can
 * still be taken out. */
static int check_tag(const char *tag, int adding, struct dl_error *err)
{
	char why[128];

	if (!tag || !tag[0])
		return dl_error_set(err, "a tag cannot be empty");
	if (strchr(tag, ','))
		return dl_error_set(err, "tag '%s': a tag cannot contain a comma", tag);
	if (adding && text_check_identifier(tag, why, sizeof why))
		return dl_error_set(err, "tag '%s': the tag %s", tag, why);
	return DL_OK;
}

/* A tag statement changed nothing: fine, unless the run does not exist. */
static int tag_step(struct store *s, const char *sql, int64_t id, const char *tag,
		    int adding, const char *what, struct dl_error *err)
{
	sqlite3_stmt *st;
	int changes, exists;

	if (check_tag(tag, adding, err) != DL_OK || store_prepare(s, sql, &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, tag, -1, SQLITE_TRANSIENT);
	if (store_step_done(s, st, what, &changes, err) != DL_OK)
		return DL_ERR;
	if (changes)
		return DL_OK;
	if (store_run_exists(s, id, &exists, err) != DL_OK)
		return DL_ERR;
	return exists ? DL_OK : store_no_run(id, err);
}

int store_tag(struct store *s, int64_t id, const char *tag, struct dl_error *err)
{
	return tag_step(s, "INSERT OR IGNORE INTO tags (run_id, tag) "
			"SELECT id, ?2 FROM runs WHERE id = ?1", id, tag, 1, "cannot tag the run",
			err);
}

int store_untag(struct store *s, int64_t id, const char *tag, struct dl_error *err)
{
	return tag_step(s, "DELETE FROM tags WHERE run_id = ?1 AND tag = ?2", id, tag, 0,
			"cannot untag the run", err);
}

int store_note(struct store *s, int64_t id, const char *text, struct dl_error *err)
{
	return store_update_text(s, "UPDATE runs SET notes = ?2 WHERE id = ?1", id, text,
				 "cannot write the note", err);
}

int store_rm_run(struct store *s, int64_t id, struct dl_error *err)
{
	enum store_status status = STORE_QUEUED;
	enum store_request pending;
	sqlite3_stmt *st;
	int found;

	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (read_state(s, id, &status, &pending, &found, err) != DL_OK)
		goto fail;
	if (!found) {
		store_no_run(id, err);
		goto fail;
	}
	/* its worker would go on writing into a run that is gone */
	if (status == STORE_RUNNING) {
		dl_error_set(err, "run %lld is running: cancel it first", (long long)id);
		goto fail;
	}
	/* the foreign keys take its history, tags and artifacts with it, and
	 * free the runs that waited for it */
	if (store_prepare(s, "DELETE FROM runs WHERE id = ?1", &st, "cannot remove the run",
			  err) != DL_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (store_step_done(s, st, "cannot remove the run", NULL, err) != DL_OK)
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return DL_ERR;
}
