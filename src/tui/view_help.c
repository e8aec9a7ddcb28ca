/* The help view: every key (views.h). */
#include <curses.h>

#include "tui/views.h"

static const char *const help_lines[] = {
	"digitlab dashboard: every key (arrows scroll this page)",
	"",
	"Everywhere",
	"  ? F1     this help               q        quit (asks when runs train here)",
	"  O        overview                L        all runs",
	"  a        queue a file from experiments/ (v there previews its augmentation)",
	"  A        queue a file by path (Tab completes)",
	"  P        pause / resume the whole queue",
	"  arrows j k   move     PgUp PgDn   a page     Home End   first, last",
	"  Esc      back to the list (from a run, compare or this help)",
	"  mouse    click a row to select it, click it again to open it;",
	"           click a tab, a confusion cell or a digit to select it",
	"",
	"On a run (overview, runs list, run screen)",
	"  Enter    open the run            c        cancel (asks)",
	"  s        stop after this epoch   p        pause / resume",
	"  r        retry                   + -      priority up, down",
	"  t        tag                     n        note (empty: clear it)",
	"  d        delete (asks, naming the run; D on the run screen, where d",
	"           opens the pad)",
	"  E        clone, edit in $EDITOR, queue",
	"  v        preview the run's augmentation",
	"  w        the run's sweep: what it found (the sweep view)",
	"  The keys act on the run that is selected, however the list moves",
	"  as runs finish.",
	"",
	"Runs list",
	"  /        filter by name or sweep point    f   cycle the status filter",
	"  T        only the runs with a tag",
	"  S        next sort column        i        reverse the sort",
	"  g        group a sweep's repeats (mean and spread of test accuracy)",
	"  space    mark (or unmark) for compare, and move down",
	"  C        compare the marked runs",
	"  e        export the list as CSV",
	"  M        add or remove a column: a metric's last value, best (least loss,",
	"           most accuracy) or epoch of the best (@ep), as ls --columns has",
	"           them; what does not fit at 80 columns is named above the list",
	"",
	"Run screen",
	"  1-6 Tab  Curves, Confusion, Digits, Weights, Model, YAML",
	"  m        loss or accuracy chart; counts or row % in the confusion matrix",
	"  z        smoothing: a centred moving average over 3, then 9 epochs, then",
	"           off; the raw curve stays drawn, dimmed, under the smoothed one",
	"  l        log scale for y         X        log scale for x",
	"  x        x by epoch, by optimiser step, or by wall time (training",
	"           seconds added up); the loss and accuracy charts each keep",
	"           their own l, X and x until the dashboard ends",
	"  arrows   a confusion cell (its digits below), a digit (its saliency);",
	"           scroll on Weights, Model and YAML",
	"  V        the validation set's confusion and digits, or the test set's",
	"  d        a pad to draw a digit on for the run's model (D deletes here)",
	"  [ ] f    Confusion: the validation matrix after an earlier, later epoch;",
	"           f: digits broken, fixed since it, and unstable ones",
	"  The header shows the run's tags [in brackets] and its note.",
	"",
	"Sweep view (w on a run of a sweep)",
	"  one key: the objective against its values, mean and spread over",
	"  repeats (a log axis when the values are log-spaced), a dot per run;",
	"  two keys: a heatmap of the mean objective, * the best cell;",
	"  three or more: parallel coordinates, a line per finished run coloured",
	"  by the objective, the best on top in bold",
	"  keys ranked by variance explained: eta squared, the sum of squares",
	"  between the key's value means (weighted by runs) over the total;",
	"  keys of more than 8 numeric values are grouped in 4 bins by value",
	"  arrows   select a value (one key) or a heatmap cell (two keys)",
	"  Enter    the selected point's runs in the runs list (Esc comes back)",
	"  mouse    click a heatmap cell to select it, click it again for its runs",
	"  b        the best point's runs",
	"  The objective (and constraint) is the sweep's own, by default",
	"  val_accuracy maximised; only done runs count, others are progress",
	"  (with ASHA, the runs that reached each rung).",
	"",
	"Pad (d on a run screen)",
	"  mouse    press and drag to draw; arrows move the pen, space puts it",
	"           down or lifts it (down, the arrows draw)",
	"  c        clear                   s        save as pad-RUN-N.pgm here",
	"  The run's model (its latest model file) reads the drawing as it",
	"  changes: each class's probability, and the saliency of the first.",
	"  The drawing is prepared as `digitlab predict` prepares an image: for",
	"  an MNIST model the ink's box into 20x20, its centre of mass at the",
	"  centre of 28x28; a saved drawing gets the same answer from predict.",
	"",
	"Compare",
	"  the marked runs' curves overlaid, their metrics, the settings that",
	"  differ and, in a terminal of 40 rows or more, the first two confusion",
	"  matrices' difference cell by cell",
	"  x        the confusion difference in place of curves and settings",
	"           (terminals under 40 rows)",
	"  V        the validation sets' confusion difference, or the test sets'",
	"  S        the first two runs sample by sample: digits fixed, broken (f)",
};

#define HELP_LINES ((int)(sizeof help_lines / sizeof help_lines[0]))

static void help_enter(struct app *a, void *state)
{
	struct help_state *s = state;

	(void)a;
	s->scroll = 0;
}

static void help_update(struct app *a, void *state)
{
	(void)a;
	(void)state;
}

static void help_draw(const struct app *a, void *state, struct canvas *c)
{
	struct help_state *s = state;
	int rows = c->h - 3;

	(void)a;
	if (s->scroll > HELP_LINES - rows)
		s->scroll = HELP_LINES - rows > 0 ? HELP_LINES - rows : 0;
	for (int i = 0; i < rows && s->scroll + i < HELP_LINES; i++) {
		int k = s->scroll + i;

		canvas_text(c, 1, 1 + i, help_lines[k], k == 0 ? COLOR_TITLE : COLOR_DEFAULT,
			    k == 0 ? ATTR_BOLD : 0, 0);
	}
	chrome_keys(c, " arrows scroll  Esc or q back ");
}

static enum key_result help_key(struct app *a, void *state, const struct key_event *k)
{
	struct help_state *s = state;
	int page = a->term && a->term->h > 8 ? a->term->h - 6 : 10;

	switch (k->key) {
	case KEY_DOWN: case 'j': s->scroll++; return KEY_REDRAW;
	case KEY_UP: case 'k': s->scroll -= s->scroll > 0; return KEY_REDRAW;
	case KEY_NPAGE: s->scroll += page; return KEY_REDRAW;
	case KEY_PPAGE: s->scroll = s->scroll > page ? s->scroll - page : 0; return KEY_REDRAW;
	case 'q': app_go_back(a); return KEY_RELOAD;
	default: return KEY_IGNORED;
	}
}

static void help_free(void *state)
{
	(void)state;
}

const struct view_ops help_view = {
	.name = "help", .enter = help_enter, .update = help_update, .draw = help_draw,
	.key = help_key, .free = help_free,
};
