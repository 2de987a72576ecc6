/*
 * `waot cache ls|gc|rm`: listing and trimming the compiled-code cache.
 */
#ifndef WAOT_CLI_CACHE_CMD_H
#define WAOT_CLI_CACHE_CMD_H

#include <stddef.h>
#include <stdint.h>

int cache_cmd_main(int argc, char **argv);

/* "1.5 MiB", "512 B". */
void cache_cmd_format_size(uint64_t n, char *buf, size_t size);
/* "1048576", "500K", "1.5M", "2G", "2GiB", "10MB" (powers of 1024); -1 when malformed. */
int cache_cmd_parse_size(const char *s, uint64_t *out);

#endif
