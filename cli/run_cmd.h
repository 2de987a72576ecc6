/*
 * `waot run [OPTIONS] [--] FILE.wasm [ARGS...]`: builds a launch spec from Docker-style
 * flags and runs it (launch/launch.h).
 */
#ifndef WAOT_CLI_RUN_CMD_H
#define WAOT_CLI_RUN_CMD_H

/* argv[0] is "run". Returns the exit status: the guest's proc_exit code (0 when _start
 * returns), 134 after a trap, 125 after one "waot: ..." line when waot itself fails. */
int run_cmd_main(int argc, char **argv);

#endif
