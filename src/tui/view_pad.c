/*
 * The pad view (views.h): a 28x28 drawing, made with the mouse (press and
 * drag) or the keys (arrows move the pen, space puts it down or lifts it),
 * read by the run's model as it changes: the probability of each class
 * and the saliency of the most probable one.
 *
 * The model is restored from the run's model file (its checkpoint) in
 * enter and update, once per epoch the run finished, and classifies in
 * the key handlers; draw only shows what they left (views.h). The drawing
 * goes through the same preparation as `digitlab predict` gives an image
 * file (classify.h), and `s` saves it as a PGM that predict reads back to
 * the same pixels: the brush paints levels of 1/255 only.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/pgm.h"
#include "train/classify.h"
#include "tui/views.h"
#include "tui/widgets.h"
#include "util/text.h"

#define PAD_ROWS (PAD_SIDE / 2)         /* text rows: two pixel rows each */
#define BRUSH_EDGE (128.0f / 255.0f)    /* the pixels beside a stroke */
#define SIDE_X 32                       /* the answer's column at 80 columns */
#define SALIENCY_X 52

/* ---- the model ---- */

static void drop_model(struct pad_state *s)
{
	if (!s->model)
		return;
	classifier_close(s->model);
	free(s->model);
	s->model = NULL;
}

/* The model's answer for the drawing as it is now; none for a blank one. */
static void classify(struct pad_state *s)
{
	struct dl_error err;
	int ink = 0;

	s->answered = 0;
	for (int i = 0; i < PAD_SIDE * PAD_SIDE && !ink; i++)
		ink = s->ink[i] > 0;
	if (!s->model || !ink)
		return;
	if (classifier_run(s->model, s->ink, PAD_SIDE, PAD_SIDE, 0, &err) != DL_OK) {
		snprintf(s->why, sizeof s->why, "%s", err.msg);
		return;
	}
	s->answered = 1;
}

/* Restore the run's model from the file its worker keeps. */
static void load_model(struct app *a, struct pad_state *s, const struct store_row *r)
{
	struct store_run run;
	struct dl_error err;
	int found = 0;

	drop_model(s);
	s->id = r->id;
	s->loaded_epochs = r->epochs;
	s->why[0] = '\0';
	row_label(r, s->label, sizeof s->label);
	if (store_get_run(a->store, r->id, &run, &found, &err) != DL_OK) {
		snprintf(s->why, sizeof s->why, "run %lld: %s", (long long)r->id, err.msg);
		return;
	}
	if (!found) {
		snprintf(s->why, sizeof s->why, "run %lld is gone", (long long)r->id);
		return;
	}
	if (!run.checkpoint[0])
		snprintf(s->why, sizeof s->why, "run %lld has no model file yet: its worker writes "
			 "one as it trains", (long long)r->id);
	else if (!(s->model = calloc(1, sizeof *s->model)))
		snprintf(s->why, sizeof s->why, "out of memory");
	else if (classifier_open(s->model, run.checkpoint, &err) != DL_OK) {
		snprintf(s->why, sizeof s->why, "%s", err.msg);
		free(s->model);
		s->model = NULL;
	}
	store_run_free(&run);
}

/* A new run, a new epoch of it (new weights), or no model yet: restore. */
static void pad_refresh(struct app *a, struct pad_state *s, int retry)
{
	const struct store_row *r = app_row(a, a->open_run);

	if (!r) {
		drop_model(s);
		s->id = 0;
		s->answered = 0;
		snprintf(s->why, sizeof s->why, "This run is gone.");
		return;
	}
	if (s->id == r->id && s->loaded_epochs == r->epochs && (s->model || !retry))
		return;
	load_model(a, s, r);
	classify(s);
}

static void pad_enter(struct app *a, void *state)
{
	struct pad_state *s = state;

	s->last_row = s->last_col = -1;
	pad_refresh(a, s, 1);
}

static void pad_update(struct app *a, void *state)
{
	pad_refresh(a, state, 0);
}

/* ---- drawing ---- */

/* The brush at a cell: its two pixels full, the pixels left and right of
 * them at least half. */
static void stamp(struct pad_state *s, int row, int col)
{
	for (int y = 2 * row; y < 2 * row + 2; y++)
		for (int x = col - 1; x <= col + 1; x++) {
			float *p;

			if (x < 0 || x >= PAD_SIDE)
				continue;
			p = &s->ink[y * PAD_SIDE + x];
			*p = x == col ? 1.0f : *p > BRUSH_EDGE ? *p : BRUSH_EDGE;
		}
}

/* The brush along a line of cells, both ends included (Bresenham). */
static void stroke(struct pad_state *s, int r0, int c0, int r1, int c1)
{
	int dc = abs(c1 - c0), dr = -abs(r1 - r0), sc = c0 < c1 ? 1 : -1, sr = r0 < r1 ? 1 : -1;
	int e = dc + dr;

	for (;;) {
		int e2 = 2 * e;

		stamp(s, r0, c0);
		if (r0 == r1 && c0 == c1)
			break;
		if (e2 >= dr) {
			e += dr;
			c0 += sc;
		}
		if (e2 <= dc) {
			e += dc;
			r0 += sr;
		}
	}
}

static void pad_draw(const struct app *a, void *state, struct canvas *c)
{
	struct pad_state *s = state;
	const struct classifier *m = s->model;
	int side_w = c->w >= 80 ? SALIENCY_X - SIDE_X - 1 : c->w - SIDE_X;
	char title[400];

	(void)a;
	chrome_keys_fit(c, " ?help  mouse: press and drag to draw  arrows move the pen"
		    "  space pen down/up  c clear  s save as PGM  Esc back ",
		    " ?help  mouse or arrows+space draw  c clear  s save PGM  Esc back ");
	snprintf(title, sizeof title, "run %lld %s: draw a digit", (long long)s->id, s->label);
	canvas_text(c, 0, 1, title, COLOR_TITLE, ATTR_BOLD, 0);
	if (m)
		canvas_printf(c, (int)strlen(title) + 2, 1, COLOR_DIM, 0, "(its model after epoch %d)",
			      m->r.epoch);
	s->pad_x = 1;
	s->pad_y = 3;
	widget_pad(c, 0, 2, s->ink, PAD_SIDE, PAD_SIDE, s->row, s->col,
		   s->pen_down ? "pen down" : "pen up");
	canvas_text(c, 0, 2 + widget_pad_height(PAD_SIDE),
		    "mouse: press and drag; keys: arrows move, space pen, c clear", COLOR_DIM, 0, 0);
	if (!m) {
		canvas_text(c, SIDE_X, 3, "No model to read the drawing:", COLOR_BAD, ATTR_BOLD, 0);
		canvas_text(c, 0, 3 + widget_pad_height(PAD_SIDE), s->why, COLOR_BAD, 0, 0);
		return;
	}
	if (!s->answered) {
		canvas_text(c, SIDE_X, 3, s->why[0] ? s->why : "Draw a digit on the pad.", COLOR_DIM,
			    0, 0);
		return;
	}
	{
		char name[TEXT_ESCAPED_SIZE(CHECKPOINT_CLASS_NAME_MAX)];

		if (m->best < m->r.n_classes)
			text_escape(name, sizeof name, m->r.class_names[m->best], TEXT_ONE_LINE);
		else
			snprintf(name, sizeof name, "%d", m->best);
		canvas_printf(c, SIDE_X, 2, COLOR_GOOD, ATTR_BOLD, "prediction: %s", name);
	}
	{
		const char *labels[CHECKPOINT_MAX_CLASSES];

		for (int i = 0; i < m->r.n_classes && i < CHECKPOINT_MAX_CLASSES; i++)
			labels[i] = m->r.class_names[i];
		widget_prob_bars(c, SIDE_X, 3, side_w, PAD_ROWS, m->probs, m->k,
				 m->r.n_classes == m->k ? labels : NULL);
	}
	if (c->w >= SALIENCY_X + widget_image_width(m->in_w)) {
		canvas_text(c, SALIENCY_X, 2, "saliency: + for, - against", COLOR_DIM, 0, 0);
		widget_image(c, SALIENCY_X, 3, m->saliency, m->in_h, m->in_w, 1);
	}
	if (c->w >= SALIENCY_X + 2 * widget_image_width(m->in_w) + 2) {
		int x = SALIENCY_X + widget_image_width(m->in_w) + 2;

		canvas_text(c, x, 2, "what the model sees", COLOR_DIM, 0, 0);
		widget_image(c, x, 3, m->x, m->in_h, m->in_w, 0);
	}
}

/* ---- keys ---- */

/* The cell of the drawing at screen (x, y); 0 when outside it. */
static int cell_at(const struct pad_state *s, int x, int y, int *row, int *col)
{
	*row = y - s->pad_y;
	*col = x - s->pad_x;
	return *row >= 0 && *row < PAD_ROWS && *col >= 0 && *col < PAD_SIDE;
}

/* A press starts a stroke; a drag draws on to where the mouse is. */
static enum key_result mouse(struct pad_state *s, const struct key_event *k)
{
	int row, col;

	if (!cell_at(s, k->x, k->y, &row, &col)) {
		s->last_row = s->last_col = -1;
		return KEY_HANDLED;
	}
	if (k->key == KEY_MOUSE_DRAG && s->last_row >= 0)
		stroke(s, s->last_row, s->last_col, row, col);
	else
		stamp(s, row, col);
	s->last_row = s->row = row;
	s->last_col = s->col = col;
	classify(s);
	return KEY_REDRAW;
}

static enum key_result move_pen(struct pad_state *s, int dr, int dc)
{
	int row = s->row + dr, col = s->col + dc;

	if (row < 0 || row >= PAD_ROWS || col < 0 || col >= PAD_SIDE)
		return KEY_HANDLED;
	s->row = row;
	s->col = col;
	if (s->pen_down) {
		stamp(s, row, col);
		classify(s);
	}
	return KEY_REDRAW;
}

/* The drawing as pad-RUN-N.pgm in the current folder, N the first free.
 * For a model that inverts its images (data.invert) it is saved as such
 * an image is, dark on light, so that predict inverts it back. */
static enum key_result save(struct app *a, struct pad_state *s)
{
	float pixels[PAD_SIDE * PAD_SIDE];
	int invert = s->model && s->model->r.exp.data.invert, rc = PGM_EXISTS;
	struct dl_error err;
	char path[64];

	for (int i = 0; i < PAD_SIDE * PAD_SIDE; i++)
		pixels[i] = invert ? 1.0f - s->ink[i] : s->ink[i];
	while (rc == PGM_EXISTS && s->saved < 100000) {
		snprintf(path, sizeof path, "pad-%lld-%d.pgm", (long long)s->id, ++s->saved);
		rc = pgm_write_new(path, pixels, PAD_SIDE, PAD_SIDE, &err);
	}
	if (rc == DL_OK)
		app_message(a, "saved the drawing as %s", path);
	else
		app_message(a, "%s", rc == PGM_EXISTS ? "no free pad-*.pgm name here" : err.msg);
	return KEY_REDRAW;
}

static enum key_result pad_key(struct app *a, void *state, const struct key_event *k)
{
	struct pad_state *s = state;

	switch (k->key) {
	case KEY_MOUSE: case KEY_MOUSE_DRAG: return mouse(s, k);
	case KEY_LEFT: case 'h': return move_pen(s, 0, -1);
	case KEY_RIGHT: case 'l': return move_pen(s, 0, 1);
	case KEY_UP: case 'k': return move_pen(s, -1, 0);
	case KEY_DOWN: case 'j': return move_pen(s, 1, 0);
	case ' ':
		s->pen_down = !s->pen_down;
		if (s->pen_down) {
			stamp(s, s->row, s->col);
			classify(s);
		}
		return KEY_REDRAW;
	case 'c':
		memset(s->ink, 0, sizeof s->ink);
		s->why[0] = '\0';
		classify(s);
		return KEY_REDRAW;
	case 's': return save(a, s);
	default: return KEY_IGNORED;
	}
}

static void pad_free(void *state)
{
	drop_model(state);
}

const struct view_ops pad_view = {
	.name = "pad", .enter = pad_enter, .update = pad_update, .draw = pad_draw,
	.key = pad_key, .free = pad_free,
};
