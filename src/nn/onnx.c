/* A model as an ONNX ModelProto (onnx.h). */
#include "nn/onnx.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layer.h"

/* ---- protobuf encoding ---- */

enum { WIRE_VARINT = 0, WIRE_LEN = 2, WIRE_FIXED32 = 5 };

/* A growing byte buffer; after a failed allocation every write is a no-op
 * and failed stays set, so callers check once at the end. */
struct pb {
	unsigned char *p;
	size_t n, cap;
	int failed;
};

static void pb_raw(struct pb *b, const void *data, size_t len)
{
	if (b->failed || len == 0)
		return;
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		unsigned char *p;

		while (cap < b->n + len)
			cap *= 2;
		if (!(p = realloc(b->p, cap))) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	unsigned char buf[10];
	size_t n = 0;

	do {
		buf[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	pb_raw(b, buf, n);
}

static void pb_tag(struct pb *b, int field, int wire)
{
	pb_varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

static void pb_int(struct pb *b, int field, int64_t v)
{
	pb_tag(b, field, WIRE_VARINT);
	pb_varint(b, (uint64_t)v);     /* negative: ten bytes, as protobuf has it */
}

static void pb_bytes(struct pb *b, int field, const void *data, size_t len)
{
	pb_tag(b, field, WIRE_LEN);
	pb_varint(b, len);
	pb_raw(b, data, len);
}

static void pb_string(struct pb *b, int field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

static void pb_float(struct pb *b, int field, float f)
{
	unsigned char le[4];
	uint32_t bits;

	memcpy(&bits, &f, 4);
	for (int i = 0; i < 4; i++)
		le[i] = (unsigned char)(bits >> (8 * i));
	pb_tag(b, field, WIRE_FIXED32);
	pb_raw(b, le, 4);
}

/* Append sub as field `field` of b, and free sub. */
static void pb_message(struct pb *b, int field, struct pb *sub)
{
	if (sub->failed)
		b->failed = 1;
	pb_bytes(b, field, sub->p, sub->n);
	free(sub->p);
	memset(sub, 0, sizeof *sub);
}

/* ---- onnx.proto's messages (field numbers from onnx.proto) ---- */

enum {
	MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_PRODUCER_VERSION = 3,
	MODEL_DOC = 6, MODEL_GRAPH = 7, MODEL_OPSET = 8, MODEL_METADATA = 14,
	OPSET_VERSION = 2,
	ENTRY_KEY = 1, ENTRY_VALUE = 2,
	GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11,
	GRAPH_OUTPUT = 12,
	NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP = 4, NODE_ATTRIBUTE = 5,
	ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_INTS = 8, ATTR_TYPE = 20,
	ATTR_TYPE_FLOAT = 1, ATTR_TYPE_INT = 2, ATTR_TYPE_INTS = 7,
	TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW = 9,
	TENSOR_FLOAT = 1, TENSOR_INT64 = 7,
	VALUE_NAME = 1, VALUE_TYPE = 2, TYPE_TENSOR = 1, TTYPE_ELEM = 1, TTYPE_SHAPE = 2,
	SHAPE_DIM = 1, DIM_VALUE = 1, DIM_PARAM = 2,
};

/* One attribute of a node under construction. */
static void attr_int(struct pb *node, const char *name, int64_t v)
{
	struct pb a = {0};

	pb_string(&a, ATTR_NAME, name);
	pb_int(&a, ATTR_I, v);
	pb_int(&a, ATTR_TYPE, ATTR_TYPE_INT);
	pb_message(node, NODE_ATTRIBUTE, &a);
}

static void attr_float(struct pb *node, const char *name, float v)
{
	struct pb a = {0};

	pb_string(&a, ATTR_NAME, name);
	pb_float(&a, ATTR_F, v);
	pb_int(&a, ATTR_TYPE, ATTR_TYPE_FLOAT);
	pb_message(node, NODE_ATTRIBUTE, &a);
}

static void attr_ints(struct pb *node, const char *name, const int64_t *v, int n)
{
	struct pb a = {0};

	pb_string(&a, ATTR_NAME, name);
	for (int i = 0; i < n; i++)
		pb_int(&a, ATTR_INTS, v[i]);
	pb_int(&a, ATTR_TYPE, ATTR_TYPE_INTS);
	pb_message(node, NODE_ATTRIBUTE, &a);
}

/* A tensor: dims, data as little-endian bytes (the machine's: digitlab
 * builds on little-endian platforms only, as its model file says). */
static void tensor(struct pb *graph, const char *name, int type, const int64_t *dims,
		   int n_dims, const void *data, size_t bytes)
{
	struct pb t = {0};

	for (int i = 0; i < n_dims; i++)
		pb_int(&t, TENSOR_DIMS, dims[i]);
	pb_int(&t, TENSOR_DATA_TYPE, type);
	pb_string(&t, TENSOR_NAME, name);
	pb_bytes(&t, TENSOR_RAW, data, bytes);
	pb_message(graph, GRAPH_INITIALIZER, &t);
}

/* A float32 value of shape [N, dims...] for the graph's input or output. */
static void value_info(struct pb *graph, int field, const char *name, const int64_t *dims,
		       int n_dims)
{
	struct pb v = {0}, type = {0}, tt = {0}, shape = {0}, dim = {0};

	pb_string(&dim, DIM_PARAM, "N");
	pb_message(&shape, SHAPE_DIM, &dim);
	for (int i = 0; i < n_dims; i++) {
		pb_int(&dim, DIM_VALUE, dims[i]);
		pb_message(&shape, SHAPE_DIM, &dim);
	}
	pb_int(&tt, TTYPE_ELEM, TENSOR_FLOAT);
	pb_message(&tt, TTYPE_SHAPE, &shape);
	pb_message(&type, TYPE_TENSOR, &tt);
	pb_string(&v, VALUE_NAME, name);
	pb_message(&v, VALUE_TYPE, &type);
	pb_message(graph, field, &v);
}

/* ---- the graph ---- */

/* The graph being built: the tensor the next node reads, and whether it
 * is an image [N, C, H, W] (spatial) or a vector [N, K]. */
struct builder {
	struct pb graph;
	char cur[32];
	int spatial;
	struct nn_shape shape;          /* the engine's shape of cur */
	int n_tensors, n_nodes;
	const char *final_name;         /* the last node writes this instead */
};

/* Begin a node reading inputs[0..n_in) and writing a new tensor, which
 * becomes the current one; *node is to be finished with end_node. */
static void begin_node(struct builder *g, struct pb *node, const char *op,
		       const char *const *inputs, int n_in)
{
	char name[48];

	memset(node, 0, sizeof *node);
	for (int i = 0; i < n_in; i++)
		pb_string(node, NODE_INPUT, inputs[i]);
	snprintf(g->cur, sizeof g->cur, "t%d", ++g->n_tensors);
	pb_string(node, NODE_OUTPUT, g->cur);
	snprintf(name, sizeof name, "%s_%d", op, ++g->n_nodes);
	pb_string(node, NODE_NAME, name);
	pb_string(node, NODE_OP, op);
}

static void end_node(struct builder *g, struct pb *node)
{
	pb_message(&g->graph, GRAPH_NODE, node);
}

/* A node of one input (the current tensor) and no attributes. */
static void unary(struct builder *g, const char *op)
{
	const char *in[1] = {g->cur};
	char keep[32];
	struct pb node;

	snprintf(keep, sizeof keep, "%s", g->cur);
	in[0] = keep;
	begin_node(g, &node, op, in, 1);
	end_node(g, &node);
}

/* The current image [N, C, H, W] as vectors [N, H*W*C], in the engine's
 * channels-last order. */
static void to_flat(struct builder *g)
{
	static const int64_t nhwc[4] = {0, 2, 3, 1};
	char keep[32];
	const char *in[1] = {keep};
	struct pb node;

	if (!g->spatial)
		return;
	if (g->shape.c > 1) {
		snprintf(keep, sizeof keep, "%s", g->cur);
		begin_node(g, &node, "Transpose", in, 1);
		attr_ints(&node, "perm", nhwc, 4);
		end_node(g, &node);
	}
	snprintf(keep, sizeof keep, "%s", g->cur);
	begin_node(g, &node, "Flatten", in, 1);
	attr_int(&node, "axis", 1);
	end_node(g, &node);
	g->spatial = 0;
}

/* The current vectors (channels-last values of g->shape) as images. */
static void to_spatial(struct builder *g)
{
	static const int64_t nchw[4] = {0, 3, 1, 2};
	int64_t dims[4] = {-1, g->shape.h, g->shape.w, g->shape.c}, one = 4;
	char keep[32], shape_name[32];
	const char *in[2] = {keep, shape_name};
	struct pb node;

	if (g->spatial)
		return;
	snprintf(shape_name, sizeof shape_name, "shape_%d", g->n_nodes + 1);
	tensor(&g->graph, shape_name, TENSOR_INT64, &one, 1, dims, sizeof dims);
	snprintf(keep, sizeof keep, "%s", g->cur);
	begin_node(g, &node, "Reshape", in, 2);
	end_node(g, &node);
	snprintf(keep, sizeof keep, "%s", g->cur);
	begin_node(g, &node, "Transpose", in, 1);
	attr_ints(&node, "perm", nchw, 4);
	end_node(g, &node);
	g->spatial = 1;
}

/* The activation of a dense or conv2d layer on the current tensor. */
static void activation(struct builder *g, enum nn_activation a, float alpha)
{
	char keep[32];
	const char *in[1] = {keep};
	struct pb node;
	int was_spatial = g->spatial;

	snprintf(keep, sizeof keep, "%s", g->cur);
	switch (a) {
	case NN_ACT_LINEAR:
		return;
	case NN_ACT_SIGMOID:
		unary(g, "Sigmoid");
		return;
	case NN_ACT_TANH:
		unary(g, "Tanh");
		return;
	case NN_ACT_RELU:
		unary(g, "Relu");
		return;
	case NN_ACT_LEAKY_RELU:
	case NN_ACT_ELU:
		begin_node(g, &node, a == NN_ACT_ELU ? "Elu" : "LeakyRelu", in, 1);
		attr_float(&node, "alpha", alpha);
		end_node(g, &node);
		return;
	case NN_ACT_SELU:
		begin_node(g, &node, "Selu", in, 1);
		attr_float(&node, "alpha", 1.6732632423543772f);
		attr_float(&node, "gamma", 1.0507009873554805f);
		end_node(g, &node);
		return;
	case NN_ACT_SOFTMAX:
		/* over every unit of a sample, as the engine's softmax */
		to_flat(g);
		snprintf(keep, sizeof keep, "%s", g->cur);
		begin_node(g, &node, "Softmax", in, 1);
		attr_int(&node, "axis", 1);
		end_node(g, &node);
		if (was_spatial)
			to_spatial(g);
		return;
	}
}

/* Weights of layer i as an initializer named PREFIX_i. */
static void weights(struct builder *g, const char *prefix, int i, const int64_t *dims,
		    int n_dims, const float *data, char *name, size_t size)
{
	size_t n = 1;

	for (int d = 0; d < n_dims; d++)
		n *= (size_t)dims[d];
	snprintf(name, size, "%s_%d", prefix, i);
	tensor(&g->graph, name, TENSOR_FLOAT, dims, n_dims, data, n * sizeof(float));
}

static int add_dense(struct builder *g, const struct nn_layer_spec *s, int i, struct nn_shape in,
		     struct nn_shape out, const float *p)
{
	int64_t IN = nn_shape_size(in), OUT = nn_shape_size(out);
	int64_t wd[2] = {IN, OUT}, bd[1] = {OUT};
	char w[32], b[32], keep[32];
	const char *inputs[3] = {keep, w, b};
	struct pb node;

	to_flat(g);
	weights(g, "W", i, wd, 2, p, w, sizeof w);                /* (IN, OUT) */
	weights(g, "B", i, bd, 1, p + IN * OUT, b, sizeof b);
	snprintf(keep, sizeof keep, "%s", g->cur);
	begin_node(g, &node, "Gemm", inputs, 3);
	end_node(g, &node);
	g->shape = out;
	activation(g, s->activation, nn_activation_alpha(s->activation, s->alpha));
	return DL_OK;
}

/* Pads [top, left, bottom, right] of a window as the engine places them. */
static int window(const struct nn_layer_spec *s, struct nn_shape in, int F, int64_t pads[4],
		  struct dl_error *err)
{
	struct nn_window win;
	char msg[160];
	int ph, pw;

	if (nn_window_init(&win, in, s->kernel_h, s->kernel_w, s->stride, s->padding, F, msg,
			   sizeof msg) != DL_OK)
		return dl_error_set(err, "%s", msg);
	ph = (win.OH - 1) * win.S + win.KH - win.H;
	pw = (win.OW - 1) * win.S + win.KW - win.W;
	pads[0] = win.pad_top;
	pads[1] = win.pad_left;
	pads[2] = s->padding == NN_PAD_SAME && ph > 0 ? ph - win.pad_top : 0;
	pads[3] = s->padding == NN_PAD_SAME && pw > 0 ? pw - win.pad_left : 0;
	return DL_OK;
}

static int add_conv(struct builder *g, const struct nn_layer_spec *s, int i, struct nn_shape in,
		    struct nn_shape out, const float *p, struct dl_error *err)
{
	int KH = s->kernel_h, KW = s->kernel_w, C = in.c, F = s->filters;
	int64_t wd[4] = {F, C, KH, KW}, bd[1] = {F}, pads[4], kernel[2] = {KH, KW};
	int64_t strides[2] = {s->stride, s->stride};
	char w[32], b[32], keep[32];
	const char *inputs[3] = {keep, w, b};
	struct pb node;
	float *oihw;

	if (window(s, in, F, pads, err) != DL_OK)
		return DL_ERR;
	/* the engine's (KH, KW, C, F) as ONNX's (F, C, KH, KW) */
	oihw = malloc(sizeof(float) * (size_t)KH * KW * C * F);
	if (!oihw)
		return dl_error_set(err, "out of memory");
	for (int ky = 0; ky < KH; ky++)
		for (int kx = 0; kx < KW; kx++)
			for (int c = 0; c < C; c++)
				for (int f = 0; f < F; f++)
					oihw[((f * C + c) * KH + ky) * KW + kx] =
						p[((ky * KW + kx) * C + c) * F + f];
	to_spatial(g);
	weights(g, "W", i, wd, 4, oihw, w, sizeof w);
	free(oihw);
	weights(g, "B", i, bd, 1, p + (size_t)KH * KW * C * F, b, sizeof b);
	snprintf(keep, sizeof keep, "%s", g->cur);
	begin_node(g, &node, "Conv", inputs, 3);
	attr_ints(&node, "kernel_shape", kernel, 2);
	attr_ints(&node, "strides", strides, 2);
	attr_ints(&node, "pads", pads, 4);
	end_node(g, &node);
	g->shape = out;
	activation(g, s->activation, nn_activation_alpha(s->activation, s->alpha));
	return DL_OK;
}

static int add_pool(struct builder *g, const struct nn_layer_spec *s, struct nn_shape in,
		    struct nn_shape out, struct dl_error *err)
{
	int64_t pads[4], kernel[2] = {s->kernel_h, s->kernel_w};
	int64_t strides[2] = {s->stride, s->stride};
	char keep[32];
	const char *inputs[1] = {keep};
	struct pb node;
	int max = s->kind == NN_LAYER_MAXPOOL2D;

	if (window(s, in, in.c, pads, err) != DL_OK)
		return DL_ERR;
	to_spatial(g);
	snprintf(keep, sizeof keep, "%s", g->cur);
	begin_node(g, &node, max ? "MaxPool" : "AveragePool", inputs, 1);
	attr_ints(&node, "kernel_shape", kernel, 2);
	attr_ints(&node, "strides", strides, 2);
	attr_ints(&node, "pads", pads, 4);
	if (!max)
		attr_int(&node, "count_include_pad", 0);
	end_node(g, &node);
	g->shape = out;
	return DL_OK;
}

static int add_batchnorm(struct builder *g, const struct nn_layer_spec *s, int i,
			 struct nn_shape in, const float *p)
{
	int64_t C = in.c, d[1] = {C};
	char names[4][32], keep[32];
	const char *inputs[5] = {keep, names[0], names[1], names[2], names[3]};
	static const char *const prefix[4] = {"gamma", "beta", "mean", "var"};
	struct pb node;

	/* the engine's per-channel statistics: over c of (c, h, w), which
	 * for a vector (n, 1, 1) is every unit */
	for (int k = 0; k < 4; k++)
		weights(g, prefix[k], i, d, 1, p + k * C, names[k], sizeof names[k]);
	snprintf(keep, sizeof keep, "%s", g->cur);
	begin_node(g, &node, "BatchNormalization", inputs, 5);
	attr_float(&node, "epsilon", s->epsilon);
	end_node(g, &node);
	return DL_OK;
}

static int add_layer(struct builder *g, struct nn_model *m, int i, const float *p,
		     struct dl_error *err)
{
	const struct nn_layer_spec *s = &nn_model_spec(m)->layers[i];
	struct nn_shape in = i ? nn_model_layer_output(m, i - 1) : nn_model_spec(m)->input;
	struct nn_shape out = nn_model_layer_output(m, i);

	switch (s->kind) {
	case NN_LAYER_DENSE:
		return add_dense(g, s, i, in, out, p);
	case NN_LAYER_CONV2D:
		return add_conv(g, s, i, in, out, p, err);
	case NN_LAYER_MAXPOOL2D:
	case NN_LAYER_AVGPOOL2D:
		return add_pool(g, s, in, out, err);
	case NN_LAYER_BATCHNORM:
		return add_batchnorm(g, s, i, in, p);
	case NN_LAYER_DROPOUT:
		unary(g, "Identity");   /* dropout is off at inference */
		return DL_OK;
	case NN_LAYER_FLATTEN:
		to_flat(g);
		g->shape = out;
		return DL_OK;
	}
	return dl_error_set(err, "layer %d: a kind ONNX export does not know (%d)", i + 1,
			    (int)s->kind);
}

/* The last node writes "output": rename its output tensor by an Identity,
 * which keeps every node writing a fresh name. */
static void finish_output(struct builder *g, struct nn_shape out)
{
	char keep[32];
	const char *in[1] = {keep};
	struct pb node = {0};
	char name[48];
	int64_t dims[1] = {nn_shape_size(out)};

	to_flat(g);
	snprintf(keep, sizeof keep, "%s", g->cur);
	pb_string(&node, NODE_INPUT, in[0]);
	pb_string(&node, NODE_OUTPUT, "output");
	snprintf(name, sizeof name, "Identity_%d", ++g->n_nodes);
	pb_string(&node, NODE_NAME, name);
	pb_string(&node, NODE_OP, "Identity");
	end_node(g, &node);
	value_info(&g->graph, GRAPH_OUTPUT, "output", dims, 1);
}

static void metadata(struct pb *model, const char *key, const char *value)
{
	struct pb e = {0};

	pb_string(&e, ENTRY_KEY, key);
	pb_string(&e, ENTRY_VALUE, value);
	pb_message(model, MODEL_METADATA, &e);
}

/* "cat\ndog\nowl": the class names one a line. */
static char *join_names(const struct nn_onnx_opts *o)
{
	size_t len = 1;
	char *s;

	for (int k = 0; k < o->n_classes; k++)
		len += strlen(o->class_names[k]) + 1;
	if (!(s = malloc(len)))
		return NULL;
	s[0] = '\0';
	for (int k = 0; k < o->n_classes; k++) {
		strcat(s, o->class_names[k]);
		if (k + 1 < o->n_classes)
			strcat(s, "\n");
	}
	return s;
}

int nn_onnx_encode(struct nn_model *m, const struct nn_onnx_opts *o, unsigned char **out,
		   size_t *len, struct dl_error *err)
{
	const struct nn_model_spec *spec = nn_model_spec(m);
	struct builder g = {.spatial = 1, .shape = spec->input};
	struct pb model = {0}, opset = {0};
	int64_t in_dims[3] = {spec->input.c, spec->input.h, spec->input.w};
	const float *p = nn_model_params(m);
	char *names = NULL;

	*out = NULL;
	*len = 0;
	pb_string(&g.graph, GRAPH_NAME, o->graph_name ? o->graph_name : "digitlab");
	snprintf(g.cur, sizeof g.cur, "input");
	if (o->input_scale != 0 && o->input_scale != 1) {
		char keep[32];
		const char *inputs[2] = {keep, "input_scale"};
		struct pb node;

		tensor(&g.graph, "input_scale", TENSOR_FLOAT, NULL, 0, &o->input_scale,
		       sizeof o->input_scale);
		snprintf(keep, sizeof keep, "%s", g.cur);
		begin_node(&g, &node, "Mul", inputs, 2);
		end_node(&g, &node);
	}
	for (int i = 0; i < spec->n_layers; i++) {
		if (add_layer(&g, m, i, p, err) != DL_OK) {
			free(g.graph.p);
			return DL_ERR;
		}
		p += nn_model_layer_param_count(m, i);
	}
	finish_output(&g, nn_model_output_shape(m));
	value_info(&g.graph, GRAPH_INPUT, "input", in_dims, 3);

	pb_int(&model, MODEL_IR_VERSION, NN_ONNX_IR_VERSION);
	pb_string(&model, MODEL_PRODUCER_NAME, "digitlab");
	if (o->producer_version)
		pb_string(&model, MODEL_PRODUCER_VERSION, o->producer_version);
	pb_string(&model, MODEL_DOC, "input: float32 [N, C, H, W], pixels in [0, 1]; "
		  "output: float32 [N, K], the last layer's (class probabilities after a softmax)");
	pb_message(&model, MODEL_GRAPH, &g.graph);
	pb_int(&opset, OPSET_VERSION, NN_ONNX_OPSET);
	pb_message(&model, MODEL_OPSET, &opset);
	if (o->n_classes > 0) {
		if (!(names = join_names(o)))
			model.failed = 1;
		else
			metadata(&model, "classes", names);
		free(names);
	}
	if (model.failed) {
		free(model.p);
		return dl_error_set(err, "out of memory encoding the ONNX model");
	}
	*out = model.p;
	*len = model.n;
	return DL_OK;
}
