#include "data/font5x7.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"

/* Flip each pixel of a variant with this probability: 1 in 35 is one
 * pixel of a 5x7 glyph on average, about 3%. */
#define NOISE_P (1.0f / 35.0f)
/* Upper bound on variants per glyph, so n stays small and int-sized. */
#define MAX_VARIANTS 100000

const char *const font_kind_names[FONT_N_KINDS + 1] = {
	[FONT_NORMAL] = "normal", [FONT_SMALL] = "small", [FONT_DIGITAL] = "digital",
	[FONT_DIGITAL_SMALL] = "digital-small", [FONT_HAND] = "hand", NULL,
};

static const char *const glyphs[FONT_N_KINDS][10][FONT_H] = {
	[FONT_NORMAL] = {
		{".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
		{"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
		{".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
		{"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."},
		{"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
		{"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
		{"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
		{"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
		{".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
		{".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
	},
	/* 3x5, rounded where three pixels allow it, in columns 1-3, rows 1-5 */
	[FONT_SMALL] = {
		{".....", "..#..", ".#.#.", ".#.#.", ".#.#.", "..#..", "....."},
		{".....", "..#..", ".##..", "..#..", "..#..", ".###.", "....."},
		{".....", ".##..", "...#.", "..#..", ".#...", ".###.", "....."},
		{".....", ".##..", "...#.", "..#..", "...#.", ".##..", "....."},
		{".....", "...#.", "..##.", ".#.#.", ".###.", "...#.", "....."},
		{".....", ".###.", ".#...", ".##..", "...#.", ".##..", "....."},
		{".....", "..##.", ".#...", ".##..", ".#.#.", "..#..", "....."},
		{".....", ".###.", "...#.", "..#..", "..#..", "..#..", "....."},
		{".....", "..#..", ".#.#.", "..#..", ".#.#.", "..#..", "....."},
		{".....", "..#..", ".#.#.", "..##.", "...#.", ".##..", "....."},
	},
	/* segments a (row 0), f/b (rows 1-2), g (row 3), e/c (rows 4-5),
	 * d (row 6); the corners stay dark like a real display's */
	[FONT_DIGITAL] = {
		{".###.", "#...#", "#...#", ".....", "#...#", "#...#", ".###."},
		{".....", "....#", "....#", ".....", "....#", "....#", "....."},
		{".###.", "....#", "....#", ".###.", "#....", "#....", ".###."},
		{".###.", "....#", "....#", ".###.", "....#", "....#", ".###."},
		{".....", "#...#", "#...#", ".###.", "....#", "....#", "....."},
		{".###.", "#....", "#....", ".###.", "....#", "....#", ".###."},
		{".###.", "#....", "#....", ".###.", "#...#", "#...#", ".###."},
		{".###.", "....#", "....#", ".....", "....#", "....#", "....."},
		{".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
		{".###.", "#...#", "#...#", ".###.", "....#", "....#", ".###."},
	},
	/* seven segments in 3x5: too small for gaps, so square corners */
	[FONT_DIGITAL_SMALL] = {
		{".....", ".###.", ".#.#.", ".#.#.", ".#.#.", ".###.", "....."},
		{".....", "...#.", "...#.", "...#.", "...#.", "...#.", "....."},
		{".....", ".###.", "...#.", ".###.", ".#...", ".###.", "....."},
		{".....", ".###.", "...#.", ".###.", "...#.", ".###.", "....."},
		{".....", ".#.#.", ".#.#.", ".###.", "...#.", "...#.", "....."},
		{".....", ".###.", ".#...", ".###.", "...#.", ".###.", "....."},
		{".....", ".###.", ".#...", ".###.", ".#.#.", ".###.", "....."},
		{".....", ".###.", "...#.", "...#.", "...#.", "...#.", "....."},
		{".....", ".###.", ".#.#.", ".###.", ".#.#.", ".###.", "....."},
		{".....", ".###.", ".#.#.", ".###.", "...#.", ".###.", "....."},
	},
	/* slanted, uneven strokes; notebook 000 keeps such a set for testing */
	[FONT_HAND] = {
		{"..##.", ".#..#", "#...#", "#...#", "#..#.", "#..#.", ".##.."},
		{"...#.", "..##.", ".#.#.", "...#.", "..#..", "..#..", "..#.."},
		{".##..", "#..#.", "...#.", "..#..", ".#...", "#....", ".####"},
		{".###.", "....#", "...#.", ".##..", "...#.", "....#", "####."},
		{"#....", "#..#.", "#..#.", ".####", "...#.", "..#..", "..#.."},
		{".####", ".#...", "#....", "###..", "...#.", "...#.", "###.."},
		{"...#.", "..#..", ".#...", "#.##.", "##..#", "#...#", ".###."},
		{"#####", "...#.", "..#..", ".###.", "..#..", ".#...", ".#..."},
		{".###.", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", ".###."},
		{".###.", "#..#.", "#..#.", ".###.", "...#.", "..#..", ".#..."},
	},
};

const char *font_kind_name(enum font_kind k)
{
	return (unsigned)k < FONT_N_KINDS ? font_kind_names[k] : NULL;
}

int font_kind_from_name(const char *name)
{
	for (int k = 0; k < FONT_N_KINDS; k++)
		if (!strcmp(name, font_kind_names[k]))
			return k;
	return -1;
}

int font_kinds_parse(const char *list, unsigned *mask, struct dl_error *err)
{
	const char *p = list;

	*mask = 0;
	if (!strcmp(list, "all")) {
		*mask = FONT_ALL_KINDS;
		return DL_OK;
	}
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char name[32];
		int k = -1;

		if (len < sizeof name) {
			memcpy(name, p, len);
			name[len] = '\0';
			k = font_kind_from_name(name);
		}
		if (k < 0)
			return dl_error_set(err,
					    "unknown font kind '%.*s' (expected normal, small, digital, digital-small, hand or all)",
					    (int)(len > 40 ? 40 : len), p);
		*mask |= FONT_KIND_BIT(k);
		p += len + (e != NULL);
	}
	if (!*mask)
		return dl_error_set(err, "empty list of font kinds");
	return DL_OK;
}

const char *font_kinds_format(unsigned mask, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (int k = 0; k < FONT_N_KINDS; k++) {
		if (!(mask & FONT_KIND_BIT(k)))
			continue;
		int r = snprintf(buf + len, size > len ? size - len : 0, "%s%s",
				 len ? "," : "", font_kind_names[k]);
		if (r < 0 || (size_t)r >= size - len)
			break;
		len += (size_t)r;
	}
	return buf;
}

const char *const *font5x7_glyph(enum font_kind kind, int digit)
{
	if ((unsigned)kind >= FONT_N_KINDS || digit < 0 || digit > 9)
		return NULL;
	return glyphs[kind][digit];
}

static void draw_glyph(float *x, enum font_kind kind, int digit)
{
	for (int r = 0; r < FONT_H; r++)
		for (int c = 0; c < FONT_W; c++)
			x[r * FONT_W + c] = glyphs[kind][digit][r][c] == '#' ? 1.0f : 0.0f;
}

/* Make a variant of a clean glyph in place: a one-pixel move chosen among
 * those that keep all ink in the box (the clean glyph stays a candidate),
 * then salt-and-pepper noise. A variant that came out identical to the
 * clean glyph gets one pixel flipped, so every variant is new data. */
static void make_variant(float *x, const float *clean, struct rng *r)
{
	int moves[9][2], n_moves = 0, dx, dy, changed = 0;
	float tmp[FONT_H * FONT_W];

	for (dy = -1; dy <= 1; dy++) {
		for (dx = -1; dx <= 1; dx++) {
			int fits = 1;
			for (int i = 0; i < FONT_H && fits; i++)
				for (int j = 0; j < FONT_W && fits; j++)
					if (clean[i * FONT_W + j] > 0.5f &&
					    (i + dy < 0 || i + dy >= FONT_H ||
					     j + dx < 0 || j + dx >= FONT_W))
						fits = 0;
			if (fits) {
				moves[n_moves][0] = dy;
				moves[n_moves][1] = dx;
				n_moves++;
			}
		}
	}
	/* (0, 0) always fits, so n_moves >= 1 */
	int m = (int)rng_below(r, (uint32_t)n_moves);
	dy = moves[m][0];
	dx = moves[m][1];
	memset(tmp, 0, sizeof tmp);
	for (int i = 0; i < FONT_H; i++)
		for (int j = 0; j < FONT_W; j++)
			if (clean[i * FONT_W + j] > 0.5f)
				tmp[(i + dy) * FONT_W + j + dx] = 1.0f;
	for (int i = 0; i < FONT_H * FONT_W; i++)
		if (rng_uniform(r) < NOISE_P)
			tmp[i] = 1.0f - tmp[i];
	for (int i = 0; i < FONT_H * FONT_W; i++)
		changed |= tmp[i] != clean[i];
	if (!changed) {
		int i = (int)rng_below(r, FONT_H * FONT_W);
		tmp[i] = 1.0f - tmp[i];
	}
	memcpy(x, tmp, sizeof tmp);
}

int font5x7_generate(struct dataset *d, unsigned kinds_mask, int variants,
		     uint64_t seed, struct dl_error *err)
{
	int n_kinds = 0, i = 0;
	const int px = FONT_H * FONT_W;

	memset(d, 0, sizeof *d);
	if (kinds_mask & ~FONT_ALL_KINDS)
		return dl_error_set(err, "font kind mask 0x%x has unknown kinds", kinds_mask);
	if (variants < 0 || variants > MAX_VARIANTS)
		return dl_error_set(err, "font5x7 variants must be 0..%d, not %d",
				    MAX_VARIANTS, variants);
	for (int k = 0; k < FONT_N_KINDS; k++)
		n_kinds += !!(kinds_mask & FONT_KIND_BIT(k));
	if (!n_kinds)
		return dl_error_set(err, "no font kinds selected");
	if (dataset_alloc(d, n_kinds * 10 * (1 + variants), 1, FONT_H, FONT_W, 10,
			  1, err) != DL_OK)
		return DL_ERR;
	for (int k = 0; k < FONT_N_KINDS; k++) {
		struct rng r;

		if (!(kinds_mask & FONT_KIND_BIT(k)))
			continue;
		/* one stream per kind, independent of which other kinds are on */
		rng_seed(&r, seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(k + 1)));
		for (int digit = 0; digit < 10; digit++) {
			float *clean = d->f32 + (size_t)i * px;
			draw_glyph(clean, (enum font_kind)k, digit);
			d->y[i] = (uint8_t)digit;
			d->group[i] = (uint8_t)k;
			i++;
			for (int v = 0; v < variants; v++, i++) {
				make_variant(d->f32 + (size_t)i * px, clean, &r);
				d->y[i] = (uint8_t)digit;
				d->group[i] = (uint8_t)k;
			}
		}
	}
	return DL_OK;
}

size_t font5x7_render(const float *pixels, int h, int w, char *buf, size_t size)
{
	size_t need = (size_t)h * ((size_t)w + 1), pos = 0;

	for (int r = 0; r < h; r++) {
		for (int c = 0; c <= w; c++, pos++) {
			char ch = c == w ? '\n' : pixels[r * w + c] >= 0.5f ? '#' : '.';
			if (pos + 1 < size)
				buf[pos] = ch;
		}
	}
	if (size)
		buf[pos < size ? pos : size - 1] = '\0';
	return need;
}
