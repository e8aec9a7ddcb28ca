/*
 * child.h - leaving the dashboard for another program and coming back:
 * the user's editor on a clone of a run (queued when the edit is a valid
 * experiment, kept when it is not), and `digitlab augment-preview`.
 * Programs run without a shell, so nothing typed reaches one.
 */
#ifndef DL_TUI_CHILD_H
#define DL_TUI_CHILD_H

#include <stdint.h>

#include "tui/app.h"

/* E: run id's experiment in a temporary file, $VISUAL or $EDITOR (else vi)
 * on it until it is valid, left unchanged, or given up on; a valid edit is
 * queued, one given up on is kept and the message says where. */
void child_clone_and_edit(struct app *a, int64_t id);

/* v: `digitlab augment-preview FILE 4` in the plain terminal, until Enter. */
void child_preview_file(struct app *a, const char *path);
/* v on a run: its experiment previewed. */
void child_preview_run(struct app *a, int64_t id);

#endif
