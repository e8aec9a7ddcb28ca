/* The dashboard's views drawn from states built in memory, with no store,
 * and compared with golden canvases in tests/golden/views/ (golden.h);
 * and the selection, which is a run and not a row, across reloads. */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "spec/flat.h"
#include "tap.h"
#include "tui/actions.h"
#include "train/classify.h"
#include "tui/views.h"

#define N_ROWS 6
#define EPOCHS 12

static struct store_row make_row(int64_t id, const char *name, enum store_status st, int epochs)
{
	struct store_row r = {.id = id, .status = st, .epochs = epochs, .params = 101770,
			      .samples_per_s = NAN, .eta_s = NAN, .loss = NAN, .accuracy = NAN,
			      .val_loss = NAN, .val_accuracy = NAN, .test_loss = NAN,
			      .test_accuracy = NAN, .best_val_accuracy = NAN, .seconds = NAN,
			      .created = 1700000000 + id, .started = 0, .finished = 0};

	snprintf(r.name, sizeof r.name, "%s", name);
	if (st == STORE_DONE) {
		r.accuracy = 0.95 + 0.004 * id;
		r.test_accuracy = 0.94 + 0.005 * id;
		r.test_loss = 0.2 - 0.01 * id;
		r.best_val_accuracy = 0.945 + 0.004 * id;
		r.seconds = 30.0 * id + 5;
		r.finished = 1700001000 + id;
	}
	return r;
}

static void make_rows(struct store_row *rows)
{
	rows[0] = make_row(1, "quickstart", STORE_DONE, 6);
	rows[1] = make_row(2, "nb000-hidden-sweep", STORE_DONE, 20);
	rows[1].sweep_id = 1;
	snprintf(rows[1].sweep_point, sizeof rows[1].sweep_point, "units=10");
	rows[2] = make_row(3, "nb000-hidden-sweep", STORE_DONE, 20);
	rows[2].sweep_id = 1;
	snprintf(rows[2].sweep_point, sizeof rows[2].sweep_point, "units=10");
	rows[2].repeat = 1;
	rows[3] = make_row(4, "nb004-cnn", STORE_RUNNING, 3);
	rows[3].epoch = 4;
	rows[3].batch = 600;
	rows[3].batches = 1688;
	rows[3].planned_epochs = 30;
	rows[3].samples_per_s = 862;
	rows[3].eta_s = 1834;
	rows[3].best_val_accuracy = 0.9871;
	rows[4] = make_row(5, "nb003-mlp", STORE_QUEUED, 0);
	rows[4].planned_epochs = 5;
	rows[5] = make_row(6, "glyphs", STORE_FAILED, 1);
}

static void make_app(struct app *a, struct store_row *rows)
{
	memset(a, 0, sizeof *a);
	make_rows(rows);
	a->rows = rows;
	a->n_rows = N_ROWS;
	snprintf(a->workers, sizeof a->workers, "workers: 2 in-process");
	a->cpu_percent = 97;
}

static struct canvas *frame(const struct app *a, int ascii)
{
	struct canvas *c = canvas_new(80, 24, ascii, 0);

	chrome_header(a, c);
	return c;
}

static void finish(const struct app *a, struct canvas *c, const char *name)
{
	chrome_message(a, c);
	modal_draw(&a->modal, c);
	golden_check(c, "views", name);
	canvas_free(c);
}

static void test_overview(int ascii)
{
	struct store_row rows[N_ROWS];
	struct app a;
	struct overview_state s = {0};
	double v[EPOCHS];
	struct spark sparks[N_ROWS] = {{0}};
	struct canvas *c;

	make_app(&a, rows);
	for (int i = 0; i < EPOCHS; i++)
		v[i] = 0.9 + 0.08 * (1 - exp(-i / 3.0));
	run_list_overview(&s.list, rows, N_ROWS, OVERVIEW_RECENT);
	for (int i = 0; i < s.list.n; i++)
		sparks[i] = (struct spark){.id = rows[s.list.index[i]].id, .v = v,
					   .n = rows[s.list.index[i]].epochs ? EPOCHS : 0};
	s.sparks = sparks;
	s.n_sparks = s.list.n;
	a.selected = 1;
	a.selected = run_list_keep(&s.list, rows, a.selected);
	c = frame(&a, ascii);
	overview_view.draw(&a, &s, c);
	finish(&a, c, "overview");
	run_list_free(&s.list);
}

static void test_runs(int ascii, int group)
{
	struct store_row rows[N_ROWS];
	struct app a;
	struct runs_state s = {.status = -1};
	struct run_filter f = {.text = "", .status = -1, .n_tagged = -1, .group = group};
	struct canvas *c;

	make_app(&a, rows);
	run_list_filter(&s.list, rows, N_ROWS, &f);
	s.group = group;
	if (group) {
		static struct group_stat groups[N_ROWS];

		for (int i = 0; i < s.list.n; i++)
			groups[i] = (struct group_stat){1, 1, rows[s.list.index[i]].test_accuracy, NAN};
		groups[1] = (struct group_stat){2, 2, 0.9475, 0.0035};
		s.groups = groups;
	}
	a.selected = 3;
	app_toggle_mark(&a, 1);
	app_toggle_mark(&a, 3);
	c = frame(&a, ascii);
	runs_view.draw(&a, &s, c);
	if (group)
		snprintf(a.message, sizeof a.message, "run 3 tagged baseline");
	else
		modal_input(&a.modal, "filter: ", "nb0", NULL);
	finish(&a, c, group ? "runs-grouped" : "runs");
	run_list_free(&s.list);
}

/* M picks a metric column: what the runs have is offered, as an add or a
 * remove; Enter on it answers. */
static enum key_result pick_column(struct app *a, struct runs_state *s, int line,
				   const char *item)
{
	struct key_event m = {.key = 'M'};

	if (runs_view.key(a, s, &m) != KEY_REDRAW || a->modal.kind != MODAL_PICK)
		return KEY_IGNORED;
	modal_key(a, &a->modal, KEY_HOME);
	for (int i = 0; i < line; i++)
		modal_key(a, &a->modal, 'j');
	is_str(a->modal.picks[a->modal.pick_sel], item, item);
	return modal_key(a, &a->modal, '\n');
}

/* Metric columns at 80 columns: PARAMS and TRAIN ACC make room, the best
 * of val_accuracy and its epoch fit, the third column does not and the
 * summary names it; at 160 columns all fit beside every other column. */
static void test_runs_columns(int ascii)
{
	struct store_row rows[N_ROWS];
	struct app a;
	struct runs_state s = {.status = -1};
	struct run_filter f = {.text = "", .status = -1, .n_tagged = -1};
	struct run_metrics metrics[3];
	struct canvas *c;
	char *text;

	make_app(&a, rows);
	for (int i = 0; i < 4; i++)     /* the done runs and the running one have validation */
		rows[i].val_accuracy = 0.93 + 0.005 * i;
	run_list_filter(&s.list, rows, N_ROWS, &f);
	is_int(pick_column(&a, &s, 4, "add     val_accuracy best"), KEY_RELOAD,
	       "M: val_accuracy best added");
	is_int(a.modal.kind, MODAL_NONE, "the chooser closed");
	is_int(s.n_offered, 6, "the metrics the runs have: accuracy and val_accuracy, by three");
	is_str(a.message, "column val_accuracy best added (M removes it)", "and says so");
	is_int(pick_column(&a, &s, 1, "add     accuracy best"), KEY_RELOAD, "accuracy best added");
	is_int(pick_column(&a, &s, 5, "add     val_accuracy epoch of the best"), KEY_RELOAD,
	       "val_accuracy's epoch of the best added");
	ok(s.n_columns == 3 && s.columns[1].part == STORE_PART_BEST_EPOCH &&
	   s.columns[2].metric == STORE_METRIC_ACCURACY,
	   "the epoch of the best follows its best; the other metric comes after");
	/* what update would have read: runs 1 and 2 done, 4 training, the others none */
	for (int i = 0; i < 3; i++) {
		int64_t id = i < 2 ? i + 1 : 4;

		metrics[i] = (struct run_metrics){.id = id, .epochs = rows[id - 1].epochs,
						  .status = rows[id - 1].status};
		store_metric_summarize_all(NULL, 0, metrics[i].m);
		metrics[i].m[STORE_METRIC_VAL_ACCURACY] =
			(struct store_metric_summary){0.93 + 0.005 * (double)(id - 1),
						      0.9412 + 0.01 * (double)id, (int)id + 1};
		metrics[i].m[STORE_METRIC_ACCURACY] =
			(struct store_metric_summary){0.95, 0.9612, 2};
	}
	s.metrics = metrics;
	s.n_metrics = 3;
	a.selected = 2;
	c = frame(&a, ascii);
	runs_view.draw(&a, &s, c);
	finish(&a, c, "runs-columns");

	c = canvas_new(160, 24, ascii, 0);
	runs_view.draw(&a, &s, c);
	text = golden_canvas_text(c);
	ok(text && strstr(text, "PARAMS EPOCHS TRAIN ACC  TEST ACC    TIME val_acc best @ep "
				"acc best\n"), "160 columns: every column, and the metrics after TIME");
	ok(text && strstr(text, "0.9512   2   0.9612\n"), "run 1's values");
	ok(text && !strstr(text, "too narrow"), "nothing left out");
	free(text);
	canvas_free(c);

	is_int(pick_column(&a, &s, 4, "remove  val_accuracy best"), KEY_REDRAW,
	       "M on a column shown removes it");
	is_str(a.message, "column val_accuracy best removed", "and says so");
	ok(s.n_columns == 2 && s.columns[0].part == STORE_PART_BEST_EPOCH,
	   "the others stay");
	s.metrics = NULL;
	s.n_metrics = 0;
	runs_view.free(&s);
}

/* A run view state of a finished MLP: twelve epochs, a confusion matrix,
 * two misclassified digits. */
static const int confusion[100] = {
	968, 1, 0, 2, 0, 2, 3, 3, 1, 0,   0, 1126, 3, 1, 0, 1, 1, 0, 3, 0,
	6, 1, 1001, 9, 1, 0, 0, 12, 2, 0,   0, 0, 2, 992, 0, 4, 0, 3, 4, 5,
	1, 1, 3, 0, 962, 0, 3, 2, 1, 9,   2, 0, 0, 10, 1, 873, 1, 1, 2, 2,
	3, 3, 0, 1, 3, 4, 939, 0, 4, 1,   0, 4, 6, 4, 1, 0, 0, 1008, 1, 4,
	4, 0, 2, 9, 1, 5, 0, 2, 946, 5,   3, 3, 0, 2, 4, 1, 0, 5, 2, 989,
};

static float digit_pixels[28 * 28];

static void make_run_state(struct run_state *s, struct store_row *row, struct store_epoch *e,
			   struct store_sample *samples)
{
	memset(s, 0, sizeof *s);
	s->id = row->id;
	s->run.row = *row;
	for (int i = 0; i < EPOCHS; i++)
		e[i] = (struct store_epoch){.epoch = i + 1, .loss = 0.1 + 0.6 * exp(-i / 3.0),
					    .accuracy = 0.98 - 0.2 * exp(-i / 3.0),
					    .val_loss = 0.15 + 0.5 * exp(-i / 3.0),
					    .val_accuracy = 0.97 - 0.2 * exp(-i / 3.0),
					    .lr = i < 8 ? 0.001 : 0.0002, .seconds = 5,
					    .events = i == 8 ? "lr 0.001 -> 0.0002" : NULL};
	s->epochs = e;
	s->n_epochs = EPOCHS;
	s->split = "test";
	s->k = 10;
	memcpy(s->confusion, confusion, sizeof confusion);
	for (int t = 0; t < 10; t++)
		for (int p = 0; p < 10; p++)
			s->n_wrong += t != p ? confusion[t * 10 + p] : 0;
	for (int y = 0; y < 28; y++)
		for (int x = 0; x < 28; x++) {
			double r = hypot(y - 13.5, x - 13.5);

			digit_pixels[y * 28 + x] = r > 5 && r < 9 ? 1.0f : 0.0f;
		}
	samples[0] = (struct store_sample){.index = 247, .truth = 4, .predicted = 9,
					   .confidence = 0.71, .h = 28, .w = 28, .pixels = digit_pixels};
	samples[1] = (struct store_sample){.index = 321, .truth = 7, .predicted = 2,
					   .confidence = 0.64, .h = 28, .w = 28, .pixels = digit_pixels};
	s->samples = samples;
	s->n_samples = 2;
	s->conf_t = s->conf_p = -1;
	snprintf(s->tags, sizeof s->tags, "baseline");
}

static void test_run(int ascii, enum run_tab tab, const char *name)
{
	struct store_row rows[N_ROWS];
	struct store_epoch e[EPOCHS];
	struct store_sample samples[2];
	struct app a;
	struct run_state s;
	struct canvas *c;

	make_app(&a, rows);
	make_run_state(&s, &rows[0], e, samples);
	s.tab = tab;
	if (tab == TAB_CONFUSION) {
		s.conf_t = 4;
		s.conf_p = 9;
	}
	c = frame(&a, ascii);
	run_view.draw(&a, &s, c);
	finish(&a, c, name);
	ok(tab != TAB_CONFUSION || hit_grid_item(&s.conf_hit, s.conf_hit.x + 9 * s.conf_hit.cell_w,
						 s.conf_hit.y + 4) == 4 * 10 + 9,
	   "%s: the confusion cell drawn at (true 4, predicted 9) is where a click finds it", name);
}

/* The curves' keys: l puts the loss chart on a log y axis, x moves its x
 * axis to steps; the accuracy chart (m) keeps its own settings, and the
 * loss chart finds its own again. Steps are epochs times the run's batches
 * per epoch; wall time adds up the epochs' seconds. */
static void test_run_chart_settings(int ascii)
{
	struct store_row rows[N_ROWS];
	struct store_epoch e[EPOCHS];
	struct store_sample samples[2];
	struct app a;
	static struct run_state s;
	struct canvas *c;
	struct key_event l = {.key = 'l'}, x = {.key = 'x'}, m = {.key = 'm'}, X = {.key = 'X'};

	make_app(&a, rows);
	make_run_state(&s, &rows[0], e, samples);
	s.run.row.batches = 469;
	run_view.key(&a, &s, &l);
	run_view.key(&a, &s, &x);
	ok(s.charts[CHART_LOSS].log_y && s.charts[CHART_LOSS].x == CHART_X_STEP,
	   "l and x set the loss chart's log y and x by step");
	c = frame(&a, ascii);
	run_view.draw(&a, &s, c);
	finish(&a, c, "run-curves-log-steps");
	run_view.key(&a, &s, &m);
	ok(!s.charts[CHART_ACCURACY].log_y && s.charts[CHART_ACCURACY].x == CHART_X_EPOCH,
	   "the accuracy chart keeps its own settings");
	run_view.key(&a, &s, &x);
	run_view.key(&a, &s, &x);
	run_view.key(&a, &s, &X);
	c = frame(&a, ascii);
	run_view.draw(&a, &s, c);
	finish(&a, c, "run-curves-time-logx");
	run_view.key(&a, &s, &m);
	ok(s.charts[CHART_LOSS].log_y && s.charts[CHART_LOSS].x == CHART_X_STEP &&
	   !s.charts[CHART_LOSS].log_x, "and m back to the loss chart finds its settings again");
	s.run.row.batches = 0;
	c = frame(&a, ascii);
	run_view.draw(&a, &s, c);
	{
		char *text = golden_canvas_text(c);

		ok(text && strstr(text, "loss per epoch, log y (m: accuracy) (steps unknown"),
		   "a run that kept no batch count says steps are unknown and draws epochs");
		free(text);
	}
	canvas_free(c);
}

/* The pad: a stroke read as 1 by a model (its answer set by hand: draw
 * shows what the keys left), and a run without a model file, which says
 * why. */
static void test_pad(int ascii)
{
	struct store_row rows[N_ROWS];
	struct app a;
	static struct pad_state s;
	static struct classifier m;
	static float x[28 * 28], sal[28 * 28], probs[10] = {0.01f, 0.93f, 0.01f, 0.005f, 0.005f,
							   0.01f, 0.005f, 0.02f, 0.005f, 0.0f};
	struct canvas *c;

	make_app(&a, rows);
	memset(&s, 0, sizeof s);
	memset(&m, 0, sizeof m);
	s.id = 1;
	snprintf(s.label, sizeof s.label, "quickstart");
	for (int y = 4; y < 24; y++)
		for (int xx = 13; xx <= 15; xx++) {
			s.ink[y * 28 + xx] = xx == 14 ? 1.0f : 128.0f / 255.0f;
			x[y * 28 + xx] = s.ink[y * 28 + xx];
			sal[y * 28 + xx] = xx == 14 ? 0.5f : -0.2f;
		}
	s.row = 11;
	s.col = 14;
	m.k = 10;
	m.in_h = m.in_w = 28;
	m.n_in = 28 * 28;
	m.x = x;
	m.saliency = sal;
	m.probs = probs;
	m.best = 1;
	m.r.epoch = 6;
	m.r.n_classes = 10;
	for (int i = 0; i < 10; i++)
		snprintf(m.r.class_names[i], sizeof m.r.class_names[i], "%d", i);
	s.model = &m;
	s.answered = 1;
	c = frame(&a, ascii);
	pad_view.draw(&a, &s, c);
	ok(s.pad_x == 1 && s.pad_y == 3, "the drawing's first cell is where a click finds it");
	finish(&a, c, "pad");

	s.model = NULL;
	s.answered = 0;
	snprintf(s.why, sizeof s.why, "run 1 has no model file yet: its worker writes one as it "
		 "trains");
	c = frame(&a, ascii);
	pad_view.draw(&a, &s, c);
	finish(&a, c, "pad-no-model");
}

/* A validation set of 20 samples (labels 0..9 twice) answered over three
 * epochs: epoch 1 gets samples 3, 4 and 14 wrong, epoch 2 samples 4 and 9,
 * epoch 3 samples 9 and 13; their digits are kept. Its arrays are static:
 * one book at a time. */
static void make_book(struct answer_book *b)
{
	static uint8_t labels[20], rows[3 * 20], conf[3 * 20], has[3];
	static int epochs[3] = {1, 2, 3}, index[5] = {3, 4, 9, 13, 14};
	static float pixels[5 * 28 * 28];

	for (int i = 0; i < 20; i++) {
		labels[i] = (uint8_t)(i % 10);
		for (int e = 0; e < 3; e++)
			rows[e * 20 + i] = labels[i];
	}
	rows[0 * 20 + 3] = 5, rows[0 * 20 + 4] = 9, rows[0 * 20 + 14] = 9;
	rows[1 * 20 + 4] = 9, rows[1 * 20 + 9] = 4;
	rows[2 * 20 + 9] = 4, rows[2 * 20 + 13] = 8;
	for (int d = 0; d < 5; d++)
		memcpy(pixels + d * 28 * 28, digit_pixels, sizeof digit_pixels);
	*b = (struct answer_book){
		.id = 1,
		.set = {.n = 20, .n_classes = 10, .h = 28, .w = 28, .labels = labels},
		.hist = {.n_epochs = 3, .n = 20, .epochs = epochs, .predicted = rows,
			 .confidence = conf, .has_confidence = has},
		.first_epoch = 1, .last_epoch = 3,
		.digit_index = index, .digit_pixels = pixels, .n_digits = 5,
	};
}

/* The Confusion tab through time: the matrix after epoch 2 of 3 with the
 * track, a cell's digits as that epoch answered them, and the flips from
 * epoch 1 to the last. */
static void test_run_epochs(int ascii)
{
	struct store_row rows[N_ROWS];
	struct store_epoch e[EPOCHS];
	struct store_sample samples[2];
	struct app a;
	static struct run_state s;
	struct canvas *c;

	make_app(&a, rows);
	make_run_state(&s, &rows[0], e, samples);
	make_book(&s.book);
	s.tab = TAB_CONFUSION;
	s.epoch = 2;
	s.conf_t = 4;
	s.conf_p = 9;
	run_answers_refresh(&s);
	c = frame(&a, ascii);
	run_view.draw(&a, &s, c);
	finish(&a, c, "run-confusion-epoch");
	ok(s.scrub_w > 0 && s.scrub_y == 3, "the epoch track is drawn on the title row");

	s.epoch = 1;
	s.flips = FLIPS_FIXED;
	run_answers_refresh(&s);
	ok(s.n_flip == 3 && s.flip_idx[0] == 3 && s.flip_idx[1] == 4 && s.flip_idx[2] == 14,
	   "fixed from epoch 1 to 3: samples 3, 4 and 14");
	c = frame(&a, ascii);
	run_view.draw(&a, &s, c);
	finish(&a, c, "run-flips");
	s.flips = FLIPS_UNSTABLE;
	run_answers_refresh(&s);
	ok(s.n_flip == 5 && s.flip_idx[0] == 3 && s.flip_idx[4] == 14,
	   "unstable: the five samples that changed once each, by index");
	free(s.flip_idx);
	s.flip_idx = NULL;
}

/* A data set of named classes (a folder of cat, dog and owl drawings), and
 * EMNIST Balanced's 47 at 80x24: the heatmap names the classes, or turns
 * compact and scrolls to the selected cell. */
static void test_run_classes(int ascii)
{
	static const char *const names[3] = {"cat", "dog", "owl"};
	struct store_row rows[N_ROWS];
	struct store_epoch e[EPOCHS];
	struct store_sample samples[2];
	struct app a;
	static struct run_state s;
	struct canvas *c;

	make_app(&a, rows);
	make_run_state(&s, &rows[0], e, samples);
	s.tab = TAB_CONFUSION;
	s.k = 3;
	for (int t = 0; t < 3; t++)
		for (int p = 0; p < 3; p++)
			s.confusion[t * 3 + p] = t == p ? 90 + 3 * t : 2 + t + p;
	for (int i = 0; i < 3; i++) {
		snprintf(s.class_names[i], sizeof s.class_names[i], "%s", names[i]);
		s.labels[i] = s.class_names[i];
	}
	samples[0].truth = 1, samples[0].predicted = 2;
	samples[1].truth = 2, samples[1].predicted = 0;
	s.conf_t = 1;
	s.conf_p = 2;
	c = frame(&a, ascii);
	run_view.draw(&a, &s, c);
	finish(&a, c, "run-confusion-names");

	s.k = 47;
	s.labels[0] = NULL;
	for (int t = 0; t < 47; t++)
		for (int p = 0; p < 47; p++)
			s.confusion[t * 47 + p] = t == p ? 380 + t : (t * 7 + p * 3) % 11 == 0 ? 9 : (t + p) % 5 == 0;
	s.conf_t = 40;
	s.conf_p = 3;
	s.layout = (struct confusion_layout){0};
	c = frame(&a, ascii);
	run_view.draw(&a, &s, c);
	finish(&a, c, "run-confusion-47");
	ok(s.layout.top <= 40 && 40 < s.layout.top + s.layout.rows &&
	   hit_grid_item(&s.conf_hit, s.conf_hit.x + (3 - s.layout.left) * s.conf_hit.cell_w,
			 s.conf_hit.y + 40 - s.layout.top) >= 0,
	   "47 classes at 80x24: the heatmap scrolls to keep the selected cell on screen");
}

static void test_compare(int ascii)
{
	struct store_row rows[N_ROWS];
	struct app a;
	struct compare_state s = {0};
	struct flat flats[2];
	double curves[2][EPOCHS];
	static char *differ[] = {"model.layers[0].dense.units", "train.optimizer.lr"};
	struct canvas *c;

	make_app(&a, rows);
	spec_flatten("name: a\nmodel:\n  layers:\n    - dense: {units: 64, activation: relu}\n"
		     "train:\n  optimizer: {type: adam, lr: 0.001}\n", &flats[0]);
	spec_flatten("name: b\nmodel:\n  layers:\n    - dense: {units: 128, activation: relu}\n"
		     "train:\n  optimizer: {type: adam, lr: 0.0005}\n", &flats[1]);
	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < EPOCHS; i++)
			curves[r][i] = 0.9 + (0.06 + 0.01 * r) * (1 - exp(-i / 3.0));
		s.runs[r].run.row = rows[r];
		s.runs[r].found = 1;
		s.runs[r].curve = curves[r];
		s.runs[r].n_epochs = EPOCHS;
		s.runs[r].k = 10;
		memcpy(s.runs[r].confusion, confusion, sizeof confusion);
		s.runs[r].flat = &flats[r];
		snprintf(s.runs[r].label, sizeof s.runs[r].label, "%lld %.24s", (long long)rows[r].id,
			 rows[r].name);
	}
	s.runs[1].confusion[4 * 10 + 9] -= 4;
	s.runs[1].confusion[4 * 10 + 4] += 4;
	s.runs[1].confusion[7 * 10 + 2] += 2;
	s.runs[1].confusion[7 * 10 + 7] -= 2;
	s.n = 2;
	s.differ = differ;
	s.n_differ = 2;
	c = frame(&a, ascii);
	compare_view.draw(&a, &s, c);
	finish(&a, c, "compare");
	s.show_confusion = 1;
	c = frame(&a, ascii);
	compare_view.draw(&a, &s, c);
	finish(&a, c, "compare-confusion");

	/* more settings differ than 80x24 holds: the rest are counted */
	{
		static char keys[12][8], *many[12];
		char *text, *more;
		int drawn = 0, rest = 0;

		for (int i = 0; i < 12; i++) {
			snprintf(keys[i], sizeof keys[i], "key%02d", i);
			many[i] = keys[i];
		}
		s.show_confusion = 0;
		s.differ = many;
		s.n_differ = 12;
		c = frame(&a, ascii);
		compare_view.draw(&a, &s, c);
		text = golden_canvas_text(c);
		for (int i = 0; text && i < 12; i++)
			drawn += strstr(text, keys[i]) != NULL;
		more = text ? strstr(text, " more (a taller terminal shows them)") : NULL;
		while (more && more > text && more[-1] >= '0' && more[-1] <= '9')
			more--;
		if (more && more > text && more[-1] == '+')
			rest = atoi(more);
		ok(drawn > 0 && rest > 0 && drawn + rest == 12,
		   "12 settings that differ at 80x24: %d drawn, \"+%d more\" for the rest", drawn,
		   rest);
		free(text);
		canvas_free(c);
		s.differ = differ;
		s.n_differ = 2;
	}

	/* sample by sample: run 2 answers as epoch 3 of the book, run 1 as
	 * epoch 1, on the same 20 samples */
	{
		static int fixed[3] = {3, 4, 14};

		make_book(&s.books[0]);
		s.books[1] = s.books[0];
		s.books[0].hist.epochs = (int[]){0, 1, 2};
		s.books[1].hist.epochs = (int[]){-1, -2, 0};
		s.books[0].hist.has_confidence = (uint8_t[]){1, 0, 1};
		s.books[1].hist.has_confidence = (uint8_t[]){0, 0, 1};
		memset(s.books[0].hist.confidence, 200, 60);
		s.book_ids[0] = rows[0].id;
		s.book_ids[1] = rows[1].id;
		s.same = 1;
		s.samples = 1;
		s.sample_idx = fixed;
		s.n_sample = 3;
		s.n_fixed = 3;
		s.n_broken = 2;
		c = frame(&a, ascii);
		compare_view.draw(&a, &s, c);
		finish(&a, c, "compare-samples");
		s.samples = 0;
	}
}

/* The selection is a run: a run finishing above the cursor, or the list
 * re-sorted, leaves the same run selected; a removed run hands the
 * selection to the run now on its line. */
static void test_selection(void)
{
	struct store_row rows[N_ROWS];
	struct run_list l = {0};
	struct run_filter f = {.text = "", .status = -1, .n_tagged = -1};
	int64_t sel;

	make_rows(rows);
	run_list_overview(&l, rows, N_ROWS, OVERVIEW_RECENT);
	sel = run_list_keep(&l, rows, 5);
	is_int((int)sel, 5, "the queued run is selected");
	rows[3].status = STORE_DONE;            /* the running run above it finishes */
	rows[3].finished = 1700009999;
	run_list_overview(&l, rows, N_ROWS, OVERVIEW_RECENT);
	is_int((int)run_list_keep(&l, rows, sel), 5, "a run finishing above it moves no other run under the cursor");
	run_list_filter(&l, rows, N_ROWS, &f);
	f.descending = 1;
	run_list_filter(&l, rows, N_ROWS, &f);
	is_int((int)run_list_keep(&l, rows, 5), 5, "re-sorting keeps the run selected");
	is_int(l.pos, 1, "on its new line");
	rows[4] = rows[5];                      /* run 5 removed: the rows close up */
	run_list_filter(&l, rows, N_ROWS - 1, &f);
	is_int((int)run_list_keep(&l, rows, 5), 4, "a removed run hands the selection to its neighbour");
	is_int((int)run_list_move(&l, rows, 4, -10), 6, "moving clamps at the top");
	is_int((int)run_list_move(&l, rows, 6, 100), 1, "and at the bottom");
	run_list_free(&l);
}

/* 1 when the key bar on c's last row was cut at the right edge: its last
 * column holds a reversed character other than a space (every bar ends
 * in a space or stops short of the edge). Checked at every width from 80
 * to 160, a cut that happens to fall on a space is caught at another. */
static int bar_cut(struct canvas *c)
{
	const struct cell *last = canvas_at(c, c->w - 1, c->h - 1);

	return last && (last->attr & ATTR_REVERSE) && last->ch != ' ';
}

/* Every view's key bar, at every width: the wide bar where it fits, else
 * the 80-column one, never one cut short (the wide run bars are up to 134
 * columns and were drawn from 120; the runs list's 143 from 140). */
static void test_key_bars(void)
{
	static struct run_state rs;
	struct store_row rows[N_ROWS];
	struct store_epoch e[EPOCHS];
	struct store_sample samples[2];
	struct run_filter f = {.text = "", .status = -1, .n_tagged = -1};
	struct overview_state os = {0};
	struct runs_state ls = {.status = -1};
	struct app a;
	int cut_overview = 0, cut_runs = 0, cut_run[TAB_COUNT + 2] = {0};

	make_app(&a, rows);
	run_list_overview(&os.list, rows, N_ROWS, OVERVIEW_RECENT);
	run_list_filter(&ls.list, rows, N_ROWS, &f);
	make_run_state(&rs, &rows[0], e, samples);
	make_book(&rs.book);
	for (int w = 80; w <= 160; w++) {
		for (int sel = 1; sel <= 2; sel++) {    /* run 2 is of a sweep: w sweep */
			struct canvas *c = canvas_new(w, 30, 1, 0);

			a.selected = sel;
			overview_view.draw(&a, &os, c);
			cut_overview += bar_cut(c);
			canvas_clear(c);
			runs_view.draw(&a, &ls, c);
			cut_runs += bar_cut(c);
			canvas_free(c);
		}
		for (int t = 0; t < TAB_COUNT + 2; t++) {
			struct canvas *c = canvas_new(w, 30, 1, 0);
			int book = t >= TAB_COUNT;      /* the Confusion tab through epochs */

			rs.tab = book ? TAB_CONFUSION : (enum run_tab)t;
			rs.book.last_epoch = book || t != TAB_CONFUSION ? 3 : 0;
			rs.flips = t == TAB_COUNT + 1 ? FLIPS_FIXED : FLIPS_NONE;
			run_answers_refresh(&rs);
			run_view.draw(&a, &rs, c);
			cut_run[t] += bar_cut(c);
			canvas_free(c);
		}
	}
	is_int(cut_overview, 0, "the overview's key bar is never cut, 80 to 160 columns");
	is_int(cut_runs, 0, "nor the runs list's");
	for (int t = 0; t < TAB_COUNT + 2; t++)
		is_int(cut_run[t], 0, "nor the run screen's, tab %d%s", t < TAB_COUNT ? t + 1 : 2,
		       t == TAB_COUNT ? " through epochs" : t == TAB_COUNT + 1 ? " listing flips" : "");
	for (int t = 0; t < TAB_COUNT; t++)
		ok(strlen(run_tab_keys((enum run_tab)t, 0)) <= 80u && (t == TAB_CURVES ||
		   (!strstr(run_tab_keys((enum run_tab)t, 0), "m metric") &&
		    !strstr(run_tab_keys((enum run_tab)t, 0), "z smooth"))),
		   "tab %d's 80-column bar fits, and only Curves shows the chart keys", t + 1);
	ok(strstr(run_tab_keys(TAB_WEIGHTS, 0), "arrows scroll") != NULL,
	   "Weights shows its own scroll key");
	ok(strstr(run_tab_keys(TAB_YAML, 0), "E clone+edit") != NULL,
	   "YAML shows its own edit key");
	run_list_free(&os.list);
	run_list_free(&ls.list);
}

/* Help names every key; space is said to mark and move down, and the
 * lists' keys that the 80-column bars leave out (t tag, n note, d delete,
 * e export) are there. */
static void test_help(void)
{
	struct store_row rows[N_ROWS];
	struct help_state hs = {0};
	struct app a;
	struct canvas *c = canvas_new(80, 200, 1, 0);
	char *text;

	make_app(&a, rows);
	help_view.draw(&a, &hs, c);
	text = golden_canvas_text(c);
	ok(text && strstr(text, "space    mark (or unmark) for compare, and move down"),
	   "help: space marks and moves down");
	ok(text && strstr(text, "  t        tag") && strstr(text, "n        note") &&
	   strstr(text, "  d        delete") && strstr(text, "  e        export"),
	   "help: t, n, d and e are listed");
	free(text);
	canvas_free(c);
}

/* Progress is epochs and batches done of those planned, whatever the
 * clock says: 4 epochs and half of the fifth of 25 is 18%, however long
 * the run loaded or sat paused (its ETA and start time play no part). */
static void test_progress(void)
{
	struct store_row r = make_row(7, "long", STORE_RUNNING, 4);
	char buf[32];

	r.epoch = 5;
	r.batch = 50;
	r.batches = 100;
	r.planned_epochs = 25;
	r.started = 1700000000;
	r.eta_s = 10;                   /* a fast run that sat paused a long time */
	is_near(row_progress(&r), 0.18, 1e-12, "epoch 5 of 25, half done: 18%%");
	is_str(row_epochs(&r, 8, buf, sizeof buf), "5/25", "EPOCH reads 5/25");
	r.epochs = 11;
	r.epoch = 12;
	r.batch = 0;
	r.eta_s = 3;                    /* resumed after a stop */
	is_near(row_progress(&r), 0.44, 1e-12, "12 of 25 after a stop and resume: 44%%");
	r.planned_epochs = 0;
	r.batch = 25;
	is_near(row_progress(&r), 0.25, 1e-12, "a plan unknown: the epoch's batches");
	is_str(row_epochs(&r, 8, buf, sizeof buf), "12", "and EPOCH the epoch alone");
	r.status = STORE_DONE;
	r.epochs = 25;
	r.planned_epochs = 25;
	is_str(row_epochs(&r, 8, buf, sizeof buf), "25", "a finished run's EPOCH: its count");
}

/* ---- the sweep view ---- */

#define SWEEP_ROWS 40

static int sweep_row(struct store_row *rows, int n, int64_t sweep, const char *point, double val,
		     enum store_status st)
{
	rows[n] = make_row(100 + n, sweep == 1 ? "lr-sweep" : sweep == 2 ? "grid" : "search",
			   st, st == STORE_DONE ? 5 : 1);
	rows[n].sweep_id = sweep;
	snprintf(rows[n].sweep_point, sizeof rows[n].sweep_point, "%s", point);
	rows[n].val_accuracy = st == STORE_DONE ? val : NAN;
	return n + 1;
}

/* Three sweeps: one key (a learning rate over four decades, three
 * repeats), two (units by lr, one cell still training) and four. */
static int make_sweeps(struct store_row *rows)
{
	const char *lr[] = {"0.001", "0.01", "0.1", "1"}, *units[] = {"16", "32", "64"};
	const double lr_acc[] = {.80, .90, .93, .60};
	int n = 0;

	for (int i = 0; i < 4; i++)
		for (int r = 0; r < 3; r++) {
			char point[32];

			snprintf(point, sizeof point, "lr=%s", lr[i]);
			n = sweep_row(rows, n, 1, point, lr_acc[i] + 0.01 * (r - 1) * (i + 1),
				      STORE_DONE);
		}
	for (int u = 0; u < 3; u++)
		for (int i = 0; i < 3; i++) {
			char point[32];

			snprintf(point, sizeof point, "units=%s lr=%s", units[u], lr[i]);
			n = sweep_row(rows, n, 2, point, .85 + .03 * u + .02 * i - .03 * (i == 2),
				      u == 2 && i == 2 ? STORE_RUNNING : STORE_DONE);
		}
	for (int i = 0; i < 16; i++) {
		char point[96];

		snprintf(point, sizeof point, "units=%s lr=%s dropout=%s batch=%d", units[i % 3],
			 lr[i % 4], i % 2 ? "0.5" : "0", 16 << (i % 3));
		n = sweep_row(rows, n, 3, point, .80 + .01 * (i % 3) + .03 * (i % 4 == 2) +
			      .005 * (i % 2), i == 15 ? STORE_QUEUED : STORE_DONE);
	}
	rows[n++] = make_row(1, "quickstart", STORE_DONE, 6);
	return n;
}

static void test_sweep_view(int ascii, int64_t sweep, const char *name)
{
	static struct store_row rows[SWEEP_ROWS];
	struct sweep_state s = {0};
	struct dl_error err;
	struct app a;
	struct canvas *c;

	make_app(&a, rows);
	a.rows = rows;
	a.n_rows = make_sweeps(rows);
	a.open_sweep = sweep;
	ok(sweep_state_build(&s, rows, a.n_rows, sweep, NULL, &err) == DL_OK, "%s: built", name);
	c = frame(&a, ascii);
	sweep_view.draw(&a, &s, c);
	finish(&a, c, name);
	sweep_state_free(&s);
}

/* A sweep with its own goal, stored: fewest parameters subject to
 * val_accuracy >= .9, a random search planned to 12 points, pruned by
 * ASHA from 1 epoch by a factor of 3 (rungs 1, 3, 9 of 9 epochs). */
static void test_sweep_goal(int ascii)
{
	static struct store_row rows[SWEEP_ROWS];
	struct store_sweep sw = {.id = 2, .maximize = 0, .constraint_at_least = 1,
				 .constraint_value = 0.9, .planned_points = 12,
				 .prune_min_epochs = 1, .prune_factor = 3};
	struct sweep_state s = {0};
	struct dl_error err;
	struct app a;
	struct canvas *c;
	int n;

	snprintf(sw.objective, sizeof sw.objective, "params");
	snprintf(sw.constraint_metric, sizeof sw.constraint_metric, "val_accuracy");
	snprintf(sw.search, sizeof sw.search, "random");
	snprintf(sw.prune, sizeof sw.prune, "asha");
	make_app(&a, rows);
	n = make_sweeps(rows);
	for (int i = 0; i < n; i++) {
		if (rows[i].sweep_id != 2)
			continue;
		rows[i].params = 1000 + 10 * (i % 5) * (i % 3 + 1);
		rows[i].planned_epochs = 9;
		rows[i].epochs = rows[i].status == STORE_DONE ? 9 : 2;
	}
	rows[13].status = STORE_PRUNED;         /* stopped at its first rung */
	rows[13].epochs = 1;
	rows[14].status = STORE_PRUNED;
	rows[14].epochs = 3;
	a.rows = rows;
	a.n_rows = n;
	ok(sweep_state_build(&s, rows, n, 2, &sw, &err) == DL_OK, "a sweep with a stored goal");
	is_int(s.stats.progress.pruned, 2, "two runs pruned");
	ok(s.stats.progress.n_rungs == 3 && s.stats.progress.rung_epochs[2] == 9,
	   "rungs at 1, 3 and 9 epochs");
	is_int(s.stats.progress.rung_runs[1], 7, "seven runs trained 3 epochs or more");
	c = frame(&a, ascii);
	sweep_view.draw(&a, &s, c);
	finish(&a, c, "sweep-goal");
	sweep_state_free(&s);
}

/* c asks before it cancels a run that has not ended, naming the run, and
 * the answer applies to that run whatever the cursor does meanwhile; no
 * leaves it as it was. (No store here: a 'y' would write.) */
static void test_cancel_asks(void)
{
	struct store_row rows[N_ROWS];
	struct app a;

	make_app(&a, rows);
	a.selected = 4;
	is_int(action_run_key(&a, 4, 'c'), KEY_REDRAW, "c on a running run opens a question");
	is_int(a.modal.kind, MODAL_CHOICE, "  a yes-or-no question");
	is_str(a.modal.ask, "cancel run 4 nb004-cnn? (y/n) ", "  naming the run");
	is_int((int)a.modal.run, 4, "  about that run");
	a.selected = 5;                         /* the cursor moves meanwhile */
	is_int(modal_key(&a, &a.modal, 'n'), KEY_REDRAW, "n answers it");
	is_int(a.modal.kind, MODAL_NONE, "  and closes it");
	is_str(a.message, "", "  and nothing is cancelled");
	is_int(action_run_key(&a, 5, 'c'), KEY_REDRAW, "c on a queued run asks too");
	is_str(a.modal.ask, "cancel run 5 nb003-mlp? (y/n) ", "  naming it");
	modal_close(&a.modal);
}

/* Enter on a heatmap cell lists its runs; Esc comes back. */
static void test_sweep_keys(void)
{
	static struct store_row rows[SWEEP_ROWS];
	struct sweep_state s = {0};
	struct runs_state rs = {.status = -1};
	struct dl_error err;
	struct app a;
	struct key_event enter = {.key = '\n'}, left = {.key = KEY_LEFT};

	make_app(&a, rows);
	a.rows = rows;
	a.n_rows = make_sweeps(rows);
	a.view = VIEW_OVERVIEW;
	a.selected = 113;
	is_int(action_run_key(&a, 113, 'w'), KEY_RELOAD, "w opens the sweep of the selected run");
	is_int(a.view, VIEW_SWEEP, "in the sweep view");
	is_int((int)a.open_sweep, 2, "its sweep");
	ok(sweep_state_build(&s, rows, a.n_rows, 2, NULL, &err) == DL_OK, "sweep 2 built");
	ok(s.sel_row == 2 && s.sel_col == 1, "the best cell is selected first (units=64 lr=0.01)");
	{
		struct canvas *c = frame(&a, 0);
		struct key_event click = {.key = KEY_MOUSE};

		sweep_view.draw(&a, &s, c);     /* where the cells are */
		click.x = s.heat_hit.x + s.heat_hit.cell_w * 2 + 1;
		click.y = s.heat_hit.y;
		is_int(sweep_view.key(&a, &s, &click), KEY_REDRAW, "a click selects a cell");
		ok(s.sel_row == 0 && s.sel_col == 2, "the one clicked (units=16 lr=0.1)");
		is_int(sweep_view.key(&a, &s, &click), KEY_RELOAD, "a second click opens its runs");
		is_str(a.point, "units=16 lr=0.1", "of that point");
		app_go_back(&a);
		s.sel_row = 2;
		s.sel_col = 1;
		canvas_free(c);
	}
	is_int(sweep_view.key(&a, &s, &left), KEY_REDRAW, "left moves the selection");
	is_int(sweep_view.key(&a, &s, &enter), KEY_RELOAD, "Enter opens the cell's runs");
	is_int(a.view, VIEW_RUNS, "in the runs list");
	is_str(a.point, "units=64 lr=0.001", "of that point");
	runs_view.enter(&a, &rs);
	is_int(rs.list.n, 1, "one run listed");
	is_int((int)a.selected, 118, "and selected");
	app_go_back(&a);
	is_int(a.view, VIEW_SWEEP, "Esc goes back to the sweep");
	ok(!a.point_sweep, "and the runs list shows every run again");
	app_go_back(&a);
	is_int(a.view, VIEW_OVERVIEW, "Esc again: where the sweep was opened from");
	/* one key: left and right select a value, Enter lists its runs */
	a.open_sweep = 1;
	a.view = VIEW_SWEEP;
	ok(sweep_state_build(&s, rows, a.n_rows, 1, NULL, &err) == DL_OK, "sweep 1 built");
	is_int(s.sel_col, 2, "one key: the best value is selected first (lr=0.1)");
	is_int(sweep_view.key(&a, &s, &left), KEY_REDRAW, "left selects the value before");
	is_int(sweep_view.key(&a, &s, &enter), KEY_RELOAD, "Enter opens its runs");
	is_str(a.point, "lr=0.01", "of lr=0.01");
	app_go_back(&a);
	a.selected = 1;
	is_int(action_run_key(&a, 1, 'w'), KEY_REDRAW, "w on a run of no sweep");
	is_str(a.message, "run 1 is not part of a sweep", "says so");
	runs_view.free(&rs);
	sweep_state_free(&s);
}

int main(void)
{
	for (int ascii = 0; ascii <= 1; ascii++) {
		test_overview(ascii);
		test_runs(ascii, 0);
		test_runs(ascii, 1);
		test_runs_columns(ascii);
		test_run(ascii, TAB_CURVES, "run-curves");
		test_run(ascii, TAB_CONFUSION, "run-confusion");
		test_run(ascii, TAB_DIGITS, "run-digits");
		test_run_chart_settings(ascii);
		test_pad(ascii);
		test_compare(ascii);
		test_run_epochs(ascii);
		test_run_classes(ascii);
		test_sweep_view(ascii, 1, "sweep-1-key");
		test_sweep_view(ascii, 2, "sweep-2-keys");
		test_sweep_view(ascii, 3, "sweep-4-keys");
		test_sweep_goal(ascii);
	}
	test_sweep_keys();
	test_selection();
	test_cancel_asks();
	test_key_bars();
	test_help();
	test_progress();
	return tap_done();
}
