/* Keys and clicks change the dashboard's state (dash.h). Actions on runs
 * go to the store as requests, as the command line's do. */
#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/enqueue.h"
#include "tui/dash.h"
#include "util/clock.h"

#define KEY_ESC 27
#define MESSAGE_SECONDS 4.0

void dash_message(struct dash *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->message, sizeof d->message, fmt, ap);
	va_end(ap);
	d->message_until = clock_seconds() + MESSAGE_SECONDS;
	d->dirty = 1;
}

/* The run the keys act on: the selected row, or the open run. */
static int64_t current_run(const struct dash *d)
{
	if (d->screen == SCREEN_RUN)
		return d->detail.id;
	if ((d->screen == SCREEN_OVERVIEW || d->screen == SCREEN_RUNS) && d->sel < d->n_view)
		return d->rows[d->view[d->sel]].id;
	return 0;
}

static void go(struct dash *d, enum dash_screen s)
{
	if (s == SCREEN_HELP && d->screen != SCREEN_HELP) {
		d->back = d->screen;
		d->scroll = 0;
	}
	if ((d->screen == SCREEN_OVERVIEW) != (s == SCREEN_OVERVIEW) && s != SCREEN_RUN &&
	    s != SCREEN_HELP && s != SCREEN_COMPARE)
		d->sel = d->top = 0;
	if (s == SCREEN_RUN || s == SCREEN_COMPARE)
		d->back = d->screen == SCREEN_HELP ? d->back : d->screen;
	d->screen = s;
	dash_build_view(d);
	d->dirty = 1;
}

static void open_run(struct dash *d, int64_t id)
{
	if (!id)
		return;
	dash_load_detail(d, id);
	d->conf_t = d->conf_p = -1;
	d->digit_sel = d->scroll = 0;
	go(d, SCREEN_RUN);
}

static void request(struct dash *d, enum store_request req, const char *done)
{
	int64_t id = current_run(d);
	struct dl_error err;
	int changed;

	if (!id)
		return;
	if (store_request(d->store, id, req, &changed, &err) != DL_OK)
		dash_message(d, "%s", err.msg);
	else if (changed)
		dash_message(d, "run %lld: %s", (long long)id, done);
	else
		dash_message(d, "run %lld is %s: nothing to do", (long long)id,
			     dash_row(d, id) ? store_status_name(dash_row(d, id)->status) : "gone");
}

static void toggle_pause(struct dash *d)
{
	const struct store_row *r = dash_row(d, current_run(d));

	if (!r)
		return;
	if (r->status == STORE_PAUSED)
		request(d, STORE_REQUEST_RESUME, "resumed");
	else
		request(d, STORE_REQUEST_PAUSE, "paused");
}

static void change_priority(struct dash *d, int by)
{
	const struct store_row *r = dash_row(d, current_run(d));
	struct dl_error err;

	if (r && store_set_priority(d->store, r->id, r->priority + by, &err) != DL_OK)
		dash_message(d, "%s", err.msg);
	else if (r)
		dash_message(d, "run %lld: priority %d", (long long)r->id, r->priority + by);
}

static void toggle_queue(struct dash *d)
{
	struct dl_error err;
	int rc = d->queue_paused ? store_resume_queue(d->store, &err) : store_pause_queue(d->store, &err);

	if (rc != DL_OK)
		dash_message(d, "%s", err.msg);
	else
		dash_message(d, "the queue is %s", d->queue_paused ? "running again" : "paused");
}

static void toggle_mark(struct dash *d)
{
	int64_t id = current_run(d);

	for (int i = 0; i < d->n_marked; i++)
		if (d->marked[i] == id) {
			d->marked[i] = d->marked[--d->n_marked];
			return;
		}
	if (id && d->n_marked < 8)
		d->marked[d->n_marked++] = id;
}

/* ---- queueing ---- */

/* Queue a checked plan, saying what was queued. */
static void queue_plan(struct dash *d, struct sweep_plan *plan)
{
	struct enqueue_opts o = {.threads = 1};
	struct dl_error err;
	int64_t first, last, sweep;

	if (enqueue_queue(d->store, plan, &o, &first, &last, &sweep, &err) != DL_OK)
		dash_message(d, "%s", err.msg);
	else if (plan->n == 1)
		dash_message(d, "queued run %lld %s", (long long)first, plan->runs[0].exp.name);
	else
		dash_message(d, "queued sweep %lld: runs %lld-%lld", (long long)sweep,
			     (long long)first, (long long)last);
}

/* Check a file and queue its runs, or say what is wrong with it. */
static void enqueue_file(struct dash *d, const char *path)
{
	struct enqueue_opts o = {.threads = 1};
	struct sweep_plan plan;
	struct dl_error err;

	dl_error_clear(&err);
	if (enqueue_plan(&plan, path, &o, &err) != DL_OK) {
		char msg[1200];

		dl_error_format(&err, msg, sizeof msg);
		dash_message(d, "%s", msg);
		return;
	}
	queue_plan(d, &plan);
	sweep_plan_free(&plan);
}

static void free_picks(struct dash *d)
{
	for (int i = 0; i < d->n_picks; i++)
		free(d->picks[i]);
	free(d->picks);
	d->picks = NULL;
	d->n_picks = 0;
}

static void open_picker(struct dash *d)
{
	char pattern[4200];
	glob_t g;

	free_picks(d);
	snprintf(pattern, sizeof pattern, "%s/*.yaml", d->opts->experiments_dir);
	if (glob(pattern, 0, NULL, &g) != 0) {
		dash_message(d, "no experiment files in %s/; A asks for a path",
			     d->opts->experiments_dir);
		return;
	}
	d->picks = calloc(g.gl_pathc, sizeof *d->picks);
	for (size_t i = 0; d->picks && i < g.gl_pathc; i++)
		d->picks[d->n_picks++] = strdup(g.gl_pathv[i]);
	globfree(&g);
	d->pick_sel = 0;
	d->prompt = PROMPT_PICK;
}

/* Tab in the path prompt: complete to the longest common prefix of the
 * matching paths. */
static void complete_path(struct dash *d)
{
	char pattern[600];
	glob_t g;
	size_t common;

	snprintf(pattern, sizeof pattern, "%s*", d->input);
	if (glob(pattern, GLOB_MARK, NULL, &g) != 0)
		return;
	common = strlen(g.gl_pathv[0]);
	for (size_t i = 1; i < g.gl_pathc; i++) {
		size_t k = 0;

		while (k < common && g.gl_pathv[i][k] == g.gl_pathv[0][k])
			k++;
		common = k;
	}
	if (common < sizeof d->input)
		snprintf(d->input, common + 1, "%s", g.gl_pathv[0]);
	if (g.gl_pathc > 1)
		dash_message(d, "%zu matches", g.gl_pathc);
	globfree(&g);
}

/* ---- leaving curses for a child program ---- */

/* Run argv (no shell: nothing typed reaches one) with the terminal given
 * back, and wait for it. */
static int run_child(struct dash *d, char *const argv[], int wait_enter)
{
	pid_t pid;
	int status = -1;

	term_suspend(&d->term);
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "digitlab: cannot run %s\n", argv[0]);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (wait_enter) {
		int ch;

		printf("\n-- press Enter to return to the dashboard --");
		fflush(stdout);
		while ((ch = getchar()) != EOF && ch != '\n')
			;
	}
	term_resume(&d->term);
	d->dirty = 1;
	return status;
}

/* The user's editor as argv: $VISUAL, else $EDITOR, else vi, split at
 * blanks so that "emacs -nw" or "code --wait" work, with path last. No
 * shell reads it. Returns the number of words, at most max - 2. */
static int editor_argv(char *words, size_t size, char **argv, int max, const char *path)
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
	return n - 1;
}

/* Run the editor on path and wait for it, in the terminal as it was
 * before curses. Returns its exit status, -1 if it could not run. */
static int run_editor(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "digitlab: cannot run the editor %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The whole of a small file, or NULL. The caller frees it. */
static char *read_small_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t n = 0, cap = 0, got;
	char buf[4096];

	if (!f)
		return NULL;
	while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
		char *grown;

		if (n + got + 1 > cap) {
			cap = (n + got + 1) * 2;
			if (!(grown = realloc(text, cap))) {
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

/* Ask on the plain terminal; returns the first character typed. */
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

enum edit_outcome { EDIT_VALID, EDIT_UNCHANGED, EDIT_KEPT, EDIT_FAILED };

/* Edit path until it is an experiment that can be queued (plan filled),
 * the user leaves it unchanged, or gives up on an invalid one, which is
 * then kept: an edit is never thrown away. Like `crontab -e`, an error is
 * shown under the editor with the choice to edit again. */
static enum edit_outcome edit_until_valid(const char *path, const char *original,
					  struct sweep_plan *plan)
{
	struct enqueue_opts o = {.threads = 1};
	char words[512], *argv[16];
	struct dl_error err;
	char msg[1200];

	editor_argv(words, sizeof words, argv, 16, path);
	for (;;) {
		char *text;
		int same;

		if (run_editor(argv) != 0) {
			printf("\nThe editor %s failed.\n", argv[0]);
			if (ask_line("e edit again, anything else gives up (the file is kept): ") == 'e')
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
		if (ask_line("e edit again, anything else gives up (the file is kept): ") != 'e')
			return EDIT_KEPT;
	}
}

/* A temporary YAML file holding text, named into path (PATH_MAX bytes).
 * In $TMPDIR, else /tmp. Returns 0, or -1 with nothing left behind. */
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

/* The selected run, loaded into r, with its YAML in a new temporary file
 * named into path (PATH_MAX bytes). 0 on success; -1 with nothing to free
 * when there is no run, or with a message when the file cannot be made. */
static int current_run_yaml(struct dash *d, const char *stem, struct store_run *r, char *path)
{
	int64_t id = current_run(d);
	struct dl_error err;
	int found;

	if (!id || store_get_run(d->store, id, r, &found, &err) != DL_OK || !found)
		return -1;
	if (temp_yaml(path, stem, r->yaml) != 0) {
		dash_message(d, "cannot make a temporary file: %s", strerror(errno));
		store_run_free(r);
		return -1;
	}
	return 0;
}

/* Clone the run: its YAML in a temporary file, the editor on it, then
 * queue it. An unchanged clone is not queued (r retries a run); an invalid
 * edit the user gives up on is kept, and the message says where. */
static void clone_and_edit(struct dash *d)
{
	struct sweep_plan plan;
	struct store_run r;
	char path[PATH_MAX];

	if (current_run_yaml(d, "clone", &r, path) != 0)
		return;
	term_suspend(&d->term);
	switch (edit_until_valid(path, r.yaml, &plan)) {
	case EDIT_VALID:
		queue_plan(d, &plan);
		sweep_plan_free(&plan);
		unlink(path);
		break;
	case EDIT_UNCHANGED:
		dash_message(d, "the clone was not changed; nothing queued");
		unlink(path);
		break;
	case EDIT_KEPT:
	case EDIT_FAILED:
		dash_message(d, "not queued; kept in %s", path);
		break;
	}
	term_resume(&d->term);
	d->dirty = 1;
	store_run_free(&r);
}

/* `digitlab augment-preview FILE 4`, with the terminal given back. */
static void preview_file(struct dash *d, const char *path)
{
	char *argv[] = {(char *)d->opts->self, "augment-preview", (char *)path, "4", NULL};

	run_child(d, argv, 1);
}

/* The run's augmentation: its YAML in a temporary file, previewed. */
static void preview_augment(struct dash *d)
{
	struct store_run r;
	char path[PATH_MAX];

	if (current_run_yaml(d, "preview", &r, path) != 0)
		return;
	preview_file(d, path);
	unlink(path);
	store_run_free(&r);
}

/* ---- prompts ---- */

static void finish_prompt(struct dash *d)
{
	int64_t id = current_run(d);
	struct dl_error err;
	int rc = DL_OK;

	switch (d->prompt) {
	case PROMPT_FILTER:
		snprintf(d->filter, sizeof d->filter, "%.63s", d->input);
		d->sel = d->top = 0;
		dash_build_view(d);
		break;
	case PROMPT_PATH:
		enqueue_file(d, d->input);
		break;
	case PROMPT_TAG:
		if (id && d->input[0] && (rc = store_tag(d->store, id, d->input, &err)) == DL_OK)
			dash_message(d, "run %lld tagged %s", (long long)id, d->input);
		break;
	case PROMPT_NOTE:
		if (id && (rc = store_note(d->store, id, d->input[0] ? d->input : NULL, &err)) == DL_OK)
			dash_message(d, "run %lld: note kept", (long long)id);
		break;
	case PROMPT_EXPORT:
		dash_export_csv(d, d->input);
		break;
	case PROMPT_TAG_FILTER:
		snprintf(d->tag_filter, sizeof d->tag_filter, "%.63s", d->input);
		d->sel = d->top = 0;
		dash_reload_rows(d);
		break;
	default:
		break;
	}
	if (rc != DL_OK)
		dash_message(d, "%s", err.msg);
	d->prompt = PROMPT_NONE;
	d->input[0] = '\0';
}

static void prompt_key(struct dash *d, int key)
{
	size_t n = strlen(d->input);

	if (key == KEY_ESC) {
		d->prompt = PROMPT_NONE;
		d->input[0] = '\0';
	} else if (key == '\n' || key == KEY_ENTER || key == '\r') {
		finish_prompt(d);
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (n)
			d->input[n - 1] = '\0';
	} else if (key == '\t' && d->prompt == PROMPT_PATH) {
		complete_path(d);
	} else if (key >= 32 && key < 127 && n + 1 < sizeof d->input) {
		d->input[n] = (char)key;
		d->input[n + 1] = '\0';
	}
	d->dirty = 1;
}

static void picker_key(struct dash *d, int key)
{
	if (key == KEY_ESC || key == 'q') {
		d->prompt = PROMPT_NONE;
	} else if ((key == KEY_DOWN || key == 'j') && d->pick_sel + 1 < d->n_picks) {
		d->pick_sel++;
	} else if ((key == KEY_UP || key == 'k') && d->pick_sel > 0) {
		d->pick_sel--;
	} else if (key == KEY_HOME || key == 'g') {
		d->pick_sel = 0;
	} else if (key == KEY_END || key == 'G') {
		d->pick_sel = d->n_picks ? d->n_picks - 1 : 0;
	} else if (key == '\n' || key == KEY_ENTER || key == '\r') {
		d->prompt = PROMPT_NONE;
		if (d->pick_sel < d->n_picks)
			enqueue_file(d, d->picks[d->pick_sel]);
	} else if (key == 'v' && d->pick_sel < d->n_picks) {
		preview_file(d, d->picks[d->pick_sel]);
	}
	d->dirty = 1;
}

static void start_prompt(struct dash *d, enum prompt_kind kind, const char *initial)
{
	d->prompt = kind;
	snprintf(d->input, sizeof d->input, "%s", initial ? initial : "");
	d->dirty = 1;
}

/* ---- moving ---- */

static void move_list(struct dash *d, int by)
{
	d->sel += by;
	if (d->sel >= d->n_view)
		d->sel = d->n_view - 1;
	if (d->sel < 0)
		d->sel = 0;
}

static void move_run(struct dash *d, int dx, int dy)
{
	if (d->tab == TAB_CONFUSION && d->detail.k) {
		if (d->conf_t < 0)
			d->conf_t = d->conf_p = 0;
		d->conf_t = (d->conf_t + dy + d->detail.k) % d->detail.k;
		d->conf_p = (d->conf_p + dx + d->detail.k) % d->detail.k;
	} else if (d->tab == TAB_DIGITS && d->detail.n_samples) {
		d->digit_sel += dx + dy * 4;
		if (d->digit_sel < 0)
			d->digit_sel = 0;
		if (d->digit_sel >= d->detail.n_samples)
			d->digit_sel = d->detail.n_samples - 1;
	} else {
		d->scroll += dy;
		if (d->scroll < 0)
			d->scroll = 0;
	}
}

static void set_tab(struct dash *d, int tab)
{
	d->tab = (enum run_tab)((tab + TAB_COUNT) % TAB_COUNT);
	d->scroll = 0;
	if (d->tab == TAB_MODEL)
		dash_load_summary(d);
	if (d->tab == TAB_WEIGHTS)
		dash_load_weights(d);
}

static int page(const struct dash *d)
{
	return d->term.h > 8 ? d->term.h - 6 : 1;
}

static void cycle_status_filter(struct dash *d)
{
	d->status_filter = d->status_filter + 1 > (int)STORE_PAUSED ? -1 : d->status_filter + 1;
	d->sel = d->top = 0;
	dash_build_view(d);
}

static void click(struct dash *d, int mx, int my)
{
	int row;

	if (d->screen == SCREEN_OVERVIEW || d->screen == SCREEN_RUNS) {
		row = d->top + my - (d->screen == SCREEN_OVERVIEW ? 2 : 3);
		if (row < 0 || row >= d->n_view)
			return;
		if (row == d->sel)
			open_run(d, current_run(d));
		else
			d->sel = row;
	} else if (d->screen == SCREEN_RUN && dash_hit(&d->conf_hit, mx, my) >= 0) {
		int cell = dash_hit(&d->conf_hit, mx, my);

		d->conf_t = cell / d->conf_hit.cols;
		d->conf_p = cell % d->conf_hit.cols;
	} else if (d->screen == SCREEN_RUN && dash_hit(&d->digits_hit, mx, my) >= 0) {
		d->digit_sel = dash_hit(&d->digits_hit, mx, my);
	} else if (d->screen == SCREEN_RUN && my == d->tab_y) {
		for (int t = 0; t < TAB_COUNT; t++)
			if (mx >= d->tab_x[t] && mx < d->tab_x[t + 1] - 1)
				set_tab(d, t);
	}
}

/* Keys that act on a run, wherever one is selected. */
static int run_key(struct dash *d, int key)
{
	switch (key) {
	case 'c': request(d, STORE_REQUEST_CANCEL, "cancelled"); return 1;
	case 's': request(d, STORE_REQUEST_STOP, "stopping after its epoch"); return 1;
	case 'p': toggle_pause(d); return 1;
	case 'r': request(d, STORE_REQUEST_RETRY, "queued again"); return 1;
	case '+': change_priority(d, 1); return 1;
	case '-': change_priority(d, -1); return 1;
	case 't': if (current_run(d)) start_prompt(d, PROMPT_TAG, NULL); return 1;
	case 'n': if (current_run(d)) start_prompt(d, PROMPT_NOTE, NULL); return 1;
	case 'd': if (current_run(d)) start_prompt(d, PROMPT_CONFIRM_DELETE, NULL); return 1;
	case 'E': clone_and_edit(d); return 1;
	case 'v': preview_augment(d); return 1;
	default: return 0;
	}
}

static void delete_key(struct dash *d, int key)
{
	int64_t id = current_run(d);
	struct dl_error err;

	d->prompt = PROMPT_NONE;
	if (key != 'y' || !id)
		return;
	if (store_rm_run(d->store, id, &err) != DL_OK) {
		dash_message(d, "%s", err.msg);
		return;
	}
	dash_message(d, "run %lld removed", (long long)id);
	if (d->screen == SCREEN_RUN)
		go(d, d->back == SCREEN_RUN ? SCREEN_OVERVIEW : d->back);
}

static void list_key(struct dash *d, int key)
{
	switch (key) {
	case KEY_UP: case 'k': move_list(d, -1); break;
	case KEY_DOWN: case 'j': move_list(d, 1); break;
	case KEY_PPAGE: move_list(d, -page(d)); break;
	case KEY_NPAGE: move_list(d, page(d)); break;
	case KEY_HOME: d->sel = 0; break;
	case KEY_END: d->sel = d->n_view - 1; break;
	case '\n': case '\r': case KEY_ENTER: open_run(d, current_run(d)); break;
	case '/': if (d->screen == SCREEN_RUNS) start_prompt(d, PROMPT_FILTER, d->filter); break;
	case 'f': if (d->screen == SCREEN_RUNS) cycle_status_filter(d); break;
	case 'T': if (d->screen == SCREEN_RUNS) start_prompt(d, PROMPT_TAG_FILTER, d->tag_filter); break;
	case 'S': d->sort = (enum store_sort)((d->sort + 1) % (STORE_SORT_CREATED + 1));
		dash_build_view(d); break;
	case 'i': d->sort_desc = !d->sort_desc; dash_build_view(d); break;
	case 'g': d->group = !d->group; d->sel = d->top = 0; dash_build_view(d); break;
	case ' ': toggle_mark(d); move_list(d, 1); break;
	case 'C': go(d, SCREEN_COMPARE); break;
	case 'e': start_prompt(d, PROMPT_EXPORT, "runs.csv"); break;
	default: run_key(d, key); break;
	}
}

/* The confusion and digits of the validation set, or back to the test set's. */
static void toggle_split(struct dash *d)
{
	if (!d->show_val && !d->detail.has_val) {
		dash_message(d, "run %lld kept no validation analysis (no validation set, or "
			     "not done)", (long long)d->detail.id);
		return;
	}
	d->show_val = !d->show_val;
	d->conf_t = d->conf_p = -1;
	d->digit_sel = 0;
	dash_load_detail(d, d->detail.id);
	dash_message(d, "showing the %s set", d->show_val ? "validation" : "test");
}

static void run_screen_key(struct dash *d, int key)
{
	switch (key) {
	case KEY_LEFT: case 'h': move_run(d, -1, 0); break;
	case KEY_RIGHT: case 'l': move_run(d, 1, 0); break;
	case KEY_UP: case 'k': move_run(d, 0, -1); break;
	case KEY_DOWN: case 'j': move_run(d, 0, 1); break;
	case KEY_NPAGE: d->scroll += page(d); break;
	case KEY_PPAGE: d->scroll = d->scroll > page(d) ? d->scroll - page(d) : 0; break;
	case '\t': set_tab(d, d->tab + 1); break;
	case KEY_BTAB: set_tab(d, d->tab - 1); break;
	case 'm': d->chart_metric = !d->chart_metric; break;
	case 'z': d->smooth = d->smooth == 0 ? 3 : d->smooth == 3 ? 9 : 0; break;
	case 'V': toggle_split(d); break;
	case KEY_ESC: case KEY_BACKSPACE: case 127:
		go(d, d->back == SCREEN_RUN ? SCREEN_OVERVIEW : d->back); break;
	default:
		if (key >= '1' && key < '1' + TAB_COUNT)
			set_tab(d, key - '1');
		else
			run_key(d, key);
		break;
	}
}

/* Keys every screen shares; 1 when taken. */
static int global_key(struct dash *d, int key)
{
	switch (key) {
	case '?': case KEY_F(1): go(d, d->screen == SCREEN_HELP ? d->back : SCREEN_HELP); return 1;
	case 'O': go(d, SCREEN_OVERVIEW); return 1;
	case 'L': go(d, SCREEN_RUNS); return 1;
	case 'a': open_picker(d); return 1;
	case 'A': start_prompt(d, PROMPT_PATH, ""); return 1;
	case 'P': toggle_queue(d); return 1;
	case 'q':
		if (d->screen == SCREEN_HELP)
			go(d, d->back);
		else
			dash_request_quit(d);
		return 1;
	default: return 0;
	}
}

void dash_key(struct dash *d, int key, int mx, int my)
{
	d->dirty = 1;
	if (d->prompt == PROMPT_PICK) {
		picker_key(d, key);
		return;
	}
	if (d->prompt == PROMPT_CONFIRM_DELETE) {
		delete_key(d, key);
		return;
	}
	if (d->prompt == PROMPT_QUIT) {
		dash_quit_key(d, key);
		return;
	}
	if (d->prompt != PROMPT_NONE) {
		prompt_key(d, key);
		return;
	}
	if (key == KEY_MOUSE) {
		click(d, mx, my);
		return;
	}
	if (key == KEY_RESIZE || global_key(d, key))
		return;
	switch (d->screen) {
	case SCREEN_OVERVIEW: case SCREEN_RUNS: list_key(d, key); break;
	case SCREEN_RUN: run_screen_key(d, key); break;
	case SCREEN_COMPARE: case SCREEN_HELP:
		if (key == KEY_ESC || key == KEY_BACKSPACE || key == 127)
			go(d, d->back == d->screen ? SCREEN_OVERVIEW : d->back);
		else if (key == 'x' && d->screen == SCREEN_COMPARE)
			d->compare_confusion = !d->compare_confusion;
		else if (key == 'V' && d->screen == SCREEN_COMPARE)
			d->show_val = !d->show_val;
		else if (key == KEY_DOWN || key == 'j' || key == KEY_NPAGE)
			d->scroll += key == KEY_NPAGE ? page(d) : 1;
		else if ((key == KEY_UP || key == 'k' || key == KEY_PPAGE) && d->scroll > 0)
			d->scroll -= key == KEY_PPAGE && d->scroll > page(d) ? page(d) : 1;
		break;
	}
}
