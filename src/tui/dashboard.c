/*
 * The dashboard's loop (htop's ScreenManager_run): a key goes to the modal,
 * else to the keys every view shares, else to the shown view, and the
 * answer says what follows. Reading the store (update) is apart from
 * drawing: the store is read when its data_version moves, when the view
 * changes, or when a key answered KEY_RELOAD; the screen is drawn at most
 * ten times a second and only when something changed (SSH links are slow).
 *
 * When no serve holds the store, the dashboard trains the queue itself
 * through the same serve code (run/serve.h), on a thread that writes
 * nothing of the dashboard's.
 */
#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/serve.h"
#include "tui/dashboard.h"
#include "tui/actions.h"
#include "tui/views.h"
#include "util/clock.h"

#define DRAW_PERIOD 0.1         /* at most ten redraws a second */
#define POLL_PERIOD 0.25        /* PRAGMA data_version is read this often */
#define KEY_TIMEOUT_MS 100
#define CPU_PERIOD 1.0
#define LOCK_RETRY 2.0          /* seconds between looks at a held store lock */

struct dashboard {
	struct app app;
	struct term term;
	struct serve_thread serve;
	int training_here;              /* serve is ours */
	int workers;                    /* in-process workers asked for; 0: one per core */
	double last_lock_try, last_poll, last_draw, last_cpu;
	int64_t data_version;
	unsigned long long cpu_total, cpu_busy;
	int dirty;                      /* something changed: draw */
	int running;
	int waiting_to_quit;            /* w: quit once the runs here end */
	enum view_id shown;             /* the view whose state is current */

	struct overview_state overview;
	struct runs_state runs;
	struct run_state run;
	struct compare_state compare;
	struct help_state help;
	struct sweep_state sweep;
	struct pad_state pad;
};

static const struct view_ops *const view_table[VIEW_COUNT] = {
	[VIEW_OVERVIEW] = &overview_view, [VIEW_RUNS] = &runs_view, [VIEW_RUN] = &run_view,
	[VIEW_COMPARE] = &compare_view, [VIEW_HELP] = &help_view, [VIEW_SWEEP] = &sweep_view,
	[VIEW_PAD] = &pad_view,
};

static void *view_state(struct dashboard *d, enum view_id v)
{
	switch (v) {
	case VIEW_OVERVIEW: return &d->overview;
	case VIEW_RUNS: return &d->runs;
	case VIEW_RUN: return &d->run;
	case VIEW_COMPARE: return &d->compare;
	case VIEW_SWEEP: return &d->sweep;
	case VIEW_PAD: return &d->pad;
	default: return &d->help;
	}
}

/* ---- training here ---- */

/* Train the queue here when no serve holds the store; else say whose it is. */
static void try_training_here(struct dashboard *d)
{
	struct app *a = &d->app;
	struct dl_error err;

	d->last_lock_try = clock_seconds();
	switch (serve_thread_start(&d->serve, a->store_dir, d->workers, &err)) {
	case SERVE_LOCK_HELD:
		d->training_here = 1;
		snprintf(a->workers, sizeof a->workers, "workers: %d in-process", d->serve.workers);
		d->dirty = 1;
		break;
	case SERVE_LOCK_TAKEN:
		if (d->serve.lock_file.holder_pid > 0)
			snprintf(a->workers, sizeof a->workers, "workers: serve pid %ld",
				 d->serve.lock_file.holder_pid);
		else
			snprintf(a->workers, sizeof a->workers, "workers: another serve");
		break;
	default:
		snprintf(a->workers, sizeof a->workers, "workers: none");
		app_message(a, "cannot train here: %s", err.msg);
		break;
	}
}

/* Runs training in this process. */
static int busy_here(const struct dashboard *d)
{
	size_t len = strlen(d->serve.setup.name);
	int n = 0;

	for (int i = 0; d->training_here && i < d->app.n_rows; i++)
		n += d->app.rows[i].status == STORE_RUNNING &&
		     !strncmp(d->app.rows[i].worker, d->serve.setup.name, len) &&
		     d->app.rows[i].worker[len] == ':';
	return n;
}

static void stop_training_here(struct dashboard *d)
{
	if (!d->training_here)
		return;
	serve_thread_stop(&d->serve);
	d->training_here = 0;
}

/* ---- quitting ---- */

/* Hand the queue to a background serve: interrupt the runs here (they
 * resume from their checkpoints), let go of the lock, start the serve. */
static void hand_to_serve(struct dashboard *d)
{
	char *argv[] = {(char *)d->app.self, "serve", "--detach", NULL};
	pid_t pid;
	int status;

	stop_training_here(d);
	term_stop(&d->term);
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
}

static enum key_result quit_answer(struct app *a, struct modal *m, int key)
{
	struct dashboard *d = m->context;

	switch (key) {
	case 'b':
		hand_to_serve(d);
		return KEY_QUIT;
	case 'w':
		serve_thread_hold(&d->serve);
		d->waiting_to_quit = 1;
		app_message(a, "waiting for the runs here to finish; nothing new starts");
		return KEY_REDRAW;
	case 'i':
		return KEY_QUIT;        /* stop_training_here interrupts them on the way out */
	default:
		return KEY_REDRAW;
	}
}

static enum key_result ask_quit(struct dashboard *d)
{
	app_reload(&d->app);    /* a run may have started since the last poll */
	if (!busy_here(d))
		return KEY_QUIT;
	modal_choice(&d->app.modal, "runs are training here: [b]ackground serve, [w]ait, "
		     "[i]nterrupt, [Esc] stay ", "bwi", quit_answer);
	d->app.modal.context = d;
	return KEY_REDRAW;
}

/* ---- keys ---- */

/* Keys every view shares. */
static enum key_result global_key(struct dashboard *d, int key)
{
	struct app *a = &d->app;

	switch (key) {
	case '?': case KEY_F(1):
		if (a->view == VIEW_HELP)
			app_go_back(a);
		else
			app_go(a, VIEW_HELP);
		return KEY_RELOAD;
	case 'O': case 'L':
		a->point_sweep = 0;     /* the lists show every run again */
		app_go(a, key == 'O' ? VIEW_OVERVIEW : VIEW_RUNS);
		return KEY_RELOAD;
	case 'a': return action_pick_file(a);
	case 'A': return action_ask_path(a);
	case 'P': return action_toggle_queue(a);
	case 'q': return a->view == VIEW_HELP ? KEY_IGNORED : ask_quit(d);
	case KEY_ESCAPE: case KEY_BACKSPACE: case 127:
		if (a->view == VIEW_OVERVIEW || (a->view == VIEW_RUNS && !a->point_sweep))
			return KEY_HANDLED;
		app_go_back(a);
		return KEY_RELOAD;
	default:
		return KEY_IGNORED;
	}
}

static enum key_result dispatch(struct dashboard *d, const struct key_event *k)
{
	struct app *a = &d->app;
	enum key_result r;

	if (a->modal.kind != MODAL_NONE)
		return modal_key(a, &a->modal, k->key);
	if (k->key == KEY_RESIZE)
		return KEY_REDRAW;
	if (k->key != KEY_MOUSE && (r = global_key(d, k->key)) != KEY_IGNORED)
		return r;
	r = view_table[a->view]->key(a, view_state(d, a->view), k);
	if (r == KEY_IGNORED && k->key == 'q' && a->view == VIEW_HELP) {
		app_go_back(a);
		return KEY_RELOAD;
	}
	return r;
}

/* ---- reading the store ---- */

/* The shown view's state, entered when the view changed, else updated. */
static void update_view(struct dashboard *d)
{
	struct app *a = &d->app;

	if (a->view != d->shown) {
		d->shown = a->view;
		view_table[a->view]->enter(a, view_state(d, a->view));
	} else {
		view_table[a->view]->update(a, view_state(d, a->view));
	}
	d->dirty = 1;
}

static void reload(struct dashboard *d)
{
	app_reload(&d->app);
	d->shown = VIEW_COUNT;  /* enter again: its update may depend on new rows */
	update_view(d);
}

/* The store changed under us (another process committed): read it again. */
static void poll_store(struct dashboard *d, double now)
{
	int64_t v;

	if (now - d->last_poll < POLL_PERIOD)
		return;
	d->last_poll = now;
	v = store_data_version(d->app.store);
	if (v == d->data_version)
		return;
	d->data_version = v;
	app_reload(&d->app);
	update_view(d);
}

/* CPU use for the header: the machine's, from /proc/stat. */
static void sample_cpu(struct dashboard *d)
{
	unsigned long long v[8] = {0}, busy, total;
	FILE *f = fopen("/proc/stat", "r");
	int got;

	if (!f)
		return;
	got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		     &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (got < 4)
		return;
	total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	busy = total - v[3] - v[4];
	if (d->cpu_total > 0 && total > d->cpu_total) {
		double pct = 100.0 * (double)(busy - d->cpu_busy) / (double)(total - d->cpu_total);

		d->dirty |= (int)pct != (int)d->app.cpu_percent;
		d->app.cpu_percent = pct;
	}
	d->cpu_total = total;
	d->cpu_busy = busy;
}

/* Everything that happens without a key: the store, the clock, the pool. */
static void tick(struct dashboard *d, double now)
{
	struct app *a = &d->app;
	char said[256];

	if (now - d->last_cpu >= CPU_PERIOD) {
		d->last_cpu = now;
		sample_cpu(d);
	}
	poll_store(d, now);
	d->dirty |= app_expire_message(a, now);
	if (d->training_here && serve_thread_message(&d->serve, said, sizeof said)) {
		app_message(a, "%s", said);
		d->dirty = 1;
	}
	if (d->waiting_to_quit && !busy_here(d))
		d->running = 0;
	/* the serve that held the store may have gone: take over */
	if (!d->training_here && !d->waiting_to_quit && now - d->last_lock_try >= LOCK_RETRY)
		try_training_here(d);
}

/* ---- drawing ---- */

static void draw(struct dashboard *d, struct canvas *c)
{
	struct app *a = &d->app;

	canvas_clear(c);
	if (chrome_too_small(c))
		return;
	chrome_header(a, c);
	view_table[a->view]->draw(a, view_state(d, a->view), c);
	chrome_message(a, c);
	modal_draw(&a->modal, c);
}

/* ---- the loop ---- */

static struct term *fatal_term;
static volatile sig_atomic_t hangup;

/* SIGHUP (the SSH link dropped) or SIGTERM: leave the loop, so that the
 * runs training here are interrupted cleanly and resume on the next start. */
static void on_hangup(int sig)
{
	(void)sig;
	hangup = 1;
}

/* A crash must not leave the terminal raw. */
static void on_fatal(int sig)
{
	if (fatal_term)
		term_stop(fatal_term);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void handle(struct dashboard *d, enum key_result r)
{
	switch (r) {
	case KEY_REDRAW: d->dirty = 1; break;
	case KEY_RELOAD: reload(d); break;
	case KEY_QUIT: d->running = 0; break;
	default: break;
	}
	if (d->app.view != d->shown)
		update_view(d);
}

static void loop(struct dashboard *d)
{
	struct canvas *c = term_canvas(&d->term);

	while (d->running && c && !hangup) {
		struct key_event k = {0};
		double now;

		k.key = term_key(&d->term, &k.x, &k.y);
		if (k.key != ERR)
			handle(d, dispatch(d, &k));
		if (k.key == KEY_RESIZE)
			d->dirty = 1;
		now = clock_seconds();
		tick(d, now);
		if (!d->dirty || now - d->last_draw < DRAW_PERIOD || !d->running)
			continue;
		if (c->w != d->term.w || c->h != d->term.h) {
			canvas_free(c);
			if (!(c = term_canvas(&d->term)))
				break;
		}
		draw(d, c);
		term_draw(&d->term, c);
		d->last_draw = now;
		d->dirty = 0;
	}
	canvas_free(c);
}

static void store_dir_of(struct app *a)
{
	char *slash;

	snprintf(a->store_dir, sizeof a->store_dir, "%s", store_path(a->store));
	if ((slash = strrchr(a->store_dir, '/')))
		*slash = '\0';
}

static void free_views(struct dashboard *d)
{
	for (int v = 0; v < VIEW_COUNT; v++)
		view_table[v]->free(view_state(d, v));
}

int dashboard_run(const struct dashboard_opts *o, struct dl_error *err)
{
	static struct dashboard dashboard;
	struct dashboard *d = &dashboard;
	struct app *a = &d->app;
	char why[256];

	memset(d, 0, sizeof *d);
	a->experiments_dir = o->experiments_dir;
	a->self = o->self;
	d->workers = o->workers;
	a->term = &d->term;
	d->runs.status = -1;
	d->run.conf_t = d->run.conf_p = -1;
	d->running = d->dirty = 1;
	d->shown = VIEW_COUNT;
	d->data_version = -1;
	snprintf(a->workers, sizeof a->workers, "workers: none");
	if (store_open(&a->store, NULL, err) != DL_OK)
		return DL_ERR;
	store_dir_of(a);
	if (store_health(a->store, a->store_warning, sizeof a->store_warning) == STORE_HEALTHY)
		a->store_warning[0] = '\0';
	if (term_start(&d->term, o->ascii, KEY_TIMEOUT_MS, why, sizeof why) != 0) {
		store_close(a->store);
		return dl_error_set(err, "%s", why);
	}
	fatal_term = &d->term;
	signal(SIGSEGV, on_fatal);
	signal(SIGABRT, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGHUP, on_hangup);
	signal(SIGTERM, on_hangup);
	try_training_here(d);
	d->data_version = store_data_version(a->store);
	reload(d);
	loop(d);
	stop_training_here(d);
	term_stop(&d->term);
	fatal_term = NULL;
	free_views(d);
	app_free(a);
	store_close(a->store);
	return DL_OK;
}
