/*
 * freeze.c - an LD_PRELOAD shim that stops a Slurm worker at a known point,
 * so that a test can kill, requeue or signal it mid-run however fast the
 * machine trains.
 *
 * With DIGITLAB_FAULT_FREEZE=DIR: when a worker has renamed a checkpoint
 * into place as SPOOL/RUN/checkpoint.model, DIR/RUN exists, and the run's
 * SPOOL/RUN/events.log holds at least as many epoch records as DIR/RUN
 * says (a number), the worker removes DIR/RUN and stops itself with
 * SIGSTOP. A marker freezes one worker once: whoever resumes the run
 * trains on. Nothing else is touched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECKPOINT "/checkpoint.model"

/* Epoch records in the events.log of the spool directory dir. */
static int epochs_logged(const char *dir)
{
	char path[4096 + 16], line[512];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof path, "%s/events.log", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		n += strncmp(line, "epoch ", 6) == 0;
	fclose(f);
	return n;
}

/* Whether a marker asks to freeze the run whose checkpoint is path; the
 * marker is removed when it does. */
static int take_marker(const char *path)
{
	const char *markers = getenv("DIGITLAB_FAULT_FREEZE");
	char dir[4096], marker[8192];
	const char *run;
	size_t len = strlen(path), cut;
	FILE *f;
	int want = 0;

	if (!markers || len <= strlen(CHECKPOINT) || len >= sizeof dir ||
	    strcmp(path + len - strlen(CHECKPOINT), CHECKPOINT))
		return 0;
	cut = len - strlen(CHECKPOINT);
	memcpy(dir, path, cut);
	dir[cut] = '\0';
	run = strrchr(dir, '/');
	run = run ? run + 1 : dir;
	snprintf(marker, sizeof marker, "%s/%s", markers, run);
	f = fopen(marker, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &want) != 1)
		want = 0;
	fclose(f);
	return epochs_logged(dir) >= want && unlink(marker) == 0;
}

int rename(const char *from, const char *to)
{
	static int (*real_rename)(const char *, const char *);
	int rc;

	if (!real_rename)
		real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	rc = real_rename(from, to);
	if (rc == 0 && take_marker(to))
		raise(SIGSTOP);
	return rc;
}
