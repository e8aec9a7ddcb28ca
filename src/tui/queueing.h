/*
 * queueing.h - the dashboard queues experiments as `digitlab queue add`
 * does (run/enqueue.h), and says on the message line what it queued or
 * what is wrong with the file.
 */
#ifndef DL_TUI_QUEUEING_H
#define DL_TUI_QUEUEING_H

#include "run/enqueue.h"
#include "tui/app.h"

/* Queue a checked plan. 1 when queued. */
int queue_plan(struct app *a, const struct sweep_plan *plan);
/* Check an experiment file and queue its runs. 1 when queued. */
int queue_file(struct app *a, const char *path);

#endif
