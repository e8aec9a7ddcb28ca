/* Inputs, questions and picks over a view (modal.h). */
#include <curses.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "tui/modal.h"

int key_is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

int key_is_backspace(int key)
{
	return key == KEY_BACKSPACE || key == 127 || key == 8;
}

static void open_modal(struct modal *m, enum modal_kind kind, const char *ask, modal_done done)
{
	modal_close(m);
	m->kind = kind;
	snprintf(m->ask, sizeof m->ask, "%s", ask);
	m->done = done;
}

void modal_input(struct modal *m, const char *ask, const char *initial, modal_done done)
{
	open_modal(m, MODAL_INPUT, ask, done);
	snprintf(m->input, sizeof m->input, "%s", initial ? initial : "");
}

void modal_choice(struct modal *m, const char *ask, const char *choices, modal_done done)
{
	open_modal(m, MODAL_CHOICE, ask, done);
	snprintf(m->choices, sizeof m->choices, "%s", choices);
}

int modal_pick(struct modal *m, const char *title, const char *pattern, modal_done done)
{
	glob_t g;

	if (glob(pattern, 0, NULL, &g) != 0)
		return 0;
	modal_pick_items(m, title, (const char *const *)g.gl_pathv, (int)g.gl_pathc, 0, done);
	globfree(&g);
	m->preview = 1;
	return m->n_picks > 0;
}

int modal_pick_items(struct modal *m, const char *title, const char *const *items, int n,
		     int sel, modal_done done)
{
	open_modal(m, MODAL_PICK, title, done);
	m->picks = calloc((size_t)(n > 0 ? n : 1), sizeof *m->picks);
	for (int i = 0; m->picks && i < n; i++)
		if ((m->picks[m->n_picks] = strdup(items[i])))
			m->n_picks++;
	if (m->n_picks == 0) {
		modal_close(m);
		return 0;
	}
	m->pick_sel = sel >= 0 && sel < m->n_picks ? sel : 0;
	return 1;
}

void modal_close(struct modal *m)
{
	for (int i = 0; i < m->n_picks; i++)
		free(m->picks[i]);
	free(m->picks);
	memset(m, 0, sizeof *m);
}

/* Tab: complete the input to the longest common prefix of the paths it
 * begins. */
static void complete_path(struct modal *m)
{
	char pattern[sizeof m->input + 2];
	glob_t g;
	size_t common;

	snprintf(pattern, sizeof pattern, "%s*", m->input);
	if (glob(pattern, GLOB_MARK, NULL, &g) != 0)
		return;
	common = strlen(g.gl_pathv[0]);
	for (size_t i = 1; i < g.gl_pathc; i++) {
		size_t k = 0;

		while (k < common && g.gl_pathv[i][k] == g.gl_pathv[0][k])
			k++;
		common = k;
	}
	if (common < sizeof m->input)
		snprintf(m->input, common + 1, "%s", g.gl_pathv[0]);
	if (g.gl_pathc > 1)
		snprintf(m->note, sizeof m->note, "%zu matches", g.gl_pathc);
	globfree(&g);
}

/* Call the answer's function on a copy, the modal closed first, so that the
 * function may open another one. */
static enum key_result answer(struct app *a, struct modal *m, int key)
{
	struct modal copy = *m;
	enum key_result r;

	memset(m, 0, sizeof *m);        /* the picks now belong to copy */
	r = copy.done ? copy.done(a, &copy, key) : KEY_REDRAW;
	modal_close(&copy);
	return r;
}

static enum key_result input_key(struct app *a, struct modal *m, int key)
{
	size_t n = strlen(m->input);

	m->note[0] = '\0';
	if (key_is_enter(key))
		return answer(a, m, '\n');
	if (key_is_backspace(key)) {
		if (n)
			m->input[n - 1] = '\0';
	} else if (key == '\t' && m->complete_paths) {
		complete_path(m);
	} else if (key >= 32 && key < 127 && n + 1 < sizeof m->input) {
		m->input[n] = (char)key;
		m->input[n + 1] = '\0';
	} else {
		return KEY_HANDLED;
	}
	return KEY_REDRAW;
}

static enum key_result pick_key(struct app *a, struct modal *m, int key)
{
	if (key == 'q') {
		modal_close(m);
	} else if ((key == KEY_DOWN || key == 'j') && m->pick_sel + 1 < m->n_picks) {
		m->pick_sel++;
	} else if ((key == KEY_UP || key == 'k') && m->pick_sel > 0) {
		m->pick_sel--;
	} else if (key == KEY_HOME || key == 'g') {
		m->pick_sel = 0;
	} else if (key == KEY_END || key == 'G') {
		m->pick_sel = m->n_picks ? m->n_picks - 1 : 0;
	} else if (key_is_enter(key)) {
		return answer(a, m, '\n');
	} else if (key == 'v' && m->preview) {
		/* a preview comes back to the list */
		return m->done ? m->done(a, m, 'v') : KEY_HANDLED;
	} else {
		return KEY_HANDLED;
	}
	return KEY_REDRAW;
}

enum key_result modal_key(struct app *a, struct modal *m, int key)
{
	if (key == KEY_ESCAPE) {
		modal_close(m);
		return KEY_REDRAW;
	}
	switch (m->kind) {
	case MODAL_INPUT:
		return input_key(a, m, key);
	case MODAL_CHOICE:
		if (key > 0 && key < 256 && strchr(m->choices, key))
			return answer(a, m, key);
		return KEY_HANDLED;
	case MODAL_PICK:
		return pick_key(a, m, key);
	default:
		return KEY_IGNORED;
	}
}

static void draw_pick(const struct modal *m, struct canvas *c)
{
	int w = c->w > 70 ? 60 : c->w - 4;
	int h = m->n_picks + 2 > c->h - 6 ? c->h - 6 : m->n_picks + 2;
	int x = (c->w - w) / 2, y = 3, first = m->pick_sel >= h - 2 ? m->pick_sel - (h - 3) : 0;
	char title[240];

	snprintf(title, sizeof title, "%s (Enter; %sEsc closes)", m->ask,
		 m->preview ? "v preview; " : "");
	canvas_fill(c, x, y, w, h, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	canvas_box(c, x, y, w, h, title, COLOR_TITLE);
	for (int i = 0; i < h - 2 && first + i < m->n_picks; i++)
		canvas_text(c, x + 2, y + 1 + i, m->picks[first + i],
			    first + i == m->pick_sel ? COLOR_ACCENT : COLOR_DEFAULT,
			    first + i == m->pick_sel ? ATTR_REVERSE : 0, w - 4);
}

void modal_draw(const struct modal *m, struct canvas *c)
{
	int y = c->h - 2, n;

	if (m->kind == MODAL_PICK) {
		draw_pick(m, c);
		return;
	}
	if (m->kind == MODAL_NONE)
		return;
	canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	n = canvas_text(c, 0, y, m->ask, COLOR_ACCENT, ATTR_BOLD, 0);
	if (m->kind != MODAL_INPUT)
		return;
	n += canvas_text(c, n, y, m->input, COLOR_DEFAULT, 0, 0);
	canvas_put(c, n, y, c->ascii ? '_' : 0x2588, COLOR_ACCENT, COLOR_DEFAULT, 0);
	if (m->note[0])
		canvas_text(c, n + 2, y, m->note, COLOR_DIM, 0, 0);
}
