/* Leaving the dashboard for the editor or a preview (child.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tui/child.h"
#include "tui/queueing.h"

/* Run argv and wait for it; its exit status, -1 when it could not run. */
static int run_and_wait(char *const argv[], const char *what)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "digitlab: cannot run %s%s: %s\n", what, argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Ask on the plain terminal; the first character typed. */
static int ask_line(const char *question)
{
	int ch, first;

	printf("%s", question);
	fflush(stdout);
	first = ch = getchar();
	while (ch != EOF && ch != '\n')
		ch = getchar();
	return first;
}

/* The user's editor as argv: $VISUAL, else $EDITOR, else vi, split at
 * blanks so that "emacs -nw" or "code --wait" work, with path last. */
static void editor_argv(char *words, size_t size, char **argv, int max, const char *path)
{
	const char *editor = getenv("VISUAL");
	int n = 0;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	snprintf(words, size, "%s", editor && *editor ? editor : "vi");
	for (char *w = strtok(words, " \t"); w && n < max - 2; w = strtok(NULL, " \t"))
		argv[n++] = w;
	if (n == 0)
		argv[n++] = "vi";
	argv[n++] = (char *)path;
	argv[n] = NULL;
}

/* The whole of a small file, or NULL. The caller frees it. */
static char *read_small_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL, buf[4096];
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
		if (n + got + 1 > cap) {
			char *grown = realloc(text, cap = (n + got + 1) * 2);

			if (!grown) {
				free(text);
				fclose(f);
				return NULL;
			}
			text = grown;
		}
		memcpy(text + n, buf, got);
		n += got;
	}
	fclose(f);
	if (text)
		text[n] = '\0';
	return text ? text : strdup("");
}

enum edit_outcome { EDIT_VALID, EDIT_UNCHANGED, EDIT_KEPT, EDIT_FAILED };

/* Edit path until it is an experiment that can be queued (plan filled),
 * the user leaves it unchanged, or gives up on an invalid one, which is
 * then kept: an edit is never thrown away. Like `crontab -e`, an error is
 * shown under the editor with the choice to edit again. */
static enum edit_outcome edit_until_valid(const char *path, const char *original,
					  struct sweep_plan *plan)
{
	static const char again[] = "e edit again, anything else gives up (the file is kept): ";
	struct enqueue_opts o = {.threads = 1};
	char words[512], *argv[16], msg[1200];
	struct dl_error err;

	editor_argv(words, sizeof words, argv, 16, path);
	for (;;) {
		char *text;
		int same;

		if (run_and_wait(argv, "the editor ") != 0) {
			printf("\nThe editor %s failed.\n", argv[0]);
			if (ask_line(again) == 'e')
				continue;
			return EDIT_FAILED;
		}
		text = read_small_file(path);
		same = text && !strcmp(text, original);
		free(text);
		if (same)
			return EDIT_UNCHANGED;
		dl_error_clear(&err);
		if (enqueue_plan(plan, path, &o, &err) == DL_OK)
			return EDIT_VALID;
		dl_error_format(&err, msg, sizeof msg);
		printf("\n%s\n", msg);
		if (ask_line(again) != 'e')
			return EDIT_KEPT;
	}
}

/* A temporary YAML file holding text, named into path (PATH_MAX bytes), in
 * $TMPDIR, else /tmp. 0, or -1 with nothing left behind. */
static int temp_yaml(char *path, const char *stem, const char *text)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	snprintf(path, PATH_MAX, "%s/digitlab-%s-XXXXXX.yaml", dir && *dir ? dir : "/tmp", stem);
	if ((fd = mkstemps(path, 5)) < 0)
		return -1;
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		unlink(path);
		return -1;
	}
	fputs(text, f);
	if (fclose(f) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* Run id read into r, its YAML in a new temporary file named into path.
 * 0, or -1 with nothing to free (and a message when the file failed). */
static int run_yaml_file(struct app *a, int64_t id, const char *stem, struct store_run *r,
			 char *path)
{
	struct dl_error err;
	int found;

	if (!id || store_get_run(a->store, id, r, &found, &err) != DL_OK || !found)
		return -1;
	if (temp_yaml(path, stem, r->yaml) != 0) {
		app_message(a, "cannot make a temporary file: %s", strerror(errno));
		store_run_free(r);
		return -1;
	}
	return 0;
}

void child_clone_and_edit(struct app *a, int64_t id)
{
	struct sweep_plan plan;
	struct store_run r;
	char path[PATH_MAX];

	if (run_yaml_file(a, id, "clone", &r, path) != 0)
		return;
	term_suspend(a->term);
	switch (edit_until_valid(path, r.yaml, &plan)) {
	case EDIT_VALID:
		queue_plan(a, &plan);
		sweep_plan_free(&plan);
		unlink(path);
		break;
	case EDIT_UNCHANGED:
		app_message(a, "the clone was not changed; nothing queued");
		unlink(path);
		break;
	case EDIT_KEPT:
	case EDIT_FAILED:
		app_message(a, "not queued; kept in %s", path);
		break;
	}
	term_resume(a->term);
	store_run_free(&r);
}

void child_preview_file(struct app *a, const char *path)
{
	char *argv[] = {(char *)a->self, "augment-preview", (char *)path, "4", NULL};
	int ch;

	term_suspend(a->term);
	run_and_wait(argv, "");
	printf("\n-- press Enter to return to the dashboard --");
	fflush(stdout);
	while ((ch = getchar()) != EOF && ch != '\n')
		;
	term_resume(a->term);
}

void child_preview_run(struct app *a, int64_t id)
{
	struct store_run r;
	char path[PATH_MAX];

	if (run_yaml_file(a, id, "preview", &r, path) != 0)
		return;
	child_preview_file(a, path);
	unlink(path);
	store_run_free(&r);
}
