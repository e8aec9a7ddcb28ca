/* The answers of runs sample by sample, printed (samples.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/samples.h"
#include "tui/answers.h"
#include "tui/widgets.h"

#define TEXT_WIDTH 80
#define CARD_W 16               /* a digit with its caption, and the gap after it */
#define SMALL_SIDE 16           /* images this small are drawn whole, larger as thumbnails */

/* The class names of a run (escaped by the store), or NULL for numbers. */
struct names {
	char names[STORE_MAX_CLASSES][STORE_CLASS_NAME_MAX];
	const char *labels[STORE_MAX_CLASSES];
	int n;
};

static int read_names(struct store *s, int64_t id, struct names *nm)
{
	struct dl_error err;

	if (store_get_class_names(s, id, nm->names, &nm->n, &err) != DL_OK) {
		cli_print_error(&err);
		return DL_ERR;
	}
	for (int k = 0; k < nm->n; k++)
		nm->labels[k] = nm->names[k];
	return DL_OK;
}

static const char *name_of(const struct names *nm, int k, char *buf, size_t size)
{
	if (k >= 0 && k < nm->n)
		return nm->names[k];
	snprintf(buf, size, "%d", k);
	return buf;
}

static int load_book(const char *cmd, struct store *s, int64_t id, const char *split,
		     struct answer_book *b)
{
	struct dl_error err;
	int found;

	if (answer_book_load(s, id, split, b, &found, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	if (!found) {
		fprintf(stderr, "digitlab %s: run %lld kept no %s answers per sample (it has no "
			"%s, has not %s, or ran before digitlab kept them)\n", cmd, (long long)id,
			strcmp(split, "val") ? "test" : "validation",
			strcmp(split, "val") ? "test set" : "validation set",
			strcmp(split, "val") ? "finished" : "trained an epoch");
		answer_book_free(b);
		return 1;
	}
	return 0;
}

/* ---- digits as cards: a caption over the digit ---- */

static int digit_side(const struct answer_book *b)
{
	return b->set.h <= SMALL_SIDE && b->set.w <= SMALL_SIDE;
}

static int card_rows(const struct answer_book *b)
{
	int side = b->set.h > b->set.w ? b->set.h : b->set.w;

	if (digit_side(b))
		return 1 + widget_image_height(b->set.h);
	side = (side + 1) / 2;
	return 1 + widget_image_height(side < WIDGET_THUMB_MAX ? side : WIDGET_THUMB_MAX);
}

struct card {
	const float *pixels;    /* NULL: not kept */
	char caption[CARD_W];
};

/* Cards five to a band of 80 columns, a blank row between bands. */
static void print_cards(const struct answer_book *b, const struct card *cards, int n, int ascii)
{
	int per = TEXT_WIDTH / CARD_W, rows = card_rows(b) + 1;
	struct canvas *c;

	if (n < 1 || !(c = canvas_new(TEXT_WIDTH, (n + per - 1) / per * rows - 1, ascii, 0)))
		return;
	for (int i = 0; i < n; i++) {
		int x = i % per * CARD_W, y = i / per * rows;

		canvas_text(c, x, y, cards[i].caption, COLOR_DEFAULT, 0, CARD_W - 2);
		if (!cards[i].pixels)
			canvas_text(c, x, y + 1, "(not kept)", COLOR_DIM, 0, 0);
		else if (digit_side(b))
			widget_image(c, x, y + 1, cards[i].pixels, b->set.h, b->set.w, 0);
		else
			widget_digit_thumb(c, x, y + 1, cards[i].pixels, b->set.h, b->set.w);
	}
	canvas_write(c, stdout);
	canvas_free(c);
}

static void print_more(int shown, int n)
{
	if (n > shown)
		printf("(%d more; --max %d draws them all)\n", n - shown, n);
}

/* ---- show --flips ---- */

/* One list of flips: its title, and its digits captioned "#index k>end". */
static void print_flip_list(const struct answer_book *b, const struct names *nm,
			    const char *title, const int *list, int n, const uint8_t *at_k,
			    const uint8_t *at_end, int max, int ascii)
{
	struct card *cards = calloc((size_t)(n ? n : 1), sizeof *cards);
	int shown = n < max ? n : max;
	char k1[16], k2[16];

	printf("\n%s: %d\n", title, n);
	if (!cards)
		return;
	for (int i = 0; i < shown; i++) {
		int s = list[i];

		cards[i].pixels = answer_book_digit(b, s);
		snprintf(cards[i].caption, sizeof cards[i].caption, "#%d %.4s%s%.4s", s,
			 name_of(nm, at_k[s], k1, sizeof k1), ascii ? ">" : "\u2192",
			 name_of(nm, at_end[s], k2, sizeof k2));
	}
	print_cards(b, cards, shown, ascii);
	print_more(shown, n);
	free(cards);
}

/* The samples that changed answer most often, each with its answers
 * through the epochs as a strip. */
static void print_unstable(const struct answer_book *b, const struct names *nm, int max,
			   int ascii)
{
	int *order = malloc(sizeof *order * (size_t)b->set.n), n, shown;
	int *changes = malloc(sizeof *changes * (size_t)b->set.n);
	uint8_t *strip = malloc((size_t)b->hist.n_epochs);
	struct card *cards = calloc((size_t)(max ? max : 1), sizeof *cards);
	struct canvas *c = NULL;
	char t[16];

	if (!order || !changes || !strip || !cards)
		goto out;
	n = store_unstable_samples(&b->hist, order);
	store_answer_changes(&b->hist, changes);
	shown = n < max ? n : max;
	printf("\nunstable digits, whose answer changed most often: %d changed at least once\n", n);
	if (shown && (c = canvas_new(TEXT_WIDTH, shown, ascii, 0))) {
		for (int i = 0; i < shown; i++) {
			int s = order[i], len = answer_book_strip(b, s, strip);
			int x = canvas_printf(c, 0, i, COLOR_DEFAULT, 0, "  #%-6d true %-4s %3d "
					      "change%s  ", s, name_of(nm, b->set.labels[s], t,
								      sizeof t),
					      changes[s], changes[s] == 1 ? " " : "s");

			widget_answer_strip(c, x, i, strip, len, b->set.labels[s],
					    nm->n ? nm->labels : NULL, TEXT_WIDTH - x);
			cards[i].pixels = answer_book_digit(b, s);
			snprintf(cards[i].caption, sizeof cards[i].caption, "#%d %d", s, changes[s]);
		}
		canvas_write(c, stdout);
		printf("(%s: right; a class: the wrong answer of that epoch)\n",
		       ascii ? "." : "\u00b7");
		print_cards(b, cards, shown, ascii);
	}
	print_more(shown, n);
out:
	canvas_free(c);
	free(order);
	free(changes);
	free(strip);
	free(cards);
}

int samples_show_flips(struct store *s, int64_t id, int epoch, int max, int ascii)
{
	struct answer_book b;
	struct names nm;
	const uint8_t *at_k, *at_end;
	int *broken = NULL, *fixed = NULL, nb, nf, status = 0;
	char title[160];

	if (read_names(s, id, &nm) != DL_OK)
		return 1;
	if (load_book("show", s, id, "val", &b))
		return 1;
	if (!epoch)
		epoch = b.first_epoch;
	at_k = answer_book_row(&b, epoch);
	at_end = answer_book_row(&b, b.last_epoch);
	if (!b.last_epoch || !at_k || epoch < 1) {
		fprintf(stderr, "digitlab show: run %lld kept no answers of epoch %d (it kept epochs %d "
			"to %d)\n", (long long)id, epoch, b.first_epoch, b.last_epoch);
		answer_book_free(&b);
		return 1;
	}
	broken = malloc(sizeof *broken * (size_t)b.set.n);
	fixed = malloc(sizeof *fixed * (size_t)b.set.n);
	if (!broken || !fixed) {
		fprintf(stderr, "digitlab: out of memory\n");
		status = 1;
		goto out;
	}
	store_answers_flips(&b.set, at_k, at_end, broken, &nb, fixed, &nf);
	printf("run %lld: validation answers of epochs %d to %d, %d samples\n", (long long)id,
	       b.first_epoch, b.last_epoch, b.set.n);
	printf("from epoch %d to epoch %d: %d fixed, %d broken\n", epoch, b.last_epoch, nf, nb);
	snprintf(title, sizeof title, "broken: right at epoch %d, wrong at epoch %d", epoch,
		 b.last_epoch);
	print_flip_list(&b, &nm, title, broken, nb, at_k, at_end, max, ascii);
	snprintf(title, sizeof title, "fixed: wrong at epoch %d, right at epoch %d", epoch,
		 b.last_epoch);
	print_flip_list(&b, &nm, title, fixed, nf, at_k, at_end, max, ascii);
	print_unstable(&b, &nm, max, ascii);
out:
	free(broken);
	free(fixed);
	answer_book_free(&b);
	return status;
}

int samples_epoch_confusion(struct store *s, int64_t id, int epoch, int *k, int *counts)
{
	struct answer_book b;
	const uint8_t *row;

	if (load_book("show", s, id, "val", &b))
		return 1;
	if (!(row = answer_book_row(&b, epoch)) || epoch < 1) {
		fprintf(stderr, "digitlab show: run %lld kept no answers of epoch %d (it kept epochs %d "
			"to %d)\n", (long long)id, epoch, b.first_epoch, b.last_epoch);
		answer_book_free(&b);
		return 1;
	}
	*k = b.set.n_classes;
	store_answers_confusion(&b.set, row, counts);
	answer_book_free(&b);
	return 0;
}

/* ---- compare --samples ---- */

/* One list: a line per sample with both runs' answers and confidences,
 * then the first max digits. */
static void print_sample_list(const struct answer_book *a, const struct answer_book *b,
			      const struct names *nm, const char *title, const int *list, int n,
			      int max, int ascii)
{
	const uint8_t *pa = answer_book_row(a, 0), *pb = answer_book_row(b, 0);
	struct card *cards = calloc((size_t)(n ? n : 1), sizeof *cards);
	int shown = n < max ? n : max;
	char t[16], x[16], y[16];

	printf("\n%s: %d\n", title, n);
	for (int i = 0; i < n; i++) {
		int s = list[i];

		printf("  #%-6d true %-6s run %lld: %-6s %3d%%   run %lld: %-6s %3d%%\n", s,
		       name_of(nm, a->set.labels[s], t, sizeof t), (long long)a->id,
		       name_of(nm, pa[s], x, sizeof x), answer_book_confidence(a, 0, s),
		       (long long)b->id, name_of(nm, pb[s], y, sizeof y),
		       answer_book_confidence(b, 0, s));
	}
	if (!cards)
		return;
	for (int i = 0; i < shown; i++) {
		int s = list[i];

		/* the run that got it wrong kept its digit */
		cards[i].pixels = answer_book_digit(a, s) ? answer_book_digit(a, s) :
				  answer_book_digit(b, s);
		snprintf(cards[i].caption, sizeof cards[i].caption, "#%d %.4s%s%.4s", s,
			 name_of(nm, pa[s], x, sizeof x), ascii ? ">" : "\u2192",
			 name_of(nm, pb[s], y, sizeof y));
	}
	print_cards(a, cards, shown, ascii);
	print_more(shown, n);
	free(cards);
}

int samples_compare(struct store *s, int64_t ida, int64_t idb, int max, int ascii)
{
	struct answer_book a, b;
	struct names nm;
	int *broken = NULL, *fixed = NULL, nb, nf, status = 0;
	char why[160], title[160];

	if (read_names(s, ida, &nm) != DL_OK || load_book("compare", s, ida, "test", &a))
		return 1;
	if (load_book("compare", s, idb, "test", &b)) {
		answer_book_free(&a);
		return 1;
	}
	if (!answer_book_same_samples(&a, &b, why, sizeof why)) {
		fprintf(stderr, "digitlab compare: runs %lld and %lld have different test sets (%s):"
			" --samples compares answers on one test set\n", (long long)ida,
			(long long)idb, why);
		status = 1;
		goto out;
	}
	broken = malloc(sizeof *broken * (size_t)a.set.n);
	fixed = malloc(sizeof *fixed * (size_t)a.set.n);
	if (!broken || !fixed || !answer_book_row(&a, 0) || !answer_book_row(&b, 0)) {
		fprintf(stderr, "digitlab: out of memory\n");
		status = 1;
		goto out;
	}
	store_answers_flips(&a.set, answer_book_row(&a, 0), answer_book_row(&b, 0), broken, &nb,
			    fixed, &nf);
	printf("runs %lld and %lld on the same test set of %d samples:\n", (long long)ida,
	       (long long)idb, a.set.n);
	printf("run %lld fixes %d digit%s that run %lld got wrong and breaks %d\n", (long long)idb,
	       nf, nf == 1 ? "" : "s", (long long)ida, nb);
	snprintf(title, sizeof title, "fixed by run %lld (wrong in run %lld, right in run %lld)",
		 (long long)idb, (long long)ida, (long long)idb);
	print_sample_list(&a, &b, &nm, title, fixed, nf, max, ascii);
	snprintf(title, sizeof title, "broken by run %lld (right in run %lld, wrong in run %lld)",
		 (long long)idb, (long long)ida, (long long)idb);
	print_sample_list(&a, &b, &nm, title, broken, nb, max, ascii);
out:
	free(broken);
	free(fixed);
	answer_book_free(&a);
	answer_book_free(&b);
	return status;
}
