/* An experiment as the trainer takes it (train/prepare.c): parsing fills the
 * model's input shape from the data source, in one call that leaves nothing
 * half done; a sweep's every run is filled, and a point whose data cannot be
 * read is named; the trainer refuses a model whose input is not the data's. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "spec/sweep.h"
#include "tap.h"
#include "train/trainer.h"

static char dir[] = "/tmp/digitlab-prepare-XXXXXX";

static int same_shape(struct nn_shape s, int c, int h, int w)
{
	return s.c == c && s.h == h && s.w == w;
}

static void write_file(const char *path, const void *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");

	ok(f && fwrite(bytes, 1, n, f) == n && fclose(f) == 0, "wrote %s", path);
}

/* An IDX file of two 3x4 images (big-endian header, then the pixels). */
static void write_images(const char *path)
{
	uint8_t idx[16 + 24] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4};

	write_file(path, idx, sizeof idx);
}

static const char dense[] =
	"model:\n  layers:\n    - flatten: {}\n    - dense: {units: 10, activation: softmax}\n";

static void test_builtin_sources(void)
{
	static const struct {
		const char *source;
		int c, h, w;
	} cases[] = {
		{"mnist", 1, 28, 28}, {"fashion-mnist", 1, 28, 28},
		{"digits8x8", 1, 8, 8}, {"font5x7", 1, 7, 5},
	};
	struct dl_error err;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct experiment e;
		char yaml[256];

		snprintf(yaml, sizeof yaml, "data: {source: %s}\n%s", cases[i].source, dense);
		dl_error_clear(&err);
		ok(trainer_parse_experiment(&e, yaml, strlen(yaml), "t.yaml", NULL, 0, &err) == DL_OK &&
		   same_shape(e.model.input, cases[i].c, cases[i].h, cases[i].w),
		   "%s: input %dx%dx%d, no data loaded (%s)", cases[i].source, cases[i].c,
		   cases[i].h, cases[i].w, err.msg);
	}
}

static void test_idx(void)
{
	struct experiment e, before;
	struct dl_error err;
	char images[64], yaml[512], missing[64];
	const char *sets[] = {"train.epochs=3"};

	snprintf(images, sizeof images, "%s/images", dir);
	snprintf(missing, sizeof missing, "%s/none", dir);
	write_images(images);
	snprintf(yaml, sizeof yaml,
		 "data: {source: idx, train_images: %s, train_labels: l, test_images: t,"
		 " test_labels: u}\n%s", images, dense);
	dl_error_clear(&err);
	ok(trainer_parse_experiment(&e, yaml, strlen(yaml), "t.yaml", sets, 1, &err) == DL_OK &&
	   same_shape(e.model.input, 1, 3, 4) && e.train.epochs == 3,
	   "idx: the input is the train_images header's, overrides applied (%s)", err.msg);

	/* a failure leaves the caller's experiment as it was */
	before = e;
	snprintf(yaml, sizeof yaml,
		 "data: {source: idx, train_images: %s, train_labels: l, test_images: t,"
		 " test_labels: u}\nseed: 9\n%s", missing, dense);
	ok(trainer_parse_experiment(&e, yaml, strlen(yaml), "t.yaml", NULL, 0, &err) == DL_ERR,
	   "an unreadable train_images fails");
	is_str(err.file, missing, "the error names the IDX file");
	is_str(err.msg, "No such file or directory", "and says why");
	ok(!memcmp(&e, &before, sizeof e), "the experiment is left as it was");
	ok(trainer_parse_experiment(&e, "model: 3\n", 9, "t.yaml", NULL, 0, &err) == DL_ERR &&
	   !memcmp(&e, &before, sizeof e), "a parse error leaves it as it was too");
	is_str(err.msg, "model: expected a mapping, found '3'", "with the parser's message");
}

static void test_load(void)
{
	struct experiment e;
	struct dl_error err;
	char path[64];

	snprintf(path, sizeof path, "%s/font.yaml", dir);
	write_file(path, "data: {source: font5x7}\n", 24);
	ok(trainer_load_experiment(&e, path, NULL, 0, &err) == DL_ERR,
	   "a file without a model fails");
	write_file(path, "data: {source: font5x7}\nmodel:\n  layers:\n    - dense: {units: 10}\n",
		   66);
	ok(trainer_load_experiment(&e, path, NULL, 0, &err) == DL_OK &&
	   same_shape(e.model.input, 1, 7, 5) && !strcmp(e.name, "font"),
	   "load: from a file, input filled, named after it (%s)", err.msg);
}

static void test_plan(void)
{
	struct sweep_plan plan;
	struct dl_error err;
	char images[64], path[64], yaml[640], want[256];
	int good = 1;

	snprintf(images, sizeof images, "%s/images", dir);
	snprintf(path, sizeof path, "%s/sweep.yaml", dir);
	snprintf(yaml, sizeof yaml,
		 "data: {source: idx, train_images: %s, train_labels: l, test_images: t,"
		 " test_labels: u}\n%s"
		 "sweep:\n  grid: {\"model.layers[1].dense.units\": [10, 12]}\n  repeats: 2\n",
		 images, dense);
	write_file(path, yaml, strlen(yaml));
	dl_error_clear(&err);
	ok(trainer_load_plan(&plan, path, NULL, 0, &err) == DL_OK && plan.n == 4,
	   "a sweep of four runs loads (%s)", err.msg);
	for (int i = 0; i < plan.n; i++)
		good &= same_shape(plan.runs[i].exp.model.input, 1, 3, 4);
	ok(good, "every run's input is filled");
	sweep_plan_free(&plan);

	snprintf(yaml, sizeof yaml,
		 "data: {source: idx, train_images: %s, train_labels: l, test_images: t,"
		 " test_labels: u}\n%s"
		 "sweep:\n  grid: {\"data.train_images\": [%s, %s/none]}\n",
		 images, dense, images, dir);
	write_file(path, yaml, strlen(yaml));
	ok(trainer_load_plan(&plan, path, NULL, 0, &err) == DL_ERR && plan.n == 0 && !plan.runs,
	   "a point whose images cannot be read fails, the plan empty");
	snprintf(want, sizeof want, "%s/none", dir);
	is_str(err.file, want, "the error names the IDX file");
	snprintf(want, sizeof want, "sweep point train_images=%s/none: No such file or directory",
		 dir);
	is_str(err.msg, want, "and the sweep point");
}

static void test_run_refuses_other_shape(void)
{
	static const char yaml[] = "data: {source: font5x7}\nmodel:\n  layers:\n"
				   "    - dense: {units: 10, activation: softmax}\n"
				   "train: {epochs: 1}\n";
	struct experiment e;
	struct data_split data = {0};
	struct run_result r;
	struct dl_error err;

	ok(trainer_parse_experiment(&e, yaml, sizeof yaml - 1, "t.yaml", NULL, 0, &err) == DL_OK,
	   "font5x7 experiment parses");
	ok(dataset_alloc(&data.train, 4, 1, 8, 8, 10, 0, &err) == DL_OK &&
	   dataset_alloc(&data.test, 4, 1, 8, 8, 10, 0, &err) == DL_OK, "8x8 data");
	ok(trainer_run(&e, &data, NULL, NULL, &r, &err) == DL_ERR, "trainer_run refuses it");
	is_str(err.msg, "the model takes samples of 1x7x5 but the data's are 1x8x8",
	       "and says why");
	data_split_free(&data);
}

int main(void)
{
	char cmd[64];

	if (!ok(mkdtemp(dir) != NULL, "temporary directory"))
		return tap_done();
	test_builtin_sources();
	test_idx();
	test_load();
	test_plan();
	test_run_refuses_other_shape();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "removed the temporary directory");
	return tap_done();
}
