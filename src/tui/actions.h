/*
 * actions.h - what the keys do to runs and to the queue, wherever a run is
 * selected: requests to the store (cancel, stop, pause, retry, priority),
 * tags, notes, removal, queueing a file, cloning a run into the editor.
 * Each answers KEY_RELOAD when it changed the store, since the store's
 * data_version does not move for the dashboard's own writes.
 */
#ifndef DL_TUI_ACTIONS_H
#define DL_TUI_ACTIONS_H

#include <stdint.h>

#include "tui/app.h"
#include "tui/keys.h"
#include "tui/runlist.h"

/* c s p r + - t n d E v w on run id; KEY_IGNORED for other keys. */
enum key_result action_run_key(struct app *a, int64_t id, int key);

/* a: pick an experiment file to queue; A: type its path. */
enum key_result action_pick_file(struct app *a);
enum key_result action_ask_path(struct app *a);
/* P: pause or resume the whole queue. */
enum key_result action_toggle_queue(struct app *a);

/* A list's keys: moving the selection (arrows, j k, pages, Home End), Enter
 * and a second click to open the run, a click to select one, and the run
 * keys above. top: the screen line of the list's first row. */
enum key_result list_key(struct app *a, struct run_list *l, int top, const struct key_event *k);

/* Open run id in the run view. */
enum key_result action_open_run(struct app *a, int64_t id);
/* w: open the sweep of run id in the sweep view (a message when it has none). */
enum key_result action_open_sweep(struct app *a, int64_t id);

#endif
