# Helpers shared by the shell test scripts (tests/cli, tests/image, tests/security).
# The sourcing script sets CASE and T (its temporary directory) first. Failures are counted
# in FAILS; each script reports them and sets its exit status at the end.
FAILS=0
fail() { echo "FAIL [$CASE]: $*"; FAILS=$((FAILS + 1)); }
wat() { "${WAT2WASM:-wat2wasm}" --debug-names "$@" || { echo "wat2wasm failed: $*"; exit 1; }; }

# run_cmd EXPECTED_STATUS CMD...: runs CMD, keeps stdout in $T/out and stderr in $T/err.
run_cmd() {
    local want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "$* exited $got, expected $want"
        sed 's/^/  stdout: /' "$T/out"
        sed 's/^/  stderr: /' "$T/err"
    fi
}
# run EXPECTED_STATUS ARGS...: run_cmd for waot ($WAOT) itself.
run() {
    local want=$1
    shift
    run_cmd "$want" "$WAOT" "$@"
}
# expect FILE PATTERN / expect_not FILE PATTERN: a line of $T/FILE matches (or none does)
# the extended regex PATTERN.
expect() { grep -Eq -- "$2" "$T/$1" || { fail "$1 lacks /$2/"; sed 's/^/  | /' "$T/$1"; }; }
expect_not() { ! grep -Eq -- "$2" "$T/$1" || { fail "$1 has /$2/"; sed 's/^/  | /' "$T/$1"; }; }
