/* Learning-rate schedules and early stopping against hand-computed cases
 * that follow Keras's definitions. */
#include "tap.h"
#include "train/callbacks.h"

static void test_piecewise(void)
{
	struct schedule_spec s;

	schedule_defaults(&s, SCHEDULE_PIECEWISE_CONSTANT);
	s.n_boundaries = 2;
	s.boundaries[0] = 100;
	s.boundaries[1] = 200;
	s.values[0] = 0.5f;
	s.values[1] = 0.3f;
	s.values[2] = 0.1f;
	is_near(schedule_lr(&s, 9, 0, 0), 0.5, 0, "piecewise: first value at step 0");
	is_near(schedule_lr(&s, 9, 100, 0), 0.5, 0, "piecewise: boundary itself still takes the earlier value");
	is_near(schedule_lr(&s, 9, 101, 0), 0.3f, 0, "piecewise: second value after the first boundary");
	is_near(schedule_lr(&s, 9, 201, 0), 0.1f, 0, "piecewise: last value after the last boundary");
	s.unit = SCHEDULE_EPOCHS;
	s.boundaries[0] = 1;
	s.boundaries[1] = 3;
	is_near(schedule_lr(&s, 9, 5000, 2), 0.3f, 0, "piecewise in epochs: epoch index 2 is between 1 and 3");
}

static void test_exponential(void)
{
	struct schedule_spec s;

	schedule_defaults(&s, SCHEDULE_EXPONENTIAL);
	s.rate = 0.69f;
	s.decay_steps = 54;
	s.staircase = 1;
	is_near(schedule_lr(&s, 0.5f, 53, 0), 0.5, 1e-7, "staircase: unchanged before decay_steps");
	is_near(schedule_lr(&s, 0.5f, 54, 0), 0.5 * 0.69, 1e-6, "staircase: one decay at decay_steps");
	is_near(schedule_lr(&s, 0.5f, 170, 0), 0.5 * 0.69 * 0.69 * 0.69, 1e-6, "staircase: three decays at step 170");
	s.staircase = 0;
	is_near(schedule_lr(&s, 0.5f, 27, 0), 0.5 * sqrt(0.69), 1e-6, "smooth: half a decay at half the steps");
}

static void test_cosine(void)
{
	struct schedule_spec s;

	schedule_defaults(&s, SCHEDULE_COSINE);
	s.decay_steps = 100;
	s.alpha = 0.1f;
	is_near(schedule_lr(&s, 1, 0, 0), 1.0, 1e-6, "cosine: starts at the base rate");
	is_near(schedule_lr(&s, 1, 50, 0), 0.55, 1e-6, "cosine: halfway is (1 - alpha) / 2 + alpha");
	is_near(schedule_lr(&s, 1, 500, 0), 0.1, 1e-6, "cosine: stays at alpha after decay_steps");
}

static void test_plateau(void)
{
	struct schedule_spec s;
	struct plateau_state p;
	/* val_loss per epoch; patience 2, factor 0.2, cooldown 1, min_lr 0.01 */
	const double losses[] = {1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.94, 0.96, 0.97, 0.98};
	/* epoch 4: two epochs without improvement -> 0.02, then one epoch of
	 * cooldown (epoch 5 counts it down and already waits again), so epoch 6
	 * reduces to max(0.004, min_lr) = 0.01; later reductions are refused. */
	const int reduced_at[] = {0, 0, 0, 1, 0, 1, 0, 0, 0, 0};
	const float lr_after[] = {0.1f, 0.1f, 0.1f, 0.02f, 0.02f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f};
	int all_ok = 1;

	schedule_defaults(&s, SCHEDULE_REDUCE_ON_PLATEAU);
	s.patience = 2;
	s.factor = 0.2f;
	s.cooldown = 1;
	s.min_lr = 0.01f;
	plateau_init(&p, &s, 0.1f);
	for (int i = 0; i < 10; i++) {
		int r = plateau_update(&p, &s, losses[i]);
		int want = reduced_at[i];
		if (r != want || fabsf(p.lr - lr_after[i]) > 1e-7f) {
			all_ok = 0;
			fprintf(stderr, "# epoch %d: reduced %d (want %d), lr %g (want %g)\n",
				i + 1, r, want, p.lr, lr_after[i]);
		}
	}
	ok(all_ok, "reduce_on_plateau: patience, cooldown and min_lr as Keras");
}

static void test_early_stop(void)
{
	struct early_stop_spec e;
	struct early_stop_state st;
	int improved, stop = 0, epoch;
	const double acc[] = {0.90, 0.95, 0.96, 0.955, 0.958, 0.959, 0.99};

	early_stop_defaults(&e);
	e.enabled = 1;
	e.monitor = MONITOR_VAL_ACCURACY;
	e.patience = 3;
	early_stop_init(&st, &e);
	for (epoch = 1; epoch <= 7 && !stop; epoch++)
		stop = early_stop_update(&st, &e, epoch, acc[epoch - 1], &improved);
	is_near(epoch - 1, 6, 0, "patience 3: stops after three epochs without improvement");
	is_near(st.best_epoch, 3, 0, "remembers the best epoch");

	/* Keras's EarlyStopping(): patience 0 stops at the first epoch that does
	 * not improve, as patience 1 does */
	for (int p = 0; p <= 1; p++) {
		early_stop_defaults(&e);
		e.enabled = 1;
		e.monitor = MONITOR_VAL_ACCURACY;
		e.patience = p;
		early_stop_init(&st, &e);
		stop = 0;
		for (epoch = 1; epoch <= 7 && !stop; epoch++)
			stop = early_stop_update(&st, &e, epoch, acc[epoch - 1], &improved);
		is_near(epoch - 1, 4, 0, "patience %d: stops at the first epoch without improvement", p);
	}

	early_stop_defaults(&e);
	e.enabled = 1;
	e.monitor = MONITOR_VAL_ACCURACY;
	e.patience = -1;
	early_stop_init(&st, &e);
	stop = 0;
	for (epoch = 1; epoch <= 7 && !stop; epoch++)
		stop = early_stop_update(&st, &e, epoch, acc[epoch - 1], &improved);
	ok(!stop, "patience -1: never stops for lack of improvement");

	early_stop_defaults(&e);
	e.enabled = 1;
	e.monitor = MONITOR_VAL_ACCURACY;
	e.patience = -1;
	e.has_target = 1;
	e.target = 0.955f;
	early_stop_init(&st, &e);
	stop = 0;
	for (epoch = 1; epoch <= 7 && !stop; epoch++)
		stop = early_stop_update(&st, &e, epoch, acc[epoch - 1], &improved);
	is_near(epoch - 1, 3, 0, "target accuracy: stops at the first epoch that reaches it");

	early_stop_defaults(&e);
	e.enabled = 1;
	e.monitor = MONITOR_LOSS;
	e.patience = -1;
	e.has_target = 1;
	e.target = 0.001f;
	early_stop_init(&st, &e);
	ok(!early_stop_update(&st, &e, 1, 0.0011, &improved), "target loss: not reached at 0.0011");
	ok(early_stop_update(&st, &e, 2, 0.0009, &improved), "target loss: reached at 0.0009");
}

int main(void)
{
	test_piecewise();
	test_exponential();
	test_cosine();
	test_plateau();
	test_early_stop();
	return tap_done();
}
