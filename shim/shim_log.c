/* The shim's log lines (see shim_log.h). */
#include "shim_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

bool shim_log_debug_enabled;

void shim_log(const char *level, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "time=\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\" level=%s msg=\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000, level);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 3)
        n = (int)sizeof line - 3;
    line[n++] = '"';
    line[n++] = '\n';
    /* One write per line: containerd reads the fifo line by line, and several threads log. */
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
