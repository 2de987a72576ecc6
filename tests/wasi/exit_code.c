/*
 * proc_exit: exits with the status given as argv[1] (default 3) after printing a line;
 * the runner must report exactly that status and the output written before it.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int code = argc > 1 ? atoi(argv[1]) : 3;
    printf("exiting with %d\n", code);
    fflush(stdout);
    exit(code);
}
