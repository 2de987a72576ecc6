/*
 * `waot compile IN.wasm -o OUT.waot [--opt-level N] [--target TRIPLE] [--cpu NAME]`.
 */
#ifndef WAOT_CLI_COMPILE_CMD_H
#define WAOT_CLI_COMPILE_CMD_H

/* argv[0] is "compile". Returns the process exit status (0, or 125 after one "waot: ..." line). */
int compile_cmd_main(int argc, char **argv);

#endif
