/*
 * analysis.h - what a trained model looks at: saliency maps, and its
 * weights drawn as images.
 *
 * Saliency answers "which pixels made the model call this a 7?" the way
 * gradient x input does (notebook 004 used SHAP for the same question): the
 * gradient of the log-probability of a class with respect to each pixel,
 * times the pixel. Weight images answer "what does a unit look for?": a
 * dense unit's incoming weights laid out as the image they read (notebook
 * 001 draws its 10 hidden units as 8x8 pictures), a convolution filter as
 * its KH x KW kernel per input channel.
 */
#ifndef DL_TRAIN_ANALYSIS_H
#define DL_TRAIN_ANALYSIS_H

#include <stddef.h>

#include "nn/model.h"
#include "util/error.h"

/* out (the model's input size) = x * d log p(label | x) / dx for one image x,
 * in inference mode: positive where a pixel pushes the model towards
 * `label`, negative where it pushes away. The model's input gradient is
 * switched on for the call and off afterwards. For the cross_entropy loss
 * this is exactly minus the loss gradient times x. */
void analysis_saliency(struct nn_model *m, enum nn_loss loss, const float *x, int label,
		       float *out);

/* n images of h x w floats, one after the other, with a caption each. */
struct weight_images {
	int n, h, w;
	float *pixels;              /* n * h * w, raw weights */
	char (*captions)[32];       /* "unit 3", "filter 2 channel 0" */
};

/* The weights of layer `layer` (0-based) as images: for dense, one image per
 * unit of its incoming weights, shaped as the image the layer reads when it
 * reads one (the model's input, or a flattened single-channel map), else as
 * a near-square rectangle padded with zeros; for conv2d one image per filter
 * and input channel. DL_ERR with a message for a layer without weights or
 * when memory runs out. Free with weight_images_free(). */
int analysis_weight_images(const struct nn_model *m, int layer, struct weight_images *out,
			   struct dl_error *err);
void weight_images_free(struct weight_images *wi);

/* The first layer with weights, or -1. */
int analysis_first_weighted_layer(const struct nn_model *m);

/* Index of w[ky][kx][c][f] in a conv2d kernel (KH, KW, C, F). */
size_t analysis_conv_index(int ky, int kx, int c, int f, int KW, int C, int F);

/* Map values to [0, 1] symmetrically around 0: v -> (v / max|v| + 1) / 2, so
 * that zero is mid-grey whatever the sign of the rest. All zero: 0.5. */
void analysis_scale_symmetric(float *v, size_t n);

#endif
