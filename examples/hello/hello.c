/*
 * The example guest of `make demo`: a WASI command that greets, then shows the arguments
 * and environment it was given. Built to wasm32-wasi during the build
 * (build/examples/hello.wasm) and packed as an OCI image with `waot image build`.
 */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv)
{
    const char *name = getenv("GREETING_NAME");
    printf("Hello, %s! This is WebAssembly, compiled ahead of time by waot.\n",
           name && *name ? name : "world");
    printf("arguments (%d):\n", argc);
    for (int i = 0; i < argc; i++)
        printf("  argv[%d] = %s\n", i, argv[i]);
    int n = 0;
    for (char **e = environ; *e; e++)
        n++;
    printf("environment (%d):\n", n);
    for (char **e = environ; *e; e++)
        printf("  %s\n", *e);
    return 0;
}
