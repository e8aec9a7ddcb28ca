/* Where a run trains, in words (executor.h). */
#include <stdio.h>
#include <string.h>

#include "run/executor.h"

void executor_cells(const struct store_row *r, const struct store_job *j,
		    struct executor_cells *out)
{
	snprintf(out->executor, sizeof out->executor, "-");
	snprintf(out->job, sizeof out->job, "-");
	snprintf(out->node, sizeof out->node, "-");
	if (j) {
		snprintf(out->executor, sizeof out->executor, "%s", j->executor);
		if (j->job_id > 0 && j->array_task >= 0)
			snprintf(out->job, sizeof out->job, "%lld_%d", (long long)j->job_id,
				 j->array_task);
		else if (j->job_id > 0)
			snprintf(out->job, sizeof out->job, "%lld", (long long)j->job_id);
		if (j->node[0])
			snprintf(out->node, sizeof out->node, "%s", j->node);
		else if (!strcmp(j->state, "PENDING") || !strcmp(j->state, "SUBMITTING"))
			snprintf(out->node, sizeof out->node, "(pending)");
		return;
	}
	if (r->worker[0]) {
		size_t host = strcspn(r->worker, ":");

		snprintf(out->executor, sizeof out->executor, "local");
		snprintf(out->node, sizeof out->node, "%.*s", (int)host, r->worker);
	}
}

const struct store_job *executor_find_job(const struct store_job *jobs, int n, int64_t run_id)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (jobs[mid].run_id == run_id)
			return &jobs[mid];
		if (jobs[mid].run_id < run_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}
