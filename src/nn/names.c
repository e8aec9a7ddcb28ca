/* Names of the engine's enums, for printing and for the experiment parser.
 * Each table is indexed by its enum; unknown values print as "?". */
#include <string.h>

#include "nn/model.h"
#include "nn/optim.h"

static const char *const activation_names[] = {
	[NN_ACT_LINEAR] = "linear", [NN_ACT_SIGMOID] = "sigmoid", [NN_ACT_TANH] = "tanh",
	[NN_ACT_RELU] = "relu", [NN_ACT_LEAKY_RELU] = "leaky_relu", [NN_ACT_ELU] = "elu",
	[NN_ACT_SELU] = "selu", [NN_ACT_SOFTMAX] = "softmax",
};

static const char *const init_names[] = {
	[NN_INIT_GLOROT_UNIFORM] = "glorot_uniform", [NN_INIT_GLOROT_NORMAL] = "glorot_normal",
	[NN_INIT_HE_UNIFORM] = "he_uniform", [NN_INIT_HE_NORMAL] = "he_normal",
	[NN_INIT_UNIFORM01] = "uniform01", [NN_INIT_UNIFORM] = "uniform",
};

static const char *const loss_names[] = {
	[NN_LOSS_CROSS_ENTROPY] = "cross_entropy", [NN_LOSS_MSE] = "mse",
	[NN_LOSS_SSE] = "sse", [NN_LOSS_HINGE] = "hinge",
};

static const char *const layer_kind_names[] = {
	[NN_LAYER_DENSE] = "dense", [NN_LAYER_DROPOUT] = "dropout",
	[NN_LAYER_FLATTEN] = "flatten", [NN_LAYER_CONV2D] = "conv2d",
	[NN_LAYER_MAXPOOL2D] = "maxpool2d", [NN_LAYER_AVGPOOL2D] = "avgpool2d",
	[NN_LAYER_BATCHNORM] = "batchnorm",
};

static const char *const optim_names[] = {
	[NN_OPTIM_SGD] = "sgd", [NN_OPTIM_ADAM] = "adam", [NN_OPTIM_NADAM] = "nadam",
	[NN_OPTIM_RMSPROP] = "rmsprop", [NN_OPTIM_ADAGRAD] = "adagrad",
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *name_of(const char *const *names, int n, int v)
{
	return v >= 0 && v < n && names[v] ? names[v] : "?";
}

static int find_name(const char *const *names, int n, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return i;
	return -1;
}

const char *nn_activation_name(enum nn_activation a)
{
	return name_of(activation_names, COUNT(activation_names), (int)a);
}

int nn_activation_from_name(const char *name)
{
	return find_name(activation_names, COUNT(activation_names), name);
}

const char *nn_init_name(enum nn_init i)
{
	return name_of(init_names, COUNT(init_names), (int)i);
}

int nn_init_from_name(const char *name)
{
	return find_name(init_names, COUNT(init_names), name);
}

const char *nn_loss_name(enum nn_loss l)
{
	return name_of(loss_names, COUNT(loss_names), (int)l);
}

int nn_loss_from_name(const char *name)
{
	return find_name(loss_names, COUNT(loss_names), name);
}

const char *nn_layer_kind_name(enum nn_layer_kind k)
{
	return name_of(layer_kind_names, COUNT(layer_kind_names), (int)k);
}

int nn_layer_kind_from_name(const char *name)
{
	return find_name(layer_kind_names, COUNT(layer_kind_names), name);
}

const char *nn_optim_name(enum nn_optim_type t)
{
	return name_of(optim_names, COUNT(optim_names), (int)t);
}

int nn_optim_from_name(const char *name)
{
	return find_name(optim_names, COUNT(optim_names), name);
}
