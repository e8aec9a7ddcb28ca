/* The model file's bytes and the one way to load a model from it.
 *
 * Golden bytes, written out by hand from the layout in checkpoint.h and
 * optim.h, not by the code under test: the little-endian helpers, a whole
 * small checkpoint (header, text, layers, weights, state, CRC), the
 * optimiser's saved state, and where the trainer's state puts its fields.
 * tests/data/font-v1.model was written before every field was encoded
 * explicitly: it still reads, to the same weights. restore_model() gives
 * the saved model, and refuses weights that belong to another model. */
#include <stdlib.h>
#include <unistd.h>

#include "nn/optim.h"
#include "train/checkpoint.h"
#include "train/restore.h"
#include "train/trainer.h"
#include "util/le.h"
#include "tap.h"

static char dir[256];

static int write_file(const char *path, const unsigned char *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");
	int rc = f && fwrite(bytes, 1, n, f) == n ? 0 : -1;

	if (f && fclose(f) != 0)
		rc = -1;
	return rc;
}

/* The whole file, malloc'd. */
static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = malloc(1 << 20);

	*n = 0;
	if (f && buf)
		*n = fread(buf, 1, 1 << 20, f);
	if (f)
		fclose(f);
	return buf;
}

/* "00 00 80 3f" */
static void hex(char *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 3 * i, i + 1 < n ? "%02x " : "%02x", p[i]);
}

static int bytes_are(const unsigned char *p, const char *want, const char *what)
{
	char got[256];

	hex(got, p, (strlen(want) + 1) / 3);
	return is_str(got, want, "%s: %s", what, want);
}

static void test_le(void)
{
	unsigned char b[8];
	double nan_in, nan_out;
	uint64_t bits_in = 0x7ff8000000000123ull, bits_out;

	le_put_u32(b, 0x01020304u);
	bytes_are(b, "04 03 02 01", "u32 0x01020304");
	le_put_u64(b, 0x0102030405060708ull);
	bytes_are(b, "08 07 06 05 04 03 02 01", "u64 0x0102030405060708");
	le_put_f32(b, 1.0f);
	bytes_are(b, "00 00 80 3f", "f32 1");
	le_put_f32(b, -2.0f);
	bytes_are(b, "00 00 00 c0", "f32 -2");
	le_put_f64(b, -2.5);
	bytes_are(b, "00 00 00 00 00 00 04 c0", "f64 -2.5");
	ok(le_get_u32((const unsigned char *)"\x04\x03\x02\x01") == 0x01020304u &&
	   le_get_u64((const unsigned char *)"\x08\x07\x06\x05\x04\x03\x02\x01") ==
	   0x0102030405060708ull, "and back");
	memcpy(&nan_in, &bits_in, 8);
	le_put_f64(b, nan_in);
	nan_out = le_get_f64(b);
	memcpy(&bits_out, &nan_out, 8);
	le_put_f32(b, -0.0f);
	ok(bits_out == bits_in && signbit(le_get_f32(b)),
	   "a NaN's payload and the sign of zero survive");
}

/* A checkpoint small enough to write out: yaml "name: g\n", one layer of
 * kind 0 (dense) with output (2, 1, 1), weights 1 and -2, two bytes of
 * optimiser state and one of trainer state. */
static const unsigned char golden[] = {
	0x44, 0x4c, 0x4d, 0x4f, 0x44, 0x45, 0x4c, 0x00, /* "DLMODEL\0" */
	0x01, 0x00, 0x00, 0x00,                         /* version 1 */
	0x03, 0x00, 0x00, 0x00,                         /* epoch 3 */
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 8 bytes of YAML */
	0x01, 0x00, 0x00, 0x00,                         /* 1 layer */
	0x00, 0x00, 0x00, 0x00,                         /* reserved */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 2 weights */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 2 bytes of optimiser state */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 1 byte of trainer state */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* reserved */
	0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0x67, 0x0a, /* "name: g\n" */
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* dense, c 2 */
	0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* h 1, w 1 */
	0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, /* 1.0f, -2.0f */
	0xaa, 0xbb, 0xcc,                               /* the states */
	0x23, 0x15, 0xf4, 0xc7,                         /* CRC-32 */
};

static void test_golden_file(void)
{
	float params[2] = {1.0f, -2.0f};
	unsigned char optim[2] = {0xaa, 0xbb}, trainer[1] = {0xcc}, *bytes;
	struct checkpoint c = {.epoch = 3, .yaml = "name: g\n", .n_layers = 1,
			       .layer_shapes = {{0, 2, 1, 1}}, .n_params = 2, .params = params,
			       .optim_len = 2, .optim_state = optim, .trainer_len = 1,
			       .trainer_state = trainer}, back;
	struct dl_error err;
	char path[300];
	size_t n;

	snprintf(path, sizeof path, "%s/golden.model", dir);
	ok(checkpoint_write(path, &c, &err) == DL_OK, "a small checkpoint is written");
	bytes = slurp(path, &n);
	ok(n == sizeof golden && !memcmp(bytes, golden, n),
	   "byte for byte the layout checkpoint.h gives (%zu bytes)", n);
	for (size_t i = 0; i < n && i < sizeof golden; i++)
		if (bytes[i] != golden[i]) {
			printf("# first difference at byte %zu: %02x, not %02x\n", i, bytes[i],
			       golden[i]);
			break;
		}
	free(bytes);

	snprintf(path, sizeof path, "%s/golden-in.model", dir);
	write_file(path, golden, sizeof golden);
	ok(checkpoint_read(path, &back, &err) == DL_OK && back.epoch == 3 &&
	   !strcmp(back.yaml, "name: g\n") && back.n_layers == 1 &&
	   back.layer_shapes[0][1] == 2 && back.n_params == 2 && back.params[0] == 1.0f &&
	   back.params[1] == -2.0f && back.optim_len == 2 &&
	   ((unsigned char *)back.optim_state)[1] == 0xbb && back.trainer_len == 1 &&
	   ((unsigned char *)back.trainer_state)[0] == 0xcc,
	   "and the golden bytes read back as those fields");
	checkpoint_free(&back);

	/* with class names: version 2, their length at 56, after the states */
	c.n_classes = 2;
	snprintf(c.class_names[0], sizeof c.class_names[0], "cat");
	snprintf(c.class_names[1], sizeof c.class_names[1], "owl");
	snprintf(path, sizeof path, "%s/names.model", dir);
	ok(checkpoint_write(path, &c, &err) == DL_OK, "a checkpoint with class names is written");
	bytes = slurp(path, &n);
	ok(n == sizeof golden + 8 && bytes[8] == 2 && bytes[56] == 8 &&
	   !memcmp(bytes + sizeof golden - 4, "cat\0owl\0", 8),
	   "version 2: the names' length at 56, the names before the CRC");
	free(bytes);
	ok(checkpoint_read(path, &back, &err) == DL_OK && back.n_classes == 2 &&
	   !strcmp(back.class_names[1], "owl"), "and they read back");
	checkpoint_free(&back);
}

/* sgd with momentum 0.5 and lr 1: after a step with gradients 1 and 2 the
 * velocities are exactly -1 and -2, after another -1.5 and -3. */
static void test_optim_state(void)
{
	struct nn_optim_cfg cfg;
	struct nn_optim *o, *again;
	struct dl_error err;
	float w[2] = {0, 0}, w2[2], g[2] = {1, 2};
	unsigned char state[32], state2[32];

	nn_optim_defaults(&cfg, NN_OPTIM_SGD);
	cfg.momentum = 0.5f;
	if (nn_optim_new(&o, &cfg, 2, &err) != DL_OK || nn_optim_new(&again, &cfg, 2, &err)) {
		ok(0, "nn_optim_new: %s", err.msg);
		return;
	}
	nn_optim_step(o, w, g, 1.0f);
	ok(nn_optim_state_size(o) == 24, "sgd with momentum saves 16 + 2 * 4 bytes");
	nn_optim_state_save(o, state);
	bytes_are(state, "01 00 00 00 00 00 00 00", "one step (u64)");
	bytes_are(state + 8, "00 00 00 00 00 00 f0 3f", "then 1.0 (f64), nadam's product");
	bytes_are(state + 16, "00 00 80 bf 00 00 00 c0", "then the velocities -1 and -2 (f32)");
	nn_optim_state_load(again, state);
	memcpy(w2, w, sizeof w);
	nn_optim_step(o, w, g, 1.0f);
	nn_optim_step(again, w2, g, 1.0f);
	nn_optim_state_save(again, state2);
	bytes_are(state2 + 16, "00 00 c0 bf 00 00 40 c0", "loaded, it steps on to -1.5 and -3");
	ok(nn_optim_steps(again) == 2 && w2[0] == w[0] && w2[1] == w[1],
	   "as the optimiser it was saved from does");
	nn_optim_free(o);
	nn_optim_free(again);
}

static const char tiny[] =
	"name: tiny\n"
	"seed: 2\n"
	"data: {source: font5x7, variants: 1, validation: test}\n"
	"model:\n  layers:\n    - dense: {units: 3, activation: relu}\n"
	"    - dense: {units: 10, activation: softmax}\n"
	"train:\n  epochs: 2\n  batch_size: 50\n  optimizer: {type: sgd, lr: 0.5}\n"
	"  early_stopping: {monitor: loss, patience: 9, restore_best: true}\n";

/* Where the trainer's state puts its fields (checkpoint.h): version, two
 * random streams, the plateau's rate, three doubles, six counters, the
 * best-weights flag and weights, then per epoch 53 bytes and its events. */
static void test_trainer_state(const char *path, struct checkpoint *c)
{
	const unsigned char *t = c->trainer_state, *o = c->optim_state, *h;
	size_t P = c->n_params, best = 4 + 64 + 4 + 16 + 24 + 4, epoch0 = best + 4 * P;

	ok(c->epoch == 2 && P == 35 * 3 + 3 + 3 * 10 + 10, "%s: 2 epochs of %zu weights", path, P);
	ok(c->optim_len == 16, "plain sgd saves only its 16-byte header");
	bytes_are(o, "04 00 00 00 00 00 00 00", "two batches an epoch: 4 steps");
	bytes_are(t, "02 00 00 00", "trainer state version 2");
	bytes_are(t + 68, "00 00 00 3f", "the learning rate 0.5 (f32) after the streams");
	bytes_are(t + 72, "00 00 00 00 00 00 f0 7f", "the plateau's best: none yet (+inf)");
	bytes_are(t + 88 + 16, "02 00 00 00", "epochs done (counter 5)");
	bytes_are(t + 88 + 24, "01 00 00 00", "the best weights follow");
	h = t + epoch0;
	for (int e = 0; e < 2; e++) {
		char want[16];

		snprintf(want, sizeof want, "%02x 00 00 00", e + 1);
		bytes_are(h, want, "a history entry opens with its epoch");
		bytes_are(h + 4 + 32, "00 00 00 00 00 00 e0 3f", "its rate 0.5 (f64) is 5th");
		ok(h[52] < 160 && memchr(h + 53, '\0', h[52]) == NULL,
		   "then the length of its events (%d) and their text", h[52]);
		h += 53 + h[52];
	}
	ok(c->trainer_len == (size_t)(h - t), "the trainer state ends there: %zu bytes (%zu)",
	   (size_t)(h - t), c->trainer_len);
}

static void test_restore(void)
{
	struct experiment exp;
	struct data_split data;
	struct run_result result;
	struct train_options opts = {0};
	struct restored_model r;
	struct checkpoint c;
	struct dl_error err;
	char path[300], cache[512], want[700];

	snprintf(path, sizeof path, "%s/tiny.model", dir);
	opts.checkpoint_path = path;
	if (trainer_parse_experiment(&exp, tiny, sizeof tiny - 1, "tiny.yaml", NULL, 0,
				     &err) != DL_OK ||
	    data_load(&exp.data, data_cache_dir(cache, sizeof cache), exp.seed, &data,
		      &err) != DL_OK ||
	    trainer_run(&exp, &data, NULL, &opts, &result, &err) != DL_OK) {
		ok(0, "training the tiny model: %s", err.msg);
		return;
	}
	run_result_free(&result);
	data_split_free(&data);
	if (checkpoint_read(path, &c, &err) != DL_OK) {
		ok(0, "checkpoint_read: %s", err.msg);
		return;
	}
	test_trainer_state(path, &c);

	ok(restore_model(path, 4, &r, &err) == DL_OK, "the model is restored");
	ok(r.epoch == 2 && !strcmp(r.exp.name, "tiny") && r.exp.model.input.h == 7 &&
	   r.exp.model.input.w == 5 && nn_model_max_batch(r.model) == 4 &&
	   nn_model_param_count(r.model) == c.n_params &&
	   !memcmp(nn_model_params(r.model), c.params, sizeof(float) * c.n_params),
	   "with its experiment, input shape, batch size and the saved weights");
	restored_model_free(&r);
	ok(!r.model, "and freed");

	/* a file whose recorded layers are not what its experiment builds:
	 * its weights are laid out for another model */
	c.layer_shapes[0][1] = 4;
	checkpoint_write(path, &c, &err);
	snprintf(want, sizeof want, "layer 1 of the model file is dense (4) but its "
		 "experiment builds dense (3)");
	ok(restore_model(path, 1, &r, &err) == DL_ERR && !r.model && !strcmp(err.file, path),
	   "a model file whose layers are not its experiment's is refused");
	is_str(err.msg, want, "saying which layer");
	c.layer_shapes[0][1] = 3;
	c.n_layers = 1;
	checkpoint_write(path, &c, &err);
	ok(restore_model(path, 1, &r, &err) == DL_ERR, "and so is one with another number of layers");
	is_str(err.msg, "the model file has 1 layer but its experiment builds 2", "saying so");
	c.n_layers = 2;
	free(c.yaml);
	c.yaml = strdup("name: tiny\nmodel: {layers: [{dense: {units: 0}}]}\n");
	checkpoint_write(path, &c, &err);
	ok(restore_model(path, 1, &r, &err) == DL_ERR && !strcmp(err.file, path) &&
	   err.line == 2 && err.col == 34,
	   "an experiment that does not parse is an error at its line and column");
	is_str(err.msg, "model.layers[0].dense.units: must be between 1 and 100000, found 0",
	       "with the parser's message");
	snprintf(path, sizeof path, "%s/none.model", dir);
	ok(restore_model(path, 1, &r, &err) == DL_ERR && !strcmp(err.file, path) &&
	   !strcmp(err.msg, "No such file or directory"), "a missing file is an error");
	checkpoint_free(&c);
}

/* A model file written before the trainer and optimiser state were
 * encoded field by field (by memcpy on a little-endian host): the same
 * bytes, read the same way. */
static void test_v1_file(void)
{
	const char *top = getenv("top_srcdir");
	struct restored_model r;
	struct checkpoint c;
	struct dl_error err;
	char path[600];

	snprintf(path, sizeof path, "%s/tests/data/font-v1.model", top ? top : ".");
	if (checkpoint_read(path, &c, &err) != DL_OK) {
		ok(0, "%s: %s", path, err.msg);
		return;
	}
	ok(c.epoch == 12 && c.n_params == 378 && c.n_layers == 2 && c.optim_len == 16 + 8 * 378 &&
	   !strncmp(c.yaml, "name: font-v1\n", 14), "font-v1.model: 12 epochs of 378 weights, adam");
	bytes_are(c.optim_state, "54 00 00 00 00 00 00 00", "its optimiser took 84 steps");
	bytes_are(c.trainer_state, "01 00 00 00", "its trainer state is version 1");
	if (restore_model(path, 1, &r, &err) != DL_OK)
		ok(0, "restore_model: %s", err.msg);
	ok(r.model && r.epoch == 12 &&
	   !memcmp(nn_model_params(r.model), c.params, sizeof(float) * 378),
	   "it is restored with its weights");
	restored_model_free(&r);
	checkpoint_free(&c);
}

int main(void)
{
	char cmd[300];

	snprintf(dir, sizeof dir, "/tmp/digitlab-checkpoint-test.%d", (int)getpid());
	snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
	if (system(cmd) != 0)
		return 1;
	test_le();
	test_golden_file();
	test_optim_state();
	test_restore();
	test_v1_file();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
	return tap_done();
}
