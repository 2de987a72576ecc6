/*
 * `waot prewarm`: compile modules and images into the cache ahead of time, without running.
 */
#ifndef WAOT_CLI_PREWARM_CMD_H
#define WAOT_CLI_PREWARM_CMD_H

int prewarm_cmd_main(int argc, char **argv);

#endif
