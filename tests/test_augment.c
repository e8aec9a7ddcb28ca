/*
 * test_augment.c - augmentation (exact geometry through the params hook,
 * bilinear sampling, zero fill, the documented draw order, determinism),
 * and the batcher (order, labels, batch sizes, several epochs, cancellation
 * at any point, and equality with sequential augmentation whatever the
 * thread timing), and sets of bytes giving the floats sets of floats give.
 */
#include "tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/augment.h"
#include "data/batcher.h"
#include "util/rng.h"

static const struct augment_params identity = {0, 1, 1, 0, 0};

/* A dataset built in place (no loader needed): pixel p of sample i is
 * i + p / 1000, label i % n_classes. */
static struct dataset make_set(int n, int c, int h, int w, int n_classes)
{
	struct dataset d = {.n = n, .c = c, .h = h, .w = w, .n_classes = n_classes};
	int in_size = c * h * w;

	d.f32 = malloc(sizeof *d.f32 * (size_t)(n ? n : 1) * in_size);
	d.y = malloc((size_t)(n ? n : 1));
	for (int i = 0; i < n; i++) {
		for (int p = 0; p < in_size; p++)
			d.f32[(size_t)i * in_size + p] = (float)i + (float)p / 1000.0f;
		d.y[i] = (uint8_t)(i % n_classes);
	}
	return d;
}

static void free_set(struct dataset *d)
{
	free(d->f32);
	free(d->y);
}

static int all_near(const float *got, const float *want, int n, float tol)
{
	for (int i = 0; i < n; i++)
		if (!(fabsf(got[i] - want[i]) <= tol)) {
			fprintf(stderr, "#   [%d] got %.9g want %.9g\n", i, got[i], want[i]);
			return 0;
		}
	return 1;
}

static void test_spec(void)
{
	struct augment_spec none = {0, 0, 0}, rot = {10, 0, 0}, zoom = {0, 0.1f, 0},
			    shift = {0, 0, 0.1f};
	struct {
		struct augment_spec s;
		const char *msg;
	} bad[] = {
		{{-1, 0, 0}, "augment.rotation must be in [0, 180] degrees, not -1"},
		{{200, 0, 0}, "augment.rotation must be in [0, 180] degrees, not 200"},
		{{NAN, 0, 0}, "augment.rotation must be in [0, 180] degrees, not nan"},
		{{0, 1, 0}, "augment.zoom must be in [0, 1), not 1"},
		{{0, -0.5f, 0}, "augment.zoom must be in [0, 1), not -0.5"},
		{{0, 0, 1.5f}, "augment.shift must be in [0, 1], not 1.5"},
	};
	struct augment_spec good = {180, 0.9f, 1};
	struct dl_error err;

	ok(!augment_enabled(NULL), "NULL spec is disabled");
	ok(!augment_enabled(&none), "all-zero spec is disabled");
	ok(augment_enabled(&rot) && augment_enabled(&zoom) && augment_enabled(&shift),
	   "any nonzero range enables it");
	ok(augment_spec_check(&good, &err) == DL_OK, "limits are accepted");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dl_error_clear(&err);
		ok(augment_spec_check(&bad[i].s, &err) == DL_ERR, "bad spec %zu rejected", i);
		is_str(err.msg, bad[i].msg, "bad spec %zu message", i);
	}
}

static void test_identity(void)
{
	enum { H = 28, W = 28 };
	float src[H * W], dst[H * W];
	struct augment_spec none = {0, 0, 0};
	struct rng r, r5;

	rng_seed(&r, 1);
	for (int i = 0; i < H * W; i++)
		src[i] = rng_uniform(&r);
	memset(dst, 0xff, sizeof dst);
	augment_image_with(&identity, src, dst, 1, H, W);
	ok(!memcmp(src, dst, sizeof src), "identity params copy the image exactly");

	rng_seed(&r, 7);
	rng_seed(&r5, 7);
	memset(dst, 0xff, sizeof dst);
	augment_image(&none, &r, src, dst, 1, H, W);
	ok(!memcmp(src, dst, sizeof src), "identity spec leaves the image unchanged exactly");
	for (int i = 0; i < 5; i++)
		rng_uniform(&r5);
	ok(!memcmp(&r, &r5, sizeof r), "a disabled spec still draws exactly five numbers");
	augment_image(NULL, &r, src, dst, 1, H, W);
	ok(!memcmp(src, dst, sizeof src), "NULL spec leaves the image unchanged");
}

static void test_draw_order(void)
{
	struct augment_spec s = {15, 0.2f, 0.1f};
	struct augment_params p;
	struct rng r, q;
	float u[5];
	float lo_a = 1e9f, hi_a = -1e9f, lo_z = 1e9f, hi_z = -1e9f, lo_s = 1e9f, hi_s = -1e9f;
	double sum_zx = 0, sum_zy = 0;
	int n = 20000;

	rng_seed(&r, 99);
	rng_seed(&q, 99);
	augment_params_draw(&s, &r, 20, 30, &p);
	for (int i = 0; i < 5; i++)
		u[i] = rng_uniform(&q);
	is_near(p.angle, (2 * u[0] - 1) * 15, 1e-5, "draw 1 is the angle");
	is_near(p.shift_x, (2 * u[1] - 1) * 0.1f * 30, 1e-5, "draw 2 is shift_x, times w");
	is_near(p.shift_y, (2 * u[2] - 1) * 0.1f * 20, 1e-5, "draw 3 is shift_y, times h");
	is_near(p.zoom_x, 1 + (2 * u[3] - 1) * 0.2f, 1e-6, "draw 4 is zoom_x");
	is_near(p.zoom_y, 1 + (2 * u[4] - 1) * 0.2f, 1e-6, "draw 5 is zoom_y");
	ok(!memcmp(&r, &q, sizeof r), "exactly five numbers per image");

	for (int i = 0; i < n; i++) {
		augment_params_draw(&s, &r, 28, 28, &p);
		lo_a = fminf(lo_a, p.angle);
		hi_a = fmaxf(hi_a, p.angle);
		lo_z = fminf(lo_z, fminf(p.zoom_x, p.zoom_y));
		hi_z = fmaxf(hi_z, fmaxf(p.zoom_x, p.zoom_y));
		lo_s = fminf(lo_s, fminf(p.shift_x, p.shift_y));
		hi_s = fmaxf(hi_s, fmaxf(p.shift_x, p.shift_y));
		sum_zx += p.zoom_x;
		sum_zy += p.zoom_y;
	}
	ok(lo_a >= -15 && hi_a < 15 && lo_a < -14.9f && hi_a > 14.9f,
	   "angle covers [-15, 15): %g..%g", lo_a, hi_a);
	ok(lo_z >= 0.8f && hi_z < 1.2f && lo_z < 0.801f && hi_z > 1.199f,
	   "zoom covers [0.8, 1.2): %g..%g", lo_z, hi_z);
	ok(lo_s >= -2.8f && hi_s < 2.8f && lo_s < -2.79f && hi_s > 2.79f,
	   "shift covers [-2.8, 2.8) pixels: %g..%g", lo_s, hi_s);
	is_near(sum_zx / n, 1.0, 0.005, "zoom_x is centred on 1");
	is_near(sum_zy / n, 1.0, 0.005, "zoom_y is centred on 1");
}

static void test_shift(void)
{
	enum { H = 8, W = 8 };
	float src[H * W] = {0}, dst[H * W], want[H * W] = {0};
	struct augment_params p = identity;

	src[5 * W + 2] = 1;            /* (x 2, y 5) */
	p.shift_x = 3;
	p.shift_y = -2;
	want[3 * W + 5] = 1;           /* moved right 3, up 2 */
	augment_image_with(&p, src, dst, 1, H, W);
	ok(all_near(dst, want, H * W, 1e-6f),
	   "shift (3, -2) moves the pixel at (2, 5) to (5, 3)");

	/* the first rows/columns come from outside the image: zero */
	for (int i = 0; i < H * W; i++)
		src[i] = 1;
	p.shift_x = 2;
	p.shift_y = 1;
	augment_image_with(&p, src, dst, 1, H, W);
	{
		int good = 1;

		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
				good &= dst[y * W + x] == ((x >= 2 && y >= 1) ? 1.0f : 0.0f);
		ok(good, "pixels shifted in from outside are zero, the rest kept");
	}
	p.shift_x = W;
	p.shift_y = 0;
	augment_image_with(&p, src, dst, 1, H, W);
	{
		int zero = 1;

		for (int i = 0; i < H * W; i++)
			zero &= dst[i] == 0;
		ok(zero, "shifting the whole image out leaves zeros");
	}
	p = identity;
	p.shift_x = 1e30f;
	p.shift_y = NAN;
	augment_image_with(&p, src, dst, 1, H, W);
	{
		int zero = 1;

		for (int i = 0; i < H * W; i++)
			zero &= dst[i] == 0;
		ok(zero, "absurd and NaN shifts give zeros, not garbage");
	}
}

static void test_rotation(void)
{
	/* np.rot90 (counter-clockwise as displayed) of a 4x4 with distinct values */
	static const float src[16] = {
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
		13, 14, 15, 16,
	};
	static const float ccw[16] = {
		4, 8, 12, 16,
		3, 7, 11, 15,
		2, 6, 10, 14,
		1, 5, 9, 13,
	};
	static const float cw[16] = {
		13, 9, 5, 1,
		14, 10, 6, 2,
		15, 11, 7, 3,
		16, 12, 8, 4,
	};
	static const float half[16] = {
		16, 15, 14, 13,
		12, 11, 10, 9,
		8, 7, 6, 5,
		4, 3, 2, 1,
	};
	/* odd size, not square-symmetric: a 3x3 L shape */
	static const float l3[9] = {
		1, 0, 0,
		1, 0, 0,
		1, 1, 0,
	};
	static const float l3_ccw[9] = {
		0, 0, 0,
		0, 0, 1,
		1, 1, 1,
	};
	struct augment_params p = identity;
	float dst[16];

	p.angle = 90;
	augment_image_with(&p, src, dst, 1, 4, 4);
	ok(all_near(dst, ccw, 16, 1e-4f), "+90 degrees turns the image counter-clockwise");
	p.angle = -90;
	augment_image_with(&p, src, dst, 1, 4, 4);
	ok(all_near(dst, cw, 16, 1e-4f), "-90 degrees turns it clockwise");
	p.angle = 180;
	augment_image_with(&p, src, dst, 1, 4, 4);
	ok(all_near(dst, half, 16, 1e-4f), "180 degrees turns it upside down");
	p.angle = 90;
	augment_image_with(&p, l3, dst, 1, 3, 3);
	ok(all_near(dst, l3_ccw, 9, 1e-5f), "+90 degrees on a 3x3 L shape");
}

static void test_bilinear(void)
{
	static const float row[4] = {0.2f, 0.4f, 0.8f, 1.0f};
	static const float right_half[4] = {0.1f, 0.3f, 0.6f, 0.9f};
	static const float left_half[4] = {0.3f, 0.6f, 0.9f, 0.5f};
	static const float col[3] = {1, 0, 1};
	static const float down_half[3] = {0.5f, 0.5f, 0.5f};
	static const float two_ch[8] = {0, 1, 0, 0, /* channel 2 = 2x channel 1 */ 0, 2, 0, 0};
	static const float two_ch_want[8] = {0, 0.25f, 0.75f, 0, 0, 0.5f, 1.5f, 0};
	static const float quad[4] = {0, 1, 2, 3};  /* 2x2 */
	struct augment_params p = identity;
	float dst[8];

	p.shift_x = 0.5f;
	augment_image_with(&p, row, dst, 1, 1, 4);
	ok(all_near(dst, right_half, 4, 1e-6f),
	   "half-pixel shift right averages neighbours (zero beyond the left edge)");
	p.shift_x = -0.5f;
	augment_image_with(&p, row, dst, 1, 1, 4);
	ok(all_near(dst, left_half, 4, 1e-6f), "half-pixel shift left, zero beyond the right edge");
	p = identity;
	p.shift_y = 0.5f;
	augment_image_with(&p, col, dst, 1, 3, 1);
	ok(all_near(dst, down_half, 3, 1e-6f), "half-pixel shift down averages rows");
	p = identity;
	p.shift_x = 0.75f;
	augment_image_with(&p, two_ch, dst, 2, 1, 4);
	ok(all_near(dst, two_ch_want, 8, 1e-6f),
	   "every channel gets the same transform and the 1/4-3/4 weights");
	p = identity;
	p.shift_x = 0.5f;
	p.shift_y = 0.5f;
	augment_image_with(&p, quad, dst, 1, 2, 2);
	{
		/* (1,1) samples (0.5, 0.5): mean of all four */
		static const float want[4] = {0, 0.25f, 0.5f, 1.5f};
		ok(all_near(dst, want, 4, 1e-6f), "diagonal half-pixel shift averages four pixels");
	}
}

static void test_zoom(void)
{
	enum { N = 8 };
	float src[N * N], dst[N * N];
	struct augment_params p = identity;
	int good = 1;

	for (int i = 0; i < N * N; i++)
		src[i] = 1;
	/* zoom_x 1.5: source x = 1.5 x - 1.75, so x 1 samples -0.25 (a
	 * quarter outside: 0.75), x 2..5 sample inside, x 6 samples 7.25 (a
	 * quarter beyond the last pixel: 0.75), x 0 and 7 fall outside */
	p.zoom_x = 1.5f;
	augment_image_with(&p, src, dst, 1, N, N);
	for (int y = 0; y < N; y++)
		for (int x = 0; x < N; x++) {
			static const float want[N] = {0, 0.75f, 1, 1, 1, 1, 0.75f, 0};

			good &= fabsf(dst[y * N + x] - want[x]) < 1e-6f;
		}
	ok(good, "zoom_x 1.5 squeezes the content about the centre, fading at the edges");

	/* zoom 0.5 magnifies: an x gradient's slope halves, the centre stays */
	for (int y = 0; y < N; y++)
		for (int x = 0; x < N; x++)
			src[y * N + x] = (float)x;
	p = identity;
	p.zoom_x = p.zoom_y = 0.5f;
	augment_image_with(&p, src, dst, 1, N, N);
	is_near(dst[3 * N + 3], 3.25, 1e-6, "zoom 0.5: x 3 samples source x 3.25");
	is_near(dst[3 * N + 4] - dst[3 * N + 3], 0.5, 1e-6, "zoom 0.5 halves the slope");
}

/* The header's formula, pixel by pixel in double: what both internal paths
 * (stack-padded up to 61x61, bounds-checked beyond) must compute. */
static float reference_pixel(const struct augment_params *p, const float *src,
			     int h, int w, int x, int y)
{
	double rad = p->angle * (M_PI / 180.0), cs = cos(rad), sn = sin(rad);
	double ox = (w - 1) / 2.0, oy = (h - 1) / 2.0;
	double u = p->zoom_x * (x - ox) - p->shift_x, v = p->zoom_y * (y - oy) - p->shift_y;
	double sx = cs * u - sn * v + ox, sy = sn * u + cs * v + oy;
	double fx, fy, val = 0;
	int x0, y0;

	if (!(sx > -1 && sx < w && sy > -1 && sy < h))
		return 0;
	x0 = (int)floor(sx);
	y0 = (int)floor(sy);
	fx = sx - x0;
	fy = sy - y0;
	for (int dy = 0; dy < 2; dy++)
		for (int dx = 0; dx < 2; dx++) {
			int xx = x0 + dx, yy = y0 + dy;

			if (xx >= 0 && xx < w && yy >= 0 && yy < h)
				val += (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy) * src[yy * w + xx];
		}
	return (float)val;
}

static void test_reference(void)
{
	static const int sizes[][2] = {{28, 28}, {5, 9}, {61, 61}, {62, 30}, {70, 70}};
	struct augment_spec s = {30, 0.3f, 0.2f};
	struct rng r;

	rng_seed(&r, 11);
	for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
		int h = sizes[t][0], w = sizes[t][1], good = 1;
		float *src = malloc(sizeof(float) * h * w * 2), *dst = malloc(sizeof(float) * h * w * 2);
		float worst = 0;

		for (int i = 0; i < h * w; i++) {
			src[i] = rng_uniform(&r);
			src[h * w + i] = -3 * src[i];
		}
		for (int k = 0; k < 20; k++) {
			struct augment_params p;

			augment_params_draw(&s, &r, h, w, &p);
			augment_image_with(&p, src, dst, 2, h, w);
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					float want = reference_pixel(&p, src, h, w, x, y);
					float d0 = fabsf(dst[y * w + x] - want);
					float d1 = fabsf(dst[h * w + y * w + x] + 3 * want);

					worst = fmaxf(worst, fmaxf(d0, d1 / 3));
				}
		}
		good = worst < 5e-5f;
		ok(good, "%dx%d, 2 channels, 20 random transforms match the formula (worst %.2g)",
		   h, w, worst);
		free(src);
		free(dst);
	}
}

static void test_determinism(void)
{
	enum { H = 28, W = 28, K = 10 };
	struct augment_spec s = {10, 0.1f, 0.1f};
	static float src[K][H * W], a[K][H * W], b[K][H * W], c[K][H * W];
	struct rng r;
	int changed = 0;

	rng_seed(&r, 5);
	for (int k = 0; k < K; k++)
		for (int i = 0; i < H * W; i++)
			src[k][i] = rng_uniform(&r);
	rng_seed(&r, 1234);
	for (int k = 0; k < K; k++)
		augment_image(&s, &r, src[k], a[k], 1, H, W);
	rng_seed(&r, 1234);
	for (int k = 0; k < K; k++)
		augment_image(&s, &r, src[k], b[k], 1, H, W);
	rng_seed(&r, 1235);
	for (int k = 0; k < K; k++)
		augment_image(&s, &r, src[k], c[k], 1, H, W);
	ok(!memcmp(a, b, sizeof a), "same seed, same bytes");
	ok(memcmp(a, c, sizeof a) != 0, "different seed, different images");
	for (int k = 0; k < K; k++)
		changed += memcmp(a[k], src[k], sizeof src[k]) != 0;
	ok(changed == K, "every augmented image differs from its source (%d of %d)", changed, K);
}


/* ---- batcher ---- */

/* Consume one epoch and check it against order; returns batches seen, or
 * -1 on a mismatch (reported once). */
static int check_epoch(struct batcher *b, const struct dataset *d, const int *order, int n,
		       int bs, const char *what)
{
	int in_size = d->c * d->h * d->w, seen = 0, batches = 0, good = 1, sizes = 1;
	const float *x;
	const uint8_t *y;
	int B;

	while (batcher_next(b, &x, &y, &B) == 0) {
		int want_B = n - seen < bs ? n - seen : bs;

		sizes &= B == want_B;
		for (int i = 0; i < B && seen + i < n; i++) {
			int s = order[seen + i];

			good &= !memcmp(x + (size_t)i * in_size, d->f32 + (size_t)s * in_size,
					sizeof(float) * in_size);
			good &= y[i] == d->y[s];
		}
		seen += B;
		batches++;
	}
	ok(good && sizes && seen == n,
	   "%s: %d samples in order with their labels, batch sizes right", what, seen);
	ok(batcher_next(b, &x, &y, &B) == 1, "%s: stays at the end", what);
	return batches;
}

static void test_batcher_plain(void)
{
	struct dataset d = make_set(10, 1, 2, 3, 10);
	struct augment_spec none = {0, 0, 0};
	struct batcher *b;
	struct dl_error err;
	struct rng r;
	int order[10], batches;
	const float *x;
	const uint8_t *y;
	int B;

	ok(batcher_new(&b, &d, 4, &none, &err) == DL_OK, "batcher_new");
	ok(batcher_next(b, &x, &y, &B) == 1, "no epoch started: next says end");
	rng_seed(&r, 3);
	for (int e = 0; e < 3; e++) {
		char what[32];

		for (int i = 0; i < 10; i++)
			order[i] = i;
		rng_shuffle(&r, order, 10);
		snprintf(what, sizeof what, "epoch %d", e + 1);
		ok(batcher_start_epoch(b, order, 10, (uint64_t)e, &err) == DL_OK, "%s starts", what);
		batches = check_epoch(b, &d, order, 10, 4, what);
		ok(batches == 3 && batcher_batches(b, 10) == 3, "%s: 3 batches (4, 4, 2)", what);
	}

	/* cancel after one batch, then a full epoch */
	ok(batcher_start_epoch(b, order, 10, 9, &err) == DL_OK, "epoch to cancel starts");
	ok(batcher_next(b, &x, &y, &B) == 0 && B == 4, "first batch of it");
	batcher_cancel(b);
	ok(batcher_next(b, &x, &y, &B) == 1, "after cancel, next says end");
	batcher_cancel(b);
	ok(1, "cancelling twice is harmless");
	batcher_start_epoch(b, order, 10, 10, &err);
	check_epoch(b, &d, order, 10, 4, "after cancel mid-epoch");

	/* cancel before consuming anything; restart while an epoch runs */
	batcher_start_epoch(b, order, 10, 11, &err);
	batcher_cancel(b);
	batcher_start_epoch(b, order, 10, 12, &err);
	ok(batcher_next(b, &x, &y, &B) == 0, "restart mid-epoch: first batch");
	for (int i = 0; i < 10; i++)
		order[i] = 9 - i;
	batcher_start_epoch(b, order, 10, 13, &err);
	check_epoch(b, &d, order, 10, 4, "start_epoch abandons the running epoch");

	/* a subset, a repeated sample, an empty epoch */
	{
		int sub[5] = {7, 7, 0, 3, 9};

		batcher_start_epoch(b, sub, 5, 14, &err);
		check_epoch(b, &d, sub, 5, 4, "subset with a repeat");
		batcher_start_epoch(b, sub, 0, 15, &err);
		ok(batcher_next(b, &x, &y, &B) == 1, "empty epoch ends at once");
	}

	/* bad orders */
	{
		int bad[2] = {0, 10};

		ok(batcher_start_epoch(b, bad, 2, 0, &err) == DL_ERR, "index out of range rejected");
		is_str(err.msg, "epoch order[1] = 10 is not a sample (0..9)", "its message");
		ok(batcher_start_epoch(b, bad, 11, 0, &err) == DL_ERR, "n too large rejected");
		is_str(err.msg, "an epoch of 11 samples from a training set of 10", "its message");
	}
	batcher_free(b);
	batcher_free(NULL);

	/* batch larger than the set, and batch size 1 */
	for (int i = 0; i < 10; i++)
		order[i] = i;
	ok(batcher_new(&b, &d, 64, NULL, &err) == DL_OK, "batch size 64 > 10 samples");
	batcher_start_epoch(b, order, 10, 0, &err);
	ok(check_epoch(b, &d, order, 10, 64, "one full batch") == 1, "one batch");
	batcher_free(b);
	ok(batcher_new(&b, &d, 1, NULL, &err) == DL_OK, "batch size 1");
	batcher_start_epoch(b, order, 10, 0, &err);
	ok(check_epoch(b, &d, order, 10, 1, "batches of one") == 10, "ten batches");
	/* freed with an epoch in progress and the ring full */
	batcher_start_epoch(b, order, 10, 0, &err);
	batcher_next(b, &x, &y, &B);
	batcher_free(b);
	ok(1, "free with an epoch in progress joins the thread");

	ok(batcher_new(&b, &d, 0, NULL, &err) == DL_ERR && b == NULL, "batch size 0 rejected");
	is_str(err.msg, "batch size must be at least 1, not 0", "its message");
	{
		struct augment_spec bad = {0, 2, 0};

		ok(batcher_new(&b, &d, 4, &bad, &err) == DL_ERR, "bad augment spec rejected");
		is_str(err.msg, "augment.zoom must be in [0, 1), not 2", "its message");
	}
	free_set(&d);
}

static void test_batcher_augment(void)
{
	enum { N = 100, BS = 7, H = 28, W = 28 };
	struct dataset d = make_set(N, 1, H, W, 10);
	struct augment_spec s = {10, 0.1f, 0.1f};
	struct batcher *b;
	struct dl_error err;
	struct rng r, seq;
	int order[N], good = 1, seen = 0;
	float *want = malloc(sizeof(float) * N * H * W);
	const float *x;
	const uint8_t *y;
	int B;

	/* make the images digit-like: a bright square in the middle */
	for (int i = 0; i < N; i++)
		for (int p = 0; p < H * W; p++) {
			int py = p / W, px = p % W;

			d.f32[(size_t)i * H * W + p] = (py > 8 && py < 20 && px > 6 + i % 5 && px < 18)
				? 1.0f : 0.0f;
		}
	for (int i = 0; i < N; i++)
		order[i] = i;
	rng_seed(&r, 77);
	rng_shuffle(&r, order, N);
	ok(batcher_new(&b, &d, BS, &s, &err) == DL_OK, "augmenting batcher");
	for (int e = 0; e < 3; e++) {
		uint64_t seed = 1000 + (uint64_t)e;

		rng_seed(&seq, seed);
		for (int i = 0; i < N; i++)
			augment_image(&s, &seq, d.f32 + (size_t)order[i] * H * W,
				      want + (size_t)i * H * W, 1, H, W);
		batcher_start_epoch(b, order, N, seed, &err);
		good = 1;
		seen = 0;
		while (batcher_next(b, &x, &y, &B) == 0) {
			good &= !memcmp(x, want + (size_t)seen * H * W, sizeof(float) * B * H * W);
			for (int i = 0; i < B; i++)
				good &= y[i] == d.y[order[seen + i]];
			seen += B;
		}
		ok(good && seen == N,
		   "epoch %d equals sequential augment_image with the epoch's rng", e + 1);
	}
	/* a cancelled epoch does not disturb the next one's numbers */
	batcher_start_epoch(b, order, N, 5, &err);
	batcher_next(b, &x, &y, &B);
	batcher_cancel(b);
	rng_seed(&seq, 6);
	for (int i = 0; i < N; i++)
		augment_image(&s, &seq, d.f32 + (size_t)order[i] * H * W,
			      want + (size_t)i * H * W, 1, H, W);
	batcher_start_epoch(b, order, N, 6, &err);
	good = 1;
	seen = 0;
	while (batcher_next(b, &x, &y, &B) == 0) {
		good &= !memcmp(x, want + (size_t)seen * H * W, sizeof(float) * B * H * W);
		seen += B;
	}
	ok(good && seen == N, "after a cancel the next epoch is exact again");
	batcher_free(b);
	free(want);
	free_set(&d);
}

/* Many epochs cancelled at random points (for ThreadSanitizer). */
/* A set of bytes, each pixel a pattern of (i, p), standing for b / 255
 * times scale, and the same set as floats. */
static void make_byte_pair(int n, int c, int h, int w, float scale, struct dataset *bytes,
			   struct dataset *floats)
{
	struct dl_error err;
	size_t in_size = (size_t)c * h * w;

	dataset_alloc_bytes(bytes, n, c, h, w, 10, 0, 255.0f, &err);
	dataset_alloc(floats, n, c, h, w, 10, 0, &err);
	for (int i = 0; i < n; i++) {
		for (size_t p = 0; p < in_size; p++) {
			int py = (int)(p % ((size_t)h * w)) / w, px = (int)(p % (size_t)w);

			/* a bright blob with a gradient, zero near the border */
			bytes->u8[i * in_size + p] = py > h / 4 && py < 3 * h / 4 &&
				px > w / 4 + i % 3 && px < 3 * w / 4 ?
				(uint8_t)(37 * i + 11 * (int)p) : 0;
		}
		bytes->y[i] = floats->y[i] = (uint8_t)(i % 10);
	}
	if (scale != 1.0f)
		dataset_scale(bytes, scale);
	/* the floats the loader made before sets were kept as bytes */
	for (size_t k = 0; k < (size_t)n * in_size; k++)
		floats->f32[k] = scale != 1.0f ? ((float)bytes->u8[k] / 255.0f) * scale :
			(float)bytes->u8[k] / 255.0f;
}

/* Augmenting a sample of bytes gives the very floats that augmenting its
 * float values gives, on both warp paths, and the batcher's batches of a
 * set of bytes are those of the same set as floats. */
static void test_bytes(void)
{
	static const struct {
		int c, h, w;
		float scale;
		const char *what;
	} shapes[] = {
		{1, 28, 28, 1.0f, "28x28"},
		{2, 9, 7, 2.0f, "2x9x7 scaled by 2"},
		{1, 70, 66, 1.0f, "70x66 (the bounds-checked path)"},
	};
	struct augment_spec spec = {15, 0.2f, 0.1f};

	for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
		int c = shapes[k].c, h = shapes[k].h, w = shapes[k].w, same = 1, n = 5;
		size_t in_size = (size_t)c * h * w;
		float *a = malloc(sizeof *a * in_size), *b = malloc(sizeof *b * in_size);
		struct dataset bytes, floats;
		struct rng r1, r2;

		make_byte_pair(n, c, h, w, shapes[k].scale, &bytes, &floats);
		rng_seed(&r1, 9);
		rng_seed(&r2, 9);
		for (int i = 0; i < n; i++) {
			augment_sample(&spec, &r1, &bytes, i, a);
			augment_image(&spec, &r2, floats.f32 + (size_t)i * in_size, b, c, h, w);
			same &= !memcmp(a, b, sizeof *a * in_size);
			augment_sample(&spec, &r1, &floats, i, a);
			augment_image(&spec, &r2, floats.f32 + (size_t)i * in_size, b, c, h, w);
			same &= !memcmp(a, b, sizeof *a * in_size);
		}
		ok(same, "%s: augmenting bytes and their floats gives the same floats",
		   shapes[k].what);
		dataset_free(&bytes);
		dataset_free(&floats);
		free(a);
		free(b);
	}
	for (int augment = 0; augment < 2; augment++) {
		enum { N = 23, BS = 5 };
		struct dataset bytes, floats;
		struct batcher *bb, *bf;
		struct dl_error err;
		int order[N], same = 1, seen = 0, B1, B2;
		const float *x1, *x2;
		const uint8_t *y1, *y2;
		struct rng r;

		make_byte_pair(N, 1, 28, 28, 1.0f, &bytes, &floats);
		for (int i = 0; i < N; i++)
			order[i] = i;
		rng_seed(&r, 3);
		rng_shuffle(&r, order, N);
		batcher_new(&bb, &bytes, BS, augment ? &spec : NULL, &err);
		batcher_new(&bf, &floats, BS, augment ? &spec : NULL, &err);
		batcher_start_epoch(bb, order, N, 41, &err);
		batcher_start_epoch(bf, order, N, 41, &err);
		while (batcher_next(bb, &x1, &y1, &B1) == 0 && batcher_next(bf, &x2, &y2, &B2) == 0) {
			same &= B1 == B2 && !memcmp(x1, x2, sizeof *x1 * (size_t)B1 * 28 * 28) &&
				!memcmp(y1, y2, (size_t)B1);
			seen += B1;
		}
		ok(same && seen == N, "batches of bytes equal batches of floats%s",
		   augment ? ", augmented" : "");
		batcher_free(bb);
		batcher_free(bf);
		dataset_free(&bytes);
		dataset_free(&floats);
	}
}

static void test_batcher_stress(void)
{
	enum { N = 50 };
	struct dataset d = make_set(N, 1, 8, 8, 10);
	struct augment_spec s = {20, 0.2f, 0.2f};
	struct batcher *b;
	struct dl_error err;
	struct rng r;
	int order[N], good = 1, full = 0;

	for (int i = 0; i < N; i++)
		order[i] = i;
	rng_seed(&r, 2);
	batcher_new(&b, &d, 3, &s, &err);
	for (int it = 0; it < 300; it++) {
		int stop = (int)rng_below(&r, 20), k = 0;
		const float *x;
		const uint8_t *y;
		int B;

		rng_shuffle(&r, order, N);
		batcher_start_epoch(b, order, N, (uint64_t)it, &err);
		while (batcher_next(b, &x, &y, &B) == 0) {
			for (int i = 0; i < B; i++)
				good &= y[i] == d.y[order[k * 3 + i]];
			if (++k == stop) {
				batcher_cancel(b);
				break;
			}
		}
		full += k == 17;
	}
	batcher_free(b);
	ok(good, "300 epochs cancelled at random points: labels always right");
	ok(full > 0, "some of them ran to the end (%d)", full);
	free_set(&d);
}

int main(void)
{
	test_spec();
	test_identity();
	test_draw_order();
	test_shift();
	test_rotation();
	test_bilinear();
	test_zoom();
	test_reference();
	test_determinism();
	test_batcher_plain();
	test_batcher_augment();
	test_bytes();
	test_batcher_stress();
	return tap_done();
}
