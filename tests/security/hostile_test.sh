#!/bin/bash
# The hostile-guest suite (label "security"): guests built from the sources next to this
# script try to leave their preopen, race its lookups from a host-side helper, write through
# a read-only volume, hand bad pointers to every WASI function and exhaust descriptors,
# memory, stack and time. Each case checks the documented errno, trap or exit status, and
# that the host is untouched: canaries outside the preopen keep their content, size, link
# count, mode, mtime and ctime, and nothing new appears next to them. One ctest test per case:
#   hostile_test.sh WAOT WALK_RUN SRCDIR CASE
# WALK_RUN runs a module like `waot run` but resolves paths with wasi_path.c's fallback walk
# instead of openat2; CASE_walk variants use it.
set -u
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd) # before any cd: $0 may be relative
WAOT=$1
WALK_RUN=$2
SRC=$3
CASE=$4
CLANG=${WAOT_TEST_CLANG:-/usr/lib/llvm-16/bin/clang}
WAT2WASM=${WAOT_TEST_WAT2WASM:-wat2wasm}

T=$(mktemp -d /tmp/waot-hostile-XXXXXX) || exit 1
HELPER_PID=
cleanup() {
    [ -n "$HELPER_PID" ] && kill "$HELPER_PID" 2>/dev/null
    chmod -R u+w "$T" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
export WAOT_CACHE_DIR=$T/cache
# walk_run finds the compiler library next to waot
export WAOT_COMPILER_LIB=${WAOT_COMPILER_LIB:-$(dirname "$WAOT")/libwaot_compiler.so}
cd "$T" || exit 1

. "$TESTS_DIR/test_lib.sh"

# The runner of a case: waot itself, or walk_run for the CASE_walk variants.
RUNNER=("$WAOT" run)
case $CASE in
*_walk)
    RUNNER=("$WALK_RUN")
    CASE_BASE=${CASE%_walk}
    ;;
*) CASE_BASE=$CASE ;;
esac

guest() { # guest NAME: builds $SRC/NAME.c to NAME.wasm
    "$CLANG" --target=wasm32-wasi -O2 -Wall -Wextra -Werror -o "$1.wasm" "$SRC/$1.c" ||
        { echo "cannot build $1.c"; exit 1; }
}

# ---- the host side: canaries and the preopen ----
# H/secret.txt and H/outdir/file.txt are the canaries ("SECRET"); H/pre is the preopen, with
# inside.txt ("INSIDE"), sub/deeper/ and symlinks that lead out, loop or stay inside.
H=$T/host
make_host() {
    mkdir -p "$H/outdir" "$H/pre/sub/deeper" || exit 1
    printf 'SECRET\n' >"$H/secret.txt"
    printf 'SECRET2\n' >"$H/outdir/file.txt"
    printf 'INSIDE\n' >"$H/pre/inside.txt"
    ln -s "$H/secret.txt" "$H/pre/abs_file"
    ln -s "$H" "$H/pre/abs_dir"
    ln -s ../secret.txt "$H/pre/rel_file"
    ln -s .. "$H/pre/rel_dir"
    ln -s ../.. "$H/pre/sub/up2"
    ln -s sub/up2 "$H/pre/chain"
    ln -s loop_b "$H/pre/loop_a"
    ln -s loop_a "$H/pre/loop_b"
    ln -s self "$H/pre/self"
    ln -s ../pwned-dangling "$H/pre/dangling_rel"
    ln -s "$H/pwned-dangling-abs" "$H/pre/dangling_abs"
    ln -s sub/../inside.txt "$H/pre/inward"
    ln -s /proc/self/root "$H/pre/proc_root"
    # old times, so that any change shows
    touch -h -d '2001-02-03 04:05:06' "$H/secret.txt" "$H/outdir/file.txt" "$H/outdir" "$H"
}
# snapshot FILE: everything under H but the preopen (and the race helper's parking place),
# with type, size, links, mode, mtime, ctime, link target and content hash.
snapshot() {
    (
        cd "$H" || exit 1
        find . \( -path ./pre -o -path ./park \) -prune -o \
            -printf '%p %y %s %n %m %T@ %C@ %l\n' | sort
        find . \( -path ./pre -o -path ./park \) -prune -o -type f -exec sha256sum {} + | sort
    ) >"$1"
}
host_untouched() {
    snapshot "$T/after"
    if ! cmp -s "$T/before" "$T/after"; then
        fail "the host outside the preopen changed"
        diff "$T/before" "$T/after" | sed 's/^/  | /'
    fi
    [ "$(cat "$H/secret.txt")" = SECRET ] || fail "secret.txt changed"
}

# A host-side helper that keeps changing the preopen while the guest resolves through it.
race_helper() {
    "$CLANG" -O2 -Wall -Wextra -Werror -o flip "$SRC/flip.c" || { echo "cannot build flip.c"; exit 1; }
    ./flip "$@" &
    HELPER_PID=$!
}
race_stop() {
    kill "$HELPER_PID" 2>/dev/null
    wait "$HELPER_PID" 2>/dev/null
    HELPER_PID=
}

# lookups per race case
RACE_N=${WAOT_TEST_RACE_N:-20000}

make_host
case $CASE_BASE in
path_escape)
    guest escape
    snapshot "$T/before"
    run_cmd 0 "${RUNNER[@]}" -v "$H/pre:/pre" escape.wasm "$H"
    expect out '^0 failures$'
    expect_not out '^FAIL'
    host_untouched
    # what the guest was allowed to make stayed inside
    [ -L "$H/pre/new_rel" ] && [ -L "$H/pre/link_copy" ] || fail "guest symlinks missing"
    ;;
race_symlink)
    # pre/x: a directory holding secret.txt ("INSIDE"), swapped again and again with a
    # symlink to ".." and one to the absolute host directory (whose secret.txt is "SECRET")
    guest race
    mkdir "$H/pre/x" && printf 'INSIDE\n' >"$H/pre/x/secret.txt" && echo t >"$H/pre/x/trunc.txt"
    printf 'SECRET\n' >"$H/trunc.txt"
    ln -s .. "$H/pre/x_rel"
    ln -s "$H" "$H/pre/x_abs"
    touch -h -d '2001-02-03 04:05:06' "$H/trunc.txt" "$H"
    snapshot "$T/before"
    race_helper exchange 120 "$H/pre/x" "$H/pre/x_rel" "$H/pre/x_abs"
    run_cmd 0 "${RUNNER[@]}" -v "$H/pre:/pre" race.wasm symlink "$RACE_N"
    race_stop
    expect out '^0 failures$'
    # the race was real: some lookups went through the directory, some met a symlink
    expect out '^errno 0: [0-9]+$'
    expect out '^errno 63: [0-9]+$'
    host_untouched
    ;;
race_rename)
    # pre/a/b moves out to H/park/b and back; the guest opens a/b/../../inside.txt, which is
    # H/inside.txt ("SECRET") if `..` follows b out
    guest race
    mkdir -p "$H/pre/a/b" "$H/park" && printf 'INSIDE\n' >"$H/pre/inside.txt"
    echo t >"$H/pre/trunc.txt"
    printf 'SECRET\n' >"$H/inside.txt"
    printf 'SECRET\n' >"$H/trunc.txt"
    touch -h -d '2001-02-03 04:05:06' "$H/inside.txt" "$H/trunc.txt" "$H"
    snapshot "$T/before"
    race_helper move 120 "$H/pre/a/b" "$H/park/b"
    run_cmd 0 "${RUNNER[@]}" -v "$H/pre:/pre" race.wasm rename "$RACE_N"
    race_stop
    expect out '^0 failures$'
    expect out '^errno 0: [0-9]+$'
    expect out '^errno 44: [0-9]+$'
    host_untouched
    ;;
readonly)
    # /ro is mounted read-only, /rw writable; both lie inside H, so /ro is also compared
    # file by file
    guest readonly
    mkdir -p "$H/ro/d" "$H/ro/e" "$H/rw" && printf 'RO\n' >"$H/ro/file.txt"
    printf 'RO2\n' >"$H/ro/d/f.txt"
    echo w >"$H/rw/w.txt"
    touch -h -d '2001-02-03 04:05:06' "$H/ro/file.txt" "$H/ro/d/f.txt" "$H/ro/d" "$H/ro/e" "$H/ro"
    snapshot "$T/before"
    grep -q '^\./ro/file.txt ' "$T/before" || fail "snapshot misses /ro"
    run_cmd 0 "${RUNNER[@]}" -v "$H/ro:/ro:ro" -v "$H/rw:/rw" readonly.wasm
    expect out '^0 failures$'
    expect_not out '^FAIL'
    # only /rw may change: compare everything else
    grep -Ev '(^| )\./rw(/| |$)' "$T/before" >"$T/before.ro"
    mv "$T/before.ro" "$T/before"
    snapshot "$T/after"
    grep -Ev '(^| )\./rw(/| |$)' "$T/after" >"$T/after.ro"
    cmp -s "$T/before" "$T/after.ro" ||
        { fail "the read-only volume changed"; diff "$T/before" "$T/after.ro" | sed 's/^/  | /'; }
    [ -f "$H/rw/made.txt" ] || fail "the writable volume did not take a write"
    ;;
bad_pointers)
    guest badptr
    wat "$SRC/nomem.wat" -o nomem.wasm
    mkdir "$H/pre/d" && echo data >"$H/pre/f.txt" && ln -s f.txt "$H/pre/lnk"
    snapshot "$T/before"
    (cd "$H/pre" && find . -printf '%p %y %s %n %T@ %l\n' | sort) >"$T/pre.before"
    run_cmd 0 "$WAOT" run -v "$H/pre:/pre" badptr.wasm
    expect out '^0 failures$'
    expect_not out '^FAIL'
    expect_not out 'must not appear'
    # nothing the calls named was created or changed inside the preopen either
    (cd "$H/pre" && find . -printf '%p %y %s %n %T@ %l\n' | sort) >"$T/pre.after"
    cmp -s "$T/pre.before" "$T/pre.after" ||
        { fail "the preopen changed"; diff "$T/pre.before" "$T/pre.after" | sed 's/^/  | /'; }
    # a module that exports no memory: every pointer is out of bounds
    run_cmd 0 "$WAOT" run -v "$H/pre:/pre" nomem.wasm
    host_untouched
    ;;
fd_recover)
    guest fds
    mkdir "$H/pre/data" && echo hi >"$H/pre/data/f.txt"
    snapshot "$T/before"
    run_cmd 0 "$WAOT" run --max-fds 64 -v "$H/pre/data:/data" fds.wasm
    expect out '^emfile after [0-9]+ opens$'
    expect out '^after closing: read hi$'
    host_untouched
    ;;
traps)
    # each trap ends the guest with its message and 134, and leaves the host alone
    wat "$SRC/recurse.wat" -o recurse.wasm
    wat "$SRC/loop.wat" -o loop.wasm
    wat "$SRC/indirect.wat" -o indirect.wasm
    wat "$SRC/null_indirect.wat" -o null_indirect.wasm
    snapshot "$T/before"
    run_cmd 134 "$WAOT" run -v "$H/pre:/pre" recurse.wasm
    expect err '^waot: wasm trap: call stack exhausted$'
    run_cmd 134 "$WAOT" run --max-stack 128K -v "$H/pre:/pre" recurse.wasm
    expect err '^waot: wasm trap: call stack exhausted$'
    run_cmd 134 "$WAOT" run --timeout 500ms -v "$H/pre:/pre" loop.wasm
    expect err '^waot: wasm trap: timeout$'
    run_cmd 134 "$WAOT" run -v "$H/pre:/pre" indirect.wasm
    expect err '^waot: wasm trap: indirect call type mismatch$'
    run_cmd 134 "$WAOT" run -v "$H/pre:/pre" null_indirect.wasm
    expect err '^waot: wasm trap: uninitialized element$'
    run_cmd 134 "$WAOT" run -v "$H/pre:/pre" null_indirect.wasm past-the-end
    expect err '^waot: wasm trap: undefined element$'
    host_untouched
    ;;
memory)
    wat "$SRC/grow.wat" -o grow.wasm
    wat "$SRC/growhuge.wat" -o growhuge.wasm
    guest alloc
    snapshot "$T/before"
    run_cmd 0 "$WAOT" run --memory 64M -v "$H/pre:/pre" grow.wasm
    run_cmd 0 "$WAOT" run -v "$H/pre:/pre" growhuge.wasm
    run_cmd 0 "$WAOT" run --memory 64M -v "$H/pre:/pre" growhuge.wasm
    # malloc until NULL: the heap stops at the cap (64 MiB less what the program already
    # uses), and still works after freeing
    run_cmd 0 "$WAOT" run --memory 64M -v "$H/pre:/pre" alloc.wasm
    expect out '^malloc failed after 6[0-3] MiB$'
    expect out '^after freeing: malloc works$'
    host_untouched
    ;;
*)
    echo "unknown case $CASE"
    exit 2
    ;;
esac
[ "$FAILS" = 0 ] || exit 1
echo "ok [$CASE]"
