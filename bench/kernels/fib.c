/* Recursive calls: naive fib(N) and Ackermann(3, M). Measures call/return overhead
 * and, in wasm, the cost of the stack-overflow check in every prologue.
 * argv[1] = N (default 42), argv[2] = M (default 10). */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static unsigned fib_fib(unsigned n)
{
    return n < 2 ? n : fib_fib(n - 1) + fib_fib(n - 2);
}

__attribute__((noinline)) static unsigned fib_ack(unsigned m, unsigned n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return fib_ack(m - 1, 1);
    return fib_ack(m - 1, fib_ack(m, n - 1));
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 42;
    unsigned m = argc > 2 ? (unsigned)atoi(argv[2]) : 10;
    printf("fib(%u) = %u\n", n, fib_fib(n));
    printf("ack(3, %u) = %u\n", m, fib_ack(3, m));
    return 0;
}
