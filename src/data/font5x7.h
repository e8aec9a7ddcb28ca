/*
 * font5x7.h - built-in 5x7 digit glyphs: a tiny data set made in code.
 *
 * Notebook 000 trains a 35-input net on hand-made 5x7 digits of several
 * kinds (normal, small, digital, small digital, a hand-drawn set kept for
 * testing). We rebuild that: each kind has ten clean glyphs, written below
 * as string tables ('#' ink, '.' paper), and any number of variants per
 * glyph, each a copy moved by at most one pixel (only where no ink leaves
 * the box) and/or with about 3% of its pixels flipped. Variants come from a
 * struct rng seeded per kind, so the same seed gives the same bytes on every
 * machine and adding a kind does not change the others.
 *
 * Samples are 1x7x5, pixels 0 or 1, group = the kind (enum font_kind).
 */
#ifndef DL_DATA_FONT5X7_H
#define DL_DATA_FONT5X7_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"
#include "util/error.h"

#define FONT_W 5
#define FONT_H 7

enum font_kind {
	FONT_NORMAL,        /* "normal": a classic 5x7 font */
	FONT_SMALL,         /* "small": 3x5 glyphs centred in the box */
	FONT_DIGITAL,       /* "digital": seven segments, gaps at the corners */
	FONT_DIGITAL_SMALL, /* "digital-small": seven segments in 3x5 */
	FONT_HAND,          /* "hand": irregular, hand-drawn strokes */
	FONT_N_KINDS
};

#define FONT_KIND_BIT(k) (1u << (k))
#define FONT_ALL_KINDS ((1u << FONT_N_KINDS) - 1)

/* "normal", "small", "digital", "digital-small", "hand": indexed by the
 * kind, NULL-terminated. */
extern const char *const font_kind_names[];
/* The kind's name; NULL if out of range. */
const char *font_kind_name(enum font_kind k);
/* The kind with this name, or -1. */
int font_kind_from_name(const char *name);
/* Parse a comma-separated list of kind names ("normal,digital") or "all"
 * into a bit mask. Errors name the unknown kind. */
int font_kinds_parse(const char *list, unsigned *mask, struct dl_error *err);
/* Write the kinds of a mask as "normal,digital" into buf. Returns buf. */
const char *font_kinds_format(unsigned mask, char *buf, size_t size);

/* The clean glyph of a digit: FONT_H strings of FONT_W characters, '#' for
 * ink. NULL when kind or digit is out of range. */
const char *const *font5x7_glyph(enum font_kind kind, int digit);

/* Generate a data set: for each kind in kinds_mask (in enum order), for
 * each digit 0..9, the clean glyph followed by `variants` noisy/shifted
 * copies. n = popcount(mask) * 10 * (1 + variants). */
int font5x7_generate(struct dataset *d, unsigned kinds_mask, int variants,
		     uint64_t seed, struct dl_error *err);

/* Render an h x w image as text: one line per row, '#' where the pixel is
 * >= 0.5, '.' elsewhere, each line ending in '\n'. Truncates to fit buf
 * (always NUL-terminated). Returns the length it needed, like snprintf. */
size_t font5x7_render(const float *pixels, int h, int w, char *buf, size_t size);

#endif
