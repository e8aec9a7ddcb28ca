/*
 * answers.h - a run's answers sample by sample, as the dashboard and the
 * commands use them (`show --flips`, `compare --samples`, the Confusion
 * and Flips tabs, the compare screen): a split's samples, the answers of
 * every kept epoch and the digits kept, read from the store in one go
 * (store.h, "answers sample by sample"), and the questions asked of them.
 *
 * Reading is the only part that touches the store: a view calls
 * answer_book_load in its update and the rest in its draw.
 */
#ifndef DL_TUI_ANSWERS_H
#define DL_TUI_ANSWERS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct answer_book {
	int64_t id;                     /* the run */
	struct store_sample_set set;    /* n == 0: nothing kept */
	struct store_answer_history hist;
	int first_epoch, last_epoch;    /* kept epochs >= 1; 0 when none */
	int *digit_index;               /* n_digits, ascending; owned */
	float *digit_pixels;            /* n_digits images of set.h x set.w; owned */
	int n_digits;
};

/* Read run id's answers for split ("val", "test"). *found is 0 (and *b
 * empty, still to be freed) when the run kept none for it. */
int answer_book_load(struct store *s, int64_t id, const char *split, struct answer_book *b,
		     int *found, struct dl_error *err);
void answer_book_free(struct answer_book *b);     /* NULL-safe, zeroes */

/* The answers of an epoch (0: the final model), NULL when not kept. */
const uint8_t *answer_book_row(const struct answer_book *b, int epoch);
/* The confidence of sample i's answer at an epoch in percent, -1 when
 * it was not kept. */
int answer_book_confidence(const struct answer_book *b, int epoch, int i);
/* Sample i's digit, NULL when it was not kept (never wrong). */
const float *answer_book_digit(const struct answer_book *b, int i);
/* The kept epoch (>= 1) before (dir < 0) or after (dir > 0) epoch, or
 * epoch itself at either end. */
int answer_book_step(const struct answer_book *b, int epoch, int dir);
/* Sample i's answers at every kept epoch >= 1, in order, into out (room
 * for hist.n_epochs); returns how many. */
int answer_book_strip(const struct answer_book *b, int i, uint8_t *out);

/* Whether two runs' books hold the same samples: 1 when they do, else 0
 * with why saying how they differ ("50 samples of 5x7 and 20 of 5x7", "50 samples of 5x7 each, not the same ones"). */
int answer_book_same_samples(const struct answer_book *a, const struct answer_book *b,
			     char *why, size_t size);

#endif
