/* Optimisers against hand-computed updates. The expected numbers follow
 * tf.keras 2.x's equations and were computed in double precision with a
 * short python3 script that transcribes optimizer_v2 (sgd.py, adam.py,
 * nadam.py, rmsprop.py, adagrad.py): parameters start at (0.5, -1.0) and
 * take three steps with the gradients G below. */
#include <stdlib.h>
#include <string.h>

#include "nn/optim.h"
#include "nn/parallel.h"
#include "tap.h"

#define NP 6   /* (w0, w1) three times: 4 go through the vector path, 2 the tail */

static const float G[3][2] = {{0.1f, -0.2f}, {0.3f, 0.4f}, {-0.5f, 0.05f}};

struct optim_case {
	const char *what;
	enum nn_optim_type type;
	float lr, momentum;
	int nesterov;
	double want[3][2];   /* parameters after steps 1, 2, 3 */
};

static const struct optim_case cases[] = {
	{"sgd", NN_OPTIM_SGD, 0.1f, 0.0f, 0,
	 {{0.49, -0.98}, {0.46, -1.02}, {0.51, -1.025}}},
	{"sgd momentum 0.9", NN_OPTIM_SGD, 0.1f, 0.9f, 0,
	 {{0.49, -0.98}, {0.451, -1.002}, {0.4659, -1.0268}}},
	{"sgd nesterov 0.9", NN_OPTIM_SGD, 0.1f, 0.9f, 1,
	 {{0.481, -0.962}, {0.4159, -1.0218}, {0.47931, -1.04912}}},
	{"adam", NN_OPTIM_ADAM, 0.01f, 0.0f, 0,
	 {{0.4900003162, -0.9900001581}, {0.4808225968, -0.9936611675},
	  {0.4824317312, -0.9971838032}}},
	/* lr 1 so the momentum-cache schedule (u_t against u_{t+1}) shows */
	{"nadam lr 1", NN_OPTIM_NADAM, 1.0f, 0.0f, 0,
	 {{-0.5564507219, 0.05645125013}, {-1.567791183, -0.8501059559},
	  {-0.6620459551, -1.01136956}}},
	{"rmsprop", NN_OPTIM_RMSPROP, 0.01f, 0.0f, 0,
	 {{0.4683773234, -0.9683772734}, {0.4382262192, -0.9969486816},
	  {0.4653784724, -1.000686899}}},
	{"rmsprop momentum 0.5", NN_OPTIM_RMSPROP, 0.01f, 0.5f, 0,
	 {{0.4683773234, -0.9683772734}, {0.4224148809, -0.9811373183},
	  {0.4265859128, -0.9912555577}}},
	{"adagrad", NN_OPTIM_ADAGRAD, 0.1f, 0.0f, 0,
	 {{0.4698488746, -0.9465477659}, {0.4027668503, -1.019577427},
	  {0.4773024384, -1.028668334}}},
};
#define N_CASES ((int)(sizeof cases / sizeof cases[0]))

static void fill(float *w, float a, float b)
{
	for (int i = 0; i < NP; i += 2) {
		w[i] = a;
		w[i + 1] = b;
	}
}

static struct nn_optim *make(const struct optim_case *c)
{
	struct nn_optim_cfg cfg;
	struct nn_optim *o;
	struct dl_error err;

	nn_optim_defaults(&cfg, c->type);
	cfg.lr = c->lr;
	cfg.momentum = c->momentum;
	cfg.nesterov = c->nesterov;
	if (nn_optim_new(&o, &cfg, NP, &err) != DL_OK) {
		ok(0, "%s: nn_optim_new failed: %s", c->what, err.msg);
		return NULL;
	}
	return o;
}

static void test_case(const struct optim_case *c)
{
	struct nn_optim *o = make(c);
	float w[NP], g[NP];

	if (!o)
		return;
	fill(w, 0.5f, -1.0f);
	for (int s = 0; s < 3; s++) {
		int same = 1;

		fill(g, G[s][0], G[s][1]);
		nn_optim_step(o, w, g, c->lr);
		is_near(w[0], c->want[s][0], 2e-6, "%s: step %d, first parameter", c->what, s + 1);
		is_near(w[1], c->want[s][1], 2e-6, "%s: step %d, second parameter", c->what, s + 1);
		for (int i = 2; i < NP; i++)
			same &= memcmp(&w[i], &w[i % 2], sizeof(float)) == 0;
		ok(same, "%s: step %d, copies of a parameter get bit-identical updates "
		   "(vector and scalar paths agree)", c->what, s + 1);
	}
	ok(nn_optim_steps(o) == 3, "%s: three steps counted", c->what);
	nn_optim_free(o);
}

/* Save after two steps, take the third; reload into a fresh optimiser and
 * take the third again: the results must match to the bit. */
static void test_state_round_trip(const struct optim_case *c)
{
	struct nn_optim *o = make(c), *o2 = make(c);
	float w[NP], g[NP], w_saved[NP], w3[NP];
	void *buf;
	size_t size;

	if (!o || !o2) {
		nn_optim_free(o);
		nn_optim_free(o2);
		return;
	}
	fill(w, 0.5f, -1.0f);
	for (int s = 0; s < 2; s++) {
		fill(g, G[s][0], G[s][1]);
		nn_optim_step(o, w, g, c->lr);
	}
	size = nn_optim_state_size(o);
	buf = malloc(size);
	if (!buf) {
		ok(0, "malloc");
		return;
	}
	nn_optim_state_save(o, buf);
	memcpy(w_saved, w, sizeof w);
	fill(g, G[2][0], G[2][1]);
	nn_optim_step(o, w, g, c->lr);
	memcpy(w3, w, sizeof w);

	nn_optim_state_load(o2, buf);
	ok(nn_optim_steps(o2) == 2, "%s: loaded state has two steps", c->what);
	memcpy(w, w_saved, sizeof w);
	nn_optim_step(o2, w, g, c->lr);
	ok(memcmp(w, w3, sizeof w) == 0, "%s: save/load round trip gives the same third step",
	   c->what);
	free(buf);
	nn_optim_free(o);
	nn_optim_free(o2);
}

static void test_defaults_and_names(void)
{
	struct nn_optim_cfg cfg;
	static const char *names[] = {"sgd", "adam", "nadam", "rmsprop", "adagrad"};

	nn_optim_defaults(&cfg, NN_OPTIM_SGD);
	ok(cfg.lr == 0.01f && cfg.momentum == 0.0f && cfg.nesterov == 0,
	   "sgd defaults: lr 0.01, no momentum");
	nn_optim_defaults(&cfg, NN_OPTIM_ADAM);
	ok(cfg.lr == 0.001f && cfg.beta1 == 0.9f && cfg.beta2 == 0.999f && cfg.epsilon == 1e-7f,
	   "adam defaults: lr 0.001, betas 0.9 0.999, epsilon 1e-7");
	nn_optim_defaults(&cfg, NN_OPTIM_RMSPROP);
	ok(cfg.lr == 0.001f && cfg.rho == 0.9f && cfg.momentum == 0.0f,
	   "rmsprop defaults: lr 0.001, rho 0.9");
	nn_optim_defaults(&cfg, NN_OPTIM_ADAGRAD);
	ok(cfg.lr == 0.001f && cfg.initial_accumulator == 0.1f,
	   "adagrad defaults: lr 0.001, initial accumulator 0.1");
	for (int i = 0; i < 5; i++) {
		is_str(nn_optim_name((enum nn_optim_type)i), names[i], "optimizer %d is named %s", i, names[i]);
		ok(nn_optim_from_name(names[i]) == i, "'%s' parses back", names[i]);
	}
	ok(nn_optim_from_name("adamw") == -1, "unknown optimizer name gives -1");
}

static void test_bad_type(void)
{
	struct nn_optim_cfg cfg;
	struct nn_optim *o = (struct nn_optim *)&cfg;
	struct dl_error err;

	nn_optim_defaults(&cfg, NN_OPTIM_SGD);
	cfg.type = (enum nn_optim_type)42;
	ok(nn_optim_new(&o, &cfg, 4, &err) == DL_ERR && o == NULL,
	   "an unknown optimizer type is an error and leaves *out NULL");
	is_str(err.msg, "unknown optimizer type 42", "the error names the type");
}

/* Shared between threads, an update takes its parameters a chunk at a
 * time in whatever order the threads come: it gives the bits of one thread,
 * for every rule, with chunks that end mid-vector and a short last one. */
static const struct nn_split_cost split_always[NN_SPLIT_KINDS] = {
	[NN_SPLIT_OPTIMIZER] = {1.0, 0.0},
};

static void test_threads(const struct optim_case *c)
{
	enum { N = 30001, STEPS = 3 };
	struct nn_optim_cfg cfg;
	struct nn_optim *o[2];
	struct nn_pool *pool;
	struct dl_error err;
	float *w[2], *g = malloc(sizeof(float) * N);
	int same = 1;

	if (nn_pool_new(&pool, 3, &err) != DL_OK || !g) {
		ok(0, "%s: a pool of 3 threads", c->what);
		free(g);
		return;
	}
	nn_pool_set_costs(pool, split_always);
	nn_optim_defaults(&cfg, c->type);
	cfg.lr = c->lr;
	cfg.momentum = c->momentum;
	cfg.nesterov = c->nesterov;
	for (int k = 0; k < 2; k++) {
		w[k] = malloc(sizeof(float) * N);
		nn_optim_new(&o[k], &cfg, N, &err);
		for (int i = 0; i < N; i++)
			w[k][i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
	}
	nn_optim_set_pool(o[1], pool);
	for (int step = 0; step < STEPS; step++) {
		for (int i = 0; i < N; i++)
			g[i] = (float)(((i + 13 * step) * 61) % 97) / 97.0f - 0.5f;
		nn_optim_step(o[0], w[0], g, c->lr);
		nn_optim_step(o[1], w[1], g, c->lr);
		same &= !memcmp(w[0], w[1], sizeof(float) * N);
	}
	ok(same, "%s: %d parameters on 3 threads, bit for bit those of one thread", c->what, N);
	for (int k = 0; k < 2; k++) {
		nn_optim_free(o[k]);
		free(w[k]);
	}
	free(g);
	nn_pool_free(pool);
}

int main(void)
{
	for (int i = 0; i < N_CASES; i++)
		test_case(&cases[i]);
	for (int i = 0; i < N_CASES; i++)
		test_state_round_trip(&cases[i]);
	for (int i = 0; i < N_CASES; i++)
		test_threads(&cases[i]);
	test_defaults_and_names();
	test_bad_type();
	return tap_done();
}
