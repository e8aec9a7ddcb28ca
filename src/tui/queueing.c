/* Queueing from the dashboard (queueing.h). */
#include <stdio.h>

#include "tui/queueing.h"

int queue_plan(struct app *a, const struct sweep_plan *plan)
{
	struct enqueue_opts o = {.threads = 1};
	struct dl_error err;
	int64_t first, last, sweep;

	if (enqueue_queue(a->store, plan, &o, &first, &last, &sweep, &err) != DL_OK) {
		app_message(a, "%s", err.msg);
		return 0;
	}
	if (plan->growing)
		app_message(a, "queued sweep %lld: run %lld, and %d more as workers free up",
			    (long long)sweep, (long long)first, plan->planned - 1);
	else if (plan->n == 1)
		app_message(a, "queued run %lld %s", (long long)first, plan->runs[0].exp.name);
	else
		app_message(a, "queued sweep %lld: runs %lld-%lld", (long long)sweep,
			    (long long)first, (long long)last);
	a->selected = first;
	return 1;
}

int queue_file(struct app *a, const char *path)
{
	struct enqueue_opts o = {.threads = 1};
	struct sweep_plan plan;
	struct dl_error err;
	int queued;

	dl_error_clear(&err);
	if (enqueue_plan(&plan, path, &o, &err) != DL_OK) {
		char msg[1200];

		dl_error_format(&err, msg, sizeof msg);
		app_message(a, "%s", msg);
		return 0;
	}
	queued = queue_plan(a, &plan);
	sweep_plan_free(&plan);
	return queued;
}
