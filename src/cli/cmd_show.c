/*
 * cmd_show.c - one run in detail (`digitlab show`), runs side by side
 * (`digitlab compare`) and runs as CSV or JSON (`digitlab export`).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "cli/samples.h"
#include "spec/flat.h"
#include "tui/widgets.h"
#include "util/format.h"
#include "util/le.h"
#include "util/text.h"

#define SPARK_WIDTH 50
#define SHOW_EPOCH_ROWS 30      /* epochs listed in full up to this many */
#define SHOW_DIGITS 6           /* misclassified digits drawn, two to a band */

/* Everything `show` and `compare` print of a run. */
struct run_view {
	struct store_run run;
	struct store_epoch *epochs;
	int n_epochs;
	const char *split;              /* "test" or "val": whose confusion and digits */
	int n_classes;                  /* 0: no confusion of the split stored */
	int confusion[STORE_MAX_CLASSES * STORE_MAX_CLASSES];
	char tags[512];
	char names[STORE_MAX_CLASSES][STORE_CLASS_NAME_MAX]; /* the classes' names */
	int n_names;                    /* 0: none kept, the classes are numbered */
	const char *labels[STORE_MAX_CLASSES]; /* names[k], for the widgets */
};

/* Class k as the run names it, or its number. */
static const char *class_name(const struct run_view *v, int k, char *buf, size_t size)
{
	if (k >= 0 && k < v->n_names)
		return v->names[k];
	snprintf(buf, size, "%d", k);
	return buf;
}

static void run_view_free(struct run_view *v)
{
	store_run_free(&v->run);
	store_epochs_free(v->epochs, v->n_epochs);
}

static int run_view_load(struct store *s, int64_t id, const char *split, struct run_view *v)
{
	struct dl_error err;
	int found;

	memset(v, 0, sizeof *v);
	v->split = split;
	dl_error_clear(&err);
	if (store_get_run(s, id, &v->run, &found, &err) != DL_OK ||
	    store_get_history(s, id, &v->epochs, &v->n_epochs, &err) != DL_OK ||
	    store_get_confusion(s, id, split, &v->n_classes, v->confusion, &found, &err) != DL_OK ||
	    store_get_tags(s, id, v->tags, sizeof v->tags, &err) != DL_OK ||
	    store_get_class_names(s, id, v->names, &v->n_names, &err) != DL_OK) {
		cli_print_error(&err);
		return DL_ERR;
	}
	for (int k = 0; k < v->n_names; k++)
		v->labels[k] = v->names[k];
	return DL_OK;
}

static void print_metric(const char *label, double v)
{
	if (!isnan(v))
		printf("  %s %.4f", label, v);
}

/* ---- show ---- */

/* "LABEL: TEXT" on a line of its own, the text escaped. */
static void print_text_line(const char *label, const char *text)
{
	printf("%s: ", label);
	text_fputs(text, stdout, TEXT_ONE_LINE);
	putchar('\n');
}

static void show_summary(const struct run_view *v)
{
	const struct store_row *r = &v->run.row;
	char name[300], escaped[TEXT_ESCAPED_SIZE(300)];
	char point[TEXT_ESCAPED_SIZE(sizeof r->sweep_point)];

	printf("run %lld  %s  %s", (long long)r->id,
	       text_escape(escaped, sizeof escaped, report_run_name(r, 0, name, sizeof name),
			   TEXT_ONE_LINE), store_status_name(r->status));
	if (r->status == STORE_RUNNING && r->batches > 0)
		printf(" (epoch %d, batch %d/%d, %.0f samples/s)", r->epoch, r->batch, r->batches,
		       r->samples_per_s);
	printf("\n");
	if (r->sweep_id)
		printf("sweep %lld, point %s, repeat %d\n", (long long)r->sweep_id,
		       text_escape(point, sizeof point, r->sweep_point, TEXT_ONE_LINE), r->repeat);
	printf("params %lld  epochs %d", (long long)r->params, r->epochs);
	print_metric("train acc", r->accuracy);
	print_metric("val acc", r->val_accuracy);
	print_metric("test acc", r->test_accuracy);
	print_metric("test loss", r->test_loss);
	if (!isnan(r->seconds))
		printf("  time %.1fs", r->seconds);
	/* the training process's peak resident set (util/mem.h) */
	if (r->peak_rss > 0)
		printf("  peak memory %.1f MiB", (double)r->peak_rss / (1024.0 * 1024.0));
	printf("\n");
	if (v->run.message)
		print_text_line("message", v->run.message);
	if (v->tags[0])
		print_text_line("tags", v->tags);
	if (v->run.notes)
		print_text_line("note", v->run.notes);
	if (v->run.checkpoint[0])
		print_text_line("checkpoint", v->run.checkpoint);
}

typedef double (*epoch_field)(const struct store_epoch *e);
static double f_loss(const struct store_epoch *e) { return e->loss; }
static double f_acc(const struct store_epoch *e) { return e->accuracy; }
static double f_vloss(const struct store_epoch *e) { return e->val_loss; }
static double f_vacc(const struct store_epoch *e) { return e->val_accuracy; }
static double f_lr(const struct store_epoch *e) { return e->lr; }

/* One field of every epoch; malloc'd. */
static double *epoch_series(const struct run_view *v, epoch_field get)
{
	double *vals = malloc(sizeof *vals * (size_t)(v->n_epochs ? v->n_epochs : 1));

	for (int i = 0; vals && i < v->n_epochs; i++)
		vals[i] = get(&v->epochs[i]);
	return vals;
}

/* The dashboard's widgets, printed as text: a canvas of w x h drawn by fn. */
static void print_canvas(int w, int h, int ascii, void (*draw)(struct canvas *, const void *),
			 const void *ctx)
{
	struct canvas *c = canvas_new(w, h, ascii, 0);

	if (!c)
		return;
	draw(c, ctx);
	canvas_write(c, stdout);
	canvas_free(c);
}

static void draw_sparklines(struct canvas *c, const void *ctx)
{
	static const struct { const char *name; epoch_field get; } series[] = {
		{"loss", f_loss}, {"accuracy", f_acc}, {"val_loss", f_vloss},
		{"val_accuracy", f_vacc}, {"lr", f_lr},
	};
	const struct run_view *v = ctx;
	int y = 0;

	for (size_t k = 0; k < sizeof series / sizeof series[0]; k++) {
		double *vals = epoch_series(v, series[k].get), first = NAN, last = NAN;

		for (int i = 0; vals && i < v->n_epochs; i++)
			if (!isnan(vals[i])) {
				first = isnan(first) ? vals[i] : first;
				last = vals[i];
			}
		if (vals && !isnan(first)) {
			canvas_text(c, 2, y, series[k].name, COLOR_DIM, 0, 0);
			widget_sparkline(c, 16, y, SPARK_WIDTH, vals, v->n_epochs, COLOR_ACCENT);
			canvas_printf(c, 18 + (v->n_epochs < SPARK_WIDTH ? v->n_epochs : SPARK_WIDTH), y,
				      COLOR_DEFAULT, 0, "%.4g %s %.4g", first, c->ascii ? "->" : "\u2192",
				      last);
			y++;
		}
		free(vals);
	}
}

static void draw_loss_chart(struct canvas *c, const void *ctx)
{
	const struct run_view *v = ctx;
	double *loss = epoch_series(v, f_loss), *vloss = epoch_series(v, f_vloss);
	struct chart_series s[2] = {{loss, v->n_epochs, COLOR_ACCENT, "loss"},
				    {vloss, v->n_epochs, COLOR_SECOND, "val_loss"}};
	struct chart_opts o = {.title = "loss per epoch"};
	int has_val = 0;

	for (int i = 0; vloss && i < v->n_epochs; i++)
		has_val |= !isnan(vloss[i]);
	if (loss && vloss)
		widget_line_chart(c, 0, 0, c->w, c->h, s, has_val ? 2 : 1, &o);
	free(loss);
	free(vloss);
}

static void show_history(const struct run_view *v, int ascii)
{
	if (!v->n_epochs)
		return;
	printf("\nhistory (%d epoch%s)\n", v->n_epochs, v->n_epochs == 1 ? "" : "s");
	print_canvas(80, 5, ascii, draw_sparklines, v);
	if (v->n_epochs > 1) {
		printf("\n");
		print_canvas(78, 10, ascii, draw_loss_chart, v);
	}
}

/* The heatmap as it fits in 80 columns beside the per-class error: whole
 * when it can be, else compact; every row, since text can be scrolled. */
static void confusion_layout(const struct run_view *v, struct confusion_layout *l)
{
	memset(l, 0, sizeof *l);
	l->labels = v->n_names == v->n_classes ? v->labels : NULL;
	widget_confusion_fit(v->n_classes, 80 - 2 - 24, v->n_classes + 1, -1, -1, l);
	if (l->compact)
		l->rows = 0;
}

static void draw_confusion(struct canvas *c, const void *ctx)
{
	const struct run_view *v = ctx;
	struct confusion_layout l;
	int cw;

	confusion_layout(v, &l);
	cw = widget_confusion_layout_width(v->n_classes, &l);
	widget_confusion_layout(c, 0, 0, v->confusion, v->n_classes, CONFUSION_COUNTS, -1, -1, &l);
	canvas_text(c, cw + 2, 0, "error per class", COLOR_TITLE, 0, 0);
	widget_class_error_layout(c, cw + 2, 1, c->w - cw - 2, v->confusion, v->n_classes, &l);
}

/* A compact heatmap heads its columns with one character: the names in full. */
static void show_class_names(const struct run_view *v)
{
	struct confusion_layout l;

	confusion_layout(v, &l);
	if (!l.compact || !l.labels)
		return;
	printf("classes:");
	for (int k = 0; k < v->n_names; k++)
		printf(" %s", v->names[k]);
	printf("\n");
}

/* Every epoch up to SHOW_EPOCH_ROWS; beyond, the first and last few and
 * every epoch with an event (an LR reduction, early stopping). */
static void show_epochs(const struct run_view *v)
{
	int many = v->n_epochs > SHOW_EPOCH_ROWS, skipped = 0;

	if (!v->n_epochs)
		return;
	printf("\n%6s %9s %9s %9s %9s %10s %8s  %s\n", "EPOCH", "LOSS", "ACC", "VAL LOSS",
	       "VAL ACC", "LR", "SECONDS", "EVENTS");
	for (int i = 0; i < v->n_epochs; i++) {
		const struct store_epoch *e = &v->epochs[i];
		int event = e->events && e->events[0];
		char l[16], a[16], vl[16], va[16];

		if (many && i >= 5 && i < v->n_epochs - 5 && !event) {
			skipped++;
			continue;
		}
		if (skipped)
			printf("%6s (%d epoch%s without events)\n", "...", skipped,
			       skipped == 1 ? "" : "s");
		skipped = 0;
		printf("%6d %9s %9s %9s %9s %10.4g %8.1f  ", e->epoch,
		       fmt_metric(e->loss, l, sizeof l), fmt_metric(e->accuracy, a, sizeof a),
		       fmt_metric(e->val_loss, vl, sizeof vl),
		       fmt_metric(e->val_accuracy, va, sizeof va), e->lr, e->seconds);
		text_fputs(event ? e->events : "", stdout, TEXT_ONE_LINE);
		putchar('\n');
	}
}

struct digits_view {
	const struct store_sample *m;
	int n;
	const struct run_view *v;
};

/* Each digit beside its saliency, two pairs to a band of 80 columns. */
static void draw_digits(struct canvas *c, const void *ctx)
{
	const struct digits_view *dv = ctx;

	for (int i = 0; i < dv->n; i++) {
		const struct store_sample *m = &dv->m[i];
		int x = (i % 2) * 40, y = (i / 2) * (widget_image_height(m->h) + 2);
		char t[16], p[16];

		canvas_printf(c, x, y, COLOR_DEFAULT, 0, "#%d %s%s%s %.2f", m->index,
			      class_name(dv->v, m->truth, t, sizeof t), c->ascii ? ">" : "\u2192",
			      class_name(dv->v, m->predicted, p, sizeof p), m->confidence);
		widget_image(c, x, y + 1, m->pixels, m->h, m->w, 0);
	}
}

static const char *split_name(const struct run_view *v)
{
	return strcmp(v->split, "val") ? "test" : "validation";
}

/*
 * At most max of the kept samples m (in order of true class, then index),
 * spread over the true classes: the first of each class, then the second
 * of each, and so on, so that the mistakes of class 0 do not fill the
 * picture. The picks, into pick, keep m's order. Returns how many.
 */
static int spread_by_class(const struct store_sample *m, int n, int *pick, int max)
{
	int k = 0;

	for (int round = 0, more = 1; more && k < max; round++) {
		more = 0;
		for (int i = 0, rank = 0; i < n && k < max; i++) {
			rank = i > 0 && m[i].truth == m[i - 1].truth ? rank + 1 : 0;
			more |= rank > round;
			if (rank == round)
				pick[k++] = i;
		}
	}
	for (int a = 1; a < k; a++)             /* back into m's order */
		for (int b = a; b > 0 && pick[b - 1] > pick[b]; b--) {
			int t = pick[b];

			pick[b] = pick[b - 1];
			pick[b - 1] = t;
		}
	return k;
}

static int show_misclassified(struct store *s, const struct run_view *v, int ascii)
{
	struct store_sample *m, shown[SHOW_DIGITS];
	struct dl_error err;
	int n, k, pick[SHOW_DIGITS], kept, total;

	dl_error_clear(&err);
	if (store_get_misclassified(s, v->run.row.id, v->split, 0, &m, &n, &err) != DL_OK ||
	    store_count_misclassified(s, v->run.row.id, v->split, &kept, &total, &err) != DL_OK) {
		cli_print_error(&err);
		return DL_ERR;
	}
	k = spread_by_class(m, n, pick, SHOW_DIGITS);
	for (int i = 0; i < k; i++)
		shown[i] = m[pick[i]];
	if (k > 0 && m[0].w <= 38) {
		struct digits_view dv = {shown, k, v};

		printf("\nmisclassified %s digits (true%spredicted confidence): %d of %d, one of "
		       "each true class first\n", split_name(v), ascii ? ">" : "\u2192", k,
		       total > n ? total : n);
		print_canvas(80, (k + 1) / 2 * (widget_image_height(m[0].h) + 2), ascii, draw_digits, &dv);
	}
	store_samples_free(m, n);
	return DL_OK;
}

/* train.inits: the candidates' initial losses and the one kept. */
static int show_inits(struct store *s, const struct run_view *v)
{
	void *losses = NULL, *kept = NULL;
	size_t bytes, kept_bytes;
	int h, w, found = 0, kfound = 0, rc;
	struct dl_error err;

	/* little-endian float64 each, and one int32 (store_sink.h) */
	dl_error_clear(&err);
	rc = store_get_artifact(s, v->run.row.id, "init_losses", &h, &w, &losses, &bytes, &found,
				&err);
	if (rc == DL_OK && found)
		rc = store_get_artifact(s, v->run.row.id, "init_kept", &h, &w, &kept, &kept_bytes,
					&kfound, &err);
	if (rc != DL_OK)
		cli_print_error(&err);
	if (rc == DL_OK && found && bytes >= 8 && kfound && kept_bytes == 4) {
		const unsigned char *l = losses;
		int n = (int)(bytes / 8), k = (int32_t)le_get_u32(kept);
		double lo = le_get_f64(l), hi = lo;

		for (int i = 1; i < n; i++) {
			lo = fmin(lo, le_get_f64(l + 8 * i));
			hi = fmax(hi, le_get_f64(l + 8 * i));
		}
		if (k >= 0 && k < n)
			printf("initialisation: candidate %d of %d kept, initial loss %.4g "
			       "(all %d: %.4g to %.4g)\n", k + 1, n, le_get_f64(l + 8 * k), n, lo,
			       hi);
	}
	free(losses);
	free(kept);
	return rc;
}

static const char show_help[] =
	"usage: digitlab show RUN [--validation] [--epoch K] [--ascii] [--yaml]\n"
	"       digitlab show RUN --flips [--epoch K] [--max N] [--ascii]\n"
	"\n"
	"One run in detail: its summary, sparklines of its history, every epoch's\n"
	"metrics, learning rate and events, the test confusion matrix, the error of\n"
	"each class and the first misclassified test digits.\n"
	"\n"
	"  --validation  the confusion matrix and digits of the validation set\n"
	"  --epoch K     the validation confusion matrix after epoch K (every\n"
	"                epoch's answers are kept)\n"
	"  --flips       the validation digits right after epoch K (--epoch; the\n"
	"                first by default) and wrong after the last, the reverse,\n"
	"                and the digits whose answer changed most often\n"
	"  --max N       digits drawn per list with --flips (default 10)\n"
	"  --ascii       ASCII characters instead of Unicode blocks (also chosen\n"
	"                when the locale is not UTF-8)\n"
	"  --yaml        print the run's experiment (canonical YAML) instead\n";

int cmd_show(int argc, char **argv)
{
	int ascii = !canvas_locale_is_utf8(), yaml = 0, flips = 0, epoch = 0;
	int max = SAMPLES_MAX_DIGITS;
	const char *arg = NULL, *split = "test";
	struct run_view v;
	struct store *s;
	int64_t id;
	int status;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(show_help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--ascii")) {
			ascii = 1;
		} else if (!strcmp(argv[i], "--yaml")) {
			yaml = 1;
		} else if (!strcmp(argv[i], "--validation")) {
			split = "val";
		} else if (!strcmp(argv[i], "--flips")) {
			flips = 1;
		} else if (!strcmp(argv[i], "--epoch") || !strcmp(argv[i], "--max")) {
			char *end;
			long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;

			if (i + 1 >= argc || !argv[i + 1][0] || *end || v < 1 || v > 1000000)
				return cli_usage_error("show", "%s takes a number of at least 1",
						       argv[i]);
			*(!strcmp(argv[i], "--epoch") ? &epoch : &max) = (int)v;
			i++;
		} else if (argv[i][0] == '-' || arg) {
			return cli_usage_error("show", "unexpected argument '%s'", argv[i]);
		} else {
			arg = argv[i];
		}
	}
	if (!arg)
		return cli_usage_error("show", "which run? (an id or a name; see digitlab ls)");
	if (cli_open_store(&s) != DL_OK)
		return 1;
	if ((status = cli_run_id("show", s, arg, &id)) ||
	    (run_view_load(s, id, split, &v) != DL_OK && (status = 1))) {
		store_close(s);
		return status;
	}
	if (flips && !yaml) {
		status = samples_show_flips(s, id, epoch, max, ascii);
		run_view_free(&v);
		store_close(s);
		return status;
	}
	if (epoch && !yaml) {
		if (samples_epoch_confusion(s, id, epoch, &v.n_classes, v.confusion)) {
			run_view_free(&v);
			store_close(s);
			return 1;
		}
		split = v.split = "val";
	}
	if (!strcmp(split, "val") && !v.n_classes && !yaml) {
		fprintf(stderr, "digitlab: run %lld kept no validation analysis (it has no "
			"validation set, or is not done)\n", (long long)id);
		run_view_free(&v);
		store_close(s);
		return 1;
	}
	if (yaml) {
		text_fputs(v.run.yaml, stdout, TEXT_KEEP_LINES);
	} else {
		show_summary(&v);
		if (show_inits(s, &v) != DL_OK)
			status = 1;
		show_history(&v, ascii);
		show_epochs(&v);
		if (v.n_classes) {
			printf("\nConfusion matrix of the %s set", split_name(&v));
			if (epoch)
				printf(" after epoch %d", epoch);
			printf(" (rows: true class, columns: predicted)\n");
			print_canvas(80, widget_confusion_height(v.n_classes), ascii, draw_confusion, &v);
			show_class_names(&v);
		}
		if (!epoch && show_misclassified(s, &v, ascii) != DL_OK)
			status = 1;
	}
	run_view_free(&v);
	store_close(s);
	return status;
}

/* ---- compare ---- */

/* The settings that differ, one row each, a column per run (n <= 8).
 * Returns 1 when there is no memory for them. */
static int compare_params(const struct flat *flats, int n)
{
	const struct flat *of[8];
	const char **keys;
	char cell[4 * 36 + 1];
	int cap = 0, shown;

	for (int q = 0; q < n; q++) {
		of[q] = &flats[q];
		cap += flats[q].n;
	}
	keys = malloc(((size_t)cap + 1) * sizeof *keys);
	if (!keys) {
		fprintf(stderr, "digitlab compare: out of memory\n");
		return 1;
	}
	shown = spec_flat_differ(of, n, keys, cap);
	printf("hyper-parameters that differ\n");
	for (int i = 0; i < shown; i++) {
		printf("  %s", text_cell(cell, sizeof cell, keys[i], 36));
		for (int q = 0; q < n; q++) {
			const char *v = spec_flat_get(&flats[q], keys[i]);

			printf(" %s", text_cell(cell, sizeof cell, v ? v : "-", 22));
		}
		printf("\n");
	}
	if (!shown)
		printf("  (none: the runs differ only in name)\n");
	free(keys);
	return 0;
}

static void compare_row(const char *label, const struct run_view *v, int n,
			double (*get)(const struct store_row *))
{
	printf("  %-36s", label);
	for (int q = 0; q < n; q++) {
		char buf[16];

		printf(" %-22s", fmt_metric(get(&v[q].run.row), buf, sizeof buf));
	}
	printf("\n");
}

static double g_acc(const struct store_row *r) { return r->accuracy; }
static double g_vacc(const struct store_row *r) { return r->val_accuracy; }
static double g_best(const struct store_row *r) { return r->best_val_accuracy; }
static double g_tacc(const struct store_row *r) { return r->test_accuracy; }
static double g_tloss(const struct store_row *r) { return r->test_loss; }

static void compare_metrics(const struct run_view *v, int n)
{
	printf("\nmetrics\n  %-36s", "run");
	for (int q = 0; q < n; q++) {
		char head[340], name[300], cell[4 * 22 + 1];
		int id_width = snprintf(NULL, 0, "%lld ", (long long)v[q].run.row.id);

		snprintf(head, sizeof head, "%lld %s", (long long)v[q].run.row.id,
			 report_run_name(&v[q].run.row, 22 - id_width, name, sizeof name));
		printf(" %s", text_cell(cell, sizeof cell, head, 22));
	}
	printf("\n  %-36s", "status");
	for (int q = 0; q < n; q++)
		printf(" %-22s", store_status_name(v[q].run.row.status));
	printf("\n  %-36s", "params");
	for (int q = 0; q < n; q++)
		printf(" %-22lld", (long long)v[q].run.row.params);
	printf("\n  %-36s", "epochs");
	for (int q = 0; q < n; q++)
		printf(" %-22d", v[q].run.row.epochs);
	printf("\n");
	compare_row("train accuracy", v, n, g_acc);
	compare_row("val accuracy", v, n, g_vacc);
	compare_row("best val accuracy", v, n, g_best);
	compare_row("test accuracy", v, n, g_tacc);
	compare_row("test loss", v, n, g_tloss);
	printf("  %-36s", "time");
	for (int q = 0; q < n; q++) {
		char buf[16];

		printf(" %-22s", format_duration(v[q].run.row.seconds, buf, sizeof buf));
	}
	printf("\n");
}

/* Cell by cell, second minus first: where the second run gains (on the
 * diagonal) or loses (off it) samples. */
static void compare_confusion(const struct run_view *a, const struct run_view *b)
{
	int K = a->n_classes, w = 5, rw = 2;
	char buf[16];

	/* names are cut to 8 columns: the matrix is for reading across */
	for (int k = 0; k < K; k++) {
		int n = (int)strlen(class_name(a, k, buf, sizeof buf));

		w = n > w ? n : w;
		rw = n > rw ? n : rw;
	}
	w = w < 8 ? w : 8;
	rw = rw < 8 ? rw : 8;
	if (!K || K != b->n_classes) {
		printf("\n(no pair of %s confusion matrices to compare)\n", split_name(a));
		return;
	}
	printf("\n%sconfusion difference, run %lld minus run %lld (rows: true class; "
	       ". for no change)\n", strcmp(a->split, "val") ? "" : "validation ",
	       (long long)b->run.row.id, (long long)a->run.row.id);
	printf("%*s", rw + 3, "");
	for (int p = 0; p < K; p++)
		printf(" %*.*s", w, w, class_name(a, p, buf, sizeof buf));
	printf("\n");
	for (int t = 0; t < K; t++) {
		printf("  %*.*s ", rw, rw, class_name(a, t, buf, sizeof buf));
		for (int p = 0; p < K; p++) {
			int d = b->confusion[t * K + p] - a->confusion[t * K + p];

			if (d)
				printf(" %+*d", w, d);
			else
				printf(" %*s", w, ".");
		}
		printf("\n");
	}
}

int cmd_compare(int argc, char **argv)
{
	struct run_view v[8];
	struct flat *flats;
	struct store *s;
	const char *runs[8], *split = "test";
	int n = 0, n_runs = 0, status = 0, samples = 0, max = SAMPLES_MAX_DIGITS;
	int ascii = !canvas_locale_is_utf8();

	if (cli_wants_help(argc, argv, "usage: digitlab compare RUN RUN... [--validation]\n"
			   "       digitlab compare RUN RUN --samples [--max N] [--ascii]\n\n"
			   "Runs side by side (at most 8): the hyper-parameters that differ, their\n"
			   "metrics, and the cell-by-cell difference of the first two runs' test\n"
			   "confusion matrices (with --validation, their validation ones).\n\n"
			   "  --samples  two runs on the same test set, sample by sample: the digits\n"
			   "             the second fixes (the first got them wrong) and breaks, with\n"
			   "             both runs' answers and confidences\n"
			   "  --max N    digits drawn per list with --samples (default 10)\n"
			   "  --ascii    ASCII characters instead of Unicode blocks\n"))
		return 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--validation")) {
			split = "val";
		} else if (!strcmp(argv[i], "--samples")) {
			samples = 1;
		} else if (!strcmp(argv[i], "--ascii")) {
			ascii = 1;
		} else if (!strcmp(argv[i], "--max")) {
			char *end;
			long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;

			if (i + 1 >= argc || !argv[i + 1][0] || *end || v < 1 || v > 1000000)
				return cli_usage_error("compare", "--max takes a number of at least 1");
			max = (int)v;
			i++;
		} else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("compare", "unexpected argument '%s'", argv[i]);
		else if (n_runs == 8)
			return cli_usage_error("compare", "expected 2 to 8 runs");
		else
			runs[n_runs++] = argv[i];
	}
	if (samples && n_runs != 2)
		return cli_usage_error("compare", "--samples compares exactly 2 runs");
	if (samples) {
		int64_t ids[2];

		if (cli_open_store(&s) != DL_OK)
			return 1;
		for (int i = 0; i < 2 && !status; i++)
			status = cli_run_id("compare", s, runs[i], &ids[i]);
		if (!status)
			status = samples_compare(s, ids[0], ids[1], max, ascii);
		store_close(s);
		return status;
	}
	if (n_runs < 2)
		return cli_usage_error("compare", "expected 2 to 8 runs");
	if (cli_open_store(&s) != DL_OK)
		return 1;
	flats = calloc(8, sizeof *flats);
	for (int i = 0; flats && i < n_runs; i++) {
		int64_t id;

		if ((status = cli_run_id("compare", s, runs[i], &id)) ||
		    (run_view_load(s, id, split, &v[n]) != DL_OK && (status = 1)))
			break;
		spec_flatten(v[n].run.yaml, &flats[n]);
		n++;
	}
	if (!status && flats && !(status = compare_params(flats, n))) {
		compare_metrics(v, n);
		compare_confusion(&v[0], &v[1]);
	}
	for (int i = 0; i < n; i++)
		run_view_free(&v[i]);
	free(flats);
	store_close(s);
	return status;
}
