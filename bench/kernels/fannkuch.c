/* fannkuch-redux: for every permutation of 1..N (generated in the benchmark's order),
 * count the prefix reversals ("flips") until 1 leads; report the checksum (alternating
 * sum of flip counts) and the maximum. Small-array integer work with unpredictable
 * branches. N is argv[1], default 10; the whole run is repeated argv[2] times (default 3). */
#include <stdio.h>
#include <stdlib.h>

#define FANNKUCH_MAXN 16

static void fannkuch_run(int n, long *checksum_out, int *maxflips_out)
{
    int perm[FANNKUCH_MAXN], perm1[FANNKUCH_MAXN], count[FANNKUCH_MAXN];
    long checksum = 0;
    int maxflips = 0, permcount = 0, r = n;

    for (int i = 0; i < n; i++)
        perm1[i] = i;
    for (;;) {
        while (r != 1) {
            count[r - 1] = r;
            r--;
        }
        for (int i = 0; i < n; i++)
            perm[i] = perm1[i];
        int flips = 0;
        for (int k = perm[0]; k != 0; k = perm[0]) {
            for (int i = 0, j = k; i < j; i++, j--) {
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            flips++;
        }
        if (flips > maxflips)
            maxflips = flips;
        checksum += (permcount % 2 == 0) ? flips : -flips;
        /* next permutation: rotate the first r+1 elements left, counting down */
        for (;;) {
            if (r == n) {
                *checksum_out = checksum;
                *maxflips_out = maxflips;
                return;
            }
            int first = perm1[0];
            for (int i = 0; i < r; i++)
                perm1[i] = perm1[i + 1];
            perm1[r] = first;
            count[r]--;
            if (count[r] > 0)
                break;
            r++;
        }
        permcount++;
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 3 || n > FANNKUCH_MAXN) {
        fprintf(stderr, "fannkuch: N must be 3..%d\n", FANNKUCH_MAXN);
        return 2;
    }
    long checksum = 0;
    int maxflips = 0;
    for (int r = 0; r < reps; r++)
        fannkuch_run(n, &checksum, &maxflips);
    printf("%ld\nPfannkuchen(%d) = %d\n", checksum, n, maxflips);
    return 0;
}
