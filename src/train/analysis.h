/*
 * analysis.h - what a trained model looks at: saliency maps, and its
 * weights drawn as images.
 *
 * Saliency answers "which pixels made the model call this a 7?" by gradient
 * x input (notebook 004 asked SHAP the same question): the gradient of the
 * loss at the label with respect to each pixel, times the pixel, with the
 * sign turned so that positive means "this pixel argues for the label".
 * Weight images answer "what does a unit look for?": a dense unit's incoming
 * weights laid out as the image it reads (notebook 001 draws its 10 hidden
 * units as 8x8 pictures), a convolution filter as its KH x KW kernel, one
 * image per input channel. Drawing them is the widgets' business;
 * analysis_scale_symmetric() prepares the values for it.
 */
#ifndef DL_TRAIN_ANALYSIS_H
#define DL_TRAIN_ANALYSIS_H

#include <stddef.h>

#include "nn/model.h"
#include "util/error.h"

/* Saliency of one image x (the model's input size, channels-last) for
 * `label` (in [0, outputs)): out[i] = -(dL/dx_i) * x_i, L the loss at the
 * label after an inference-mode forward (B = 1: no dropout, batchnorm's
 * running statistics). Positive where a pixel pushes the model towards the
 * label, negative where it pushes away, zero where the pixel is 0. With
 * cross_entropy this is x_i * d log p(label | x) / dx_i. The model's input
 * gradient is switched on for the call and off afterwards; its last output
 * and its parameter gradients are overwritten. `loss` must be one
 * nn_model_spec_check() accepts for the model. */
void analysis_saliency(struct nn_model *m, enum nn_loss loss, const float *x, int label,
		       float *out);

/* The loss to explain a prediction with: cross_entropy (the log-probability
 * of the label) when the model's last layer allows it, else the loss it
 * was trained with (a sigmoid output trained on sse, say). Explaining by
 * a hinge or a squared error would give blank maps for confident
 * predictions, whose loss is flat. */
enum nn_loss analysis_saliency_loss(const struct nn_model_spec *spec, enum nn_loss trained);

/* A layer's weights as n images of h x w. Image i belongs to unit
 * i / channels (a dense unit or a conv2d filter) and reads input channel
 * i % channels. */
struct weight_images {
	int n, h, w;
	int units;                  /* dense units or conv2d filters */
	int channels;               /* images per unit: the channels of the image read */
	const char *unit_name;      /* "unit" or "filter", for labels and file names */
	float *pixels;              /* (n, h, w) raw weights */
	float *bias;                /* (units) each unit's bias */
	char (*captions)[32];       /* (n) "unit 3", "u3 c1", "f2", "f2 c1" */
};

/* The weights of layer `layer` (0-based) as images (see struct
 * weight_images), into *out, which the caller frees with
 * weight_images_free(). Dense: the column of W of each unit, shaped as the
 * image the layer reads (the model's input, or an earlier layer's output
 * seen through flatten and dropout), one image per unit and channel of it;
 * a layer that reads a flat vector gets a near-square rectangle filled row
 * by row and padded with zeros. conv2d: one KH x KW image per filter and
 * input channel. On error (no such layer, a layer without weights, a
 * parameter count that does not match the layout, no memory) returns
 * DL_ERR with err filled and *out empty. */
int analysis_weight_images(const struct nn_model *m, int layer, struct weight_images *out,
			   struct dl_error *err);

/* Free what analysis_weight_images() allocated and empty *wi; an empty or
 * already freed *wi is fine. */
void weight_images_free(struct weight_images *wi);

/* The first layer (0-based) with weights (dense, conv2d), or -1. */
int analysis_first_weighted_layer(const struct nn_model *m);

/* Index of the weight of filter f on input channel c at kernel row ky,
 * column kx in a conv2d kernel, laid out (KH, KW, C, F) row-major. */
size_t analysis_conv_index(int ky, int kx, int c, int f, int KW, int C, int F);

/* Re-lay a conv2d kernel (KH, KW, C, F) as F * C images of KH x KW: image
 * f * C + c is filter f over channel c. out holds KH * KW * C * F floats. */
void analysis_kernel_images(const float *kernel, int KH, int KW, int C, int F, float *out);

/* Re-lay a dense kernel W (IN, OUT) that reads C channels (channels-last,
 * IN a multiple of C) as OUT * C images of h x w (h * w >= IN / C): image
 * u * C + c holds the weights unit u gives channel c, row by row, then
 * zeros. out holds OUT * C * h * w floats. */
void analysis_dense_images(const float *W, int IN, int OUT, int C, int h, int w, float *out);

/* Map values to [0, 1] symmetrically around 0 for display:
 * v -> (v / max|v| + 1) / 2, so that zero is mid-grey whatever the sign of
 * the rest (all zero: 0.5). Returns max|v|, the magnitude white and black
 * stand for. */
float analysis_scale_symmetric(float *v, size_t n);

#endif
