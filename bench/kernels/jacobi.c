/* Jacobi 2-D five-point stencil (PolyBench jacobi-2d style): T rounds (argv[2], default
 * 500) of two sweeps, A->B then B->A, over an N x N grid (argv[1], default 1000).
 * Streaming, vectorisable loads and stores. Prints a checksum. */
#include <stdio.h>
#include <stdlib.h>

static void jacobi_sweep(int n, const double *restrict src, double *restrict dst)
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            dst[i * n + j] = 0.2 * (src[i * n + j] + src[i * n + j - 1] + src[i * n + j + 1] +
                                    src[(i - 1) * n + j] + src[(i + 1) * n + j]);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int steps = argc > 2 ? atoi(argv[2]) : 500;
    double *a = malloc((size_t)n * n * sizeof *a);
    double *b = malloc((size_t)n * n * sizeof *b);
    if (!a || !b) {
        fprintf(stderr, "jacobi: out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            a[i * n + j] = ((double)i * (j + 2) + 2) / n;
            b[i * n + j] = ((double)i * (j + 3) + 3) / n;
        }
    for (int t = 0; t < steps; t++) {
        jacobi_sweep(n, a, b);
        jacobi_sweep(n, b, a);
    }
    double sum = 0;
    for (int i = 0; i < n * n; i++)
        sum += a[i];
    printf("jacobi %d x %d: %.9e\n", n, steps, sum);
    free(a);
    free(b);
    return 0;
}
