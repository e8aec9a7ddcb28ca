/*
 * slurm.h - the Slurm executor: `digitlab serve --executor slurm` hands
 * the store's queue to a Slurm cluster and follows it (DESIGN.md,
 * "Executors"). Slurm schedules, places, accounts and requeues; this
 * module submits, imports and reacts, from the login node.
 *
 * Submission. Every round (about once a second) the serve claims what is
 * claimable, as a local worker would (a paused queue gives nothing). The
 * runs of one sweep claimed together go to Slurm as one job array
 * (sbatch --array=0-N, %K with max_jobs), every other run as a job of its
 * own; each job asks for its run's threads as --cpus-per-task, to be
 * requeued (--requeue), and for SIGUSR1 warn_seconds before its time limit
 * (--signal=B:USR1@S). A task runs `digitlab worker` for the run at its
 * index, which trains it into its spool directory (spool.h). A claimed run
 * stays "running" in the store while its job waits or trains, under the
 * worker name "slurm:JOB_NAME"; its job row (store.h, "executors") holds
 * the job's name before sbatch is called and its id after, so a serve
 * killed in between finds the job by name (squeue --name) rather than
 * submitting it twice.
 *
 * Following. Every round the serve asks squeue for its jobs (every state,
 * one line per array task), then imports every followed run's new spool
 * records into the store, then decides: a run whose records ended it is
 * done with; a job Slurm still holds is left to it (its state and node are
 * kept in the job row for ls and the dashboard); a job that is gone
 * without a result (FAILED, NODE_FAIL, TIMEOUT, PREEMPTED, a killed
 * worker: squeue's last word, else sacct's) is submitted again as a job of
 * its own that resumes from the run's checkpoint, up to `retries` times,
 * after which the run fails saying why. A job that ended by its own warning
 * (its checkpoint written) is sent again without counting against retries.
 * When squeue cannot be asked, nothing is decided that round.
 *
 * Control. cancel: the control file says "cancel" and the job is scancel'd;
 * the run ends cancelled once Slurm no longer holds it. stop: the control
 * file says "stop" and the job ends after its epoch, its checkpoint
 * written, the run paused; a stop of a job still pending scancels it.
 * Resume withdraws a stop not yet carried out (the control file goes).
 *
 * A serve that stops (SIGTERM, SIGINT, or killed) leaves its jobs to Slurm;
 * the next serve adopts them all from the store.
 */
#ifndef DL_RUN_SLURM_H
#define DL_RUN_SLURM_H

#include <stdio.h>

#include "util/error.h"

/* Jobs that end without a result are sent again this many times. */
#define SLURM_DEFAULT_RETRIES 3
/* SIGUSR1 comes this long before a job's time limit. */
#define SLURM_DEFAULT_WARN_SECONDS 120
#define SLURM_MAX_SBATCH_ARGS 32

struct slurm_opts {
	const char *store_dir;          /* the store (its spool is STORE/spool) */
	const char *cache_dir;          /* the data cache, as the compute nodes see it */
	const char *digitlab;           /* this program's absolute path, for the jobs */
	const char *partition;          /* NULL: Slurm's default */
	const char *account;            /* NULL: Slurm's default */
	const char *time_limit;         /* --time, NULL: the partition's */
	int max_jobs;                   /* tasks of an array running at once, 0: no limit */
	const char *sbatch_args[SLURM_MAX_SBATCH_ARGS]; /* given to sbatch as they are */
	int n_sbatch_args;
	int retries;                    /* resubmissions of a run after jobs without a result */
	int warn_seconds;               /* --signal=B:USR1@warn_seconds */
	double checkpoint_seconds;      /* the workers' --checkpoint-every, < 0: default */
	int drain;                      /* return once nothing is queued or in Slurm */
	double poll_seconds;            /* a round this often */
	const volatile int *quit;       /* raised (atomically): return, jobs left running */
	FILE *log;                      /* one line per submission and run end; may be NULL */
};

/* Follow and feed the cluster until *quit (or drained). DL_ERR when the
 * store cannot be used, or sbatch refuses a submission (its message in
 * err; the runs it held are put back in the queue, interrupted). */
int slurm_serve(const struct slurm_opts *o, struct dl_error *err);

#endif
