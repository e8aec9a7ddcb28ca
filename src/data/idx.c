#include "data/idx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Decompressed data is read in chunks of this size, and a gzip payload
 * buffer starts this small and doubles as data really arrives. */
#define CHUNK (1u << 20)

struct idx_file {
	gzFile gz;
	long long file_size;  /* raw length on disk, -1 when unknown */
	int gzip;
};

static int open_idx(const char *path, struct idx_file *f, struct dl_error *err)
{
	unsigned char magic[2];
	struct stat st;
	int fd;

	memset(f, 0, sizeof *f);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dl_error_at(err, path, 0, 0, "%s", strerror(errno));
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return dl_error_at(err, path, 0, 0, "%s", strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return dl_error_at(err, path, 0, 0, "%s", strerror(EISDIR));
	}
	f->file_size = S_ISREG(st.st_mode) ? (long long)st.st_size : -1;
	f->gzip = pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	f->gz = gzdopen(fd, "rb");
	if (!f->gz) {
		close(fd);
		return dl_error_at(err, path, 0, 0, "out of memory opening the file");
	}
	gzbuffer(f->gz, 1u << 17);
	return DL_OK;
}

static void close_idx(struct idx_file *f)
{
	if (f->gz)
		gzclose(f->gz);
	f->gz = NULL;
}

/* Read up to len bytes; returns the count (short only at the end of the
 * data) or -1 on a decompression error. */
static long long read_full(gzFile gz, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		size_t want = len - got < CHUNK ? len - got : CHUNK;
		int r = gzread(gz, (char *)buf + got, (unsigned)want);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (long long)got;
}

static const char *gz_message(gzFile gz)
{
	int errnum;
	const char *msg = gzerror(gz, &errnum);

	if (errnum == Z_ERRNO)
		return strerror(errno);
	return msg && *msg ? msg : "unknown error";
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void describe(const struct idx_info *info, char *buf, size_t size)
{
	if (info->ndims == 3)
		snprintf(buf, size, "header says %d images of %dx%d (%lld bytes)",
			 info->n, info->rows, info->cols, info->bytes);
	else
		snprintf(buf, size, "header says %d labels (%lld bytes)", info->n,
			 info->bytes);
}

/* "file has M bytes" or "decompressed data has M bytes". */
static const char *data_noun(const struct idx_file *f)
{
	return f->gzip ? "decompressed data" : "file";
}

static int read_header(struct idx_file *f, const char *path, int want_ndims,
		       struct idx_info *info, struct dl_error *err)
{
	unsigned char h[16];
	long long got;
	uint32_t magic, d[3] = {0, 0, 0};
	int ndims;
	char desc[160];

	memset(info, 0, sizeof *info);
	info->gzip = f->gzip;
	got = read_full(f->gz, h, 4);
	if (got < 0)
		return dl_error_at(err, path, 0, 0, "corrupt gzip data: %s", gz_message(f->gz));
	if (got < 4)
		return dl_error_at(err, path, 0, 0,
				   "not an IDX file: %s has only %lld bytes",
				   data_noun(f), got);
	magic = be32(h);
	ndims = h[3];
	if (h[0] != 0 || h[1] != 0)
		return dl_error_at(err, path, 0, 0,
				   "not an IDX file: magic number 0x%08x (expected %s)",
				   magic,
				   want_ndims == 3 ? "0x00000803 for images" :
				   want_ndims == 1 ? "0x00000801 for labels" :
				   "0x00000803 for images or 0x00000801 for labels");
	if (h[2] != 0x08)
		return dl_error_at(err, path, 0, 0,
				   "unsupported IDX data type 0x%02x in magic number 0x%08x: only unsigned bytes (0x08) are supported",
				   h[2], magic);
	if (want_ndims == 3 && ndims != 3)
		return dl_error_at(err, path, 0, 0,
				   "not an IDX image file: magic number 0x%08x says %d dimension%s, images have 3",
				   magic, ndims, ndims == 1 ? "" : "s");
	if (want_ndims == 1 && ndims != 1)
		return dl_error_at(err, path, 0, 0,
				   "not an IDX label file: magic number 0x%08x says %d dimensions, labels have 1",
				   magic, ndims);
	if (ndims != 1 && ndims != 3)
		return dl_error_at(err, path, 0, 0,
				   "unsupported IDX file: magic number 0x%08x says %d dimensions (images have 3, labels 1)",
				   magic, ndims);
	got = read_full(f->gz, h + 4, 4u * (unsigned)ndims);
	if (got < 0)
		return dl_error_at(err, path, 0, 0, "corrupt gzip data: %s", gz_message(f->gz));
	if (got < 4 * ndims)
		return dl_error_at(err, path, 0, 0,
				   "truncated IDX header: %d dimension%s need %d header bytes, %s has %lld",
				   ndims, ndims == 1 ? "" : "s", 4 + 4 * ndims,
				   data_noun(f), 4 + got);
	for (int i = 0; i < ndims; i++)
		d[i] = be32(h + 4 + 4 * i);
	info->ndims = ndims;
	if (ndims == 3) {
		if (d[0] == 0 || d[1] == 0 || d[2] == 0)
			return dl_error_at(err, path, 0, 0,
					   "IDX header says %u images of %ux%u: every dimension must be nonzero",
					   d[0], d[1], d[2]);
		if (d[1] > IDX_MAX_SIDE || d[2] > IDX_MAX_SIDE)
			return dl_error_at(err, path, 0, 0,
					   "IDX header says images of %ux%u: at most %dx%d is supported",
					   d[1], d[2], IDX_MAX_SIDE, IDX_MAX_SIDE);
		if (d[0] > IDX_MAX_COUNT)
			return dl_error_at(err, path, 0, 0,
					   "IDX header says %u images: at most %d are supported",
					   d[0], IDX_MAX_COUNT);
		info->rows = (int)d[1];
		info->cols = (int)d[2];
	} else {
		if (d[0] == 0)
			return dl_error_at(err, path, 0, 0,
					   "IDX header says 0 labels: the count must be nonzero");
		if (d[0] > IDX_MAX_COUNT)
			return dl_error_at(err, path, 0, 0,
					   "IDX header says %u labels: at most %d are supported",
					   d[0], IDX_MAX_COUNT);
		info->rows = info->cols = 0;
	}
	info->n = (int)d[0];
	/* Within the limits this is at most 10^7 * 2^20 + 16: no overflow. */
	info->bytes = 4 + 4LL * ndims +
		(long long)info->n * (ndims == 3 ? (long long)info->rows * info->cols : 1);
	if (!f->gzip && f->file_size >= 0 && f->file_size != info->bytes) {
		describe(info, desc, sizeof desc);
		if (f->file_size < info->bytes)
			return dl_error_at(err, path, 0, 0,
					   "truncated IDX file: %s, file has %lld bytes",
					   desc, f->file_size);
		return dl_error_at(err, path, 0, 0,
				   "IDX file has %lld bytes of trailing data: %s, file has %lld bytes",
				   f->file_size - info->bytes, desc, f->file_size);
	}
	return DL_OK;
}

int idx_read_info(const char *path, int want_ndims, struct idx_info *info,
		  struct dl_error *err)
{
	struct idx_file f;
	int rc;

	if (open_idx(path, &f, err) != DL_OK)
		return DL_ERR;
	rc = read_header(&f, path, want_ndims, info, err);
	close_idx(&f);
	return rc;
}

/* Read the payload after the header. For a raw file read_header already
 * matched the length, so the buffer is allocated at once; for gzip it grows
 * with the data actually decompressed, capped at what the header claims. */
static int read_payload(struct idx_file *f, const char *path,
			const struct idx_info *info, uint8_t **out,
			struct dl_error *err)
{
	size_t header = 4 + 4 * (size_t)info->ndims;
	size_t want = (size_t)info->bytes - header;
	/* a raw regular file's length was matched by read_header; anything
	 * else (gzip, a pipe) grows its buffer as the data really arrives */
	int streamed = f->gzip || f->file_size < 0;
	size_t cap = streamed ? (want < CHUNK ? want : CHUNK) : want;
	size_t got = 0;
	uint8_t *buf, extra;
	char desc[160];
	int r;

	*out = NULL;
	describe(info, desc, sizeof desc);
	buf = malloc(cap);
	if (!buf)
		return dl_error_at(err, path, 0, 0, "out of memory for %zu bytes", cap);
	while (got < want) {
		size_t chunk;
		if (got == cap) {
			size_t ncap = cap > want / 2 ? want : cap * 2;
			uint8_t *nbuf = realloc(buf, ncap);
			if (!nbuf) {
				free(buf);
				return dl_error_at(err, path, 0, 0,
						   "out of memory for %zu bytes", ncap);
			}
			buf = nbuf;
			cap = ncap;
		}
		chunk = cap - got < CHUNK ? cap - got : CHUNK;
		r = gzread(f->gz, buf + got, (unsigned)chunk);
		if (r < 0) {
			free(buf);
			return dl_error_at(err, path, 0, 0,
					   "corrupt or truncated gzip data after %zu decompressed bytes (%s): %s",
					   header + got, gz_message(f->gz), desc);
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got < want) {
		free(buf);
		return dl_error_at(err, path, 0, 0,
				   "truncated IDX file: %s, %s has %zu bytes",
				   desc, data_noun(f), header + got);
	}
	r = gzread(f->gz, &extra, 1);
	if (r != 0) {
		free(buf);
		if (r < 0)
			return dl_error_at(err, path, 0, 0,
					   "corrupt gzip data after the last image or label (%s)",
					   gz_message(f->gz));
		return dl_error_at(err, path, 0, 0,
				   "IDX file has trailing data: %s, %s is longer",
				   desc, data_noun(f));
	}
	*out = buf;
	return DL_OK;
}

int idx_read_images(const char *path, uint8_t **pixels, struct idx_info *info,
		    struct dl_error *err)
{
	struct idx_file f;
	int rc;

	*pixels = NULL;
	if (open_idx(path, &f, err) != DL_OK)
		return DL_ERR;
	rc = read_header(&f, path, 3, info, err);
	if (rc == DL_OK)
		rc = read_payload(&f, path, info, pixels, err);
	close_idx(&f);
	return rc;
}

int idx_read_labels(const char *path, int n_classes, uint8_t **labels, int *n,
		    struct dl_error *err)
{
	struct idx_file f;
	struct idx_info info;
	int rc;

	*labels = NULL;
	*n = 0;
	if (open_idx(path, &f, err) != DL_OK)
		return DL_ERR;
	rc = read_header(&f, path, 1, &info, err);
	if (rc == DL_OK)
		rc = read_payload(&f, path, &info, labels, err);
	close_idx(&f);
	if (rc != DL_OK)
		return rc;
	for (int i = 0; i < info.n; i++) {
		if ((*labels)[i] >= n_classes) {
			int bad = (*labels)[i];
			free(*labels);
			*labels = NULL;
			return dl_error_at(err, path, 0, 0,
					   "label %d of sample %d is out of range 0..%d",
					   bad, i, n_classes - 1);
		}
	}
	*n = info.n;
	return DL_OK;
}

int idx_load(const char *images_path, const char *labels_path, int n_classes,
	     struct dataset *d, struct dl_error *err)
{
	struct idx_info info, label_info;
	uint8_t *pix = NULL, *lab = NULL;
	int n_labels;

	memset(d, 0, sizeof *d);
	/* the counts from both headers first: a gzip file that expands to
	 * gigabytes must not be read to learn that its labels do not match */
	if (idx_read_info(images_path, 3, &info, err) != DL_OK ||
	    idx_read_info(labels_path, 1, &label_info, err) != DL_OK)
		return DL_ERR;
	if (label_info.n != info.n)
		return dl_error_at(err, labels_path, 0, 0, "%d labels, but %s has %d images",
				   label_info.n, images_path, info.n);
	if (idx_read_images(images_path, &pix, &info, err) != DL_OK)
		return DL_ERR;
	if (idx_read_labels(labels_path, n_classes, &lab, &n_labels, err) != DL_OK) {
		free(pix);
		return DL_ERR;
	}
	if (n_labels != info.n) {
		free(pix);
		free(lab);
		return dl_error_at(err, labels_path, 0, 0,
				   "%d labels, but %s has %d images",
				   n_labels, images_path, info.n);
	}
	if (n_classes > 256) {
		free(pix);
		free(lab);
		return dl_error_set(err, "bad data set shape: %d samples of %dx%dx%d, %d classes",
				    info.n, 1, info.rows, info.cols, n_classes);
	}
	/* the file's bytes are the pixels: no copy, no conversion here */
	memset(d, 0, sizeof *d);
	dataset_set_byte_values(d, 255.0f);
	d->n = info.n;
	d->c = 1;
	d->h = info.rows;
	d->w = info.cols;
	d->n_classes = n_classes;
	d->u8 = pix;
	d->y = lab;
	return DL_OK;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int write_idx(const char *path, const unsigned char *header, size_t hlen,
		     const uint8_t *data, size_t len, int gzip, struct dl_error *err)
{
	/* "T" writes without compression through the same interface. */
	gzFile gz = gzopen(path, gzip ? "wb6" : "wbT");
	size_t done = 0;

	if (!gz)
		return dl_error_at(err, path, 0, 0, "cannot create: %s",
				   errno ? strerror(errno) : "out of memory");
	if (gzwrite(gz, header, (unsigned)hlen) != (int)hlen)
		goto fail;
	while (done < len) {
		size_t chunk = len - done < CHUNK ? len - done : CHUNK;
		if (gzwrite(gz, data + done, (unsigned)chunk) != (int)chunk)
			goto fail;
		done += chunk;
	}
	if (gzclose(gz) != Z_OK)
		return dl_error_at(err, path, 0, 0, "write failed: %s", strerror(errno));
	return DL_OK;
fail:
	dl_error_at(err, path, 0, 0, "write failed: %s", gz_message(gz));
	gzclose(gz);
	return DL_ERR;
}

int idx_write_images(const char *path, int n, int rows, int cols,
		     const uint8_t *pixels, int gzip, struct dl_error *err)
{
	unsigned char h[16];

	if (n < 0 || rows <= 0 || cols <= 0)
		return dl_error_at(err, path, 0, 0, "cannot write %d images of %dx%d",
				   n, rows, cols);
	put_be32(h, IDX_MAGIC_IMAGES);
	put_be32(h + 4, (uint32_t)n);
	put_be32(h + 8, (uint32_t)rows);
	put_be32(h + 12, (uint32_t)cols);
	return write_idx(path, h, sizeof h, pixels, (size_t)n * rows * cols, gzip, err);
}

int idx_write_labels(const char *path, int n, const uint8_t *labels, int gzip,
		     struct dl_error *err)
{
	unsigned char h[8];

	if (n < 0)
		return dl_error_at(err, path, 0, 0, "cannot write %d labels", n);
	put_be32(h, IDX_MAGIC_LABELS);
	put_be32(h + 4, (uint32_t)n);
	return write_idx(path, h, sizeof h, labels, (size_t)n, gzip, err);
}
