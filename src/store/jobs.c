/* Where a run trains when not in a local worker: its job row (store.h,
 * "executors"). One statement per call; the serve that owns the jobs is
 * their only writer. */
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

#define JOB_COLUMNS "j.run_id, j.executor, j.job_name, j.job_id, j.array_task, j.node, " \
	"j.state, j.spool_offset, j.attempts, j.submitted"

static void job_from(sqlite3_stmt *st, struct store_job *j)
{
	memset(j, 0, sizeof *j);
	j->run_id = sqlite3_column_int64(st, 0);
	store_column_text(st, 1, j->executor, sizeof j->executor);
	store_column_text(st, 2, j->job_name, sizeof j->job_name);
	j->job_id = sqlite3_column_int64(st, 3);
	j->array_task = sqlite3_column_int(st, 4);
	store_column_text(st, 5, j->node, sizeof j->node);
	store_column_text(st, 6, j->state, sizeof j->state);
	j->spool_offset = sqlite3_column_int64(st, 7);
	j->attempts = sqlite3_column_int(st, 8);
	j->submitted = sqlite3_column_type(st, 9) == SQLITE_NULL ? 0 : sqlite3_column_double(st, 9);
}

int store_put_job(struct store *s, const struct store_job *j, struct dl_error *err)
{
	const char *what = "cannot record the run's job";
	sqlite3_stmt *st;

	if (store_prepare(s, "INSERT OR REPLACE INTO jobs (run_id, executor, job_name, job_id, "
			  "array_task, node, state, spool_offset, attempts, submitted) VALUES "
			  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, j->run_id);
	sqlite3_bind_text(st, 2, j->executor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, j->job_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, j->job_id);
	sqlite3_bind_int(st, 5, j->array_task);
	sqlite3_bind_text(st, 6, j->node, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, j->state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, j->spool_offset);
	sqlite3_bind_int(st, 9, j->attempts);
	if (j->submitted > 0)
		sqlite3_bind_double(st, 10, j->submitted);
	return store_step_done(s, st, what, NULL, err);
}

int store_get_job(struct store *s, int64_t run_id, struct store_job *out, int *found,
		  struct dl_error *err)
{
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	memset(out, 0, sizeof *out);
	if (store_prepare(s, "SELECT " JOB_COLUMNS " FROM jobs j WHERE j.run_id = ?1", &st,
			  "cannot read the run's job", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		job_from(st, out);
		*found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "cannot read the run's job", err);
	return DL_OK;
}

/* The rows a prepared, bound statement returns, the request in column 10
 * when with_request. */
static int read_jobs(struct store *s, sqlite3_stmt *st, int with_request,
		     struct store_job **out, int *n, struct dl_error *err)
{
	struct store_job *jobs = NULL;
	int count = 0, cap = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			struct store_job *grown;

			cap = cap ? 2 * cap : 16;
			grown = realloc(jobs, (size_t)cap * sizeof *jobs);
			if (!grown) {
				free(jobs);
				sqlite3_finalize(st);
				return dl_error_set(err, "out of memory listing jobs");
			}
			jobs = grown;
		}
		job_from(st, &jobs[count]);
		if (with_request)
			jobs[count].request =
				store_request_from_name((const char *)sqlite3_column_text(st, 10));
		count++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(jobs);
		return store_fail(s, "cannot list jobs", err);
	}
	*out = jobs;
	*n = count;
	return DL_OK;
}

int store_list_active_jobs(struct store *s, const char *executor, struct store_job **out,
			   int *n, struct dl_error *err)
{
	sqlite3_stmt *st;

	*out = NULL;
	*n = 0;
	if (store_prepare(s, "SELECT " JOB_COLUMNS ", r.request FROM jobs j JOIN runs r ON "
			  "r.id = j.run_id WHERE r.status = 'running' AND j.executor = ?1 "
			  "ORDER BY j.run_id", &st, "cannot list jobs", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_text(st, 1, executor, -1, SQLITE_TRANSIENT);
	return read_jobs(s, st, 1, out, n, err);
}

int store_list_jobs(struct store *s, struct store_job **out, int *n, struct dl_error *err)
{
	sqlite3_stmt *st;

	*out = NULL;
	*n = 0;
	if (store_prepare(s, "SELECT " JOB_COLUMNS " FROM jobs j ORDER BY j.run_id", &st,
			  "cannot list jobs", err) != DL_OK)
		return DL_ERR;
	return read_jobs(s, st, 0, out, n, err);
}

int store_count_jobs(struct store *s, const char *executor, int *pending, int *running,
		     struct dl_error *err)
{
	sqlite3_stmt *st;
	int rc;

	*pending = *running = 0;
	if (store_prepare(s, "SELECT coalesce(sum(j.state IN ('', 'SUBMITTING', 'PENDING', "
			  "'REQUEUED', 'CONFIGURING')), 0), coalesce(sum(j.state IN ('RUNNING', "
			  "'COMPLETING', 'SUSPENDED')), 0) FROM jobs j JOIN runs r ON r.id = "
			  "j.run_id WHERE r.status = 'running' AND j.executor = ?1", &st,
			  "cannot count jobs", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_text(st, 1, executor, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*pending = sqlite3_column_int(st, 0);
		*running = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, "cannot count jobs", err);
	return DL_OK;
}
