#include "train/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data/dataset.h"
#include "nn/model.h"
#include "util/le.h"

#define HEADER_SIZE 64

/* Floats are encoded through a buffer of this many: a model of millions of
 * weights is never copied whole. */
#define FLOAT_CHUNK 4096

/* Writes all of buf or fails; keeps the running CRC. */
static int write_all(int fd, const void *buf, size_t len, uLong *crc)
{
	const unsigned char *p = buf;

	if (crc)
		*crc = crc32(*crc, p, (uInt)len);
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* n floats as little-endian binary32. */
static int write_floats(int fd, const float *v, size_t n, uLong *crc)
{
	unsigned char buf[4 * FLOAT_CHUNK];

	for (size_t i = 0; i < n; i += FLOAT_CHUNK) {
		size_t k = n - i < FLOAT_CHUNK ? n - i : FLOAT_CHUNK;

		le_put_f32s(buf, v + i, k);
		if (write_all(fd, buf, 4 * k, crc))
			return -1;
	}
	return 0;
}

/* The class names block: each name and its NUL. */
static size_t names_length(const struct checkpoint *c)
{
	size_t len = 0;

	for (int k = 0; k < c->n_classes; k++)
		len += strlen(c->class_names[k]) + 1;
	return len;
}

static int write_body(int fd, const struct checkpoint *c)
{
	unsigned char header[HEADER_SIZE] = {0}, crc_bytes[4];
	size_t yaml_len = strlen(c->yaml);
	uLong crc = crc32(0, Z_NULL, 0);

	memcpy(header, CHECKPOINT_MAGIC, 8);
	/* version 1 when there are no names: the bytes of old digitlab */
	le_put_u32(header + 8, c->n_classes > 0 ? CHECKPOINT_VERSION : 1);
	le_put_u32(header + 12, (uint32_t)c->epoch);
	le_put_u64(header + 16, yaml_len);
	le_put_u32(header + 24, (uint32_t)c->n_layers);
	le_put_u64(header + 32, c->n_params);
	le_put_u64(header + 40, c->optim_len);
	le_put_u64(header + 48, c->trainer_len);
	le_put_u64(header + 56, names_length(c));
	if (write_all(fd, header, sizeof header, &crc) ||
	    write_all(fd, c->yaml, yaml_len, &crc))
		return -1;
	for (int i = 0; i < c->n_layers; i++) {
		unsigned char shape[16];
		for (int k = 0; k < 4; k++)
			le_put_u32(shape + 4 * k, c->layer_shapes[i][k]);
		if (write_all(fd, shape, sizeof shape, &crc))
			return -1;
	}
	if (write_floats(fd, c->params, c->n_params, &crc) ||
	    write_all(fd, c->optim_state, c->optim_len, &crc) ||
	    write_all(fd, c->trainer_state, c->trainer_len, &crc))
		return -1;
	for (int k = 0; k < c->n_classes; k++)
		if (write_all(fd, c->class_names[k], strlen(c->class_names[k]) + 1, &crc))
			return -1;
	le_put_u32(crc_bytes, (uint32_t)crc);
	return write_all(fd, crc_bytes, 4, NULL);
}

/* fsync the directory holding path so that the rename itself is durable. */
static int sync_parent(const char *path)
{
	char copy[4096];
	int fd, rc;

	snprintf(copy, sizeof copy, "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int checkpoint_write(const char *path, const struct checkpoint *c, struct dl_error *err)
{
	char tmp[4096];
	int fd;

	/* a temporary file of this writer's own: two processes checkpointing
	 * one path (two `run --resume X`) must not write, or rename away, each
	 * other's; the last rename wins, and the file is always whole */
	if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof tmp)
		return dl_error_at(err, path, 0, 0, "path too long");
	fd = mkostemp(tmp, O_CLOEXEC);  /* 0600 */
	if (fd < 0)
		return dl_error_at(err, tmp, 0, 0, "cannot create checkpoint: %s", strerror(errno));
	if (write_body(fd, c) || fsync(fd)) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return dl_error_at(err, tmp, 0, 0, "cannot write checkpoint: %s", strerror(e));
	}
	if (close(fd) || rename(tmp, path)) {
		int e = errno;
		unlink(tmp);
		return dl_error_at(err, path, 0, 0, "cannot write checkpoint: %s", strerror(e));
	}
	if (sync_parent(path))
		return dl_error_at(err, path, 0, 0, "cannot sync the checkpoint's directory: %s",
				   strerror(errno));
	return DL_OK;
}

void checkpoint_free(struct checkpoint *c)
{
	free(c->yaml);
	free(c->params);
	free(c->optim_state);
	free(c->trainer_state);
	memset(c, 0, sizeof *c);
}

static int read_exact(FILE *f, void *buf, size_t len, uLong *crc)
{
	if (len && fread(buf, 1, len, f) != len)
		return -1;
	*crc = crc32(*crc, buf, (uInt)len);
	return 0;
}

static int read_floats(FILE *f, float *v, size_t n, uLong *crc)
{
	unsigned char buf[4 * FLOAT_CHUNK];

	for (size_t i = 0; i < n; i += FLOAT_CHUNK) {
		size_t k = n - i < FLOAT_CHUNK ? n - i : FLOAT_CHUNK;

		if (read_exact(f, buf, 4 * k, crc))
			return -1;
		le_get_f32s(v + i, buf, k);
	}
	return 0;
}

/* Check the header's sizes against the real file size. Everything is done
 * in uint64 with overflow checks: a header may claim anything. */
static int check_sizes(const char *path, const unsigned char *h, uint64_t file_size,
		       struct dl_error *err)
{
	uint64_t yaml_len = le_get_u64(h + 16), n_params = le_get_u64(h + 32);
	uint64_t optim_len = le_get_u64(h + 40), trainer_len = le_get_u64(h + 48);
	uint64_t names_len = le_get_u32(h + 8) >= 2 ? le_get_u64(h + 56) : 0;
	uint32_t n_layers = le_get_u32(h + 24);
	uint64_t body = file_size - HEADER_SIZE - 4;

	if (yaml_len == 0 || yaml_len > CHECKPOINT_MAX_YAML)
		return dl_error_at(err, path, 0, 0, "corrupt model file: experiment text of %llu bytes",
				   (unsigned long long)yaml_len);
	if (n_layers == 0 || n_layers > NN_MAX_LAYERS)
		return dl_error_at(err, path, 0, 0, "corrupt model file: %u layers (at most %d)",
				   n_layers, NN_MAX_LAYERS);
	if (names_len > (uint64_t)CHECKPOINT_MAX_CLASSES * CHECKPOINT_CLASS_NAME_MAX)
		return dl_error_at(err, path, 0, 0, "corrupt model file: %llu bytes of class names",
				   (unsigned long long)names_len);
	if (n_params > body / 4 || optim_len > body || trainer_len > body ||
	    yaml_len + 16ull * n_layers + 4 * n_params + optim_len + trainer_len + names_len !=
	    body)
		return dl_error_at(err, path, 0, 0,
				   "corrupt model file: the header declares %llu parameters and "
				   "%llu + %llu bytes of state, which do not fit its %llu bytes",
				   (unsigned long long)n_params, (unsigned long long)optim_len,
				   (unsigned long long)trainer_len, (unsigned long long)file_size);
	return DL_OK;
}

/* The class names block: names ended by NULs, each 1 to 63 bytes. */
static int read_names(FILE *f, const char *path, size_t len, struct checkpoint *c, uLong *crc,
		      struct dl_error *err)
{
	char buf[CHECKPOINT_MAX_CLASSES * CHECKPOINT_CLASS_NAME_MAX];
	size_t start = 0;

	if (len == 0)
		return DL_OK;
	if (read_exact(f, buf, len, crc))
		return dl_error_at(err, path, 0, 0, "truncated model file");
	for (size_t i = 0; i < len; i++) {
		if (buf[i])
			continue;
		if (i == start || i - start >= CHECKPOINT_CLASS_NAME_MAX ||
		    c->n_classes == CHECKPOINT_MAX_CLASSES)
			return dl_error_at(err, path, 0, 0, "corrupt model file: bad class names");
		memcpy(c->class_names[c->n_classes], buf + start, i - start + 1);
		/* names are printed: a model file from elsewhere must not carry
		 * control characters to the terminal */
		if (!data_class_name_ok(c->class_names[c->n_classes++]))
			return dl_error_at(err, path, 0, 0, "corrupt model file: bad class names");
		start = i + 1;
	}
	if (start != len)
		return dl_error_at(err, path, 0, 0, "corrupt model file: bad class names");
	return DL_OK;
}

static int read_body(FILE *f, const char *path, const unsigned char *h,
		     struct checkpoint *c, uLong *crc, struct dl_error *err)
{
	size_t yaml_len = (size_t)le_get_u64(h + 16);

	c->epoch = (int)le_get_u32(h + 12);
	c->n_layers = (int)le_get_u32(h + 24);
	c->n_params = (size_t)le_get_u64(h + 32);
	c->optim_len = (size_t)le_get_u64(h + 40);
	c->trainer_len = (size_t)le_get_u64(h + 48);
	c->yaml = malloc(yaml_len + 1);
	c->params = malloc(c->n_params * sizeof(float) + 1);
	c->optim_state = malloc(c->optim_len + 1);
	c->trainer_state = malloc(c->trainer_len + 1);
	if (!c->yaml || !c->params || !c->optim_state || !c->trainer_state)
		return dl_error_at(err, path, 0, 0, "out of memory reading the model file");
	if (read_exact(f, c->yaml, yaml_len, crc))
		goto short_read;
	c->yaml[yaml_len] = '\0';
	for (int i = 0; i < c->n_layers; i++) {
		unsigned char shape[16];
		if (read_exact(f, shape, sizeof shape, crc))
			goto short_read;
		for (int k = 0; k < 4; k++)
			c->layer_shapes[i][k] = le_get_u32(shape + 4 * k);
	}
	if (read_floats(f, c->params, c->n_params, crc) ||
	    read_exact(f, c->optim_state, c->optim_len, crc) ||
	    read_exact(f, c->trainer_state, c->trainer_len, crc))
		goto short_read;
	if (le_get_u32(h + 8) >= 2)
		return read_names(f, path, (size_t)le_get_u64(h + 56), c, crc, err);
	return DL_OK;
short_read:
	return dl_error_at(err, path, 0, 0, "truncated model file");
}

int checkpoint_read(const char *path, struct checkpoint *c, struct dl_error *err)
{
	unsigned char header[HEADER_SIZE], crc_bytes[4];
	uLong crc = crc32(0, Z_NULL, 0);
	struct stat st;
	FILE *f;
	int rc = DL_ERR;

	memset(c, 0, sizeof *c);
	f = fopen(path, "rb");
	if (!f)
		return dl_error_at(err, path, 0, 0, "%s", strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		dl_error_at(err, path, 0, 0, "not a regular file");
		goto out;
	}
	if (st.st_size < HEADER_SIZE + 4 || read_exact(f, header, HEADER_SIZE, &crc)) {
		dl_error_at(err, path, 0, 0, "not a digitlab model file (too short: %lld bytes)",
			    (long long)st.st_size);
		goto out;
	}
	if (memcmp(header, CHECKPOINT_MAGIC, 8)) {
		dl_error_at(err, path, 0, 0, "not a digitlab model file (bad magic)");
		goto out;
	}
	if (le_get_u32(header + 8) < 1 || le_get_u32(header + 8) > CHECKPOINT_VERSION) {
		dl_error_at(err, path, 0, 0, "model file format version %u is not supported (this digitlab reads version %d)",
			    le_get_u32(header + 8), CHECKPOINT_VERSION);
		goto out;
	}
	if (check_sizes(path, header, (uint64_t)st.st_size, err) ||
	    read_body(f, path, header, c, &crc, err))
		goto out;
	if (fread(crc_bytes, 1, 4, f) != 4) {
		dl_error_at(err, path, 0, 0, "truncated model file");
		goto out;
	}
	if (le_get_u32(crc_bytes) != (uint32_t)crc) {
		dl_error_at(err, path, 0, 0, "corrupt model file: checksum mismatch");
		goto out;
	}
	rc = DL_OK;
out:
	fclose(f);
	if (rc != DL_OK)
		checkpoint_free(c);
	return rc;
}
