/* Activations with Keras's definitions. Each is one tight loop over the
 * whole (rows, n) block so the compiler can vectorise the cheap ones; the
 * switch happens once per call, never per element. */
#include <math.h>

#include "nn/layer.h"

#define SELU_SCALE 1.0507009873554805f
#define SELU_ALPHA 1.6732632423543772f

float nn_activation_alpha(enum nn_activation a, float alpha)
{
	if (alpha != 0.0f)
		return alpha;
	if (a == NN_ACT_LEAKY_RELU)
		return 0.3f;
	if (a == NN_ACT_ELU)
		return 1.0f;
	return alpha;
}

static void softmax_rows(float *y, const float *x, int rows, int n)
{
	for (int r = 0; r < rows; r++) {
		const float *xr = x + (size_t)r * n;
		float *yr = y + (size_t)r * n;
		float mx = xr[0], sum = 0.0f, inv;

		for (int j = 1; j < n; j++)
			mx = xr[j] > mx ? xr[j] : mx;
		for (int j = 0; j < n; j++) {
			yr[j] = expf(xr[j] - mx);
			sum += yr[j];
		}
		inv = 1.0f / sum;
		for (int j = 0; j < n; j++)
			yr[j] *= inv;
	}
}

NN_VECTORIZE void nn_activation_forward(enum nn_activation a, float alpha, float *y,
			   const float *x, int rows, int n)
{
	size_t N = (size_t)rows * n;

	alpha = nn_activation_alpha(a, alpha);
	switch (a) {
	case NN_ACT_LINEAR:
		if (y != x)
			for (size_t i = 0; i < N; i++)
				y[i] = x[i];
		break;
	case NN_ACT_SIGMOID:
		for (size_t i = 0; i < N; i++)
			y[i] = 1.0f / (1.0f + expf(-x[i]));
		break;
	case NN_ACT_TANH:
		for (size_t i = 0; i < N; i++)
			y[i] = tanhf(x[i]);
		break;
	case NN_ACT_RELU:
		for (size_t i = 0; i < N; i++)
			y[i] = x[i] > 0.0f ? x[i] : 0.0f;
		break;
	case NN_ACT_LEAKY_RELU:
		for (size_t i = 0; i < N; i++) {
			float xi = x[i], neg = alpha * xi;   /* both sides: a select */

			y[i] = xi > 0.0f ? xi : neg;
		}
		break;
	case NN_ACT_ELU:
		for (size_t i = 0; i < N; i++)
			y[i] = x[i] > 0.0f ? x[i] : alpha * expm1f(x[i]);
		break;
	case NN_ACT_SELU:
		for (size_t i = 0; i < N; i++)
			y[i] = x[i] > 0.0f ? SELU_SCALE * x[i]
					   : SELU_SCALE * SELU_ALPHA * expm1f(x[i]);
		break;
	case NN_ACT_SOFTMAX:
		softmax_rows(y, x, rows, n);
		break;
	}
}

/* dx may be dy (in place). Derivatives are written through the output y
 * where that is cheaper than recomputing from x. */
NN_VECTORIZE void nn_activation_backward(enum nn_activation a, float alpha, float *dx,
			    const float *dy, const float *x, const float *y,
			    int rows, int n)
{
	size_t N = (size_t)rows * n;

	alpha = nn_activation_alpha(a, alpha);
	switch (a) {
	case NN_ACT_LINEAR:
		if (dx != dy)
			for (size_t i = 0; i < N; i++)
				dx[i] = dy[i];
		break;
	case NN_ACT_SIGMOID:
		for (size_t i = 0; i < N; i++)
			dx[i] = dy[i] * y[i] * (1.0f - y[i]);
		break;
	case NN_ACT_TANH:
		for (size_t i = 0; i < N; i++)
			dx[i] = dy[i] * (1.0f - y[i] * y[i]);
		break;
	case NN_ACT_RELU:
		for (size_t i = 0; i < N; i++) {
			float d = dy[i];                      /* unconditional load */

			dx[i] = x[i] > 0.0f ? d : 0.0f;
		}
		break;
	case NN_ACT_LEAKY_RELU:
		for (size_t i = 0; i < N; i++) {
			float d = dy[i], neg = alpha * d;

			dx[i] = x[i] > 0.0f ? d : neg;
		}
		break;
	case NN_ACT_ELU:
		/* x < 0: d/dx alpha (e^x - 1) = alpha e^x = y + alpha */
		for (size_t i = 0; i < N; i++)
			dx[i] = x[i] > 0.0f ? dy[i] : dy[i] * (y[i] + alpha);
		break;
	case NN_ACT_SELU:
		for (size_t i = 0; i < N; i++)
			dx[i] = x[i] > 0.0f ? SELU_SCALE * dy[i]
					   : dy[i] * (y[i] + SELU_SCALE * SELU_ALPHA);
		break;
	case NN_ACT_SOFTMAX:
		/* dx_j = y_j (dy_j - sum_k dy_k y_k), row by row */
		for (int r = 0; r < rows; r++) {
			const float *dyr = dy + (size_t)r * n, *yr = y + (size_t)r * n;
			float *dxr = dx + (size_t)r * n;
			float s = 0.0f;

			for (int j = 0; j < n; j++)
				s += dyr[j] * yr[j];
			for (int j = 0; j < n; j++)
				dxr[j] = yr[j] * (dyr[j] - s);
		}
		break;
	}
}
