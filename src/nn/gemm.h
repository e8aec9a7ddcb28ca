/*
 * gemm.h - the one place digitlab calls BLAS.
 *
 * Row-major single-precision C = alpha * op(A) op(B) + beta * C. Keeping BLAS
 * behind one function lets us count, profile or replace it in one place.
 */
#ifndef DL_NN_GEMM_H
#define DL_NN_GEMM_H

/* op(A) is (M, K), op(B) is (K, N), C is (M, N); trans_a/trans_b are 0 or 1. */
void nn_gemm(int trans_a, int trans_b, int M, int N, int K, float alpha,
	     const float *A, int lda, const float *B, int ldb, float beta,
	     float *C, int ldc);

/* Threads BLAS may use inside one GEMM (OpenBLAS keeps this process-wide).
 * digitlab sets 1 at start-up and splits work itself (parallel.h): nn_gemm
 * is then safe to call from several threads at once. */
void nn_gemm_set_threads(int n);

#endif
