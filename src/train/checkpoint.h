/*
 * checkpoint.h - the model file: everything needed to use a trained model
 * or to continue its training exactly where it stopped.
 *
 * A checkpoint is written after every epoch, atomically (temporary file,
 * fsync, rename, fsync of the directory), so a crash leaves either the
 * previous checkpoint or the new one, never a torn file. Resuming from it
 * gives final metrics bit-identical to an uninterrupted run.
 *
 * Layout. Every field is little-endian on every machine (util/le.h), so a
 * model file moves between machines unchanged; integers are unsigned unless
 * marked, floats IEEE-754 (f32 binary32, f64 binary64). Files written
 * before the encoding was spelled out field by field (by memcpy on a
 * little-endian host) are byte for byte the same format.
 *
 *   offset  size  field
 *   0       8     magic "DLMODEL\0"
 *   8       4     format version: 2 with class names, 1 without (as
 *                 digitlab wrote before it kept them)
 *   12      4     epochs completed
 *   16      8     length of the canonical experiment YAML (<= 16 MiB)
 *   24      4     number of layers (<= NN_MAX_LAYERS)
 *   28      4     reserved, 0
 *   32      8     number of parameters P
 *   40      8     length S of the optimiser state in bytes
 *   48      8     length T of the trainer state in bytes
 *   56      8     length N of the class names (0 in version 1)
 *   64      ...   the YAML text (not NUL-terminated)
 *           16*L  per layer: kind (enum nn_layer_kind), output c, h, w (u32 each)
 *           4*P   parameters (f32), in the model's flat order
 *           S     optimiser state: nn/optim.h gives its layout
 *           T     trainer state, below
 *           N     the class names in label order, each ended by a NUL
 *           4     CRC-32 (zlib) of every byte before it
 *
 * The trainer state (version 2; version 1 differs only in the events):
 *
 *   0       4     version (2)
 *   4       32    shuffling stream, then
 *   36      32    dropout stream: four u64 each (struct rng)
 *   68      4     reduce_on_plateau's learning rate (f32)
 *   72      8     reduce_on_plateau's best value (f64)
 *   80      8     early stopping's best value (f64)
 *   88      24    six i32: plateau wait, plateau cooldown left, early
 *                 stopping's best epoch, early stopping's wait, epochs
 *                 completed, stopped early (0 or 1)
 *   112     4     1 when the best weights follow, else 0
 *   116     4*P   the best epoch's weights (f32), when present
 *           ...   per epoch completed: epoch (i32); loss, accuracy,
 *                 val_loss, val_accuracy, lr, seconds (f64 each; NaN for
 *                 none); its events: a length N < 160 (u8) and N bytes of
 *                 text (version 1: 160 bytes, the text NUL-terminated)
 *
 * A reader checks the magic, the version and that the declared sizes add up
 * to the file's real size before it allocates anything, so a hostile header
 * (10^12 parameters) is refused with a message instead of an allocation.
 */
#ifndef DL_TRAIN_CHECKPOINT_H
#define DL_TRAIN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define CHECKPOINT_MAGIC "DLMODEL"
#define CHECKPOINT_VERSION 2
#define CHECKPOINT_MAX_CLASSES 128
#define CHECKPOINT_CLASS_NAME_MAX 64  /* bytes, NUL included */
#define CHECKPOINT_MAX_YAML (16u << 20)

struct checkpoint {
	int epoch;              /* epochs completed */
	char *yaml;             /* canonical experiment, NUL-terminated */
	int n_layers;
	uint32_t layer_shapes[64][4]; /* kind, c, h, w of each layer's output */
	size_t n_params;
	float *params;
	size_t optim_len;
	void *optim_state;
	size_t trainer_len;
	void *trainer_state;
	int n_classes;          /* class names kept; 0: none (version 1) */
	char class_names[CHECKPOINT_MAX_CLASSES][CHECKPOINT_CLASS_NAME_MAX];
};

/* Write atomically to path: a temporary file of this call's own beside it
 * (path.tmp-XXXXXX, 0600), fsync, rename. Two processes writing one path
 * never share a temporary file: each rename puts a whole checkpoint there. */
int checkpoint_write(const char *path, const struct checkpoint *c, struct dl_error *err);

/* Read and verify a checkpoint; free with checkpoint_free(). Every error
 * names the file and what is wrong with it. */
int checkpoint_read(const char *path, struct checkpoint *c, struct dl_error *err);

void checkpoint_free(struct checkpoint *c);

#endif
