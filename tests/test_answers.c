/* Answers sample by sample: a run trained through the store sink keeps
 * every epoch's validation answers, whose confusion matrices add up to the
 * validation set and agree with the history's validation accuracy; the
 * final test answers agree with the test confusion; the flips the store's
 * answers give between epoch 1 and the last are exactly those recomputed
 * from the checkpoints of those two epochs; every digit ever got wrong is
 * kept, as its pixels; and the store's lists (flips, unstable digits) are
 * right on a hand-made case. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/store_sink.h"
#include "train/restore.h"
#include "tui/answers.h"
#include "tap.h"

#define EPOCHS 5

static const char yaml[] =
	"name: answers-test\n"
	"seed: 7\n"
	"data: {source: font5x7, variants: 8, validation: 0.25}\n"
	"model:\n  layers:\n    - dense: {units: 12, activation: relu}\n"
	"    - dense: {units: 10, activation: softmax}\n"
	"train: {epochs: 5, batch_size: 16, optimizer: {type: adam, lr: 0.01}}\n";

/* The store sink, and after each epoch a copy of that epoch's checkpoint. */
static struct store_sink ss;
static char ck_path[256];

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;

	while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

static void keep_checkpoint(void *ctx, const struct epoch_metrics *m)
{
	char to[300];

	ss.sink.epoch_done(ctx, m);
	snprintf(to, sizeof to, "%s.%d", ck_path, m->epoch);
	copy_file(ck_path, to);
}

/* The answers of the model saved after `epoch` on d. */
static int answers_of_checkpoint(int epoch, const struct dataset *d, uint8_t *out)
{
	struct restored_model r;
	struct dl_error err;
	char path[300];
	const float *y;
	float *x;
	int K;

	snprintf(path, sizeof path, "%s.%d", ck_path, epoch);
	if (restore_model(path, d->n, &r, &err) != DL_OK) {
		ok(0, "restore %s: %s", path, err.msg);
		return DL_ERR;
	}
	K = nn_shape_size(nn_model_output_shape(r.model));
	x = malloc(sizeof *x * dataset_sample_size(d) * (size_t)d->n);
	y = nn_model_forward(r.model, dataset_batch(d, 0, d->n, x), d->n, 0, NULL);
	for (int i = 0; i < d->n; i++) {
		int best = 0;

		for (int k = 1; k < K; k++)
			if (y[(size_t)i * K + k] > y[(size_t)i * K + best])
				best = k;
		out[i] = (uint8_t)best;
	}
	free(x);
	ok(r.epoch == epoch, "the checkpoint copied after epoch %d holds epoch %d", epoch, r.epoch);
	restored_model_free(&r);
	return DL_OK;
}

static void test_epochs(struct store *s, int64_t id, const struct data_split *data)
{
	struct answer_book b;
	struct store_epoch *h;
	struct dl_error err;
	int found, n_h, sums = 1, accs = 1, counts[STORE_MAX_CLASSES * STORE_MAX_CLASSES];

	ok(answer_book_load(s, id, "val", &b, &found, &err) == DL_OK && found,
	   "the validation answers are kept");
	ok(b.set.n == data->val.n && b.set.n_classes == 10 && b.set.h == 7 && b.set.w == 5 &&
	   !memcmp(b.set.labels, data->val.y, (size_t)b.set.n),
	   "with the validation set's %d labels, 10 classes of 7x5", b.set.n);
	ok(b.hist.n_epochs == EPOCHS && b.first_epoch == 1 && b.last_epoch == EPOCHS,
	   "for each of the %d epochs", EPOCHS);
	store_get_history(s, id, &h, &n_h, &err);
	for (int e = 1; e <= EPOCHS && n_h == EPOCHS; e++) {
		int total = 0, right = 0;

		store_answers_confusion(&b.set, answer_book_row(&b, e), counts);
		for (int t = 0; t < 10; t++)
			for (int p = 0; p < 10; p++) {
				total += counts[t * 10 + p];
				right += t == p ? counts[t * 10 + p] : 0;
			}
		sums &= total == data->val.n;
		accs &= fabs((double)right / total - h[e - 1].val_accuracy) < 1e-12;
	}
	ok(sums, "every epoch's confusion matrix adds up to the validation set's %d samples",
	   data->val.n);
	ok(accs, "and its diagonal is the epoch's validation accuracy in the history");
	store_epochs_free(h, n_h);
	answer_book_free(&b);
}

static void test_final(struct store *s, int64_t id, const struct data_split *data)
{
	struct answer_book b;
	struct dl_error err;
	int found, k, conf[STORE_MAX_CLASSES * STORE_MAX_CLASSES];
	int counts[STORE_MAX_CLASSES * STORE_MAX_CLASSES], wrong = 0, kept = 1;

	ok(answer_book_load(s, id, "test", &b, &found, &err) == DL_OK && found &&
	   answer_book_row(&b, 0) && b.set.n == data->test.n && b.hist.has_confidence[0],
	   "the final model's test answers are kept, with confidences");
	store_get_confusion(s, id, "test", &k, conf, &found, &err);
	store_answers_confusion(&b.set, answer_book_row(&b, 0), counts);
	ok(found && k == 10 && !memcmp(conf, counts, sizeof *conf * 100),
	   "their confusion matrix is the test confusion matrix");
	for (int i = 0; i < b.set.n; i++) {
		const float *px = answer_book_digit(&b, i);

		if (answer_book_row(&b, 0)[i] == b.set.labels[i]) {
			kept &= px == NULL;
			continue;
		}
		wrong++;
		kept &= px != NULL;
		for (int p = 0; px && p < 35; p++)
			kept &= fabsf(px[p] - roundf(dataset_pixel(&data->test, (size_t)i * 35 + p) * 255) / 255) < 1e-6f;
	}
	ok(wrong > 0 && kept, "the digits of the %d test samples got wrong are kept, pixel for "
	   "pixel, and no others", wrong);
	answer_book_free(&b);
}

static void test_flips(struct store *s, int64_t id, const struct data_split *data)
{
	const struct dataset *val = &data->val;
	uint8_t *first = malloc((size_t)val->n), *last = malloc((size_t)val->n);
	int *broken = malloc(sizeof *broken * (size_t)val->n);
	int *fixed = malloc(sizeof *fixed * (size_t)val->n);
	int *want_b = malloc(sizeof *want_b * (size_t)val->n);
	int *want_f = malloc(sizeof *want_f * (size_t)val->n);
	int nb, nf, wb = 0, wf = 0, found;
	struct answer_book b;
	struct dl_error err;

	if (answers_of_checkpoint(1, val, first) != DL_OK ||
	    answers_of_checkpoint(EPOCHS, val, last) != DL_OK ||
	    answer_book_load(s, id, "val", &b, &found, &err) != DL_OK)
		goto out;
	ok(!memcmp(answer_book_row(&b, 1), first, (size_t)val->n) &&
	   !memcmp(answer_book_row(&b, EPOCHS), last, (size_t)val->n),
	   "the kept answers of epochs 1 and %d are those of their checkpoints", EPOCHS);
	store_answers_flips(&b.set, answer_book_row(&b, 1), answer_book_row(&b, EPOCHS), broken,
			    &nb, fixed, &nf);
	for (int i = 0; i < val->n; i++) {
		int was = first[i] == val->y[i], is = last[i] == val->y[i];

		if (was && !is)
			want_b[wb++] = i;
		if (!was && is)
			want_f[wf++] = i;
	}
	ok(nf > 0 && nf == wf && !memcmp(fixed, want_f, sizeof *fixed * (size_t)nf),
	   "the %d samples fixed from epoch 1 to %d, from the store, are those the checkpoints "
	   "give", nf, EPOCHS);
	ok(nb == wb && !memcmp(broken, want_b, sizeof *broken * (size_t)nb),
	   "and so are the %d broken", nb);
	answer_book_free(&b);
out:
	free(first);
	free(last);
	free(broken);
	free(fixed);
	free(want_b);
	free(want_f);
}

/* Four samples of classes 0 1 2 0 over four epochs, by hand. */
static void test_by_hand(void)
{
	uint8_t labels[4] = {0, 1, 2, 0};
	uint8_t rows[4 * 4] = {
		0, 1, 1, 2,     /* epoch 1 */
		1, 1, 2, 2,     /* epoch 2 */
		0, 1, 1, 0,     /* epoch 3 */
		1, 1, 2, 0,     /* epoch 4 */
	};
	int epochs[4] = {1, 2, 3, 4}, order[4], n, broken[4], fixed[4], nb, nf;
	uint8_t has[4] = {0};
	struct store_sample_set set = {.n = 4, .n_classes = 3, .h = 1, .w = 1, .labels = labels};
	struct store_answer_history h = {.n_epochs = 4, .n = 4, .epochs = epochs,
					 .predicted = rows, .confidence = rows, .has_confidence = has};

	store_answers_flips(&set, rows, rows + 12, broken, &nb, fixed, &nf);
	ok(nb == 1 && broken[0] == 0 && nf == 2 && fixed[0] == 2 && fixed[1] == 3,
	   "epoch 1 to 4: sample 0 broken, samples 2 and 3 fixed");
	n = store_unstable_samples(&h, order);
	ok(n == 3 && order[0] == 0 && order[1] == 2 && order[2] == 3,
	   "unstable: sample 0 and 2 changed three times, 3 once, 1 never (%d: %d %d %d)", n,
	   order[0], order[1], order[2]);
}

int main(void)
{
	struct experiment exp;
	struct data_split data;
	struct store_new_run nr = {.name = "answers-test", .yaml = yaml, .threads = 1};
	struct train_options opts = {0};
	struct run_result result;
	struct run_sink sink;
	struct store *s;
	struct dl_error err;
	char dir[128], cache[512];
	int64_t id;

	test_by_hand();
	snprintf(dir, sizeof dir, "/tmp/digitlab-answers-test.%d", (int)getpid());
	if (trainer_parse_experiment(&exp, yaml, sizeof yaml - 1, "answers.yaml", NULL, 0,
				     &err) != DL_OK ||
	    data_load(&exp.data, data_cache_dir(cache, sizeof cache), exp.seed, &data,
		      &err) != DL_OK ||
	    store_open(&s, dir, &err) != DL_OK) {
		ok(0, "prepare: %s", err.msg);
		return tap_done();
	}
	store_add_run(s, &nr, &id, &err);
	store_sink_init(&ss, s, id);
	sink = ss.sink;
	sink.epoch_done = keep_checkpoint;
	snprintf(ck_path, sizeof ck_path, "%s/run.model", dir);
	opts = (struct train_options){.cancel = &ss.cancel, .checkpoint_path = ck_path};
	ok(trainer_run(&exp, &data, &sink, &opts, &result, &err) == DL_OK &&
	   result.status == RUN_DONE, "the run trains, a checkpoint every epoch");
	store_sink_flush(&ss);
	ok(!store_sink_failed(&ss), "every store write succeeded");
	test_epochs(s, id, &data);
	test_final(s, id, &data);
	test_flips(s, id, &data);
	run_result_free(&result);
	store_close(s);
	data_split_free(&data);
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			ok(0, "cleaning %s", dir);
	}
	return tap_done();
}
