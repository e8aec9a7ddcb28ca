/*
 * Canonical YAML for an experiment: every key, defaults included, in one
 * fixed order, so that the text stored with a run says everything the run
 * did and parses back to the same struct. Keys that are only valid for one
 * source or one optimiser type are written only for that one (the parser
 * would refuse them elsewhere). Floats are written with the fewest digits
 * that read back to the same float.
 */
#include "spec/experiment.h"
#include "data/font5x7.h"
#include "util/text.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

static void put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		w = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (w < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)w < b->cap - b->len) {
			b->len += (size_t)w;
			return;
		}
		{
			size_t cap = 2 * b->cap + (size_t)w + 1;
			char *s = realloc(b->s, cap);

			if (!s) {
				b->oom = 1;
				return;
			}
			b->s = s;
			b->cap = cap;
		}
	}
}

/* Shortest %g that reads back (through strtod, as the parser does) to f. */
static const char *fmt_float(float f, char *buf, size_t size)
{
	/* whole numbers as such (10000, not 1e+04) */
	if (f > -1e9f && f < 1e9f && f == (float)(long)f && !(f == 0 && signbit(f))) {
		snprintf(buf, size, "%ld", (long)f);
		return buf;
	}
	for (int prec = 1; prec <= 9; prec++) {
		snprintf(buf, size, "%.*g", prec, (double)f);
		if ((float)strtod(buf, NULL) == f)
			break;
	}
	return buf;
}

static const char *fmt_double(double d, char *buf, size_t size)
{
	if (d > -1e15 && d < 1e15 && d == (double)(long long)d && !(d == 0 && signbit(d))) {
		snprintf(buf, size, "%lld", (long long)d);
		return buf;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return buf;
}

static int plain_safe(const char *s)
{
	static const char *const special[] = {"null", "Null", "NULL", "~", "true", "True",
		"TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF", NULL};
	int has_alpha = 0;

	if (!s[0])
		return 0;
	if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_/", s[0]))
		return 0;
	for (const char *p = s; *p; p++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_./-", *p))
			return 0;
		if (strchr("abcdfghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ_/", *p))
			has_alpha = 1;   /* a letter other than e/E: never a number */
	}
	for (int i = 0; special[i]; i++)
		if (!strcmp(s, special[i]))
			return 0;
	return has_alpha;
}

/* Whether cp must be written as an escape in a double-quoted scalar: what
 * libyaml's reader refuses raw (C0 but tab and line feed, DEL, C1 but
 * NEL, U+FFFE, U+FFFF), what it would fold as a line break (line feed,
 * NEL, U+2028, U+2029), a byte order mark, and whatever else must not
 * reach a terminal raw when the text is shown (text_is_unsafe). */
static int yaml_needs_escape(uint32_t cp)
{
	return text_is_unsafe(cp) || cp == 0x85 || cp == 0xfeff || cp == 0xfffe ||
	       cp == 0xffff;
}

/* A string as a YAML scalar: plain when unambiguous, else double-quoted,
 * with escapes for every character yaml_needs_escape() names, so that
 * what is written here the parser reads back as it was. A byte that is
 * not UTF-8 (no parsed string holds one) is written as \xNN. */
static void put_string(struct sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	if (plain_safe(s)) {
		put(b, "%s", s);
		return;
	}
	put(b, "\"");
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = text_utf8_next(p + i, n - i, &cp);

		if (!len) {
			put(b, "\\x%02x", (unsigned)cp);
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			put(b, "\\%c", (char)cp);
		else if (cp < 0x100 && yaml_needs_escape(cp))
			put(b, "\\x%02x", (unsigned)cp);
		else if (yaml_needs_escape(cp))
			put(b, "\\u%04x", (unsigned)cp);
		else
			put(b, "%.*s", len, s + i);
		i += (size_t)len;
	}
	put(b, "\"");
}

static void put_kinds(struct sbuf *b, const char *key, unsigned mask)
{
	int first = 1;

	put(b, "  %s: [", key);
	for (int i = 0; font_kind_names[i]; i++) {
		if (!(mask & (1u << i)))
			continue;
		put(b, "%s%s", first ? "" : ", ", font_kind_names[i]);
		first = 0;
	}
	put(b, "]\n");
}

static void put_init(struct sbuf *b, enum nn_init init, float low, float high)
{
	char f1[32], f2[32];

	if (init == NN_INIT_UNIFORM)
		put(b, "{type: uniform, low: %s, high: %s}", fmt_float(low, f1, sizeof f1),
		    fmt_float(high, f2, sizeof f2));
	else
		put(b, "%s", nn_init_name(init));
}

static void emit_data(struct sbuf *b, const struct data_spec *d)
{
	char f[32];

	put(b, "data:\n  source: %s\n", data_source_name(d->source));
	if (d->source == DATA_IDX) {
		const char *keys[] = {"train_images", "train_labels", "test_images", "test_labels"};
		const char *vals[] = {d->train_images, d->train_labels, d->test_images,
				      d->test_labels};

		for (int i = 0; i < 4; i++) {
			put(b, "  %s: ", keys[i]);
			put_string(b, vals[i]);
			put(b, "\n");
		}
	}
	if (d->source == DATA_FOLDER || d->source == DATA_CSV) {
		put(b, "  path: ");
		put_string(b, d->path);
		put(b, "\n  test: ");
		if (d->test_path[0])
			put_string(b, d->test_path);
		else
			put(b, "null");
		put(b, "\n");
	}
	if (d->source == DATA_FOLDER)
		put(b, "  size: [%d, %d]\n  invert: %s\n  bad_images: %s\n", d->size_h,
		    d->size_w, d->invert ? "true" : "false", d->skip_bad ? "skip" : "error");
	if (d->source == DATA_IDX || d->source == DATA_CSV) {
		if (!d->class_names[0][0]) {
			put(b, "  classes: %d\n", d->n_classes);
		} else {
			put(b, "  classes: [");
			for (int k = 0; k < d->n_classes; k++) {
				put(b, "%s", k ? ", " : "");
				put_string(b, d->class_names[k]);
			}
			put(b, "]\n");
		}
	}
	if (d->validation == DATA_VAL_TEST)
		put(b, "  validation: test\n");
	else if (d->validation == DATA_VAL_FRACTION)
		put(b, "  validation: %s\n", fmt_float(d->validation_fraction, f, sizeof f));
	else
		put(b, "  validation: null\n");
	if (d->limit > 0)
		put(b, "  limit: %ld\n", d->limit);
	else
		put(b, "  limit: null\n");
	if (d->test_limit > 0)
		put(b, "  test_limit: %ld\n", d->test_limit);
	else
		put(b, "  test_limit: null\n");
	if (d->source == DATA_DIGITS8X8 ||
	    ((d->source == DATA_FOLDER || d->source == DATA_CSV) && !d->test_path[0]))
		put(b, "  test_fraction: %s\n", fmt_float(d->test_fraction, f, sizeof f));
	put(b, "  scale: %s\n", fmt_float(d->scale, f, sizeof f));
	if (d->source == DATA_FONT5X7) {
		put_kinds(b, "train_kinds", d->train_kinds);
		put_kinds(b, "test_kinds", d->test_kinds);
		put(b, "  variants: %d\n", d->variants);
	}
}

static void emit_augment(struct sbuf *b, const struct augment_spec *a)
{
	char f[3][32];

	if (!augment_enabled(a)) {
		put(b, "augment: null\n");
		return;
	}
	put(b, "augment: {rotation: %s, zoom: %s, shift: %s}\n",
	    fmt_float(a->rotation, f[0], sizeof f[0]), fmt_float(a->zoom, f[1], sizeof f[1]),
	    fmt_float(a->shift, f[2], sizeof f[2]));
}

/* ", activation: A[, alpha: F][, init: I]}" and the line's end, for dense
 * and conv2d */
static void put_unit_keys(struct sbuf *b, const struct nn_layer_spec *l)
{
	char f[32];

	put(b, ", activation: %s", nn_activation_name(l->activation));
	if (l->activation == NN_ACT_LEAKY_RELU || l->activation == NN_ACT_ELU)
		put(b, ", alpha: %s", fmt_float(l->alpha, f, sizeof f));
	if (l->has_init) {
		put(b, ", init: ");
		put_init(b, l->init, l->init_low, l->init_high);
	}
	put(b, "}\n");
}

static void put_window(struct sbuf *b, int h, int w)
{
	if (h == w)
		put(b, "%d", h);
	else
		put(b, "[%d, %d]", h, w);
}

static void emit_model(struct sbuf *b, const struct nn_model_spec *m)
{
	char f[32];

	put(b, "model:\n  init: ");
	put_init(b, m->init, m->init_low, m->init_high);
	put(b, "\n  layers:\n");
	for (int i = 0; i < m->n_layers; i++) {
		const struct nn_layer_spec *l = &m->layers[i];

		switch (l->kind) {
		case NN_LAYER_DENSE:
			put(b, "    - dense: {units: %d", l->units);
			put_unit_keys(b, l);
			break;
		case NN_LAYER_DROPOUT:
			put(b, "    - dropout: %s\n", fmt_float(l->rate, f, sizeof f));
			break;
		case NN_LAYER_FLATTEN:
			put(b, "    - flatten: {}\n");
			break;
		case NN_LAYER_CONV2D:
			put(b, "    - conv2d: {filters: %d, kernel: ", l->filters);
			put_window(b, l->kernel_h, l->kernel_w);
			put(b, ", stride: %d, padding: %s", l->stride,
			    nn_padding_name(l->padding));
			put_unit_keys(b, l);
			break;
		case NN_LAYER_MAXPOOL2D:
		case NN_LAYER_AVGPOOL2D:
			put(b, "    - %s: {size: ", nn_layer_kind_name(l->kind));
			put_window(b, l->kernel_h, l->kernel_w);
			put(b, ", stride: %d, padding: %s}\n", l->stride,
			    nn_padding_name(l->padding));
			break;
		case NN_LAYER_BATCHNORM:
			put(b, "    - batchnorm: {momentum: %s, ",
			    fmt_float(l->momentum, f, sizeof f));
			put(b, "epsilon: %s}\n", fmt_float(l->epsilon, f, sizeof f));
			break;
		}
	}
}

static void emit_optimizer(struct sbuf *b, const struct nn_optim_cfg *o)
{
	char f[32];

	put(b, "  optimizer: {type: %s, lr: %s", nn_optim_name(o->type),
	    fmt_float(o->lr, f, sizeof f));
	switch (o->type) {
	case NN_OPTIM_SGD:
		put(b, ", momentum: %s", fmt_float(o->momentum, f, sizeof f));
		put(b, ", nesterov: %s", o->nesterov ? "true" : "false");
		break;
	case NN_OPTIM_ADAM:
	case NN_OPTIM_NADAM:
		put(b, ", beta1: %s", fmt_float(o->beta1, f, sizeof f));
		put(b, ", beta2: %s", fmt_float(o->beta2, f, sizeof f));
		put(b, ", epsilon: %s", fmt_float(o->epsilon, f, sizeof f));
		break;
	case NN_OPTIM_RMSPROP:
		put(b, ", rho: %s", fmt_float(o->rho, f, sizeof f));
		put(b, ", momentum: %s", fmt_float(o->momentum, f, sizeof f));
		put(b, ", epsilon: %s", fmt_float(o->epsilon, f, sizeof f));
		break;
	case NN_OPTIM_ADAGRAD:
		put(b, ", initial_accumulator: %s", fmt_float(o->initial_accumulator, f, sizeof f));
		put(b, ", epsilon: %s", fmt_float(o->epsilon, f, sizeof f));
		break;
	}
	put(b, "}\n");
}

static void emit_schedule(struct sbuf *b, const struct schedule_spec *s)
{
	char f[40];

	put(b, "  schedule: {type: %s", schedule_type_name(s->type));
	switch (s->type) {
	case SCHEDULE_CONSTANT:
		break;
	case SCHEDULE_PIECEWISE_CONSTANT:
		put(b, ", unit: %s, boundaries: [", schedule_unit_name(s->unit));
		for (int i = 0; i < s->n_boundaries; i++)
			put(b, "%s%s", i ? ", " : "", fmt_double(s->boundaries[i], f, sizeof f));
		put(b, "], values: [");
		for (int i = 0; i <= s->n_boundaries; i++)
			put(b, "%s%s", i ? ", " : "", fmt_float(s->values[i], f, sizeof f));
		put(b, "]");
		break;
	case SCHEDULE_EXPONENTIAL:
		put(b, ", unit: %s", schedule_unit_name(s->unit));
		put(b, ", rate: %s", fmt_float(s->rate, f, sizeof f));
		put(b, ", decay_steps: %s", fmt_double(s->decay_steps, f, sizeof f));
		put(b, ", staircase: %s", s->staircase ? "true" : "false");
		break;
	case SCHEDULE_REDUCE_ON_PLATEAU:
		put(b, ", monitor: %s", monitor_name(s->monitor));
		put(b, ", factor: %s", fmt_float(s->factor, f, sizeof f));
		put(b, ", patience: %d", s->patience);
		put(b, ", min_delta: %s", fmt_float(s->min_delta, f, sizeof f));
		put(b, ", cooldown: %d", s->cooldown);
		put(b, ", min_lr: %s", fmt_float(s->min_lr, f, sizeof f));
		break;
	case SCHEDULE_COSINE:
		put(b, ", unit: %s", schedule_unit_name(s->unit));
		put(b, ", decay_steps: %s", fmt_double(s->decay_steps, f, sizeof f));
		put(b, ", alpha: %s", fmt_float(s->alpha, f, sizeof f));
		break;
	}
	put(b, "}\n");
}

static void emit_train(struct sbuf *b, const struct train_spec *t)
{
	const struct early_stop_spec *e = &t->early_stopping;
	char f1[32], f2[32];

	put(b, "train:\n  epochs: %d\n", t->epochs);
	if (t->batch_size == 0)
		put(b, "  batch_size: full\n");
	else
		put(b, "  batch_size: %d\n", t->batch_size);
	put(b, "  shuffle: %s\n", t->shuffle ? "true" : "false");
	/* written only when it searches: the canonical text of every run
	 * before this key existed stays as it was */
	if (t->inits > 1)
		put(b, "  inits: %d\n", t->inits);
	/* likewise written only when given */
	if (t->threads == TRAIN_THREADS_AUTO)
		put(b, "  threads: auto\n");
	else if (t->threads > 0)
		put(b, "  threads: %d\n", t->threads);
	put(b, "  loss: %s\n", nn_loss_name(t->loss));
	put(b, "  regularization: {l1: %s, l2: %s}\n", fmt_float(t->l1, f1, sizeof f1),
	    fmt_float(t->l2, f2, sizeof f2));
	emit_optimizer(b, &t->optimizer);
	emit_schedule(b, &t->schedule);
	if (!e->enabled) {
		put(b, "  early_stopping: null\n");
		return;
	}
	put(b, "  early_stopping: {monitor: %s, ", monitor_name(e->monitor));
	if (e->patience < 0)
		put(b, "patience: null");
	else
		put(b, "patience: %d", e->patience);
	put(b, ", min_delta: %s, restore_best: %s", fmt_float(e->min_delta, f1, sizeof f1),
	    e->restore_best ? "true" : "false");
	if (e->has_target)
		put(b, ", target: %s}\n", fmt_float(e->target, f2, sizeof f2));
	else
		put(b, ", target: null}\n");
}

char *experiment_to_yaml(const struct experiment *e)
{
	struct sbuf b = {NULL, 0, 0, 0};

	b.s = malloc(4096);
	if (!b.s)
		return NULL;
	b.cap = 4096;
	b.s[0] = '\0';
	put(&b, "name: ");
	put_string(&b, e->name);
	put(&b, "\nseed: %" PRIu64 "\n", e->seed);
	emit_data(&b, &e->data);
	emit_augment(&b, &e->augment);
	emit_model(&b, &e->model);
	emit_train(&b, &e->train);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
