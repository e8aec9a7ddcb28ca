/*
 * classify.h - one image in, a trained model's answer out: what `digitlab
 * predict` does with an image file and the dashboard's pad with a drawing,
 * the same way, so that a drawing saved as PGM gets the same answer from
 * both.
 *
 * An image becomes a model input (classify_prepare) as the model's
 * training images were made: for a model trained on MNIST, MNIST's own
 * preparation (image.h image_frame_mnist: the ink's box scaled into 20x20,
 * its centre of mass at the centre of 28x28); for any other, image_fit
 * (the whole image fitted to the input, centred). Then inverted when the
 * caller says so, and scaled by data.scale.
 *
 * A classifier owns a restored model and the buffers of one answer: the
 * input the model saw, the probability of each class and the saliency
 * (gradient x input) for the most probable one. Its memory is its own:
 * one per thread.
 */
#ifndef DL_TRAIN_CLASSIFY_H
#define DL_TRAIN_CLASSIFY_H

#include "spec/experiment.h"
#include "train/restore.h"
#include "util/error.h"

/* img (h x w, values in [0, 1]) into x, one model input of exp's model
 * (nn_shape_size of model.input floats). Returns DL_ERR only when out of
 * memory. */
int classify_prepare(const struct experiment *exp, const float *img, int h, int w, int inverted,
		     float *x);

struct classifier {
	struct restored_model r;        /* the model and its experiment */
	int k;                          /* classes */
	int in_h, in_w, n_in;           /* the input: in_h x in_w, n_in floats */
	float *x;                       /* (n_in) the last input, as the model saw it */
	float *probs;                   /* (k) its answer */
	float *saliency;                /* (in_h * in_w) for `best`, channels summed */
	int best;                       /* the most probable class, -1: none yet */
};

/* Restore the model file at path (restore.h) for one image at a time.
 * On failure *c is empty and err says why (restore_model's errors). */
int classifier_open(struct classifier *c, const char *path, struct dl_error *err);

/* Classify img (h x w, values in [0, 1], light ink on black unless
 * inverted): fills x, probs, saliency and best. */
int classifier_run(struct classifier *c, const float *img, int h, int w, int inverted,
		   struct dl_error *err);

/* Free it and empty *c; an empty *c is fine. */
void classifier_close(struct classifier *c);

#endif
