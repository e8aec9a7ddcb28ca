/* A run's answers sample by sample (answers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/answers.h"

int answer_book_load(struct store *s, int64_t id, const char *split, struct answer_book *b,
		     int *found, struct dl_error *err)
{
	memset(b, 0, sizeof *b);
	b->id = id;
	if (store_get_sample_set(s, id, split, &b->set, found, err) != DL_OK)
		return DL_ERR;
	if (!*found)
		return DL_OK;
	if (store_get_answers(s, id, split, &b->set, &b->hist, err) != DL_OK ||
	    store_get_digits(s, id, split, b->set.h, b->set.w, &b->digit_index, &b->digit_pixels,
			     &b->n_digits, err) != DL_OK) {
		answer_book_free(b);
		*found = 0;
		return DL_ERR;
	}
	for (int e = 0; e < b->hist.n_epochs; e++) {
		int epoch = b->hist.epochs[e];

		if (epoch < 1)
			continue;
		if (!b->first_epoch)
			b->first_epoch = epoch;
		b->last_epoch = epoch;
	}
	*found = b->hist.n_epochs > 0;
	return DL_OK;
}

void answer_book_free(struct answer_book *b)
{
	if (!b)
		return;
	store_sample_set_free(&b->set);
	store_answer_history_free(&b->hist);
	free(b->digit_index);
	free(b->digit_pixels);
	memset(b, 0, sizeof *b);
}

const uint8_t *answer_book_row(const struct answer_book *b, int epoch)
{
	int row = store_answer_row(&b->hist, epoch);

	return row < 0 ? NULL : b->hist.predicted + (size_t)row * b->hist.n;
}

int answer_book_confidence(const struct answer_book *b, int epoch, int i)
{
	int row = store_answer_row(&b->hist, epoch);

	if (row < 0 || !b->hist.has_confidence[row] || i < 0 || i >= b->hist.n)
		return -1;
	return (b->hist.confidence[(size_t)row * b->hist.n + i] * 100 + 127) / 255;
}

const float *answer_book_digit(const struct answer_book *b, int i)
{
	int lo = 0, hi = b->n_digits - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (b->digit_index[mid] == i)
			return b->digit_pixels + (size_t)mid * b->set.h * b->set.w;
		if (b->digit_index[mid] < i)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

int answer_book_step(const struct answer_book *b, int epoch, int dir)
{
	int best = epoch;

	for (int e = 0; e < b->hist.n_epochs; e++) {
		int k = b->hist.epochs[e];

		if (k < 1)
			continue;
		if (dir < 0 && k < epoch && (best == epoch || k > best))
			best = k;
		if (dir > 0 && k > epoch && (best == epoch || k < best))
			best = k;
	}
	return best;
}

int answer_book_strip(const struct answer_book *b, int i, uint8_t *out)
{
	int n = 0;

	for (int e = 0; e < b->hist.n_epochs; e++)
		if (b->hist.epochs[e] >= 1)
			out[n++] = b->hist.predicted[(size_t)e * b->hist.n + i];
	return n;
}

int answer_book_same_samples(const struct answer_book *a, const struct answer_book *b,
			     char *why, size_t size)
{
	const struct store_sample_set *x = &a->set, *y = &b->set;

	if (x->n == y->n && x->h == y->h && x->w == y->w && x->n_classes == y->n_classes &&
	    x->fingerprint == y->fingerprint && !memcmp(x->labels, y->labels, (size_t)x->n))
		return 1;
	if (x->n == y->n && x->h == y->h && x->w == y->w)
		snprintf(why, size, "%d samples of %dx%d each, not the same ones", x->n, x->w,
			 x->h);
	else
		snprintf(why, size, "%d samples of %dx%d and %d of %dx%d", x->n, x->w, x->h, y->n,
			 y->w, y->h);
	return 0;
}
