/*
 * Facts about the CPU waot runs on, for the artifact loader: the architecture name (the
 * triple prefix artifacts are built for) and which LLVM target features the host has.
 */
#ifndef WAOT_CPU_FEATURES_H
#define WAOT_CPU_FEATURES_H

#include <stddef.h>

/* "x86_64" or "aarch64". */
const char *cpu_features_arch(void);
/* Checks each "+name" of a comma-separated LLVM feature list against this CPU. Returns 0
 * when all are present, or -1 and writes the missing ones ("+avx512f,+avx512bw") to
 * missing. Names this file does not know are assumed present. */
int cpu_features_check(const char *features, char *missing, size_t missing_size);

#endif
