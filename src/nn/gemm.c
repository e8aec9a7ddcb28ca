/* The one file that calls BLAS: everything else goes through nn_gemm(). */
#include "nn/gemm.h"

#include <cblas.h>

void nn_gemm(int trans_a, int trans_b, int M, int N, int K, float alpha,
	     const float *A, int lda, const float *B, int ldb, float beta,
	     float *C, int ldc)
{
	cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
		    trans_b ? CblasTrans : CblasNoTrans, M, N, K, alpha,
		    A, lda, B, ldb, beta, C, ldc);
}

void nn_gemm_set_threads(int n)
{
	openblas_set_num_threads(n < 1 ? 1 : n);
}
