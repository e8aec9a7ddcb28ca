/* The run view: one run, in six tabs (views.h; the tabs are drawn by
 * run_tabs.c). */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/actions.h"
#include "tui/views.h"
#include "tui/widgets.h"
#include "util/format.h"

static void free_lines(char ***lines, int *n)
{
	for (int i = 0; i < *n; i++)
		free((*lines)[i]);
	free(*lines);
	*lines = NULL;
	*n = 0;
}

/* Text as malloc'd lines. */
static void split_lines(const char *text, char ***lines, int *n)
{
	int cap = 0;

	*lines = NULL;
	*n = 0;
	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, "\n");

		if (*n == cap) {
			char **grown = realloc(*lines, sizeof *grown * (size_t)(cap = cap ? 2 * cap : 64));

			if (!grown)
				return;
			*lines = grown;
		}
		if (!((*lines)[*n] = strndup(p, len)))
			return;
		(*n)++;
		p += len + (p[len] == '\n');
	}
}

static void forget(struct run_state *s)
{
	if (s->id)
		store_run_free(&s->run);
	store_epochs_free(s->epochs, s->n_epochs);
	store_samples_free(s->samples, s->n_samples);
	store_weights_free(&s->weights);
	free_lines(&s->summary, &s->n_summary);
	free_lines(&s->yaml_lines, &s->n_yaml);
	answer_book_free(&s->book);
	s->book_read = s->weights_read = 0;
	free(s->flip_idx);
	s->flip_idx = NULL;
	s->n_flip = 0;
	s->id = 0;
	s->run = (struct store_run){0};
	s->epochs = NULL;
	s->samples = NULL;
	s->n_epochs = s->n_samples = s->k = s->n_wrong = s->has_val = 0;
	s->labels[0] = NULL;
	s->tags[0] = s->weights_note[0] = '\0';
}

/* The data set's class names, when it has them for each of the k classes. */
static void read_class_names(struct app *a, struct run_state *s)
{
	struct dl_error err;
	int n = 0;

	s->labels[0] = NULL;
	if (store_get_class_names(a->store, s->id, s->class_names, &n, &err) != DL_OK || n != s->k)
		return;
	for (int i = 0; i < n; i++)
		s->labels[i] = s->class_names[i];
}

/* The split's confusion, its misclassified digits, and how many were wrong. */
static int read_analysis(struct app *a, struct run_state *s, struct dl_error *err)
{
	int found, val_k = 0;

	if (store_get_confusion(a->store, s->id, "val", &val_k, s->confusion, &s->has_val,
				err) != DL_OK)
		return DL_ERR;
	s->split = a->show_val && s->has_val ? "val" : "test";
	s->k = val_k;
	if (strcmp(s->split, "val") &&
	    store_get_confusion(a->store, s->id, "test", &s->k, s->confusion, &found, err) != DL_OK)
		return DL_ERR;
	for (int t = 0; t < s->k; t++)
		for (int p = 0; p < s->k; p++)
			s->n_wrong += t != p ? s->confusion[t * s->k + p] : 0;
	read_class_names(a, s);
	return store_get_misclassified(a->store, s->id, s->split, 0, &s->samples, &s->n_samples, err);
}

/* What the Weights tab shows, as the worker kept it. Only that tab reads
 * it: the first layer's weights are rewritten after every epoch. */
static void read_weights(struct app *a, struct run_state *s)
{
	struct dl_error err;
	int found;

	s->weights_read = 1;
	if (store_get_weights(a->store, s->id, &s->weights, &found, &err) != DL_OK) {
		app_message(a, "run %lld: %s", (long long)s->id, err.msg);
		found = 0;
	}
	if (found)
		snprintf(s->weights_note, sizeof s->weights_note,
			 "layer %d: %d %ss of %dx%d, after epoch %d", s->weights.layer + 1, s->weights.n,
			 s->weights.unit_name, s->weights.w, s->weights.h, s->weights.epoch);
	else
		snprintf(s->weights_note, sizeof s->weights_note,
			 "No weights yet: they are kept at the end of each epoch.");
}

/* What the Model tab shows, as the queue kept it. */
static int read_artifacts(struct app *a, struct run_state *s, struct dl_error *err)
{
	char *summary = NULL;
	int found;

	if (store_get_summary(a->store, s->id, &summary, &found, err) != DL_OK)
		return DL_ERR;
	split_lines(found ? summary : "No model summary was kept for this run.", &s->summary,
		    &s->n_summary);
	free(summary);
	return DL_OK;
}

/* The Confusion tab's answers through time: the validation set's, when
 * the run kept them. Until a key chooses an epoch, a run still training
 * (no final matrix yet) shows its latest epoch, and a finished one its
 * final evaluation; a chosen epoch that was the last follows new ones.
 * Only the Confusion tab reads it: the book holds every epoch's answers
 * and the digits, and grows with each epoch of a run being watched. */
static void read_book(struct app *a, struct run_state *s)
{
	int was_last = s->epoch && s->epoch == s->book.last_epoch, found;
	struct dl_error err;

	answer_book_free(&s->book);
	s->book_read = 1;
	if (answer_book_load(a->store, s->id, "val", &s->book, &found, &err) != DL_OK)
		app_message(a, "run %lld: %s", (long long)s->id, err.msg);
	if (!s->book.last_epoch) {
		s->epoch = 0;
		s->flips = FLIPS_NONE;
	} else if (!s->epoch_chosen) {
		s->epoch = s->k ? 0 : s->book.last_epoch;
	} else if (was_last || s->epoch > s->book.last_epoch) {
		s->epoch = s->book.last_epoch;
	}
	run_answers_refresh(s);
}

/* The list of samples the flips mode shows, into s->flip_idx. */
static void refresh_flips(struct run_state *s)
{
	const struct answer_book *b = &s->book;
	int k = s->epoch ? s->epoch : b->first_epoch, *other, n_other;
	const uint8_t *at_k = answer_book_row(b, k), *at_end = answer_book_row(b, b->last_epoch);

	free(s->flip_idx);
	s->flip_idx = NULL;
	s->n_flip = 0;
	if (s->flips == FLIPS_NONE || !at_k || !at_end ||
	    !(s->flip_idx = malloc(sizeof *s->flip_idx * (size_t)b->set.n)))
		return;
	if (s->flips == FLIPS_UNSTABLE) {
		s->n_flip = store_unstable_samples(&b->hist, s->flip_idx);
	} else if ((other = malloc(sizeof *other * (size_t)b->set.n))) {
		if (s->flips == FLIPS_BROKEN)
			store_answers_flips(&b->set, at_k, at_end, s->flip_idx, &s->n_flip, other,
					    &n_other);
		else
			store_answers_flips(&b->set, at_k, at_end, other, &n_other, s->flip_idx,
					    &s->n_flip);
		free(other);
	}
}

void run_answers_refresh(struct run_state *s)
{
	const uint8_t *row = s->epoch ? answer_book_row(&s->book, s->epoch) : NULL;

	if (s->epoch && !row)
		s->epoch = 0;
	if (row)
		store_answers_confusion(&s->book.set, row, s->epoch_confusion);
	refresh_flips(s);
	if (s->flip_sel >= s->n_flip)
		s->flip_sel = s->n_flip > 0 ? s->n_flip - 1 : 0;
}

/* 1 when the tab shown needs what only it reads and that is not read for
 * the run as loaded. */
static int tab_unread(const struct run_state *s)
{
	return s->id && ((s->tab == TAB_CONFUSION && !s->book_read) ||
			 (s->tab == TAB_WEIGHTS && !s->weights_read));
}

/* Read what the tab shown needs and only it reads. */
static void read_tab(struct app *a, struct run_state *s)
{
	if (s->tab == TAB_CONFUSION && !s->book_read)
		read_book(a, s);
	if (s->tab == TAB_WEIGHTS && !s->weights_read)
		read_weights(a, s);
}

static void read_run(struct app *a, struct run_state *s)
{
	struct dl_error err;
	int found, epoch = s->epoch, last = s->book.last_epoch;

	forget(s);
	s->book.last_epoch = last;      /* for read_book to know whether it followed */
	s->epoch = epoch;
	if (store_get_run(a->store, a->open_run, &s->run, &found, &err) != DL_OK || !found) {
		if (found)
			app_message(a, "run %lld: %s", (long long)a->open_run, err.msg);
		return;
	}
	s->id = a->open_run;
	s->loaded_epochs = s->run.row.epochs;
	s->loaded_status = s->run.row.status;
	s->loaded_val = a->show_val;
	split_lines(s->run.yaml, &s->yaml_lines, &s->n_yaml);
	if (store_get_history(a->store, s->id, &s->epochs, &s->n_epochs, &err) != DL_OK ||
	    store_get_tags(a->store, s->id, s->tags, sizeof s->tags, &err) != DL_OK ||
	    read_analysis(a, s, &err) != DL_OK || read_artifacts(a, s, &err) != DL_OK)
		app_message(a, "run %lld: %s", (long long)s->id, err.msg);
	if (s->digit_sel >= s->n_samples)
		s->digit_sel = s->n_samples > 0 ? s->n_samples - 1 : 0;
	read_tab(a, s);
}

/* Read the run again only when it moved on (an epoch, its status) or
 * another run or split was asked for; live progress comes from the rows. */
static void run_update(struct app *a, void *state)
{
	struct run_state *s = state;
	const struct store_row *r = app_row(a, a->open_run);

	if (!r) {
		forget(s);
		return;
	}
	if (s->id != a->open_run || r->epochs != s->loaded_epochs || r->status != s->loaded_status ||
	    a->show_val != s->loaded_val)
		read_run(a, s);
	else
		s->run.row = *r;
}

/* Entered, or an action answered KEY_RELOAD: read it all again, since a
 * tag or a note moves neither its epochs nor its status. */
static void run_enter(struct app *a, void *state)
{
	struct run_state *s = state;

	if (s->id != a->open_run) {
		s->conf_t = s->conf_p = -1;
		s->digit_sel = s->scroll = 0;
		s->epoch = s->flip_sel = s->epoch_chosen = 0;
		s->flips = FLIPS_NONE;
		answer_book_free(&s->book);
		s->layout = (struct confusion_layout){0};
	}
	if (app_row(a, a->open_run))
		read_run(a, s);
	else
		forget(s);
}

static void draw_info(const struct app *a, struct run_state *s, struct canvas *c)
{
	static const char *const names[TAB_COUNT] = {"Curves", "Confusion", "Digits", "Weights",
						     "Model", "YAML"};
	const struct store_row *r = &s->run.row;
	char label[300], acc[16], eta[16], epochs[24];
	int x = 0;

	(void)a;
	row_label(r, label, sizeof label);
	x += canvas_printf(c, x, 1, COLOR_TITLE, ATTR_BOLD, "run %lld %s ", (long long)r->id, label);
	x += canvas_printf(c, x, 1, chrome_status_color(r->status), ATTR_BOLD, "%s ",
			   store_status_name(r->status));
	if (r->status == STORE_RUNNING && r->batches > 0) {
		x += canvas_printf(c, x, 1, COLOR_DEFAULT, 0, "epoch %s ",
				   row_epochs(r, 16, epochs, sizeof epochs));
		widget_progress(c, x, 1, 16, row_progress(r), COLOR_RUNNING);
		x += 17;
		x += canvas_printf(c, x, 1, COLOR_DEFAULT, 0, "ETA %s  %.0f samples/s ",
				   format_duration(r->eta_s, eta, sizeof eta), r->samples_per_s);
	} else {
		x += canvas_printf(c, x, 1, COLOR_DEFAULT, 0, "%d epoch%s  test acc %s ", r->epochs,
				   r->epochs == 1 ? "" : "s", chrome_accuracy(r->test_accuracy, acc, sizeof acc));
	}
	if (s->tags[0])
		x += canvas_printf(c, x, 1, COLOR_ACCENT, 0, " [%s]", s->tags);
	if (s->run.notes && s->run.notes[0])
		canvas_printf(c, x, 1, COLOR_DIM, 0, "  note: %s", s->run.notes);
	x = 0;
	for (int t = 0; t < TAB_COUNT; t++) {
		s->tab_x[t] = x;
		x += canvas_printf(c, x, 2, t == (int)s->tab ? COLOR_ACCENT : COLOR_DIM,
				   t == (int)s->tab ? ATTR_REVERSE | ATTR_BOLD : 0, " %d %s ", t + 1,
				   names[t]) + 1;
	}
	s->tab_x[TAB_COUNT] = x;
	s->tab_y = 2;
}

static void run_draw(const struct app *a, void *state, struct canvas *c)
{
	struct run_state *s = state;

	s->conf_hit.rows = s->digits_hit.rows = s->flips_hit.rows = 0;
	s->scrub_w = 0;
	s->tab_y = -1;
	if (!s->id) {
		canvas_text(c, 2, 3, "This run is gone.", COLOR_DIM, 0, 0);
		chrome_keys(c, " Esc back ");
		return;
	}
	draw_info(a, s, c);
	run_tab_draw(a, s, c, 3, c->h - 2);
	if (s->tab == TAB_CONFUSION && s->book.last_epoch)
		chrome_keys_fit(c, run_tab_keys_epochs(s->flips != FLIPS_NONE, 1),
				run_tab_keys_epochs(s->flips != FLIPS_NONE, 0));
	else
		chrome_keys_fit(c, run_tab_keys(s->tab, 1), run_tab_keys(s->tab, 0));
}

/* ---- keys ---- */

/* Classes of the matrix the Confusion tab shows. */
static int shown_classes(const struct run_state *s)
{
	return s->epoch ? s->book.set.n_classes : s->k;
}

static void move_in_tab(struct run_state *s, int dx, int dy)
{
	int k = shown_classes(s);

	if (s->tab == TAB_CONFUSION && s->flips != FLIPS_NONE) {
		s->flip_sel += dx + dy * (s->flips_hit.cols > 0 ? s->flips_hit.cols : 1);
		if (s->flip_sel >= s->n_flip)
			s->flip_sel = s->n_flip - 1;
		if (s->flip_sel < 0)
			s->flip_sel = 0;
	} else if (s->tab == TAB_CONFUSION && k) {
		if (s->conf_t < 0)
			s->conf_t = s->conf_p = 0;
		s->conf_t = (s->conf_t + dy + k) % k;
		s->conf_p = (s->conf_p + dx + k) % k;
	} else if (s->tab == TAB_DIGITS && s->n_samples) {
		s->digit_sel += dx + dy * 4;
		if (s->digit_sel < 0)
			s->digit_sel = 0;
		if (s->digit_sel >= s->n_samples)
			s->digit_sel = s->n_samples - 1;
	} else {
		s->scroll += dy;
		if (s->scroll < 0)
			s->scroll = 0;
	}
}

/* Show a tab; the Confusion and Weights tabs read what they show first
 * when another tab was shown as the run moved on. */
static enum key_result set_tab(struct run_state *s, int tab)
{
	s->tab = (enum run_tab)((tab + TAB_COUNT) % TAB_COUNT);
	s->scroll = 0;
	return tab_unread(s) ? KEY_RELOAD : KEY_REDRAW;
}

static enum key_result click(struct run_state *s, const struct key_event *k)
{
	int item;

	if (s->scrub_w && k->y == s->scrub_y && k->x >= s->scrub_x &&
	    k->x < s->scrub_x + s->scrub_w) {
		int e = widget_epoch_scrubber_pick(s->scrub_x, s->scrub_w, s->book.first_epoch,
						   s->book.last_epoch, k->x);

		/* the nearest epoch kept */
		while (e > s->book.first_epoch && !answer_book_row(&s->book, e))
			e--;
		s->epoch = e;
		s->epoch_chosen = 1;
		run_answers_refresh(s);
	} else if ((item = hit_grid_item(&s->flips_hit, k->x, k->y)) >= 0) {
		s->flip_sel = item;
	} else if ((item = hit_grid_item(&s->conf_hit, k->x, k->y)) >= 0) {
		s->conf_t = s->layout.top + item / s->conf_hit.cols;
		s->conf_p = s->layout.left + item % s->conf_hit.cols;
	} else if ((item = hit_grid_item(&s->digits_hit, k->x, k->y)) >= 0) {
		s->digit_sel = item;
	} else if (k->y == s->tab_y) {
		for (int t = 0; t < TAB_COUNT; t++)
			if (k->x >= s->tab_x[t] && k->x < s->tab_x[t + 1] - 1)
				return set_tab(s, t);
	} else {
		return KEY_HANDLED;
	}
	return KEY_REDRAW;
}

/* The confusion and digits of the validation set, or back to the test set's. */
static enum key_result toggle_split(struct app *a, struct run_state *s)
{
	if (!a->show_val && !s->has_val) {
		app_message(a, "run %lld kept no validation analysis (no validation set, or not done)",
			    (long long)s->id);
		return KEY_REDRAW;
	}
	a->show_val = !a->show_val;
	s->conf_t = s->conf_p = -1;
	s->digit_sel = 0;
	app_message(a, "showing the %s set", a->show_val ? "validation" : "test");
	return KEY_RELOAD;
}

/* [ and ]: the epoch the Confusion tab shows. From the final evaluation
 * [ goes to the last epoch; ] past the last comes back to it. */
static enum key_result scrub(struct app *a, struct run_state *s, int dir)
{
	const struct answer_book *b = &s->book;

	if (!b->last_epoch) {
		app_message(a, "run %lld kept no answers per epoch (no validation set, no epoch "
			    "done yet, or it ran before digitlab kept them)", (long long)s->id);
		return KEY_REDRAW;
	}
	s->epoch_chosen = 1;
	if (!s->epoch)
		s->epoch = dir < 0 ? b->last_epoch : 0;
	else if (dir > 0 && s->epoch == b->last_epoch && s->k)
		s->epoch = 0;
	else
		s->epoch = answer_book_step(b, s->epoch, dir);
	run_answers_refresh(s);
	return KEY_REDRAW;
}

/* f: the matrix, then the broken, the fixed and the unstable digits. */
static enum key_result next_flips(struct app *a, struct run_state *s)
{
	if (!s->book.last_epoch)
		return scrub(a, s, 0);
	s->flips = (enum flip_list)((s->flips + 1) % FLIPS_COUNT);
	s->flip_sel = 0;
	run_answers_refresh(s);
	return KEY_REDRAW;
}

static int page(const struct app *a)
{
	return a->term && a->term->h > 8 ? a->term->h - 6 : 10;
}

/* The curves' keys: l log y, X log x, x the next x axis; for the chart
 * shown, which keeps them when m shows the other and back. */
static enum key_result chart_key(struct run_state *s, int key)
{
	struct chart_view *v = &s->charts[s->chart_metric];

	if (key == 'l')
		v->log_y = !v->log_y;
	else if (key == 'X')
		v->log_x = !v->log_x;
	else
		v->x = (enum chart_x)((v->x + 1) % CHART_X_COUNT);
	return KEY_REDRAW;
}

static enum key_result run_key(struct app *a, void *state, const struct key_event *k)
{
	struct run_state *s = state;

	switch (k->key) {
	case KEY_MOUSE: return click(s, k);
	case KEY_LEFT: case 'h': move_in_tab(s, -1, 0); return KEY_REDRAW;
	case 'l': if (s->tab == TAB_CURVES) return chart_key(s, k->key); /* fall through */
	case KEY_RIGHT: move_in_tab(s, 1, 0); return KEY_REDRAW;
	case KEY_UP: case 'k': move_in_tab(s, 0, -1); return KEY_REDRAW;
	case KEY_DOWN: case 'j': move_in_tab(s, 0, 1); return KEY_REDRAW;
	case KEY_NPAGE: s->scroll += page(a); return KEY_REDRAW;
	case KEY_PPAGE: s->scroll = s->scroll > page(a) ? s->scroll - page(a) : 0; return KEY_REDRAW;
	case '\t': return set_tab(s, s->tab + 1);
	case KEY_BTAB: return set_tab(s, s->tab - 1);
	case 'm': s->chart_metric = !s->chart_metric; return KEY_REDRAW;
	case 'z': s->smooth = s->smooth == 0 ? 3 : s->smooth == 3 ? 9 : 0; return KEY_REDRAW;
	case 'x': case 'X':
		return s->tab == TAB_CURVES ? chart_key(s, k->key) : action_run_key(a, s->id, k->key);
	case 'V': return toggle_split(a, s);
	case 'd':               /* the pad; delete is D here, d in the lists */
		if (!s->id)
			return KEY_HANDLED;
		app_go(a, VIEW_PAD);
		return KEY_RELOAD;
	case 'D': return action_run_key(a, s->id, 'd');
	case '[': if (s->tab == TAB_CONFUSION) return scrub(a, s, -1); break;
	case ']': if (s->tab == TAB_CONFUSION) return scrub(a, s, 1); break;
	case 'f': if (s->tab == TAB_CONFUSION) return next_flips(a, s); break;
	default:
		if (k->key >= '1' && k->key < '1' + TAB_COUNT)
			return set_tab(s, k->key - '1');
		break;
	}
	return action_run_key(a, s->id, k->key);
}

static void run_free(void *state)
{
	forget(state);
}

const struct view_ops run_view = {
	.name = "run", .enter = run_enter, .update = run_update, .draw = run_draw,
	.key = run_key, .free = run_free,
};
