/*
 * waot command line: dispatches to one command per file. Exit statuses follow Docker:
 * 125 when waot itself fails (bad usage, missing file, invalid module, compiler missing).
 * This executable links the runtime only; the compiler library is dlopen'd on demand.
 */
#include <stdio.h>
#include <string.h>

#include "cache_cmd.h"
#include "compile_cmd.h"
#include "image_build_cmd.h"
#include "image_cmd.h"
#include "prewarm_cmd.h"
#include "run_cmd.h"
#include "wast.h"

#ifndef WAOT_VERSION
#define WAOT_VERSION "unknown"
#endif

#define EXIT_WAOT 125

static void print_help(FILE *f)
{
    fprintf(f,
            "usage: waot COMMAND [ARGS...]\n"
            "\n"
            "commands:\n"
            "  compile IN.wasm [-o OUT.waot] [--opt-level N] [--target TRIPLE] [--cpu NAME]\n"
            "                      compile a WebAssembly module ahead of time (without -o:\n"
            "                      into the cache, printing the entry's path)\n"
            "  wast [--opt-level N] [--loose-traps] [--timeout S] [--no-fork] FILE.wast...\n"
            "                      run WebAssembly spec test scripts; for another machine:\n"
            "                      --target T [--cpu C] --emit DIR compiles their modules into\n"
            "                      DIR, --artifacts DIR runs them from there\n"
            "  run [OPTIONS] [--] FILE.wasm|ARTIFACT [ARGS...]\n"
            "                      run a WASI command (waot run --help for the options)\n"
            "  prewarm [--target T] [--cpu C] [--opt-level N] [-q] IMAGE_OR_WASM...\n"
            "                      compile into the cache ahead of time, without running\n"
            "  cache ls|gc|rm      list the compiled-code cache, evict least recently used\n"
            "                      entries (gc --max-size SIZE), remove entries (rm KEY|--all)\n"
            "  image import|ls|rm|inspect\n"
            "                      manage the local image store (waot image --help)\n"
            "  image build FILE.wasm -t NAME[:TAG] [-o OUT.tar] [--entrypoint ARG] [--env K=V]\n"
            "                      pack a module as an OCI image archive (wasip1/wasm)\n"
            "  version             print the version\n"
            "  help                print this help\n"
            "\n"
            "environment:\n"
            "  WAOT_CACHE_DIR      compiled-code cache (default ~/.cache/waot)\n"
            "  WAOT_COMPILER_LIB   path of libwaot_compiler.so (default: next to the executable,\n"
            "                      then ../lib/waot/)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return EXIT_WAOT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "compile") == 0)
        return compile_cmd_main(argc - 1, argv + 1);
    if (strcmp(cmd, "wast") == 0)
        return wast_main(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return run_cmd_main(argc - 1, argv + 1);
    if (strcmp(cmd, "prewarm") == 0)
        return prewarm_cmd_main(argc - 1, argv + 1);
    if (strcmp(cmd, "cache") == 0)
        return cache_cmd_main(argc - 1, argv + 1);
    if (strcmp(cmd, "image") == 0 && argc > 2 && strcmp(argv[2], "build") == 0)
        return image_build_cmd_main(argc - 2, argv + 2);
    if (strcmp(cmd, "image") == 0)
        return image_cmd_main(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("waot %s\n", WAOT_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        print_help(stdout);
        return 0;
    }
    fprintf(stderr, "waot: unknown command \"%s\" (try \"waot help\")\n", cmd);
    return EXIT_WAOT;
}
