/*
 * `waot wast` driver. For each script: make a temporary directory, convert the script with
 * wast2json into it, run the commands (wast_run.c) and delete the directory again, whatever
 * happened. Each script runs in a forked child so that a crash or a hang in one script
 * (a bug in waot, or a runaway guest stopped by --timeout) is reported as a failure of that
 * script and the next one still runs; the child's counts live in a shared mapping so that
 * they survive it. The compiler library is loaded once, before the first fork. --no-fork
 * runs scripts in this process instead, for debuggers.
 *
 * Output: failures as they happen, then "FILE: P passed, F failed, S skipped" per script and
 * "P passed, F failed, S skipped" over all scripts as the last line.
 *
 * Another machine (wast_artifacts.h): --emit DIR runs no command but compiles every binary
 * module of each script (for --target/--cpu) into DIR, counting one pass per module
 * recorded; --artifacts DIR runs the scripts with modules from DIR instead of the compiler,
 * which then need not be installed.
 */
#include "wast.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compiler_load.h"
#include "wast_artifacts.h"
#include "wast_run.h"

#define EXIT_WAOT 125

struct wast_options {
    struct wast_run_options run;
    unsigned timeout; /* seconds per script; 0: none */
    const char *emit_dir;      /* --emit: record modules here instead of running commands */
    const char *artifacts_dir; /* --artifacts: modules from here instead of the compiler */
};

static int usage_fail(const char *why)
{
    fprintf(stderr, "waot: wast: %s\n", why);
    fprintf(stderr, "usage: waot wast [--opt-level N] [--loose-traps] [--timeout SECONDS] [--no-fork]\n"
                    "                 [--target TRIPLE] [--cpu NAME] [--emit DIR | --artifacts DIR] FILE.wast...\n");
    return EXIT_WAOT;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    if (!s || *s < '0' || *s > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The field a text-valued option sets, or NULL when a is no such option. */
static const char **text_option(struct wast_options *opt, const char *a)
{
    if (strcmp(a, "--target") == 0)
        return &opt->run.compile.triple;
    if (strcmp(a, "--cpu") == 0)
        return &opt->run.compile.cpu;
    if (strcmp(a, "--emit") == 0)
        return &opt->emit_dir;
    if (strcmp(a, "--artifacts") == 0)
        return &opt->artifacts_dir;
    return NULL;
}

/* ---- temporary directory ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) < 0)
        fprintf(stderr, "waot: wast: cannot remove %s: %s\n", path, strerror(errno));
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* $TMPDIR/waot-wast-XXXXXX (or under /tmp); prints why and returns -1 on failure. */
static int make_tmpdir(const char *file, char *dir, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(dir, len, "%s/waot-wast-XXXXXX", tmp);
    if (mkdtemp(dir))
        return 0;
    printf("%s: cannot create a temporary directory in %s: %s\n", file, tmp, strerror(errno));
    return -1;
}

/* ---- one script, in the child ---- */

/* "dir/name.wast" -> "name" (at most len-1 characters). */
static void script_stem(const char *path, char *buf, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(buf, len, "%s", base);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = '\0';
    if (!buf[0])
        snprintf(buf, len, "script");
}

/* Runs wast2json FILE -o JSON; 0 on success, else -1 with a message in why. */
static int convert(const char *file, const char *json, char *why, size_t len)
{
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, len, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        char *args[] = {"wast2json", (char *)file, "-o", (char *)json, NULL};
        execvp(args[0], args);
        fprintf(stderr, "waot: wast: cannot run wast2json: %s\n", strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, len, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        snprintf(why, len, "wast2json failed (exit status %d)", WEXITSTATUS(status));
    else
        snprintf(why, len, "wast2json killed by signal %d", WTERMSIG(status));
    return -1;
}

static void run_child(const char *file, const char *dir, const struct wast_options *opt,
                      struct wast_progress *progress)
{
    char stem[256], json[4096 + 300], why[256];
    script_stem(file, stem, sizeof stem);
    snprintf(json, sizeof json, "%s/%s.json", dir, stem);
    if (opt->timeout)
        alarm(opt->timeout);
    if (convert(file, json, why, sizeof why) < 0) {
        printf("%s: %s\n", file, why);
        progress->failed++;
        progress->finished = 1;
        return;
    }
    if (opt->emit_dir) {
        struct waot_error err = {0};
        if (wast_artifacts_emit(dir, opt->emit_dir, opt->run.api, &opt->run.compile,
                                &progress->passed, &err) < 0) {
            printf("%s: %s\n", file, err.msg);
            progress->failed++;
        }
    } else {
        wast_run_script(json, dir, file, &opt->run, progress);
    }
    progress->finished = 1;
}

/* ---- one script, in the parent ---- */

static void run_script(const char *file, const struct wast_options *opt, struct wast_progress *progress)
{
    memset(progress, 0, sizeof *progress);
    char dir[4096];
    if (make_tmpdir(file, dir, sizeof dir) < 0) {
        progress->failed++;
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        printf("%s: fork: %s\n", file, strerror(errno));
        progress->failed++;
        remove_tree(dir);
        return;
    }
    if (pid == 0) {
        run_child(file, dir, opt, progress);
        /* exit, not _exit: under LeakSanitizer the leak check runs at exit, and a report
         * turns into a non-zero status that the parent counts as a failure. */
        exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!progress->finished) {
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
            printf("%s:%d: timed out after %u s\n", file, progress->line, opt->timeout);
        else if (WIFSIGNALED(status))
            printf("%s:%d: waot crashed (signal %d: %s)\n", file, progress->line, WTERMSIG(status),
                   strsignal(WTERMSIG(status)));
        else
            printf("%s:%d: runner ended early (exit status %d)\n", file, progress->line,
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        progress->failed++;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("%s: runner failed at exit (%s %d; a sanitizer report?)\n", file,
               WIFEXITED(status) ? "exit status" : "signal",
               WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        progress->failed++;
    }
    remove_tree(dir);
}

/* --no-fork: the same in this process (for debuggers); a crash ends the whole run. */
static void run_script_inline(const char *file, const struct wast_options *opt,
                              struct wast_progress *progress)
{
    memset(progress, 0, sizeof *progress);
    char dir[4096];
    if (make_tmpdir(file, dir, sizeof dir) < 0) {
        progress->failed++;
        return;
    }
    struct wast_options inline_opt = *opt;
    inline_opt.timeout = 0;
    run_child(file, dir, &inline_opt, progress);
    remove_tree(dir);
}

int wast_main(int argc, char **argv)
{
    struct wast_options opt = {
        .run = {.api = NULL, .compile = {.opt_level = 2, .triple = NULL, .cpu = NULL, .threads = 0},
                .loose_traps = false},
        .timeout = 600,
    };
    int first_file = argc;
    bool no_fork = false;
    unsigned long n;
    const char **text;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            first_file = i + 1;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            first_file = i;
            break;
        }
        if (strcmp(a, "--loose-traps") == 0) {
            opt.run.loose_traps = true;
        } else if (strcmp(a, "--no-fork") == 0) {
            no_fork = true;
        } else if ((text = text_option(&opt, a)) != NULL) {
            if (i + 1 >= argc || !argv[i + 1][0])
                return usage_fail("option needs a value");
            *text = argv[++i];
        } else if (strcmp(a, "--opt-level") == 0 || strcmp(a, "--timeout") == 0) {
            if (i + 1 >= argc)
                return usage_fail("option needs a value");
            bool level = strcmp(a, "--opt-level") == 0;
            if (parse_uint(argv[++i], level ? 3 : 86400, &n) < 0)
                return usage_fail(level ? "--opt-level must be 0..3" : "--timeout must be 0..86400 seconds");
            if (level)
                opt.run.compile.opt_level = (int)n;
            else
                opt.timeout = (unsigned)n;
        } else {
            fprintf(stderr, "waot: wast: unknown option %s\n", a);
            return EXIT_WAOT;
        }
    }
    if (first_file >= argc)
        return usage_fail("no .wast file given");
    if (opt.emit_dir && opt.artifacts_dir)
        return usage_fail("--emit and --artifacts exclude each other");
    if (opt.artifacts_dir && (opt.run.compile.triple || opt.run.compile.cpu))
        return usage_fail("--artifacts runs what was emitted: --target and --cpu belong to --emit");
    if (!opt.emit_dir && !opt.artifacts_dir && opt.run.compile.triple)
        return usage_fail("--target without --emit: code for another machine cannot run here");

    struct waot_error err = {0};
    struct compiler_load cl = {0};
    if (opt.artifacts_dir) {
        if (wast_artifacts_open(opt.artifacts_dir, &opt.run.api, &err) < 0) {
            fprintf(stderr, "waot: wast: %s\n", err.msg);
            return EXIT_WAOT;
        }
    } else {
        if (compiler_load_open(&cl, &err) < 0) {
            fprintf(stderr, "waot: %s\n", err.msg);
            return EXIT_WAOT;
        }
        if (opt.emit_dir && wast_artifacts_prepare(opt.emit_dir, &opt.run.compile, &err) < 0) {
            fprintf(stderr, "waot: wast: %s\n", err.msg);
            compiler_load_close(&cl);
            return EXIT_WAOT;
        }
        opt.run.api = cl.api;
    }
    struct wast_progress *progress = mmap(NULL, sizeof *progress, PROT_READ | PROT_WRITE,
                                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (progress == MAP_FAILED) {
        fprintf(stderr, "waot: wast: mmap: %s\n", strerror(errno));
        compiler_load_close(&cl);
        return EXIT_WAOT;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    uint64_t passed = 0, failed = 0, skipped = 0;
    for (int i = first_file; i < argc; i++) {
        if (no_fork)
            run_script_inline(argv[i], &opt, progress);
        else
            run_script(argv[i], &opt, progress);
        printf("%s: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", argv[i],
               progress->passed, progress->failed, progress->skipped);
        passed += progress->passed;
        failed += progress->failed;
        skipped += progress->skipped;
    }
    printf("%" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", passed, failed, skipped);
    munmap(progress, sizeof *progress);
    compiler_load_close(&cl);
    return failed ? 1 : 0;
}
