/*
 * onnx.h - a trained model as an ONNX file, for use outside digitlab
 * (ONNX Runtime in a phone app or a web page, or any other runtime).
 *
 * The graph is opset 13 (IR version 7). Its input "input" is float32
 * [N, C, H, W] (N free, C is 1 for grey images): pixels in [0, 1], the
 * scaling the model was trained with (data.scale) done inside the graph.
 * Its output "output" is float32 [N, K]: what the last layer gives, class
 * probabilities after a softmax.
 *
 * Every layer kind maps to standard operators: dense to Gemm, conv2d to
 * Conv (stride, explicit pads for "same", TensorFlow's split with the odd
 * pixel at the bottom and right), maxpool2d and avgpool2d to MaxPool and
 * AveragePool (padded positions never count), batchnorm to
 * BatchNormalization with the running statistics, dropout to Identity,
 * and the activations to Relu, Sigmoid, Tanh, LeakyRelu, Elu, Selu and
 * Softmax. The engine keeps images channels-last and ONNX channels-first:
 * where a feature map is flattened (a flatten layer, or a dense layer on
 * an image) it is transposed to channels-last first, so the dense weights
 * read the values in the order they were trained on.
 *
 * The protobuf encoding is written here, field by field (onnx.proto's
 * numbers): the few message types an inference graph needs do not warrant
 * a protobuf library and a compiled .proto in the build.
 */
#ifndef DL_NN_ONNX_H
#define DL_NN_ONNX_H

#include <stddef.h>

#include "nn/model.h"
#include "util/error.h"

#define NN_ONNX_OPSET 13
#define NN_ONNX_IR_VERSION 7

struct nn_onnx_opts {
	float input_scale;              /* multiply the [0, 1] pixels by this; 0 or 1: none */
	int n_classes;                  /* names of the outputs; 0: none */
	const char *const *class_names; /* kept as metadata "classes", one a line */
	const char *graph_name;         /* the experiment's name; NULL: "digitlab" */
	const char *producer_version;   /* digitlab's version */
};

/* Encode model m (with its trained parameters) as an ONNX ModelProto into
 * *out (malloc'd, the caller's) of *len bytes. Fails only when out of
 * memory or for a layer the format cannot express. */
int nn_onnx_encode(struct nn_model *m, const struct nn_onnx_opts *o, unsigned char **out,
		   size_t *len, struct dl_error *err);

#endif
