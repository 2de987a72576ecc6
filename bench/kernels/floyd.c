/* Floyd-Warshall all-pairs shortest paths (PolyBench style) on an N-node graph (argv[1],
 * default 1500) with int weights: an O(N^3) min/add loop nest whose inner loop is a
 * contiguous row update that native compilers vectorise. Prints a checksum. */
#include <stdio.h>
#include <stdlib.h>

static void floyd_run(int n, int *d)
{
    for (int k = 0; k < n; k++)
        for (int i = 0; i < n; i++) {
            int dik = d[i * n + k];
            for (int j = 0; j < n; j++) {
                int via = dik + d[k * n + j];
                d[i * n + j] = d[i * n + j] < via ? d[i * n + j] : via;
            }
        }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1500;
    int *d = malloc((size_t)n * n * sizeof *d);
    if (!d) {
        fprintf(stderr, "floyd: out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            d[i * n + j] = i == j ? 0 : ((i * j) % 7 + 1) * 11 + (i + j) % 13 + ((i + j) % 5 == 0) * 999;
    floyd_run(n, d);
    unsigned long long sum = 0;
    for (int i = 0; i < n * n; i++)
        sum = sum * 1000003u + (unsigned)d[i];
    printf("floyd %d: %llu\n", n, sum);
    free(d);
    return 0;
}
