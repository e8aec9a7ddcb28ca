/* Names of the engine's enums (model.h, optim.h): the one table of each,
 * used for printing and by the experiment parser, which lists a table's
 * names when it meets an unknown one. */
#include <string.h>

#include "nn/model.h"
#include "nn/optim.h"

const char *const nn_activation_names[] = {
	[NN_ACT_LINEAR] = "linear", [NN_ACT_SIGMOID] = "sigmoid", [NN_ACT_TANH] = "tanh",
	[NN_ACT_RELU] = "relu", [NN_ACT_LEAKY_RELU] = "leaky_relu", [NN_ACT_ELU] = "elu",
	[NN_ACT_SELU] = "selu", [NN_ACT_SOFTMAX] = "softmax", NULL,
};

const char *const nn_init_names[] = {
	[NN_INIT_GLOROT_UNIFORM] = "glorot_uniform", [NN_INIT_GLOROT_NORMAL] = "glorot_normal",
	[NN_INIT_HE_UNIFORM] = "he_uniform", [NN_INIT_HE_NORMAL] = "he_normal",
	[NN_INIT_UNIFORM01] = "uniform01", [NN_INIT_UNIFORM] = "uniform", NULL,
};

const char *const nn_loss_names[] = {
	[NN_LOSS_CROSS_ENTROPY] = "cross_entropy", [NN_LOSS_MSE] = "mse",
	[NN_LOSS_SSE] = "sse", [NN_LOSS_HINGE] = "hinge", NULL,
};

const char *const nn_layer_kind_names[] = {
	[NN_LAYER_DENSE] = "dense", [NN_LAYER_DROPOUT] = "dropout",
	[NN_LAYER_FLATTEN] = "flatten", [NN_LAYER_CONV2D] = "conv2d",
	[NN_LAYER_MAXPOOL2D] = "maxpool2d", [NN_LAYER_AVGPOOL2D] = "avgpool2d",
	[NN_LAYER_BATCHNORM] = "batchnorm", NULL,
};

const char *const nn_padding_names[] = {
	[NN_PAD_VALID] = "valid", [NN_PAD_SAME] = "same", NULL,
};

const char *const nn_optim_names[] = {
	[NN_OPTIM_SGD] = "sgd", [NN_OPTIM_ADAM] = "adam", [NN_OPTIM_NADAM] = "nadam",
	[NN_OPTIM_RMSPROP] = "rmsprop", [NN_OPTIM_ADAGRAD] = "adagrad", NULL,
};

static const char *name_of(const char *const *names, int v)
{
	for (int i = 0; names[i]; i++)
		if (i == v)
			return names[i];
	return "?";
}

static int find_name(const char *const *names, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

const char *nn_activation_name(enum nn_activation a)
{
	return name_of(nn_activation_names, (int)a);
}

int nn_activation_from_name(const char *name)
{
	return find_name(nn_activation_names, name);
}

const char *nn_init_name(enum nn_init i)
{
	return name_of(nn_init_names, (int)i);
}

int nn_init_from_name(const char *name)
{
	return find_name(nn_init_names, name);
}

const char *nn_loss_name(enum nn_loss l)
{
	return name_of(nn_loss_names, (int)l);
}

int nn_loss_from_name(const char *name)
{
	return find_name(nn_loss_names, name);
}

const char *nn_layer_kind_name(enum nn_layer_kind k)
{
	return name_of(nn_layer_kind_names, (int)k);
}

int nn_layer_kind_from_name(const char *name)
{
	return find_name(nn_layer_kind_names, name);
}

const char *nn_padding_name(enum nn_padding p)
{
	return name_of(nn_padding_names, (int)p);
}

int nn_padding_from_name(const char *name)
{
	return find_name(nn_padding_names, name);
}

const char *nn_optim_name(enum nn_optim_type t)
{
	return name_of(nn_optim_names, (int)t);
}

int nn_optim_from_name(const char *name)
{
	return find_name(nn_optim_names, name);
}
