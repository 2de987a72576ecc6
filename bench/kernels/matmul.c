/* Dense double matrix multiply C = A * B, N x N (argv[1], default 512), REPS times
 * (argv[2], default 20), in i-k-j order so the inner loop is a contiguous axpy that
 * native compilers vectorise. Prints a checksum of C. */
#include <stdio.h>
#include <stdlib.h>

static void matmul_mul(int n, const double *a, const double *b, double *c)
{
    for (int i = 0; i < n * n; i++)
        c[i] = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (int j = 0; j < n; j++)
                c[i * n + j] += aik * b[k * n + j];
        }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 512;
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    double *a = malloc(sizeof(double) * n * n);
    double *b = malloc(sizeof(double) * n * n);
    double *c = malloc(sizeof(double) * n * n);
    if (!a || !b || !c) {
        fprintf(stderr, "matmul: out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 7 + j * 3) % 17) / 16.0 - 0.5;
            b[i * n + j] = (double)((i * 5 + j * 11) % 13) / 12.0 - 0.5;
        }
    double sum = 0;
    for (int r = 0; r < reps; r++) {
        matmul_mul(n, a, b, c);
        a[r % (n * n)] += c[(r * 31) % (n * n)] * 1e-3; /* make each repetition differ */
        for (int i = 0; i < n * n; i += 7)
            sum += c[i];
    }
    printf("matmul %dx%d x %d: %.6e %.6e\n", n, n, reps, sum, c[n * n - 1]);
    free(a);
    free(b);
    free(c);
    return 0;
}
