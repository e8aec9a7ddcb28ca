/*
 * modal.h - what sits on top of a view and takes every key until it is
 * answered: a line of input ("filter: "), a question answered by one key
 * ("delete run 12 nb004-cnn? (y/n)"), or a list to pick from (the
 * experiment files). Whoever opens one gives the function that acts on the
 * answer; the modal itself knows nothing of runs or the store.
 */
#ifndef DL_TUI_MODAL_H
#define DL_TUI_MODAL_H

#include <stdint.h>

#include "tui/canvas.h"
#include "tui/keys.h"

enum modal_kind { MODAL_NONE, MODAL_INPUT, MODAL_CHOICE, MODAL_PICK };

struct app;
struct modal;

/* Acts on the answer: key is '\n' for Enter on an input or a pick, else
 * the choice's key (or 'v' on a pick). The modal is closed before the
 * call unless the function reopens it. */
typedef enum key_result (*modal_done)(struct app *a, struct modal *m, int key);

struct modal {
	enum modal_kind kind;
	char ask[200];                  /* the question, before the input */
	char input[512];                /* MODAL_INPUT: what was typed */
	int complete_paths;             /* MODAL_INPUT: Tab completes a path */
	char choices[16];               /* MODAL_CHOICE: the keys that answer */
	char **picks;                   /* MODAL_PICK: the items, owned */
	int n_picks, pick_sel;
	int preview;                    /* MODAL_PICK: v previews the item (done gets 'v') */
	char note[80];                  /* said under the input ("3 matches") */
	int64_t run;                    /* the run it is about; 0: none */
	void *context;                  /* the opener's, for done (a view's state) */
	modal_done done;
};

void modal_input(struct modal *m, const char *ask, const char *initial, modal_done done);
void modal_choice(struct modal *m, const char *ask, const char *choices, modal_done done);
/* The files matching a glob pattern, to pick one, v previewing it; 0 when
 * none matched (nothing opened). */
int modal_pick(struct modal *m, const char *title, const char *pattern, modal_done done);
/* The n items given (copied), to pick one, sel selected first; 0 when
 * there are none (nothing opened). */
int modal_pick_items(struct modal *m, const char *title, const char *const *items, int n,
		     int sel, modal_done done);
void modal_close(struct modal *m);              /* frees the picks; safe twice */

/* A key for the open modal. Esc closes it (q too, on a pick). */
enum key_result modal_key(struct app *a, struct modal *m, int key);

/* The modal over a canvas: an input or a question on the line above the key
 * bar, a pick as a box in the middle. */
void modal_draw(const struct modal *m, struct canvas *c);

#endif
