/* Hostile guest: allocates 1 MiB blocks until malloc says no. Under --memory the cap ends
 * it (memory.grow returns -1, malloc returns NULL); the guest then frees everything,
 * allocates once more to show the heap still works, and exits 0. Prints the count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    static void *blocks[8192];
    int n = 0;
    while (n < 8192) {
        void *p = malloc(1 << 20);
        if (!p)
            break;
        memset(p, 0xa5, 1 << 20); /* touch it: the pages are really there */
        blocks[n++] = p;
    }
    printf("malloc failed after %d MiB\n", n);
    for (int i = 0; i < n; i++)
        free(blocks[i]);
    void *again = malloc(1 << 20);
    printf("after freeing: %s\n", again ? "malloc works" : "malloc fails");
    return again ? 0 : 1;
}
