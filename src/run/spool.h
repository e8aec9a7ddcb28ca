/*
 * spool.h - a run trained away from the store: the spool sink that writes
 * it on the compute node, and the importer that brings it into the store
 * on the login node (DESIGN.md, "Executors").
 *
 * SQLite is never opened across nodes (its locks are unreliable on NFS
 * and Lustre). A run handed to Slurm trains in a job that writes only into
 * its spool directory on the shared filesystem, STORE/spool/RUN/:
 *
 *   experiment.yaml   the canonical experiment (written by the serve)
 *   events.log        what the trainer reported, one record a line,
 *                     appended by the job only (one writer)
 *   checkpoint.model  the checkpoint the job resumes from
 *   control           "stop" or "cancel", written by the serve only (the
 *                     job reads it with its progress)
 *
 * A record is a line "TYPE FIELD... *CRC\n": fields separated by one space,
 * texts percent-encoded (no space, newline or '%' inside), doubles in C's
 * hexadecimal notation ("%a", exact: a run imported has bit for bit the
 * metrics it trained to), arrays as little-endian bytes in hex, and CRC
 * the CRC-32 of everything before " *", in 8 hex digits. A line that does
 * not end in '\n' is not read yet; a line whose CRC does not match (a job
 * killed mid-write, then the next job's records after it) is skipped and
 * counted. A job that finds the log ending inside a line ends it first.
 * Epoch records are fsynced as they are written, and so is every record
 * that ends a run.
 *
 * Applying a record twice leaves the store as applying it once (epochs,
 * artifacts and samples replace their own), so an import interrupted
 * between applying records and saving its offset is simply done again.
 */
#ifndef DL_RUN_SPOOL_H
#define DL_RUN_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

#define SPOOL_PATH_MAX 4200

/* STORE/spool/RUN and a file in it ("" file: the directory itself). */
void spool_path(char *buf, size_t size, const char *spool_root, int64_t run_id,
		const char *file);

/* Make STORE/spool/RUN (and STORE/spool), 0700. */
int spool_make_dir(const char *spool_root, int64_t run_id, struct dl_error *err);

/* Write a whole file through a temporary and rename(), fsynced: the
 * experiment and the control file are never seen half written. */
int spool_write_file(const char *path, const char *text, struct dl_error *err);

/* ---- the worker: one run of the spool on a compute node ---- */

struct spool_worker_opts {
	const char *spool_root;         /* STORE/spool */
	int64_t run_id;
	const char *cache_dir;          /* the data cache */
	int threads;                    /* the run's threads (--cpus-per-task) */
	double checkpoint_seconds;      /* as worker_opts.checkpoint_seconds */
	const char *job;                /* "123" or "123_4", "" outside Slurm */
	const char *node;               /* the host it runs on */
	const volatile int *quit;       /* SIGTERM: end at the next batch */
	const volatile int *warned;     /* the time-limit warning: end after the epoch */
};

/* How the worker's run ended, for its command. */
enum spool_worker_end {
	SPOOL_ENDED,            /* done, diverged, cancelled, failed, stopped: recorded */
	SPOOL_INTERRUPTED,      /* quit or warned: its checkpoint written, to resume */
};

/* Train the run from its spool directory to its end, resuming from the
 * spool's checkpoint when there is one (after checking that it is this
 * run's), with every event appended to events.log. A run that cannot be
 * trained (bad YAML, missing data) ends with a "failed" record and DL_OK.
 * DL_ERR only when the spool cannot be written. */
int spool_worker_run(const struct spool_worker_opts *o, enum spool_worker_end *end,
		     struct dl_error *err);

/* ---- the importer, in the serve ---- */

struct spool_import {
	int64_t offset;         /* in: bytes already imported; out: after the last whole line */
	int records;            /* out: records applied */
	int bad_lines;          /* out: lines skipped (torn or damaged) */
	int ended;              /* out: a record ended the run in the store */
	int interrupted;        /* out: the last job ended interrupted (to resume) */
	int started;            /* out: a job started (node holds where) */
	char node[64];          /* out: the last start record's node */
};

/* Apply the records of run_id's events.log from im->offset on to the
 * store. A missing log is nothing to import. DL_ERR when the store cannot
 * be written or the log read. */
int spool_import_run(struct store *s, const char *spool_root, int64_t run_id,
		     struct spool_import *im, struct dl_error *err);

#endif
