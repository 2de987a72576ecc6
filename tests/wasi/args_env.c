/*
 * Arguments and environment. Run as: waot run args_env.wasm -- one "two words" 3
 * with the environment exactly {WAOT_A=alpha, WAOT_B=} (nothing inherited).
 */
#include <stdlib.h>

#include "wasi_check.h"

extern char **environ;

int main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);
    CHECK(argc == 4);
    if (argc == 4) {
        CHECK(strcmp(argv[1], "one") == 0);
        CHECK(strcmp(argv[2], "two words") == 0);
        CHECK(strcmp(argv[3], "3") == 0);
    }
    int n = 0;
    for (char **e = environ; *e; e++, n++)
        printf("env: %s\n", *e);
    CHECK(n == 2);
    CHECK(getenv("WAOT_A") && strcmp(getenv("WAOT_A"), "alpha") == 0);
    CHECK(getenv("WAOT_B") && strcmp(getenv("WAOT_B"), "") == 0);
    CHECK(getenv("PATH") == NULL);
    return check_done("args_env");
}
