/*
 * suggest.h - "did you mean ...?": the name of a list closest to a word
 * someone mistyped, by edit distance (case-insensitive).
 *
 * A name is offered only when it is close: at most 3 edits, and at most
 * half the length of the longer word, so that "trian" finds "train" but
 * "x" finds nothing.
 */
#ifndef DL_UTIL_SUGGEST_H
#define DL_UTIL_SUGGEST_H

/* Edits (insert, delete, substitute) from a to b, ignoring case; 1000 for
 * words longer than 60 bytes. */
int suggest_distance(const char *a, const char *b);

/* The closest name of a NULL-terminated table, or NULL if none is close. */
const char *suggest_closest(const char *word, const char *const *names);

#endif
