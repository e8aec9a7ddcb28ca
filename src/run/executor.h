/*
 * executor.h - where a run trains, in words for listings (queue ls, the
 * dashboard): its executor, its scheduler job and its node. A run with a
 * job row (store.h, "executors") went to Slurm; any other was trained by
 * a local worker, whose name begins with its host.
 */
#ifndef DL_RUN_EXECUTOR_H
#define DL_RUN_EXECUTOR_H

#include "store/store.h"

struct executor_cells {
	char executor[16];      /* "local", "slurm"; "-" for a run never started */
	char job[48];           /* "123", "123_4", "-" */
	char node[64];          /* the host; "(pending)" while Slurm holds the job
	                           back; "-" when not known */
};

/* The row of run_id in a list from store_list_jobs (sorted by run id), or
 * NULL. */
const struct store_job *executor_find_job(const struct store_job *jobs, int n, int64_t run_id);

/* The cells of run r, whose job row is j (NULL: none). Names come from
 * the store and from Slurm: escape them before printing. */
void executor_cells(const struct store_row *r, const struct store_job *j,
		    struct executor_cells *out);

#endif
