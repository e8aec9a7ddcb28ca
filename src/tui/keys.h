/*
 * keys.h - what a key press is to the dashboard's handlers, and what they
 * answer (htop's HandlerResult): each handler says what happened, and the
 * loop alone decides what to read and what to draw next.
 */
#ifndef DL_TUI_KEYS_H
#define DL_TUI_KEYS_H

#define KEY_ESCAPE 27

enum key_result {
	KEY_IGNORED,            /* not this handler's key: the next one may take it */
	KEY_HANDLED,            /* taken; nothing on screen changed */
	KEY_REDRAW,             /* taken; draw again */
	KEY_RELOAD,             /* taken; the store or the selection changed: read, then draw */
	KEY_QUIT,               /* leave the dashboard */
};

/* The mouse moved with its left button held (a drag), to (x, y): after a
 * KEY_MOUSE press, before the release. Above every ncurses key code
 * (KEY_MAX is 0777), so a view that knows nothing of drags ignores it. */
#define KEY_MOUSE_DRAG 0x10000

/* One key, or a mouse click at (x, y) when key is KEY_MOUSE (a drag when
 * KEY_MOUSE_DRAG). */
struct key_event {
	int key;
	int x, y;
};

/* Enter, however the terminal sends it. */
int key_is_enter(int key);
/* Backspace, however the terminal sends it. */
int key_is_backspace(int key);

#endif
