/* The spool importer: a run's events.log into the store (spool.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "run/spool.h"
#include "util/le.h"

#define MAX_FIELDS (STORE_MAX_CLASSES + 16)

/* One record: its type and fields, pointing into the line (which is
 * decoded in place). */
struct record {
	char *type;
	char *f[MAX_FIELDS];
	int n;
};

/* A line without its newline: check the CRC and split it. 0 when it is
 * not a whole record. */
static int parse_line(char *line, size_t len, struct record *r)
{
	char *star, *p;
	unsigned long want;

	if (len < 11 || line[len - 10] != ' ' || line[len - 9] != '*')
		return 0;
	star = line + len - 10;
	want = strtoul(star + 2, &p, 16);
	if (p != line + len)
		return 0;
	if ((crc32(0L, (const Bytef *)line, (uInt)(star - line)) & 0xffffffffUL) != want)
		return 0;
	*star = '\0';
	r->n = 0;
	r->type = strtok_r(line, " ", &p);
	if (!r->type)
		return 0;
	for (char *f; (f = strtok_r(NULL, " ", &p));) {
		if (r->n == MAX_FIELDS)
			return 0;
		r->f[r->n++] = f;
	}
	return 1;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Undo the percent-encoding in place ("-" is ""). */
static char *text_field(char *s)
{
	char *out = s;

	if (!strcmp(s, "-")) {
		*s = '\0';
		return s;
	}
	for (char *p = s; *p; p++) {
		if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			*out++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 2;
		} else {
			*out++ = *p;
		}
	}
	*out = '\0';
	return s;
}

/* Hex bytes in place; *n receives how many. 0 when not hex. */
static int hex_field(char *s, unsigned char **bytes, size_t *n)
{
	size_t len = strlen(s);
	unsigned char *b = (unsigned char *)s;

	if (len % 2)
		return 0;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return 0;
		b[i] = (unsigned char)(hi * 16 + lo);
	}
	*bytes = b;
	*n = len / 2;
	return 1;
}

static double f64(const char *s)
{
	return strtod(s, NULL);
}

/* Little-endian float32s from a hex field, malloc'd; NULL when the field
 * does not hold n of them. */
static float *f32s(char *s, size_t n)
{
	unsigned char *b;
	size_t bytes;
	float *v;

	if (!hex_field(s, &b, &bytes) || bytes != 4 * n || !(v = malloc(4 * n + 4)))
		return NULL;
	le_get_f32s(v, b, n);
	return v;
}

/* Epochs wait here to go to the store in one transaction. */
struct pending {
	struct store_epoch e[256];
	char events[256][160];
	int n;
};

static int flush_epochs(struct store *s, int64_t id, struct pending *p, struct dl_error *err)
{
	int rc = p->n ? store_add_epochs(s, id, p->e, p->n, err) : DL_OK;

	p->n = 0;
	return rc;
}

static int add_epoch(struct store *s, int64_t id, struct pending *p, struct record *r,
		     struct dl_error *err)
{
	if (r->n != 8)
		return 1;
	if (p->n == 256 && flush_epochs(s, id, p, err) != DL_OK)
		return -1;
	snprintf(p->events[p->n], sizeof p->events[p->n], "%s", text_field(r->f[7]));
	p->e[p->n] = (struct store_epoch){
		.epoch = atoi(r->f[0]), .loss = f64(r->f[1]), .accuracy = f64(r->f[2]),
		.val_loss = f64(r->f[3]), .val_accuracy = f64(r->f[4]), .lr = f64(r->f[5]),
		.seconds = f64(r->f[6]), .events = p->events[p->n],
	};
	p->n++;
	return 0;
}

static int apply_classes(struct store *s, int64_t id, struct record *r, struct dl_error *err)
{
	const char *names[STORE_MAX_CLASSES];
	int n = atoi(r->f[0]);

	if (n < 1 || n > STORE_MAX_CLASSES || r->n != n + 1)
		return 1;
	for (int k = 0; k < n; k++)
		names[k] = text_field(r->f[k + 1]);
	return store_set_class_names(s, id, n, names, err) == DL_OK ? 0 : -1;
}

static int apply_init(struct store *s, int64_t id, struct record *r, struct dl_error *err)
{
	int kept = atoi(r->f[0]), n = atoi(r->f[1]), rc;
	unsigned char *blob, k[4];

	/* a record holds at most MAX_FIELDS fields: more candidates than
	 * that are not kept as an artifact (the store sink's format) */
	if (n < 1 || r->n != n + 2 || !(blob = malloc(8 * (size_t)n)))
		return 1;
	for (int i = 0; i < n; i++)
		le_put_f64(blob + 8 * i, f64(r->f[i + 2]));
	le_put_u32(k, (uint32_t)kept);
	rc = store_set_artifact(s, id, "init_losses", 1, n, blob, 8 * (size_t)n, err) == DL_OK &&
	     store_set_artifact(s, id, "init_kept", 1, 1, k, sizeof k, err) == DL_OK ? 0 : -1;
	free(blob);
	return rc;
}

static int apply_weights(struct store *s, int64_t id, struct record *r, struct dl_error *err)
{
	struct store_weights w = {0};
	int rc;

	if (r->n != 7)
		return 1;
	w.layer = atoi(r->f[0]);
	w.epoch = atoi(r->f[1]);
	w.n = atoi(r->f[2]);
	w.h = atoi(r->f[3]);
	w.w = atoi(r->f[4]);
	snprintf(w.unit_name, sizeof w.unit_name, "%s", text_field(r->f[5]));
	if (w.n < 1 || w.h < 1 || w.w < 1 || w.h > 4096 || w.w > 4096 ||
	    !(w.pixels = f32s(r->f[6], (size_t)w.n * w.h * w.w)))
		return 1;
	rc = store_put_weights(s, id, &w, err) == DL_OK ? 0 : -1;
	free(w.pixels);
	return rc;
}

static int apply_misclassified(struct store *s, int64_t id, struct record *r,
			       struct dl_error *err)
{
	struct store_sample m = {0};
	float *pixels, *saliency = NULL;
	size_t n;
	int rc;

	if (r->n != 9)
		return 1;
	m = (struct store_sample){.index = atoi(r->f[1]), .truth = atoi(r->f[2]),
				  .predicted = atoi(r->f[3]), .confidence = f64(r->f[4]),
				  .h = atoi(r->f[5]), .w = atoi(r->f[6])};
	if (m.h < 1 || m.w < 1 || m.h > 4096 || m.w > 4096)
		return 1;
	n = (size_t)m.h * m.w;
	if (!(pixels = f32s(r->f[7], n)))
		return 1;
	if (strcmp(r->f[8], "-") && !(saliency = f32s(r->f[8], n))) {
		free(pixels);
		return 1;
	}
	m.pixels = pixels;
	m.saliency = saliency;
	rc = store_add_misclassified(s, id, text_field(r->f[0]), &m, err) == DL_OK ? 0 : -1;
	free(pixels);
	free(saliency);
	return rc;
}

static int apply_confusion(struct store *s, int64_t id, struct record *r, struct dl_error *err)
{
	unsigned char *b;
	size_t bytes;
	int n, *counts, rc;

	if (r->n != 3)
		return 1;
	n = atoi(r->f[1]);
	if (n < 1 || n > STORE_MAX_CLASSES || !hex_field(r->f[2], &b, &bytes) ||
	    bytes != 4 * (size_t)n * n || !(counts = malloc(sizeof *counts * (size_t)n * n)))
		return 1;
	for (int i = 0; i < n * n; i++)
		counts[i] = (int)le_get_u32(b + 4 * i);
	rc = store_set_confusion(s, id, text_field(r->f[0]), n, counts, err) == DL_OK ? 0 : -1;
	free(counts);
	return rc;
}

static int apply_end(struct store *s, int64_t id, struct record *r, struct spool_import *im,
		     struct dl_error *err)
{
	const char *status;
	struct store_result res;

	/* a spool written before the peak memory was kept ends at MESSAGE */
	if (r->n != 10 && r->n != 11)
		return 1;
	status = text_field(r->f[0]);
	res = (struct store_result){
		.epochs = atoi(r->f[1]), .loss = f64(r->f[2]), .accuracy = f64(r->f[3]),
		.val_loss = f64(r->f[4]), .val_accuracy = f64(r->f[5]),
		.test_loss = f64(r->f[6]), .test_accuracy = f64(r->f[7]),
		.seconds = f64(r->f[8]), .message = text_field(r->f[9]),
		.peak_rss = r->n == 11 ? atoll(r->f[10]) : 0,
	};
	if (!strcmp(status, "interrupted")) {
		/* the job comes back (requeued), or the serve sends another */
		im->interrupted = 1;
		return 0;
	}
	if (!strcmp(status, "done"))
		res.status = STORE_DONE;
	else if (!strcmp(status, "diverged"))
		res.status = STORE_DIVERGED;
	else if (!strcmp(status, "cancelled"))
		res.status = STORE_CANCELLED;
	else if (!strcmp(status, "failed"))
		res.status = STORE_FAILED;
	else if (!strcmp(status, "stopped"))
		res.status = STORE_INTERRUPTED;        /* paused: its STOP is pending */
	else
		return 1;
	if (store_finish_run(s, id, &res, err) != DL_OK)
		return -1;
	im->ended = 1;
	return 0;
}

/* Apply one record: 0 applied, 1 not a record this importer knows (skipped),
 * -1 a store error. */
static int apply(struct store *s, int64_t id, struct record *r, struct pending *p,
		 struct spool_import *im, struct dl_error *err)
{
	const char *t = r->type;

	if (!strcmp(t, "epoch"))
		return add_epoch(s, id, p, r, err);
	/* everything else in order after the epochs before it */
	if (flush_epochs(s, id, p, err) != DL_OK)
		return -1;
	if (!strcmp(t, "progress") && r->n == 5)
		return store_set_progress(s, id, atoi(r->f[0]), atoi(r->f[1]), atoi(r->f[2]),
					  f64(r->f[3]), f64(r->f[4]), err) == DL_OK ? 0 : -1;
	if (!strcmp(t, "start") && r->n == 3) {
		snprintf(im->node, sizeof im->node, "%s", text_field(r->f[1]));
		im->started = 1;
		im->interrupted = 0;
		return 0;
	}
	if (!strcmp(t, "summary") && r->n == 1)
		return store_put_summary(s, id, text_field(r->f[0]), err) == DL_OK ? 0 : -1;
	if (!strcmp(t, "params") && r->n == 1)
		return store_set_params(s, id, strtoll(r->f[0], NULL, 10), err) == DL_OK ? 0 : -1;
	if (!strcmp(t, "planned") && r->n == 1)
		return store_set_planned_epochs(s, id, atoi(r->f[0]), err) == DL_OK ? 0 : -1;
	if (!strcmp(t, "classes") && r->n >= 2)
		return apply_classes(s, id, r, err);
	if (!strcmp(t, "init") && r->n >= 3)
		return apply_init(s, id, r, err);
	if (!strcmp(t, "weights"))
		return apply_weights(s, id, r, err);
	if (!strcmp(t, "mis"))
		return apply_misclassified(s, id, r, err);
	if (!strcmp(t, "confusion"))
		return apply_confusion(s, id, r, err);
	if (!strcmp(t, "end"))
		return apply_end(s, id, r, im, err);
	return 1;
}

/* The log from offset to its end, malloc'd (*len bytes); NULL with *len 0
 * when there is nothing new or no log. */
static int read_new(const char *path, int64_t offset, char **buf, size_t *len,
		    struct dl_error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t want, got = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? DL_OK : dl_error_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || st.st_size <= offset) {
		close(fd);
		return DL_OK;
	}
	want = (size_t)(st.st_size - offset);
	if (!(*buf = malloc(want + 1))) {
		close(fd);
		return dl_error_set(err, "out of memory reading %s", path);
	}
	while (got < want) {
		ssize_t n = pread(fd, *buf + got, want - got, offset + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return DL_OK;
}

int spool_import_run(struct store *s, const char *spool_root, int64_t run_id,
		     struct spool_import *im, struct dl_error *err)
{
	char path[SPOOL_PATH_MAX], *buf, *line;
	struct pending *p;
	size_t len, pos = 0;
	int rc = DL_OK;

	im->records = im->bad_lines = im->ended = 0;
	spool_path(path, sizeof path, spool_root, run_id, "events.log");
	if (read_new(path, im->offset, &buf, &len, err) != DL_OK)
		return DL_ERR;
	if (!buf)
		return DL_OK;
	if (!(p = calloc(1, sizeof *p))) {
		free(buf);
		return dl_error_set(err, "out of memory importing run %lld", (long long)run_id);
	}
	while (pos < len && rc == DL_OK) {
		char *nl = memchr(buf + pos, '\n', len - pos);
		struct record r;
		int applied;

		if (!nl)
			break;          /* the last line is not whole yet */
		line = buf + pos;
		*nl = '\0';
		if (!parse_line(line, (size_t)(nl - line), &r)) {
			if (nl > line)
				im->bad_lines++;
		} else if ((applied = apply(s, run_id, &r, p, im, err)) < 0) {
			rc = DL_ERR;
			break;
		} else if (applied == 0) {
			im->records++;
		} else {
			im->bad_lines++;
		}
		pos = (size_t)(nl - buf) + 1;
	}
	if (rc == DL_OK && flush_epochs(s, run_id, p, err) != DL_OK)
		rc = DL_ERR;
	if (rc == DL_OK)
		im->offset += (int64_t)pos;
	free(p);
	free(buf);
	return rc;
}
