/* The model summary table (summary.h). */
#include <stdio.h>
#include <stdlib.h>

#include "train/summary.h"

/* (height, width, channels), the order the images are stored in and
 * Keras prints; a vector as (units). */
static void format_shape(char *buf, size_t size, struct nn_shape s)
{
	if (s.h == 1 && s.w == 1)
		snprintf(buf, size, "(%d)", s.c);
	else
		snprintf(buf, size, "(%d, %d, %d)", s.h, s.w, s.c);
}

/* 1234567 -> "1,234,567" */
static void format_count(char *buf, size_t size, size_t n)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%zu", n), out = 0;

	for (int i = 0; i < len && out + 2 < (int)size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[out++] = ',';
		buf[out++] = digits[i];
	}
	buf[out] = '\0';
}

void model_summary_print(FILE *out, const struct experiment *exp, const struct nn_model *m)
{
	char shape[64], count[32], name[64];

	fprintf(out, "Model: \"%s\"\n", exp->name);
	fprintf(out, "%-28s %-18s %12s\n", "Layer (activation)", "Output Shape", "Param #");
	fprintf(out, "%.*s\n", 60, "============================================================");
	format_shape(shape, sizeof shape, exp->model.input);
	fprintf(out, "%-28s %-18s %12s\n", "input", shape, "0");
	for (int i = 0; i < exp->model.n_layers; i++) {
		const struct nn_layer_spec *l = &exp->model.layers[i];

		/* numbered as --set and sweeps address them: model.layers[i] */
		if (l->kind == NN_LAYER_DENSE || l->kind == NN_LAYER_CONV2D)
			snprintf(name, sizeof name, "[%d] %s (%s)", i, nn_layer_kind_name(l->kind),
				 nn_activation_name(l->activation));
		else
			snprintf(name, sizeof name, "[%d] %s", i, nn_layer_kind_name(l->kind));
		format_shape(shape, sizeof shape, nn_model_layer_output(m, i));
		format_count(count, sizeof count, nn_model_layer_param_count(m, i));
		fprintf(out, "%-28s %-18s %12s\n", name, shape, count);
	}
	fprintf(out, "%.*s\n", 60, "============================================================");
	format_count(count, sizeof count, nn_model_param_count(m));
	fprintf(out, "Total params: %s\n", count);
	format_count(count, sizeof count, nn_model_param_count(m) - nn_model_state_count(m));
	fprintf(out, "Trainable params: %s\n", count);
	format_count(count, sizeof count, nn_model_state_count(m));
	fprintf(out, "Non-trainable params: %s\n", count);
}

int model_summary_text(const struct experiment *exp, char **text, struct dl_error *err)
{
	struct nn_model *m;
	size_t len = 0;
	FILE *f;
	int ok;

	*text = NULL;
	if (nn_model_new(&m, &exp->model, 1, err) != DL_OK)
		return DL_ERR;
	f = open_memstream(text, &len);
	if (f) {
		model_summary_print(f, exp, m);
		ok = !ferror(f);
		if (fclose(f) != 0 || !ok) {
			free(*text);
			*text = NULL;
		}
	}
	nn_model_free(m);
	if (!*text)
		return dl_error_set(err, "out of memory writing the model summary");
	return DL_OK;
}
