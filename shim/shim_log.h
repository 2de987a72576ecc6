/*
 * The shim's log: stderr, which the daemon points at the bundle's `log` fifo (containerd
 * copies it line by line into its own log). One line per call, prefixed with the level;
 * debug lines only with -debug.
 */
#ifndef WAOT_SHIM_LOG_H
#define WAOT_SHIM_LOG_H

#include <stdbool.h>

extern bool shim_log_debug_enabled;

void shim_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define shim_debugf(...) do { if (shim_log_debug_enabled) shim_log("debug", __VA_ARGS__); } while (0)
#define shim_infof(...) shim_log("info", __VA_ARGS__)
#define shim_warnf(...) shim_log("warning", __VA_ARGS__)
#define shim_errorf(...) shim_log("error", __VA_ARGS__)

#endif
