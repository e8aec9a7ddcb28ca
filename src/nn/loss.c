/* Losses over the last layer's output y (B, K), mean over the batch, with
 * Keras's definitions. Values accumulate in double; gradients are written for
 * the whole batch in one pass. */
#include <math.h>
#include <string.h>

#include "nn/layer.h"

#define CE_CLIP 1e-7   /* Keras's backend epsilon, used to clip probabilities */

/* Index of the largest y_j with j != skip, first on ties; -1 when K == 1. */
static int argmax_except(const float *y, int K, int skip)
{
	int best = -1;

	for (int j = 0; j < K; j++)
		if (j != skip && (best < 0 || y[j] > y[best]))
			best = j;
	return best;
}

double nn_loss_value(enum nn_loss loss, int logits, const float *y,
		     const uint8_t *labels, int B, int K)
{
	double total = 0.0;

	for (int r = 0; r < B; r++) {
		const float *yr = y + (size_t)r * K;
		int lab = labels[r];

		switch (loss) {
		case NN_LOSS_CROSS_ENTROPY:
			if (logits) {
				double mx = yr[0], s = 0.0;

				for (int j = 1; j < K; j++)
					mx = yr[j] > mx ? yr[j] : mx;
				for (int j = 0; j < K; j++)
					s += exp((double)yr[j] - mx);
				total += mx + log(s) - yr[lab];
			} else {
				double p = yr[lab];

				p = p < CE_CLIP ? CE_CLIP : p > 1.0 - CE_CLIP ? 1.0 - CE_CLIP : p;
				total -= log(p);
			}
			break;
		case NN_LOSS_MSE:
		case NN_LOSS_SSE: {
			double s = 0.0;

			for (int j = 0; j < K; j++) {
				double d = (double)yr[j] - (j == lab);
				s += d * d;
			}
			total += loss == NN_LOSS_MSE ? s / K : 0.5 * s;
			break;
		}
		case NN_LOSS_HINGE: {
			int j = argmax_except(yr, K, lab);
			double neg = j < 0 ? 0.0 : yr[j];
			double m = 1.0 + neg - yr[lab];

			total += m > 0.0 ? m : 0.0;
			break;
		}
		}
	}
	return B > 0 ? total / B : 0.0;
}

void nn_loss_grad(enum nn_loss loss, int logits, float *dy, const float *y,
		  const uint8_t *labels, int B, int K)
{
	size_t N = (size_t)B * K;
	float invB = 1.0f / (float)B;

	switch (loss) {
	case NN_LOSS_CROSS_ENTROPY:
		/* (softmax - onehot) / B at the pre-activation */
		if (logits)
			nn_activation_forward(NN_ACT_SOFTMAX, 0.0f, dy, y, B, K);
		else if (dy != y)
			memcpy(dy, y, sizeof(float) * N);
		for (size_t i = 0; i < N; i++)
			dy[i] *= invB;
		for (int r = 0; r < B; r++)
			dy[(size_t)r * K + labels[r]] -= invB;
		break;
	case NN_LOSS_MSE:
	case NN_LOSS_SSE: {
		float c = loss == NN_LOSS_MSE ? 2.0f / ((float)B * (float)K) : invB;

		for (int r = 0; r < B; r++) {
			const float *yr = y + (size_t)r * K;
			float *dr = dy + (size_t)r * K;

			for (int j = 0; j < K; j++)
				dr[j] = c * yr[j];
			dr[labels[r]] -= c;
		}
		break;
	}
	case NN_LOSS_HINGE:
		memset(dy, 0, sizeof(float) * N);
		for (int r = 0; r < B; r++) {
			const float *yr = y + (size_t)r * K;
			float *dr = dy + (size_t)r * K;
			int lab = labels[r], j = argmax_except(yr, K, lab);
			float neg = j < 0 ? 0.0f : yr[j];

			/* the same test, in double, as nn_loss_value */
			if (1.0 + (double)neg - (double)yr[lab] > 0.0) {
				if (j >= 0)
					dr[j] += invB;
				dr[lab] -= invB;
			}
		}
		break;
	}
}
