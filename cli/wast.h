/*
 * `waot wast [OPTIONS] FILE.wast...`: runs WebAssembly spec test scripts.
 */
#ifndef WAOT_CLI_WAST_H
#define WAOT_CLI_WAST_H

/* argv[0] is "wast". Returns 0 when every command passed or was skipped, 1 when something
 * failed, 125 when waot itself cannot run (bad usage, compiler library missing). */
int wast_main(int argc, char **argv);

#endif
