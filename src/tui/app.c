/* The dashboard's shared state (app.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "util/clock.h"

void app_reload(struct app *a)
{
	struct store_row *rows;
	struct dl_error err;
	int n;

	a->reload = 0;
	if (store_list_runs(a->store, NULL, &rows, &n, &err) != DL_OK) {
		snprintf(a->store_problem, sizeof a->store_problem, "%.200s", err.msg);
		return;
	}
	free(a->rows);
	a->rows = rows;
	a->n_rows = n;
	a->store_problem[0] = '\0';
	if (store_queue_paused(a->store, &a->queue_paused, &err) != DL_OK)
		snprintf(a->store_problem, sizeof a->store_problem, "%.200s", err.msg);
	/* where runs train (executor, Slurm job, node), for the lists and
	 * the header */
	struct store_job *jobs;

	if (store_list_jobs(a->store, &jobs, &n, &err) != DL_OK ||
	    store_count_jobs(a->store, "slurm", &a->slurm_pending, &a->slurm_running,
			     &err) != DL_OK) {
		snprintf(a->store_problem, sizeof a->store_problem, "%.200s", err.msg);
		return;
	}
	free(a->jobs);
	a->jobs = jobs;
	a->n_jobs = n;
}

void app_free(struct app *a)
{
	free(a->rows);
	a->rows = NULL;
	a->n_rows = 0;
	free(a->jobs);
	a->jobs = NULL;
	a->n_jobs = 0;
	modal_close(&a->modal);
}

const struct store_row *app_row(const struct app *a, int64_t id)
{
	for (int i = 0; id && i < a->n_rows; i++)
		if (a->rows[i].id == id)
			return &a->rows[i];
	return NULL;
}

void app_message(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->message, sizeof a->message, fmt, ap);
	va_end(ap);
	a->message_until = clock_seconds() + APP_MESSAGE_SECONDS;
}

int app_expire_message(struct app *a, double now)
{
	if (!a->message[0] || now < a->message_until)
		return 0;
	a->message[0] = '\0';
	return 1;
}

void app_go(struct app *a, enum view_id v)
{
	if (v == a->view)
		return;
	if (v == VIEW_HELP)
		a->help_back = a->view;
	else if (v == VIEW_SWEEP && a->view != VIEW_HELP)
		a->sweep_back = a->view;
	else if ((v == VIEW_RUN || v == VIEW_COMPARE) &&
		 (a->view == VIEW_OVERVIEW || a->view == VIEW_RUNS))
		a->back = a->view;
	a->view = v;
}

void app_go_back(struct app *a)
{
	if (a->view == VIEW_HELP)
		a->view = a->help_back;
	else if (a->view == VIEW_RUN || a->view == VIEW_COMPARE)
		a->view = a->back;
	else if (a->view == VIEW_SWEEP)
		a->view = a->sweep_back;
	else if (a->view == VIEW_RUNS && a->point_sweep) {
		a->point_sweep = 0;     /* the sweep view remembers where it came from */
		a->view = VIEW_SWEEP;
	} else if (a->view == VIEW_PAD) {
		a->view = VIEW_RUN;
	}
}

int app_is_marked(const struct app *a, int64_t id)
{
	for (int i = 0; i < a->n_marked; i++)
		if (a->marked[i] == id)
			return 1;
	return 0;
}

void app_unmark(struct app *a, int64_t id)
{
	for (int i = 0; i < a->n_marked; i++)
		if (a->marked[i] == id) {
			memmove(&a->marked[i], &a->marked[i + 1],
				sizeof *a->marked * (size_t)(a->n_marked - i - 1));
			a->n_marked--;
			return;
		}
}

void app_toggle_mark(struct app *a, int64_t id)
{
	if (app_is_marked(a, id))
		app_unmark(a, id);
	else if (id && a->n_marked < APP_MAX_MARKS)
		a->marked[a->n_marked++] = id;
}
