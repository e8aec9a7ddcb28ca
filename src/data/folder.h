/*
 * folder.h - a data set made of image files, one subfolder per class:
 *
 *   DIR/cat/001.png  DIR/cat/002.pgm  DIR/dog/a.png  DIR/owl/...
 *
 * The classes are the subfolders, sorted by name (byte order, as Keras's
 * image_dataset_from_directory sorts them), so label 0 is the first name.
 * In each class folder the files ending in .png or .pgm (any case) are
 * read in name order; other files and everything whose name starts with
 * a dot are ignored. Each image is read by image.h and fitted to h x w.
 *
 * A folder name must be a usable class name (data_class_name_ok); a class
 * holding no images, fewer than two classes or more than DATA_MAX_CLASSES
 * are errors naming the folder. An unreadable image is an error naming
 * the file, or with skip_bad is left out and counted.
 */
#ifndef DL_DATA_FOLDER_H
#define DL_DATA_FOLDER_H

#include "data/dataset.h"
#include "util/error.h"

#define FOLDER_MAX_IMAGES 10000000   /* as many as an IDX file may hold */

struct folder_opts {
	int h, w;               /* size every image is fitted to */
	int invert;             /* dark ink on light paper: invert */
	int skip_bad;           /* skip unreadable images instead of failing */
	/* When n_known > 0 the folder is a test set: its class folders must be
	 * among these names (a class may be missing) and take their labels. */
	int n_known;
	const char (*known)[DATA_CLASS_NAME_MAX];
};

/* Read dir into d (c = 1, h x w, n_classes = the number of classes) and
 * the class names into names (DATA_MAX_CLASSES entries, caller's), in
 * label order. *skipped receives how many images were skipped. */
int folder_load(const char *dir, const struct folder_opts *o, struct dataset *d,
		char names[][DATA_CLASS_NAME_MAX], int *skipped, struct dl_error *err);

#endif
