/*
 * dashboard.h - `digitlab` (or `digitlab ui`): the ncurses dashboard on the
 * run store.
 *
 * The dashboard reads everything from the store, as any other process
 * does, and writes to it only through the store's requests (cancel, stop,
 * pause, ...) and by queueing runs. When no `digitlab serve` holds the
 * store it trains the queue itself with an in-process worker pool (the
 * header says so); quitting while those workers are busy asks whether to
 * hand the queue to a background serve, wait, or interrupt the runs.
 */
#ifndef DL_TUI_DASHBOARD_H
#define DL_TUI_DASHBOARD_H

#include "util/error.h"

struct dashboard_opts {
	int ascii;                      /* --ascii */
	int workers;                    /* in-process workers; 0: one per core */
	const char *experiments_dir;    /* where the enqueue picker looks */
	const char *self;               /* this program, to start `serve --detach` */
};

/* Run the dashboard until the user quits. DL_ERR when it cannot start
 * (not a terminal, the store cannot be opened). */
int dashboard_run(const struct dashboard_opts *o, struct dl_error *err);

#endif
