/* Cholesky factorisation (PolyBench style, in place, lower triangle) of an N x N
 * (argv[1], default 1500) symmetric positive definite matrix built as L*L^T.
 * Triangular loop nest with a dot-product inner loop and sqrt. Prints a checksum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void cholesky_init(int n, double *a)
{
    /* A = L0 * L0^T with L0 lower triangular, unit-ish diagonal: SPD by construction */
    double *l = calloc((size_t)n * n, sizeof *l);
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++)
            l[i * n + j] = i == j ? 1.0 + (double)(i % 5) : (double)((i + 2 * j) % 7) / (7.0 * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0;
            for (int k = 0; k <= j; k++)
                s += l[i * n + k] * l[j * n + k];
            a[i * n + j] = s;
            a[j * n + i] = s;
        }
    free(l);
}

static void cholesky_factor(int n, double *a)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
            double s = a[i * n + j];
            for (int k = 0; k < j; k++)
                s -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = s / a[j * n + j];
        }
        double s = a[i * n + i];
        for (int k = 0; k < i; k++)
            s -= a[i * n + k] * a[i * n + k];
        a[i * n + i] = sqrt(s);
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1500;
    double *a = malloc((size_t)n * n * sizeof *a);
    if (!a) {
        fprintf(stderr, "cholesky: out of memory\n");
        return 1;
    }
    cholesky_init(n, a);
    cholesky_factor(n, a);
    double sum = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++)
            sum += a[i * n + j] * (double)(1 + (i ^ j) % 3);
    printf("cholesky %d: %.9e\n", n, sum);
    free(a);
    return 0;
}
