/* What the keys do to runs and to the queue (actions.h). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui/actions.h"
#include "tui/chrome.h"
#include "tui/child.h"
#include "tui/queueing.h"

static enum key_result request(struct app *a, int64_t id, enum store_request req,
			       const char *done)
{
	const struct store_row *r = app_row(a, id);
	struct dl_error err;
	int changed;

	if (store_request(a->store, id, req, &changed, &err) != DL_OK)
		app_message(a, "%s", err.msg);
	else if (changed)
		app_message(a, "run %lld: %s", (long long)id, done);
	else
		app_message(a, "run %lld is %s: nothing to do", (long long)id,
			    r ? store_status_name(r->status) : "gone");
	return KEY_RELOAD;
}

static enum key_result toggle_pause(struct app *a, int64_t id)
{
	const struct store_row *r = app_row(a, id);

	if (r && r->status == STORE_PAUSED)
		return request(a, id, STORE_REQUEST_RESUME, "resumed");
	return request(a, id, STORE_REQUEST_PAUSE, "paused");
}

static enum key_result cancel(struct app *a, int64_t id)
{
	const struct store_row *r = app_row(a, id);

	return request(a, id, STORE_REQUEST_CANCEL, r && r->status == STORE_RUNNING ?
		       "cancelled; it stops at its next batch" : "cancelled");
}

static enum key_result cancel_done(struct app *a, struct modal *m, int key)
{
	return key == 'y' ? cancel(a, m->run) : KEY_REDRAW;
}

static enum key_result change_priority(struct app *a, int64_t id, int by)
{
	const struct store_row *r = app_row(a, id);
	struct dl_error err;

	if (!r)
		return KEY_HANDLED;
	if (store_set_priority(a->store, id, r->priority + by, &err) != DL_OK)
		app_message(a, "%s", err.msg);
	else
		app_message(a, "run %lld: priority %d", (long long)id, r->priority + by);
	return KEY_RELOAD;
}

static enum key_result tag_done(struct app *a, struct modal *m, int key)
{
	struct dl_error err;

	(void)key;
	if (!m->input[0])
		return KEY_REDRAW;
	if (store_tag(a->store, m->run, m->input, &err) != DL_OK)
		app_message(a, "%s", err.msg);
	else
		app_message(a, "run %lld tagged %s", (long long)m->run, m->input);
	return KEY_RELOAD;
}

static enum key_result note_done(struct app *a, struct modal *m, int key)
{
	struct dl_error err;

	(void)key;
	if (store_note(a->store, m->run, m->input[0] ? m->input : NULL, &err) != DL_OK)
		app_message(a, "%s", err.msg);
	else
		app_message(a, "run %lld: note %s", (long long)m->run, m->input[0] ? "kept" : "cleared");
	return KEY_RELOAD;
}

static enum key_result delete_done(struct app *a, struct modal *m, int key)
{
	struct dl_error err;

	if (key != 'y')
		return KEY_REDRAW;
	if (store_rm_run(a->store, m->run, &err) != DL_OK) {
		app_message(a, "%s", err.msg);
		return KEY_REDRAW;
	}
	app_message(a, "run %lld removed", (long long)m->run);
	if (a->view == VIEW_RUN && a->open_run == m->run)
		app_go_back(a);
	app_unmark(a, m->run);
	return KEY_RELOAD;
}

/* A modal about run id, its question naming the run. */
static enum key_result ask_about(struct app *a, int64_t id, const char *verb, int choice,
				 modal_done done)
{
	const struct store_row *r = app_row(a, id);
	char ask[200], label[160];

	if (!r)
		return KEY_HANDLED;
	row_label(r, label, sizeof label);
	if (choice) {
		snprintf(ask, sizeof ask, "%s run %lld %.120s? (y/n) ", verb, (long long)id, label);
		modal_choice(&a->modal, ask, "ynN", done);
	} else {
		snprintf(ask, sizeof ask, "%s run %lld %.60s: ", verb, (long long)id, label);
		modal_input(&a->modal, ask, NULL, done);
	}
	a->modal.run = id;
	return KEY_REDRAW;
}

/* Cancelling a run that has not ended asks first, naming it: the run under
 * the cursor is the one the user chose, and the question says which. */
static enum key_result ask_cancel(struct app *a, int64_t id)
{
	const struct store_row *r = app_row(a, id);

	if (r && (r->status == STORE_QUEUED || r->status == STORE_RUNNING ||
		  r->status == STORE_INTERRUPTED || r->status == STORE_PAUSED))
		return ask_about(a, id, "cancel", 1, cancel_done);
	return cancel(a, id);
}

enum key_result action_run_key(struct app *a, int64_t id, int key)
{
	if (!id)
		return strchr("cspr+-tndEvw", key) && key ? KEY_HANDLED : KEY_IGNORED;
	switch (key) {
	case 'c': return ask_cancel(a, id);
	case 's': return request(a, id, STORE_REQUEST_STOP, "stopping after its epoch");
	case 'p': return toggle_pause(a, id);
	case 'r': return request(a, id, STORE_REQUEST_RETRY, "queued again");
	case '+': return change_priority(a, id, 1);
	case '-': return change_priority(a, id, -1);
	case 't': return ask_about(a, id, "tag", 0, tag_done);
	case 'n': return ask_about(a, id, "note on", 0, note_done);
	case 'd': return ask_about(a, id, "delete", 1, delete_done);
	case 'E': child_clone_and_edit(a, id); return KEY_RELOAD;
	case 'v': child_preview_run(a, id); return KEY_REDRAW;
	case 'w': return action_open_sweep(a, id);
	default: return KEY_IGNORED;
	}
}

enum key_result action_open_sweep(struct app *a, int64_t id)
{
	const struct store_row *r = app_row(a, id);

	if (!r)
		return KEY_HANDLED;
	if (!r->sweep_id) {
		app_message(a, "run %lld is not part of a sweep", (long long)id);
		return KEY_REDRAW;
	}
	a->open_sweep = r->sweep_id;
	app_go(a, VIEW_SWEEP);
	return KEY_RELOAD;
}

/* ---- queueing ---- */

static enum key_result picked(struct app *a, struct modal *m, int key)
{
	const char *path = m->pick_sel < m->n_picks ? m->picks[m->pick_sel] : NULL;

	if (!path)
		return KEY_REDRAW;
	if (key == 'v') {
		child_preview_file(a, path);
		return KEY_REDRAW;
	}
	queue_file(a, path);
	return KEY_RELOAD;
}

enum key_result action_pick_file(struct app *a)
{
	char pattern[4200];

	snprintf(pattern, sizeof pattern, "%s/*.yaml", a->experiments_dir);
	if (!modal_pick(&a->modal, "queue an experiment", pattern, picked))
		app_message(a, "no experiment files in %s/; A asks for a path",
			    a->experiments_dir);
	return KEY_REDRAW;
}

static enum key_result path_done(struct app *a, struct modal *m, int key)
{
	(void)key;
	queue_file(a, m->input);
	return KEY_RELOAD;
}

enum key_result action_ask_path(struct app *a)
{
	modal_input(&a->modal, "queue file: ", "", path_done);
	a->modal.complete_paths = 1;
	return KEY_REDRAW;
}

enum key_result action_toggle_queue(struct app *a)
{
	struct dl_error err;
	int rc = a->queue_paused ? store_resume_queue(a->store, &err)
				 : store_pause_queue(a->store, &err);

	if (rc != DL_OK)
		app_message(a, "%s", err.msg);
	else
		app_message(a, "the queue is %s", a->queue_paused ? "running again" : "paused");
	return KEY_RELOAD;
}

/* ---- lists ---- */

enum key_result action_open_run(struct app *a, int64_t id)
{
	if (!id)
		return KEY_HANDLED;
	a->open_run = id;
	app_go(a, VIEW_RUN);
	return KEY_RELOAD;
}

static enum key_result select_run(struct app *a, int64_t id)
{
	if (id == a->selected)
		return KEY_HANDLED;
	a->selected = id;
	return KEY_REDRAW;
}

/* A page: the screen less the header, heading, message and key lines. */
static int page(const struct app *a)
{
	return a->term && a->term->h > 8 ? a->term->h - 6 : 10;
}

enum key_result list_key(struct app *a, struct run_list *l, int top, const struct key_event *k)
{
	const struct store_row *rows = a->rows;

	switch (k->key) {
	case KEY_UP: case 'k': return select_run(a, run_list_move(l, rows, a->selected, -1));
	case KEY_DOWN: case 'j': return select_run(a, run_list_move(l, rows, a->selected, 1));
	case KEY_PPAGE: return select_run(a, run_list_move(l, rows, a->selected, -page(a)));
	case KEY_NPAGE: return select_run(a, run_list_move(l, rows, a->selected, page(a)));
	case KEY_HOME: return select_run(a, run_list_move(l, rows, a->selected, -l->n));
	case KEY_END: return select_run(a, run_list_move(l, rows, a->selected, l->n));
	case '\n': case '\r': case KEY_ENTER: return action_open_run(a, a->selected);
	case KEY_MOUSE: {
		int64_t id = run_list_at(l, rows, l->top + k->y - top);

		if (!id)
			return KEY_HANDLED;
		return id == a->selected ? action_open_run(a, id) : select_run(a, id);
	}
	default:
		return action_run_key(a, a->selected, k->key);
	}
}
